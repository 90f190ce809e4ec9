"""Docs and examples stay true: the generated reference sections are current (`tools/docs.py --check`), every
schema attribute is documented on its page, and every example directory is `terraform fmt` clean and passes
`terraform validate` (init from a filesystem mirror)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sdn_provider.framework import Object
from sdn_provider.provider import SdnProvider
from sdn_provider.resources.load_balancer_fields import BLOCKS
from tests.harness import REPO, REQUIRED_PROVIDERS, TERRAFORM, install_mirror
from tools import docs

DOCS = REPO / "docs"
EXAMPLES = REPO / "examples"


def _object_fields(t: object) -> list[str]:
    """Attribute names inside Object types (also inside List/Map of Object)."""
    if isinstance(t, Object):
        return [n for name, sub in t.attribute_types.items() for n in (name, *_object_fields(sub))]
    inner = getattr(t, "element_type", None) or getattr(t, "type", None)
    return _object_fields(inner) if inner is not None and inner is not t else []


def schema_names(cls: type) -> list[str]:
    """Every attribute, block, block attribute and object field of a resource or data source schema."""
    schema = cls.get_schema()
    names = [n for a in schema.attributes for n in (a.name, *_object_fields(a.type))]
    for block in schema.block_types or []:
        names.append(block.type_name)
        names += [a.name for a in block.block.attributes]
    return sorted(set(names))


PROVIDER = SdnProvider()
PAGES = [("resources", cls) for cls in PROVIDER.get_resources()] + [
    ("data-sources", cls) for cls in PROVIDER.get_data_sources()
]


@pytest.mark.parametrize(("kind", "cls"), PAGES, ids=[f"{k}/{c.get_name()}" for k, c in PAGES])
def test_every_schema_attribute_is_documented(kind, cls):
    page = DOCS / kind / f"{cls.get_name()}.md"
    assert page.exists(), f"{page} is missing"
    text = page.read_text()
    missing = [n for n in schema_names(cls) if f"`{n}`" not in text]
    assert not missing, f"{page.relative_to(REPO)} does not mention: {', '.join(missing)}"
    for heading in ["## Example Usage", "## Argument Reference", "## Attributes Reference"] + (
        ["## Timeouts", "## Import"] if kind == "resources" else []
    ):
        assert heading in text, f"{page.relative_to(REPO)} has no '{heading}' section"


def test_generated_docs_are_current(capsys):
    assert docs.main(["--check"]) == 0, capsys.readouterr().err


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    """docs/ and examples/ of this checkout in a scratch repository, to make stale."""
    for part in ("docs", "examples"):
        shutil.copytree(REPO / part, tmp_path / part)
    return tmp_path


def test_check_names_the_stale_page_and_says_to_run_make_docs(repo_copy):
    example = repo_copy / "examples" / "resources" / "sdn_load_balancer" / "resource.tf"
    example.write_text(example.read_text().replace("number_of_probes    = 11", "number_of_probes    = 12"))
    proc = subprocess.run(
        [sys.executable, str(REPO / "tools" / "docs.py"), "--check", "--repo", str(repo_copy)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "docs/resources/load_balancer.md is stale (the schema or an example changed)",
        "run `make docs` to regenerate it",
    ]


def test_regenerating_rewrites_only_the_marked_sections(repo_copy):
    page = repo_copy / "docs" / "resources" / "load_balancer.md"
    current = page.read_text()
    edited = current.replace("## Behaviour\n", "## Behaviour\n\nA hand-written note.\n").replace(
        "* `probe_refs` - (Map of String)", "* `probe_refs` - (Map of String) edited by hand,"
    )
    page.write_text(edited)
    assert docs.stale_pages(repo_copy, write=True) == ["docs/resources/load_balancer.md"]
    assert page.read_text() == current.replace("## Behaviour\n", "## Behaviour\n\nA hand-written note.\n")
    assert docs.stale_pages(repo_copy) == []


def test_a_page_without_markers_or_without_its_example_is_an_error(repo_copy, capsys):
    page = repo_copy / "docs" / "data-sources" / "virtual_network.md"
    page.write_text(re.sub(r"<!-- attributes:begin.*?-->\n", "", page.read_text()))
    assert docs.main(["--check", "--repo", str(repo_copy)]) == 1
    assert "docs/data-sources/virtual_network.md: no <!-- attributes:begin -->" in capsys.readouterr().err
    page.write_text((REPO / "docs" / "data-sources" / "virtual_network.md").read_text())
    (repo_copy / "examples" / "resources" / "sdn_failover_cluster" / "import.sh").unlink()
    assert docs.main(["--check", "--repo", str(repo_copy)]) == 1
    assert "failover_cluster.md: nothing generates its <!-- import:begin --> section" in capsys.readouterr().err


@pytest.mark.parametrize("field", [f for _, fields in BLOCKS.values() for f in fields], ids=lambda f: f.attr)
def test_field_descriptions_leave_defaults_and_ranges_to_the_table(field):
    """The generator writes them from the field's own values; a description typing them again can drift."""
    text = field.description.lower()
    if field.low is not None:
        assert str(field.high) not in text and f"{field.low}-" not in text, field.description
    if field.default is not None:
        assert f"default {str(field.default).lower()}" not in text, field.description


