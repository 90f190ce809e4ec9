"""The WinRM command builder and settings validation: user data never becomes PowerShell source."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sdn_scripts import BOOTSTRAP, program, script_text

from sdn_provider.cluster import transport
from sdn_provider.cluster.clixml import decode_clixml
from sdn_provider.cluster.errors import ClusterCommandError, WinRMAuthError, WinRMConnectionError, WinRMSettingsError
from sdn_provider.cluster.transport import MAX_COMMAND_LINE, WinRMSettings, build_command, run_script

SCRIPTS = [
    "get_cluster",
    "new_cluster",
    "add_cluster_node",
    "remove_cluster_node",
    "remove_cluster",
    "get_cluster_resource",
    "set_cluster_ip_address",
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SCRIPTS), st.dictionaries(st.text(max_size=20), st.text(max_size=60), max_size=4))
def test_user_strings_travel_only_as_base64_json_on_stdin(name: str, params: dict[str, str]) -> None:
    command = build_command(name, params)
    assert command.executable == "powershell.exe"
    assert command.arguments[:3] == ["-NoProfile", "-NonInteractive", "-EncodedCommand"]
    # The command line is the fixed bootstrap whatever the script and its input: nothing of the user's is on it.
    assert base64.b64decode(command.arguments[3]).decode("utf-16-le") == BOOTSTRAP
    lines = command.stdin.decode("ascii").split("\r\n")
    assert lines[2:] == [""] and all(re.fullmatch(r"[A-Za-z0-9+/=]*", line) for line in lines)
    assert base64.b64decode(lines[0]).decode("utf-8") == program(name)
    assert json.loads(base64.b64decode(lines[1]).decode("utf-8")) == params


@pytest.mark.parametrize("name", SCRIPTS)
def test_scripts_have_header_and_error_record(name: str) -> None:
    text = script_text(name)
    assert text.startswith(f"# sdn-script: {name}\n")
    assert "Write-SdnError $_" in text and "exit 1" in text
    assert "Invoke-Expression" not in text and "iex " not in text.lower()
    # No cmdlet reaches the cluster by name: -Cluster goes through DNS, and the name may resolve to the SLB VIP.
    code = "\n".join(line.split("#", 1)[0] for line in program(name).splitlines())
    assert not re.search(r"\s-Cluster\b", code, re.IGNORECASE)


def test_command_line_is_short_and_fixed_however_large_the_input() -> None:
    big = build_command("set_cluster_ip_address", {"parameters": {"Network": "x" * 50_000}})
    small = build_command("get_cluster", {})
    assert big.arguments == small.arguments
    assert len(" ".join([big.executable, *big.arguments])) < MAX_COMMAND_LINE // 4
    assert len(big.stdin) > 50_000


def test_clixml_stderr_becomes_readable_text() -> None:
    stderr = (
        '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
        '<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T></TN>'
        '<MS><PR N="Record"><AV>Preparing modules for first use.</AV></PR></MS></Obj>'
        "<S S=\"Error\">Import-Module : The specified module 'FailoverClusters' was not loaded_x000D__x000A_</S>"
        '<S S="Error">    + FullyQualifiedErrorId : Modules_ModuleNotFound_x000D__x000A_</S>'
        '<S S="warning">Réseau ignoré_x000A_</S></Objs>'
    )
    assert decode_clixml(stderr) == (
        "Import-Module : The specified module 'FailoverClusters' was not loaded\n"
        "    + FullyQualifiedErrorId : Modules_ModuleNotFound\nWARNING: Réseau ignoré"
    )
    assert decode_clixml("plain text") == "plain text"
    assert decode_clixml("#< CLIXML <not xml") == "#< CLIXML <not xml"


def test_clixml_keeps_plain_text_before_it_and_skips_empty_and_other_streams() -> None:
    stderr = (
        'warming up\r\n#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
        '<S S="Error"/><S S="verbose">not shown</S><S>no stream</S>'
        '<S S="ERROR">a_x0020_b_x007E_c_x000A_</S></Objs>'
    )
    assert decode_clixml(stderr) == "warming up\na b~c"


def clixml(*errors: str) -> str:
    """One CLIXML document of error-stream lines, as powershell.exe writes it."""
    lines = "".join(f'<S S="Error">{line}_x000D__x000A_</S>' for line in errors)
    return f'<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">{lines}</Objs>'


def test_clixml_of_a_nested_powershell_is_decoded_document_by_document() -> None:
    """Each document after its own marker (ansible/ansible#69550): the lines of all of them, no marker left over."""
    stderr = f"#< CLIXML\r\n#< CLIXML\r\n{clixml('inner failed')}{clixml('outer failed')}"
    assert decode_clixml(stderr) == "inner failed\nouter failed"
    assert decode_clixml(f"#< CLIXML\r\n#< CLIXML\r\n{clixml('only one')}") == "only one"


@pytest.mark.parametrize(
    "stderr",
    [
        f"#< CLIXML\r\n{clixml('failed')}trailing text",
        f"#< CLIXML\r\n{clixml('failed')}<Objs>not closed",
        '#< CLIXML\r\n<Objs><S S="Error">unclosed S</Objs>',
    ],
)
def test_clixml_with_anything_else_after_the_marker_is_left_as_is(stderr: str) -> None:
    """Not CLIXML as PowerShell writes it: the raw text says more than the lines a guess would keep."""
    assert decode_clixml(stderr) == stderr


def test_unknown_script_name_rejected() -> None:
    with pytest.raises(ValueError):
        build_command("../evil", {})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"endpoint": "http://127.0.0.1:5985/wsman", "auth": "basic", "username": "u", "password": "p"},
            "sends the password in the clear: use https, or set winrm_allow_unencrypted = true",
        ),
        (
            {"endpoint": "https://127.0.0.1:5986/wsman", "auth": "digest", "username": "u", "password": "p"},
            "winrm_auth 'digest' is not supported",
        ),
        (
            {"endpoint": "https://127.0.0.1:5986/wsman", "auth": "ntlm", "username": "u"},
            "ntlm authentication requires winrm_username and winrm_password",
        ),
        (
            {"endpoint": "https://127.0.0.1:5986/wsman", "auth": "certificate"},
            "requires winrm_certificate_pem and winrm_certificate_key_pem",
        ),
        ({"endpoint": "ftp://x/wsman", "username": "u", "password": "p"}, "must look like https://host:5986/wsman"),
        ({"username": "u", "password": "p"}, "winrm endpoint is not set"),
        (
            {"host": "127.0.0.1", "username": "u", "password": "p", "insecure": True, "ca_cert_file": "/ca.pem"},
            "mutually exclusive",
        ),
    ],
)
def test_settings_validation_messages(kwargs: dict, message: str) -> None:
    with pytest.raises(WinRMSettingsError, match=re.escape(message)):
        WinRMSettings(**kwargs).validate()


