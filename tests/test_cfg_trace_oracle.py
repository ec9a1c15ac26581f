"""A dynamic soundness oracle for ``extract/cfg.py``: CPython's own tracer as ground truth.

Each snippet below is compiled and run in this process under ``sys.settrace`` with
inputs that drive different paths (we execute only our own test snippets; the product
never executes analysed code). Per frame we record the ``line`` events and assert that
every consecutive pair of executed statements, plus entry -> first statement and last
statement -> return / exception exit, is a path in our CFG of that body: a path from a
node of line ``a`` to a node of line ``b`` whose intermediate nodes could not have
produced a line event of their own.

Snippets keep one simple statement per line, so a line names its statement. The checks
are label aware: when the frame saw an ``exception`` event between ``a`` and ``b``, the
path must leave ``a`` by an ``exception`` edge; without one, ``exception`` edges are only
taken where CPython re-raises silently (see ``_silent_reraise``). A snippet lists in
``known`` the violations that are documented simplifications of cfg.py (its "Not
modelled" paragraph), with the reason; anything else fails.

CPython 3.11 and 3.13 tracing quirks accounted for (each is referred to by its tag
below; 3.12 moved ``sys.settrace`` onto ``sys.monitoring``, which changed the ones
marked 3.12+):

[call]      A frame starts with a ``call`` event on its def line (module: line 0);
            generators and coroutines get another ``call`` on every resumption and a
            ``return`` on every ``yield`` / ``await`` suspension. Only the first
            ``call`` and the last ``return`` bound the frame; the others are skipped.
[class]     A class body's frame first reports the ``class`` line itself (the
            ``__module__`` / ``__qualname__`` stores), which is not a node of the class
            body's CFG: skipped until the first body line.
[silent]    Statements that compile to no instruction report no line: ``global`` /
            ``nonlocal``, docstrings. Detected from the code object's line table, not
            hard-coded: a CFG node is "silent" when no instruction carries its line.
[sameline]  A ``for`` is two CFG nodes on one line (the ``iter`` expression, evaluated
            once, and the ``For`` node fetching each item); CPython reports the line
            once when the two run back to back, so an intermediate node on the line
            of ``a`` is allowed. The line is reported again on every iteration
            (the backward jump), which is the ``For`` node. (So the oracle cannot tell
            the ``iter`` -> ``For`` edge apart from the line itself.)
[keyword]   ``else:`` / ``finally:`` lines compile to nothing (they are not CFG nodes
            either); ``try:`` compiles to a NOP and is reported, like the ``Try`` node;
            ``except ...:`` lines are reported when the handler's type test (or, for a
            bare ``except:``, the handler entry) runs, like the ``ExceptHandler`` node.
[withexit]  When a ``with`` body is left (normally, by break/continue/return, or by an
            exception), ``__exit__`` runs with the ``with`` line, so that line is
            reported a second time. The CFG has no node for the exit call (the header
            node stands for the items), so a ``with`` line seen while the previous
            line lies inside that ``with`` body is skipped. An exception event on that
            with line is ``__exit__`` raising: it counts as raised by the statement
            that left the body.
[reraise]   Re-raises do not produce ``exception`` events: a bare ``raise``, a typed
            ``except`` clause whose test fails (RERAISE to the next clause / outer
            handler), the end of a ``finally`` entered by an exception, and the
            ``__exit__`` of a ``with`` passing the exception on.
[reraise-line] The RERAISE ending the exceptional copy of a ``finally`` body carries
            the line of the body's last statement, so when that body ends by another
            statement (an ``if`` whose test is false, say) CPython reports the last
            line without running it. Line events whose instruction is RERAISE are
            skipped: the exception moves on from the statement before.
[nop-line]  Likewise a block ending in an ``if`` whose test is false can jump to a NOP
            that carries the line of the block's last statement (seen at the end of an
            ``async with`` body, before ``__aexit__``), reported though the statement
            does not run. Line events on a NOP are skipped unless the statement of that
            line may compile to a NOP (see ``_compiles_to_nop``).
[stopiter]  ``StopIteration`` / ``StopAsyncIteration`` reported as ``exception`` events
            are the iteration / await protocol, not raises of the statement: a class
            based iterator ending a ``for`` (FOR_ITER traces it), an ``async for``
            ending, an ``await`` or async generator ``yield`` handing a value over.
            They are ignored; the loop exit they cause is the ``false`` edge.
[return]    A frame's final ``return`` event comes from the last executed line (an
            implicit ``return None`` carries the line of the last statement, a
            ``return`` inside ``try`` reports the ``finally`` lines before leaving),
            so "last line -> EXIT" is checked like any other pair. The event does not
            say how the frame ended, its instruction does: RETURN_VALUE returns (the
            path must reach CFG_EXIT by a normal edge), YIELD_VALUE suspends, anything
            else is an exception escaping (the last edge must be ``exception``).
            3.12+: a plain ``return`` may be RETURN_CONST, and a suspended frame
            reports its ``return`` at the RESUME after the yield. A generator closed
            while suspended outside any ``try`` is not resumed at all (3.12+): its
            last event is that suspension.
[comp]      Comprehensions and generator expressions run in their own frames
            (``<listcomp>`` etc.) in 3.11 but are part of one statement in our CFG:
            those frames are not checked. 3.12+ keeps frames for generator
            expressions only, and for the lazily evaluated PEP 695 scopes
            (``<generic parameters of f>`` runs at the def statement; alias values,
            bounds and defaults only when read): those are not checked either.
[inlined]   3.12+ inlines list/set/dict comprehensions (PEP 709) into the frame of
            their statement; each further iteration reports the statement's line
            again at the loop's JUMP_BACKWARD: skipped on lines holding one.
"""

