"""Provenance layers: what the file says about where it came from.

Three detectors share the parsed ``media.metadata``:
  metadata  - generator/editor signatures and IPTC digital-source types in EXIF/XMP/IPTC/text chunks
  c2pa      - C2PA content credentials: who signed, what actions, AI ingredients, signature validity
  camera    - whether camera metadata is present and coherent (dates, dimensions, thumbnail, software)

Metadata is easy to strip and possible to forge: these layers can prove an AI
origin that a tool declared, but their silence proves nothing.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from ...context import AnalysisContext
from ...media.metadata import decode_thumbnail
from ...results import LayerResult
from ..registry import register
from .signatures import AI_SOURCE_TYPES, match_signatures

BOTH_MODES = frozenset({"fast", "full"})


@register
class MetadataSignatures:
    name = "metadata"
    modality = "image"
    version = "1.0"
    modes = BOTH_MODES
    description = ("Reads EXIF, XMP, IPTC and PNG/WebP text chunks and matches them against signatures of "
                   "generative tools and editors, and IPTC DigitalSourceType codes for AI media.")
    limitations = ("Metadata is removed by most social networks and can be edited; absence of a signature "
                   "is not evidence of authenticity.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        meta = media.metadata
        matches = match_signatures(meta.searchable_fields())
        details = {
            "matches": [match.as_dict() for match in matches],
            "tables": {"EXIF": meta.exif, "XMP": meta.xmp, "IPTC": meta.iptc, "Text chunks": meta.text_chunks},
            "problems": meta.problems,
        }
        ai = [m for m in matches if m.category in ("ai_generator", "ai_editor")]
        editors = [m for m in matches if m.category == "editor"]
        if ai:
            generated = any(m.category == "ai_generator" for m in ai)
            tools = _unique(m.tool for m in ai)
            first = ai[0]
            summary = f"AI {'generator' if generated else 'editing'} signature: {', '.join(tools)} ({first.field}: \"{first.evidence}\")"
            return LayerResult(self.name, 0.97 if generated else 0.9, 1.0, summary, self.version, details,
                               signals={"ai_metadata": True})
        if editors:
            tools = _unique(m.tool for m in editors)
            return LayerResult(self.name, 0.6, 0.4, f"Edited with {', '.join(tools)} ({editors[0].field})",
                               self.version, details, signals={"edited": True})
        if meta.is_empty:
            return LayerResult(self.name, 0.5, 0.0, "No embedded metadata (stripped, screenshot, or generated)",
                               self.version, details, signals={"no_metadata": True})
        return LayerResult(self.name, 0.5, 0.0, "Metadata present; no generator or editor signature",
                           self.version, details)


@register
class ContentCredentials:
    name = "c2pa"
    modality = "image"
    version = "1.0"
    modes = BOTH_MODES
    description = ("Reads C2PA content credentials with the c2pa SDK: claim generator, signer, actions, "
                   "digital source types of the asset and its ingredients, and signature validation.")
    limitations = ("Only a minority of files carry credentials; a valid signature proves who signed, not that "
                   "the content is true, and an untrusted signer is only as good as its certificate.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        info = media.metadata.c2pa
        details = {
            "present": info.present, "validation_state": info.validation_state,
            "claim_generator": info.claim_generator, "title": info.title, "signer": info.signer,
            "issuer": info.issuer, "actions": info.actions, "ingredients": info.ingredients,
            "validation_codes": info.validation_codes, "error": info.error,
        }
        if not info.present:
            return LayerResult(self.name, 0.5, 0.0, "No C2PA content credentials", self.version, details)
        if info.not_validated_reason:
            details["not_validated_reason"] = info.not_validated_reason
            return LayerResult(self.name, 0.5, 0.0, f"C2PA manifest present, not validated: {info.not_validated_reason}",
                               self.version, details, signals={"c2pa_unvalidated": True})
        if info.error:
            return LayerResult(self.name, 0.6, 0.4, f"C2PA manifest present but unreadable: {info.error}",
                               self.version, details, signals={"c2pa_invalid": True})
        sources = [str(action.get("digitalSourceType", "")).rsplit("/", 1)[-1] for action in info.actions]
        ai_sources = [source for source in sources if source.lower() in AI_SOURCE_TYPES]
        signed_by = f"signed by {info.signer or 'unknown'} ({info.issuer or 'unknown issuer'}), claim generator {info.claim_generator or 'unknown'}"
        failures = [code for code in info.validation_codes if "untrusted" not in code]
        invalid = (info.validation_state or "").lower() == "invalid" and bool(failures)
        broken = f"manifest fails validation ({', '.join(failures)}): the file changed after signing" if invalid else ""
        if ai_sources:
            summary = f"C2PA declares AI source ({', '.join(_unique(ai_sources))}); {signed_by}" + (f"; {broken}" if broken else "")
            return LayerResult(self.name, 0.97, 1.0, summary, self.version, details,
                               signals={"ai_metadata": True, **({"c2pa_invalid": True} if invalid else {})})
        if invalid:
            return LayerResult(self.name, 0.7, 0.6, f"C2PA {broken}; {signed_by}", self.version, details,
                               signals={"c2pa_invalid": True})
        trusted = (info.validation_state or "").lower() == "trusted"
        captured = any(source.lower() == "digitalcapture" for source in sources)
        score = 0.2 if captured else 0.35
        confidence = (0.7 if trusted else 0.35) if captured else 0.2
        state = "trusted" if trusted else "valid, signer not on a trust list"
        return LayerResult(self.name, score, confidence, f"C2PA credentials {state}; {signed_by}",
                           self.version, details, signals={"camera_metadata": captured and trusted})


@register
class CameraConsistency:
    name = "camera"
    modality = "image"
    version = "1.0"
    modes = BOTH_MODES
    description = ("Checks camera metadata for coherence: make/model and capture date present, modification "
                   "date, EXIF dimensions versus pixels, embedded thumbnail versus main image, editing software.")
    limitations = ("Camera metadata can be copied from a real photo onto a fake; coherence is weak evidence of "
                   "authenticity. Many legitimate workflows (cropping, export) also alter these fields.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        exif = media.metadata.exif
        findings: list[dict[str, str]] = []
        has_camera = bool(exif.get("Image Make") and exif.get("Image Model"))
        _check_dates(exif, findings)
        _check_dimensions(exif, media.size, findings)
        _check_software(exif, findings)
        if media.metadata.thumbnail:
            _check_thumbnail(media, findings)
        warnings = [f for f in findings if f["status"] == "warning"]
        details = {"camera": " ".join(filter(None, (exif.get("Image Make"), exif.get("Image Model")))),
                   "findings": findings}
        if not exif:
            return LayerResult(self.name, 0.5, 0.0, "No EXIF metadata", self.version, details)
        if warnings:
            score = max(float(f["weight"]) for f in warnings)
            summary = "; ".join(f["detail"] for f in warnings)
            return LayerResult(self.name, score, 0.6, summary, self.version, details, signals={"edited": True})
        if has_camera and exif.get("EXIF DateTimeOriginal"):
            return LayerResult(self.name, 0.3, 0.4, f"Coherent camera metadata ({details['camera']})",
                               self.version, details, signals={"camera_metadata": True})
        return LayerResult(self.name, 0.5, 0.1, "EXIF present but no camera make/model or capture date",
                           self.version, details)


def _finding(findings: list, check: str, status: str, detail: str, weight: float = 0.0) -> None:
    findings.append({"check": check, "status": status, "detail": detail, "weight": f"{weight:.2f}"})


def _parse_exif_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value.strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _check_dates(exif: dict, findings: list) -> None:
    original = _parse_exif_time(exif.get("EXIF DateTimeOriginal"))
    modified = _parse_exif_time(exif.get("Image DateTime"))
    if exif.get("EXIF DateTimeOriginal") and original is None:
        _finding(findings, "capture date", "warning", f"unparseable capture date {exif['EXIF DateTimeOriginal']!r}", 0.6)
    if original is not None and not (datetime(1990, 1, 1) <= original <= datetime.now()):
        _finding(findings, "capture date", "warning", f"implausible capture date {original:%Y-%m-%d}", 0.65)
    if original and modified and (modified - original).total_seconds() > 60:
        _finding(findings, "modification date", "warning",
                 f"modified {modified:%Y-%m-%d %H:%M} after capture {original:%Y-%m-%d %H:%M}", 0.6)
    elif original:
        _finding(findings, "capture date", "ok", f"captured {original:%Y-%m-%d %H:%M:%S}")


def _check_dimensions(exif: dict, size: tuple[int, int], findings: list) -> None:
    try:
        declared = (int(exif["EXIF ExifImageWidth"]), int(exif["EXIF ExifImageLength"]))
    except (KeyError, ValueError):
        return
    if declared in (size, size[::-1]):
        _finding(findings, "dimensions", "ok", f"EXIF dimensions match pixels ({size[0]}x{size[1]})")
    else:
        _finding(findings, "dimensions", "warning",
                 f"EXIF says {declared[0]}x{declared[1]} but pixels are {size[0]}x{size[1]} (resized or cropped)", 0.65)


def _check_software(exif: dict, findings: list) -> None:
    software = exif.get("Image Software", "")
    if not software:
        return
    matches = [m for m in match_signatures([("exif:Image Software", software)]) if m.category == "editor"]
    if matches:
        _finding(findings, "software", "warning", f"saved by editing software {matches[0].tool} ({software})", 0.6)
    else:
        _finding(findings, "software", "info", f"software: {software}")


def _check_thumbnail(media, findings: list) -> None:
    thumb = decode_thumbnail(media.metadata.thumbnail)
    if thumb is None:
        return
    import cv2

    th, tw = thumb.shape[:2]
    image = media.preview
    ih, iw = image.shape[:2]
    if abs(tw / th - iw / ih) > 0.05 and abs(tw / th - ih / iw) > 0.05:
        # Cameras pad thumbnails to 160x120; compare only when no letterbox explains the difference.
        _finding(findings, "thumbnail", "info", f"thumbnail aspect {tw}x{th} differs from image {iw}x{ih}")
        return
    small = cv2.resize(image, (tw, th), interpolation=cv2.INTER_AREA).astype(np.float32)
    gray_small, gray_thumb = small.mean(axis=2), thumb.astype(np.float32).mean(axis=2)
    correlation = np.corrcoef(gray_small.ravel(), gray_thumb.ravel())[0, 1] if gray_small.std() > 1 and gray_thumb.std() > 1 else 1.0
    if correlation < 0.85:
        _finding(findings, "thumbnail", "warning",
                 f"embedded thumbnail differs from the image (correlation {correlation:.2f}): edited after capture", 0.8)
    else:
        _finding(findings, "thumbnail", "ok", f"thumbnail matches image (correlation {correlation:.2f})")


def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))
