"""The analyst's signing identity: an imported PKCS#12, or a local lab CA plus an analyst certificate.

Everything lives in ``<user config dir>/identity`` (platformdirs, so XDG_CONFIG_HOME
is honoured), the folder mode 0700 and the files 0600.  Private keys are only
ever written inside PKCS#12 files encrypted with the analyst's passphrase.

The analyst certificate carries digitalSignature and nonRepudiation key usage and
the emailProtection and documentSigning extended key usages: pyHanko's validator
requires nonRepudiation by default, and Acrobat accepts those EKUs for signing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import sys
from dataclasses import dataclass
from getpass import getpass
from pathlib import Path

from platformdirs import user_config_dir

PASSPHRASE_ENV = "FORENSIC_STUDIO_PASSPHRASE"
ANALYST_P12, CA_P12, CA_PEM, IDENTITY_JSON = "analyst.p12", "lab-ca.p12", "lab-ca.pem", "identity.json"
KEY_BITS = 3072
ANALYST_YEARS, CA_YEARS = 3, 10
DOCUMENT_SIGNING_EKU = "1.3.6.1.5.5.7.3.36"  # id-kp-documentSigning (RFC 9336)


class IdentityError(ValueError):
    """No identity, a wrong passphrase, an unreadable PKCS#12: a message for the analyst."""


@dataclass(frozen=True)
class IdentitySummary:
    name: str
    email: str
    organisation: str
    source: str  # created | imported
    subject: str
    issuer: str
    not_before: str
    not_after: str
    sha256_fingerprint: str
    has_lab_ca: bool


