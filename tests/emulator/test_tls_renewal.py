"""Expired or expiring TLS material in ``--tls-dir`` is renewed when it is the emulator's, refused when not."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

import pytest
import requests
from cryptography import x509

from sdn_emulator import tls
from sdn_emulator.process import EmulatorProcess
from sdn_emulator.tls import TlsMaterialError, ensure_tls_material

PEMS = ("ca.pem", "server.pem", "server-key.pem", "client.pem", "client-key.pem")


def _material(directory: Path, monkeypatch: pytest.MonkeyPatch, valid_for: datetime.timedelta, ca: str = tls.CA_NAME):
    """Material generated as the emulator does, valid for ``valid_for`` (negative: already expired)."""
    with monkeypatch.context() as patch:
        patch.setattr(tls, "VALIDITY", valid_for)
        patch.setattr(tls, "CA_NAME", ca)
        ensure_tls_material(directory)
    return {name: (directory / name).read_bytes() for name in PEMS}


def _not_after(path: Path) -> datetime.datetime:
    return x509.load_pem_x509_certificate(path.read_bytes()).not_valid_after_utc


@pytest.mark.parametrize(
    "valid_for", [datetime.timedelta(minutes=-1), datetime.timedelta(days=3)], ids=["expired", "expiring"]
)
def test_emulator_material_is_renewed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, valid_for: datetime.timedelta
) -> None:
    old = _material(tmp_path, monkeypatch, valid_for)
    with caplog.at_level(logging.WARNING, logger="sdn_emulator.tls"):
        material = ensure_tls_material(tmp_path)
    assert "generating a new CA and certificates" in caplog.text
    assert all((tmp_path / name).read_bytes() != old[name] for name in PEMS)
    in_a_year = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=300)
    assert all(_not_after(p) > in_a_year for p in (material.ca_file, material.server_cert, material.client_cert))


def test_valid_material_is_kept(tmp_path: Path) -> None:
    ensure_tls_material(tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in PEMS}
    ensure_tls_material(tmp_path)
    assert {name: (tmp_path / name).read_bytes() for name in PEMS} == before


def test_someone_elses_expired_certificates_are_refused_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _material(tmp_path, monkeypatch, datetime.timedelta(minutes=-1), ca="Contoso Issuing CA")
    with pytest.raises(TlsMaterialError, match=r"ca\.pem expires .* not issued by the emulator's CA"):
        ensure_tls_material(tmp_path)
    assert {name: (tmp_path / name).read_bytes() for name in PEMS} == old


def test_serve_renews_expired_material_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _material(tmp_path / "tls", monkeypatch, datetime.timedelta(minutes=-1))
    emu = EmulatorProcess.start("--tls", workdir=tmp_path)
    try:
        assert requests.get(
            emu.info["nc_uri"] + "/networking/v1/loadBalancers", verify=emu.info["ca_file"], timeout=10
        ).ok
        log = (tmp_path / "emulator.log").read_text()
        assert "ca.pem expired" in log and "generating a new CA" in log
    finally:
        emu.stop(remove_workdir=False)
