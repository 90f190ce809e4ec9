"""The in-memory Network Controller: state, provisioning timeline, references and fault hooks.

Callers pass NC paths relative to ``/networking/v1`` (``/loadBalancers/lb1/probes/p1``) and JSON-like
dicts; errors are ``NcError`` (status + NC error body), so REST, WinRM and the data plane share one model.
One RLock guards everything. Provisioning is evaluated lazily against ``clock`` (no threads): a PUT
makes the resource ``Updating`` until ``provisioning_delay`` has passed; DELETE makes it ``Deleting``
for the same time, after which it is gone. Every DELETE is an asynchronous operation ([MS-NCNBI] 1.3.2.1:
202 + ``Azure-AsyncOperation`` -> ``operationResults/{id}``) whose result is ``InProgress`` until then and
``Succeeded``, or ``Failed`` with an error (1.3.2.6; injected with ``fail_delete``). The last
``OPERATIONS_KEPT`` operations are kept. Semantics the real API leaves open, chosen here:

- PUT of a resource, or of a child, while the top-level resource is Updating/Deleting -> 409
  ``ResourceNotTerminal``; PUT of a child while the parent is Failed -> 409 ``ParentResourceFailed``
  ([MS-NCNBI] 1.3.3.3 names the states, not the codes: the codes are assumptions); DELETE is always
  processed (repeating it while Deleting starts another operation that ends with the same deletion).
- A delete that fails (assumption, the spec is silent): the resource stays, readable, with
  ``provisioningState`` ``Failed`` (a top-level resource's children too) and NC's error in
  ``configurationState``; a later DELETE is processed normally.
- A child PUT/DELETE renews the parent's etag and makes the parent and that child ``Updating``;
  siblings keep their state. A parent PUT makes every child ``Updating``.
- ``If-Match``: absent -> accepted; ``*`` -> any existing resource; otherwise it must equal the current
  etag (``W/`` and quotes optional), else 412. A child is matched against its parent's (shared) etag.
- DELETE of a missing resource -> 404 (not 204).
- ``set_provisioning_outcome`` fails only the named resource, not its parent or children.
- ``hold_provisioning`` keeps the named resource's next PUT/DELETE in Updating/Deleting until
  ``release_provisioning`` (a stuck NC job); ``fail_next`` may also ask the transport to drop the
  connection or answer late (``action``), which only the REST layer can act on.
"""

from __future__ import annotations

import copy
import math
import threading
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .errors import INJECTED_CODES, NcError, invalid, not_found
from .schema import (
    BACKREFS,
    CHILDREN,
    PRESERVED_READ_ONLY,
    PROPERTY_READ_ONLY,
    SINGLE_BACKREFS,
    Key,
    Pairs,
    bad_body,
    canonical_collection,
    key_of,
    normalize,
    parse_ref,
    ref_of,
    require_object,
    split_path,
)
from .validation import Children, validate

BUSY = ("Updating", "Deleting")
OPERATIONS_KEPT = 1000
_COLLECTION_ORDER = {c: i for i, c in enumerate(CHILDREN)}


def _guid() -> str:
    return str(uuid.uuid4())


def _new_etag() -> str:
    return f'W/"{_guid()}"'


def _etag_value(etag: str) -> str:
    return etag.strip().removeprefix("W/").strip('"')


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _now_iso() -> str:
    return _iso(datetime.now(UTC))


def _clone(value: Any) -> Any:
    """``copy.deepcopy`` for the JSON-shaped documents the store holds, several times faster (it runs on
    every read); anything that is not a plain dict/list/scalar still goes through ``deepcopy``."""
    kind = type(value)
    if kind is dict:
        return {k: _clone(v) for k, v in value.items()}
    if kind is list:
        return [_clone(v) for v in value]
    if kind in (str, int, float, bool) or value is None:
        return value
    return copy.deepcopy(value)


