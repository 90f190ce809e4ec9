"""NC error type and the error-code catalogue the emulator answers with.

Body shape ([MS-NCNBI] 3.1.5.31): ``{"error": {"code", "message", "target", "innerError", "details"}}``;
``innerError`` is a string with the root cause, and ``target`` names the offending property the way the spec's
example does (``"target": "SubnetAddress"``), not a JSON path: the emulator puts the property's name there
(``privateIPAddress``) and the JSON path inside ``innerError`` so a human still finds the spot.

The real [MS-NCNBI] only confirms ``InvalidParameterValue`` (400); the other codes are our documented
assumptions (HTTP-standard status, a self-explaining code). Clients must decide by status and by the
resource's ``provisioningState``, never by these codes:

| status | code                 | when                                                                       |
|--------|----------------------|----------------------------------------------------------------------------|
| 400    | InvalidParameterValue| a value or reference in the body is invalid (``target`` = property name)   |
| 400    | InvalidRequestBody   | the body is missing, not JSON, or not a JSON object                        |
| 404    | NotFound             | the URL names a resource or collection that does not exist                 |
| 405    | MethodNotAllowed     | PATCH, POST or any verb other than GET/PUT/DELETE on ``/networking/v1``     |
| 409    | ResourceInUse        | DELETE (or a PUT dropping a child) of something other resources reference; |
|        |                      | ``details`` lists one entry per referencing resourceRef                    |
| 409    | ResourceNotTerminal  | PUT while the resource or its parent is ``Updating``/``Deleting``          |
| 409    | ParentResourceFailed | PUT of a child while its parent is ``Failed`` ([MS-NCNBI] 1.3.3.3)         |
| 412    | PreconditionFailed   | ``If-Match`` differs from the current etag, or names a missing resource    |
| 429/5xx| TooManyRequests, ... | only when injected with ``fail_next`` (fault hooks)                        |
"""

from __future__ import annotations

import re
from typing import Any

INJECTED_CODES = {
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


class NcError(Exception):
    """A Network Controller error: the HTTP status plus NC's ``{"error": {...}}`` body. ``path`` is the JSON path
    of the offending value inside the request body ("" if none); ``target`` is derived from it."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        path: str = "",
        details: list[dict[str, Any]] | None = None,
        inner_error: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.path = path
        self.details = details or []
        self.inner_error = inner_error

    @property
    def target(self) -> str:
        """The offending property's name, as NC's ``target`` ("" when the error is not about one property)."""
        return property_name(self.path)

    def body(self) -> dict[str, Any]:
        inner = self.inner_error or (f"{self.message} (at '{self.path}' in the request body)" if self.path else "")
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "target": self.target,
                "innerError": inner or self.message,
                "details": self.details,
            }
        }


def property_name(path: str) -> str:
    """``properties.probes[0].properties.port`` -> ``port``; ``...loadBalancerBackendAddressPools[1]`` -> its name."""
    return re.sub(r"\[\d+\]$", "", path).rsplit(".", 1)[-1]


def invalid(path: str, message: str) -> NcError:
    """Shorthand for the one confirmed NC validation error; ``path`` is the JSON path in the body."""
    return NcError(400, "InvalidParameterValue", message, path)


def not_found(ref: str) -> NcError:
    return NcError(404, "NotFound", f"The resource '{ref}' was not found.")
