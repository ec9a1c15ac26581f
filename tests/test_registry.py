"""semantic_registry.json must say what the code's tags say."""

from __future__ import annotations

from codeanatomy_hamilton.core.schema import CPG_TABLES
from codeanatomy_hamilton.runtime.registry import (
    REGISTRY_FILE,
    SEMANTIC_KEYS,
    compile_registry,
    render,
)


def test_registry_file_matches_code() -> None:
    assert REGISTRY_FILE.read_text() == render(compile_registry()), (
        "semantic_registry.json is stale: run python -m codeanatomy_hamilton.runtime.registry --write"
    )


def test_every_public_output_is_tagged() -> None:
    outputs = {o["node"]: o for o in compile_registry()["outputs"]}
    for table in CPG_TABLES:
        for node in (table, f"{table}_written"):
            assert node in outputs, node
            assert all(outputs[node].get(k) not in (None, "", []) for k in SEMANTIC_KEYS), outputs[
                node
            ]
    ids = [o["semantic_id"] for o in outputs.values()]
    assert len(ids) == len(set(ids))
