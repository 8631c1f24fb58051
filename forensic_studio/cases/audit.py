"""The case's append-only audit log: every entry carries the SHA-256 of the one before.

An entry's hash covers its sequence number, time, actor, action, details and the
previous entry's hash, so editing any entry breaks its own hash and deleting one
breaks the link after it.  Deleting the newest entries is caught by the head hash
the case keeps beside the log (and that every report prints).  Triggers refuse
UPDATE and DELETE through SQLite; the chain catches edits made around them.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

GENESIS = "0" * 64

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    entry_hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


def canonical_json(value: Any) -> str:
    """One spelling per value, so hashes do not depend on key order or spacing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    details: dict[str, Any]
    prev_hash: str
    entry_hash: str

    def expected_hash(self) -> str:
        return digest({"seq": self.seq, "at": self.at, "actor": self.actor, "action": self.action,
                       "details": self.details, "prev_hash": self.prev_hash})


def append(db: sqlite3.Connection, actor: str, action: str, details: dict[str, Any]) -> AuditEntry:
    """Add one entry; the caller's transaction makes it atomic with the change it records."""
    row = db.execute("SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev_hash = (row[0] + 1, row[1]) if row else (1, GENESIS)
    entry = AuditEntry(seq, utc_now(), actor, action, details, prev_hash, "")
    entry = AuditEntry(**{**entry.__dict__, "entry_hash": entry.expected_hash()})
    db.execute("INSERT INTO audit_log (seq, at, actor, action, details, prev_hash, entry_hash) VALUES (?,?,?,?,?,?,?)",
               (entry.seq, entry.at, entry.actor, entry.action, canonical_json(details), prev_hash, entry.entry_hash))
    return entry


def read_entries(db: sqlite3.Connection) -> list[AuditEntry]:
    rows = db.execute("SELECT seq, at, actor, action, details, prev_hash, entry_hash FROM audit_log ORDER BY seq")
    return [AuditEntry(seq, at, actor, action, _parse_details(details), prev, entry_hash)
            for seq, at, actor, action, details, prev, entry_hash in rows]


def _parse_details(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"unparseable": text}
    return value if isinstance(value, dict) else {"value": value}


def chain_problems(entries: list[AuditEntry]) -> list[str]:
    """Every break in the chain, described for the analyst; empty when the chain is whole."""
    problems = []
    expected_prev, previous_seq = GENESIS, 0
    for entry in entries:
        if entry.seq != previous_seq + 1:
            problems.append(f"audit entries #{previous_seq + 1} to #{entry.seq - 1} are missing")
        if entry.prev_hash != expected_prev:
            problems.append(f"audit entry #{entry.seq} does not link to the entry before it")
        if entry.entry_hash != entry.expected_hash():
            problems.append(f"audit entry #{entry.seq} ({entry.action}) was altered after it was written")
        expected_prev, previous_seq = entry.entry_hash, entry.seq
    return problems
