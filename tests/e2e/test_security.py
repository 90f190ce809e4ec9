"""Security end to end: TLS verification on by default, client-certificate auth, secrets kept out of
state and diagnostics, and an emulator that listens on loopback only."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.configs import cluster_hcl, cluster_provider, seed_lb
from tests.harness import Emulator, Terraform

REQUIRED = 'terraform {\n  required_providers {\n    sdn = { source = "windows-sdn/sdn" }\n  }\n}\n'


@pytest.fixture(scope="module")
def cert_emulator() -> Iterator[Emulator]:
    emu = Emulator.start("--tls", "--client-cert-auth", delay=0.0)
    yield emu
    emu.stop()


def flat(proc) -> str:
    return " ".join((proc.stdout + proc.stderr).split())


def provider(emu: Emulator, **settings: str) -> str:
    lines = [f'network_controller_uri = "{emu.uri}"'] + [f'{k} = "{v}"' for k, v in settings.items()]
    return REQUIRED + 'provider "sdn" {\n  ' + "\n  ".join(lines) + "\n}\n"


def certificate(emu: Emulator) -> dict[str, str]:
    return {
        "auth": "certificate",
        "client_cert_file": emu.info["client_cert"],
        "client_key_file": emu.info["client_key"],
    }


def test_tls_with_own_ca_and_client_certificate_is_accepted(tf: Terraform, cert_emulator: Emulator) -> None:
    tf.write(
        provider(cert_emulator, ca_cert_file=cert_emulator.info["ca_file"], **certificate(cert_emulator))
        + seed_lb("Tls_VIP")
    )
    tf.apply()
    tf.assert_no_changes()
    tf.destroy()


@pytest.mark.parametrize("ca", ["none", "foreign"])
def test_tls_without_the_right_ca_is_refused_naming_ca_cert_file(
    tf: Terraform, cert_emulator: Emulator, emulator: Emulator, ca: str
) -> None:
    # The session emulator's CA is another CA: a valid PEM that did not sign this server's certificate.
    settings = {"ca_cert_file": emulator.info["ca_file"]} if ca == "foreign" else {}
    tf.write(provider(cert_emulator, **settings, **certificate(cert_emulator)) + seed_lb("Tls_Refused"))
    proc = tf.apply(check=False)
    assert proc.returncode == 1
    assert "TLS verification" in flat(proc) and "ca_cert_file" in flat(proc), flat(proc)
    assert cert_emulator.get("/loadBalancers/Tls_Refused") is None


def test_client_certificate_missing_is_refused_clearly(tf: Terraform, cert_emulator: Emulator) -> None:
    tf.write(provider(cert_emulator, ca_cert_file=cert_emulator.info["ca_file"]) + seed_lb("NoCert_VIP"))
    proc = tf.apply(check=False)
    assert proc.returncode == 1
    text = flat(proc)
    assert "Network Controller asks for a client certificate" in text and 'set auth = "certificate"' in text, text


def _listening(pid: int) -> list[tuple[str, str]]:
    """(family, local address) of every listening TCP socket the process owns, from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for family in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{family}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:
                found.append((family, fields[1].rsplit(":", 1)[0]))
    return found


def test_emulator_listens_on_loopback_only(emulator: Emulator, cert_emulator: Emulator) -> None:
    for emu in (emulator, cert_emulator):
        sockets = _listening(emu.info["pid"])
        assert len(sockets) >= 4, sockets  # NC REST, two WinRM nodes, control, status page, data plane
        # 127.0.0.1, ::1 and ::ffff:127.0.0.1 (gRPC binds "127.0.0.1" through an IPv6 socket)
        loopback = {"0100007F", "00000000000000000000000001000000", "0000000000000000FFFF00000100007F"}
        assert all(addr in loopback for _, addr in sockets), sockets


def test_winrm_password_never_in_state_or_diagnostics(tf: Terraform, emulator: Emulator) -> None:
    password = emulator.info["winrm_password"]
    tf.write(cluster_provider(emulator) + cluster_hcl(nodes=("DB1",)))
    try:
        apply = tf.apply()
        state = tf.run("show", "-json", "-no-color").stdout
        assert password not in state and password not in apply.stdout + apply.stderr
        # A wrong password: the error says authentication failed, and never echoes either password.
        wrong = "Wr0ng-Secret-Passw0rd!"
        tf.write(cluster_provider(emulator, password=wrong) + cluster_hcl(nodes=("DB1", "DB2")))
        proc = tf.apply(check=False)
        assert proc.returncode == 1
        assert "authentication to https://127.0.0.1:" in flat(proc) and "(node DB1)" in flat(proc), flat(proc)
        assert wrong not in proc.stdout + proc.stderr and password not in proc.stdout + proc.stderr
    finally:
        tf.write(cluster_provider(emulator))
        tf.apply()
