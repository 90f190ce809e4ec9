"""Process-level workarounds, applied by one explicit call (`install_runtime_patches()`), never on import.

* Ctrl-C and StopProvider never kill in-flight calls (the stock runner stops the server at once).
* An unwritable HOME does not crash the start-up (the stock certificate cache lives under it).
* A cached TLS certificate is loaded without importing `cryptography` (~50 ms of every one of the 3-5 starts per
  Terraform command).
* cty's refined unknowns decode as Unknown.
* `run_provider` serves our `SdnServicer`.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tf.types import Unknown

from sdn_provider.framework import compat

#: Set when Terraform asks the provider to stop; long waits poll it and give up early.
STOP_REQUESTED = threading.Event()


def _soft_stop_intercept(self, continuation, handler_call_details):
    """StopProvider only raises a flag: in-flight creates finish and their state is saved."""
    if handler_call_details.method in ("/tfplugin6.Provider/StopProvider",):
        STOP_REQUESTED.set()
    return continuation(handler_call_details)


def _writable_cert_cache_path() -> Path:
    """The stock cache lives under HOME and crashes start-up when HOME is not writable."""
    for base in (Path.home() / ".cache", Path(tempfile.gettempdir()) / f"sdn-provider-{os.getuid()}"):
        try:
            directory = base / "tf-python-provider"
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            probe = directory / ".write-test"
            probe.touch()
            probe.unlink()
            return directory / "ssl_cert.json"
        except OSError:
            continue
    return Path(tempfile.mkdtemp(prefix="sdn-provider-")) / "ssl_cert.json"


#: cty's msgpack extensions for unknown values: 0 plain, 12 "unknown with refinements" (e.g. not null).
_UNKNOWN_EXTENSIONS = (0, 12)


def _ext_hook(code: int, data: bytes) -> Any:
    """The stock hook only knows extension 0 with payload b"\\x00" and hands anything else over as an
    ExtType tuple, which resource code then iterates as if it were a list (yielding ints)."""
    from msgpack.ext import ExtType

    return Unknown if code in _UNKNOWN_EXTENSIONS else ExtType(code, data)


#: Our own record of the cached certificate's expiry, beside the framework's fields in the same file.
_NOT_AFTER = "sdn_not_after"


def _make_fast_self_signed_cert(original: Callable[[], Any], cache_path: Callable[[], Path]) -> Callable[[], Any]:
    """Wrap `tf`'s self-signed certificate loader: the stock one parses the cached certificate with `cryptography`
    on every start just to read its expiry; we store the expiry next to it once and then only read JSON."""

    def fast_self_signed_cert() -> tuple[bytes, Any]:
        import grpc

        path = cache_path()
        try:
            cached = json.loads(path.read_text())
            if float(cached[_NOT_AFTER]) > time.time() + 3600:
                return base64.b64decode(cached["cert_chain"]), grpc.ssl_server_credentials(
                    [(cached["key_pem"].encode(), cached["cert_pem"].encode())], require_client_auth=False
                )
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no cache, no expiry recorded yet, or unreadable: let the framework load or make one
        chain, credentials = original()
        _record_expiry(path, chain)
        return chain, credentials

    return fast_self_signed_cert


def _record_expiry(path: Path, chain: bytes) -> None:
    from cryptography import x509

    try:
        cached = json.loads(path.read_text())
        if base64.b64decode(cached["cert_chain"]) != chain:
            return  # another process replaced the file meanwhile
        cached[_NOT_AFTER] = x509.load_der_x509_certificate(chain).not_valid_after_utc.timestamp()
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600), "w") as f:
            json.dump(cached, f)
        os.replace(tmp, path)  # atomic: concurrent starts read the old or the new file, never half of one
    except (OSError, ValueError, KeyError, TypeError):
        pass  # caching is an optimisation only


def patch_tf() -> None:
    """Replace `tf`'s private hooks and servicer with ours; idempotent. Raises `compat.IncompatibleTf` first when
    the installed `tf` is not the one these patches were written against."""
    from sdn_provider.framework.servicer import make_servicer_class

    compat.check()
    compat.replace("msgpack_ext_hook", _ext_hook)  # every request is decoded through it
    compat.replace("stop_interceptor", _soft_stop_intercept)
    compat.replace("cert_cache_path", _writable_cert_cache_path)
    compat.replace(
        "self_signed_cert", _make_fast_self_signed_cert(compat.private("self_signed_cert"), _writable_cert_cache_path)
    )
    compat.replace_servicer_class(make_servicer_class())


def install_runtime_patches() -> None:
    """Everything the plugin process needs before `run_provider`; call once from the entry point."""
    # Terraform forwards Ctrl-C to the whole process group; a provider must not die mid-create.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    patch_tf()
