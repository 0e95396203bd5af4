"""Signing credentials for C2PA: the operator's, or a local certificate authority made here.

C2PA refuses a self-signed leaf certificate, so ``voice2img keys create`` makes a chain: a local
CA (basicConstraints CA, keyCertSign) and a signing certificate it issues (digitalSignature,
extended key usage emailProtection, which the C2PA trust model accepts), both ECDSA P-256. They
live in ``$XDG_CONFIG_HOME/voice2img/c2pa`` (``~/.config/…``), the folder and the key readable by
the owner only. Images signed with them verify as intact, but nobody else trusts this CA: a
reader elsewhere reports "untrusted signer". For credentials others trust, an operator passes a
certificate issued by a CA on the C2PA trust list (``--c2pa-cert``/``--c2pa-key``).
"""

from __future__ import annotations

import datetime
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import Voice2ImgError

CHAIN_FILE, KEY_FILE, CA_FILE = "signer-chain.pem", "signer-key.pem", "local-ca.pem"


def config_dir() -> Path:
    """Where the local credentials live: ``$XDG_CONFIG_HOME/voice2img/c2pa``."""
    root = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(root) / "voice2img" / "c2pa"


@dataclass(frozen=True)
class Credentials:
    """A certificate chain (PEM, leaf first), its private key (PEM) and the signing algorithm."""

    chain: str
    key: str
    alg: str  # es256, es384, es512, ps256 or ed25519, as c2pa names them
    signer: str  # the leaf certificate's common name
    local: bool  # made by `voice2img keys create`: valid, but trusted by nobody else
    where: str

    def describe(self) -> str:
        if self.local:
            return f"signed by {self.signer!r} (voice2img's local certificate: intact, but not trusted by others)"
        return f"signed by {self.signer!r}"


def create_local_keys(folder: Path | None = None, *, replace: bool = False) -> Path:
    """Make the local CA and signing certificate in ``folder``; returns the folder.

    Written into a temporary folder and renamed into place, so that two processes making them
    at once (a batch and a server) end with one complete set, never a mixed one.
    """
    folder = Path(folder or config_dir())
    if folder.exists() and not replace:
        raise Voice2ImgError(f"{folder} already holds signing keys; pass --force to replace them")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".c2pa-", dir=folder.parent))  # mode 0700
    try:
        chain, key, ca = _make_chain()
        for name, text in ((CHAIN_FILE, chain), (KEY_FILE, key), (CA_FILE, ca)):
            descriptor = os.open(staging / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as fp:
                fp.write(text)
        if replace and folder.exists():
            shutil.rmtree(folder)
        os.rename(staging, folder)  # fails if another process got there first: theirs is kept
    except OSError:
        if not (folder / KEY_FILE).exists():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def load_credentials(cert: str | None, key: str | None) -> Credentials:
    """The operator's credentials when both files are given, else the local ones (made if missing)."""
    if bool(cert) != bool(key):
        raise Voice2ImgError("C2PA signing needs both --c2pa-cert and --c2pa-key (or neither, for the local certificate)")
    local = not cert
    if local:
        folder = config_dir()
        if not (folder / KEY_FILE).exists():
            try:
                create_local_keys(folder)
            except Voice2ImgError:  # the folder is there, but without a key
                if not (folder / KEY_FILE).exists():
                    raise Voice2ImgError(f"{folder} has no {KEY_FILE}; run `voice2img keys create --force` "
                                         "to make new local signing keys") from None
        cert, key = str(folder / CHAIN_FILE), str(folder / KEY_FILE)
    chain_text, key_text = _read(cert, "certificate"), _read(key, "private key")
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        leaf = x509.load_pem_x509_certificates(chain_text.encode())[0]
        private = load_pem_private_key(key_text.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise Voice2ImgError(f"cannot use {cert} / {key} for C2PA signing: {exc}") from None
    if private.public_key().public_numbers() != leaf.public_key().public_numbers():
        raise Voice2ImgError(f"the private key {key} does not belong to the certificate {cert}")
    return Credentials(chain_text, key_text, _algorithm(private, key), _common_name(leaf), local, str(cert))


def local_trust_anchor() -> str | None:
    """The local CA's certificate (PEM), if this user has one: images made here verify as trusted."""
    path = config_dir() / CA_FILE
    return path.read_text() if path.exists() else None


def _read(path: str, what: str) -> str:
    try:
        return Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise Voice2ImgError(f"cannot read the C2PA {what} {path}: {exc.strerror if isinstance(exc, OSError) else 'not PEM text'}") from None


def _algorithm(private, where: str) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(private, ec.EllipticCurvePrivateKey):
        names = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}
        if private.curve.name in names:
            return names[private.curve.name]
    if isinstance(private, rsa.RSAPrivateKey):
        return "ps256"
    if isinstance(private, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise Voice2ImgError(f"{where}: C2PA signs with ECDSA P-256/384/521, RSA-PSS or Ed25519 keys, not this one")


def _common_name(certificate) -> str:
    from cryptography.x509.oid import NameOID

    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def _make_chain() -> tuple[str, str, str]:
    """(leaf + CA chain, leaf key, CA certificate), all PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    user = os.environ.get("USER") or "local user"

    def name(common: str):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "voice2img (local, untrusted)")])

    def usage(**on):
        flags = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
                 "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
        return x509.KeyUsage(**{f: on.get(f, False) for f in flags})

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = name(f"voice2img local CA ({user})")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(usage(key_cert_sign=True, crl_sign=True), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(name(f"voice2img signer ({user})")).issuer_name(ca_name)
            .public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1825))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))

    def pem(certificate) -> str:
        return certificate.public_bytes(serialization.Encoding.PEM).decode()

    key = leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()
    return pem(leaf) + pem(ca), key, pem(ca)
