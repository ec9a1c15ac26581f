"""Whole-stdlib oracle: our scope model and ``binding`` props against CPython's symtable.

Usage: .venv/bin/python benchmarks/check_symtable_agreement.py [--with-tests] [--show N]

Checks, per file:
  * every symtable block is paired with an AST scope node (none left over or missing);
  * every IDENTIFIER's ``binding`` prop agrees with the public ``symtable.Symbol`` API
    of the table of the name's scope (is_declared_global, is_nonlocal, is_free,
    is_global, is_local);
  * a name inside a list/set/dict comprehension, which 3.12+ inlines (PEP 709: no
    block of its own), agrees with symtable's verdict on the same file with every such
    comprehension written as a generator expression, which keeps its own block and the
    comprehension's scoping (``comprehension_oracle``);
  * the names each scope uses or binds directly (symtable flags) are exactly the
    names our model attributes to that scope (for a block comprehensions were inlined
    into: its own names and theirs).
Run by hand; too slow for the test suite.
"""

from __future__ import annotations

import _symtable
import argparse
import ast
import os
import sysconfig
from collections import Counter
from pathlib import Path

from codeanatomy_hamilton.extract.ast_nodes import run_ast_pass
from codeanatomy_hamilton.extract.binding import run_scope_pass
from codeanatomy_hamilton.extract.builder import FileBuilder
from codeanatomy_hamilton.extract.context import FileContext
from codeanatomy_hamilton.extract.scopes import get_scope_model
from codeanatomy_hamilton.extract.source import decode_source

TEST_DIRS = {"test", "tests", "idle_test"}
HIDDEN = frozenset(("__classdict__", "__type_params__"))
DIRECT = (
    _symtable.USE
    | _symtable.DEF_LOCAL
    | _symtable.DEF_PARAM
    | _symtable.DEF_IMPORT
    | _symtable.DEF_GLOBAL
    | _symtable.DEF_NONLOCAL
)


