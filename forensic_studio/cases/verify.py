"""``case verify``: is the case database whole, and are the evidence files still what was taken in?

Checks, in order: SQLite's own integrity check; the audit chain; the head hash
the case keeps; that every evidence item, run and bookmark matches the audit
entry that recorded it (and that no recorded row has vanished); and the hashes
of the evidence files and working copies that can be found.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from ..media.intake import hash_status
from . import audit
from .audit import digest
from .store import Case, EvidenceItem


@dataclass
class CaseVerification:
    entries: int = 0
    head: str = audit.GENESIS
    problems: list[str] = field(default_factory=list)  # tampering or damage: verification fails
    notes: list[str] = field(default_factory=list)  # facts worth knowing that are not failures
    evidence_status: dict[int, str] = field(default_factory=dict)  # id -> verified | MISMATCH | missing

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_case(case: Case, rehash: bool = True) -> CaseVerification:
    outcome = CaseVerification()
    integrity = case.db.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        outcome.problems.append(f"SQLite integrity check failed: {integrity}")
    entries = case.audit_entries()
    outcome.entries = len(entries)
    outcome.head = entries[-1].entry_hash if entries else audit.GENESIS
    outcome.problems += audit.chain_problems(entries)
    outcome.problems += _head_problems(case, entries)
    outcome.problems += _row_problems(case, entries)
    if rehash:
        for item in case.evidence():
            outcome.evidence_status[item.id] = _check_files(case, item, outcome)
    return outcome


def _head_problems(case: Case, entries: list[audit.AuditEntry]) -> list[str]:
    count, head = case.audit_head()
    if not entries:
        return ["the audit log is empty"]
    if count != entries[-1].seq or head != entries[-1].entry_hash:
        return [f"the audit log ends at entry #{entries[-1].seq} but the case recorded #{count} as its last: "
                "entries were removed from the end"]
    return []


def _row_problems(case: Case, entries: list[audit.AuditEntry]) -> list[str]:
    logged = {(e.action, _row_key(e)): e.details for e in entries if _row_key(e) is not None}
    problems = []
    evidence, runs, bookmarks = case.evidence(), case.runs(), case.bookmarks()
    for item in evidence:
        problems += _compare(logged.get(("evidence_added", item.id)), f"evidence #{item.id} ({item.name})",
                             digest(item.content()), "content_sha256")
    for run in runs:
        try:
            actual = digest(json.loads(run.result_json))
        except ValueError:
            actual = "unparseable"
        if actual != run.result_sha256:
            problems.append(f"run #{run.id}: the stored result no longer matches its own hash")
        problems += _compare(logged.get(("analysis_recorded", run.id)), f"run #{run.id}", actual, "result_sha256")
    for bookmark in bookmarks:
        problems += _compare(logged.get(("bookmark_added", bookmark.id)), f"bookmark #{bookmark.id}",
                             digest(bookmark.content()), "content_sha256")
    present = ({("evidence_added", e.id) for e in evidence} | {("analysis_recorded", r.id) for r in runs}
               | {("bookmark_added", b.id) for b in bookmarks})
    for action, row in sorted(set(logged) - present):
        problems.append(f"the audit log records {action.replace('_', ' ')} (row #{row}) but that row is gone")
    return problems


def _row_key(entry: audit.AuditEntry) -> int | None:
    key = {"evidence_added": "evidence_id", "analysis_recorded": "run_id", "bookmark_added": "bookmark_id"}.get(entry.action)
    return entry.details.get(key) if key else None


def _compare(details: dict | None, what: str, actual: str, field_name: str) -> list[str]:
    if details is None:
        return [f"{what} has no audit entry: it was inserted behind the application's back"]
    if details.get(field_name) != actual:
        return [f"{what} was changed after it was recorded (its hash no longer matches the audit log)"]
    return []


def _check_files(case: Case, item: EvidenceItem, outcome: CaseVerification) -> str:
    statuses = []
    for label, path in (("original", Path(item.original_path)), ("working copy", case.working_copy_path(item))):
        if path is None:
            continue
        status = hash_status(path, item.sha256)
        if status == "missing":
            outcome.notes.append(f"evidence #{item.id} {label} not found or not readable at {path}")
        elif status == "MISMATCH":
            outcome.problems.append(f"evidence #{item.id} {label} ({path}) no longer matches the SHA-256 taken at intake")
        statuses.append(status)
    if "MISMATCH" in statuses:
        return "MISMATCH"
    return "verified" if "verified" in statuses else "missing"


def open_and_verify(folder: Path, rehash: bool = True) -> CaseVerification:
    try:
        with Case.open(folder) as case:
            return verify_case(case, rehash)
    except sqlite3.DatabaseError as exc:
        return CaseVerification(problems=[f"the case database is damaged: {exc}"])
