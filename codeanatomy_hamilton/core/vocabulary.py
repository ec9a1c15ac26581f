"""The engine's vocabulary, one spelling per concept: node kinds, edge kinds, error
kinds, the points-to value prefixes and the fact tables with their columns.

Code names these through the constants below, never as string literals, so that a
grep for ``NodeKind.CALL`` or ``RS_DEF`` finds every producer and consumer, and a
typo is an ``AttributeError`` instead of a silent miss. docs/tables.md documents every
node, edge and error kind listed here (tests/test_docs.py checks both directions).

Points-to values (``rs_def.val``, ``rs_init.val`` and what the resolver derives) are a
prefix and a payload:

======================  ===========================================================
prefix                  value
======================  ===========================================================
``Val.FUNC`` ``f:``     a function, ``f:<fkey>`` (its points-to key: the qualname,
                        lambdas and comprehensions with ``@<ordinal>``)
``Val.CLASS`` ``c:``    a class object, ``c:<qualname>``
``Val.INST`` ``i:``     an instance of a class of the repository, ``i:<qualname>``
``Val.MODULE`` ``m:``   a module of the repository, ``m:<module qualname>``
``Val.CONTAINER``       a container (list, tuple, dict, set, generator, ...) made at
``l:``                  ``<key>``, ``l:<key>``; its elements are the key ``<key>[]``
``Val.EXT`` ``x:``      an object outside the repository or built in, ``x:<dotted>``
``Val.EXT_INST``        the result of calling an external object, ``xi:<dotted>``
``xi:``
``Val.BOUND`` ``b:``    a bound method, ``b:<fkey>|<class qualname>`` (the class
                        defining the method, else the receiver's)
``Val.SUPER`` ``s:``    a ``super()`` proxy, ``s:<K>|<C>``: ``super()`` in a method of
                        class K whose ``self`` is an instance (or class) C
======================  ===========================================================

All prefixes are two characters except ``xi:`` (``PREFIX_LEN``).
"""

from __future__ import annotations

from typing import Final


def _values(ns: type) -> tuple[str, ...]:
    """The string constants of a namespace class, in definition order."""
    return tuple(v for k, v in vars(ns).items() if k.isupper() and isinstance(v, str))


class Val:
    """Prefixes of points-to values (see the module docstring for their payloads)."""

    FUNC: Final = "f:"
    CLASS: Final = "c:"
    INST: Final = "i:"
    MODULE: Final = "m:"
    CONTAINER: Final = "l:"
    EXT: Final = "x:"
    EXT_INST: Final = "xi:"
    BOUND: Final = "b:"
    SUPER: Final = "s:"


# length of every value prefix but ``Val.EXT_INST`` (``v[PREFIX_LEN:]`` is the payload)
PREFIX_LEN: Final = 2


class Key:
    """Suffixes of points-to keys that the resolver derives from a key as well."""

    ELEMS: Final = "[]"  # ``<container key>[]``: the elements of a container
    RET: Final = ".<ret>"  # ``<fkey>.<ret>``: what a function returns
    GEN: Final = ".<gen>"  # ``<fkey>.<gen>``: the generator a generator function makes


class MethodKind:
    """``rs_def.mkind`` and ``vf_param.mkind``: how a def in a class body binds its first
    parameter (null for a def outside a class body)."""

    # ``__new__`` is STATIC in ``rs_def`` (a constructor call passes the class) and CLASS
    # in ``vf_param`` (its first parameter receives the class)
    STATIC: Final = "s"  # binds nothing
    CLASS: Final = "c"  # binds the class
    METHOD: Final = "m"  # binds the instance


class NodeKind:
    """``cpg_nodes.kind`` (docs/tables.md, "Node kinds", in the same order)."""

    MODULE: Final = "MODULE"
    CLASS: Final = "CLASS"
    FUNCTION: Final = "FUNCTION"
    PARAMETER: Final = "PARAMETER"
    TYPE_PARAMETER: Final = "TYPE_PARAMETER"
    CALL: Final = "CALL"
    IDENTIFIER: Final = "IDENTIFIER"
    ATTRIBUTE: Final = "ATTRIBUTE"
    LITERAL: Final = "LITERAL"
    IMPORT: Final = "IMPORT"
    ALIAS: Final = "ALIAS"
    RETURN: Final = "RETURN"
    CONTROL_STRUCTURE: Final = "CONTROL_STRUCTURE"
    STATEMENT: Final = "STATEMENT"
    EXPRESSION: Final = "EXPRESSION"
    ARGUMENTS: Final = "ARGUMENTS"
    KEYWORD: Final = "KEYWORD"
    COMPREHENSION: Final = "COMPREHENSION"
    EXCEPT_HANDLER: Final = "EXCEPT_HANDLER"
    WITH_ITEM: Final = "WITH_ITEM"
    MATCH_CASE: Final = "MATCH_CASE"
    PATTERN: Final = "PATTERN"
    OPERATOR: Final = "OPERATOR"
    EXPR_CONTEXT: Final = "EXPR_CONTEXT"
    TYPE_IGNORE: Final = "TYPE_IGNORE"
    AST_NODE: Final = "AST_NODE"
    CFG_ENTRY: Final = "CFG_ENTRY"
    CFG_EXIT: Final = "CFG_EXIT"
    EXTERNAL: Final = "EXTERNAL"


