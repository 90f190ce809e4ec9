"""TLS material for the emulator: a throwaway CA, a localhost server cert and a client cert.

NC is HTTPS-only in practice and supports X509 client-certificate auth, so the emulator can too.
EC P-256 keys keep generation fast enough to do per test session. Existing material in the
directory is reused, so a fixed ``--tls-dir`` keeps the same CA across restarts, until a certificate expires or
comes within ``RENEW_BEFORE`` of it: then the emulator's own material is generated afresh (the CA key is never
kept, so the whole set is), with a warning; certificates someone else put there are never overwritten.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_NAME = "sdn-emulator CA"
VALIDITY = datetime.timedelta(days=365)
RENEW_BEFORE = datetime.timedelta(days=30)
log = logging.getLogger(__name__)


class TlsMaterialError(ValueError):
    """The TLS directory holds certificates that cannot be used and are not the emulator's to replace."""


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
        .not_valid_after(now + VALIDITY)
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
    files = (material.ca_file, material.server_cert, material.server_key, material.client_cert, material.client_key)
    if all(p.exists() for p in files):
        stale = _stale_certificate(material)
        if stale is None:
            return material
        log.warning("TLS material in %s: %s; generating a new CA and certificates", base, stale)
    _generate(material)
    return material


def _stale_certificate(material: TlsMaterial) -> str | None:
    """Why the material must be renewed (a certificate expired or expiring soon), or None if it is fine."""
    limit = datetime.datetime.now(datetime.UTC) + RENEW_BEFORE
    for path in (material.ca_file, material.server_cert, material.client_cert):
        try:
            cert = x509.load_pem_x509_certificate(path.read_bytes())
        except ValueError as error:
            raise TlsMaterialError(f"{path} is not a PEM certificate ({error}); remove the TLS directory") from error
        issuer = cert.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
        if not issuer or issuer[0].value != CA_NAME:
            if cert.not_valid_after_utc < limit:
                raise TlsMaterialError(
                    f"{path} expires {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC and was not issued by the "
                    f"emulator's CA, so it is not renewed; replace it, or remove {material.directory} to have "
                    "the emulator generate its own"
                )
            continue
        if cert.not_valid_after_utc < limit:
            state = "expired" if cert.not_valid_after_utc < datetime.datetime.now(datetime.UTC) else "expires"
            return f"{path.name} {state} {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"
    return None


def _generate(material: TlsMaterial) -> None:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _issue(CA_NAME, ca_key, _name(CA_NAME), ca_key, ca=True)
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
