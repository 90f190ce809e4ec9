"""Errors of the NC client, importable without loading requests (provider start-up stays fast).

Every error the client raises derives from `NCClientError`, so callers catch one class.
"""

from __future__ import annotations

from typing import Any

from sdn_provider.errors import ProviderError
from sdn_provider.nc.refs import prop

#: `resourceMetadata.client` of objects that Azure Local "SDN enabled by Arc" owns (microsoft/SdnDiagnostics
#: offline dumps). Arc management and on-prem management are mutually exclusive (Microsoft Learn, Azure Local
#: SDN overview), so the provider never writes them.
ARC_CLIENT = "Network Resource Provider"


class NCClientError(ProviderError):
    """Base of every error raised by the Network Controller client."""


class NCError(NCClientError):
    """An error answer from Network Controller, quoting its code, message, innerError and request id.

    [MS-NCNBI] 3.1.5.31: `{"error": {"code", "message", "target", "innerError", "details"}}`; `innerError` is a
    string with the root cause and `target` a property name such as "SubnetAddress", not a JSON path.
    """

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
        inner_error: str = "",
    ):
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.request_id = request_id
        self.details = details or []
        self.method = method
        self.ref = ref
        self.inner_error = inner_error
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"Network Controller answered {self.status} {self.code}: {self.message}"
        if self.inner_error and self.inner_error not in self.message:
            text += f"\nRoot cause (innerError): {self.inner_error}"
        if self.target:
            text += f" (target: {self.target})"
        if self.method:
            text += f" [{self.method} {self.ref}]"
        if self.request_id:
            text += f" (x-ms-request-id: {self.request_id})"
        return text


class NCTimeoutError(NCClientError):
    """A resource did not reach a terminal provisioning state within its timeout."""


class NCConnectionError(NCClientError):
    """Network Controller could not be reached (after retries)."""


class ProvisioningFailed(NCClientError):
    """NC finished provisioning with `Failed`; carries the resource and its configurationState."""

    def __init__(self, ref: str, resource: dict):
        self.ref = ref
        self.resource = resource
        config = prop(resource, "configurationState")
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


class OperationFailed(NCClientError):
    """An asynchronous operation (`/operationResults/{id}`, [MS-NCNBI] 1.3.2.1, 3.1.5.13) ended Failed or
    Canceled; carries NC's error code and message."""

    def __init__(self, method: str, ref: str, status: str, code: str = "", message: str = "", operation: str = ""):
        self.method, self.ref, self.status, self.code, self.message = method, ref, status, code, message
        text = f"Network Controller's {method} {ref} ended {status}"
        if code or message:
            text += f": {code}: {message}".rstrip(": ") if code else f": {message}"
        if operation:
            text += f" (operation {operation})"
        super().__init__(text)


class ArcManaged(NCClientError):
    """The object belongs to Azure Local "SDN enabled by Arc"; writing it from here would fight Azure."""

    def __init__(self, ref: str):
        self.ref = ref
        super().__init__(
            f'{ref} is managed by Azure Arc (resourceMetadata.client = "{ARC_CLIENT}"). SDN enabled by Arc and '
            "on-premises management of the same objects are mutually exclusive: manage it from Azure "
            "(Azure portal, az stack-hci-vm, ARM templates) instead of this provider."
        )


def is_arc_managed(doc: Any) -> bool:
    metadata = doc.get("resourceMetadata") if isinstance(doc, dict) else None
    client = metadata.get("client") if isinstance(metadata, dict) else None
    return isinstance(client, str) and client.strip().lower() == ARC_CLIENT.lower()


def strip_read_only(obj: Any) -> Any:
    """Drop the state fields NC computes before re-PUTting a GET result (as SdnDiagnostics does)."""
    if isinstance(obj, dict):
        return {k: strip_read_only(v) for k, v in obj.items() if k not in ("provisioningState", "configurationState")}
    if isinstance(obj, list):
        return [strip_read_only(v) for v in obj]
    return obj