NODE_KINDS: Final[tuple[str, ...]] = _values(NodeKind)


class EdgeKind:
    """``cpg_edges.kind`` (docs/tables.md, "Edge kinds" and "Value-flow edges")."""

    AST: Final = "AST"
    CONTAINS: Final = "CONTAINS"
    CFG: Final = "CFG"
    DOMINATE: Final = "DOMINATE"
    POST_DOMINATE: Final = "POST_DOMINATE"
    CDG: Final = "CDG"
    REACHING_DEF: Final = "REACHING_DEF"
    REF: Final = "REF"
    ARGUMENT: Final = "ARGUMENT"
    RECEIVER: Final = "RECEIVER"
    CALL: Final = "CALL"
    IMPORTS: Final = "IMPORTS"
    INHERITS: Final = "INHERITS"
    # value flow (made by extract.valueflow and resolve.valueflow)
    FLOW: Final = "FLOW"
    FLOW_GLOBAL: Final = "FLOW_GLOBAL"
    FLOW_ARG: Final = "FLOW_ARG"
    FLOW_RETURN: Final = "FLOW_RETURN"
    FLOW_CALL: Final = "FLOW_CALL"
    FLOW_ATTR: Final = "FLOW_ATTR"
    FLOW_ELEM: Final = "FLOW_ELEM"
    FLOW_EXC: Final = "FLOW_EXC"


EDGE_KINDS: Final[tuple[str, ...]] = _values(EdgeKind)

# "value at A may become value at B" = reachability over these edge kinds (the first
# is the per-body def-use relation; the rest are made by extract.valueflow and
# resolve.valueflow); ``flows`` and the security engine follow exactly these
VALUE_FLOW_KINDS: Final[tuple[str, ...]] = (
    EdgeKind.REACHING_DEF,
    EdgeKind.FLOW,
    EdgeKind.FLOW_GLOBAL,
    EdgeKind.FLOW_ARG,
    EdgeKind.FLOW_RETURN,
    EdgeKind.FLOW_CALL,
    EdgeKind.FLOW_ATTR,
    EdgeKind.FLOW_ELEM,
    EdgeKind.FLOW_EXC,
)

# ``extract_errors.error_kind``: the whole vocabulary, with meanings (README and
# docs/tables.md list the same; tests/test_newer_syntax.py and tests/test_docs.py
# check that they agree; ``SourceError`` refuses any other kind)
ERROR_KINDS: Final[dict[str, str]] = {
    "syntax_error": "not valid Python for the running interpreter",
    "python2_syntax": "Python 2 source (print/exec statements, old except/raise forms)",
    "newer_syntax": "needs a newer Python than the running one (the message names the "
    "feature: 3.14 t-strings, PEP 758 unparenthesized except lists)",
    "decode_error": "bytes not decodable with the declared or default encoding",
    "unknown_encoding": "a PEP 263 coding cookie naming an unknown codec",
    "null_bytes": "the source contains a NUL byte",
    "parse_error": "the parser failed otherwise (e.g. out of memory)",
    "too_deep": "the AST is nested too deeply to analyse",
    "too_large": "the file is too large (bytes, tokens or nodes; a body whose reaching definitions exceed the budget loses only those edges)",
    "symlink": "a symlink inside the repository, not followed",
    "symlink_outside_repo": "a symlink pointing outside the repository, not followed",
    "not_regular_file": "a FIFO, socket or device named *.py (never opened)",
    "unreadable": "the file could not be read",
    "id_collision": "its node-id range collides with another path's (see ids.py); the smaller path is analysed",
    "pass_error": "one analysis pass failed on the file (the others' rows are kept)",
    "submodule": "a git submodule: not analysed (its commit is recorded in the message)",
}