def files(with_tests: bool) -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        skip = {"site-packages", "__pycache__"} | (set() if with_tests else TEST_DIRS)
        dirnames[:] = sorted(d for d in dirnames if d not in skip)
        out += [Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py")]
    return out


def expected(sym) -> set[str]:
    """Binding values consistent with a public symtable.Symbol."""
    if sym.is_declared_global():
        return {"global_explicit"}
    if sym.is_nonlocal():
        return {"nonlocal"}
    if sym.is_free():
        return {"free"}
    if sym.is_global() and sym.is_local():
        return {"local"}  # bound at module level: LOCAL in the module block
    if sym.is_global():
        return {"global_implicit", "builtin", "unresolved"}
    if sym.is_local():
        return {"local", "cell"}
    return set()


class _AsGenexp(ast.NodeTransformer):
    """List/set/dict comprehensions as generator expressions (same scoping rules, and
    3.12+ keeps a symtable block for them)."""

    def _gen(self, node: ast.AST, elt: ast.expr) -> ast.GeneratorExp:
        return ast.copy_location(ast.GeneratorExp(elt, node.generators), node)  # type: ignore[attr-defined]

    def visit_ListComp(self, node: ast.ListComp) -> ast.AST:
        self.generic_visit(node)  # inner comprehensions first
        return self._gen(node, node.elt)

    def visit_SetComp(self, node: ast.SetComp) -> ast.AST:
        self.generic_visit(node)
        return self._gen(node, node.elt)

    def visit_DictComp(self, node: ast.DictComp) -> ast.AST:
        self.generic_visit(node)
        return self._gen(node, ast.Tuple([node.key, node.value], ast.Load()))


def names_in_order(tree: ast.AST) -> list[ast.Name]:
    """Name nodes in pre-order, field order (the same sequence for a comprehension and
    its generator-expression form)."""
    out: list[ast.Name] = []
    stack = [tree]
    while stack:
        n = stack.pop()
        if type(n) is ast.Name:
            out.append(n)
        stack.extend(reversed(list(ast.iter_child_nodes(n))))
    return out


def comprehension_oracle(text: str) -> list[set[str]]:
    """Per Name of ``text`` (``names_in_order``): the binding values symtable allows
    for it once list/set/dict comprehensions keep their own block."""
    tree = _AsGenexp().visit(ast.parse(text))
    src = ast.unparse(ast.fix_missing_locations(tree))
    t2 = ast.parse(src)
    b = FileBuilder("oracle.py", "m", src.encode("utf-8", "surrogatepass"))
    run_ast_pass(b, t2)
    model = get_scope_model(FileContext("oracle.py", "m", src, t2, b))
    out = []
    for n in names_in_order(t2):
        sc = model.scope_record_of(n)
        if id(n) in model.deferred:
            out.append(set())
            continue
        out.append(expected(model.table_of(sc).lookup(sc.mangle(n.id))))
    return out


def check_file(path: str, text: str, stats: Counter, bad: list) -> None:
    tree = ast.parse(text, filename=path)
    b = FileBuilder(path, "m", text.encode("utf-8", "surrogatepass"))
    run_ast_pass(b, tree)
    ctx = FileContext(path, "m", text, tree, b)
    try:
        ctx.symtable  # noqa: B018
    except SyntaxError:
        stats["symtable_error_files"] += 1
        return
    model = get_scope_model(ctx)
    run_scope_pass(ctx)
    stats["files"] += 1
    stats["tables"] += len(model.scopes)
    stats["unmapped_tables"] += model.unmapped_tables
    for sc in model.scopes:
        left = len(sc.children) - sc.next_child
        if left:
            stats["tables_left_over"] += left
            bad.append((path, "left over", sc.kind, getattr(sc.node, "name", "")))
    binding = {}
    for n, k, v in zip(b.p_node, b.p_key, b.p_value, strict=True):
        if k == "binding":
            binding[n] = v
    # names per scope as our model sees them (an inlined comprehension's go to the
    # block it was inlined into, whose table holds them)
    seen: dict[int, set[str]] = {}
    oracle: dict[int, set[str]] = {}
    if model.inlined:
        stats["files_with_inlined_comprehensions"] += 1
        order = names_in_order(tree)
        verdicts = comprehension_oracle(text)
        if len(order) != len(verdicts):
            stats["oracle_name_count_mismatch"] += 1
        oracle = {id(n): v for n, v in zip(order, verdicts, strict=False)}
    for node, si in model.names:
        sc = model.scopes[si]
        name = sc.mangle(node.id)
        if id(node) not in model.deferred:
            seen.setdefault(sc.pair.index, set()).add(name)
        got = binding[node._cid]
        flags = sc.symbols.get(name)
        if id(node) in model.deferred:
            stats["deferred_annotation_names"] += 1  # PEP 563: symtable skips them
            continue
        stats["names"] += 1
        if sc.inlined:
            stats["names_in_inlined_comprehensions"] += 1
            allowed = oracle.get(id(node), set())
        else:
            allowed = expected(model.table_of(sc).lookup(name))
        if got in allowed:
            stats["agree"] += 1
            if got == "cell":
                is_cell = (flags >> _symtable.SCOPE_OFF) & _symtable.SCOPE_MASK == _symtable.CELL
                stats["cell_ok" if is_cell else "cell_bad"] += 1
        else:
            stats["disagree"] += 1
            bad.append((path, node.lineno, node.id, got, sorted(allowed)))
    for _node, si, name in model.binders:
        seen.setdefault(model.scopes[si].pair.index, set()).add(name)
    for node in ast.walk(tree):
        if type(node) in (ast.Global, ast.Nonlocal):
            sc = model.scope_record_of(node)
            seen.setdefault(sc.index, set()).update(sc.mangle(n) for n in node.names)
    for sc in model.scopes:
        if sc.inlined:
            continue
        # hidden names of 3.12+ blocks (".0", ".type_params", ".generic_base",
        # ".defaults", "__classdict__", "__type_params__") have no identifier
        direct = {
            n for n, f in sc.symbols.items() if f & DIRECT and n not in HIDDEN and n[0] != "."
        }
        if sc.kind == "module":
            # ``global x`` in a function also marks x DEF_GLOBAL in the module block
            direct = {n for n in direct if sc.symbols[n] & DIRECT != _symtable.DEF_GLOBAL}
        mine = seen.get(sc.index, set())
        # super() and __class__ uses in a method reference the implicit __class__ cell
        extra = direct - mine - {"__class__"}
        # a comprehension walrus also binds its target in the enclosing function
        extra = {n for n in extra if not sc.symbols[n] & _symtable.DEF_LOCAL} | {
            n for n in extra if sc.symbols[n] & (_symtable.USE | _symtable.DEF_PARAM)
        }
        missing_in_table = {n for n in mine if n not in sc.symbols}
        if extra:
            stats["symbols_unattributed"] += len(extra)
            bad.append((path, "table has", sc.kind, getattr(sc.node, "name", ""), extra))
        stats["symbols_checked"] += len(direct)
        stats["names_absent_from_table"] += len(missing_in_table)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--with-tests", action="store_true")
    ap.add_argument("--show", type=int, default=20)
    args = ap.parse_args()
    stats: Counter = Counter()
    bad: list = []
    for p in files(args.with_tests):
        dec = decode_source(p.read_bytes())
        if not hasattr(dec, "text"):
            stats["undecodable"] += 1
            continue
        try:
            check_file(str(p), dec.text, stats, bad)
        except SyntaxError:
            stats["syntax_error_files"] += 1
    stats.setdefault("symbols_unattributed", 0)
    stats.setdefault("names_absent_from_table", 0)
    stats.setdefault("tables_left_over", 0)
    for k in sorted(stats):
        print(f"{k:<28} {stats[k]}")
    if stats["names"]:
        print(f"agreement: {stats['agree'] / stats['names']:.6%}")
    for row in bad[: args.show]:
        print("  ", row)


if __name__ == "__main__":
    main()
