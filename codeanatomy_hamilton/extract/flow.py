"""The control/data flow pass: CFG, DOMINATE, POST_DOMINATE, CDG and REACHING_DEF
edges for the module body, every def / async def / lambda body and every class body.

Class bodies get their own CFG too (cheap with the same builder, and class bodies run
code: decorators, conditionals, loops); the ClassDef statement is one node of the
enclosing CFG. CFG_ENTRY / CFG_EXIT nodes are synthetic (kind CFG_ENTRY / CFG_EXIT,
no ast_type, name = the owner's qualname, positions of the owner) and are CONTAINed by
their owner.
"""

from __future__ import annotations

import ast
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from codeanatomy_hamilton.core.errors import SourceError
from codeanatomy_hamilton.core.vocabulary import EdgeKind, NodeKind
from codeanatomy_hamilton.extract.cfg import BodyCFG, build_cfg
from codeanatomy_hamilton.extract.context import SHARED_ERRORS, FileContext
from codeanatomy_hamilton.extract.dataflow_defs import ReachingDefsTooLarge, reaching_defs
from codeanatomy_hamilton.extract.def_events import DEF, USE, Event, EventCollector, parameters
from codeanatomy_hamilton.extract.dominance import analyse
from codeanatomy_hamilton.extract.fact_keys import const_token
from codeanatomy_hamilton.extract.scope_model import DEF_BOUND
from codeanatomy_hamilton.extract.scopes import get_scope_model

log = logging.getLogger(__name__)


def _future_annotations(tree: ast.Module) -> bool:
    for s in tree.body:
        if type(s) is ast.ImportFrom and s.module == "__future__":
            if any(a.name == "annotations" for a in s.names):
                return True
        elif not (type(s) is ast.Expr and type(s.value) is ast.Constant):
            if type(s) is not ast.ImportFrom:
                break
    return False


def _local_test(ctx: FileContext, owner: Any) -> Callable[[str], bool] | None:
    """``name -> is a local variable of owner's body`` from the shared scope model, or
    None when that model is unavailable (the caller then derives locals itself)."""
    model = ctx.shared.get("_flow_scope_model", False)
    if model is False:
        try:
            model = get_scope_model(ctx)
            model._flow_def_bound = DEF_BOUND  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - the locals are derived from the AST instead
            # the scopes pass hit the same failure and reported it as a pass_error row
            log.debug("no scope model for %s; deriving locals", ctx.path, exc_info=True)
            model = None
        ctx.shared["_flow_scope_model"] = model
    if model is None:
        return None
    try:
        sc = model.scope(owner)
    except KeyError:
        return None
    if type(owner) is ast.Module:
        # module-level names: bound at module level (symtable makes names that a def
        # declares ``global`` GLOBAL_EXPLICIT, so ``is_local`` would miss them)
        # (3.12+: not the iteration variables inlined comprehensions merged in)
        symbols = sc.symbols
        bound = model._flow_def_bound
        own = sc.own
        return lambda name: bool(symbols.get(name, 0) & bound) and own(symbols[name])
    return lambda name: model.is_local(owner, name)


def _derived_locals(cfg: BodyCFG, events: list[list[Event]]) -> Callable[[str], bool]:
    """Locals by the symtable rules, from the AST: names bound in the body (including
    parameters and comprehension walrus targets) minus ``global``/``nonlocal`` ones."""
    bound = {name for evs in events for kind, name, _n, _c in evs if kind != 0}
    for node in cfg.nodes:
        if type(node) is ast.Global or type(node) is ast.Nonlocal:
            bound.difference_update(node.names)
    return bound.__contains__


def flow_bodies(
    ctx: FileContext,
) -> Iterator[tuple[Any, BodyCFG, list[list[Event]], Callable[[str], bool]]]:
    """(owner, CFG, events per CFG node, is-local test) for every body of the file:
    the module first, then nested bodies as they are found (deterministic order)."""
    future = _future_annotations(ctx.tree)
    queue: list[Any] = [ctx.tree]
    while queue:
        owner = queue.pop()
        cfg = build_cfg(owner)
        coll = EventCollector(owner, future, queue)
        events: list[list[Event]] = [parameters(owner), []]
        events.extend(coll.node(x) for x in cfg.nodes[2:])
        is_local = _local_test(ctx, owner)
        if is_local is None:
            is_local = _derived_locals(cfg, events)
        yield owner, cfg, events, is_local


