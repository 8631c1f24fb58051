"""PAdES signing of reports with pyHanko, and verification of a signed report.

Before signing, a JSON manifest (evidence hashes, result digests, the case's
audit head) is embedded in the PDF as an attached file, so the signature covers
it; ``verify`` reads it back from the signed bytes and re-hashes the evidence
files it can find.  A report passes only when its signature is intact, valid,
covers the whole file and chains to a trusted CA.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..media.intake import hash_status

MANIFEST_NAME = "forensic-studio-manifest.json"
SIGNATURE_FIELD = "ForensicStudioAnalyst"


class ReportVerificationError(ValueError):
    """The file is not a readable signed report."""


def sign_pdf(pdf: bytes, manifest: dict[str, Any], signer, out: Path, reason: str, location: str = "") -> None:
    """Embed the manifest, sign (PAdES B-B, SHA-256) and write atomically to ``out``."""
    from pyhanko.pdf_utils import embed
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    _embed_manifest(writer, manifest, embed)
    metadata = signers.PdfSignatureMetadata(field_name=SIGNATURE_FIELD, md_algorithm="sha256", reason=reason,
                                            location=location or None, subfilter=fields.SigSeedSubFilter.PADES)
    signed = io.BytesIO()
    signers.sign_pdf(writer, metadata, signer=signer, output=signed)
    write_atomically(out, signed.getvalue())


def write_atomically(out: Path, data: bytes) -> None:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, out)


def add_manifest(pdf: bytes, manifest: dict[str, Any]) -> bytes:
    """Embed the manifest without signing (unsigned reports keep their machine-readable part)."""
    from pyhanko.pdf_utils import embed
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    _embed_manifest(writer, manifest, embed)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _embed_manifest(writer, manifest: dict[str, Any], embed) -> None:
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    embedded = embed.EmbeddedFileObject.from_file_data(writer, data, mime_type="application/json")
    spec = embed.FileSpec(file_spec_string=MANIFEST_NAME, file_name=MANIFEST_NAME, embedded_data=embedded,
                          description="Forensic Studio manifest: evidence hashes and result digests")
    embed.embed_file(writer, spec)


@dataclass
class EvidenceCheck:
    name: str
    sha256: str
    status: str  # verified | MISMATCH | not found
    path: str = ""


@dataclass
class ReportVerification:
    signed: bool = False
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    covers_whole_file: bool = False
    signer: str = ""
    signing_time: str = ""
    trust_source: str = ""
    manifest: dict[str, Any] = field(default_factory=dict)
    evidence: list[EvidenceCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.signed and self.intact and self.valid and self.trusted and self.covers_whole_file


def verify_report(path: Path, trust_roots_pem: list[bytes], trust_source: str,
                  evidence_dirs: list[Path] | None = None) -> ReportVerification:
    outcome = ReportVerification(trust_source=trust_source)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ReportVerificationError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        _check_signature(data, trust_roots_pem, outcome)
    except ReportVerificationError:
        raise
    except Exception as exc:  # pyHanko raises many kinds on damaged files; all mean the same to the analyst
        raise ReportVerificationError(
            f"{Path(path).name} cannot be read as a signed PDF ({type(exc).__name__}: {exc}); "
            "the file is damaged or was altered") from None
    if outcome.signed and outcome.intact:
        outcome.evidence = check_evidence(outcome.manifest, evidence_dirs or [])
        for item in outcome.evidence:
            if item.status == "MISMATCH":
                outcome.problems.append(f"evidence {item.name} at {item.path} does not match the SHA-256 in the report")
    return outcome


def _check_signature(data: bytes, trust_roots_pem: list[bytes], outcome: ReportVerification) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    signatures = reader.embedded_signatures
    if not signatures:
        outcome.problems.append("the PDF carries no digital signature")
        return
    outcome.signed = True
    signature = signatures[-1]
    try:
        status = validate_pdf_signature(signature, _validation_context(trust_roots_pem))
    except SignatureValidationError as exc:
        outcome.problems.append(f"the signature cannot be validated: {exc}")
        return
    outcome.intact, outcome.valid, outcome.trusted = status.intact, status.valid, status.trusted
    outcome.covers_whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    outcome.signer = status.signing_cert.subject.human_friendly
    outcome.signing_time = status.signer_reported_dt.isoformat() if status.signer_reported_dt else ""
    if not status.intact:
        outcome.problems.append("the document was modified after it was signed (the signed bytes no longer match)")
    elif not status.valid:
        outcome.problems.append("the signature value is not valid for the signed bytes and the signer's key")
    if status.intact and not outcome.covers_whole_file:
        outcome.problems.append("content was appended after the signature; the signed part is intact but the "
                                "file as a whole is not what was signed")
    if status.intact and status.valid and not status.trusted:
        outcome.problems.append(f"the signer's certificate does not chain to a trusted CA ({outcome.trust_source})")
    if status.intact and status.valid:
        outcome.problems += _container_problems(signature, status)
        outcome.manifest = _read_manifest(reader)


def _container_problems(signature, status) -> list[str]:
    """The /Contents bytes are outside the signed byte range, so check them separately.

    Two places could change without breaking the cryptography: the zero padding
    after the CMS structure, and copies of CA certificates in its certificate bag
    (the chain is validated against the trust roots, not those copies).  A
    verified report must be byte-for-byte what was signed, so both are checked.
    """
    from asn1crypto import cms, parser

    raw = bytes(signature.sig_object["/Contents"])
    _, _, _, header, contents, trailer = parser.parse(raw)
    length = len(header) + len(contents) + len(trailer)
    problems = []
    if any(raw[length:]):
        problems.append("the signature container was altered (bytes after the signature structure are not zero)")
    if cms.ContentInfo.load(raw[:length]).dump(force=True) != raw[:length]:  # DER has one encoding per value
        problems.append("the signature container was altered (it is not in canonical DER)")
    path_certs = {c.dump() for c in status.validation_path.iter_certs(include_root=True)} if status.validation_path else set()
    path_certs.add(status.signing_cert.dump())
    if any(choice.chosen.dump() not in path_certs for choice in signature.signed_data["certificates"] or []):
        problems.append("the signature container was altered (a certificate in it is not the one the signature chains to)")
    problems += [f"the signature container was altered ({issue})" for issue in _cms_conformance(signature)]
    return problems


def _cms_conformance(signature) -> list[str]:
    """RFC 5652/5754 rules for the unsigned fields of our own signatures (one signer, SHA-2, RSA PKCS#1 v1.5)."""
    signed_data, signer = signature.signed_data, signature.signer_info
    issues = []
    digest = signer["digest_algorithm"]
    if [a.dump() for a in signed_data["digest_algorithms"]] != [digest.dump()]:
        issues.append("its digest algorithm list does not match the signer's")
    if digest["parameters"].native is not None or signer["signature_algorithm"]["parameters"].native is not None:
        issues.append("algorithm parameters that must be NULL or absent are set")
    sid_version = 1 if signer["sid"].name == "issuer_and_serial_number" else 3
    if signer["version"].native != f"v{sid_version}" or signed_data["version"].native != f"v{sid_version}":
        issues.append("a version number does not match its structure")
    if signer["unsigned_attrs"].native or signed_data["crls"].native:
        issues.append("it carries unsigned attributes or revocation lists the application never writes")
    return issues


def _validation_context(trust_roots_pem: list[bytes]):
    from asn1crypto import pem, x509
    from pyhanko_certvalidator import ValidationContext

    roots = []
    for blob in trust_roots_pem:
        for _, _, der in pem.unarmor(blob, multiple=True) if pem.detect(blob) else [(None, None, blob)]:
            roots.append(x509.Certificate.load(der))
    # Explicit roots only (never the system store), no network: the lab works offline.
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def _read_manifest(reader) -> dict[str, Any]:
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    except (KeyError, TypeError):
        return {}
    for index in range(0, len(names) - 1, 2):
        if str(names[index]) == MANIFEST_NAME:
            stream = names[index + 1].get_object()["/EF"]["/F"].get_object()
            return json.loads(stream.data.decode("utf-8"))
    return {}


def check_evidence(manifest: dict[str, Any], evidence_dirs: list[Path]) -> list[EvidenceCheck]:
    """Re-hash each evidence file the report names, looked up in ``evidence_dirs`` then at its recorded path."""
    checks = []
    for item in manifest.get("evidence", []):
        check = EvidenceCheck(name=item["name"], sha256=item["sha256"], status="not found")
        for candidate in [d / item["name"] for d in evidence_dirs] + [Path(item.get("path", ""))]:
            status = hash_status(candidate, item["sha256"]) if candidate.name else "missing"
            if status != "missing":
                check.path, check.status = str(candidate), status
                break
        checks.append(check)
    return checks