from __future__ import annotations

import ast
import asyncio
import dis
import sys
import textwrap
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from codeanatomy_hamilton.extract.cfg import ENTRY, EXC, EXIT, BodyCFG, build_cfg

# the quirks above, bytecode names included, are CPython 3.11's and 3.13's
pytestmark = pytest.mark.skipif(
    sys.implementation.name != "cpython" or sys.version_info[:2] not in ((3, 11), (3, 13)),
    reason="tracing quirks modelled for CPython 3.11 and 3.13",
)

# [comp] frames of these code objects belong to a statement of the enclosing body
_COMPREHENSIONS = {"<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"}
# [return] the instructions that return from a frame (3.12+ adds RETURN_CONST), and
# those a suspended generator / coroutine frame reports its ``return`` event at (3.11:
# the YIELD_VALUE; 3.12+: the RESUME after it)
_RETURNS = frozenset(("RETURN_VALUE", "RETURN_CONST"))
_SUSPENDS = frozenset(("YIELD_VALUE", "RESUME"))
# [inlined] comprehensions 3.12+ runs in the frame of their statement (PEP 709)
_INLINED = (ast.ListComp, ast.SetComp, ast.DictComp) if sys.version_info >= (3, 12) else ()
# [stopiter] protocol exceptions that are not raises of the traced statement
_PROTOCOL_EXCS = (StopIteration, StopAsyncIteration)


@dataclass(frozen=True)
class Snippet:
    name: str
    src: str
    # calls that drive the paths: (function name, positional args); exceptions escaping
    # a call are expected for some inputs and ignored
    runs: tuple[tuple[str, tuple[Any, ...]], ...]
    # violations that are documented simplifications of cfg.py ("Not modelled" in its
    # docstring), each with its reason next to the snippet; expected exactly, so a
    # CFG that starts modelling the case makes the test ask for the entry's removal
    known: tuple[str, ...] = ()


def _runs(fn: str, *inputs: Any) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    return tuple((fn, x if type(x) is tuple else (x,)) for x in inputs)


