"""Semantic registry: what every public output of the dataflow means.

The semantics live on the Hamilton functions as tags: ``@tag(**semantic_tags(...))``
(the vocabulary is ``semantics``) in ``runtime/nodes/emit_nodes.py`` and ``runtime/nodes/store_nodes.py``;
plan nodes tag themselves. ``semantic_registry.json`` at the repo root is compiled from the *driver's* tags, so it
says what the code says; a test fails when the file drifts from the code.

    python -m codeanatomy_hamilton.runtime.registry --write   # regenerate semantic_registry.json
    python -m codeanatomy_hamilton.runtime.registry --check   # exit 1 when it is stale
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from codeanatomy_hamilton.runtime.driver import make_driver
from codeanatomy_hamilton.runtime.semantics import SEMANTIC_KEYS, SEMANTIC_VERSION

REGISTRY_FILE = Path(__file__).resolve().parents[2] / "semantic_registry.json"


def compile_registry() -> dict[str, Any]:
    """The registry from the driver's node tags: every node carrying a ``semantic_id``."""
    dr = make_driver()
    outputs = []
    for var in sorted(dr.list_available_variables(), key=lambda v: v.name):
        tags = var.tags or {}
        if "semantic_id" not in tags:
            continue
        entry: dict[str, Any] = {"node": var.name}
        for key in SEMANTIC_KEYS:
            value = tags.get(key)
            if key in ("entity_keys",) and isinstance(value, str):
                value = [v for v in value.split(",") if v]
            if key == "join_keys" and isinstance(value, str):
                value = [[k for k in group.split(",") if k] for group in value.split("|") if group]
            entry[key] = value
        if "artifact" in tags:
            entry["artifact"] = tags["artifact"]
        outputs.append(entry)
    return {"registry_version": SEMANTIC_VERSION, "outputs": outputs}


def render(registry: dict[str, Any]) -> str:
    return json.dumps(registry, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m codeanatomy_hamilton.runtime.registry", description=__doc__.splitlines()[0]
    )
    p.add_argument("--write", action="store_true", help=f"write {REGISTRY_FILE.name}")
    p.add_argument(
        "--check", action="store_true", help="exit 1 when the file differs from the code"
    )
    p.add_argument("--path", default=str(REGISTRY_FILE))
    args = p.parse_args(argv)
    text = render(compile_registry())
    if args.write:
        tmp = f"{args.path}.tmp"
        with open(tmp, "w") as fh:
            fh.write(text)
        os.replace(tmp, args.path)
        print(f"wrote {args.path}")
        return 0
    if args.check:
        try:
            current = Path(args.path).read_text()
        except OSError:
            current = ""
        if current != text:
            print(
                f"{args.path} is stale: run python -m codeanatomy_hamilton.runtime.registry --write",
                file=sys.stderr,
            )
            return 1
        print(f"{args.path} is up to date")
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
