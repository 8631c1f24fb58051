"""A case: one folder holding a SQLite database (WAL) with evidence, runs, bookmarks and the audit log.

Evidence files are referenced by path and hash and never written; an optional
working copy goes into the case folder, hash-checked and made read-only.  Each
change and its audit entry commit in one transaction, and ``synchronous=FULL``
means a committed run survives a killed process or a power cut.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import sqlite3
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..media.intake import hash_file, identify
from ..results import AnalysisResult
from . import audit
from .audit import canonical_json, digest, utc_now

DATABASE_NAME = "case.sqlite"
WORKING_COPIES = "evidence"
SCHEMA_VERSION = 1
BOOKMARK_STATUSES = ("ok", "to_check", "warning")

SCHEMA = """
CREATE TABLE IF NOT EXISTS case_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    original_path TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    md5 TEXT NOT NULL,
    modality TEXT NOT NULL,
    format TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    added_by TEXT NOT NULL,
    working_copy TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    evidence_id INTEGER NOT NULL REFERENCES evidence(id),
    finished_at TEXT NOT NULL,
    settings TEXT NOT NULL,
    app_version TEXT NOT NULL,
    models TEXT NOT NULL,
    verdict TEXT,
    fake_probability REAL,
    error TEXT,
    result_json TEXT NOT NULL,
    result_sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bookmarks (
    id INTEGER PRIMARY KEY,
    evidence_id INTEGER NOT NULL REFERENCES evidence(id),
    layer TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'to_check', 'warning')),
    note TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
"""


class CaseError(ValueError):
    """A case cannot be created, opened or changed; the message is for the analyst."""


@dataclass(frozen=True)
class EvidenceItem:
    id: int
    name: str
    original_path: str
    size_bytes: int
    sha256: str
    md5: str
    modality: str
    format: str
    acquired_at: str
    added_by: str
    working_copy: str | None

    def content(self) -> dict[str, Any]:
        """The fields the audit log pins (everything but the row id)."""
        return {k: v for k, v in self.__dict__.items() if k != "id"}


@dataclass(frozen=True)
class Run:
    id: int
    evidence_id: int
    finished_at: str
    verdict: str | None
    fake_probability: float | None
    error: str | None
    result_json: str
    result_sha256: str

    def result(self) -> AnalysisResult:
        return AnalysisResult.from_dict(json.loads(self.result_json))


@dataclass(frozen=True)
class Bookmark:
    id: int
    evidence_id: int
    layer: str
    status: str
    note: str
    created_at: str
    created_by: str

    def content(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "id"}


def current_actor() -> str:
    """Who is acting: the analyst identity's name when one exists, with the OS account."""
    from ..reports.identity import IdentityStore

    account = _os_account()
    name = IdentityStore().analyst_name()
    return f"{name} ({account})" if name else account


def _os_account() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers, services)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