SNIPPETS: list[Snippet] = [
    Snippet(
        "if_elif_else",
        """
        def f(x):
            y = 0
            if x > 2:
                y = 1
            elif x > 1:
                y = 2
            elif x > 0:
                pass
            else:
                y = 3
            if y:
                y += 1
            return y
        """,
        _runs("f", 0, 1, 2, 3),
    ),
    Snippet(
        "while_else_break_continue",
        """
        def f(n, stop):
            i = 0
            while i < n:
                i += 1
                if i == stop:
                    break
                if i % 2:
                    continue
                i += 0
            else:
                i = -i
            return i
        """,
        _runs("f", (0, 9), (3, 9), (4, 9), (4, 2), (4, 1)),
    ),
    Snippet(
        "while_true",
        """
        def f(n):
            i = 0
            while True:
                i += 1
                if i > n:
                    break
                if i == 7:
                    return -1
            else:
                i = 99
            return i

        def g(n):
            while 1:
                n -= 1
                if n < 0:
                    return n
        """,
        _runs("f", 0, 3, 9) + _runs("g", 0, 2),
    ),
    Snippet(
        "for_else_nested",
        """
        def f(rows, target):
            found = None
            for r in rows:
                if not r:
                    continue
                for c in r:
                    if c == target:
                        found = c
                        break
                    if c < 0:
                        continue
                else:
                    continue
                break
            else:
                found = -1
            return found
        """,
        _runs(
            "f",
            ([], 1),
            ([[1, 2]], 2),
            ([[], [3, -1], [5]], 5),
            ([[1], [2]], 9),
            ([[-1, -2]], 9),
        ),
    ),
    Snippet(
        "for_early_return",
        """
        def f(xs):
            for x in xs:
                if x < 0:
                    return x
                x += 1
            return None

        def g(xs):
            for x in xs:
                y = 10 // x
            return y
        """,
        _runs("f", [], [1, 2], [1, -3, 2]) + _runs("g", [1, 2], [1, 0], [], "ab"),
    ),
    Snippet(
        "for_over_class_iterator",
        """
        class Count:
            def __init__(self, n):
                self.n = n
            def __iter__(self):
                return self
            def __next__(self):
                if self.n <= 0:
                    raise StopIteration
                self.n -= 1
                return self.n

        def f(n):
            t = 0
            for v in Count(n):
                t += v
            else:
                t = -t
            return t
        """,
        _runs("f", 0, 3),
    ),
    Snippet(
        "try_except_else_finally",
        """
        def f(x):
            log = []
            try:
                log.append(1)
                if x == 1:
                    raise ValueError
                if x == 2:
                    raise KeyError
                if x == 3:
                    raise TypeError
                if x == 4:
                    return 4
                log.append(2)
            except ValueError:
                log.append(3)
            except (KeyError, IndexError) as e:
                log.append(e)
            else:
                log.append(4)
                if x == 5:
                    raise OSError
            finally:
                log.append(5)
            return log
        """,
        _runs("f", 0, 1, 2, 3, 4, 5),
    ),
    Snippet(
        "return_in_try_except_finally",
        """
        def f(x):
            try:
                if x == 0:
                    return 0
                y = 10 // (x - 1)
            except ZeroDivisionError:
                return -1
            finally:
                if x == 5:
                    return 5
            return y

        def g(x):
            try:
                y = 10 // x
            except ZeroDivisionError:
                y = 1 // (x + 1)
            return y

        def h(x):
            try:
                try:
                    y = 10 // x
                finally:
                    y = 2
            except ZeroDivisionError:
                y = 3
            return y
        """,
        _runs("f", 0, 1, 2, 5, "s") + _runs("g", 0, 2, -1) + _runs("h", 0, 2, "s"),
    ),
    Snippet(
        "break_continue_in_try",
        """
        def f(xs):
            out = []
            for x in xs:
                try:
                    if x == 0:
                        continue
                    if x == 1:
                        break
                    out.append(10 // (x - 2))
                except ZeroDivisionError:
                    if out:
                        break
                    continue
                finally:
                    out.append(x)
                out.append(-x)
            return out

        def g(xs):
            i = 0
            while i < len(xs):
                try:
                    i += 1
                    y = 10 // xs[i - 1]
                finally:
                    if xs[i - 1] == 3:
                        continue
                    if xs[i - 1] == 4:
                        break
                i += 0
            return i
        """,
        _runs("f", [0, 3, 1, 5], [2, 3], [5, 2], [3, 5])
        + _runs("g", [1, 3, 2], [1, 4, 2], [1, 0], [3, 0]),
    ),
    Snippet(
        "reraise_and_escape",
        """
        def f(x):
            try:
                y = 10 // x
            except ZeroDivisionError as e:
                if x is None:
                    pass
                raise
            except TypeError as e:
                raise ValueError(str(e)) from e
            except Exception:
                raise RuntimeError
            return y

        def g(x):
            try:
                return f(x)
            except ZeroDivisionError:
                return 0
            except ValueError:
                raise

        def h(x):
            y = f(x)
            return y

        def k(x):
            try:
                try:
                    y = f(x)
                except KeyError:
                    y = 1
            except ArithmeticError:
                y = 2
            return y
        """,
        _runs("f", 1, 0, "s") + _runs("g", 1, 0, "s") + _runs("h", 1, 0) + _runs("k", 1, 0, "s"),
    ),
    Snippet(
        "bare_except_and_handler_raising",
        """
        def f(x):
            try:
                y = 10 // x
            except:
                y = None
            return y

        def g(x):
            try:
                y = 10 // x
            except ZeroDivisionError:
                y = {}[x]
            finally:
                x = 1
            return y

        def h(x):
            try:
                y = x
            finally:
                y = 10 // x
            return y
        """,
        _runs("f", 1, 0) + _runs("g", 1, 0) + _runs("h", 1, 0),
    ),
    Snippet(
        "nested_finally_return",
        """
        def f(x):
            try:
                try:
                    if x:
                        return 1
                    y = 2
                finally:
                    y = 3
            finally:
                y = 4
            return y

        def g(x):
            for i in range(3):
                try:
                    try:
                        if x == i:
                            break
                        if x > i:
                            continue
                    finally:
                        y = 1
                finally:
                    y = 2
                y = 3
            return x
        """,
        _runs("f", 0, 1) + _runs("g", 0, 1, 2, 5, -1),
    ),
    Snippet(
        "with_statements",
        """
        class CM:
            def __enter__(self):
                return self
            def __exit__(self, *a):
                return False

        def f(x):
            with CM() as c:
                y = 10 // x
            return y

        def g(xs):
            for x in xs:
                with CM():
                    if x == 0:
                        continue
                    if x == 1:
                        break
                    if x == 2:
                        return 2
                    with CM() as d:
                        y = 10 // (x - 3)
                    y = 1
            return 0

        def h(x):
            try:
                with CM():
                    y = 10 // x
            except ZeroDivisionError:
                y = 0
            return y
        """,
        _runs("f", 1, 0) + _runs("g", [0, 1], [4, 2], [3], []) + _runs("h", 1, 0),
    ),
    Snippet(
        "with_exit_raising",
        """
        class Strict:
            def __init__(self, fail):
                self.fail = fail
            def __enter__(self):
                return self
            def __exit__(self, *a):
                if self.fail:
                    raise OSError
                return False

        def f(fail, early):
            y = 0
            try:
                with Strict(fail):
                    if early:
                        return 1
                    y = 1
            except OSError:
                return y
            return -1

        def g(fail, xs):
            for x in xs:
                try:
                    with Strict(fail):
                        if x:
                            continue
                        break
                except OSError:
                    y = 2
            return 0
        """,
        tuple(("f", (a, b)) for a in (False, True) for b in (False, True))
        + tuple(("g", (a, xs)) for a in (False, True) for xs in ([0], [1, 0])),
    ),
    Snippet(
        "match_statements",
        """
        def f(v):
            match v:
                case 0 | 1:
                    r = "small"
                case int(n) if n < 0:
                    r = "neg"
                case [a, b]:
                    r = "pair"
                case {"k": w}:
                    r = "map"
                case str() if v:
                    r = "str"
            return v

        def g(v):
            match v:
                case (1, 2) | (2, 1):
                    r = 1
                case x if x == 5:
                    r = 2
                case _:
                    r = 3
            return r
        """,
        _runs("f", 0, 1, -3, 7, [1, 2], {"k": 1}, "s", "", None) + _runs("g", (1, 2), (2, 1), 5, 6),
    ),
    Snippet(
        "assert_and_raise",
        """
        def f(x):
            assert x >= 0
            assert x < 10, "big"
            if x == 3:
                raise ValueError(x)
            return x

        def g(x):
            try:
                return f(x)
            except AssertionError:
                return -1
        """,
        _runs("f", 1, -1, 11, 3) + _runs("g", 1, -1, 3),
    ),
    Snippet(
        "comprehensions_and_lambdas",
        """
        def f(xs):
            ys = [x * 2 for x in xs if x]
            s = {x for x in ys}
            d = {x: y for x, y in zip(xs, ys)}
            t = sum(x for x in xs if x > 1)
            k = sorted(xs, key=lambda v: -v)
            g = lambda v: v if v else 0
            z = [g(v) for v in xs]
            return ys, s, d, t, k, z
        """,
        _runs("f", [], [0, 1, 2, 3]),
    ),
    Snippet(
        "pep695_generics_and_type_statements",
        """
        type Alias = list[int]
        type Pair[K, V = int] = tuple[K, V]

        def f[T: int, *Ts, **P](x: T) -> T:
            type Local[U] = dict[T, U]
            y = [x for _ in range(2)]
            if x:
                type Other = Local
            return y

        class C[S]:
            type Inner = list[S]
            v = 1

        def g(n):
            out = []
            for i in range(n):
                type Step = int
                out.append(i)
            return out
        """,
        _runs("f", 0, 1) + _runs("g", 0, 2),
    ),
    Snippet(
        "closures_global_nonlocal",
        """
        COUNT = 0

        def f(n):
            global COUNT
            total = 0
            def add(v):
                nonlocal total
                total += v
                return total
            for i in range(n):
                add(i)
            COUNT += 1
            return total
        """,
        _runs("f", 0, 3),
    ),
    Snippet(
        "generators",
        """
        def gen(n):
            i = 0
            while i < n:
                if i == 2:
                    i += 1
                    continue
                yield i
                i += 1
            try:
                x = yield -1
                yield x
            finally:
                i = 0

        def deleg(n):
            yield 0
            r = yield from gen(n)
            yield r

        def consume(n):
            return list(deleg(n))

        # breaking out closes the suspended generator: GeneratorExit raised at its
        # yield (a may-raise node) runs its finally
        def early(n):
            out = []
            for v in gen(n):
                if v == 1:
                    break
                out.append(v)
            return out
        """,
        _runs("consume", 0, 4) + _runs("early", 0, 3),
    ),
    Snippet(
        "generator_raising",
        """
        def gen(n):
            try:
                yield 1
                yield 10 // n
            except ZeroDivisionError:
                yield 0
            finally:
                n = 1

        def run(n):
            return list(gen(n))
        """,
        _runs("run", 0, 1),
    ),
    Snippet(
        "try_star",
        """
        def f(k):
            x = 0
            try:
                if k == 1:
                    raise ExceptionGroup("g", [ValueError(1), KeyError(2)])
                if k == 2:
                    raise ValueError(3)
                x = 1
            except* ValueError:
                x = 2
            except* KeyError:
                x = 3
            return x
        """,
        _runs("f", 0, 1, 2),
    ),
    Snippet(
        "async_code",
        """
        import asyncio

        class ACM:
            async def __aenter__(self):
                return self
            async def __aexit__(self, *a):
                return False

        async def agen(n):
            for i in range(n):
                yield i
                await asyncio.sleep(0)

        async def co(n):
            t = 0
            async for v in agen(n):
                if v == 5:
                    break
                t += v
            else:
                t = -t
            async with ACM() as a:
                await asyncio.sleep(0)
                if n == 1:
                    raise ValueError
            return t

        def run(n):
            try:
                return asyncio.run(co(n))
            except ValueError:
                return None
        """,
        _runs("run", 0, 1, 3, 7),
    ),
    Snippet(
        "raising_headers_and_expressions",
        """
        class Boom:
            def __enter__(self):
                raise KeyError
            def __exit__(self, *a):
                return False

        def f(k, v):
            out = 0
            try:
                if k == 0:
                    for i in 1 // v:
                        out += i
                if k == 1:
                    while 1 // v:
                        out += 1
                        break
                if k == 2:
                    if 1 // v:
                        out = 1
                if k == 3:
                    match v:
                        case int(x) if 1 // x:
                            out = 2
                if k == 4:
                    with Boom():
                        out = 3
                if k == 5:
                    def inner(a=1 // v):
                        return a
                if k == 6:
                    out = (lambda w: 1 // w)(v)
                if k == 7:
                    del out
                    out = out + 1
                if k == 8:
                    import no_such_module_for_the_oracle
                return 1 // v
            except (ZeroDivisionError, TypeError, KeyError, UnboundLocalError):
                out = -1
            except ImportError:
                try:
                    out = 1 // v
                except ZeroDivisionError:
                    out = -2
            return out
        """,
        tuple(("f", (k, v)) for k in range(9) for v in (0, 1)) + (("f", (0, "s")),),
    ),
    Snippet(
        "swallowing_and_multi_item_with",
        """
        class CM:
            def __init__(self, fail):
                self.fail = fail
            def __enter__(self):
                if self.fail:
                    raise KeyError
                return self
            def __exit__(self, *a):
                return False

        def f(x):
            try:
                y = 10 // x
            finally:
                return -1

        def g(xs):
            for x in xs:
                try:
                    y = 10 // x
                finally:
                    if x == 0:
                        break
            else:
                y = 0
            return xs

        def h(a, b):
            try:
                with CM(a) as p, CM(b) as q:
                    y = 1
            except KeyError:
                y = 2
            return y

        def k(xs):
            for x in xs:
                try:
                    y = 10 // x
                except ZeroDivisionError as e:
                    continue
                else:
                    if x == 2:
                        break
                finally:
                    z = 1
                for w in xs:
                    if w == 5:
                        break
                else:
                    z = 2
            return 0
        """,
        _runs("f", 0, 1)
        + _runs("g", [0, 1], [1, 2], [])
        + tuple(("h", (a, b)) for a in (False, True) for b in (False, True))
        + _runs("k", [0, 1, 2], [5, 1], [1]),
    ),
    Snippet(
        "module_level_try_finally",
        """
        import sys
        try:
            x = 1
            if sys.maxsize > 0:
                x = 2
        except Exception:
            x = 3
        else:
            x = 4
        finally:
            x = 5
        for i in range(2):
            try:
                y = 10 // i
            except ZeroDivisionError:
                continue
            finally:
                x = 6
        def f():
            return x
        """,
        _runs("f", ()),
    ),
    Snippet(
        "annotations_outside_functions",
        """
        try:
            a: int = 1
            b: undefined_name_for_the_oracle = 2
        except NameError:
            b = 3
        try:
            c: undefined_name_for_the_oracle
        except NameError:
            c = 4

        class K:
            try:
                d: undefined_name_for_the_oracle = 5
            except NameError:
                d = 6

        def f():
            e: undefined_name_for_the_oracle = 7
            g: undefined_name_for_the_oracle
            return e
        """,
        _runs("f", ()),
    ),
    Snippet(
        "constant_tests_unpacking_await_raising",
        """
        import asyncio

        def f(pairs):
            t = 0
            if True:
                t = 1
            if 0:
                t = 2
            while 0:
                t = 3
            if __debug__:
                t += 1
            try:
                for a, b in pairs:
                    t += a
            except ValueError:
                t = -1
            return t

        async def fail(v):
            await asyncio.sleep(0)
            return 1 // v

        async def co(v):
            try:
                r = await fail(v)
            except ZeroDivisionError:
                r = 0
            return r

        def run(v):
            return asyncio.run(co(v))
        """,
        _runs("f", [], [(1, 2)], [(1, 2), (3,)]) + _runs("run", 0, 1),
    ),
    Snippet(
        "with_suppressing_exit",
        """
        from contextlib import suppress

        def f(x):
            y = 0
            with suppress(ZeroDivisionError):
                y = 10 // x
            z = y
            return z
        """,
        _runs("f", 1, 0),
        # a with whose __exit__ may suppress: the body's exceptions also reach the
        # statement after the with (line 7 -> 8 when 10 // 0 raises)
    ),
    Snippet(
        "module_and_class_bodies",
        """
        import sys
        total = 0
        for i in range(3):
            if i == 1:
                continue
            total += i
        else:
            total = -total
        try:
            import no_such_module_for_the_oracle
        except ImportError:
            total = 0
        while total < 2:
            total += 1

        class K:
            '''doc'''
            a = 1
            if sys:
                b = 2
            else:
                b = 3
            def m(self):
                return self.a

        def f():
            return K().m()
        """,
        _runs("f", ()),
    ),
]


