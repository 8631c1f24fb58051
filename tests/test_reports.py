"""Signed PDF reports: identity, PAdES signature checked by pyHanko itself, tamper detection, layout."""

from __future__ import annotations

import io
import json
import re
import shutil
import stat
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from forensic_studio.reports.content import from_results
from forensic_studio.reports.identity import IdentityError, IdentityStore
from forensic_studio.reports.pdf import MARGIN, render_pdf
from forensic_studio.results import AnalysisResult, TimelineEntry
from forensic_studio.synthetic_media import camera_exif, jpeg_bytes, photo_like

from conftest import analyze
from test_cli_contract import run_cli

PASSPHRASE = "correct horse battery"


@pytest.fixture
def identity(monkeypatch, tmp_path):
    monkeypatch.setenv("FORENSIC_STUDIO_PASSPHRASE", PASSPHRASE)
    created = run_cli("identity", "create", "--name", "Ana Analyst", "--organisation", "Test Lab")
    assert created.returncode == 0, created.stderr
    ca = tmp_path / "lab-ca.pem"
    assert run_cli("identity", "export-ca", ca).returncode == 0
    return ca


@pytest.fixture
def signed_report(identity, camera_jpeg, tmp_path):
    out = tmp_path / "report.pdf"
    completed = run_cli("analyze", camera_jpeg, "--mode", "fast", "--report", out)
    assert completed.returncode == 0, completed.stderr
    return out


def japanese_exif_jpeg(path: Path) -> Path:
    """A JPEG whose EXIF holds UTF-8 Japanese text, as many phones and exiftool write it."""
    description, make = "東京タワーの夜景、長い説明文。".encode(), "キヤノン".encode()
    exif = Image.Exif()
    exif[0x010E], exif[0x010F] = "D" * len(description), "M" * len(make)
    buffer = io.BytesIO()
    Image.fromarray(photo_like(300, 400, seed=8)).save(buffer, "JPEG", quality=90, exif=exif)
    path.write_bytes(buffer.getvalue().replace(b"D" * len(description), description).replace(b"M" * len(make), make))
    return path


def test_identity_files_are_private_and_the_passphrase_is_required(identity, monkeypatch):
    store = IdentityStore()
    assert stat.S_IMODE(store.folder.stat().st_mode) == 0o700
    for path in store.folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    with pytest.raises(IdentityError, match="wrong passphrase"):
        store.load_signer(b"not the passphrase")
    monkeypatch.delenv("FORENSIC_STUDIO_PASSPHRASE")
    completed = run_cli("identity", "create", "--name", "Other", "--overwrite")
    assert completed.returncode == 2 and "passphrase is needed" in completed.stderr
    again = run_cli("identity", "create", "--name", "Other")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_signed_report_validates_with_pyhanko_itself(signed_report, identity):
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    _, _, der = pem.unarmor(identity.read_bytes())
    context = ValidationContext(trust_roots=[x509.Certificate.load(der)])
    with open(signed_report, "rb") as handle:
        signature = PdfFileReader(handle).embedded_signatures[0]
        status = validate_pdf_signature(signature, context)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert "Ana Analyst" in status.signing_cert.subject.human_friendly

    verified = run_cli("verify", signed_report, "--trust", identity, "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    outcome = json.loads(verified.stdout)
    assert outcome["ok"] and outcome["evidence"][0]["status"] == "verified"


@pytest.mark.parametrize("where", [0.3, 0.5, 0.97, "signature"])
def test_one_flipped_byte_fails_verification(signed_report, identity, where):
    data = bytearray(signed_report.read_bytes())
    position = (data.index(b"/Contents <") + 400) if where == "signature" else int(len(data) * where)
    data[position] ^= 0x01
    signed_report.write_bytes(bytes(data))
    completed = run_cli("verify", signed_report, "--trust", identity)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    message = completed.stdout + completed.stderr
    assert re.search(r"modified after it was signed|damaged or was altered|container was altered|cannot be validated|not valid", message), message


def test_untrusted_or_foreign_ca_fails(signed_report, tmp_path, monkeypatch):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    import datetime as dt

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Some other CA")])
    now = dt.datetime.now(dt.timezone.utc)
    other = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
             .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
             .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(key, hashes.SHA256()))
    foreign = tmp_path / "other.pem"
    foreign.write_bytes(other.public_bytes(serialization.Encoding.PEM))
    completed = run_cli("verify", signed_report, "--trust", foreign)
    assert completed.returncode == 2 and "does not chain to a trusted CA" in completed.stdout


def test_evidence_changed_since_the_report_fails(signed_report, identity, camera_jpeg, tmp_path):
    elsewhere = tmp_path / "moved"
    elsewhere.mkdir()
    shutil.copy(camera_jpeg, elsewhere / camera_jpeg.name)
    assert run_cli("verify", signed_report, "--trust", identity, "--evidence", elsewhere).returncode == 0
    (elsewhere / camera_jpeg.name).write_bytes(camera_jpeg.read_bytes()[:-10])
    completed = run_cli("verify", signed_report, "--trust", identity, "--evidence", elsewhere)
    assert completed.returncode == 2 and "MISMATCH" in completed.stdout


def test_unsigned_report_is_labelled_and_never_verifies(camera_jpeg, tmp_path):
    out = tmp_path / "unsigned.pdf"
    assert run_cli("analyze", camera_jpeg, "--mode", "fast", "--report", out, "--unsigned").returncode == 0
    completed = run_cli("verify", out)
    assert completed.returncode == 2 and "no digital signature" in completed.stdout


