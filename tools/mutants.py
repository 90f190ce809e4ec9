"""`make mutants`: mutation testing of the NC client, the resources and the cluster code against the fast tests.

mutmut 3 (pinned in setup.cfg's `mutants` extra) copies the source to `mutants/`, rewrites every function there
into a trampoline over its mutants, and runs only the tests that reached a function (from its stats run) against
each of that function's mutants. It finds the code by the conventional `src/` layout only, so the run happens in
`build/mutants/`, where `src` links to `provider/` and the test material links to the repository's.

The summary line counts every mutant mutmut generated; the survivors written down in `tests/mutants/equivalent.toml`
(each with the reason it cannot be told apart from the original) count as `equivalent`, never as killed, and an
entry whose mutant no longer makes the recorded change is reported stale and counts as a survivor again.

mutmut copies the tests and the other material over what `mutants/` holds from the last run, so a test deleted or
renamed since would go on running (and killing) from its old copy; each run therefore removes those copies first.
Its stats (which tests reach which function) are refreshed only for tests with new names.

mutmut imports the package once and forks a child per mutant, so a function the package calls while it is imported
(the schemas, module-level caches) has already run, unmutated, before any child starts: its mutants would all
"survive" there. Those are checked again, each in a fresh process, against the tests that read what they build, and
that result (`build/mutants/import-time.json`) is the one counted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from fnmatch import fnmatchcase
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "build" / "mutants"
EQUIVALENTS = REPO / "tests" / "mutants" / "equivalent.toml"
SURVIVORS = WORK / "survivors.txt"
IMPORT_TIME = WORK / "import-time.json"
#: What the tests read besides the code: the package as `src`, and the repository files they open.
LINKS = {
    "src": "provider",
    "tests": "tests",
    "tools": "tools",
    "docs": "docs",
    "examples": "examples",
    "proto": "proto",
    "README.md": "README.md",
    "setup.cfg": "setup.cfg",
}
MUTMUT_CONFIG = """
[tool.mutmut]
source_paths = ["src"]
only_mutate = ["src/sdn_provider/nc/*", "src/sdn_provider/resources/*", "src/sdn_provider/cluster/*"]
also_copy = ["tools", "docs", "examples", "proto", "README.md"]
pytest_add_cli_args_test_selection = ["tests/unit"]
# Log calls only: what they say is for people reading -v output, and no test reads the log.
do_not_mutate_patterns = ['^\\s*log\\.(debug|info|warning)\\(']
"""
#: What mutmut keeps in `mutants/` from run to run: the mutated code with its results, and the stats.
MUTMUT_OWN = {"src", "mutmut-stats.json"}
KILLED = {"killed", "timeout", "segfault", "caught by type check"}
THRESHOLD = 85.0
#: Lists the functions the package calls while it is imported: mutmut's trampolines record each call they forward
#: when MUTANT_UNDER_TEST is "stats" (mutmut 3.8.1's `state()._stats`).
IMPORT_PROBE = """
import importlib, json, pkgutil
import mutmut.__main__
from mutmut.stats import state
import sdn_provider
for module in pkgutil.walk_packages(sdn_provider.__path__, "sdn_provider."):
    importlib.import_module(module.name)
