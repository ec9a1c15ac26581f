"""Per-file extraction: a pure function of (path, bytes) to Arrow record batches.

Nothing here reads global state, so files can be extracted in any process, in any order,
and cached by content hash.
"""

from __future__ import annotations

import ast
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.core.errors import SourceError
from codeanatomy_hamilton.core.schema import (
    EDGE_SCHEMA,
    LOCAL_NODE_SCHEMA,
    PROP_SCHEMA,
    XEDGE_SCHEMA,
)
from codeanatomy_hamilton.core.vocabulary import NodeKind
from codeanatomy_hamilton.extract.ast_nodes import run_ast_pass
from codeanatomy_hamilton.extract.builder import FileBuilder
from codeanatomy_hamilton.extract.context import SHARED_ERRORS, FileContext
from codeanatomy_hamilton.extract.fact_schemas import FACT_SCHEMAS
from codeanatomy_hamilton.extract.passes import PASSES
from codeanatomy_hamilton.extract.source import (
    classify_syntax_error,
    decode_source,
    over_token_budget,
)

Pass = Callable[[FileContext], None]


@dataclass
class FileExtract:
    """Everything one file contributes before cross-file resolution."""

    path: str
    module: str
    nodes: pa.RecordBatch
    edges: pa.RecordBatch
    xedges: pa.RecordBatch
    props: pa.RecordBatch
    facts: dict[str, pa.RecordBatch] = field(default_factory=dict)
    errors: list[SourceError] = field(default_factory=list)
    lines: int = 0


def extract_file(path: str, data: bytes) -> FileExtract:
    """Extract the CPG fragment of one file. Never raises for bad input."""
    module = ids.module_qualname(path)
    errors: list[SourceError] = []
    lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    decoded = over_token_budget(data) or decode_source(data)
    if isinstance(decoded, SourceError):
        builder = FileBuilder(path, module, b"")
        builder.add_node(NodeKind.MODULE, "Module", module, module)
        return _finish(builder, [decoded], lines)
    builder = FileBuilder(path, module, decoded.utf8)
    try:
        # parse the decoded text: the bytes may carry a coding cookie that no longer
        # matches the UTF-8 re-encoding; columns are UTF-8 byte offsets either way
        tree = ast.parse(decoded.text, filename=path)
    except SyntaxError as exc:
        builder.add_node(NodeKind.MODULE, "Module", module, module)
        return _finish(builder, [classify_syntax_error(exc, data)], lines)
    except (ValueError, MemoryError, RecursionError) as exc:
        builder.add_node(NodeKind.MODULE, "Module", module, module)
        kind = "too_deep" if isinstance(exc, RecursionError) else "parse_error"
        return _finish(builder, [SourceError(kind, f"{type(exc).__name__}: {exc}")], lines)
    try:
        run_ast_pass(builder, tree)
    except RecursionError:
        builder = FileBuilder(path, module, decoded.utf8)
        builder.add_node(NodeKind.MODULE, "Module", module, module)
        return _finish(builder, [SourceError("too_deep", "AST too deeply nested")], lines)
    ctx = FileContext(path, module, decoded.text, tree, builder)
    # the semantic passes after the AST pass, in order; an exception one raises
    # becomes a ``pass_error`` row
    for name, run in PASSES:
        try:
            run(ctx)
        except Exception as exc:  # one pass failing must not lose the file
            tb = traceback.extract_tb(sys.exc_info()[2])[-1]
            errors.append(
                SourceError(
                    "pass_error",
                    f"{name} pass failed: {type(exc).__name__}: {exc} "
                    f"[{tb.filename.rsplit('/', 1)[-1]}:{tb.lineno}]",
                )
            )
    errors.extend(ctx.shared.get(SHARED_ERRORS, ()))
    if builder.node_count > ids.MAX_ORDINAL:
        builder = FileBuilder(path, module, b"")
        builder.add_node(NodeKind.MODULE, "Module", module, module)
        errors = [SourceError("too_large", "file has more nodes than a node id can address")]
    return _finish(builder, errors, lines)