@dataclass
class _Node:
    collection: str
    resource_id: str
    instance_id: str
    tags: dict[str, Any]
    metadata: dict[str, Any]
    properties: dict[str, Any]
    ready_at: float
    etag: str = ""  # top-level only: children share it
    outcome: str = "Succeeded"
    failure: str | None = None
    deleting_at: float | None = None
    delete_failure: tuple[str, str] | None = None  # (code, message) the running delete will end with
    updated: str = field(default_factory=_now_iso)
    children: dict[str, dict[str, _Node]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Edge:
    """One resourceRef held by ``source`` pointing at ``target`` (used for back-refs and in-use checks)."""

    source_ref: str
    source_key: Key
    source_collection: str
    target_key: Key


@dataclass
class _Prepared:
    collection: str
    resource_id: str
    tags: dict[str, Any]
    metadata: dict[str, Any]
    properties: dict[str, Any]
    children: Children


@dataclass
class Operation:
    """One asynchronous operation (a DELETE), shaped after [MS-NCNBI] 3.1.5.13 operationResults: ``status``
    (InProgress | Succeeded | Failed) is derived from the clock, ``failure`` is NC's (code, message) when it ends
    Failed, answered as ``error {code, message, details}``. ``operationId``/``startTime``/``endTime`` are an
    assumption (not in the spec's readable text); for a PUT the spec's example (3.1.5.13.1.1.2) answers the
    resource body instead, which a DELETE no longer has."""

    operation_id: str
    started_at: float  # controller clock
    started: datetime  # wall clock, for startTime/endTime
    done_at: float
    failure: tuple[str, str] | None

    def result(self, now: float) -> dict[str, Any]:
        doc: dict[str, Any] = {"operationId": self.operation_id, "startTime": _iso(self.started)}
        if now < self.done_at:
            return {**doc, "status": "InProgress"}
        doc["endTime"] = _iso(self.started + timedelta(seconds=max(0.0, self.done_at - self.started_at)))
        if self.failure is None:
            return {**doc, "status": "Succeeded"}
        code, message = self.failure
        return {**doc, "status": "Failed", "error": {"code": code, "message": message, "details": []}}

    def retry_after(self, now: float) -> int | None:
        """Whole seconds left, only when at least one is ([MS-NCNBI] 1.3.2.1: Retry-After is optional)."""
        left = self.done_at - now
        return math.ceil(left) if 1 <= left < math.inf else None


@dataclass
class Fault:
    """A pending injected fault; ``action`` is ``error`` (answer ``status``), ``drop`` (close the socket
    unanswered), ``delay`` (process, then answer after ``delay`` seconds), ``drop_after`` (process, then close the
    socket unanswered: the write landed but its answer is lost, as when NC's REST IP moves to another node) or
    ``race`` (another client's write lands first: the resource's etag is renewed, then the request is processed,
    so an If-Match taken before it gets a genuine 412)."""

    method: str
    collection: str
    status: int
    remaining: int
    action: str = "error"
    delay: float = 0.0

    def error(self, method: str) -> NcError:
        code = INJECTED_CODES.get(self.status, "InjectedFault")
        return NcError(self.status, code, f"Injected {self.status} {code} for {method} {self.collection}.")


FAULT_ACTIONS = ("error", "drop", "delay", "drop_after", "race")


class NetworkController:
    """Thread-safe in-memory NC holding the collections of ``schema.CHILDREN`` and the delete operations."""

    def __init__(self, provisioning_delay: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.provisioning_delay = provisioning_delay
        self._clock = clock
        self._lock = threading.RLock()
        self._store: dict[str, dict[str, _Node]] = {c: {} for c in CHILDREN}
        self._deletions: list[tuple[float, Key]] = []
        self._outcomes: dict[Key, tuple[str, str]] = {}
        self._faults: list[Fault] = []
        self._held: set[Key] = set()
        self._delete_failures: dict[Key, list[Any]] = {}  # key -> [code, message, remaining count]
        self._operations: OrderedDict[str, Operation] = OrderedDict()
        self._statuses: Counter[int] = Counter()
        self._counts: Counter[tuple[str, str]] = Counter()
        # Reference index, maintained on every store change so reads never scan the store. Edges are
        # grouped by the top-level resource holding them (``_out``, in the order the holder yields them)
        # and by target (``_in``: target top -> target -> holder top -> edges); ``_order`` is each holder's
        # place in store iteration order, so back-refs and in-use lists keep that order.
        self._out: dict[Key, list[_Edge]] = {}
        self._in: dict[Key, dict[Key, dict[Key, list[_Edge]]]] = {}
        self._order: dict[Key, tuple[int, int]] = {}
        self._inserted = 0
        # See version(): bumped by every change to what GET renders except provisioning timers running out,
        # which are covered by _settles_at (the latest ready_at/deleting_at handed out).
        self._revision = 0
        self._settles_at = 0.0

    # ----------------------------------------------------------------- NC verbs
    def get(self, path: str) -> dict[str, Any]:
        """The JSON document for a resource path, or ``{"value": [...], "nextLink": ""}`` for a collection."""
        with self._lock:
            now = self._tick()
            pairs, collection = self._parse(path)
            if collection is None:
                return self._render(pairs, now)
            if not pairs:
                return {
                    "value": [
                        self._render(((collection, n.resource_id),), now) for n in self._store[collection].values()
                    ],
                    "nextLink": "",
                }
            parent = self._require(pairs)
            return {
                "value": [
                    self._render((*pairs, (collection, c.resource_id)), now)
                    for c in parent.children[collection].values()
                ],
                "nextLink": "",
            }

    def put(self, path: str, body: Any, if_match: str | None = None) -> tuple[dict[str, Any], bool]:
        """Create or fully replace a resource or child; returns (rendered resource, created)."""
        with self._lock:
            return self._put(self._resource_pairs(path), body, if_match, self.provisioning_delay)

    def seed(self, path: str, body: Any) -> dict[str, Any]:
        """Create a resource already ``Succeeded`` (topology seeding)."""
        with self._lock:
            return self._put(self._resource_pairs(path), body, None, 0.0)[0]

    def delete(
        self, path: str, if_match: str | None = None, operation_id: str | None = None
    ) -> tuple[dict[str, Any], Operation]:
        """Start deleting a resource or child; returns it as it looks now (``Deleting``) and the operation
        that follows the deletion (``operation_id`` defaults to a new GUID)."""
        with self._lock:
            now = self._tick()
            pairs = self._resource_pairs(path)
            node, top = self._require(pairs), self._require(pairs[:1])
            self._check_if_match(if_match, top, ref_of(pairs))
            key = key_of(pairs)
            if node.deleting_at is None:
                users = self._users(
                    key[:1], lambda e: e.target_key[: len(key)] == key and e.source_key[: len(key)] != key
                )
                if users:
                    raise self._in_use(self._canonical(pairs), users)
                node.deleting_at = now + self.provisioning_delay
                node.delete_failure = self._take_delete_failure(key)
                if key in self._held:
                    self._held.discard(key)
                    node.deleting_at = float("inf")
                if len(pairs) == 2:
                    top.etag, top.ready_at, top.updated = _new_etag(), now + self.provisioning_delay, _now_iso()
                self._deletions.append((node.deleting_at, key))
                self._revision += 1
                self._settles_at = max(self._settles_at, node.deleting_at, top.ready_at)
            operation = Operation(
                operation_id or _guid(), now, datetime.now(UTC), node.deleting_at, node.delete_failure
            )
            self._operations[operation.operation_id.lower()] = operation
            while len(self._operations) > OPERATIONS_KEPT:
                self._operations.popitem(last=False)
            rendered = self._render(pairs, now)
            self._tick()
            return rendered, operation

    def operation(self, operation_id: str) -> tuple[dict[str, Any], int | None]:
        """The operationResults document for an operation and its Retry-After (None: none or finished)."""
        with self._lock:
            now = self._tick()
            operation = self._operations.get(operation_id.lower())
            if operation is None:
                raise not_found(f"/operationResults/{operation_id}")
            return operation.result(now), operation.retry_after(now)

    def _take_delete_failure(self, key: Key) -> tuple[str, str] | None:
        armed = self._delete_failures.get(key)
        if armed is None:
            return None
        armed[2] -= 1
        if armed[2] <= 0:
            del self._delete_failures[key]
        return armed[0], armed[1]

    def version(self) -> int | None:
        """A number that changes whenever a rendered resource may have changed, or None while provisioning
        or deletion timers are still running (then documents change with time alone). Lets observers such as
        the data plane skip re-reading an unchanged store."""
        with self._lock:
            now = self._tick()
            return None if now < self._settles_at else self._revision

    def list(self, collection: str) -> list[dict[str, Any]]:
        """All rendered resources of one top-level collection."""
        return self.get(f"/{collection}")["value"]

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """The whole inventory as NC would return it, keyed by collection."""
        with self._lock:
            return {c: self.list(c) for c in CHILDREN}

    def dump(self) -> dict[str, Any]:
        """The store as data (ids, etags, instanceIds, states, delete operations), JSON-able; ``restore`` reads
        it back. Injected faults and request counters belong to a test run and are left out."""
        with self._lock:
            now = self._tick()

            def node_doc(node: _Node) -> dict[str, Any]:
                doc = {
                    "resourceId": node.resource_id,
                    "instanceId": node.instance_id,
                    "tags": _clone(node.tags),
                    "resourceMetadata": _clone(node.metadata),
                    "properties": _clone(node.properties),
                    "outcome": node.outcome,
                    "failure": node.failure,
                    "updated": node.updated,
                    "deleting": node.deleting_at is not None,
                    "deleteFailure": list(node.delete_failure) if node.delete_failure else None,
                    "busy": now < node.ready_at,
                }
                if node.etag:
                    doc["etag"] = node.etag
                return doc

            return {
                "collections": {
                    c: [
                        {
                            **node_doc(top),
                            "children": {
                                cc: [node_doc(child) for child in children.values()]
                                for cc, children in top.children.items()
                            },
                        }
                        for top in nodes.values()
                    ]
                    for c, nodes in self._store.items()
                },
                "operations": [
                    {
                        "operationId": op.operation_id,
                        "started": op.started.isoformat(),
                        "elapsed": max(0.0, min(op.done_at, now) - op.started_at),
                        "finished": now >= op.done_at,
                        "failure": list(op.failure) if op.failure else None,
                    }
                    for op in self._operations.values()
                ],
            }

    def restore(self, doc: dict[str, Any]) -> None:
        """Rebuild an empty model from ``dump()`` with the same ids, etags and instanceIds. Assumption (an NC
        restart resumes its jobs; how long they take is not specified): what was Updating or Deleting at the
        dump provisions again for ``provisioning_delay`` from now, then ends as it would have."""
        with self._lock:
            if any(self._store.values()):
                raise ValueError("restore() rebuilds an empty model")
            now = self._clock()
            ready = now + self.provisioning_delay

            def node_of(collection: str, d: dict[str, Any]) -> _Node:
                node = _Node(
                    collection,
                    d["resourceId"],
                    d["instanceId"],
                    d["tags"],
                    d["resourceMetadata"],
                    d["properties"],
                    ready if d["busy"] or d["deleting"] else now,
                    etag=d.get("etag", ""),
                    outcome=d["outcome"],
                    failure=d["failure"],
                    updated=d["updated"],
                )
                if d["deleting"]:
                    node.deleting_at = ready
                    node.delete_failure = tuple(d["deleteFailure"]) if d["deleteFailure"] else None
                return node

            for collection, tops in doc["collections"].items():
                for d in tops:
                    top = node_of(collection, d)
                    top_key = key_of(((collection, top.resource_id),))
                    for cc in CHILDREN[collection]:
                        top.children[cc] = {}
                        for cd in d["children"].get(cc, []):
                            child = node_of(cc, cd)
                            top.children[cc][child.resource_id.lower()] = child
                            if child.deleting_at is not None:
                                self._deletions.append((ready, top_key + ((cc, child.resource_id.lower()),)))
                    if top.deleting_at is not None:
                        self._deletions.append((ready, top_key))
                    self._inserted += 1
                    self._order[top_key] = (_COLLECTION_ORDER[collection], self._inserted)
                    self._store[collection][top_key[0][1]] = top
                    self._reindex(top_key)
            for op in doc["operations"]:
                # endTime stays startTime + the time the delete took; an unfinished one ends with its resource.
                self._operations[op["operationId"].lower()] = Operation(
                    op["operationId"],
                    now - op["elapsed"],
                    datetime.fromisoformat(op["started"]),
                    now if op["finished"] else ready,
                    tuple(op["failure"]) if op["failure"] else None,
                )
            self._revision += 1
            self._settles_at = max(self._settles_at, ready)

    # ----------------------------------------------------------------- counters and faults
    def record_request(self, method: str, path: str) -> None:
        """Count one request by (method, canonical top-level collection)."""
        with self._lock:
            self._counts[(method.upper(), self._collection_name(path))] += 1

    def request_counts(self) -> dict[tuple[str, str], int]:
        with self._lock:
            return dict(self._counts)

    def record_status(self, status: int) -> None:
        """Count one answered request by HTTP status (dropped connections count as 0)."""
        with self._lock:
            self._statuses[status] += 1

    def status_counts(self) -> dict[int, int]:
        with self._lock:
            return dict(self._statuses)

    def reset_request_counts(self) -> None:
        with self._lock:
            self._counts.clear()
            self._statuses.clear()

    def fail_next(
        self, method: str, collection: str, status: int = 503, count: int = 1, action: str = "error", delay: float = 0.0
    ) -> None:
        """Make the next ``count`` matching requests fail (``*`` matches any method/collection): answer
        ``status``, drop the connection, or answer only after ``delay`` seconds (see ``Fault``)."""
        if not 400 <= status <= 599 or count < 1 or action not in FAULT_ACTIONS or delay < 0:
            raise ValueError(f"status must be 4xx/5xx, count >= 1, delay >= 0, action one of {FAULT_ACTIONS}")
        with self._lock:
            name = "*" if collection == "*" else self._collection_name(collection)
            self._faults.append(Fault(method.upper(), name, status, count, action, delay))

    def take_fault(self, method: str, path: str) -> Fault | None:
        """Consume and return the injected fault for this request, if one is pending."""
        with self._lock:
            name = self._collection_name(path)
            for fault in self._faults:
                if fault.method in ("*", method.upper()) and fault.collection in ("*", name):
                    fault.remaining -= 1
                    if not fault.remaining:
                        self._faults.remove(fault)
                    return fault
            return None

    def clear_faults(self) -> None:
        """Disarm every pending fault and release held resources (the "fault cleared" step of a test)."""
        with self._lock:
            self._faults.clear()
            self._outcomes.clear()
            self._delete_failures.clear()
        self.release_provisioning()

    def fail_delete(self, resource_ref: str, code: str, message: str, count: int = 1) -> None:
        """Make the next ``count`` DELETEs of ``resource_ref`` end Failed with NC's (code, message)."""
        if count < 1 or not code:
            raise ValueError("fail_delete needs a code and count >= 1")
        with self._lock:
            self._delete_failures[key_of(self._ref_pairs(resource_ref))] = [code, message or code, count]

    def hold_provisioning(self, resource_ref: str) -> None:
        """Keep ``resource_ref`` Updating (or Deleting) from its next PUT/DELETE until released."""
        with self._lock:
            self._held.add(key_of(self._ref_pairs(resource_ref)))

    def release_provisioning(self) -> None:
        """Finish every in-flight provisioning now, held ones included (Succeeded, or gone for a delete)."""
        with self._lock:
            now = self._clock()
            self._held.clear()
            self._deletions = [(min(at, now), key) for at, key in self._deletions]
            for operation in self._operations.values():
                operation.done_at = min(operation.done_at, now)
            for nodes in self._store.values():
                for top in nodes.values():
                    for node in (top, *(c for cs in top.children.values() for c in cs.values())):
                        node.ready_at = min(node.ready_at, now)
                        if node.deleting_at is not None:
                            node.deleting_at = min(node.deleting_at, now)
            self._revision += 1
            self._settles_at = now
            self._tick()

    def set_provisioning_delay(self, seconds: float) -> None:
        """Change how long later PUTs/DELETEs stay Updating/Deleting (e.g. to keep operations in flight)."""
        if seconds < 0:
            raise ValueError("the provisioning delay must be >= 0")
        with self._lock:
            self.provisioning_delay = seconds

    def bump_etag(self, resource_ref: str) -> str:
        """Change a resource's etag behind clients' backs (a concurrent writer); returns the new etag."""
        with self._lock:
            self._tick()
            top = self._require(self._ref_pairs(resource_ref)[:1])
            top.etag = _new_etag()
            self._revision += 1
            return top.etag

    def concurrent_write(self, path: str) -> None:
        """Another client's PUT of ``path``'s top-level resource lands now: its etag is renewed ([MS-NCNBI]
        2.2.2: a new etag on every write). Nothing happens when the resource does not exist (yet)."""
        with self._lock:
            try:
                self.bump_etag(path)
            except (NcError, ValueError):
                pass

    def set_provisioning_outcome(
        self, resource_ref: str, state: str = "Failed", detail: str = "", code: str = "PolicyConfigurationFailure"
    ) -> None:
        """Make the next provisioning of ``resource_ref`` end in ``state`` (Failed) with ``detail``."""
        if state not in ("Failed", "Succeeded"):
            raise ValueError("state must be Failed or Succeeded")
        with self._lock:
            key = key_of(self._ref_pairs(resource_ref))
            if state == "Succeeded":
                self._outcomes.pop(key, None)
            else:
                self._outcomes[key] = (code, detail or "Injected provisioning failure.")

    # ----------------------------------------------------------------- paths
    @staticmethod
    def _collection_name(path: str) -> str:
        parts = split_path(path)
        return (canonical_collection(parts[0]) or parts[0]) if parts else ""

    @staticmethod
    def _ref_pairs(ref: str) -> Pairs:
        try:
            return parse_ref(ref)
        except ValueError:
            raise not_found(ref) from None

    def _parse(self, path: str) -> tuple[Pairs, str | None]:
        """(pairs of the resource, trailing collection or None): ``/a/x/b`` -> (((a, x),), b)."""
        parts = split_path(path)
        top = canonical_collection(parts[0]) if parts else None
        if top not in CHILDREN or len(parts) > 4:
            raise not_found(path)
        child = canonical_collection(parts[2]) if len(parts) > 2 else None
        if len(parts) > 2 and child not in CHILDREN[top]:
            raise not_found(path)
        pairs: Pairs = ((top, parts[1]),) if len(parts) > 1 else ()
        if len(parts) == 4:
            return (*pairs, (child, parts[3])), None
        return pairs, (top if len(parts) == 1 else child if len(parts) == 3 else None)

    def _resource_pairs(self, path: str) -> Pairs:
        pairs, collection = self._parse(path)
        if collection is not None:
            raise NcError(405, "MethodNotAllowed", f"Only GET is allowed on the collection '{path}'.")
        return pairs

    def _find(self, key: Key) -> _Node | None:
        node = self._store[key[0][0]].get(key[0][1])
        if node is not None and len(key) == 2:
            node = node.children[key[1][0]].get(key[1][1])
        return node

    def _require(self, pairs: Pairs) -> _Node:
        node = self._find(key_of(pairs))
        if node is None:
            raise not_found(ref_of(pairs))
        return node

    def _canonical(self, pairs: Pairs) -> str:
        """The resourceRef with canonical collections and the ids' creation casing."""
        out = []
        for i, (collection, rid) in enumerate(pairs):
            node = self._find(key_of(pairs[: i + 1]))
            out.append((collection, node.resource_id if node else rid))
        return ref_of(tuple(out))

    # ----------------------------------------------------------------- state
    def _tick(self) -> float:
        """Apply due deletions; return the current clock value."""
        now = self._clock()
        due = [d for d in self._deletions if d[0] <= now]
        if due:
            self._deletions = [d for d in self._deletions if d[0] > now]
            for at, key in due:
                node = self._find(key)
                if node is None or node.deleting_at is None:
                    continue
                if node.delete_failure is not None:
                    self._fail_deletion(node, at)
                    continue
                parent = self._find(key[:1])
                container = self._store[key[0][0]] if len(key) == 1 else parent.children[key[1][0]]
                del container[key[-1][1]]
                self._reindex(key[:1])
                self._revision += 1
        return now

    def _fail_deletion(self, node: _Node, at: float) -> None:
        """The delete ended Failed: the resource stays, Failed (with its children, [MS-NCNBI] 1.3.2.6: a
        parent's state is its descendants'), carrying NC's error in configurationState."""
        code, message = node.delete_failure or ("", "")
        for each in (node, *(c for cs in node.children.values() for c in cs.values())):
            each.outcome, each.failure, each.updated = "Failed", f"{code}: {message}", _now_iso()
            each.ready_at = min(each.ready_at, at)
        node.deleting_at, node.delete_failure = None, None
        self._revision += 1

    @staticmethod
    def _state(node: _Node, now: float, parent: _Node | None = None) -> str:
        if node.deleting_at is not None or (parent is not None and parent.deleting_at is not None):
            return "Deleting"
        return "Updating" if now < node.ready_at else node.outcome

    def _provision(self, node: _Node, key: Key, ready_at: float) -> None:
        node.ready_at = ready_at
        node.outcome, node.failure = "Succeeded", None
        if key in self._held:
            self._held.discard(key)
            node.ready_at = float("inf")
        injected = self._outcomes.pop(key, None)
        if injected:
            node.outcome, node.failure = "Failed", f"{injected[0]}: {injected[1]}"
        self._settles_at = max(self._settles_at, node.ready_at)

    @staticmethod
    def _check_if_match(if_match: str | None, current: _Node | None, ref: str) -> None:
        if if_match is None:
            return
        if current is None:
            raise NcError(412, "PreconditionFailed", f"If-Match was given but '{ref}' does not exist.")
        if if_match.strip() != "*" and _etag_value(if_match) != _etag_value(current.etag):
            raise NcError(
                412,
                "PreconditionFailed",
                f"The etag {if_match} does not match the current etag {current.etag} of '{ref}'.",
            )

    # ----------------------------------------------------------------- references
    def _top_edges(self, top: _Node) -> Iterator[_Edge]:
        """The edges held by one top-level resource and its children, in store order."""
        top_pairs = ((top.collection, top.resource_id),)
        yield from self._node_edges(top_pairs, top)
        for cc, children in top.children.items():
            for child in children.values():
                yield from self._node_edges((*top_pairs, (cc, child.resource_id)), child)

    @staticmethod
    def _node_edges(pairs: Pairs, node: _Node) -> Iterator[_Edge]:
        def refs(value: Any) -> Iterator[str]:
            if isinstance(value, dict):
                if isinstance(value.get("resourceRef"), str):
                    yield value["resourceRef"]
                for item in value.values():
                    yield from refs(item)
            elif isinstance(value, list):
                for item in value:
                    yield from refs(item)

        for ref in refs(node.properties):
            try:
                target = key_of(parse_ref(ref))
            except ValueError:
                continue
            yield _Edge(ref_of(pairs), key_of(pairs), node.collection, target)

    def _reindex(self, top_key: Key) -> None:
        """Re-derive the edges held by one top-level resource after it was replaced, lost a child or went."""
        for target in {e.target_key for e in self._out.pop(top_key, [])}:
            targets = self._in[target[:1]]
            del targets[target][top_key]
            if not targets[target]:
                del targets[target]
            if not targets:
                del self._in[target[:1]]
        top = self._find(top_key)
        if top is None:
            self._order.pop(top_key, None)
            return
        self._out[top_key] = list(self._top_edges(top))
        for edge in self._out[top_key]:
            (
                self._in.setdefault(edge.target_key[:1], {})
                .setdefault(edge.target_key, {})
                .setdefault(top_key, [])
                .append(edge)
            )

    def _referrers(self, key: Key) -> list[_Edge]:
        """The edges pointing at exactly ``key``, in store order."""
        holders = self._in.get(key[:1], {}).get(key, {})
        return [e for h in sorted(holders, key=self._order.__getitem__) for e in holders[h]]

    def _users(self, target_top: Key, predicate: Callable[[_Edge], bool]) -> list[str]:
        """Referrers (deduplicated, store order) of edges matching ``predicate``, which must only accept
        edges pointing into ``target_top``: only the holders of such edges are looked at."""
        holders = {h for by_holder in self._in.get(target_top, {}).values() for h in by_holder}
        return list(
            dict.fromkeys(
                e.source_ref for h in sorted(holders, key=self._order.__getitem__) for e in self._out[h] if predicate(e)
            )
        )

    @staticmethod
    def _in_use(ref: str, users: list[str]) -> NcError:
        return NcError(
            409,
            "ResourceInUse",
            f"'{ref}' is still referenced by: {', '.join(users)}.",
            details=[{"code": "ResourceInUse", "message": f"Referenced by {u}", "target": u} for u in users],
        )

    # ----------------------------------------------------------------- PUT
    def _put(self, pairs: Pairs, body: Any, if_match: str | None, delay: float) -> tuple[dict[str, Any], bool]:
        now = self._tick()
        if not isinstance(body, dict):
            raise bad_body("The request body must be a JSON object.")
        body = normalize(body)
        top = self._find(key_of(pairs[:1]))
        existing = top if len(pairs) == 1 or top is None else top.children[pairs[1][0]].get(pairs[1][1].lower())
        if len(pairs) == 2 and top is None:
            raise not_found(ref_of(pairs[:1]))
        self._check_if_match(if_match, top if existing is not None else None, ref_of(pairs))
        state = self._state(top, now) if top is not None else ""
        if state in BUSY:
            raise NcError(
                409,
                "ResourceNotTerminal",
                f"'{self._canonical(pairs[:1])}' is {state}; retry when its provisioningState is terminal.",
            )
        if len(pairs) == 2 and state == "Failed":
            raise NcError(
                409,
                "ParentResourceFailed",
                f"The parent '{self._canonical(pairs[:1])}' is Failed; fix it with a PUT of the whole resource.",
            )
        rid = body.get("resourceId")
        if rid is not None and str(rid).lower() != pairs[-1][1].lower():
            raise invalid("resourceId", f"resourceId '{rid}' does not match the URL id '{pairs[-1][1]}'.")
        resource_id = existing.resource_id if existing is not None else pairs[-1][1]
        if len(pairs) == 1:
            prepared = self._prepare(pairs[0][0], resource_id, body, top)
            touched = None
        else:
            prepared = self._prepare_child(top, pairs[1][0], existing, {**body, "resourceId": resource_id})
            touched = key_of(pairs)
        self._commit(prepared, top, now + delay, touched)
        final = (*pairs[:-1], (pairs[-1][0], resource_id))
        return self._render(final, now), existing is None

    def _prepare_child(self, top: _Node, collection: str, existing: _Node | None, body: dict[str, Any]) -> _Prepared:
        """Splice one child into the parent's current body and validate the whole parent."""
        doc = self._as_input(top)
        items = doc["properties"][collection]
        index = next(
            (i for i, c in enumerate(items) if c["resourceId"].lower() == body["resourceId"].lower()), len(items)
        )
        items[index : index + 1] = [body]
        try:
            return self._prepare(top.collection, top.resource_id, doc, top)
        except NcError as error:
            prefix = f"properties.{collection}[{index}]"
            if error.path == prefix or error.path.startswith(prefix + "."):
                error.path = error.path[len(prefix) + 1 :]
            raise

    @staticmethod
    def _as_input(node: _Node) -> dict[str, Any]:
        props = copy.deepcopy(node.properties)
        for cc, children in node.children.items():
            props[cc] = [
                {
                    "resourceId": c.resource_id,
                    "tags": c.tags,
                    "resourceMetadata": c.metadata,
                    "properties": copy.deepcopy(c.properties),
                }
                for c in children.values()
            ]
        return {"tags": node.tags, "resourceMetadata": node.metadata, "properties": props}

    def _prepare(self, collection: str, resource_id: str, doc: dict[str, Any], old: _Node | None) -> _Prepared:
        props = dict(require_object(doc.get("properties"), "properties"))
        for key in (*PROPERTY_READ_ONLY, *SINGLE_BACKREFS.get(collection, {}).values()):
            props.pop(key, None)
        for key in PRESERVED_READ_ONLY.get(collection, ()):
            props.pop(key, None)
            if old is not None and key in old.properties:
                props[key] = old.properties[key]
        children: Children = {}
        for cc in CHILDREN[collection]:
            raw = props.pop(cc, None) or []
            if not isinstance(raw, list):
                raise invalid(f"properties.{cc}", f"'{cc}' must be an array.")
            seen: set[str] = set()
            children[cc] = []
            for i, item in enumerate(raw):
                target = f"properties.{cc}[{i}]"
                item = require_object(item, target)
                cid = item.get("resourceId")
                if not isinstance(cid, str) or not cid.strip() or "/" in cid:
                    raise invalid(f"{target}.resourceId", "Every child needs a non-empty 'resourceId'.")
                if cid.lower() in seen:
                    raise invalid(f"{target}.resourceId", f"Duplicate resourceId '{cid}' in '{cc}'.")
                seen.add(cid.lower())
                cprops = dict(require_object(item.get("properties"), f"{target}.properties"))
                for key in (*PROPERTY_READ_ONLY, *BACKREFS.get(cc, {}).values()):
                    cprops.pop(key, None)
                children[cc].append(
                    {
                        "resourceId": cid,
                        "tags": require_object(item.get("tags"), f"{target}.tags"),
                        "resourceMetadata": require_object(item.get("resourceMetadata"), f"{target}.resourceMetadata"),
                        "properties": cprops,
                    }
                )
        top_key = key_of(((collection, resource_id),))
        validate(collection, resource_id, props, children, _StoreResolver(self, top_key))
        return _Prepared(
            collection,
            resource_id,
            require_object(doc.get("tags"), "tags"),
            require_object(doc.get("resourceMetadata"), "resourceMetadata"),
            props,
            children,
        )

    def _commit(self, p: _Prepared, old: _Node | None, ready_at: float, touched: Key | None) -> None:
        top_key = key_of(((p.collection, p.resource_id),))
        if old is not None:
            kept = {top_key + ((cc, c["resourceId"].lower()),) for cc, items in p.children.items() for c in items}
            removed = {top_key + ((cc, cid),) for cc, cs in old.children.items() for cid in cs} - kept
            users = self._users(top_key, lambda e: e.target_key in removed and e.source_key[:1] != top_key)
            if users:
                gone = ", ".join(sorted(self._canonical(k) for k in removed))
                raise self._in_use(gone, users)
        node = _Node(
            p.collection,
            p.resource_id,
            old.instance_id if old else _guid(),
            p.tags,
            p.metadata,
            p.properties,
            ready_at,
            etag=_new_etag(),
        )
        self._provision(node, top_key, ready_at)
        for cc in CHILDREN[p.collection]:
            node.children[cc] = {}
            for item in p.children[cc]:
                ckey = top_key + ((cc, item["resourceId"].lower()),)
                prev = old.children[cc].get(ckey[1][1]) if old else None
                child = _Node(
                    cc,
                    item["resourceId"],
                    prev.instance_id if prev else _guid(),
                    item["tags"],
                    item["resourceMetadata"],
                    item["properties"],
                    ready_at,
                )
                if touched is not None and ckey != touched and prev is not None:
                    child.ready_at, child.outcome, child.failure, child.updated = (
                        prev.ready_at,
                        prev.outcome,
                        prev.failure,
                        prev.updated,
                    )
                else:
                    self._provision(child, ckey, ready_at)
                node.children[cc][ckey[1][1]] = child
        if top_key[0][1] not in self._store[p.collection]:
            self._inserted += 1
            self._order[top_key] = (_COLLECTION_ORDER[p.collection], self._inserted)
        self._store[p.collection][top_key[0][1]] = node
        self._reindex(top_key)
        self._revision += 1

    # ----------------------------------------------------------------- rendering
    def _render(self, pairs: Pairs, now: float) -> dict[str, Any]:
        top = self._require(pairs[:1])
        if len(pairs) == 2:
            child = self._require(pairs)
            ref = ref_of(((top.collection, top.resource_id), (child.collection, child.resource_id)))
            return self._envelope(child, ref, top.etag, self._state(child, now, top), key_of(pairs))
        ref = ref_of(((top.collection, top.resource_id),))
        out = self._envelope(top, ref, top.etag, self._state(top, now), key_of(pairs[:1]))
        for cc, children in top.children.items():
            out["properties"][cc] = [self._render((pairs[0], (cc, c.resource_id)), now) for c in children.values()]
        return out

    def _envelope(self, node: _Node, ref: str, etag: str, state: str, key: Key) -> dict[str, Any]:
        props: dict[str, Any] = {"provisioningState": state, **_clone(node.properties)}
        backrefs = BACKREFS.get(node.collection, {})
        for prop in backrefs.values():
            props[prop] = []
        listed: set[tuple[str, str]] = set()
        single = SINGLE_BACKREFS.get(node.collection, {})
        for edge in self._referrers(key) if backrefs or single else ():
            prop = backrefs.get(edge.source_collection)
            if prop and (prop, edge.source_ref) not in listed:
                listed.add((prop, edge.source_ref))
                props[prop].append({"resourceRef": edge.source_ref})
            prop = single.get(edge.source_collection)
            if prop and prop not in props:
                props[prop] = {"resourceRef": edge.source_ref}
        if state == "Failed":
            code, _, message = (node.failure or "").partition(": ")
            props["configurationState"] = {
                "status": "Failure",
                "lastUpdatedTime": node.updated,
                "detailedInfo": [{"source": "Emulator", "code": code, "message": message}],
            }
        elif node.collection in ("networkInterfaces", "virtualNetworks"):
            # configurationState on NICs and VNets ([MS-NCNBI] NIC example; SdnDiagnostics dumps of both).
            props["configurationState"] = {
                "status": "Success" if state == "Succeeded" else "InProgress",
                "lastUpdatedTime": node.updated,
                "detailedInfo": [],
            }
        if node.collection == "networkInterfaces" and "configurationState" in props:
            props["configurationState"]["id"] = node.instance_id  # SdnDiagnostics networkInterfaces.json
        out = {"resourceRef": ref, "resourceId": node.resource_id, "etag": etag, "instanceId": node.instance_id}
        # SdnDiagnostics' dumps leave out tags and resourceMetadata when a resource has none.
        if node.tags:
            out["tags"] = _clone(node.tags)
        if node.metadata:
            out["resourceMetadata"] = _clone(node.metadata)
        out["properties"] = props
        return out


class _StoreResolver:
    """Validation's view of the store, excluding the resource being replaced."""

    def __init__(self, controller: NetworkController, exclude: Key) -> None:
        self._nc, self._exclude = controller, exclude

    def lookup(self, pairs: Pairs) -> tuple[str, dict[str, Any]] | None:
        if not pairs or key_of(pairs)[:1] == self._exclude:
            return None
        node = self._nc._find(key_of(pairs))
        if node is None or node.deleting_at is not None:
            return None
        return self._nc._canonical(pairs), node.properties

    def public_pools(self) -> list[tuple[str, dict[str, Any]]]:
        return [
            (ref_of(((ln.collection, ln.resource_id), ("subnets", s.resource_id))), s.properties)
            for ln in self._nc._store["logicalNetworks"].values()
            if ln.deleting_at is None
            for s in ln.children["subnets"].values()
            if s.properties.get("isPublic") is True
        ]

    def used_public_addresses(self) -> set[str]:
        return {
            str(pip.properties.get("ipAddress"))
            for pip in self._nc._store["publicIPAddresses"].values()
            if key_of(((pip.collection, pip.resource_id),)) != self._exclude and pip.properties.get("ipAddress")
        }

    def used_addresses(self, subnet_ref: str) -> set[str]:
        used = set()
        for collection in ("networkInterfaces", "loadBalancers"):
            for top in self._nc._store[collection].values():
                if key_of(((collection, top.resource_id),)) == self._exclude:
                    continue
                for children in top.children.values():
                    for child in children.values():
                        subnet = child.properties.get("subnet") or {}
                        if str(subnet.get("resourceRef", "")).lower() == subnet_ref.lower():
                            used.add(child.properties.get("privateIPAddress", ""))
        return used


NC_FAULT_KINDS = (
    "fail_next",
    "drop_next",
    "drop_after_next",
    "slow_next",
    "concurrent_write_next",
    "bump_etag",
    "provisioning_outcome",
    "fail_delete",
    "hold_provisioning",
    "release_provisioning",
    "provisioning_delay",
    "clear_faults",
)


def apply_nc_fault(nc: NetworkController, kind: str, p: dict[str, Any]) -> str | None:
    """Apply one model fault from string-ish parameters (REST admin and gRPC share it); None if ``kind``
    is not a model fault. KeyError/ValueError/TypeError mean bad parameters."""
    method, collection, count = str(p.get("method", "*")), str(p.get("collection", "*")), int(p.get("count", 1))
    if kind == "fail_next":
        nc.fail_next(method, collection, int(p.get("status", 503)), count)
    elif kind == "drop_next":
        nc.fail_next(method, collection, 503, count, action="drop")
    elif kind == "drop_after_next":
        nc.fail_next(method, collection, 503, count, action="drop_after")
    elif kind == "concurrent_write_next":
        nc.fail_next(method, collection, 503, count, action="race")
    elif kind == "slow_next":
        nc.fail_next(method, collection, 503, count, action="delay", delay=float(p.get("seconds", 5)))
    elif kind == "bump_etag":
        return f"etag {nc.bump_etag(p['resourceRef'])}"
    elif kind == "provisioning_outcome":
        nc.set_provisioning_outcome(
            p["resourceRef"],
            str(p.get("state", "Failed")),
            str(p.get("detail", "")),
            str(p.get("code", "PolicyConfigurationFailure")),
        )
    elif kind == "fail_delete":
        nc.fail_delete(
            p["resourceRef"],
            str(p.get("code", "InternalError")),
            str(p.get("message", "")),
            count,
        )
    elif kind == "hold_provisioning":
        nc.hold_provisioning(p["resourceRef"])
    elif kind == "release_provisioning":
        nc.release_provisioning()
        return "released"
    elif kind == "provisioning_delay":
        nc.set_provisioning_delay(float(p["seconds"]))
    elif kind == "clear_faults":
        nc.clear_faults()
        return "cleared"
    else:
        return None
    return "armed"
