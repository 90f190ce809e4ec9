"""What a command's output becomes: bytes that are not UTF-8 (a console code page), an output too long to quote
whole, an error record with fields missing, transport errors when there is no password to hide, and the guard on
the bootstrap's length."""

from __future__ import annotations

import json

import pytest

from sdn_provider.cluster import transport
from sdn_provider.cluster.errors import ClusterCommandError, WinRMConnectionError
from sdn_provider.cluster.transport import WinRMSettings, build_command, run_script

SETTINGS = WinRMSettings(host="db1.contoso.test", username="admin", password="secret")
#: "Accès refusé" as a French Windows console writes it (code page 1252), not as UTF-8.
CP1252 = "Accès refusé".encode("cp1252")


def answering(monkeypatch: pytest.MonkeyPatch, rc: int, stdout: bytes, stderr: bytes = b"") -> None:
    monkeypatch.setattr(transport, "_execute", lambda *a: (rc, stdout, stderr))


def command_error(monkeypatch: pytest.MonkeyPatch, rc: int, stdout: bytes, stderr: bytes = b"") -> str:
    """The message of the error the output becomes."""
    answering(monkeypatch, rc, stdout, stderr)
    with pytest.raises(ClusterCommandError) as caught:
        run_script(SETTINGS, "get_cluster", {})
    return caught.value.message


@pytest.mark.parametrize(("stdout", "stderr"), [(CP1252, b""), (b"", CP1252)])
def test_output_that_is_not_utf8_is_still_quoted(monkeypatch: pytest.MonkeyPatch, stdout: bytes, stderr: bytes) -> None:
    """A message in the console's code page reaches the diagnostic with its undecodable bytes replaced, instead of
    a UnicodeDecodeError that would hide it."""
    assert command_error(monkeypatch, 1, stdout, stderr) == "exit code 1: Acc\ufffds refus\ufffd"


def test_a_result_with_a_stray_byte_is_still_a_result(monkeypatch: pytest.MonkeyPatch) -> None:
    answering(monkeypatch, 0, b'{"exists": true, "name": "' + CP1252 + b'"}')
    assert run_script(SETTINGS, "get_cluster", {}) == {"exists": True, "name": "Acc\ufffds refus\ufffd"}


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_a_long_output_is_quoted_from_its_beginning_up_to_the_limit(
    monkeypatch: pytest.MonkeyPatch, stream: str
) -> None:
    """The error comes first; what follows it (a script's whole stack of records) is cut off."""
    output = "Get-Cluster : access denied\n" + "x" * (2 * transport.MAX_DETAIL)
    streams = {"stdout": b"", "stderr": b"", stream: output.encode()}
    assert command_error(monkeypatch, 1, **streams) == f"exit code 1: {output[: transport.MAX_DETAIL]}"


def test_an_error_record_with_fields_missing_still_names_the_script(monkeypatch: pytest.MonkeyPatch) -> None:
    """Missing fields are empty, never "None"; without a message the error still says which script failed."""
    answering(monkeypatch, 1, json.dumps({"error": {"message": None}}).encode())
    with pytest.raises(ClusterCommandError) as caught:
        run_script(SETTINGS, "get_cluster", {})
    error = caught.value
    assert (error.script, error.cmdlet, error.category, error.fully_qualified_error_id) == ("get_cluster", "", "", "")
    assert (error.message, str(error)) == ("unknown error", "get_cluster: unknown error")


@pytest.mark.parametrize(
    "settings",
    [
        WinRMSettings(host="db1.contoso.test", auth="kerberos"),  # the ticket cache: no password at all
        WinRMSettings(host="db1.contoso.test", username="admin", password=""),  # an empty one
    ],
)
def test_without_a_password_the_transport_error_is_quoted_as_is(
    monkeypatch: pytest.MonkeyPatch, settings: WinRMSettings
) -> None:
    def refused(*_args: object) -> None:
        raise OSError("Connection refused")

    monkeypatch.setattr(transport, "_execute", refused)
    with pytest.raises(WinRMConnectionError) as caught:
        run_script(settings, "get_cluster", {})
    assert str(caught.value) == f"cannot reach WinRM endpoint {settings.url}: Connection refused"


def test_a_bootstrap_too_long_for_a_command_line_is_caught_before_any_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bootstrap is fixed, so this guards the shipped text: an edit that outgrows cmd.exe's limit fails every
    test that builds a command, saying why, rather than every command on a real node."""
    monkeypatch.setattr(transport, "BOOTSTRAP", "#" * transport.MAX_COMMAND_LINE)
    with pytest.raises(AssertionError) as caught:
        build_command("get_cluster", {})
    assert str(caught.value) == "the PowerShell bootstrap no longer fits a Windows command line"