def test_docs_index_links_exist():
    for link in re.findall(r"\]\(([^)#]+\.md)\)", (DOCS / "index.md").read_text()):
        assert (DOCS / link).exists(), link


EXAMPLE_DIRS = sorted(p.parent for p in EXAMPLES.rglob("*.tf") if ".terraform" not in p.parts)
EXAMPLE_DIRS = sorted(set(EXAMPLE_DIRS))


def test_examples_are_fmt_clean():
    proc = subprocess.run(
        [TERRAFORM, "fmt", "-check", "-recursive", "-diff", "-no-color", str(EXAMPLES)], capture_output=True, text=True
    )
    assert proc.returncode == 0, f"terraform fmt -check failed:\n{proc.stdout}\n{proc.stderr}"


@pytest.fixture(scope="module")
def mirror_env(tmp_path_factory) -> dict[str, str]:
    rc = install_mirror(tmp_path_factory.mktemp("docs-mirror"))
    return {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(rc),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
        "TF_INPUT": "0",
        "TF_PLUGIN_CACHE_DIR": "",
    }


@pytest.mark.parametrize("example", EXAMPLE_DIRS, ids=[str(p.relative_to(EXAMPLES)) for p in EXAMPLE_DIRS])
def test_example_validates(example: Path, tmp_path, mirror_env):
    # Work on a copy (same relative layout, so local module sources resolve) to keep examples/ clean.
    subprocess.run(["cp", "-r", str(EXAMPLES), str(tmp_path / "examples")], check=True)
    workdir = tmp_path / "examples" / example.relative_to(EXAMPLES)
    if not any("required_providers" in tf.read_text() for tf in workdir.glob("*.tf")):
        # The docs' examples (examples/resources/..., data-sources/...) are snippets: the provider's requirement
        # is on the provider's page, as in the registry's docs.
        (workdir / "versions.tf").write_text(REQUIRED_PROVIDERS)
    for args in (["init", "-backend=false", "-input=false", "-no-color"], ["validate", "-no-color"]):
        proc = subprocess.run([TERRAFORM, *args], cwd=workdir, env=mirror_env, capture_output=True, text=True)
        assert proc.returncode == 0, f"terraform {args[0]} in {example}:\n{proc.stdout}\n{proc.stderr}"


def test_docs_hcl_is_fmt_clean():
    """Every ```hcl block in docs/ is what `terraform fmt` would write (so it at least parses)."""
    bad = []
    for page in sorted(DOCS.rglob("*.md")):
        for i, block in enumerate(re.findall(r"```hcl\n(.*?)```", page.read_text(), re.S)):
            proc = subprocess.run([TERRAFORM, "fmt", "-no-color", "-"], input=block, capture_output=True, text=True)
            if proc.returncode or proc.stdout != block:
                bad.append(f"{page.relative_to(REPO)} block {i + 1}: {proc.stderr.strip() or 'not fmt-clean'}")
    assert not bad, "\n".join(bad)
