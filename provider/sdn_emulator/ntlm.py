"""Server-side NTLM/Negotiate shared by the emulator's endpoints (guest WinRM and NC REST).

pyspnego's acceptor checks NTLM answers against an smbpasswd-style account file (``NTLM_USER_FILE``); this
module owns that file, the RFC 5929 channel-binding data of our TLS certificate, and one acceptor per
connection (NTLM authenticates the TCP connection, not the request: HTTP.sys keeps it authenticated for the
rest of the keep-alive connection).
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
import threading

import spnego
import spnego.channel_bindings
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from spnego._ntlm_raw.crypto import lmowfv1, ntowfv1  # private; pyspnego is pinned in setup.cfg


def same_user(given: str, expected: str) -> bool:
    """Compare account names ignoring a DOMAIN\\ prefix or @realm suffix, case-insensitively like Windows."""

    def bare(name: str) -> str:
        return name.rsplit("\\", 1)[-1].split("@", 1)[0].upper()

    return bool(given) and bare(given) == bare(expected)


def tls_server_end_point(certfile: str) -> bytes:
    """RFC 5929 channel-binding data for our certificate (what pypsrp binds NTLM to)."""
    with open(certfile, "rb") as fd:
        cert = x509.load_pem_x509_certificate(fd.read())
    algorithm = cert.signature_hash_algorithm
    if algorithm is None or algorithm.name in ("md5", "sha1"):
        algorithm = hashes.SHA256()
    digest = hashlib.new(algorithm.name, cert.public_bytes(Encoding.DER)).digest()
    return b"tls-server-end-point:" + digest


class NtlmUsers:
    """pyspnego's NTLM acceptor reads accounts from the file named by ``NTLM_USER_FILE`` (process-wide).

    Written in smbpasswd form with the hashes computed here once: from a plain password pyspnego derives them on
    every authentication, in pure Python (the LM hash's DES alone cost ~3 ms per connection). One line per account
    (case-insensitive, like Windows): the latest password registered for an account wins, since pyspnego uses the
    first line that matches.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._path: str | None = None
        self._lines: dict[str, str] = {}

    def add(self, username: str, password: str) -> None:
        domain, _, user = username.rpartition("\\")
        with self._lock:
            if self._path is None:
                fd, self._path = tempfile.mkstemp(prefix="sdn-emulator-ntlm-", suffix=".txt")
                os.close(fd)
            account = f"{domain}\\{user}" if domain else user
            lm_hash, nt_hash = (base64.b16encode(h).decode() for h in (lmowfv1(password), ntowfv1(password)))
            self._lines[account.lower()] = f"{account}:0:{lm_hash}:{nt_hash}:[U]:LCT-00000000"
            with open(self._path, "w", encoding="utf-8") as out:
                out.write("\n".join(self._lines[k] for k in sorted(self._lines)) + "\n")
            os.environ["NTLM_USER_FILE"] = self._path


NTLM_USERS = NtlmUsers()


class AuthFailed(Exception):
    """The client's token was rejected (bad password, wrong user, bad channel bindings, garbage)."""


class ConnectionAuth:
    """One connection's authentication exchange for one account: feed it the client's tokens in order."""

    def __init__(self, username: str, protocol: str, cbt: bytes | None) -> None:
        self.username = username
        self.protocol = protocol
        self.cbt = cbt
        self.authenticated = False
        self._context: spnego.ContextProxy | None = None

    def step(self, token: bytes) -> bytes | None:
        """Process one client token; returns the token to answer with. ``authenticated`` tells whether the
        exchange is complete; AuthFailed resets it (the client must start over)."""
        try:
            if self._context is None:
                bindings = spnego.channel_bindings.GssChannelBindings(application_data=self.cbt) if self.cbt else None
                self._context = spnego.server(protocol=self.protocol, channel_bindings=bindings)
            out = self._context.step(token)
        except Exception as error:  # any NTLM failure is a plain 401, whatever pyspnego raised
            self._context = None
            raise AuthFailed(str(error)) from None
        if self._context.complete:
            principal = str(self._context.client_principal or "")
            self._context = None
            if not same_user(principal, self.username):
                raise AuthFailed(f"{principal!r} is not allowed")
            self.authenticated = True
        return out