# -- tracing -------------------------------------------------------------------


@dataclass
class Trace:
    """The events of one frame: (event, line, extra); extra is the exception type of
    an ``exception`` event, else the opcode name at the frame's current instruction."""

    code: types.CodeType
    events: list[tuple[str, int, Any]]


def _trace(code: types.CodeType, ns: dict[str, Any], calls: list[Callable[[], Any]]):
    """Run ``code`` (the snippet's module) and then each call, tracing the frames of
    the snippet's file only; return the per-frame event lists."""
    frames: dict[Any, Trace] = {}  # frame objects kept alive: ids are not reused
    filename = code.co_filename

    def local(frame: Any, event: str, arg: Any) -> Any:
        tr = frames.get(frame)
        if tr is None:
            tr = frames[frame] = Trace(frame.f_code, [])
        if event == "exception":
            extra: Any = arg[0]
        elif frame.f_lasti >= 0:  # line: the instruction about to run [reraise-line];
            # return: the instruction that left the frame [return]
            extra = dis.opname[frame.f_code.co_code[frame.f_lasti]]
        else:
            extra = None
        tr.events.append((event, frame.f_lineno, extra))
        return local

    def glob(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename != filename:
            return None
        return local(frame, event, arg)

    old = sys.gettrace()  # a coverage tracer, say: put it back afterwards
    sys.settrace(glob)
    try:
        exec(code, ns)
        for call in calls:
            try:
                call()
            except Exception:
                pass  # some inputs are meant to raise out of the snippet
    finally:
        sys.settrace(old)
    return list(frames.values())


# -- the CFG side --------------------------------------------------------------


def _node_line(n: Any) -> int:
    if type(n) is ast.match_case:
        return n.pattern.lineno
    return n.lineno


@dataclass
class Body:
    """One CFG body with its line maps and the lines its code object reports."""

    owner: Any
    cfg: BodyCFG
    line_nodes: dict[int, list[int]]
    node_line: dict[int, int]
    silent: set[int]  # [silent] nodes whose line has no instruction
    with_spans: dict[int, tuple[int, int]]  # with line -> (first, last) body line
    header_line: int | None  # [class] the class line reported before the body
    protocol_lines: set[int]  # [stopiter] for / async for headers, await / yield lines
    nop_lines: set[int]  # [nop-line] lines of statements that compile to a NOP
    comp_lines: set[int]  # [inlined] lines of statements holding an inlined comprehension


def _owners(tree: ast.Module):
    """(code name, first line) -> body owner, for the module, defs, lambdas, classes."""
    out: dict[tuple[str, int], Any] = {("<module>", 1): tree}
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            assert not n.decorator_list, "decorators make co_firstlineno differ"
            out[(n.name, n.lineno)] = n
        elif type(n) is ast.Lambda:
            out[("<lambda>", n.lineno)] = n
    return out


def _code_lines(code: types.CodeType) -> set[int]:
    return {line for _, _, line in code.co_lines() if line is not None}


def _body(owner: Any, code: types.CodeType, make_cfg: Callable[[Any], BodyCFG]) -> Body:
    cfg = make_cfg(owner)
    lines = _code_lines(code)
    line_nodes: dict[int, list[int]] = {}
    node_line: dict[int, int] = {}
    silent: set[int] = set()
    with_spans: dict[int, tuple[int, int]] = {}
    protocol: set[int] = set()
    nops: set[int] = set()
    comps: set[int] = set()
    for i, n in enumerate(cfg.nodes):
        if n is None:
            continue
        line = _node_line(n)
        node_line[i] = line
        line_nodes.setdefault(line, []).append(i)
        if line not in lines:
            silent.add(i)
        if type(n) in (ast.With, ast.AsyncWith):
            with_spans[n.lineno] = (n.body[0].lineno, n.end_lineno)
        if _hands_over(n):
            protocol.add(line)
        if _compiles_to_nop(n):
            nops.add(line)
        if _holds_inlined_comprehension(n):
            comps.add(line)
    header = owner.lineno if type(owner) is ast.ClassDef else None
    return Body(
        owner, cfg, line_nodes, node_line, silent, with_spans, header, protocol, nops, comps
    )


def _holds_inlined_comprehension(n: Any) -> bool:
    """[inlined] a simple statement (or a compound header) with a list/set/dict
    comprehension of its own scope (not inside a lambda, def or generator expression,
    which keep their frames)."""
    if not _INLINED:
        return False
    if isinstance(n, ast.stmt) and hasattr(n, "body"):
        parts = [getattr(n, f) for f in ("test", "iter", "subject", "items") if hasattr(n, f)]
    else:
        parts = [n]
    stack = list(parts)
    while stack:
        x = stack.pop()
        if type(x) is list:
            stack.extend(x)
            continue
        if isinstance(x, _INLINED):
            return True
        if not isinstance(x, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.GeneratorExp)):
            stack.extend(ast.iter_child_nodes(x))
    return False


