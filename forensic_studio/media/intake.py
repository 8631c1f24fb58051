"""Evidence intake: identify a file by its content and hash it, read-only.

The file is opened for reading only and streamed in 1 MiB chunks, so a large
file is never held in memory here.  Nothing is ever written next to evidence.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import EmptyFileError, MediaError, MediaTooLargeError, UnrecognizedFormatError

CHUNK = 1 << 20
SNIFF_BYTES = 64


@dataclass(frozen=True)
class FileKind:
    modality: str  # image | audio | video
    format: str  # short name: JPEG, PNG, MP4, ...


# ISO base media "ftyp" brands that mean a still image or audio only; other brands are video.
_IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A "}


def sniff(head: bytes) -> FileKind | None:
    """Recognise a media file from its first bytes; ``None`` when nothing matches."""
    for check in _SNIFFERS:
        kind = check(head)
        if kind is not None:
            return kind
    return None


def _sniff_simple(head: bytes) -> FileKind | None:
    prefixes = (
        (b"\xff\xd8\xff", FileKind("image", "JPEG")),
        (b"\x89PNG\r\n\x1a\n", FileKind("image", "PNG")),
        (b"GIF87a", FileKind("image", "GIF")),
        (b"GIF89a", FileKind("image", "GIF")),
        (b"II*\x00", FileKind("image", "TIFF")),
        (b"MM\x00*", FileKind("image", "TIFF")),
        (b"fLaC", FileKind("audio", "FLAC")),
        (b"OggS", FileKind("audio", "OGG")),
        (b"ID3", FileKind("audio", "MP3")),
        (b"\x1a\x45\xdf\xa3", FileKind("video", "MATROSKA")),
    )
    for prefix, kind in prefixes:
        if head.startswith(prefix):
            return kind
    # BMP: "BM" then the file size field; require a plausible DIB header size to avoid text starting "BM".
    if head.startswith(b"BM") and len(head) >= 18 and int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 64, 108, 124):
        return FileKind("image", "BMP")
    # MPEG audio frame sync (MP3 without an ID3 tag) and ADTS AAC.
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and (head[1] & 0x06) != 0:
        return FileKind("audio", "MP3")
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xF6) == 0xF0:
        return FileKind("audio", "AAC")
    return None


def _sniff_riff(head: bytes) -> FileKind | None:
    if not head.startswith(b"RIFF") or len(head) < 12:
        return None
    if head[8:12] == b"WEBP" and head[12:16] == b"VP8X" and len(head) > 20 and head[20] & 0x02:
        return FileKind("video", "WEBP")  # the extended header's animation flag: analysed as video
    return {b"WEBP": FileKind("image", "WEBP"), b"WAVE": FileKind("audio", "WAV"),
            b"AVI ": FileKind("video", "AVI")}.get(head[8:12])


def _sniff_iso_bmff(head: bytes) -> FileKind | None:
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    if brand in _IMAGE_BRANDS:
        return FileKind("image", "AVIF" if brand.startswith(b"avi") else "HEIF")
    if brand in _AUDIO_BRANDS:
        return FileKind("audio", "M4A")
    return FileKind("video", "MOV" if brand == b"qt  " else "MP4")


_SNIFFERS = (_sniff_simple, _sniff_riff, _sniff_iso_bmff)


@dataclass(frozen=True)
class Evidence:
    """A file accepted for analysis: where it is, what it is, and its hashes."""

    path: Path
    kind: FileKind
    size_bytes: int
    sha256: str
    md5: str


def identify(path: Path) -> FileKind:
    """Sniff a file's kind without hashing it (used to filter directory contents)."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head:
        raise EmptyFileError("the file is empty (0 bytes)")
    kind = sniff(head)
    if kind is None:
        raise UnrecognizedFormatError(
            f"content is not a recognised image, audio or video format (starts with {head[:8].hex(' ')})"
        )
    if kind.format == "GIF" and _gif_is_animated(path):
        return FileKind("video", "GIF")
    return kind


def _gif_is_animated(path: Path) -> bool:
    """True for a GIF with more than one frame (analysed as video; a still GIF stays an image)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            return bool(getattr(image, "is_animated", False))
    except Exception:  # unreadable: the image opener reports it properly
        return False


def take_in(path: Path, max_bytes: int) -> Evidence:
    """Check, identify and hash one evidence file (read-only, streamed)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise MediaError(f"no such file: {path}", code="not_found") from None
    except PermissionError:
        raise MediaError(f"permission denied: {path}", code="permission_denied") from None
    if not stat.S_ISREG(info.st_mode):
        raise MediaError("not a regular file", code="not_a_file")
    if info.st_size == 0:
        raise EmptyFileError("the file is empty (0 bytes)")
    if info.st_size > max_bytes:
        raise MediaTooLargeError(f"file is {info.st_size:,} bytes, above the {max_bytes:,}-byte limit")
    try:
        kind = identify(path)
        sha256, md5 = hash_file(path)
    except PermissionError:
        raise MediaError(f"permission denied: {path}", code="permission_denied") from None
    return Evidence(path=path, kind=kind, size_bytes=info.st_size, sha256=sha256, md5=md5)


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, streamed (model weights, pack files, split keys)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def hash_file(path: Path) -> tuple[str, str]:
    """SHA-256 and MD5 of a file, streamed."""
    sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    with open(path, "rb", buffering=0) as handle:
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        while True:
            count = handle.readinto(buffer)
            if not count:
                break
            sha256.update(view[:count])
            md5.update(view[:count])
    return sha256.hexdigest(), md5.hexdigest()


def hash_status(path: Path | None, sha256: str) -> str:
    """Re-check a file against a recorded SHA-256: 'verified', 'MISMATCH', or 'missing' (absent or unreadable)."""
    if path is None or not path.is_file():
        return "missing"
    try:
        return "verified" if hash_file(path)[0] == sha256 else "MISMATCH"
    except OSError:
        return "missing"


def expand_inputs(paths: list[str]) -> list[Path]:
    """Files as given, in order; directories expanded recursively to the media files inside, sorted."""
    expanded: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            expanded.extend(_media_files_under(path))
        else:
            expanded.append(path)
    return expanded


def _media_files_under(folder: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            candidate = Path(root) / name
            try:
                identify(candidate)
            except (MediaError, OSError):
                continue  # not media: directory scans skip it silently
            found.append(candidate)
    return found
