"""Columnar accumulation of one file's CPG fragment.

Passes append plain Python values to column lists (cheap) and the finished builder is
turned into Arrow record batches once (see ``extract.file``). Node references inside a
file are ordinals; they become global ids only when the batches are built.
"""

from __future__ import annotations

from typing import Any


class FileBuilder:
    """Collects nodes, edges, props and resolution facts of one file."""

    def __init__(self, path: str, module: str, source: bytes) -> None:
        self.path = path
        self.module = module
        # UTF-8 source: CPython's column offsets are byte offsets into this encoding.
        self.source = source
        self._line_starts: list[int] | None = None
        # nodes
        self.n_kind: list[str] = []
        self.n_ast_type: list[str | None] = []
        self.n_name: list[str | None] = []
        self.n_qualname: list[str | None] = []
        self.n_sl: list[int | None] = []
        self.n_sc: list[int | None] = []
        self.n_el: list[int | None] = []
        self.n_ec: list[int | None] = []
        # edges between nodes of this file (ordinals)
        self.e_src: list[int] = []
        self.e_dst: list[int] = []
        self.e_kind: list[str] = []
        self.e_label: list[str | None] = []
        self.e_index: list[int | None] = []
        self.e_field: list[str | None] = []
        self.e_variable: list[str | None] = []
        # edges from a node of this file to an EXTERNAL node, by dotted qualname
        self.x_src: list[int] = []
        self.x_qualname: list[str] = []
        self.x_kind: list[str] = []
        self.x_label: list[str | None] = []
        self.x_index: list[int | None] = []
        self.x_variable: list[str | None] = []
        # props
        self.p_node: list[int] = []
        self.p_key: list[str] = []
        self.p_value: list[str] = []
        self.p_type: list[str] = []
        # named fact tables for cross-file resolution: table -> column -> values
        self.facts: dict[str, dict[str, list[Any]]] = {}
        # fact tables a pass built whole (an Arrow record batch of the table's schema)
        self.fact_batches: dict[str, Any] = {}

    # -- nodes -------------------------------------------------------------
    def add_node(
        self,
        kind: str,
        ast_type: str | None = None,
        name: str | None = None,
        qualname: str | None = None,
        start_line: int | None = None,
        start_col: int | None = None,
        end_line: int | None = None,
        end_col: int | None = None,
    ) -> int:
        """Append a node and return its ordinal."""
        ordinal = len(self.n_kind)
        self.n_kind.append(kind)
        self.n_ast_type.append(ast_type)
        self.n_name.append(name)
        self.n_qualname.append(qualname)
        self.n_sl.append(start_line)
        self.n_sc.append(start_col)
        self.n_el.append(end_line)
        self.n_ec.append(end_col)
        return ordinal

    @property
    def node_count(self) -> int:
        return len(self.n_kind)

    # -- edges -------------------------------------------------------------
    def add_edge(
        self,
        src: int,
        dst: int,
        kind: str,
        label: str | None = None,
        index: int | None = None,
        field: str | None = None,
        variable: str | None = None,
    ) -> None:
        self.e_src.append(src)
        self.e_dst.append(dst)
        self.e_kind.append(kind)
        self.e_label.append(label)
        self.e_index.append(index)
        self.e_field.append(field)
        self.e_variable.append(variable)

    def add_external_edge(
        self,
        src: int,
        qualname: str,
        kind: str,
        label: str | None = None,
        index: int | None = None,
        variable: str | None = None,
    ) -> None:
        """An edge to the EXTERNAL node ``qualname`` (created once per repo at emit)."""
        self.x_src.append(src)
        self.x_qualname.append(qualname)
        self.x_kind.append(kind)
        self.x_label.append(label)
        self.x_index.append(index)
        self.x_variable.append(variable)

    # -- props -------------------------------------------------------------
    def add_prop(self, node: int, key: str, value: Any, value_type: str = "str") -> None:
        self.p_node.append(node)
        self.p_key.append(key)
        self.p_value.append(value if isinstance(value, str) else str(value))
        self.p_type.append(value_type)

    # -- facts -------------------------------------------------------------
    def add_fact(self, table: str, **row: Any) -> None:
        """Append one row to a named fact table; all rows of a table share columns."""
        cols = self.facts.get(table)
        if cols is None:
            cols = self.facts[table] = {k: [] for k in row}
        for k, v in row.items():
            cols[k].append(v)

    # -- source text -------------------------------------------------------
    def segment(self, node: Any, limit: int = 2000) -> str | None:
        """Source text of an AST node from its byte positions (None without positions)."""
        sl = getattr(node, "lineno", None)
        el = getattr(node, "end_lineno", None)
        if sl is None or el is None:
            return None
        starts = self._line_starts
        if starts is None:
            starts = [0]
            src = self.source
            find = src.find
            pos = find(b"\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = find(b"\n", pos + 1)
            self._line_starts = starts
        if sl > len(starts) or el > len(starts):
            return None
        a = starts[sl - 1] + node.col_offset
        b = starts[el - 1] + node.end_col_offset
        text = self.source[a : min(b, a + limit)].decode("utf-8", "replace")
        return text
