"""TLS material for the emulator: a throwaway CA, a localhost server cert and a client cert.

NC is HTTPS-only in practice and supports X509 client-certificate auth, so the emulator can too.
EC P-256 keys keep generation fast enough to do per test session. Existing material in the
directory is reused, so a fixed ``--tls-dir`` keeps the same CA across restarts.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class TlsMaterial:
    directory: Path
    ca_file: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path

    def server_context(self, require_client_cert: bool = False) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.server_cert, self.server_key)
        if require_client_cert:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(self.ca_file)
        return ctx


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sdn-emulator"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    )


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)


def _issue(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
    usages: tuple[x509.ObjectIdentifier, ...] = (),
    san: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def ensure_tls_material(directory: str | Path | None = None) -> TlsMaterial:
    """Load the CA/server/client files from ``directory`` or generate them (a temp dir when None)."""
    # Absolute: the paths go into the state file, read by clients running in other directories.
    base = (Path(directory) if directory else Path(tempfile.mkdtemp(prefix="sdn-emulator-tls-"))).resolve()
    base.mkdir(parents=True, exist_ok=True)
    material = TlsMaterial(
        base,
        base / "ca.pem",
        base / "server.pem",
        base / "server-key.pem",
        base / "client.pem",
        base / "client-key.pem",
    )
    if all(
        p.exists()
        for p in (
            material.ca_file,
            material.server_cert,
            material.server_key,
            material.client_cert,
            material.client_key,
        )
    ):
        return material
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _issue("sdn-emulator CA", ca_key, _name("sdn-emulator CA"), ca_key, ca=True)
    server_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    server_cert = _issue(
        "localhost",
        server_key,
        ca_cert.subject,
        ca_key,
        usages=(ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH),
        san=[x509.DNSName("localhost"), x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))],
    )
    client_cert = _issue(
        "sdn-emulator client", client_key, ca_cert.subject, ca_key, usages=(ExtendedKeyUsageOID.CLIENT_AUTH,)
    )
    pem = serialization.Encoding.PEM
    material.ca_file.write_bytes(ca_cert.public_bytes(pem))
    material.server_cert.write_bytes(server_cert.public_bytes(pem))
    material.client_cert.write_bytes(client_cert.public_bytes(pem))
    _write_key(server_key, material.server_key)
    _write_key(client_key, material.client_key)
    return material
