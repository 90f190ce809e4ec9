"""Warm start: a per-user fork server that has the provider's modules imported (docs/guides/performance.md).

Terraform starts the plugin 3 to 5 times per command, and a cold Python start spends most of its ~100 ms
importing grpc, protobuf and the tf framework. With the warm start the plugin binary is a thin launcher: it hands
its argv, environment, working directory, umask and standard streams to the server, which forks a fresh provider
process for it (each spawn keeps its own process and state); the launcher waits and exits with that process's
exit code. Any failure before the fork is acknowledged falls back to a cold start, silently.

Safety:
* the socket lives in a directory of the user's own, mode 0700 (checked before every connect); the server serves
  only peers of its own uid (SO_PEERCRED);
* the socket's name is keyed on the provider version, the interpreter, the import path and the provider's source
  files, so an upgrade or an edit never reaches a server that runs older code;
* a forked provider watches its launcher's connection and dies (SIGKILL) as soon as the launcher is gone;
* the server exits after `SDN_WARM_IDLE_SECONDS` (default 300) without a request; its providers live only as
  long as their launchers, so after that nothing of ours is left running;
* `SDN_WARM_START=0` turns all of it off.

The launcher imports only what a bare interpreter already has or loads in well under a millisecond: `_socket`,
`_signal`, `marshal` and `zlib` rather than `socket`, `signal`, `json` and `hashlib` (which pull in `enum`, `re` and
OpenSSL). Its request is `marshal` data: both ends run the same interpreter (the key says so), and the server reads
it only from a peer of its own uid.
"""

from __future__ import annotations

import _socket
import marshal
import os
import struct
import sys
import zlib

import sdn_provider

SWITCH = "SDN_WARM_START"
IDLE_ENV = "SDN_WARM_IDLE_SECONDS"
DEFAULT_IDLE_SECONDS = 300.0
#: The first byte a forked provider sends: from then on the streams are its own and there is no going back.
FORKED = b"F"
_LENGTH = struct.Struct("!I")
_MAX_REQUEST = 4 << 20


# -- where the server listens -----------------------------------------------------------------------
def socket_dir() -> str:
    """The user's own directory for the socket: $XDG_RUNTIME_DIR (or the temp dir)/terraform-provider-sdn-<uid>."""
    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("TMPDIR") or "/tmp"
    return os.path.join(base, f"terraform-provider-sdn-{os.getuid()}")


def private_dir() -> str | None:
    """socket_dir(), created 0700 if missing; None unless it is a real directory of ours that only we can use."""
    import stat

    path = socket_dir()
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None
    return path


def version_key() -> str:
    """What the running code is made of: version, interpreter, import path and when each of its directories last
    changed (installing or removing a package, e.g. another `tf`, changes site-packages), and every provider source
    file's size and mtime. A server only ever serves launchers with the same key."""
    package = os.path.dirname(os.path.abspath(sdn_provider.__file__))
    # sys.path[0] is the launcher script's own directory (.venv/bin, or Terraform's copy of the plugin): it holds
    # no modules, and the server, started with -P, does not have it.
    parts = [sdn_provider.__version__, sys.executable]
    for entry in sys.path[1:]:
        try:
            parts.append(f"{entry}:{os.stat(entry).st_mtime_ns}")
        except OSError:
            parts.append(entry)
    for root, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                st = os.stat(os.path.join(root, name))
                parts.append(f"{os.path.relpath(os.path.join(root, name), package)}:{st.st_size}:{st.st_mtime_ns}")
    return f"{sdn_provider.__version__}-{zlib.crc32(chr(0).join(parts).encode()):08x}"


def socket_path(directory: str) -> str:
    return os.path.join(directory, f"warm-{version_key()}.sock")


def enabled() -> bool:
    return os.environ.get(SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


# -- the launcher (the process Terraform spawns) ----------------------------------------------------
def launch(argv: list[str]) -> int | None:
    """Run this spawn in a forked provider; its exit code, or None when the caller must start cold."""
    if not enabled():
        return None
    directory = private_dir()
    if directory is None:
        return None
    path = socket_path(directory)
    try:
        conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        conn.connect(path)
    except OSError:
        start_server(path)
        return None  # this spawn starts cold; the next one finds the server
    try:
        return _hand_over(conn, argv)
    except OSError:
        return None
    finally:
        conn.close()


def _hand_over(conn: _socket.socket, argv: list[str]) -> int | None:
    import _signal

    umask = os.umask(0)
    os.umask(umask)
    request = marshal.dumps({"argv": argv, "env": dict(os.environ), "cwd": os.getcwd(), "umask": umask})
    streams = struct.pack("3i", 0, 1, 2)
    conn.sendmsg([_LENGTH.pack(len(request)) + request], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, streams)])
    if conn.recv(1) != FORKED:
        return None  # the server went away before forking: nothing has touched the streams yet
    # Terraform forwards Ctrl-C to the process group; the provider ignores it, and so does its launcher.
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
    status = b""
    while chunk := conn.recv(16):
        status += chunk
    try:
        return int(status)
    except ValueError:
        return 1  # the provider died without reporting (killed)


