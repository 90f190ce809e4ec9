"""How tests look at the emulator the way an operator would: NC documents over REST, the cluster through the
provider's own WinRM scripts run out of band."""

from __future__ import annotations

import copy
import time

from sdn_provider.cluster.transport import WinRMSettings, run_script
from tests.harness import Emulator


def comparable(nic: dict) -> dict:
    """The NIC minus what every write changes (etag, provisioning and configuration state)."""
    nic = copy.deepcopy(nic)
    nic.pop("etag", None)
    for item in [nic, *nic["properties"]["ipConfigurations"]]:
        item.pop("etag", None)
        item["properties"].pop("provisioningState", None)
        item["properties"].pop("configurationState", None)
    return nic


def pool_of(emulator: Emulator, lb: str) -> list[str]:
    pool = emulator.get(f"/loadBalancers/{lb}/backendAddressPools/Backend1")
    return sorted(c["resourceRef"] for c in pool["properties"]["backendIPConfigurations"])


def ipc_pools(emulator: Emulator, nic: str) -> list[str]:
    ipc = emulator.get(f"/networkInterfaces/{nic}")["properties"]["ipConfigurations"][0]
    return [p["resourceRef"] for p in ipc["properties"]["loadBalancerBackendAddressPools"]]


def winrm(emulator: Emulator, node: str) -> WinRMSettings:
    info = emulator.info
    return WinRMSettings(
        endpoint=info["winrm_endpoints"][node],
        username=info["winrm_username"],
        password=info["winrm_password"],
        ca_cert_file=info["ca_file"],
    )


def sh(emulator: Emulator, on: str, script: str, **params) -> dict:
    """Run one of the provider's scripts on node `on`, as an operator would out of band."""
    return run_script(winrm(emulator, on), script, params)


def ip_params(emulator: Emulator, node: str = "DB1") -> dict:
    return sh(emulator, node, "get_cluster_resource", resource_name="Cluster IP Address")["parameters"]


def wait_succeeded(emu: Emulator, ref: str) -> dict:
    """The resource once NC says Succeeded (an out-of-band PUT provisions asynchronously)."""
    end = time.monotonic() + 10
    while time.monotonic() < end:
        obj = emu.get(ref)
        if obj and obj["properties"]["provisioningState"] == "Succeeded":
            return obj
        time.sleep(0.05)
    raise AssertionError(f"{ref} did not reach Succeeded")