def _compiles_to_nop(n: Any) -> bool:
    """[nop-line] nodes whose code at their own line may be a NOP: compound headers
    (``try:``, ``while True:``, ``case _:``...), ``pass`` / ``break`` / ``continue``,
    ``return`` (of a constant, inside ``try``), constant expression statements. Other
    simple statements (assignments, calls, ``raise``...) always do work first."""
    t = type(n)
    if not isinstance(n, ast.stmt) or hasattr(n, "body"):
        return True
    if t in (ast.Pass, ast.Break, ast.Continue, ast.Return):
        return True
    return t is ast.Expr and type(n.value) is ast.Constant


def _hands_over(n: Any) -> bool:
    """[stopiter] a node whose line may report a protocol StopIteration: a for header,
    an async with header (awaits __aenter__ / __aexit__), or a simple statement with an
    await / yield / yield from (own scope only)."""
    if type(n) in (ast.For, ast.AsyncFor, ast.AsyncWith):
        return True
    if not isinstance(n, ast.stmt) or hasattr(n, "body"):
        return False
    stack = list(ast.iter_child_nodes(n))
    while stack:
        x = stack.pop()
        if isinstance(x, (ast.Await, ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(x, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef)):
            stack.extend(ast.iter_child_nodes(x))
    return False


# -- transitions and the path check ---------------------------------------------

# pseudo lines: the frame's entry, its exit by ``return``, its exit by an exception
START, END, END_EXC = -1, -2, -3


def _transitions(body: Body, events: list[tuple[str, int, Any]]):
    """The observed pairs (line a, line b, raised): ``raised`` when an exception event
    of this frame came between them (on line a)."""
    out: list[tuple[int, int, bool]] = []
    prev, raised = START, False
    exit_line: int | None = None  # the with line just skipped as __exit__ [withexit]
    last = len(events) - 1
    for k, (event, line, exc) in enumerate(events):
        if event == "call":
            continue  # [call] frame start or a resumption after yield/await
        if event == "return":
            # [return] the frame's exit; other returns suspend at a yield [call], and
            # a generator never resumed ends suspended: no exit to check
            if k == last and exc not in _SUSPENDS:
                out.append((prev, END if exc in _RETURNS else END_EXC, raised))
            continue
        if event == "exception":
            if exc is not None and issubclass(exc, _PROTOCOL_EXCS):
                if line in body.protocol_lines:
                    continue  # [stopiter] (a ``raise StopIteration`` is a raise)
            # [withexit] an exception of __exit__ comes from the statement that left
            # the body (normally, or by break / continue / return)
            assert line in (prev, exit_line), f"exception on line {line} after {prev}"
            raised = True
            continue
        if exc == "RERAISE":
            continue  # [reraise-line] not the statement of that line
        if line == prev and exc == "JUMP_BACKWARD" and line in body.comp_lines:
            continue  # [inlined] the next iteration of an inlined comprehension
        if exc == "NOP" and line not in body.nop_lines:
            continue  # [nop-line] a jump target, not the statement of that line
        if prev == START and line == body.header_line:
            continue  # [class]
        span = body.with_spans.get(line)
        if span is not None and span[0] <= prev <= span[1]:
            exit_line = line
            continue  # [withexit] __exit__ reports the with line again
        out.append((prev, line, raised))
        prev, raised, exit_line = line, False, None
    return out


def _silent_reraise(cfg: BodyCFG, src: int, dst: int) -> bool:
    """[reraise] an ``exception`` edge CPython takes without an ``exception`` event."""
    n = cfg.nodes[src]
    if type(n) is ast.ExceptHandler:
        return True  # the type test failed: on to the next clause / outer handler
    if type(n) is ast.Raise and n.exc is None:
        return True  # bare raise
    return (src, dst) in cfg.completed  # the end of a finally entered by an exception


def _possible(body: Body, succ: dict[int, list[tuple[int, str | None]]], a, b, raised):
    """Whether the CFG has a path for the observed pair (see the module docstring)."""
    cfg = body.cfg
    srcs = [ENTRY] if a == START else body.line_nodes.get(a, [])
    dsts = {EXIT} if b in (END, END_EXC) else set(body.line_nodes.get(b, ()))
    if not srcs or not dsts:
        return False
    # states: (node, first edge still to take); the first edge decides the label rule
    stack = [(s, True) for s in srcs]
    seen = set(stack)
    while stack:
        u, first = stack.pop()
        for v, label in succ.get(u, ()):
            if label == EXC:
                if not (first and raised) and not _silent_reraise(cfg, u, v):
                    continue
            elif first and raised and type(cfg.nodes[u]) not in (ast.For, ast.AsyncFor):
                # a raise leaves by an exception edge; a For's exception event is the
                # protocol ending the loop [stopiter] and leaves by ``false``
                continue
            if v in dsts:
                # [return] a return reaches CFG_EXIT by a normal edge, an escaping
                # exception by an ``exception`` edge
                if v != EXIT or (label == EXC) == (b == END_EXC):
                    return True
                continue
            # may v run without a line event of its own? [silent] / [sameline]
            if v in body.silent or (a != START and body.node_line.get(v) == a):
                state = (v, False)
                if state not in seen:
                    seen.add(state)
                    stack.append(state)
    return False


def _successors(cfg: BodyCFG) -> dict[int, list[tuple[int, str | None]]]:
    succ: dict[int, list[tuple[int, str | None]]] = {}
    for s, d, label in cfg.edges:
        succ.setdefault(s, []).append((d, label))
    return succ


@dataclass
class Observed:
    """A snippet's traced frames grouped per body: Body -> distinct transitions."""

    bodies: dict[tuple[str, int], tuple[Any, types.CodeType]]
    transitions: dict[tuple[str, int], set[tuple[int, int, bool]]]


def _observe(snippet: Snippet) -> Observed:
    src = textwrap.dedent(snippet.src)
    filename = f"<cfg-oracle:{snippet.name}>"
    tree = ast.parse(src)
    owners = _owners(tree)
    # dont_inherit: not this file's ``from __future__ import annotations``
    code = compile(src, filename, "exec", dont_inherit=True)
    ns: dict[str, Any] = {"__name__": f"oracle_{snippet.name}", "asyncio": asyncio}
    calls = [lambda fn=fn, args=args: ns[fn](*args) for fn, args in snippet.runs]
    traces = _trace(code, ns, calls)
    bodies: dict[tuple[str, int], tuple[Any, types.CodeType]] = {}
    transitions: dict[tuple[str, int], set[tuple[int, int, bool]]] = {}
    for tr in traces:
        c = tr.code
        if c.co_name in _COMPREHENSIONS or c.co_name.startswith("<generic parameters of "):
            continue  # [comp]
        key = (c.co_name, 1 if c.co_name == "<module>" else c.co_firstlineno)
        owner = owners[key]
        if key not in bodies:
            bodies[key] = (owner, c)
        body = _body(owner, c, build_cfg)
        transitions.setdefault(key, set()).update(_transitions(body, tr.events))
    return Observed(bodies, transitions)


def _violations(obs: Observed, make_cfg: Callable[[Any], BodyCFG] = build_cfg) -> list[str]:
    out = []
    for key, (owner, code) in obs.bodies.items():
        body = _body(owner, code, make_cfg)
        succ = _successors(body.cfg)
        for a, b, raised in sorted(obs.transitions[key]):
            if not _possible(body, succ, a, b, raised):
                sa = "ENTRY" if a == START else a
                sb = {END: "EXIT", END_EXC: "EXIT (exception)"}.get(b, b)
                out.append(f"{key[0]}: line {sa} -> {sb}" + (" (raised)" if raised else ""))
    return out


_OBSERVED: dict[str, Observed] = {}


def _observed(snippet: Snippet) -> Observed:
    if snippet.name not in _OBSERVED:
        _OBSERVED[snippet.name] = _observe(snippet)
    return _OBSERVED[snippet.name]


# -- tests ---------------------------------------------------------------------


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.name for s in SNIPPETS])
def test_every_traced_transition_is_a_cfg_path(snippet: Snippet) -> None:
    obs = _observed(snippet)
    assert obs.transitions, "nothing was traced"
    assert _violations(obs) == list(snippet.known)