#: What the server keeps of the first launcher's environment: what shapes how Python finds and loads code, and its
#: own settings. Everything else (passwords in SDN_*, TF_VAR_*, tokens) stays out of a process that outlives the
#: command; each forked provider gets its own spawn's environment whole.
_SERVER_ENV = ("PATH", "HOME", "LANG", "TMPDIR", "XDG_RUNTIME_DIR", "LD_LIBRARY_PATH", "VIRTUAL_ENV", IDLE_ENV)
_SERVER_ENV_PREFIXES = ("PYTHON", "LC_")


def server_environment(environ: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in environ.items() if k in _SERVER_ENV or k.startswith(_SERVER_ENV_PREFIXES)}


def start_server(path: str) -> None:
    """Start a detached server for `path`, best effort (a second one exits at once: it cannot take the lock)."""
    import subprocess

    try:
        subprocess.Popen(
            # -P: no working directory (Terraform's) on the import path; "/" so the server holds no directory open.
            [sys.executable, "-P", "-m", "sdn_provider.warm", path],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
            cwd="/",
            env=server_environment(dict(os.environ)),
        )
    except OSError:
        pass


# -- the server -------------------------------------------------------------------------------------
def preload() -> None:
    """Import what every provider process needs, and what its first NC request or WinRM command would import."""
    import grpc  # noqa: F401
    import pypsrp.shell  # noqa: F401
    import pypsrp.wsman  # noqa: F401
    import requests  # noqa: F401
    import tf.provider  # noqa: F401
    import tf.runner  # noqa: F401
    from tf.gen import grpc_controller_pb2_grpc, grpc_stdio_pb2_grpc, tfplugin_pb2_grpc  # noqa: F401

    import sdn_provider.cluster.remote  # noqa: F401
    import sdn_provider.cluster.transport  # noqa: F401
    import sdn_provider.framework  # noqa: F401
    import sdn_provider.nc.client  # noqa: F401
    import sdn_provider.provider  # noqa: F401


def serve(path: str) -> None:
    """Listen on `path` until idle; fork one provider per launcher."""
    import fcntl
    import signal
    import socket
    import threading
    from contextlib import suppress

    lock = os.open(f"{path}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another server owns this key
    preload()
    idle = float(os.environ.get(IDLE_ENV) or DEFAULT_IDLE_SECONDS)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(path):
        os.unlink(path)  # a dead server's socket: we hold the lock, so no live server owns it
    old_umask = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(old_umask)
    listener.listen(16)
    listener.settimeout(idle)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # providers are reaped by the kernel
    try:
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                return
            with conn:
                conn.settimeout(None)
                # Forking a process that runs threads copies locks held by them: refuse, the launcher starts cold.
                if _same_user(conn) and threading.active_count() == 1:
                    _fork_provider(listener, conn)
    finally:
        with suppress(OSError):
            os.unlink(path)
        listener.close()


def _same_user(conn: _socket.socket) -> bool:
    creds = conn.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, struct.calcsize("3i"))
    _, uid, _ = struct.unpack("3i", creds)
    return uid == os.getuid()


def _fork_provider(listener: _socket.socket, conn: _socket.socket) -> None:
    try:
        request, fds = _receive(conn)
    except (OSError, ValueError):
        return
    try:
        if len(fds) == 3 and os.fork() == 0:
            listener.close()
            _run_provider(conn, request, fds)  # never returns
    finally:
        for fd in fds:
            os.close(fd)


def _receive(conn: _socket.socket) -> tuple[dict, list[int]]:
    import socket

    data, fds, _, _ = socket.recv_fds(conn, 65536, 3)
    if len(data) < _LENGTH.size:
        raise ValueError("short request")
    (length,) = _LENGTH.unpack_from(data)
    if length > _MAX_REQUEST:
        raise ValueError("request too large")
    body = data[_LENGTH.size :]
    while len(body) < length:
        chunk = conn.recv(length - len(body))
        if not chunk:
            raise ValueError("truncated request")
        body += chunk
    request = marshal.loads(body)
    if not isinstance(request, dict):
        raise ValueError("not a request")
    return request, fds


def _run_provider(conn: _socket.socket, request: dict, fds: list[int]) -> None:
    """In the forked child: become the launcher's provider process, run it, report its exit code."""
    import signal
    import threading
    from contextlib import suppress

    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.chdir(request["cwd"])
        os.umask(int(request["umask"]))
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = list(request["argv"])
        conn.sendall(FORKED)
        threading.Thread(target=_die_with_launcher, args=(conn,), daemon=True).start()
        from sdn_provider.plugin import serve as serve_provider

        try:
            serve_provider(sys.argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001  (a child of the server must never return into the server's loop)
        import traceback

        traceback.print_exc()
    finally:
        with suppress(OSError):
            sys.stdout.flush()
            sys.stderr.flush()
            conn.sendall(str(code).encode())
        os._exit(code)


def _die_with_launcher(conn: _socket.socket) -> None:
    """The launcher never writes after its request: EOF means it is gone (killed, or Terraform gave up on it)."""
    import signal
    from contextlib import suppress

    with suppress(OSError):
        while conn.recv(1):
            pass
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    serve(sys.argv[1])
