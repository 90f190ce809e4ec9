"""The warm start (sdn_provider.warm): each spawn of the plugin binary is a fork of a per-user server, and every
safety property the performance guide promises holds for real processes. Each test has its own socket directory
(XDG_RUNTIME_DIR) and so its own server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_load_balancer import seed_lb
from tests.harness import BIN, REQUIRED_PROVIDERS, Emulator, Terraform
from tests.waiting import wait_until

PLUGIN = str(BIN / "terraform-provider-sdn")
# go-plugin's handshake cookie and ranges, as Terraform sets them for a plugin it spawns.
PLUGIN_ENV = {
    "TF_PLUGIN_MAGIC_COOKIE": "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
    "PLUGIN_PROTOCOL_VERSIONS": "5,6",
    "PLUGIN_MIN_PORT": "10000",
    "PLUGIN_MAX_PORT": "25000",
}


def _pids_with(text: str) -> list[int]:
    """Processes whose command line contains `text`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if text.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                    found.append(int(entry))
            except OSError:
                continue
    return found


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat_line = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat_line.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Spawn:
    """One plugin spawn the way Terraform does it: env, pipes, the handshake line on stdout."""

    def __init__(self, env: dict[str, str], cwd: Path):
        self.proc = subprocess.Popen(
            [PLUGIN], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd, text=True
        )
        assert self.proc.stdout
        self.handshake = self.proc.stdout.readline()
        assert self.handshake.startswith("1|6|unix|"), self.handshake + (
            self.proc.stderr.read() if self.proc.stderr else ""
        )

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def warm_env() -> Iterator[dict[str, str]]:
    # A short path of its own: a Unix socket's path is limited to 107 bytes, and pytest's tmp_path is long.
    runtime = Path(tempfile.mkdtemp(prefix="sdn-warm-"))
    env = {**os.environ, **PLUGIN_ENV, "XDG_RUNTIME_DIR": str(runtime), "SDN_WARM_IDLE_SECONDS": "60"}
    env.pop("SDN_WARM_START", None)
    yield env
    for pid in _pids_with(str(runtime)):  # this test's server, if it outlived the test
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(runtime, ignore_errors=True)


def _socket_dir(env: dict[str, str]) -> Path:
    return Path(env["XDG_RUNTIME_DIR"]) / f"terraform-provider-sdn-{os.getuid()}"


def _server(env: dict[str, str]) -> int:
    """Start the server with a first (cold) spawn and wait until it listens; its pid."""
    Spawn(env, Path(env["XDG_RUNTIME_DIR"])).kill()
    wait_until(lambda: list(_socket_dir(env).glob("warm-*.sock")), timeout=60, what="the warm-start socket")
    (pid,) = _pids_with(str(_socket_dir(env)))
    return pid


def test_spawns_are_forks_of_a_server_behind_a_private_version_keyed_socket(warm_env, tmp_path) -> None:
    server = _server(warm_env)
    directory = _socket_dir(warm_env)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    (sock,) = directory.glob("warm-*.sock")
    assert sock.name.startswith("warm-0.1.0-") and stat.S_IMODE(sock.stat().st_mode) == 0o600

    spawn = Spawn(warm_env, tmp_path)
    try:
        (child,) = _children(server)
        assert os.readlink(f"/proc/{child}/cwd") == str(tmp_path)  # the launcher's working directory
        # The handshake names a socket the forked provider listens on.
        assert Path(spawn.handshake.split("|")[3]).exists()
    finally:
        spawn.kill()


def test_the_server_keeps_no_secret_of_the_spawn_that_started_it(warm_env) -> None:
    """The server outlives the command: of the first spawn's environment it keeps only what Python needs (each
    forked provider gets its own spawn's environment whole: the Terraform test below needs Terraform's)."""
    warm_env = {**warm_env, "SDN_WINRM_PASSWORD": "first-spawn-secret", "TF_VAR_token": "t0ken"}
    server = _server(warm_env)
    kept = Path(f"/proc/{server}/environ").read_bytes().split(b"\0")
    assert not [v for v in kept if b"first-spawn-secret" in v or b"t0ken" in v]
    assert any(v.startswith(b"PATH=") for v in kept) and any(v.startswith(b"SDN_WARM_IDLE_SECONDS=") for v in kept)


def _provider_source() -> Path:
    from sdn_provider import warm

    return Path(warm.__file__)