def resolve_passphrase(passphrase_file: str | None = None, confirm: bool = False) -> bytes:
    """The key passphrase from --passphrase-file, then the environment, then a prompt on a terminal."""
    if passphrase_file:
        try:
            text = Path(passphrase_file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise IdentityError(f"cannot read the passphrase file: {exc}") from None
    elif os.environ.get(PASSPHRASE_ENV):
        text = os.environ[PASSPHRASE_ENV]
    elif sys.stdin is not None and sys.stdin.isatty():
        text = getpass("Key passphrase: ")
        if confirm and getpass("Repeat the passphrase: ") != text:
            raise IdentityError("the two passphrases differ")
    else:
        raise IdentityError(f"a key passphrase is needed: use --passphrase-file FILE or set {PASSPHRASE_ENV}")
    if len(text) < 8:
        raise IdentityError("the passphrase must be at least 8 characters")
    return text.encode("utf-8")


class IdentityStore:
    def __init__(self, folder: Path | None = None):
        self.folder = folder or Path(user_config_dir("forensic-studio")) / "identity"

    # -- state -----------------------------------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.folder / ANALYST_P12).is_file() and (self.folder / IDENTITY_JSON).is_file()

    def summary(self) -> IdentitySummary:
        if not self.exists():
            raise IdentityError("no analyst identity yet: run 'forensic-studio identity create --name NAME' "
                                "or 'forensic-studio identity import FILE.p12'")
        return IdentitySummary(**json.loads((self.folder / IDENTITY_JSON).read_text(encoding="utf-8")))

    def analyst_name(self) -> str | None:
        try:
            return self.summary().name if self.exists() else None
        except (OSError, ValueError, TypeError):
            return None

    @property
    def pkcs12_path(self) -> Path:
        return self.folder / ANALYST_P12

    def ca_certificate_pem(self) -> bytes:
        """The lab CA (created identities), or the top of the imported chain."""
        path = self.folder / CA_PEM
        if not path.is_file():
            raise IdentityError("this identity has no CA certificate to export (an imported PKCS#12 without its chain)")
        return path.read_bytes()

    # -- creating and importing ------------------------------------------------------------------------------
    def create(self, name: str, passphrase: bytes, email: str = "", organisation: str = "",
               overwrite: bool = False) -> IdentitySummary:
        """A new lab CA and an analyst certificate it issues."""
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

        self.refuse_overwrite(overwrite)
        if not name.strip():
            raise IdentityError("the analyst name must not be empty")
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        ca_cert = _ca_certificate(ca_key, organisation or "Forensic Studio lab", name)
        analyst_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        analyst_cert = _analyst_certificate(analyst_key, ca_cert, ca_key, name, email, organisation)
        encryption = _encryption(passphrase)
        self._prepare_folder()
        self._write(ANALYST_P12, pkcs12.serialize_key_and_certificates(
            name.encode("utf-8"), analyst_key, analyst_cert, [ca_cert], encryption))
        self._write(CA_P12, pkcs12.serialize_key_and_certificates(b"lab CA", ca_key, ca_cert, None, encryption))
        self._write(CA_PEM, ca_cert.public_bytes(Encoding.PEM))
        return self._write_summary(analyst_cert, name, email, organisation, "created", has_ca=True)

    def import_pkcs12(self, path: Path, passphrase: bytes, overwrite: bool = False) -> IdentitySummary:
        """Adopt an existing PKCS#12 (issued by an institutional CA); stored as given, still encrypted."""
        from cryptography.hazmat.primitives.serialization import Encoding

        self.refuse_overwrite(overwrite)
        data = Path(path).read_bytes()
        key, cert, chain = _load_pkcs12(data, passphrase)
        if key is None or cert is None:
            raise IdentityError(f"{path} holds no private key with its certificate")
        self._prepare_folder()
        self._write(ANALYST_P12, data)
        (self.folder / CA_P12).unlink(missing_ok=True)
        roots = [c for c in chain if c.subject == c.issuer]
        if roots:
            self._write(CA_PEM, roots[0].public_bytes(Encoding.PEM))
        else:
            (self.folder / CA_PEM).unlink(missing_ok=True)
        name = _common_name(cert.subject) or "imported identity"
        return self._write_summary(cert, name, "", _organisation(cert.subject), "imported", has_ca=bool(roots))

    def load_signer(self, passphrase: bytes):
        """A pyHanko signer for the analyst key, with the chain for the signature."""
        from pyhanko.sign import signers

        self.summary()
        _load_pkcs12(self.pkcs12_path.read_bytes(), passphrase)  # clear message on a wrong passphrase
        signer = signers.SimpleSigner.load_pkcs12(str(self.pkcs12_path), passphrase=passphrase)
        if signer is None:
            raise IdentityError("the analyst PKCS#12 could not be loaded for signing")
        return signer

    # -- files -----------------------------------------------------------------------------------------------
    def refuse_overwrite(self, overwrite: bool) -> None:
        if self.exists() and not overwrite:
            raise IdentityError(f"an analyst identity already exists in {self.folder}; pass --overwrite to replace it")

    def _prepare_folder(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, stat.S_IRWXU)

    def _write(self, name: str, data: bytes) -> None:
        """Write with mode 0600 from the first byte (no window where the file is world-readable)."""
        target = self.folder / name
        partial = target.with_name(name + ".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(partial, target)

    def _write_summary(self, cert, name: str, email: str, organisation: str, source: str, has_ca: bool) -> IdentitySummary:
        from cryptography.hazmat.primitives import hashes

        summary = IdentitySummary(
            name=name, email=email, organisation=organisation, source=source,
            subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
            not_before=cert.not_valid_before_utc.isoformat(), not_after=cert.not_valid_after_utc.isoformat(),
            sha256_fingerprint=cert.fingerprint(hashes.SHA256()).hex(), has_lab_ca=has_ca,
        )
        self._write(IDENTITY_JSON, json.dumps(summary.__dict__, indent=2, ensure_ascii=False).encode("utf-8"))
        return summary


def _encryption(passphrase: bytes):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption

    return BestAvailableEncryption(passphrase)


def _load_pkcs12(data: bytes, passphrase: bytes):
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        return pkcs12.load_key_and_certificates(data, passphrase)
    except ValueError:
        raise IdentityError("the PKCS#12 could not be opened: wrong passphrase or not a PKCS#12 file") from None


def _name(common_name: str, organisation: str = "", email: str = ""):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if email:
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(attributes)


def _validity(years: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)  # tolerate small clock skew
    return start, start + dt.timedelta(days=365 * years)


def _ca_certificate(key, organisation: str, analyst: str):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    subject = _name(f"{organisation} forensic lab CA ({analyst})", organisation)
    start, end = _validity(CA_YEARS)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))


def _analyst_certificate(key, ca_cert, ca_key, name: str, email: str, organisation: str):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

    start, end = _validity(ANALYST_YEARS)
    ca_key_id = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (x509.CertificateBuilder().subject_name(_name(name, organisation, email)).issuer_name(ca_cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION,
                                                     ObjectIdentifier(DOCUMENT_SIGNING_EKU)]), critical=False)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_key_id), critical=False))
    if email:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def _common_name(name) -> str:
    from cryptography.x509.oid import NameOID

    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def _organisation(name) -> str:
    from cryptography.x509.oid import NameOID

    values = name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return str(values[0].value) if values else ""