# The resolver's fact tables, made per file by ``extract.facts`` and joined across the
# repository by ``resolve``; columns in ``FACT_COLUMNS``
RS_FLOW: Final = "rs_flow"
RS_INIT: Final = "rs_init"
RS_ATTR: Final = "rs_attr"
RS_ASTORE: Final = "rs_astore"
RS_SUB: Final = "rs_sub"
RS_SSTORE: Final = "rs_sstore"
RS_CALL: Final = "rs_call"
RS_ARG: Final = "rs_arg"
RS_PARAM: Final = "rs_param"
RS_DEF: Final = "rs_def"
RS_BASE: Final = "rs_base"
RS_CATTR: Final = "rs_cattr"
RS_ANN: Final = "rs_ann"
RS_SUPER: Final = "rs_super"
RS_IMPORT: Final = "rs_import"
RS_MBIND: Final = "rs_mbind"
RS_ALL: Final = "rs_all"
RS_USE: Final = "rs_use"
RS_PROP: Final = "rs_prop"

# column names of every ``rs_*`` table, in row order (``resolve.facts_io`` gives them
# their Arrow types)
FACT_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    RS_FLOW: ("dst", "src"),
    RS_INIT: ("key", "val"),
    RS_ATTR: ("e", "base", "attr"),
    RS_ASTORE: ("base", "attr", "src"),
    RS_SUB: ("e", "base"),
    RS_SSTORE: ("base", "src", "slot"),
    RS_CALL: ("callid", "ckey", "res", "mode", "caller"),
    RS_ARG: ("ckey", "pos", "kw", "src", "star"),
    RS_PARAM: ("fkey", "pos", "name", "key", "kind"),
    RS_DEF: ("node_id", "val", "qual", "mkind", "cls"),
    RS_BASE: ("cls", "idx", "key", "text"),
    RS_CATTR: ("cls", "attr"),
    RS_ANN: ("key", "src"),
    RS_SUPER: ("e", "selfkey", "cls"),
    RS_IMPORT: (
        "stmt_id",
        "alias_id",
        "module",
        "kind",
        "level",
        "modname",
        "name",
        "top",
        "akey",
        "pkg",
        "path",
    ),
    RS_MBIND: ("module", "name"),
    RS_ALL: ("module", "name"),
    RS_USE: ("node_id", "akey"),
    # functions that are property (or cached_property) accessors: an attribute
    # access that may hold one (an ``rs_call`` row of mode ``prop``) calls it
    RS_PROP: ("fkey",),
}


class CallMode:
    """``rs_call.mode``: how a call site calls what its ``ckey`` holds."""

    CALL: Final = "call"  # a call expression
    HOF: Final = "hof"  # a builtin calling a function argument (``map``, ``sorted(key=)``)
    IMPLICIT: Final = "implicit"  # ``for``/comprehension iteration, ``with``
    DECO: Final = "deco"  # a decorator applied to the def or class
    RAISE: Final = "raise"  # ``raise C`` instantiates a class
    # implicit calls the output keeps only where they reach a method of the repository
    # through an instance (``resolve.output``): PROP an attribute access (its key is the
    # attribute's value), PROTO a dunder protocol (operators, comparisons, subscripts,
    # ``len``/``str``/``repr``/..., truth tests, formatting)
    PROP: Final = "prop"
    PROTO: Final = "proto"


class ImportKind:
    """``rs_import.kind``: the form of the import an alias comes from."""

    IMPORT: Final = "import"  # ``import a.b [as c]``
    FROM: Final = "from"  # ``from m import x [as y]`` (relative with ``level``)
    STAR: Final = "star"  # ``from m import *``


# The value-flow pass's fact tables, made per file by ``extract.valueflow`` (which holds
# their Arrow schemas, ``VF_FACT_SCHEMAS``) and joined by ``resolve.valueflow``
VF_ARG: Final = "vf_arg"
VF_PARAM: Final = "vf_param"
VF_RET: Final = "vf_ret"
VF_ATTR: Final = "vf_attr"
VF_ELEM: Final = "vf_elem"
VF_TRY: Final = "vf_try"
VF_RAISE: Final = "vf_raise"
VF_IMPLICIT: Final = "vf_implicit"
VF_HOF: Final = "vf_hof"

VF_TABLES: Final[tuple[str, ...]] = (
    VF_ARG,
    VF_PARAM,
    VF_RET,
    VF_ATTR,
    VF_ELEM,
    VF_TRY,
    VF_RAISE,
    VF_IMPLICIT,
    VF_HOF,
)
# every fact table a file's extraction may produce
FACT_TABLES: Final[tuple[str, ...]] = (*FACT_COLUMNS, *VF_TABLES)
