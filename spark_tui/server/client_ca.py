"""The certificate authority of `serve --client-proxy`: minted once into the data directory, it
signs a leaf certificate per `*.coherent.global` host the proxy terminates TLS for.

The official clients trust it through `SSL_CERT_FILE=<ca.pem>`; the key stays 0600 beside it.
Certificates come from `cryptography` (ECDSA P-256, SHA-256), with the extensions Python's
strict X.509 verification asks for (key identifiers, key usage, basic constraints).
"""

from __future__ import annotations

import datetime as dt
import os
import ssl
import tempfile
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CA_DAYS = 3650
LEAF_DAYS = 30
_SKEW = dt.timedelta(hours=1)  # valid from a little in the past: clocks differ


class ClientCA:
    """The CA at `directory` (minted on first use) and the TLS contexts of the hosts it signs."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.cert_path = self.directory / CA_FILE
        self.key_path = self.directory / CA_KEY_FILE
        self.minted = False
        if self.cert_path.is_file() and self.key_path.is_file():
            self._cert = x509.load_pem_x509_certificate(self.cert_path.read_bytes())
            key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise ValueError(f"{self.key_path} is not the EC key spark-tui minted; remove {self.directory} to mint a new CA")
            self._key = key
        else:
            self._mint()
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    def _mint(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "spark-tui serve --client-proxy"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"spark-tui local CA ({os.uname().nodename})"),
        ])
        now = dt.datetime.now(dt.timezone.utc)
        public = self._key.public_key()
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _SKEW).not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        key_pem = self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write(self.key_path, key_pem, 0o600)
        _write(self.cert_path, self._cert.public_bytes(serialization.Encoding.PEM), 0o644)
        self.minted = True

    def context_for(self, host: str) -> ssl.SSLContext:
        """A server-side TLS context presenting a leaf certificate for `host`, signed by this CA."""
        with self._lock:
            found = self._contexts.get(host)
            if found is None:
                found = self._contexts[host] = self._leaf_context(host)
            return found

    def _leaf_context(self, host: str) -> ssl.SSLContext:
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        ca_public = self._key.public_key()
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(self._cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _SKEW).not_valid_after(now + dt.timedelta(days=LEAF_DAYS))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
            ), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        # ssl loads a chain only from files: a private temporary directory, removed at once
        with tempfile.TemporaryDirectory(prefix="spark-tui-leaf-") as tmp:
            cert_file, key_file = Path(tmp) / "leaf.pem", Path(tmp) / "leaf-key.pem"
            _write(cert_file, cert.public_bytes(serialization.Encoding.PEM), 0o600)
            _write(key_file, key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ), 0o600)
            context.load_cert_chain(cert_file, key_file)
        return context


def _write(path: Path, data: bytes, mode: int) -> None:
    """Create `path` with `mode` from the start (no moment with wider permissions), atomically."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
