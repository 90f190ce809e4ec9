"""Provider settings refused at plan time (ValidateProviderConfig), each pointing at the attribute: pairs where one
setting silently undoes the other, and auth settings that cannot work together."""

from __future__ import annotations

import pytest
from tf.utils import Diagnostics

from sdn_provider.provider import SdnProvider


def errors(config: dict) -> list[tuple[str, list]]:
    diags = Diagnostics()
    SdnProvider().validate_config(diags, config)
    return [(d.summary, d.path) for d in diags.diagnostics if d.severity == "error"] if diags.diagnostics else []


@pytest.mark.parametrize(
    ("config", "summary", "path"),
    [
        ({"insecure": True, "ca_cert_file": "ca.pem"}, "insecure conflicts with ca_cert_file", ["insecure"]),
        (
            {"winrm_insecure": True, "winrm_ca_cert_file": "ca.pem"},
            "winrm_insecure conflicts with winrm_ca_cert_file",
            ["winrm_insecure"],
        ),
        ({"auth": "negotiate", "password": "pw"}, "password without username", ["password"]),
        ({"auth": "basic"}, "Invalid auth", ["auth"]),
    ],
)
def test_conflicting_settings_are_refused(config: dict, summary: str, path: list) -> None:
    assert (summary, path) in errors(config), errors(config)


@pytest.mark.parametrize(
    "config",
    [
        {"insecure": True},
        {"ca_cert_file": "ca.pem"},
        {"auth": "negotiate", "username": "CONTOSO\\tf", "password": "pw"},
        {"auth": "kerberos"},
        {"winrm_insecure": False, "winrm_ca_cert_file": "ca.pem"},
    ],
)
def test_consistent_settings_pass(config: dict) -> None:
    assert errors(config) == []
