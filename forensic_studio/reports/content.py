"""What goes into a report, gathered from a case or from loose results, and its signed manifest.

The PDF layout (``pdf.py``) only draws a ``ReportInput``; gathering re-hashes
every evidence file at report time, so the custody table states what is true
when the report is issued, not what was true at intake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..cases.audit import digest, utc_now
from ..media.intake import hash_status
from ..results import AnalysisResult


@dataclass
class ReportEvidence:
    number: int
    name: str
    path: str
    size_bytes: int | None
    sha256: str | None
    md5: str | None
    acquired_at: str
    added_by: str
    status_at_report: str  # verified | MISMATCH | missing | not hashed
    result: AnalysisResult | None


@dataclass
class ReportBookmark:
    evidence_number: int
    layer: str
    status: str
    note: str
    created_at: str
    created_by: str


@dataclass
class ReportInput:
    title: str
    analyst: str
    case: dict[str, str] = field(default_factory=dict)
    evidence: list[ReportEvidence] = field(default_factory=list)
    bookmarks: list[ReportBookmark] = field(default_factory=list)
    audit: dict[str, Any] | None = None  # entries, head, problems (None without a case)
    generated_at: str = field(default_factory=utc_now)
    environment: dict[str, str] = field(default_factory=dict)

    def results(self) -> list[AnalysisResult]:
        return [item.result for item in self.evidence if item.result is not None]


def from_results(results: list[AnalysisResult], analyst: str, title: str = "Forensic media analysis") -> ReportInput:
    """A quick report without a case: one evidence row per analysed file."""
    evidence = []
    for number, result in enumerate(results, start=1):
        info = result.evidence
        evidence.append(ReportEvidence(
            number=number, name=Path(info.path).name, path=str(Path(info.path).resolve()), size_bytes=info.size_bytes,
            sha256=info.sha256, md5=info.md5, acquired_at=result.analyzed_at, added_by=analyst,
            status_at_report=hash_status(Path(info.path), info.sha256) if info.sha256 else "not hashed",
            result=result))
    return ReportInput(title=title, analyst=analyst, evidence=evidence)


def from_case(case, analyst: str) -> ReportInput:
    """Everything a case holds: evidence with its latest run, bookmarks, and the verified audit head."""
    from ..cases.verify import verify_case

    verification = verify_case(case, rehash=True)
    info = case.info
    evidence = []
    for item in case.evidence():
        run = case.latest_run(item.id)
        evidence.append(ReportEvidence(
            number=item.id, name=item.name, path=item.original_path, size_bytes=item.size_bytes, sha256=item.sha256,
            md5=item.md5, acquired_at=item.acquired_at, added_by=item.added_by,
            status_at_report=verification.evidence_status.get(item.id, "missing"),
            result=run.result() if run else None))
    bookmarks = [ReportBookmark(b.evidence_id, b.layer, b.status, b.note, b.created_at, b.created_by)
                 for b in case.bookmarks()]
    audit = {"entries": verification.entries, "head": verification.head, "problems": verification.problems}
    title = info.get("title") or "Forensic media analysis"
    return ReportInput(title=title, analyst=analyst, case=info, evidence=evidence, bookmarks=bookmarks, audit=audit)


def metadata_tables(result: AnalysisResult) -> dict[str, dict[str, str]]:
    """Every non-empty metadata table the layers found (EXIF, XMP, IPTC, text chunks, container and stream
    tags), plus C2PA, keyed by group name; shared by the report and the window."""
    import json

    tables: dict[str, dict[str, str]] = {}
    for layer in result.layers:
        if layer.error is not None:
            continue
        for name, table in (layer.details.get("tables") or {}).items():
            if table:
                tables[name] = {str(k): str(v) for k, v in table.items()}
        c2pa = layer.details.get("c2pa") if isinstance(layer.details.get("c2pa"), dict) else None
        if layer.name == "c2pa" and layer.details.get("present"):
            c2pa = layer.details
        if c2pa:
            tables["C2PA"] = {k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else str(v)
                              for k, v in c2pa.items() if v not in (None, "", [], {})}
    return tables


def key_frames(result: AnalysisResult, limit: int = 6) -> list[float]:
    """Times worth showing as frames: each face track at its most suspicious, then each suspicious interval."""
    framed = [region for layer in result.layers for region in layer.regions if region.time is not None]
    best: dict[int | None, float] = {}
    for region in sorted(framed, key=lambda r: -r.score):
        best.setdefault(region.track, region.time)
    times = list(best.values()) + [(i.start + i.end) / 2 for i in result.intervals]
    picked: list[float] = []
    for time in times:
        if all(abs(time - other) > 0.5 for other in picked):
            picked.append(time)
    return sorted(picked[:limit])


def manifest(report: ReportInput) -> dict[str, Any]:
    """The machine-readable part the signature covers: enough to re-check evidence and results later."""
    return {
        "schema": 1,
        "generator": f"Forensic Studio {__version__}",
        "generated_at": report.generated_at,
        "analyst": report.analyst,
        "case": {k: report.case.get(k, "") for k in ("case_id", "title", "reference", "examiner")} if report.case else None,
        "audit_head": report.audit and {"entries": report.audit["entries"], "sha256": report.audit["head"]},
        "evidence": [
            {"number": e.number, "name": e.name, "path": e.path, "size_bytes": e.size_bytes, "sha256": e.sha256,
             "md5": e.md5, "status_at_report": e.status_at_report,
             "result_sha256": digest(e.result.to_dict(include_maps=False)) if e.result else None,
             "verdict": e.result.fusion.verdict if e.result and e.result.fusion else None,
             "fake_probability": round(e.result.fusion.fake_probability, 6) if e.result and e.result.fusion else None}
            for e in report.evidence
        ],
        "results": [r.to_dict(include_maps=False) for r in report.results()],
    }
