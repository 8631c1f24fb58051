"""Checks that keep an imported pack from doing harm: archive paths and pickles."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from .store import PackError

MAX_ARCHIVE_BYTES = 8 * 1024**3
MAX_ARCHIVE_MEMBERS = 10_000
# Formats that run code when loaded: refused unless a pack kind pins their hash.
PICKLE_SUFFIXES = {".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib", ".npy", ".npz"}


class UnsafePackError(PackError):
    """The folder or archive would escape the store or execute code on load."""


def looks_like_pickle(path: Path) -> bool:
    """By content, not name: a raw pickle (PROTO opcode) or torch's zip with a data.pkl."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return True
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as archive:
                return any(name.endswith(".pkl") for name in archive.namelist())
        except zipfile.BadZipFile:
            return False
    return path.suffix.lower() in PICKLE_SUFFIXES


def safe_member_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise UnsafePackError(f"archive member {name!r} would be written outside the pack folder")
    return path


def extract_archive(archive_path: Path, destination: Path) -> None:
    """Extract a zip member by member, refusing escapes, links and archive bombs."""
    try:
        archive = zipfile.ZipFile(archive_path)
    except zipfile.BadZipFile as exc:
        raise UnsafePackError(f"{archive_path.name} is not a readable zip archive") from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ARCHIVE_MEMBERS:
            raise UnsafePackError(f"{archive_path.name} has {len(members)} members; refusing more than {MAX_ARCHIVE_MEMBERS}")
        if sum(m.file_size for m in members) > MAX_ARCHIVE_BYTES:
            raise UnsafePackError(f"{archive_path.name} expands beyond {MAX_ARCHIVE_BYTES // 1024**3} GiB")
        for member in members:
            relative = safe_member_path(member.filename)
            if stat.S_ISLNK(member.external_attr >> 16):
                raise UnsafePackError(f"archive member {member.filename!r} is a symbolic link")
            target = destination.joinpath(*relative.parts)
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, open(target, "wb") as sink:
                while chunk := source.read(1 << 20):
                    sink.write(chunk)


def refuse_pickles(folder: Path, names: list[str] | None = None) -> None:
    """Raise if any file (or each of ``names``) under ``folder`` is a pickle."""
    paths = [folder / n for n in names] if names is not None else sorted(p for p in folder.rglob("*") if p.is_file())
    for path in paths:
        if looks_like_pickle(path):
            raise UnsafePackError(
                f"{path.relative_to(folder)} is a pickle, which can run arbitrary code when loaded; "
                "only safetensors (or a pinned published checkpoint) can be imported")
