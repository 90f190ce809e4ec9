"""`make docs`: the reference sections of docs/ from the provider's own schemas, the examples from examples/.

As HashiCorp's tfplugindocs does for Go providers, the schema is the one place an attribute is described: the
provider is instantiated and its resource, data source and provider schemas are read (nothing is declared
again here). Defaults, allowed values and ranges come from the field tables (`load_balancer_fields`), which are
also what the provider validates with. Each page keeps its hand-written prose; only the text between
`<!-- NAME:begin -->` and `<!-- NAME:end -->` is generated:

* `arguments`, `attributes`: the Argument and Attributes Reference (nested blocks and object fields indented).
* `example`: `examples/resources/sdn_<name>/resource.tf`, `examples/data-sources/sdn_<name>/data-source.tf`,
  or `examples/provider/provider.tf` for docs/index.md; `import`: `examples/resources/sdn_<name>/import.sh`.
* `ranges` (docs/index.md): the table of every checked range and enum, from the field tables.

`--check` writes nothing; it exits 1 naming each stale page (the test suite runs it).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tf.schema import Attribute, Block, NestedBlock, Schema
from tf.utils import Diagnostics

from sdn_provider.provider import SdnProvider
from sdn_provider.resources.load_balancer_fields import BLOCKS, Field

REPO = Path(__file__).resolve().parent.parent
PREFIX = "sdn_"

#: Resource name -> its field tables: block name -> attribute name -> field.
FIELD_TABLES: dict[str, dict[str, dict[str, Field]]] = {
    "load_balancer": {block: {f.attr: f for f in fields} for block, (_, fields) in BLOCKS.items()},
}

#: `<!-- NAME:begin -->` (or `<!-- NAME:begin: any note -->`) ... `<!-- NAME:end -->`.
_MARKED = re.compile(r"(<!-- (?P<name>[a-z]+):begin(?::[^>]*)? -->\n)(?P<body>.*?)(<!-- (?P=name):end -->)", re.S)


@dataclass(frozen=True)
class Page:
    """One page and the generated text of each of its marked sections."""

    path: Path
    sections: dict[str, str]


# -- rendering ---------------------------------------------------------------------------------------------


def type_name(cty: Any) -> str:
    """`["map", "string"]` -> `Map of String`, as tfplugindocs names types."""
    if isinstance(cty, str):
        return {"bool": "Boolean"}.get(cty, cty.capitalize())
    kind, inner = cty
    if kind == "object":
        return "Object"
    return f"{kind.capitalize()} of {type_name(inner)}"


def constraints(field: Field | None) -> str:
    """The field table's default, allowed values and range, as sentences."""
    if field is None:
        return ""
    parts = []
    if field.default is not None:
        parts.append(f"Default: `{json.dumps(field.default)}`.")  # as HCL writes it: 15, true, "TCP"
    if field.choices:
        parts.append(f"One of {', '.join(f'`{c}`' for c in field.choices)}, in any letter case.")
    if field.low is not None:
        parts.append(f"From {field.low} to {field.high}.")
    return " ".join(parts)


def _bullet(depth: int, name: str, label: str, *text: str) -> str:
    body = " ".join(t for t in text if t)
    return f"{'  ' * depth}* `{name}` - ({label}){' ' + body if body else ''}"


def _kind(attr: Attribute) -> str:
    return "Required" if attr.required else "Optional"


def object_lines(cty: Any, depth: int) -> list[str]:
    """One line per field of an object type (or a list or map of objects): its name and type. Object types carry
    no descriptions; the attribute's own description says what the fields are."""
    while isinstance(cty, list) and cty[0] != "object":
        cty = cty[1]
    if not isinstance(cty, list):
        return []
    lines = []
    for name, sub in cty[1].items():
        lines.append(_bullet(depth, name, type_name(sub)))
        lines += object_lines(sub, depth + 1)
    return lines


def argument_lines(
    schema: Schema | Block, tables: Mapping[str, Mapping[str, Field]], block_name: str = "", depth: int = 0
) -> list[str]:
    """The arguments of a schema or block, then its nested blocks with theirs; `tables[block_name]` holds the
    field table of this level's attributes, if it has one."""
    fields = tables.get(block_name, {})
    lines = []
    for attr in schema.attributes:
        if attr.required or attr.optional:
            label = f"{_kind(attr)}, {type_name(json.loads(attr.type.tf_type()))}"
            sensitive = "Sensitive." if attr.sensitive else ""
            field = fields.get(attr.name)
            lines.append(_bullet(depth, attr.name, label, attr.description or "", constraints(field), sensitive))
    for block in schema.block_types:
        lines.append(_bullet(depth, block.type_name, block_label(block), block.block.description or ""))
        lines += argument_lines(block.block, tables, block.type_name, depth + 1)
    return lines


