"""The NC client reads the environment (proxies, CA bundle) once when it is built, not on every request, and
still honours it: HTTPS_PROXY and NO_PROXY for NC's host, REQUESTS_CA_BUNDLE unless ca_cert_file or insecure
is set. No traffic: only the session's settled configuration is inspected."""

from __future__ import annotations

import pytest

from sdn_provider.nc import NCClient, NCSettings

URI = "https://nc.contoso.test"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
    ):
        monkeypatch.delenv(var, raising=False)


def test_proxy_from_environment_is_kept_and_the_environment_is_not_reread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.contoso.test:3128")
    session = NCClient(NCSettings(uri=URI)).session
    assert session.proxies.get("https") == "http://proxy.contoso.test:3128"
    assert session.trust_env is False


def test_no_proxy_for_nc_host_means_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.contoso.test:3128")
    monkeypatch.setenv("NO_PROXY", ".contoso.test")
    assert not NCClient(NCSettings(uri=URI)).session.proxies.get("https")


def test_ca_bundle_from_environment_unless_a_ca_file_or_insecure_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/env-bundle.pem")
    assert NCClient(NCSettings(uri=URI)).session.verify == "/etc/ssl/env-bundle.pem"
    assert NCClient(NCSettings(uri=URI, ca_cert_file="/nc/ca.pem")).session.verify == "/nc/ca.pem"
    assert NCClient(NCSettings(uri=URI, insecure=True)).session.verify is False


def test_without_environment_the_system_trust_store_is_used() -> None:
    assert NCClient(NCSettings(uri=URI)).session.verify is True
