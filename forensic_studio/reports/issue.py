"""Issue a report: render, embed the manifest, sign with the analyst identity, write atomically."""

from __future__ import annotations

from pathlib import Path

from .content import ReportInput, manifest
from .identity import IdentityStore, resolve_passphrase
from .pdf import render_pdf
from .signing import add_manifest, sign_pdf, write_atomically


def issue_report(report: ReportInput, out: Path, paper: str = "a4", sign: bool = True,
                 passphrase_file: str | None = None, identity: IdentityStore | None = None,
                 passphrase: bytes | None = None) -> str | None:
    """Write the report to ``out``; return who signed it (None when unsigned).

    The passphrase is ``passphrase`` when given (the GUI asks for it), else as the CLI resolves it.
    The key is unlocked before anything is rendered, so a wrong passphrase fails fast.
    """
    signer, signed_by = None, None
    if sign:
        identity = identity or IdentityStore()
        summary = identity.summary()
        signer = identity.load_signer(passphrase if passphrase is not None else resolve_passphrase(passphrase_file))
        signed_by = f"{summary.name} (certificate {summary.subject}, SHA-256 {summary.sha256_fingerprint[:16]}…)"
    pdf = render_pdf(report, paper, signed_by)
    if signer is None:
        write_atomically(Path(out), add_manifest(pdf, manifest(report)))
    else:
        sign_pdf(pdf, manifest(report), signer, Path(out), reason=f"Forensic Studio report: {report.title}")
    return signed_by
