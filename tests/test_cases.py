"""Case store: custody records, the hash-chained audit log, tamper detection and crash safety."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from forensic_studio.cases.store import Case, CaseError
from forensic_studio.cases.verify import open_and_verify, verify_case
from forensic_studio.synthetic_media import camera_exif, jpeg_bytes, photo_like

from conftest import analyze
from test_cli_contract import run_cli


@pytest.fixture
def evidence_files(write):
    return [write(f"photo_{i}.jpg", jpeg_bytes(photo_like(240, 320, seed=10 + i), 90, camera_exif(size=(320, 240))))
            for i in range(3)]


@pytest.fixture
def case(tmp_path, evidence_files):
    with Case.create(tmp_path / "case", "Test case", reference="T-1", actor="tester") as case:
        for path in evidence_files:
            case.add_evidence(path, actor="tester")
        yield case


def _raw(case: Case) -> sqlite3.Connection:
    """A second connection, as someone editing the database with an external tool would open it."""
    db = sqlite3.connect(case.folder / "case.sqlite")
    db.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    db.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    return db


def test_intake_records_hashes_and_never_touches_evidence(case, evidence_files):
    before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in evidence_files]
    item = case.evidence()[0]
    assert len(item.sha256) == 64 and len(item.md5) == 32 and item.added_by == "tester"
    run = case.record_run(item.id, analyze(evidence_files[0], mode="fast"), actor="tester")
    assert run.result().evidence.sha256 == item.sha256
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in evidence_files] == before
    outcome = verify_case(case)
    assert outcome.ok, outcome.problems
    assert set(outcome.evidence_status.values()) == {"verified"}
    with pytest.raises(CaseError, match="already in the case"):
        case.add_evidence(evidence_files[0])


def test_working_copy_is_verified_and_read_only(tmp_path, write):
    source = write("original.jpg", jpeg_bytes(photo_like(120, 160, seed=1), 90))
    with Case.create(tmp_path / "c", "copy") as case:
        item = case.add_evidence(source, copy=True)
        copy = case.working_copy_path(item)
        assert copy.read_bytes() == source.read_bytes()
        assert not os.access(copy, os.W_OK) or os.geteuid() == 0  # root ignores mode bits
        assert oct(copy.stat().st_mode & 0o777) == oct(0o440)


def test_triggers_refuse_edits_through_sqlite(case):
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        case.db.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        case.db.execute("DELETE FROM audit_log WHERE seq = 1")


@pytest.mark.parametrize("tamper, expected", [
    ("UPDATE audit_log SET actor = 'Mallory' WHERE seq = 2", "altered after it was written"),
    ("DELETE FROM audit_log WHERE seq = 2", "missing"),
    ("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)", "removed from the end"),
    ("UPDATE evidence SET sha256 = replace(sha256, substr(sha256, 1, 1), 'f') WHERE id = 1", "changed after it was recorded"),
    ("DELETE FROM evidence WHERE id = 3", "that row is gone"),
    ("INSERT INTO bookmarks (evidence_id, layer, status, note, created_at, created_by) "
     "VALUES (1, 'ela', 'ok', 'forged', 'now', 'x')", "no audit entry"),
])
def test_tampering_is_detected(case, tamper, expected):
    assert verify_case(case).ok
    db = _raw(case)
    with db:
        db.execute(tamper)
    db.close()
    outcome = open_and_verify(case.folder, rehash=False)
    assert not outcome.ok
    assert any(expected in problem for problem in outcome.problems), outcome.problems


def test_edited_result_json_is_detected(case, evidence_files):
    case.record_run(1, analyze(evidence_files[0], mode="fast"), actor="tester")
    db = _raw(case)
    with db:
        db.execute("UPDATE runs SET result_json = replace(result_json, '\"verdict\": \"', '\"verdict\": \"x') WHERE id = 1")
    db.close()
    problems = open_and_verify(case.folder, rehash=False).problems
    assert any("run #1" in p for p in problems), problems


def test_changed_evidence_file_is_reported(case, evidence_files):
    evidence_files[1].write_bytes(evidence_files[1].read_bytes() + b"\0")
    outcome = verify_case(case)
    assert outcome.evidence_status[2] == "MISMATCH"
    assert any("no longer matches the SHA-256" in p for p in outcome.problems)


def test_cli_case_workflow(tmp_path, evidence_files):
    folder = tmp_path / "cli-case"
    assert run_cli("case", "new", folder, "--title", "CLI case", "--reference", "R-7").returncode == 0
    added = run_cli("case", "add", folder, evidence_files[0].parent)
    assert added.returncode == 0, added.stderr
    assert run_cli("case", "analyze", folder, "--mode", "fast").returncode == 0
    assert run_cli("case", "bookmark", folder, "1", "--status", "to_check", "--note", "look again").returncode == 0
    shown = run_cli("case", "show", folder)
    assert "CLI case" in shown.stdout and "photo_0.jpg" in shown.stdout
    verified = run_cli("case", "verify", folder, "--json")
    assert verified.returncode == 0, verified.stdout
    assert json.loads(verified.stdout)["ok"] is True
    assert "CLI case" in run_cli("case", "list").stdout
    not_a_case = run_cli("case", "show", tmp_path)
    assert not_a_case.returncode == 2 and "not a case folder" in not_a_case.stderr
    assert "Traceback" not in not_a_case.stderr


def test_killed_analysis_leaves_earlier_runs_intact(tmp_path, write):
    """SIGKILL in the middle of 'case analyze': the database opens, verifies, and keeps every committed run."""
    folder = tmp_path / "crash-case"
    with Case.create(folder, "crash") as case:
        for i in range(8):
            case.add_evidence(write(f"e{i}.jpg", jpeg_bytes(photo_like(480, 640, seed=40 + i), 90)))
    process = subprocess.Popen([sys.executable, "-m", "forensic_studio", "case", "analyze", str(folder), "--mode", "full"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and _committed_runs(folder) < 2:
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    committed = _committed_runs(folder)
    assert 2 <= committed < 8, "the kill should land mid-analysis"
    with Case.open(folder) as case:
        outcome = verify_case(case, rehash=False)
        assert outcome.ok, outcome.problems
        runs = case.runs()
        assert len(runs) >= committed
        assert all(run.result().evidence.sha256 for run in runs)
    resumed = run_cli("case", "analyze", folder, "--mode", "fast", timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    with Case.open(folder) as case:
        assert all(case.latest_run(item.id) for item in case.evidence())
        assert verify_case(case, rehash=False).ok


def _committed_runs(folder) -> int:
    try:
        db = sqlite3.connect(f"file:{folder / 'case.sqlite'}?mode=ro", uri=True, timeout=1)
        try:
            return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return 0