def _drop(cfg: BodyCFG, edges: set[tuple[int, int, str | None]]) -> BodyCFG:
    for e in edges:
        del cfg.edges[e]
    return cfg


def _body_and_transitions(snippet: Snippet, name: str):
    obs = _observed(snippet)
    (key,) = [k for k in obs.bodies if k[0] == name]
    owner, code = obs.bodies[key]
    return obs, key, _body(owner, code, build_cfg), obs.transitions[key]


def _snippet(name: str) -> Snippet:
    (s,) = [s for s in SNIPPETS if s.name == name]
    return s


def _edge(body: Body, a: int, b: int, label: str | None) -> tuple[int, int, str | None]:
    """The CFG edge between the (only) nodes of lines a and b (b = END: CFG_EXIT)."""
    (u,) = body.line_nodes[a]
    (v,) = [EXIT] if b in (END, END_EXC) else body.line_nodes[b]
    assert (u, v, label) in body.cfg.edges
    return (u, v, label)


@pytest.mark.parametrize(
    ("a", "b", "label", "expected"),
    [
        (12, 13, "true", "f: line 12 -> 13"),  # if x == 4: return 4
        (15, 17, EXC, "f: line 15 -> 17"),  # except ValueError fails: next clause
        (24, END, None, "f: line 24 -> EXIT"),  # the finally leaves for `return 4`
        (13, 24, None, "f: line 13 -> 24"),  # `return 4` enters the finally
    ],
)
def test_oracle_catches_a_removed_edge(a: int, b: int, label: str | None, expected: str) -> None:
    """A CFG with one observed edge taken away fails the check."""
    obs, _, body, _ = _body_and_transitions(_snippet("try_except_else_finally"), "f")
    edge = _edge(body, a, b, label)

    def broken(owner: Any) -> BodyCFG:
        cfg = build_cfg(owner)
        return _drop(cfg, {edge}) if getattr(owner, "name", "") == "f" else cfg

    assert _violations(obs) == []
    assert expected in _violations(obs, broken)


