"""`sdn_backend_pool_member`: one NIC ip configuration in one load balancer backend pool.

NC stores membership on the NIC (`ipConfigurations[i].properties.loadBalancerBackendAddressPools`),
so every write is GET NIC -> splice one ref -> PUT the whole NIC. Two guards make sure no update is
lost: a per-NIC lock inside this process (many members of one NIC in one apply), and `If-Match` with
re-read and retry on 412 (another process, another tool, or a second `terraform apply`). The NIC etag
is deliberately not kept in state: it changes whenever any other membership changes the NIC.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

from tf import types
from tf.schema import Attribute, Schema
from tf.types import Unknown
from tf.utils import Diagnostics

from sdn_provider.errors import ProviderError
from sdn_provider.framework import STOP_REQUESTED, BaseResource, SdnPlanContext, is_known
from sdn_provider.nc import (
    ArcManaged,
    NCConnectionError,
    NCError,
    NCTimeoutError,
    ProvisioningFailed,
    is_arc_managed,
    strip_read_only,
)
from sdn_provider.nc.refs import (
    BACKEND_POOL,
    IP_CONFIGURATION,
    NETWORK_INTERFACE,
    MalformedRef,
    children,
    etag,
    linked_refs,
    properties,
    resource_ref,
    same_ref,
)
from sdn_provider.resources.common import (
    check_timeouts,
    deadline,
    keep_spelling,
    report,
    timeouts_block,
)
from sdn_provider.validation import check_name

log = logging.getLogger("sdn.backend_pool_member")

IMPORT_FORMAT = "<nic resourceId>/<ip configuration resourceId>|/loadBalancers/<lb>/backendAddressPools/<pool>"
POOLS = "loadBalancerBackendAddressPools"
#: Backoff between 412 retries: short, because the conflicting write is already done when we see it.
RETRY_INITIAL, RETRY_MAX = 0.05, 2.0

SCHEMA = Schema(
    version=0,
    description="Membership of one network interface ip configuration in one load balancer backend pool "
    "(NC `loadBalancerBackendAddressPools` on the NIC). Other memberships and every other NIC property are left "
    f"untouched. Import ID: `{IMPORT_FORMAT}`, e.g. "
    "`ClusterNode1_Network-Adapter/ipconfig1|/loadBalancers/MyNetwork_InternalVIP/backendAddressPools/Backend1`.",
    attributes=[
        Attribute(
            "network_interface_id",
            types.String(),
            description="NC resourceId of the network interface (e.g. `ClusterNode1_Network-Adapter`). "
            "Changing it creates a new membership.",
            required=True,
        ),
        Attribute(
            "ip_configuration_id",
            types.String(),
            description="resourceId of the NIC's ip configuration (default: the NIC's first one, resolved at plan "
            "time, so the plan shows it, and then kept). Changing it creates a new membership.",
            optional=True,
            computed=True,
        ),
        Attribute(
            "backend_address_pool_ref",
            types.String(),
            description="resourceRef of the backend pool, e.g. "
            '`sdn_load_balancer.lb.backend_address_pool_refs["Backend1"]` '
            "(`/loadBalancers/<lb>/backendAddressPools/<pool>`; compared case-insensitively): the reference makes "
            "Terraform order create and destroy around the load balancer. Changing it creates a new membership.",
            required=True,
        ),
        Attribute(
            "membership_id",
            types.String(),
            description=f"`<nic>/<ip configuration>|<pool ref>`: the import ID (`{IMPORT_FORMAT}`).",
            computed=True,
        ),
    ],
    block_types=[timeouts_block()],
)

_IDENTITY = ("network_interface_id", "ip_configuration_id", "backend_address_pool_ref")


class MembershipGone(Exception):
    """The NIC or its ip configuration is not there (any more)."""


def nic_ref(nic_id: str) -> str:
    return NETWORK_INTERFACE.format(nic_id)


def membership_id(state: dict) -> Any:
    if not all(is_known(state.get(k)) for k in _IDENTITY):
        return Unknown
    return f"{state['network_interface_id']}/{state['ip_configuration_id']}|{state['backend_address_pool_ref']}"


def is_pool_ref(value: str) -> bool:
    """Kept in state and compared with the refs NC writes on the NIC, so it must start with "/"."""
    return BACKEND_POOL.matches(value, rooted=True)


def parse_import_id(text: str) -> tuple[str, str, str] | None:
    """`nic/ipconfig|pool` (or `/networkInterfaces/nic/ipConfigurations/ipconfig|pool`) -> parts, or None."""
    left, sep, pool = text.strip().partition("|")
    if not sep or not is_pool_ref(pool):
        return None
    try:
        nic, ipc = IP_CONFIGURATION.parse(left).ids
    except MalformedRef:  # the short form, `<nic>/<ipconfig>`
        nic, _, ipc = left.strip("/").partition("/")
        if not nic or not ipc or "/" in ipc:
            return None
    return nic, ipc, pool


def ip_configurations(nic: dict) -> list[dict]:
    return children(nic, "ipConfigurations")


def find_ip_configuration(nic: dict, ipc_id: str) -> dict | None:
    return next((c for c in ip_configurations(nic) if same_ref(c.get("resourceId"), ipc_id)), None)


def pool_refs(ipc: dict) -> list[str]:
    return linked_refs(ipc, POOLS)


def has_pool(ipc: dict, pool: str) -> bool:
    return any(same_ref(r, pool) for r in pool_refs(ipc))


class AlreadyMember(Exception):
    """Create found the ref already there: adopting it silently would let destroy remove what we did not add."""

    def __init__(self, state: dict):
        super().__init__(
            f"{nic_ref(state['network_interface_id'])} ip configuration {state['ip_configuration_id']} is already a "
            f"member of {state['backend_address_pool_ref']}. To manage it with Terraform, import it: "
            f"terraform import <address> '{membership_id(state)}'"
        )


class BackendPoolMember(BaseResource):
    type_name = "backend_pool_member"
    schema = SCHEMA

    # -- plan ---------------------------------------------------------------------------------------
    def validate(self, diags: Diagnostics, type_name: str, config: dict) -> None:
        super().validate(diags, type_name, config)
        check_name(diags, config.get("network_interface_id"), ["network_interface_id"], "network_interface_id")
        check_name(diags, config.get("ip_configuration_id"), ["ip_configuration_id"], "ip_configuration_id")
        pool = config.get("backend_address_pool_ref")
        if is_known(pool):
            try:
                BACKEND_POOL.parse(pool, rooted=True)
            except MalformedRef as exc:
                diags.add_error(
                    "Invalid backend_address_pool_ref",
                    f'{exc}; use e.g. sdn_load_balancer.lb.backend_address_pool_refs["Backend1"].',
                    path=["backend_address_pool_ref"],
                )
        check_timeouts(diags, config)

    def plan(self, ctx: SdnPlanContext, current: dict | None, planned: dict) -> dict:
        if current is not None:
            # NC ids and refs are case-insensitive: only a real change replaces the membership.
            for key in _IDENTITY:
                before, after = current.get(key), planned.get(key)
                if after != before and not same_ref(before, after):
                    ctx.requires_replace.append([key])
        if current is None and is_arc_managed(self._plan_nic(planned)):
            ctx.diagnostics.add_error(
                "Network interface managed by Azure Arc",
                str(ArcManaged(nic_ref(planned["network_interface_id"]))),
                path=["network_interface_id"],
            )
            return planned
        if not is_known(planned.get("ip_configuration_id")):
            planned["ip_configuration_id"] = self._plan_ip_configuration(ctx.diagnostics, planned)
        elif current is None:
            self._check_ip_configuration(ctx.diagnostics, planned)
        planned["membership_id"] = membership_id(planned)
        return planned

    def _plan_nic(self, planned: dict) -> dict | None:
        """The NIC at plan time, or None when it cannot be known yet (unknown id, NC unreachable)."""
        nic_id = planned.get("network_interface_id")
        if not is_known(nic_id):
            return None
        try:
            return self.provider.read(nic_ref(nic_id)) or {}
        except ProviderError:
            return None  # apply reports it with NC's own message

    def _plan_ip_configuration(self, diags: Diagnostics, planned: dict) -> Any:
        """Resolve the default ip configuration at plan time so the plan shows the membership id."""
        nic = self._plan_nic(planned)
        if nic is None:
            return Unknown
        if not nic:
            _nic_not_found(diags, planned["network_interface_id"])
            return Unknown
        first = ip_configurations(nic)[:1]
        if not first:
            diags.add_error(
                "Network interface has no ip configuration",
                f"{nic_ref(planned['network_interface_id'])} has no ip configurations to put in a pool.",
                path=["network_interface_id"],
            )
            return Unknown
        return first[0].get("resourceId")

    def _check_ip_configuration(self, diags: Diagnostics, planned: dict) -> None:
        nic = self._plan_nic(planned)
        if nic is None:
            return
        if not nic:
            _nic_not_found(diags, planned["network_interface_id"])
        elif find_ip_configuration(nic, planned["ip_configuration_id"]) is None:
            diags.add_error(
                "IP configuration not found",
                _missing_ipc(nic, planned["ip_configuration_id"]),
                path=["ip_configuration_id"],
            )

    # -- the one write path --------------------------------------------------------------------------
    def _modify(self, state: dict, until: float, change: Callable[[dict], bool]) -> None:
        """GET NIC, let `change(ipc)` edit its ip configuration, PUT the whole NIC with If-Match and wait for
        Succeeded; on 412 re-read and redo. `change` returns False when there is nothing to write."""
        ref = nic_ref(state["network_interface_id"])
        with self.provider.nc_locks.hold(ref):
            try:
                self._write_nic(ref, state, until, change)
            finally:
                self.provider.reads.forget(ref)  # even a failed or interrupted write may have changed the NIC

    def _write_nic(self, ref: str, state: dict, until: float, change: Callable[[dict], bool]) -> None:
        """The first attempt may start from the NIC this operation already read (plan or refresh, under a second
        old): If-Match turns a stale copy into one 412 and a re-read, never a lost update. Anything a PUT would
        not guard (NIC or ip configuration missing, nothing to write, already a member) is decided on a fresh GET.
        """
        nc = self.provider.nc
        delay = RETRY_INITIAL
        cached = self.provider.reads.peek(ref)
        refused: tuple[NCError, str | None] | None = None  # the last 412 and the etag it refused
        while True:
            from_cache, nic, cached = cached is not None, cached if cached is not None else nc.get(ref), None
            if nic is None:
                raise MembershipGone(f"{ref} does not exist")
            if is_arc_managed(nic):
                raise ArcManaged(ref)
            if refused is not None and not from_cache and etag(nic) == refused[1]:
                # Not a race (the spec's 412 also reads "parent resource unavailable"): retrying cannot help.
                refused[0].message += " (Network Controller refused If-Match with the etag it had just returned)"
                raise refused[0]
            body = strip_read_only(nic)
            ipc = find_ip_configuration(body, state["ip_configuration_id"])
            try:
                write = ipc is not None and change(ipc)
            except AlreadyMember:
                if not from_cache:
                    raise
                write = False
            if not write:
                if from_cache:
                    continue
                if ipc is None:
                    raise MembershipGone(_missing_ipc(nic, state["ip_configuration_id"]))
                return
            try:
                first = nc.put(ref, body, etag=etag(nic), deadline=until)
            except NCError as exc:
                if exc.status != 412 or time.monotonic() + delay > until or STOP_REQUESTED.is_set():
                    raise
                refused = (exc, etag(nic))
                if not from_cache:  # a concurrent writer: let it finish before re-reading
                    log.info("%s changed since it was read (412); re-reading and retrying", ref)
                    STOP_REQUESTED.wait(delay * random.uniform(0.5, 1.5))
                    delay = min(delay * 2, RETRY_MAX)
                continue
            nc.wait_for_provisioning(ref, until, first)
            return

    # -- CRUD -----------------------------------------------------------------------------------------
    def create(self, ctx: Any, planned: dict) -> dict | None:
        diags = ctx.diagnostics
        state = dict(planned)
        pool = state["backend_address_pool_ref"]
        try:
            until = deadline(self.provider, state, "create")
            if not is_known(state.get("ip_configuration_id")):
                state["ip_configuration_id"] = self._first_ip_configuration(state["network_interface_id"])
            state["membership_id"] = membership_id(state)

            def add(ipc: dict) -> bool:
                if has_pool(ipc, pool):
                    raise AlreadyMember(state)
                props = ipc.setdefault("properties", {})
                props[POOLS] = [*(props.get(POOLS) or []), {"resourceRef": pool}]
                return True

            self._modify(state, until, add)
            return state
        except AlreadyMember as exc:
            diags.add_error("Already a member", str(exc), path=["backend_address_pool_ref"])
        except MembershipGone as exc:
            diags.add_error("Cannot add the network interface to the pool", str(exc))
        except ProvisioningFailed as exc:
            report(diags, "Pool membership failed in Network Controller", exc)
            return state  # the ref is on the NIC: keep it in state, tainted
        except NCTimeoutError as exc:
            report(diags, "Pool membership timed out", exc)
            return state  # only provisioning times out, so the ref was written: keep it, tainted
        except NCConnectionError as exc:
            report(diags, "Cannot add the network interface to the pool", exc)
            # The NIC PUT may have landed before the connection broke: keep the membership (tainted). The next
            # refresh drops it if the ref is not on the NIC, or the next apply replaces it: nothing is orphaned.
            return state if is_known(state.get("ip_configuration_id")) else None
        except ProviderError as exc:
            report(diags, "Cannot add the network interface to the pool", exc)
        return None

    def _first_ip_configuration(self, nic_id: str) -> str:
        nic = self.provider.read(nic_ref(nic_id))
        if nic is None:
            raise MembershipGone(f"{nic_ref(nic_id)} does not exist")
        first = ip_configurations(nic)[:1]
        if not first:
            raise MembershipGone(f"{nic_ref(nic_id)} has no ip configurations")
        return first[0]["resourceId"]

    def read(self, ctx: Any, current: dict) -> dict | None:
        # One GET of the NIC, shared by the NIC's other memberships. No GET of the pool: NC refuses to delete a
        # pool that a NIC still references (409), so a ref on the NIC means the pool exists.
        try:
            nic = self.provider.read(nic_ref(current["network_interface_id"]))
            ipc = find_ip_configuration(nic, current["ip_configuration_id"]) if nic else None
            if ipc is None or not has_pool(ipc, current["backend_address_pool_ref"]):
                return None
        except ProviderError as exc:
            report(ctx.diagnostics, "Cannot read pool membership", exc)
            return current
        state = dict(current)
        state["ip_configuration_id"] = keep_spelling(current["ip_configuration_id"], ipc.get("resourceId"))
        state["membership_id"] = membership_id(state)
        return state

    def update(self, ctx: Any, current: dict, planned: dict) -> dict | None:
        """Only spelling or `timeouts` changes get here (everything else replaces): nothing to write."""
        return {**planned, "membership_id": membership_id(planned)}

    def delete(self, ctx: Any, current: dict) -> None:
        pool = current["backend_address_pool_ref"]

        def remove(ipc: dict) -> bool:
            links = children(ipc, POOLS)
            kept = [link for link in links if not same_ref(resource_ref(link), pool)]
            if len(kept) == len(links):
                return False
            properties(ipc)[POOLS] = kept
            return True

        try:
            self._modify(current, deadline(self.provider, current, "delete"), remove)
        except MembershipGone:
            pass  # NIC or ip configuration gone: so is the membership
        except (ProvisioningFailed, NCTimeoutError) as exc:
            # The PUT without the ref was accepted: NC no longer holds the membership, so neither may state.
            ctx.diagnostics.add_warning(
                "Membership removed, but the network interface did not finish provisioning",
                f"{exc}\nThe pool reference is gone from the network interface; check its configurationState.",
            )
        except ProviderError as exc:
            report(ctx.diagnostics, "Cannot remove the network interface from the pool", exc)
            return current
        return None

    def import_(self, ctx: Any, id: str) -> dict | None:
        parsed = parse_import_id(id)
        if parsed is None:
            ctx.diagnostics.add_error(
                "Invalid import ID",
                f'"{id}" is not a pool membership import ID. Expected "{IMPORT_FORMAT}", e.g. '
                '"ClusterNode1_Network-Adapter/ipconfig1|/loadBalancers/MyNetwork_InternalVIP/backendAddressPools/'
                'Backend1".',
            )
            return None
        state = dict(zip(_IDENTITY, parsed, strict=True))
        state["timeouts"] = None
        state["membership_id"] = membership_id(state)
        found = self.read(ctx, state)
        if found is None and not ctx.diagnostics.has_errors():
            ctx.diagnostics.add_error(
                "Pool membership not found",
                f"{nic_ref(parsed[0])} ip configuration {parsed[1]} is not a member of {parsed[2]} "
                "(or the network interface, ip configuration or pool does not exist).",
            )
        return found if not ctx.diagnostics.has_errors() else None


def _nic_not_found(diags: Diagnostics, nic_id: str) -> None:
    diags.add_error("Network interface not found", f"{nic_ref(nic_id)} does not exist.", path=["network_interface_id"])


def _missing_ipc(nic: dict, ipc_id: str) -> str:
    available = ", ".join(str(c.get("resourceId")) for c in ip_configurations(nic)) or "none"
    return f"{resource_ref(nic) or 'the network interface'} has no ip configuration {ipc_id!r}; available: {available}."