def _site_packages() -> Path:
    """pip installing or removing a package (another `tf`) changes this directory's mtime."""
    return Path(next(p for p in sys.path[1:] if p.endswith("site-packages")))


@pytest.mark.parametrize("changed", [_provider_source, _site_packages], ids=["source-file", "installed-package"])
def test_changed_code_gets_its_own_server(changed) -> None:
    from sdn_provider import warm

    path = changed()
    before = warm.version_key()
    mtime = path.stat().st_mtime_ns
    os.utime(path, ns=(mtime, mtime + 1_000_000_000))
    try:
        assert warm.version_key() != before
    finally:
        os.utime(path, ns=(mtime, mtime))
    assert warm.version_key() == before


def test_the_forked_provider_dies_with_its_launcher(warm_env, tmp_path) -> None:
    server = _server(warm_env)
    spawn = Spawn(warm_env, tmp_path)
    (child,) = _children(server)
    spawn.kill()  # SIGKILL: the launcher cannot tell anyone
    wait_until(lambda: not _alive(child), timeout=10, what="the forked provider to exit")


def test_a_provider_that_dies_without_reporting_ends_its_launcher(warm_env, tmp_path) -> None:
    server = _server(warm_env)
    spawn = Spawn(warm_env, tmp_path)
    (child,) = _children(server)
    os.kill(child, signal.SIGTERM)  # the provider dies without reporting: the launcher must not hang
    assert spawn.proc.wait(10) == 1


def test_the_server_exits_when_idle_and_leaves_nothing_running(warm_env, tmp_path) -> None:
    warm_env["SDN_WARM_IDLE_SECONDS"] = "2"
    server = _server(warm_env)
    Spawn(warm_env, tmp_path).kill()
    wait_until(lambda: not _alive(server), timeout=30, what="the idle server to exit")
    assert not _pids_with(str(_socket_dir(warm_env)))
    assert not list(_socket_dir(warm_env).glob("*.sock"))


def test_the_switch_turns_it_off(warm_env, tmp_path) -> None:
    warm_env["SDN_WARM_START"] = "0"
    spawn = Spawn(warm_env, tmp_path)
    spawn.kill()
    time.sleep(1)  # a server would have been started by now
    assert not _socket_dir(warm_env).exists()
    assert not _pids_with(str(_socket_dir(warm_env)))


def test_a_directory_others_can_enter_means_a_cold_start(warm_env, tmp_path) -> None:
    directory = _socket_dir(warm_env)
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    Spawn(warm_env, tmp_path).kill()
    time.sleep(1)
    assert not list(directory.iterdir())
    assert not _pids_with(str(directory))


def test_a_broken_server_falls_back_to_a_cold_start(warm_env, tmp_path) -> None:
    """A socket that accepts and hangs up (a server that died mid-request) costs the spawn nothing."""
    server = _server(warm_env)
    (path,) = _socket_dir(warm_env).glob("warm-*.sock")
    os.kill(server, signal.SIGKILL)
    wait_until(lambda: not _alive(server), timeout=10, what="the server to die")
    path.unlink()
    impostor = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    impostor.bind(str(path))
    impostor.listen(4)

    def hang_up() -> None:
        while True:
            try:
                conn, _ = impostor.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=hang_up, daemon=True).start()
    try:
        spawn = Spawn(warm_env, tmp_path)  # asserts the handshake: it started cold
        spawn.kill()
    finally:
        impostor.close()


def test_terraform_runs_through_the_warm_start(warm_env, tmp_path, emulator: Emulator, cli_config) -> None:
    server = _server(warm_env)
    work = tmp_path / "work"
    work.mkdir()
    tf = Terraform(
        work, {**warm_env, "TF_CLI_CONFIG_FILE": str(cli_config), "SDN_NETWORK_CONTROLLER_URI": emulator.uri}
    )
    tf.write(REQUIRED_PROVIDERS + 'provider "sdn" {}\n' + seed_lb("Warm_VIP"))
    tf.init()
    forks: set[int] = set()
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.02):
            forks.update(_children(server))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        tf.apply()
        tf.assert_no_changes()
        tf.destroy()
    finally:
        done.set()
        watcher.join()
    assert emulator.get("/loadBalancers/Warm_VIP") is None
    assert len(forks) >= 3  # validate, plan and apply each ran in a fork of the server
    assert not _children(server)
