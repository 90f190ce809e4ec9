"""Fixtures for the guest-cluster tests: a throwaway CA, a loopback server cert and two WinRM nodes."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sdn_emulator.guests.cluster import GuestWorld
from sdn_emulator.guests.wsman import GuestServers, start_guest_servers, stop_guest_servers
from sdn_provider.cluster.transport import WinRMSettings, close_connections

USER, PASSWORD = "Administrator", "S3cret-Passw0rd!"


def _cert(subject: str, issuer_key, issuer_name, key, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer_name or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="session", name="guest_tls")
def guest_tls_fixture(tmp_path_factory) -> tuple[str, str, str]:
    """(ca_file, cert_file, key_file) for 127.0.0.1."""
    d: Path = tmp_path_factory.mktemp("guest-tls")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("sdn-test-ca", ca_key, None, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _cert("127.0.0.1", ca_key, ca.subject, key, ca=False)
    (d / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (d / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (d / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(d / "ca.pem"), str(d / "cert.pem"), str(d / "key.pem")


@dataclass
class Guests:
    world: GuestWorld
    servers: GuestServers
    ca_file: str

    def settings(self, node: str, **overrides) -> WinRMSettings:
        values = {
            "endpoint": self.servers[node],
            "auth": "ntlm",
            "username": USER,
            "password": PASSWORD,
            "ca_cert_file": self.ca_file,
            "operation_timeout": 5,
            "connection_timeout": 5,
        }
        values.update(overrides)
        return WinRMSettings(**values)


@pytest.fixture(name="guests")
def guests_fixture(guest_tls) -> Iterator[Guests]:
    """DB1/DB2 (192.168.2.11/.12 in 192.168.2.0/24), each with its own HTTPS WinRM endpoint on loopback."""
    ca_file, cert_file, key_file = guest_tls
    world = GuestWorld()
    world.add_node("DB1", "192.168.2.11", "192.168.2.0/24")
    world.add_node("DB2", "192.168.2.12", "192.168.2.0/24")
    servers = start_guest_servers(world, ["DB1", "DB2"], tls=(cert_file, key_file), credentials=(USER, PASSWORD))
    yield Guests(world, servers, ca_file)
    close_connections()
    stop_guest_servers(servers)