@pytest.mark.parametrize("auth", ["ntlm", "kerberos", "credssp"])
def test_message_encrypted_auth_over_http_needs_no_allow_unencrypted(auth: str) -> None:
    """pypsrp wraps every message for these over http; asking for the node's AllowUnencrypted would mislead."""
    WinRMSettings(endpoint="http://db1.contoso.test:5985/wsman", auth=auth, username="u", password="p").validate()


def test_settings_defaults_are_https_ntlm_and_verified() -> None:
    s = WinRMSettings(host="127.0.0.1", username="u", password="p")
    s.validate()
    assert s.url == "https://127.0.0.1:5986/wsman" and s.auth == "ntlm" and not s.insecure
    WinRMSettings(
        endpoint="http://127.0.0.1:5985/wsman", auth="basic", username="u", password="p", allow_unencrypted=True
    ).validate()
    assert "hunter2" not in repr(WinRMSettings(host="h", username="u", password="hunter2-secret"))


def test_password_never_in_error_text(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "Sup3r-Secret!"
    s = WinRMSettings(endpoint="https://127.0.0.1:9/wsman", username="admin", password=secret, connection_timeout=1)
    with pytest.raises(WinRMConnectionError) as exc:
        run_script(s, "get_cluster", {})
    assert secret not in str(exc.value) and secret not in repr(s)

    from pypsrp.exceptions import AuthenticationError

    def denied(*_args, **_kwargs):
        raise AuthenticationError(f"Failed to authenticate the user admin with {secret}")

    monkeypatch.setattr(transport, "_execute", denied)
    with pytest.raises(WinRMAuthError) as auth:
        run_script(s, "get_cluster", {})
    text = str(auth.value)
    assert text == (
        "authentication to https://127.0.0.1:9/wsman failed for user admin: check winrm_username/winrm_password"
    )
    transport.close_connections()


def test_error_record_becomes_cluster_command_error(monkeypatch: pytest.MonkeyPatch) -> None:
    record = {
        "error": {
            "message": "An error occurred opening resource 'x'.",
            "category": "ObjectNotFound",
            "cmdlet": "Get-ClusterResource",
            "fullyQualifiedErrorId": "ClusterObjectNotFound",
        }
    }
    monkeypatch.setattr(transport, "_execute", lambda *a: (1, json.dumps(record).encode(), b""))
    s = WinRMSettings(host="127.0.0.1", username="u", password="p")
    with pytest.raises(ClusterCommandError, match="Get-ClusterResource: An error occurred opening resource 'x'"):
        run_script(s, "get_cluster_resource", {"resource_name": "x"})
    monkeypatch.setattr(transport, "_execute", lambda *a: (1, b"", b"boom"))
    with pytest.raises(ClusterCommandError, match="exit code 1: boom"):
        run_script(s, "get_cluster", {})
    transport.close_connections()


def test_import_and_exit_load_no_winrm_libraries() -> None:
    """A provider process that only answers GetProviderSchema must not pay for pypsrp/pyspnego/requests."""
    # Registered first, so it runs last: after the transport's own exit handler.
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'pypsrp', 'spnego', 'requests'})))\n"
        "import sdn_provider.cluster.transport\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