def test_report_without_identity_fails_before_analysing(camera_jpeg, tmp_path):
    completed = run_cli("analyze", camera_jpeg, "--report", tmp_path / "r.pdf")
    assert completed.returncode == 2 and "identity create" in completed.stderr
    assert not (tmp_path / "r.pdf").exists()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_layout_handles_long_names_and_japanese_metadata(tmp_path, paper):
    """Every word stays inside the page margins; Japanese EXIF and a long unbroken file name print whole."""
    long_name = "evidence_" + "very_long_file_name_without_any_spaces_" * 4 + "東京.jpg"
    results = [analyze(japanese_exif_jpeg(tmp_path / long_name), mode="fast")]
    pdf = tmp_path / f"layout-{paper}.pdf"
    pdf.write_bytes(render_pdf(from_results(results, "Ana Analyst"), paper=paper))
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "東京タワーの夜景" in text and "キヤノン" in text
    assert "page 1 of" in text
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    page_width = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))
    right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', bbox)]
    assert right_edges and max(right_edges) <= page_width - MARGIN + 2


def test_timeline_and_region_figures_render(camera_jpeg):
    """Audio and video results carry timelines: the report draws them and lists the suspicious intervals."""
    result = analyze(camera_jpeg, mode="fast")
    data = result.to_dict()
    data["timeline"] = [{"start": t, "end": t + 2.0, "score": s, "labels": ["audio:synthetic_voice"] if s > 0.8 else []}
                        for t, s in zip(np.arange(0, 20, 2.0).tolist(), [0.1, 0.2, 0.9, 0.95, 0.3, 0.1, 0.1, 0.2, 0.1, 0.1])]
    with_timeline = AnalysisResult.from_dict(data)
    assert with_timeline.timeline[2] == TimelineEntry(4.0, 6.0, 0.9, ["audio:synthetic_voice"])
    pdf = render_pdf(from_results([with_timeline], "Ana Analyst"))
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_case_report_carries_audit_head_and_bookmarks(identity, tmp_path, write):
    folder = tmp_path / "case"
    evidence = write("e.jpg", jpeg_bytes(photo_like(240, 320, seed=2), 90, camera_exif(size=(320, 240))))
    for args in (("case", "new", folder, "--title", "Report case"), ("case", "add", folder, evidence),
                 ("case", "analyze", folder, "--mode", "fast"),
                 ("case", "bookmark", folder, "1", "--status", "warning", "--note", "noted")):
        completed = run_cli(*args)
        assert completed.returncode == 0, completed.stderr
    out = tmp_path / "case.pdf"
    assert run_cli("case", "report", folder, "-o", out, "--paper", "letter").returncode == 0
    verified = run_cli("verify", out, "--trust", identity, "--json")
    assert verified.returncode == 0, verified.stdout
    shown = run_cli("case", "show", folder, "--audit").stdout
    assert "report_issued" in shown
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
        assert "hash chain intact" in text and "noted" in text and "Warning" in text


def test_imported_pkcs12_signs_and_jsonl_results_make_a_report(identity, camera_jpeg, tmp_path, monkeypatch):
    """An institutional PKCS#12 (here: one made by another workstation) becomes the identity."""
    issued = tmp_path / "issued.p12"
    shutil.copy(IdentityStore().pkcs12_path, issued)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "second-workstation"))
    imported = run_cli("identity", "import", issued)
    assert imported.returncode == 0, imported.stderr
    assert "Ana Analyst" in run_cli("identity", "show").stdout
    exported = tmp_path / "chain-root.pem"
    assert run_cli("identity", "export-ca", exported).returncode == 0
    assert exported.read_bytes() == identity.read_bytes()

    lines = run_cli("analyze", camera_jpeg, "--mode", "fast", "--json", "--maps").stdout
    results = tmp_path / "results.jsonl"
    results.write_text(lines, encoding="utf-8")
    out = tmp_path / "from-jsonl.pdf"
    made = run_cli("report", results, "-o", out)
    assert made.returncode == 0, made.stderr
    assert run_cli("verify", out, "--trust", exported).returncode == 0


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_a_video_report_has_frames_tracks_cuts_and_container_tags(tmp_path):
    from forensic_studio.synthetic_media import write_video

    clip = tmp_path / "spliced.mp4"
    write_video(clip, 6.0, 320, 180, 25, seed=3, second_source_at=3.0)
    result = analyze(clip)
    assert result.error is None
    pdf = tmp_path / "video.pdf"
    pdf.write_bytes(render_pdf(from_results([result], "Ana Analyst")))
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True).stdout
    assert re.search(r"Shot cuts at 3\.\d\d s", text)  # the splice at 3 s, to the nearest looked-at frame
    assert "encoder in bitstream" in text and "x264" in text
    assert "video_container" in text and "lip_sync" in text


def test_key_frames_pick_each_track_at_its_worst_and_each_interval():
    from forensic_studio.reports.content import key_frames
    from forensic_studio.results import EvidenceInfo, LayerResult, Region

    regions = [Region((0, 0, 10, 10), score, time=time, track=track)
               for time, track, score in ((0.0, 1, 0.2), (1.0, 1, 0.9), (2.0, 2, 0.4), (2.1, 2, 0.3))]
    result = AnalysisResult(EvidenceInfo("clip.mp4"), layers=[LayerResult("video_faces", 0.9, 1.0, "", regions=regions)],
                            intervals=[TimelineEntry(6.0, 8.0, 0.9, [])])
    assert key_frames(result) == [1.0, 2.0, 7.0]
