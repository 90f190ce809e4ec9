"""TLS failures name their real cause and are not retried: a loopback TLS server with certificates made here
(an expired one, one issued for another name), each handshake counted."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from requests.adapters import HTTPAdapter

from sdn_provider.nc import NCClient, NCConnectionError, NCSettings

NOW = datetime.datetime.now(datetime.UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def make_ca_and_leaf(tmp: Path, san: x509.GeneralName, not_after: datetime.datetime) -> tuple[Path, Path, Path]:
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder(issuer_name=_name("test CA"), subject_name=_name("test CA"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - datetime.timedelta(days=30))
        .not_valid_after(NOW + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder(issuer_name=ca.subject, subject_name=_name("nc"))
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(NOW - datetime.timedelta(days=20))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([san]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = tmp / "ca.pem", tmp / "leaf.pem", tmp / "leaf.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(_pem(key))
    return paths


class TlsServer:
    """Accepts TLS connections and counts handshakes; never answers HTTP (the handshake is what is tested)."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.handshakes = 0
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.handshakes += 1
            try:
                with self.context.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass


@pytest.fixture
def served(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[TlsServer, Path]]:
    san, not_after = request.param
    ca, cert, key = make_ca_and_leaf(tmp_path, san, not_after)
    server = TlsServer(cert, key)
    yield server, ca
    server.sock.close()


IP = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))


@pytest.mark.parametrize(
    ("served", "cause"),
    [
        ((IP, NOW - datetime.timedelta(days=1)), "has expired"),
        ((x509.DNSName("nc.contoso.test"), NOW + datetime.timedelta(days=10)), "is not issued for '127.0.0.1'"),
    ],
    indirect=["served"],
    ids=["expired", "name-mismatch"],
)
def test_tls_failure_names_the_cause_and_is_not_retried(served, cause: str) -> None:
    server, ca = served
    nc = NCClient(NCSettings(uri=f"https://127.0.0.1:{server.port}", ca_cert_file=str(ca), max_retries=5))
    with pytest.raises(NCConnectionError) as caught:
        nc.get("/loadBalancers")
    assert cause in str(caught.value), str(caught.value)
    assert "TLS verification" in str(caught.value) and "ca_cert_file" not in str(caught.value)
    assert server.handshakes == 1


class FailingHandshake(HTTPAdapter):
    """Fails every request the way requests reports a TLS failure, with OpenSSL's text for it."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        raise requests.exceptions.SSLError(self.reason)


NOT_TRUSTED = "the certificate is not trusted ({}). Set ca_cert_file to the CA that signed Network Controller's"
WANTS_CLIENT_CERT = 'Network Controller asks for a client certificate ({}); set auth = "certificate" with client_cert'
REFUSED_CLIENT_CERT = "Network Controller refused the client certificate ({}); client_cert_file must be one of NC's"


@pytest.mark.parametrize(
    ("auth", "reason", "advice"),
    [
        ("none", "certificate verify failed: certificate has expired", "Network Controller's certificate has expired"
         " (certificate verify failed: certificate has expired); renew NC's REST certificate."),
        ("none", "Hostname mismatch", "the certificate is not issued for 'nc.contoso.test' (Hostname mismatch); use "
         "the REST name (or IP) that NC's certificate names in network_controller_uri."),
        ("none", "hostname 'x' doesn't match 'y'", "the certificate is not issued for 'nc.contoso.test'"),
        ("none", "certificate is not valid for 'x'", "the certificate is not issued for 'nc.contoso.test'"),
        ("none", "EOF occurred in violation of protocol", WANTS_CLIENT_CERT),
        ("none", "unexpected EOF while reading", WANTS_CLIENT_CERT),
        ("none", "tlsv13 alert certificate required", WANTS_CLIENT_CERT),
        ("none", "sslv3 alert handshake failure", WANTS_CLIENT_CERT),
        ("certificate", "alert bad certificate", REFUSED_CLIENT_CERT),
        ("certificate", "unexpected eof", REFUSED_CLIENT_CERT),
        ("none", "unable to get local issuer certificate", NOT_TRUSTED),
    ],
)  # fmt: skip
def test_each_tls_failure_gets_the_advice_that_fixes_it(auth: str, reason: str, advice: str) -> None:
    settings = NCSettings(uri="https://nc.contoso.test", auth=auth, client_cert_file="/c.pem", max_retries=0)
    nc = NCClient(settings)
    nc.session.mount("https://", FailingHandshake(reason))
    with pytest.raises(NCConnectionError) as caught:
        nc.get("/loadBalancers")
    text = str(caught.value)
    assert advice.format(reason) in text, text
    if "handshake" not in text:
        assert text.startswith("TLS verification of https://nc.contoso.test failed: ")
    else:
        assert text.startswith("TLS handshake with https://nc.contoso.test failed: ")
    if advice.startswith("the certificate is not trusted"):
        assert text.endswith("(or insecure = true to skip verification, not recommended).")