def block_label(block: NestedBlock) -> str:
    """`Optional, Block List` / `Required, Block List, at least 1` / `Optional, Block`."""
    single = block.to_pb().nesting == block.to_pb().NestingMode.SINGLE
    label = f"{'Required' if block.min_items else 'Optional'}, {'Block' if single else 'Block List'}"
    if block.min_items:
        label += f", at least {block.min_items}"
    if block.max_items:
        label += f", at most {block.max_items}"
    return label


def attribute_lines(attrs: list[Attribute]) -> list[str]:
    """The read-only attributes, with the fields of object-typed ones."""
    lines = []
    for attr in attrs:
        if attr.required or attr.optional:
            continue
        cty = json.loads(attr.type.tf_type())
        lines.append(_bullet(0, attr.name, type_name(cty), attr.description or ""))
        lines += object_lines(cty, 1)
    return lines


def schema_sections(schema: Schema, tables: Mapping[str, Mapping[str, Field]]) -> dict[str, str]:
    return {
        "arguments": "\n".join(argument_lines(schema, tables)),
        "attributes": "\n".join(attribute_lines(schema.attributes)),
    }


def ranges_table() -> str:
    """Every range and enum the load balancer checks at plan time (the emulator enforces the same)."""
    rows = ["| Value | Accepted |", "|---|---|"]
    for block, fields in FIELD_TABLES["load_balancer"].items():
        for field in fields.values():
            if field.low is not None or field.choices:
                rows.append(f"| `{block}.{field.attr}` | {constraints(field)} |")
    return "\n".join(rows)


def fenced(path: Path, language: str) -> str:
    return f"```{language}\n{path.read_text()}```"


# -- pages -------------------------------------------------------------------------------------------------


def pages(repo: Path = REPO) -> list[Page]:
    """Every generated page of the provider, with the text each marked section must hold."""
    provider = SdnProvider()
    examples = repo / "examples"
    found = [
        Page(
            repo / "docs" / "index.md",
            {
                "example": fenced(examples / "provider" / "provider.tf", "hcl"),
                "arguments": "\n".join(argument_lines(provider.get_provider_schema(Diagnostics()), {})),
                "ranges": ranges_table(),
            },
        )
    ]
    for kind, classes, example_file in (
        ("resources", provider.get_resources(), "resource.tf"),
        ("data-sources", provider.get_data_sources(), "data-source.tf"),
    ):
        for cls in classes:
            name = cls.get_name()
            example_dir = examples / kind / f"{PREFIX}{name}"
            sections = {
                "example": fenced(example_dir / example_file, "hcl"),
                **schema_sections(cls.get_schema(), FIELD_TABLES.get(name, {}) if kind == "resources" else {}),
            }
            if (example_dir / "import.sh").exists():
                sections["import"] = fenced(example_dir / "import.sh", "sh")
            found.append(Page(repo / "docs" / kind / f"{name}.md", sections))
    return found


def render(text: str, sections: dict[str, str]) -> str:
    """`text` with each marked section replaced. A section without its markers (nowhere to go) and markers that
    nothing generates (an example file missing) are errors."""
    marked = {m["name"] for m in _MARKED.finditer(text)}
    if missing := sorted(set(sections) - marked):
        raise ValueError(f"no <!-- {missing[0]}:begin --> ... <!-- {missing[0]}:end --> markers")
    if unknown := sorted(marked - set(sections)):
        raise ValueError(f"nothing generates its <!-- {unknown[0]}:begin --> section (is its example file missing?)")
    return _MARKED.sub(lambda m: m.group(1) + sections[m["name"]].rstrip("\n") + "\n" + m.group(4), text)


def stale_pages(repo: Path = REPO, write: bool = False) -> list[str]:
    """Pages whose generated sections differ from what the schema and examples give (rewritten when `write`)."""
    stale = []
    for page in pages(repo):
        relative = page.path.relative_to(repo)
        if not page.path.exists():
            raise FileNotFoundError(f"{relative} is missing: every resource and data source has a page")
        text = page.path.read_text()
        try:
            wanted = render(text, page.sections)
        except ValueError as exc:
            raise ValueError(f"{relative}: {exc}") from None
        if wanted != text:
            stale.append(str(relative))
            if write:
                page.path.write_text(wanted)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a page is stale")
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout whose docs/ and examples/ to use")
    args = parser.parse_args(argv)
    try:
        stale = stale_pages(args.repo.resolve(), write=not args.check)
    except (ValueError, FileNotFoundError) as exc:
        print(f"docs: {exc}", file=sys.stderr)
        return 1
    if args.check and stale:
        print(
            "\n".join(f"{page} is stale (the schema or an example changed)" for page in stale)
            + "\nrun `make docs` to regenerate it",
            file=sys.stderr,
        )
        return 1
    print("\n".join(f"wrote {page}" for page in stale) or "docs are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
