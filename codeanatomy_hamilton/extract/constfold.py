"""Folding constant expressions over the AST (literals combined by arithmetic and
comparisons): the value flow skips a branch or a conditional-expression arm whose
condition folds to a constant, since its code never runs."""

from __future__ import annotations

import ast
import operator
from typing import Any

_BINOPS: dict[type, Any] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
}
_CMPS: dict[type, Any] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_NO = object()


def fold(node: Any) -> Any:
    """The value of a constant expression (literals combined by arithmetic,
    comparisons, ``not``, ``and``/``or``), else ``_NO``. Small ints and short strings
    only, so folding never builds a huge value."""
    t = type(node)
    if t is ast.Constant:
        v = node.value
        return v if isinstance(v, (int, float, str, bool, type(None))) else _NO
    if t is ast.UnaryOp:
        v = fold(node.operand)
        if v is _NO:
            return _NO
        if type(node.op) is ast.Not:
            return not v
        if type(node.op) is ast.USub and isinstance(v, (int, float)):
            return -v
        return _NO
    if t is ast.BinOp:
        op = _BINOPS.get(type(node.op))
        a, b = fold(node.left), fold(node.right)
        if op is None or a is _NO or b is _NO:
            return _NO
        if not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
            return _NO
        if abs(a) > 1e12 or abs(b) > 1e12:
            return _NO
        try:
            return op(a, b)
        except (ArithmeticError, TypeError, ValueError):
            return _NO
    if t is ast.Compare:
        left = fold(node.left)
        if left is _NO:
            return _NO
        result = True
        for op, right in zip(node.ops, node.comparators, strict=False):
            f = _CMPS.get(type(op))
            r = fold(right)
            if f is None or r is _NO:
                return _NO
            try:
                ok = f(left, r)
            except TypeError:
                return _NO
            result = result and bool(ok)
            left = r
        return result
    if t is ast.BoolOp:
        vals = [fold(v) for v in node.values]
        if any(v is _NO for v in vals):
            return _NO
        if type(node.op) is ast.And:
            return all(vals)
        return any(vals)
    return _NO


def truth(node: Any) -> bool | None:
    """True/False when the condition is a constant, None when it depends on data."""
    v = fold(node)
    if v is _NO:
        return None
    return bool(v)
