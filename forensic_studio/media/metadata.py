"""Read every kind of embedded metadata an image can carry, defensively.

Each reader is independent: a malformed EXIF block must not hide the XMP, and
a hostile XMP packet (entity expansion) is parsed with defusedxml.  Problems are
collected in ``Metadata.problems`` instead of raised, because a broken metadata
block is itself evidence an analyst wants to see.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

log = logging.getLogger(__name__)
# exifread logs "no EXIF" at warning level for every PNG; absence is recorded in the result instead.
logging.getLogger("exifread").setLevel(logging.ERROR)

MAX_XMP_BYTES = 8 * 1024 * 1024
MAX_VALUE_CHARS = 4000
C2PA_MAX_BYTES = 64 * 1024 * 1024
C2PA_SCAN_BYTES = 16 * 1024 * 1024  # longer values are truncated in tables (prompts can be huge)


@dataclass
class C2paInfo:
    present: bool
    validation_state: str | None = None  # Valid | Invalid | Trusted | None
    claim_generator: str = ""
    title: str = ""
    signer: str = ""
    issuer: str = ""
    actions: list[dict[str, Any]] = field(default_factory=list)
    ingredients: list[str] = field(default_factory=list)
    validation_codes: list[str] = field(default_factory=list)
    error: str | None = None
    not_validated_reason: str | None = None


@dataclass
class Metadata:
    exif: dict[str, str] = field(default_factory=dict)
    xmp: dict[str, str] = field(default_factory=dict)
    iptc: dict[str, str] = field(default_factory=dict)
    text_chunks: dict[str, str] = field(default_factory=dict)  # PNG tEXt/iTXt/zTXt, GIF/WebP comments
    c2pa: C2paInfo = field(default_factory=lambda: C2paInfo(present=False))
    thumbnail: bytes | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.exif or self.xmp or self.iptc or self.text_chunks or self.c2pa.present)

    def searchable_fields(self) -> list[tuple[str, str]]:
        """(source:key, value) pairs of every text field, for signature matching."""
        fields: list[tuple[str, str]] = []
        for prefix, table in (("exif", self.exif), ("xmp", self.xmp), ("iptc", self.iptc), ("text", self.text_chunks)):
            fields.extend((f"{prefix}:{key}", value) for key, value in table.items())
        if self.c2pa.present:
            fields.append(("c2pa:claim_generator", self.c2pa.claim_generator))
            for index, action in enumerate(self.c2pa.actions):
                fields.append((f"c2pa:action[{index}]", json.dumps(action, ensure_ascii=False)))
            fields.extend((f"c2pa:ingredient[{i}]", title) for i, title in enumerate(self.c2pa.ingredients))
        return fields


def read_metadata(path, header: Image.Image) -> Metadata:
    """Collect EXIF, XMP, IPTC, text chunks and C2PA from an image file."""
    metadata = Metadata()
    for reader in (_read_exif, _read_xmp, _read_iptc, _read_text_chunks, _read_c2pa):
        try:
            reader(path, header, metadata)
        except Exception as exc:  # one broken block must not hide the others
            log.debug("metadata reader %s failed", reader.__name__, exc_info=True)
            metadata.problems.append(f"{reader.__name__.removeprefix('_read_')}: unreadable ({exc})")
    return metadata


def _clip(value: str) -> str:
    value = value.replace("\x00", "").strip()
    return value if len(value) <= MAX_VALUE_CHARS else value[:MAX_VALUE_CHARS] + " …[truncated]"


def _read_exif(path, header: Image.Image, metadata: Metadata) -> None:
    import exifread

    with open(path, "rb") as handle:
        tags = exifread.process_file(handle, details=False, extract_thumbnail=True)
    for key, value in tags.items():
        if key == "JPEGThumbnail":
            metadata.thumbnail = bytes(value)
        elif key.startswith("Image XP"):  # Windows XPTitle/XPComment/...: UTF-16-LE bytes, not a number list
            metadata.exif[key] = _clip(_utf16_text(value))
        elif key != "TIFFThumbnail":
            metadata.exif[key] = _clip(str(value))


def _utf16_text(tag) -> str:
    try:
        return bytes(tag.values).decode("utf-16-le", "replace")
    except (TypeError, ValueError):
        return str(tag)


def _read_xmp(path, header: Image.Image, metadata: Metadata) -> None:
    raw = header.info.get("xmp") or header.info.get("XML:com.adobe.xmp")
    if raw is None:
        return
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "replace")
    if len(raw) > MAX_XMP_BYTES:
        metadata.problems.append(f"xmp: packet of {len(raw):,} bytes ignored (limit {MAX_XMP_BYTES:,})")
        return
    metadata.xmp.update(parse_xmp(raw))


def parse_xmp(raw: bytes) -> dict[str, str]:
    """Flatten an XMP packet into ``prefix:Name`` → text (lists joined with '; ')."""
    from defusedxml import ElementTree

    start = raw.find(b"<x:xmpmeta")
    if start < 0:
        start = raw.find(b"<rdf:RDF")
    end = raw.rfind(b"</x:xmpmeta>")
    packet = raw[start:end + len(b"</x:xmpmeta>")] if start >= 0 and end > start else raw
    root = ElementTree.fromstring(packet)
    namespaces = _namespace_prefixes(packet)
    parents = {child: parent for parent in root.iter() for child in parent}
    flat: dict[str, list[str]] = {}
    for element in root.iter():
        name = _qualified(element.tag, namespaces)
        for attr, value in element.attrib.items():
            attr_name = _qualified(attr, namespaces)
            if not attr_name.startswith(("rdf:", "xml:", "x:")):
                flat.setdefault(attr_name, []).append(value)
        text = (element.text or "").strip()
        if text and not name.startswith(("rdf:", "x:")):
            flat.setdefault(name, []).append(text)
        elif text and name == "rdf:li":
            flat.setdefault(_list_owner(parents, element, namespaces), []).append(text)
    return {key: _clip("; ".join(values)) for key, values in flat.items()}


def _namespace_prefixes(packet: bytes) -> dict[str, str]:
    return {uri.decode("utf-8", "replace"): prefix.decode("utf-8", "replace")
            for prefix, uri in re.findall(rb'xmlns:([\w.-]+)="([^"]+)"', packet)}


def _qualified(tag: str, namespaces: dict[str, str]) -> str:
    if tag.startswith("{"):
        uri, local = tag[1:].split("}", 1)
        return f"{namespaces.get(uri, uri)}:{local}"
    return tag


def _list_owner(parents: dict, element, namespaces: dict[str, str]) -> str:
    """The property an ``rdf:li`` belongs to (its grandparent: prop > Seq/Bag/Alt > li)."""
    container = parents.get(element)
    prop = parents.get(container) if container is not None else None
    return _qualified(prop.tag, namespaces) if prop is not None else "rdf:li"


# IPTC IIM record 2 datasets worth showing to an analyst.
_IPTC_NAMES = {
    (2, 5): "ObjectName", (2, 25): "Keywords", (2, 55): "DateCreated", (2, 60): "TimeCreated",
    (2, 65): "OriginatingProgram", (2, 70): "ProgramVersion", (2, 80): "By-line", (2, 85): "By-lineTitle",
    (2, 90): "City", (2, 101): "Country", (2, 105): "Headline", (2, 110): "Credit", (2, 115): "Source",
    (2, 116): "CopyrightNotice", (2, 120): "Caption-Abstract", (2, 122): "Writer-Editor",
}


def _read_iptc(path, header: Image.Image, metadata: Metadata) -> None:
    from PIL import IptcImagePlugin

    if header.format not in ("JPEG", "TIFF"):
        return
    info = IptcImagePlugin.getiptcinfo(header) or {}
    for key, value in info.items():
        values = value if isinstance(value, list) else [value]
        texts = [item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item) for item in values]
        metadata.iptc[_IPTC_NAMES.get(key, f"{key[0]}:{key[1]}")] = _clip("; ".join(texts))


# Keys Pillow puts in ``info`` that are not text metadata.
_NON_TEXT_INFO = {"xmp", "XML:com.adobe.xmp", "exif", "icc_profile", "dpi", "jfif", "jfif_version", "jfif_unit",
                  "jfif_density", "progressive", "progression", "adobe", "adobe_transform", "photoshop",
                  "transparency", "gamma", "duration", "loop", "background", "version", "extension",
                  "aspect", "compression", "chromaticity", "srgb", "interlace", "mp", "mpoffset", "exif_offset"}


def _read_text_chunks(path, header: Image.Image, metadata: Metadata) -> None:
    for key, value in header.info.items():
        if key in _NON_TEXT_INFO or not isinstance(key, str):
            continue
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str):
            metadata.text_chunks[key] = _clip(value)


def read_c2pa(path) -> C2paInfo:
    """C2PA content credentials of any file the SDK reads (images, MP4/MOV video, audio)."""
    metadata = Metadata()
    try:
        _read_c2pa(path, None, metadata)
    except Exception as exc:  # the SDK failing must not stop the analysis
        log.debug("C2PA reading failed", exc_info=True)
        return C2paInfo(present=False, error=f"unreadable ({exc})")
    return metadata.c2pa


def _read_c2pa(path, header: Image.Image | None, metadata: Metadata) -> None:
    import c2pa

    size = os.path.getsize(path)
    if size > C2PA_MAX_BYTES:
        # The C2PA SDK holds the whole asset in memory (twice, measured with c2pa-python 0.38);
        # above the limit we only look for a manifest, and say that it was not validated.
        if _has_c2pa_marker(path):
            metadata.c2pa = C2paInfo(present=True, not_validated_reason=(
                f"file is {size / 2**20:.0f} MiB, above the {C2PA_MAX_BYTES // 2**20} MiB limit for C2PA validation"))
        return
    try:
        reader = c2pa.Reader.try_create(str(path))
    except c2pa.C2paError as exc:
        text = str(exc)
        if "NotSupported" in text or "not supported" in text.lower():
            return  # the format cannot carry C2PA as far as the SDK knows
        metadata.c2pa = C2paInfo(present=True, error=f"manifest present but unreadable: {text}")
        return
    if reader is None:
        return
    with reader:
        store = json.loads(reader.json())
    metadata.c2pa = summarise_c2pa(store)


def _has_c2pa_marker(path) -> bool:
    """Whether a JUMBF box labelled c2pa appears in the first C2PA_SCAN_BYTES (streamed, bounded)."""
    tail = b""
    with open(path, "rb") as handle:
        for _ in range(C2PA_SCAN_BYTES // (1 << 20)):
            chunk = handle.read(1 << 20)
            if not chunk:
                break
            window = tail + chunk
            if b"jumb" in window and b"c2pa" in window:
                return True
            tail = chunk[-16:]
    return False


def summarise_c2pa(store: dict[str, Any]) -> C2paInfo:
    """Reduce a C2PA manifest store (as c2pa-python returns it) to the facts analysts need."""
    active = store.get("manifests", {}).get(store.get("active_manifest", ""), {})
    generator = active.get("claim_generator") or ", ".join(
        " ".join(str(part) for part in (item.get("name"), item.get("version")) if part)
        for item in active.get("claim_generator_info", []) if isinstance(item, dict)
    )
    actions: list[dict[str, Any]] = []
    for assertion in active.get("assertions", []):
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            actions.extend(assertion.get("data", {}).get("actions", []))
    signature = active.get("signature_info", {})
    statuses = store.get("validation_status", []) or []
    return C2paInfo(
        present=True,
        validation_state=store.get("validation_state"),
        claim_generator=generator,
        title=str(active.get("title", "")),
        signer=str(signature.get("common_name", "")),
        issuer=str(signature.get("issuer", "")),
        actions=actions,
        ingredients=[str(item.get("title", "")) for item in active.get("ingredients", [])],
        validation_codes=[str(item.get("code", "")) for item in statuses],
    )


def decode_thumbnail(data: bytes | None):
    """The EXIF thumbnail as an RGB array, or None when absent or undecodable."""
    if not data:
        return None
    import numpy as np

    try:
        with Image.open(io.BytesIO(data)) as thumb:
            if thumb.width * thumb.height > 1_000_000:
                return None
            return np.asarray(thumb.convert("RGB"))
    except Exception:
        return None