print(json.dumps(sorted(state()._stats)))
"""
#: What reads what those functions build: the schemas (the docs generated from them, every attribute documented),
#: the NC mapping and checks built on the load balancer's fields, the transport's connection cache. The whole of
#: tests/unit takes minutes per mutant; a subset can only leave a mutant alive that more tests would kill.
IMPORT_TIME_TESTS = [
    "tests/unit/test_docs.py::test_generated_docs_are_current",
    "tests/unit/test_docs.py::test_every_schema_attribute_is_documented",
    "tests/unit/test_docs.py::test_field_descriptions_leave_defaults_and_ranges_to_the_table",
    "tests/unit/test_resource_common.py",
    "tests/unit/test_load_balancer_mapping.py",
    "tests/unit/test_load_balancer_checks.py",
    "tests/unit/test_cluster_transport.py",
]
#: pytest's exit codes in a fresh process: 1 a test failed; 2 and 4 collection failed (the mutant breaks the import
#: of a test module or of conftest.py); 3 an internal error. A baseline run without a mutant must pass first, so
#: that 4 cannot be a usage error of ours.
FRESH_STATUS = {0: "survived", 1: "killed", 2: "killed", 3: "killed", 4: "killed", 5: "no tests"}


def prepare() -> None:
    """build/mutants with its links, and a pyproject.toml that is the repository's plus mutmut's settings."""
    WORK.mkdir(parents=True, exist_ok=True)
    for name, target in LINKS.items():
        link = WORK / name
        if not link.is_symlink():
            link.symlink_to(REPO / target)
    (WORK / "pyproject.toml").write_text((REPO / "pyproject.toml").read_text() + MUTMUT_CONFIG)
    for copy in (WORK / "mutants").glob("*"):
        if copy.name not in MUTMUT_OWN:
            shutil.rmtree(copy) if copy.is_dir() else copy.unlink()


def mutmut(*args: str, capture: bool = False) -> subprocess.CompletedProcess:
    executable = Path(sys.executable).parent / "mutmut"
    return subprocess.run([str(executable), *args], cwd=WORK, text=True, capture_output=capture, check=False)


def statuses() -> dict[str, str]:
    """Mutant name -> mutmut's status, from the `.meta` files its run leaves beside each mutated module."""
    from mutmut.stats import status_by_exit_code

    found = {}
    for meta in sorted((WORK / "mutants" / "src").rglob("*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            found[name] = status_by_exit_code[code]
    fresh = json.loads(IMPORT_TIME.read_text()) if IMPORT_TIME.exists() else {}
    return {**found, **{name: status for name, status in fresh.items() if name in found}}


def in_mutants(*args: str, mutant: str, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Python in mutmut's copy (`mutants/`, where the mutated package is `src`) with one mutant active."""
    env = dict(os.environ, MUTANT_UNDER_TEST=mutant, PYTHONPATH="src")
    return subprocess.run(
        [sys.executable, *args], cwd=WORK / "mutants", env=env, text=True, capture_output=True, timeout=timeout
    )


def import_time_functions() -> set[str]:
    return set(json.loads(in_mutants("-c", IMPORT_PROBE, mutant="stats").stdout))


def fresh_status(name: str) -> str:
    try:
        done = in_mutants(
            "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *IMPORT_TIME_TESTS, mutant=name, timeout=600
        )
    except subprocess.TimeoutExpired:
        return "timeout"
    return FRESH_STATUS.get(done.returncode, "suspicious")


def recheck_import_time(jobs: int, only: list[str]) -> None:
    """Each mutant of a function called at import time, in a fresh process (see the module docstring)."""
    if (baseline := fresh_status("")) != "survived":
        sys.exit(f"mutants: the import-time tests do not pass without a mutant ({baseline}): {IMPORT_TIME_TESTS}")
    from mutmut.utils.format_utils import mangled_name_from_mutant_name

    called = import_time_functions()
    names = [n for n in statuses() if mangled_name_from_mutant_name(n) in called]
    names = [n for n in names if not only or any(fnmatchcase(n, glob) for glob in only)]
    print(f"mutants: {len(names)} mutants of {len(called)} functions called at import time, each in a fresh process")
    with ThreadPoolExecutor(jobs) as pool:
        found = dict(zip(names, pool.map(fresh_status, names), strict=True))
    kept = json.loads(IMPORT_TIME.read_text()) if only and IMPORT_TIME.exists() else {}
    IMPORT_TIME.write_text(json.dumps({**kept, **found}, indent=1, sort_keys=True))


def run(jobs: int, only: list[str]) -> bool:
    """mutmut's run (new mutants, and those of changed functions), then the earlier survivors once more by name:
    mutmut keeps a mutant's result until its function changes, and a survivor may be killed by a test added since.
    With ``only`` (mutant name globs such as ``sdn_provider.nc.*``), just those mutants, checked again."""
    if only:
        return mutmut("run", "--max-children", str(jobs), *only).returncode == 0
    previous = statuses() if (WORK / "mutants").exists() else {}
    earlier = [name for name, status in previous.items() if status in ("survived", "no tests")]
    if mutmut("run", "--max-children", str(jobs)).returncode != 0:
        return False
    return not earlier or mutmut("run", "--max-children", str(jobs), *earlier).returncode == 0


def equivalents(survivors: set[str]) -> tuple[dict[str, str], list[str]]:
    """The recorded equivalent mutants that still survive and still make the recorded change (a line they write,
    or for `removed` entries a line they delete); and the stale ones."""
    entries = tomllib.loads(EQUIVALENTS.read_text()).get("equivalent", [])
    accepted, stale = {}, []
    for entry in entries:
        name = entry["mutant"]
        diff = mutmut("show", name, capture=True).stdout if name in survivors else ""
        # A mutant that only deletes a line (a keyword argument dropped) is recorded by what it removes.
        sign, fragment = ("-", entry["removed"]) if "removed" in entry else ("+", entry["change"])
        lines = [line[1:].strip() for line in diff.splitlines() if line[:1] == sign and line[:2] != sign * 2]
        if any(fragment in line for line in lines):
            accepted[name] = entry["reason"]
        else:
            stale.append(name)
    return accepted, stale


def summary(found: dict[str, str]) -> tuple[str, float, int]:
    """The summary line, the kill rate and how many mutants are not checked yet (an interrupted run)."""
    unchecked = {name for name, status in found.items() if status == "not checked"}
    survivors = {name for name, status in found.items() if status not in KILLED and name not in unchecked}
    accepted, stale = equivalents(survivors)
    left = sorted(survivors - set(accepted))
    SURVIVORS.write_text("".join(f"{name}\t{found[name]}\n" for name in left))
    counts = Counter(found[name] for name in left)
    killed = [name for name, status in found.items() if status in KILLED]
    timeouts = sum(1 for name in killed if found[name] != "killed")
    judged = len(killed) + len(left)
    rate = 100.0 * len(killed) / judged if judged else 0.0
    line = (
        f"mutants: killed={len(killed) - timeouts} survived={counts['survived']} timeout={timeouts} "
        f"no-tests={counts['no tests']} equivalent={len(accepted)} "
        f"other={len(left) - counts['survived'] - counts['no tests']} kill-rate={rate:.1f}%"
    )
    if unchecked:
        line += f" (incomplete: {len(unchecked)} of {len(found)} not checked)"
    for name in stale:
        print(f"stale entry in {EQUIVALENTS.relative_to(REPO)}: {name} (no longer a surviving mutant with that change)")
    return line, rate, len(unchecked)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTANTS_JOBS", os.cpu_count() or 2)))
    parser.add_argument("--summary-only", action="store_true", help="summarise the last run without running")
    parser.add_argument(
        "--only", action="append", default=[], metavar="GLOB", help="check (again) only the mutants matching GLOB"
    )
    args = parser.parse_args()
    prepare()
    started = time.monotonic()
    if not args.summary_only:
        if not run(args.jobs, args.only):
            print("mutants: mutmut run failed (see above)")
            return 1
        recheck_import_time(args.jobs, args.only)
    line, rate, unchecked = summary(statuses())
    print(f"survivors (not equivalent) listed in {SURVIVORS.relative_to(REPO)}; `cd build/mutants && mutmut show NAME`")
    if not args.summary_only:
        print(f"mutation run took {time.monotonic() - started:.0f} s with {args.jobs} workers")
    print(line)
    return 0 if rate >= THRESHOLD and not unchecked else 1


if __name__ == "__main__":
    sys.exit(main())
