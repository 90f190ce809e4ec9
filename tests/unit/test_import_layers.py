"""The provider's layers import downwards only: no import cycle (deferred imports inside functions included, which
is how the old provider <-> resources cycle hid), clients never import resources or the provider, and the error
modules stay leaves that load nothing heavy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import sdn_provider

PACKAGE = Path(sdn_provider.__file__).parent


def _module_name(path: Path) -> str:
    parts = ("sdn_provider", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every sdn_provider module `path` imports, at module level or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names]
            found.update(n if n in MODULES else node.module for n in names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m in MODULES}


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _cycle() -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> list[str] | None:
        if name in trail:
            return trail[trail.index(name) :] + [name]
        if name in done:
            return None
        for dep in sorted(GRAPH[name]):
            # A package's __init__ is imported on the way to its submodules: not an edge of its own.
            if not name.startswith(dep + ".") and (found := visit(dep, [*trail, name])):
                return found
        done.add(name)
        return None

    return next((c for c in (visit(m, []) for m in sorted(GRAPH)) if c), None)


def test_no_import_cycle_even_through_deferred_imports():
    assert _cycle() is None, " -> ".join(_cycle() or [])


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("sdn_provider.nc", "sdn_provider.resources"),
        ("sdn_provider.nc", "sdn_provider.provider"),
        ("sdn_provider.cluster", "sdn_provider.resources"),
        ("sdn_provider.cluster", "sdn_provider.provider"),
        ("sdn_provider.resources", "sdn_provider.provider"),
        ("sdn_provider.resources", "sdn_provider.data_sources"),
        ("sdn_provider.data_sources", "sdn_provider.provider"),
        ("sdn_provider.errors", "sdn_provider"),
    ],
)
def test_lower_layers_never_import_higher_ones(lower: str, higher: str):
    offenders = {
        (name, dep)
        for name, deps in GRAPH.items()
        if name == lower or name.startswith(lower + ".")
        for dep in deps
        if (dep == higher or dep.startswith(higher + ".")) and dep != name
    }
    assert not offenders


@pytest.mark.parametrize("module", ["sdn_provider.errors", "sdn_provider.nc.errors", "sdn_provider.cluster.errors"])
def test_error_modules_load_alone_and_light(module: str):
    """A fresh interpreter: what a resource pays to catch a client's errors."""
    probe = (
        f"import sys, {module}; "
        "heavy = sorted(m for m in ('requests', 'pypsrp', 'tf', 'sdn_provider.provider', 'sdn_provider.resources') "
        "if m in sys.modules); print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_every_error_has_one_root_and_one_base_per_client():
    from sdn_provider import cluster, nc
    from sdn_provider.errors import NotConfigured, ProviderError

    for name in nc.__all__:
        value = getattr(nc, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, nc.NCClientError), name
    for name in cluster.__all__:
        assert issubclass(getattr(cluster, name), cluster.ClusterError), name
    assert issubclass(nc.NCClientError, ProviderError) and issubclass(cluster.ClusterError, ProviderError)
    assert issubclass(NotConfigured, ProviderError)
