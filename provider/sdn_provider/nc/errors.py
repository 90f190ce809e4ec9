"""Errors of the NC client, importable without loading requests (provider start-up stays fast)."""

from __future__ import annotations

from typing import Any


class NCError(Exception):
    """An error answer from Network Controller, quoting its code, message and request id."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        target: str = "",
        request_id: str = "",
        details: list | None = None,
        method: str = "",
        ref: str = "",
    ):
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.request_id = request_id
        self.details = details or []
        self.method = method
        self.ref = ref
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"Network Controller answered {self.status} {self.code}: {self.message}"
        if self.target:
            text += f" (target: {self.target})"
        if self.method:
            text += f" [{self.method} {self.ref}]"
        if self.request_id:
            text += f" (x-ms-request-id: {self.request_id})"
        return text


class NCTimeoutError(Exception):
    """A resource did not reach a terminal provisioning state within its timeout."""


class NCConnectionError(Exception):
    """Network Controller could not be reached (after retries)."""


class ProvisioningFailed(Exception):
    """NC finished provisioning with `Failed`; carries the resource and its configurationState."""

    def __init__(self, ref: str, resource: dict):
        self.ref = ref
        self.resource = resource
        props = resource.get("properties")
        config = props.get("configurationState") if isinstance(props, dict) else None
        details = config.get("detailedInfo") if isinstance(config, dict) else None
        # NC's shape is not guaranteed: anything but a list of objects gives no details, never a crash.
        self.details = [
            f"{d.get('code', '')}: {d.get('message', '')}".strip(": ")
            for d in (details if isinstance(details, list) else [])
            if isinstance(d, dict)
        ]
        text = f"{ref} provisioning ended in Failed"
        if self.details:
            text += ": " + "; ".join(self.details)
        super().__init__(text)


def strip_read_only(obj: Any) -> Any:
    """Drop the state fields NC computes before re-PUTting a GET result (as SdnDiagnostics does)."""
    if isinstance(obj, dict):
        return {k: strip_read_only(v) for k, v in obj.items() if k not in ("provisioningState", "configurationState")}
    if isinstance(obj, list):
        return [strip_read_only(v) for v in obj]
    return obj