# ``FileContext.shared`` key: the ``NameReach`` the facts pass reads
SHARED_REACH = "name_reach"
# fields of a compound statement holding statements (CFG nodes of their own)
_BLOCK_FIELDS = frozenset(("body", "orelse", "finalbody", "handlers", "cases"))


class NameReach:
    """The reaching definitions of the local names bound more than once in their body,
    for the points-to facts (``extract.facts``: a key per definition site, each load
    fed only from the definitions that reach it).

    ``multi``: (id(owner), name) -> how many definitions the name has in the owner's
    body; ``def_owner``: id(definition node) -> id(owner) for those names;
    ``reach``: id(use node) -> the definition nodes reaching it. Left out (the
    whole-name key keeps every binding): names another body rebinds (``global`` in
    any function for module names, ``nonlocal`` for function names), every module
    name when the module has a star import, and bodies whose reaching definitions are
    over budget. A parameter is a definition like the others (at the body's entry):
    its key is the one the resolver writes the arguments to.

    ``slots``: id(``d[<constant>]`` load) -> the nodes whose values reach it (the
    display's value, or the target ``d[<constant>]`` of an assignment), for a dict
    that only its own body can see (``add_slots``).

    The bodies are recorded as the flow pass makes them (``record``) and read once all
    are known (``finish``): a module's names depend on the ``global`` statements of
    the functions after it."""

    __slots__ = (
        "multi", "def_owner", "reach", "slots", "_global", "_nonlocal", "_star",
        "_tree", "_names", "_bodies",
    )  # fmt: skip

    def __init__(self, tree: ast.Module) -> None:
        self.multi: dict[tuple[int, str], int] = {}
        self.def_owner: dict[int, int] = {}
        self.reach: dict[int, list[Any]] = {}
        self.slots: dict[int, list[Any]] = {}
        self._global: set[str] = set()
        self._nonlocal: set[str] = set()
        self._star = False
        self._tree = tree
        self._names: dict[str, int] | None = None  # see ``_file_names``
        self._bodies: list[tuple[Any, BodyCFG, list[list[Event]], Any, Any]] = []

    def record(
        self,
        owner: Any,
        cfg: BodyCFG,
        events: list[list[Event]],
        is_local: Callable[[str], bool],
        rds: list[tuple[Any, Any, str]] | None,
    ) -> None:
        """One body and its reaching definitions (None: over budget, the body's names
        keep their whole-name keys; its ``global``/``nonlocal`` statements and star
        imports, CFG nodes of its own, count either way)."""
        for n in cfg.nodes[2:]:
            t = type(n)
            if t is ast.Global:
                self._global.update(n.names)
            elif t is ast.Nonlocal:
                self._nonlocal.update(n.names)
            elif t is ast.ImportFrom and n.names[0].name == "*":
                self._star = True
        self._bodies.append((owner, cfg, events, is_local, rds))

    def finish(self) -> None:
        for owner, cfg, events, is_local, rds in self._bodies:
            if rds is None:
                continue
            self.add_body(owner, events, is_local, rds)
            self.add_slots(owner, cfg, events, is_local)
        self._bodies = []

    def add_body(
        self,
        owner: Any,
        events: list[list[Event]],
        is_local: Callable[[str], bool],
        rds: list[tuple[Any, Any, str]],
    ) -> None:
        """Record one body's multiply bound names and the definitions reaching their
        uses (``rds``: ``reaching_defs`` of the body)."""
        is_module = type(owner) is ast.Module
        if is_module and self._star:
            return
        skip = self._global if is_module else self._nonlocal
        bound = [e[1] for evs in events for e in evs if e[0] == DEF]
        if len(bound) == len(set(bound)):
            return  # every name bound once: the whole-name keys are exact
        count = Counter(bound)
        oid = id(owner)
        multi = self.multi
        mine: set[str] = set()
        for name, c in count.items():
            if c > 1 and name not in skip and is_local(name):
                multi[(oid, name)] = c
                mine.add(name)
        if not mine:
            return
        def_owner = self.def_owner
        for evs in events:
            for kind, name, node, _c in evs:
                if kind == DEF and name in mine:
                    def_owner[id(node)] = oid
        reach = self.reach
        for d, u, name in rds:
            # comprehension-local pairs (their definition is no event of this body)
            # are left out by the owner test
            if name in mine and def_owner.get(id(d)) == oid:
                reach.setdefault(id(u), []).append(d)

    def _file_names(self) -> dict[str, int]:
        """Name nodes per identifier in the whole file (built once, when a module
        variable is a candidate of ``add_slots``)."""
        if self._names is None:
            names: dict[str, int] = {}
            for n in ast.walk(self._tree):
                if type(n) is ast.Name:
                    names[n.id] = names.get(n.id, 0) + 1
            self._names = names
        return self._names

    @staticmethod
    def _subscripts(stmt: Any, out: dict[int, Any]) -> None:
        """id(Name) -> the subscript whose base it is, in the expressions a CFG node
        evaluates itself (not the statements of a compound statement's blocks)."""
        stack = [stmt]
        top = True
        while stack:
            n = stack.pop()
            for f, v in ast.iter_fields(n):
                if top and f in _BLOCK_FIELDS:
                    continue
                if type(v) is list:
                    stack.extend(x for x in v if isinstance(x, ast.AST))
                elif isinstance(v, ast.AST):
                    stack.append(v)
            if type(n) is ast.Subscript and type(n.value) is ast.Name:
                out[id(n.value)] = n
            top = False

    def add_slots(
        self,
        owner: Any,
        cfg: BodyCFG,
        events: list[list[Event]],
        is_local: Callable[[str], bool],
    ) -> None:
        """Constant keys of a private dict, flow-sensitively: a name bound once in the
        body, to a dict display of constant keys, that the file names nowhere else
        and the body uses only as ``d[<constant>]`` (loads, and targets of plain
        assignments) is a dict no other code can reach, so each of its keys is a
        variable of the body; the ordinary reaching definitions over those variables
        (``reaching_defs``) say which values a read may see. Anything else (a method
        call, ``d`` passed on or aliased, ``del``, ``+=``, a computed key, a nested
        body, ``global``) keeps the dict's flow-insensitive keys."""
        if type(owner) is ast.Module and self._star:
            return
        skip = self._global if type(owner) is ast.Module else self._nonlocal
        nodes = cfg.nodes
        cand: dict[str, Any] = {}
        for st in nodes[2:]:
            if (
                type(st) is ast.Assign
                and type(st.value) is ast.Dict
                and len(st.targets) == 1
                and type(st.targets[0]) is ast.Name
            ):
                cand[st.targets[0].id] = st
        if not cand:
            return
        defs: dict[str, int] = {}
        for evs in events:
            for kind, name, _n, _c in evs:
                if kind == DEF and name in cand:
                    defs[name] = defs.get(name, 0) + 1
        for name in [n for n in cand if defs.get(n) != 1 or n in skip or not is_local(n)]:
            del cand[name]
        if not cand:
            return
        for name, st in list(cand.items()):
            if any(k is None or const_token(k) is None for k in st.value.keys):
                del cand[name]
        if not cand:
            return
        seen: dict[str, int] = {}
        read: set[str] = set()
        pseudo: list[list[Event]] = []
        for i, evs in enumerate(events):
            out: list[Event] = []
            sub_of: dict[int, Any] | None = None
            for kind, name, node, _c in evs:
                st = cand.get(name)
                if st is None:
                    continue
                seen[name] = seen.get(name, 0) + 1
                if kind == DEF:
                    for k, v in zip(st.value.keys, st.value.values, strict=True):
                        out.append((DEF, f"{name}[{const_token(k)}]", v, False))
                    continue
                if sub_of is None:
                    sub_of = {}
                    self._subscripts(nodes[i], sub_of)
                sub = sub_of.get(id(node)) if kind == USE else None
                tok = const_token(sub.slice) if sub is not None else None
                if tok is None:
                    del cand[name]
                    continue
                ct = type(sub.ctx)
                if ct is ast.Load:
                    out.append((USE, f"{name}[{tok}]", sub, False))
                    read.add(name)
                elif (
                    ct is ast.Store
                    and type(nodes[i]) is ast.Assign
                    and any(t is sub for t in nodes[i].targets)
                ):
                    out.append((DEF, f"{name}[{tok}]", sub, False))
                else:
                    del cand[name]
            pseudo.append(out)
        for name in [n for n in cand if n not in read]:
            del cand[name]  # no read in the body to make precise
        if not cand:
            return
        if type(owner) is ast.Module:
            names = self._file_names()
        else:
            # a function's or class's variable is visible only inside its own node
            names = {}
            for n in ast.walk(owner):
                if type(n) is ast.Name and n.id in cand:
                    names[n.id] = names.get(n.id, 0) + 1
        for name in [n for n in cand if seen.get(n) != names.get(n)]:
            del cand[name]  # named elsewhere (a nested body, a lambda, ...)
        if not cand:
            return
        keep = tuple(n + "[" for n in cand)
        for i, out in enumerate(pseudo):
            if out:
                pseudo[i] = [e for e in out if e[1].startswith(keep)]
        try:
            rds = reaching_defs(cfg, pseudo, lambda _name: True)
        except ReachingDefsTooLarge:
            return
        slots = self.slots
        for d, u, _name in rds:
            slots.setdefault(id(u), []).append(d)