def _escape(v: Any) -> Any:
    """A string with its lone surrogates (``"\\ud800"`` literals, ``__all__`` entries;
    CPython compiles them) escaped as ``\\ud800`` text, since Arrow needs UTF-8;
    lists and tuples element-wise; anything else as is."""
    if isinstance(v, str):
        return v.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(v, (list, tuple)):
        return type(v)(_escape(x) for x in v)
    return v


def _str_array(values: list) -> pa.Array:
    """Strings may hold lone surrogates; Arrow needs UTF-8 (see ``_escape``)."""
    try:
        return pa.array(values, pa.string())
    except (UnicodeEncodeError, pa.ArrowException):
        return pa.array([_escape(v) for v in values], pa.string())


def _facts_batch(name: str, cols: dict[str, list[Any]]) -> pa.RecordBatch:
    """One fact table as a batch; string values with lone surrogates are escaped.

    A fact table with exactly the columns of its schema (``FACT_SCHEMAS``) is built
    with that schema, so that ``cast_fact_batch`` finds nothing to cast (inferring the
    types and casting cost twice as much); a table whose values do not convert as
    typed is inferred here and cast there, as before.
    """
    schema = FACT_SCHEMAS.get(name)
    if schema is not None and len(cols) == len(schema) and all(n in cols for n in schema.names):
        try:
            return pa.RecordBatch.from_pydict(cols, schema=schema)
        except (UnicodeEncodeError, pa.ArrowException):
            pass
    try:
        return pa.RecordBatch.from_pydict(cols)
    except (UnicodeEncodeError, pa.ArrowException):
        return pa.RecordBatch.from_pydict({k: _escape(v) for k, v in cols.items()})


def _ids(ordinals: list[int], base: int) -> pa.Array:
    """Global node ids from ordinals, added in Arrow rather than a Python loop per row."""
    return pc.add(pa.array(ordinals, pa.int64()), pa.scalar(base, pa.int64()))


def _finish(b: FileBuilder, errors: list[SourceError], lines: int) -> FileExtract:
    base = ids.file_base(b.path)
    n = len(b.n_kind)
    node_ids = pa.array(range(base, base + n), pa.int64())
    nodes = pa.RecordBatch.from_arrays(
        [
            node_ids,
            pa.array(b.n_kind, pa.string()),
            pa.array(b.n_ast_type, pa.string()),
            pa.repeat(pa.scalar(b.path, pa.string()), n),
            _str_array(b.n_name),
            _str_array(b.n_qualname),
            pa.array(b.n_sl, pa.int32()),
            pa.array(b.n_sc, pa.int32()),
            pa.array(b.n_el, pa.int32()),
            pa.array(b.n_ec, pa.int32()),
        ],
        schema=LOCAL_NODE_SCHEMA,
    )
    edges = pa.RecordBatch.from_arrays(
        [
            _ids(b.e_src, base),
            _ids(b.e_dst, base),
            pa.array(b.e_kind, pa.string()),
            _str_array(b.e_label),
            pa.array(b.e_index, pa.int32()),
            pa.array(b.e_field, pa.string()),
            _str_array(b.e_variable),
        ],
        schema=EDGE_SCHEMA,
    )
    xedges = pa.RecordBatch.from_arrays(
        [
            _ids(b.x_src, base),
            _str_array(b.x_qualname),
            pa.array(b.x_kind, pa.string()),
            _str_array(b.x_label),
            pa.array(b.x_index, pa.int32()),
            _str_array(b.x_variable),
        ],
        schema=XEDGE_SCHEMA,
    )
    props = pa.RecordBatch.from_arrays(
        [
            _ids(b.p_node, base),
            pa.array(b.p_key, pa.string()),
            _str_array(b.p_value),
            pa.array(b.p_type, pa.string()),
        ],
        schema=PROP_SCHEMA,
    )
    facts = {name: _facts_batch(name, cols) for name, cols in b.facts.items()}
    facts.update(b.fact_batches)
    return FileExtract(b.path, b.module, nodes, edges, xedges, props, facts, errors, lines)
