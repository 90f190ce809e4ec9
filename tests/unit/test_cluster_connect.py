"""transport.connect, the plan-time check: it opens the endpoint's kept shell and nothing else, and a failure reads
exactly as a command's would (tests/emulator/test_guests.py drives it against the emulator's nodes)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from sdn_provider.cluster import transport
from sdn_provider.cluster.errors import ClusterCommandTimeout, WinRMAuthError, WinRMConnectionError, WinRMSettingsError
from sdn_provider.cluster.transport import WinRMSettings, connect, run_script

SETTINGS = WinRMSettings(host="127.0.0.1", username="admin", password="Sup3r-Secret!")


class FakeConnection:
    """A cached connection whose shell opening raises ``failure`` (or records that it opened)."""

    def __init__(self, failure: BaseException | None = None) -> None:
        self.failure = failure
        self.opened = 0
        self.closed = False
        self.lock = threading.Lock()

    def _shell(self) -> None:
        if self.failure is not None:
            raise self.failure
        self.opened += 1

    def run(self, *_args: Any) -> tuple[int, bytes, bytes]:
        raise self.failure or AssertionError("connect must not run a command")


@pytest.fixture
def dropped(monkeypatch: pytest.MonkeyPatch) -> list[WinRMSettings]:
    """The connections the transport drops from its cache."""
    calls: list[WinRMSettings] = []
    monkeypatch.setattr(transport._CACHE, "drop", calls.append)
    return calls


def serve(monkeypatch: pytest.MonkeyPatch, conn: FakeConnection) -> None:
    """The cache hands out ``conn``, for SETTINGS' endpoint only."""

    def get(settings: WinRMSettings) -> FakeConnection:
        assert settings is SETTINGS
        return conn

    monkeypatch.setattr(transport._CACHE, "get", get)


def test_connect_opens_the_shell_and_runs_no_command(monkeypatch: pytest.MonkeyPatch, dropped: list) -> None:
    conn = FakeConnection()
    serve(monkeypatch, conn)
    assert connect(SETTINGS) is None
    assert conn.opened == 1 and dropped == []


def test_connect_validates_the_settings_before_any_traffic(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = FakeConnection()
    serve(monkeypatch, conn)
    with pytest.raises(WinRMSettingsError):
        connect(WinRMSettings(host="127.0.0.1", username="admin", password="x", auth="digest"))
    assert conn.opened == 0


def test_a_connection_dropped_while_waiting_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another thread closed the cached connection meanwhile: the next one from the cache is used."""
    stale, fresh = FakeConnection(), FakeConnection()
    stale.closed = True
    handed = iter([stale, fresh])
    monkeypatch.setattr(transport._CACHE, "get", lambda settings: next(handed))
    connect(SETTINGS)
    assert (stale.opened, fresh.opened) == (0, 1)


@pytest.mark.parametrize(
    "failure",
    [
        OSError("refused"),
        ValueError("Server responded with the auth protocol 'NTLM' which is incompatible"),
        ClusterCommandTimeout("late"),
    ],
    ids=["unreachable", "auth-protocol", "timeout"],
)
def test_connect_fails_as_a_command_would(monkeypatch: pytest.MonkeyPatch, dropped: list, failure: Exception) -> None:
    """Same exception, same text, and the connection dropped, whether the shell's Create or a command failed."""
    outcomes = []
    for call in (lambda: connect(SETTINGS), lambda: run_script(SETTINGS, "get_cluster", {})):
        serve(monkeypatch, FakeConnection(failure))
        with pytest.raises((WinRMConnectionError, ClusterCommandTimeout)) as caught:
            call()
        outcomes.append((type(caught.value), str(caught.value)))
    assert outcomes[0] == outcomes[1]
    assert "Sup3r-Secret!" not in outcomes[0][1]
    assert dropped == [SETTINGS, SETTINGS]


def test_an_authentication_failure_names_the_user(monkeypatch: pytest.MonkeyPatch, dropped: list) -> None:
    from pypsrp.exceptions import AuthenticationError

    serve(monkeypatch, FakeConnection(AuthenticationError("401")))
    with pytest.raises(WinRMAuthError) as caught:
        connect(SETTINGS)
    assert str(caught.value) == (
        f"authentication to {SETTINGS.url} failed for user admin: check winrm_username/winrm_password"
    )
    assert dropped == [SETTINGS]


def test_an_unrelated_value_error_is_not_dressed_up(monkeypatch: pytest.MonkeyPatch, dropped: list) -> None:
    serve(monkeypatch, FakeConnection(ValueError("something else")))
    with pytest.raises(ValueError, match="something else"):
        connect(SETTINGS)
    assert dropped == []