class Case:
    """An open case.  Use as a context manager, or call ``close``."""

    def __init__(self, folder: Path, db: sqlite3.Connection):
        self.folder, self.db = folder, db

    # -- opening ---------------------------------------------------------------------------------------------
    @classmethod
    def create(cls, folder: Path | str, title: str, reference: str = "", examiner: str = "",
               description: str = "", actor: str | None = None) -> "Case":
        folder = Path(folder)
        if (folder / DATABASE_NAME).exists():
            raise CaseError(f"{folder} already holds a case")
        if folder.exists() and any(folder.iterdir()):
            raise CaseError(f"{folder} is not empty: a case needs a folder of its own")
        folder.mkdir(parents=True, exist_ok=True)
        case = cls(folder, _connect(folder / DATABASE_NAME))
        info = {"case_id": str(uuid.uuid4()), "title": title, "reference": reference, "examiner": examiner,
                "description": description, "created_at": utc_now(), "schema_version": str(SCHEMA_VERSION)}
        with case.db:
            case.db.executescript(SCHEMA + audit.SCHEMA)
            case.db.executemany("INSERT INTO case_info (key, value) VALUES (?, ?)", info.items())
            case._log(actor, "case_created", info)
        return case

    @classmethod
    def open(cls, folder: Path | str) -> "Case":
        folder = Path(folder)
        path = folder / DATABASE_NAME
        if not path.is_file():
            raise CaseError(f"{folder} is not a case folder (no {DATABASE_NAME}); create one with 'case new'")
        try:
            db = _connect(path)
            db.execute("SELECT value FROM case_info WHERE key = 'case_id'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise CaseError(f"{path} cannot be read as a case database: {exc}") from None
        return cls(folder, db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Case":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------------------------
    @property
    def info(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM case_info"))

    def evidence(self) -> list[EvidenceItem]:
        rows = self.db.execute(f"SELECT {_columns(EvidenceItem)} FROM evidence ORDER BY id")
        return [EvidenceItem(*row) for row in rows]

    def evidence_item(self, evidence_id: int) -> EvidenceItem:
        row = self.db.execute(f"SELECT {_columns(EvidenceItem)} FROM evidence WHERE id = ?", (evidence_id,)).fetchone()
        if row is None:
            raise CaseError(f"the case has no evidence item #{evidence_id}")
        return EvidenceItem(*row)

    def runs(self, evidence_id: int | None = None) -> list[Run]:
        query = f"SELECT {_columns(Run)} FROM runs"
        rows = (self.db.execute(query + " WHERE evidence_id = ? ORDER BY id", (evidence_id,)) if evidence_id is not None
                else self.db.execute(query + " ORDER BY id"))
        return [Run(*row) for row in rows]

    def latest_run(self, evidence_id: int) -> Run | None:
        runs = self.runs(evidence_id)
        return runs[-1] if runs else None

    def bookmarks(self) -> list[Bookmark]:
        return [Bookmark(*row) for row in self.db.execute(f"SELECT {_columns(Bookmark)} FROM bookmarks ORDER BY id")]

    def audit_entries(self) -> list[audit.AuditEntry]:
        return audit.read_entries(self.db)

    def audit_head(self) -> tuple[int, str]:
        info = self.info
        return int(info.get("audit_count", 0)), info.get("audit_head", audit.GENESIS)

    # -- changing --------------------------------------------------------------------------------------------
    def add_evidence(self, path: Path | str, copy: bool = False, actor: str | None = None) -> EvidenceItem:
        """Reference one file (hashed read-only); with ``copy``, also keep a verified read-only working copy."""
        source = Path(path).resolve()
        if not source.is_file():
            raise CaseError(f"no such file: {path}")
        try:
            kind = identify(source)
            sha256, md5 = hash_file(source)
        except Exception as exc:  # unreadable, empty or not media: nothing is added
            raise CaseError(f"{source.name} cannot be added: {exc}") from None
        duplicate = self.db.execute("SELECT id FROM evidence WHERE sha256 = ?", (sha256,)).fetchone()
        if duplicate:
            raise CaseError(f"{source.name} is already in the case as evidence #{duplicate[0]} (same SHA-256)")
        working_copy = self._make_working_copy(source, sha256) if copy else None
        values = {"name": source.name, "original_path": str(source), "size_bytes": source.stat().st_size,
                  "sha256": sha256, "md5": md5, "modality": kind.modality, "format": kind.format,
                  "acquired_at": utc_now(), "added_by": actor or current_actor(), "working_copy": working_copy}
        with self.db:
            row_id = self._insert("evidence", values)
            item = EvidenceItem(row_id, **values)
            self._log(values["added_by"], "evidence_added", {"evidence_id": item.id, "content_sha256": digest(item.content()),
                                                             "sha256": sha256, "name": item.name})
        return item

    def _make_working_copy(self, source: Path, sha256: str) -> str:
        folder = self.folder / WORKING_COPIES
        folder.mkdir(exist_ok=True)
        target = folder / f"{sha256[:12]}_{source.name}"
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(source, partial)
        if hash_file(partial)[0] != sha256:
            partial.unlink()
            raise CaseError(f"the working copy of {source.name} does not match the original's hash; nothing was added")
        os.chmod(partial, stat.S_IRUSR | stat.S_IRGRP)
        os.replace(partial, target)
        return str(target.relative_to(self.folder))

    def record_run(self, evidence_id: int, result: AnalysisResult, actor: str | None = None) -> Run:
        """Store one finished analysis with its full result; atomic with its audit entry."""
        data = result.to_dict(include_maps=True)
        result_json, result_sha256 = json.dumps(data, ensure_ascii=False, sort_keys=True), digest(data)
        values = {
            "evidence_id": evidence_id, "finished_at": utc_now(), "settings": canonical_json(result.settings),
            "app_version": result.app_version, "models": canonical_json([m.__dict__ for m in result.models]),
            "verdict": result.fusion.verdict if result.fusion else None,
            "fake_probability": result.fusion.fake_probability if result.fusion else None,
            "error": result.error.message if result.error else None,
            "result_json": result_json, "result_sha256": result_sha256,
        }
        with self.db:
            row_id = self._insert("runs", values)
            self._log(actor, "analysis_recorded", {"run_id": row_id, "evidence_id": evidence_id,
                                                   "result_sha256": result_sha256, "verdict": values["verdict"]})
        return self.runs(evidence_id)[-1]

    def add_bookmark(self, evidence_id: int, layer: str, status: str, note: str, actor: str | None = None) -> Bookmark:
        if status not in BOOKMARK_STATUSES:
            raise CaseError(f"unknown bookmark status {status!r}: use one of {', '.join(BOOKMARK_STATUSES)}")
        self.evidence_item(evidence_id)
        values = {"evidence_id": evidence_id, "layer": layer, "status": status, "note": note,
                  "created_at": utc_now(), "created_by": actor or current_actor()}
        with self.db:
            row_id = self._insert("bookmarks", values)
            bookmark = Bookmark(row_id, **values)
            self._log(values["created_by"], "bookmark_added", {"bookmark_id": bookmark.id,
                                                               "content_sha256": digest(bookmark.content())})
        return bookmark

    def log_event(self, action: str, details: dict[str, Any], actor: str | None = None) -> None:
        """Record something that changes no table (a report issued, a verification run)."""
        with self.db:
            self._log(actor, action, details)

    def _insert(self, table: str, values: dict[str, Any]) -> int:
        columns = ", ".join(values)  # column names come from this module, never from input
        cursor = self.db.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(values))})",
                                 tuple(values.values()))
        return cursor.lastrowid

    def _log(self, actor: str | None, action: str, details: dict[str, Any]) -> None:
        entry = audit.append(self.db, actor or current_actor(), action, details)
        self.db.executemany("INSERT OR REPLACE INTO case_info (key, value) VALUES (?, ?)",
                            (("audit_head", entry.entry_hash), ("audit_count", str(entry.seq))))

    def working_copy_path(self, item: EvidenceItem) -> Path | None:
        return self.folder / item.working_copy if item.working_copy else None


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=10)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


def _columns(record: type) -> str:
    return ", ".join(record.__dataclass_fields__)