def run_flow_pass(ctx: FileContext) -> None:
    b = ctx.builder
    add_edge = b.add_edge
    # edges are appended column-wise directly (the pass emits ~1 edge per AST node)
    e_src, e_dst, e_kind, e_label = b.e_src, b.e_dst, b.e_kind, b.e_label
    e_index, e_field, e_var = b.e_index, b.e_field, b.e_variable

    def emit(src: list[int], dst: list[int], kind: str, labels: list[Any] | None) -> None:
        k = len(src)
        e_src.extend(src)
        e_dst.extend(dst)
        e_kind.extend([kind] * k)
        e_label.extend(labels if labels is not None else [None] * k)
        e_index.extend([None] * k)
        e_field.extend([None] * k)
        if kind != EdgeKind.REACHING_DEF:
            e_var.extend([None] * k)

    name_reach = ctx.shared[SHARED_REACH] = NameReach(ctx.tree)
    for owner, cfg, events, is_local in flow_bodies(ctx):
        oc = owner._cid
        q = b.n_qualname[oc]
        pos = (b.n_sl[oc], b.n_sc[oc], b.n_el[oc], b.n_ec[oc])
        entry = b.add_node(NodeKind.CFG_ENTRY, None, q, None, *pos)
        exit_ = b.add_node(NodeKind.CFG_EXIT, None, q, None, *pos)
        add_edge(oc, entry, EdgeKind.CONTAINS)
        add_edge(oc, exit_, EdgeKind.CONTAINS)
        ords = [entry, exit_]
        ords.extend(x._cid for x in cfg.nodes[2:])
        edges = cfg.edges
        emit(
            [ords[s] for s, _, _ in edges],
            [ords[d] for _, d, _ in edges],
            EdgeKind.CFG,
            [label for _, _, label in edges],
        )

        idom, ipdom, cdg = analyse(cfg)
        emit([ords[d] for d in idom.values()], [ords[v] for v in idom], EdgeKind.DOMINATE, None)
        emit(
            [ords[d] for d in ipdom.values()],
            [ords[v] for v in ipdom],
            EdgeKind.POST_DOMINATE,
            None,
        )
        emit(
            [ords[a] for a, _, _ in cdg],
            [ords[v] for _, v, _ in cdg],
            EdgeKind.CDG,
            [label for _, _, label in cdg],
        )

        try:
            rds = reaching_defs(cfg, events, is_local)
        except ReachingDefsTooLarge as exc:
            # the body keeps its other edges (its names their whole-name keys); the
            # file gets one error row
            ctx.shared.setdefault(SHARED_ERRORS, []).append(SourceError("too_large", str(exc)))
            rds = []
            name_reach.record(owner, cfg, events, is_local, None)
        else:
            name_reach.record(owner, cfg, events, is_local, rds)
        emit([d._cid for d, _, _ in rds], [u._cid for _, u, _ in rds], EdgeKind.REACHING_DEF, None)
        e_var.extend([name for _, _, name in rds])
    name_reach.finish()