def test_oracle_is_label_aware() -> None:
    """Relabelling a raise's ``exception`` edge as a normal one is caught: an observed
    exception must leave its statement by an ``exception`` edge."""
    sn = _snippet("try_except_else_finally")
    obs, _, body, _ = _body_and_transitions(sn, "f")
    edge = _edge(body, 7, 15, EXC)  # raise ValueError -> except ValueError

    def relabel(owner: Any) -> BodyCFG:
        cfg = build_cfg(owner)
        if (edge[0], edge[1], EXC) in cfg.edges and getattr(owner, "name", "") == "f":
            del cfg.edges[edge]
            cfg.edges[(edge[0], edge[1], None)] = None
        return cfg

    assert "f: line 7 -> 15 (raised)" in _violations(obs, relabel)


def test_oracle_covers_most_edges() -> None:
    """Mutation check over every snippet: remove each CFG edge in turn and count the
    removals the traced pairs detect (about two thirds). Survivors are edges the inputs
    never drive (exception edges of statements that do not fail here, the infeasible
    continuations of a finally modelled once) and ``iter`` -> ``For`` [sameline]."""
    killed = total = checked = bodies = 0
    for sn in SNIPPETS:
        obs = _observed(sn)
        for key, (owner, code) in obs.bodies.items():
            bodies += 1
            body = _body(owner, code, build_cfg)
            pairs = sorted(obs.transitions[key])
            checked += len(pairs)
            for e in list(body.cfg.edges):
                total += 1
                succ = _successors(body.cfg)
                succ[e[0]].remove((e[1], e[2]))
                if not all(_possible(body, succ, a, b, r) for a, b, r in pairs):
                    killed += 1
    assert len(SNIPPETS) >= 25 and bodies >= 100 and checked >= 750
    assert killed >= 0.6 * total, (killed, total)
