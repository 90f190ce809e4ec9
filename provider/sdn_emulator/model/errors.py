"""NC error type and the error-code catalogue the emulator answers with.

The real [MS-NCNBI] only confirms ``InvalidParameterValue`` (400); the other codes are our documented
assumptions (HTTP-standard status, a self-explaining code) so clients can branch on status *and* code:

| status | code                 | when                                                                       |
|--------|----------------------|----------------------------------------------------------------------------|
| 400    | InvalidParameterValue| a value or reference in the body is invalid (``target`` = JSON path)       |
| 400    | InvalidRequestBody   | the body is missing, not JSON, or not a JSON object                        |
| 404    | NotFound             | the URL names a resource or collection that does not exist                 |
| 405    | MethodNotAllowed     | PATCH, POST or any verb other than GET/PUT/DELETE on ``/networking/v1``     |
| 409    | ResourceInUse        | DELETE (or a PUT dropping a child) of something other resources reference; |
|        |                      | ``details`` lists one entry per referencing resourceRef                    |
| 409    | ResourceNotTerminal  | PUT while the resource or its parent is ``Updating``/``Deleting``          |
| 412    | PreconditionFailed   | ``If-Match`` differs from the current etag, or names a missing resource    |
| 429/5xx| TooManyRequests, ... | only when injected with ``fail_next`` (fault hooks)                        |
"""

from __future__ import annotations

from typing import Any

INJECTED_CODES = {
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


class NcError(Exception):
    """A Network Controller error: the HTTP status plus NC's ``{"error": {...}}`` body."""

    def __init__(
        self, status: int, code: str, message: str, target: str = "", details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.details = details or []

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "target": self.target, "details": self.details}}


def invalid(target: str, message: str) -> NcError:
    """Shorthand for the one confirmed NC validation error."""
    return NcError(400, "InvalidParameterValue", message, target)


def not_found(path: str) -> NcError:
    return NcError(404, "NotFound", f"The resource '{path}' was not found.", path)