def test_session_settles_environment_once_and_ntlm_hashes_are_derived_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """requests must not re-read os.environ per WinRM message, and pyspnego must not re-derive the password
    hashes per connection: both were measurable CPU in a 50-tenant refresh."""
    import spnego._ntlm as ntlm

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.contoso.test:3128")  # WinRM goes direct regardless
    settings = WinRMSettings(endpoint="https://db1.contoso.test:5986/wsman", username="u", password="p")
    session = transport._new_wsman(settings).transport.session
    assert session.trust_env is False
    assert session.proxies == {"https": False}
    before = ntlm.lmowfv1.cache_info().misses
    ntlm.lmowfv1("p"), ntlm.lmowfv1("p")
    assert ntlm.lmowfv1.cache_info().misses <= before + 1


SETTINGS = WinRMSettings(host="127.0.0.1", username="admin", password="Sup3r-Secret!")


def answering(monkeypatch: pytest.MonkeyPatch, rc: int, stdout: bytes, stderr: bytes = b"") -> None:
    monkeypatch.setattr(transport, "_execute", lambda *a: (rc, stdout, stderr))


@pytest.mark.parametrize("result", [{"exists": False}, [{"name": "DB1"}]])
def test_a_json_result_is_returned(monkeypatch: pytest.MonkeyPatch, result: object) -> None:
    answering(monkeypatch, 0, b"\r\n" + json.dumps(result).encode() + b"\r\n")
    assert run_script(SETTINGS, "get_cluster", {}) == result


@pytest.mark.parametrize(
    ("rc", "stdout", "stderr", "message"),
    [
        (0, b"", b"", "exit code 0: no output"),
        (0, b"not json", b"", "exit code 0: not json"),
        (0, b'"a string"', b"", 'exit code 0: "a string"'),
        (1, b'{"exists": true}', b"", 'exit code 1: {"exists": true}'),
        (
            1,
            b"",
            b'#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
            b'<S S="Error">Import-Module : not loaded_x000D__x000A_</S></Objs>',
            "exit code 1: Import-Module : not loaded",
        ),
    ],
)
def test_output_that_is_no_result_is_a_command_error(
    monkeypatch: pytest.MonkeyPatch, rc: int, stdout: bytes, stderr: bytes, message: str
) -> None:
    answering(monkeypatch, rc, stdout, stderr)
    with pytest.raises(ClusterCommandError) as caught:
        run_script(SETTINGS, "get_cluster", {})
    assert caught.value.message == message and str(caught.value) == f"get_cluster: {message}"


def test_an_error_record_wins_even_with_exit_code_0(monkeypatch: pytest.MonkeyPatch) -> None:
    record = {"error": {"message": "denied", "category": "PermissionDenied", "cmdlet": "Get-Cluster"}}
    answering(monkeypatch, 0, json.dumps(record).encode())
    with pytest.raises(ClusterCommandError) as caught:
        run_script(SETTINGS, "get_cluster", {})
    assert (caught.value.cmdlet, caught.value.category, caught.value.message) == (
        "Get-Cluster",
        "PermissionDenied",
        "denied",
    )
    assert str(caught.value) == "get_cluster: Get-Cluster: denied"


def failing(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    def execute(*_args: object) -> None:
        raise exc

    monkeypatch.setattr(transport, "_execute", execute)


def test_transport_failures_name_the_endpoint_and_never_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    import requests
    from pypsrp.exceptions import WinRMError

    url = SETTINGS.url
    cases = [
        (ValueError("Server responded with the auth protocol 'NTLM' which is incompatible"), WinRMAuthError,
         f"authentication to {url} failed: Server responded with the auth protocol 'NTLM' which is incompatible; "
         'winrm_auth = "ntlm" is not offered by the node'),
        (requests.exceptions.SSLError("bad cert Sup3r-Secret!"), WinRMConnectionError,
         f"TLS handshake with {url} failed (set winrm_ca_cert_file to the CA that signed the node's certificate): "
         "bad cert ***"),
        (OSError("refused"), WinRMConnectionError, f"cannot reach WinRM endpoint {url}: refused"),
        (WinRMError("the shell is gone"), WinRMConnectionError, f"WinRM request to {url} failed: the shell is gone"),
    ]  # fmt: skip
    for exc, kind, text in cases:
        failing(monkeypatch, exc)
        with pytest.raises(kind) as caught:
            run_script(SETTINGS, "get_cluster", {})
        assert str(caught.value).startswith(text), str(caught.value)
        assert "Sup3r-Secret!" not in str(caught.value)
    failing(monkeypatch, ValueError("something else"))
    with pytest.raises(ValueError, match="something else"):
        run_script(SETTINGS, "get_cluster", {})


def test_credssp_refusal_says_how_to_enable_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from requests_credssp.exceptions import AuthenticationException

    failing(monkeypatch, AuthenticationException("server did not accept"))
    with pytest.raises(WinRMAuthError) as caught:
        run_script(SETTINGS, "get_cluster", {})
    assert str(caught.value) == (
        f"CredSSP authentication to {SETTINGS.url} failed for user admin: check winrm_username/winrm_password, and "
        "that the node accepts CredSSP (Enable-WSManCredSSP -Role Server): server did not accept"
    )
