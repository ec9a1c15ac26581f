"""Recall of the static call graph against real executions.

Real test suites run in a child process under ``sys.setprofile`` (that process runs
the stdlib's own regression tests or a package's tests, never our engine, and our
engine never imports or runs the analysed code): every caller -> callee pair between
Python functions of the analysed files is recorded. The CPG of the same sources is
built with ``codeanatomy build`` into a temporary warehouse, and each dynamic pair is
looked up among its CALL edges (callers and callees as FUNCTION qualnames).

Mapping code objects to FUNCTION nodes: by (file, first line). CPython's
``co_firstlineno`` of a decorated function is the line of its first decorator, a
FUNCTION node's ``start_line`` is the ``def`` line (``ast``), so the harness maps the
first decorator line of every def back to its ``def`` line.

Calls made from C (a property read, ``==``, ``sorted(key=f)``, ``Cls()`` running
``__init__``) have no frame of their own: the callee's ``f_back`` is the Python frame
that made them, so they are attributed to it. Each pair gets a trigger kind from the
instruction the caller was executing (``LOAD_ATTR`` -> property; ``BINARY_OP``,
``COMPARE_OP``, ``FOR_ITER`` ... -> protocol; a call into a C function that called
back a dunder -> protocol, anything else -> callback; ``__init__``/``__new__`` of a
call whose text does not name them -> constructor; otherwise a plain call). A pair
seen with several triggers counts under the first of: call, constructor, property,
protocol, callback. Generators are counted once per generator (first resume), not per
``next``. Module-level and class-body callers are left out (import-time code runs
before the profiler in most suites).

    .venv/bin/python benchmarks/callgraph_dynamic.py [--modules a,b] [--jobs 2]
        [--json out.json] [--missing N] [--pypi DIR:PKG:TESTS ...] [--with-tests]
        [--keep DIR [--reuse]]

Results are printed (overall, per trigger kind, per module, out-degrees); ``--missing
N`` lists N missed pairs per kind (to find causes; tune to the suite, not to pairs).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
STDLIB = os.path.dirname(os.__file__)

# pure-Python stdlib modules (a mix of small and large) and their regression tests
STDLIB_MODULES: dict[str, str] = {
    "argparse": "test.test_argparse",
    "calendar": "test.test_calendar",
    "colorsys": "test.test_colorsys",
    "configparser": "test.test_configparser",
    "dataclasses": "test.test_dataclasses",
    "difflib": "test.test_difflib",
    "fractions": "test.test_fractions",
    "graphlib": "test.test_graphlib",
    "ipaddress": "test.test_ipaddress",
    "json": "test.test_json",
    "pprint": "test.test_pprint",
    "shlex": "test.test_shlex",
    "string": "test.test_string",
    "textwrap": "test.test_textwrap",
    "tomllib": "test.test_tomllib",
}

KINDS = ("call", "constructor", "property", "protocol", "callback")

# the child: profile the test run, write the pairs as JSON lines
_CHILD = r"""
import dis, json, os, sys, threading, unittest
roots = json.loads(sys.argv[1])   # absolute file or folder prefixes -> rel root
tests = sys.argv[2]
out = sys.argv[3]
PROTO_OPS = {
    "BINARY_OP", "COMPARE_OP", "CONTAINS_OP", "BINARY_SUBSCR", "STORE_SUBSCR",
    "DELETE_SUBSCR", "BINARY_SLICE", "STORE_SLICE", "GET_ITER", "FOR_ITER", "TO_BOOL",
    "POP_JUMP_IF_TRUE", "POP_JUMP_IF_FALSE", "UNARY_NEGATIVE", "UNARY_INVERT",
    "UNARY_NOT", "BEFORE_WITH", "BEFORE_ASYNC_WITH", "GET_AWAITABLE", "GET_AITER",
    "GET_ANEXT", "SEND", "FORMAT_SIMPLE", "FORMAT_WITH_SPEC", "CONVERT_VALUE",
    "CALL_INTRINSIC_1", "END_FOR", "YIELD_VALUE", "RETURN_VALUE", "CLEANUP_THROW",
    "WITH_EXCEPT_START", "LOAD_SPECIAL", "MATCH_SEQUENCE", "MATCH_MAPPING", "MATCH_KEYS",
    "GET_LEN", "BUILD_STRING", "LIST_EXTEND", "DICT_UPDATE", "DICT_MERGE", "SET_UPDATE",
    "UNPACK_SEQUENCE", "UNPACK_EX", "STORE_FAST_STORE_FAST", "IS_OP",
}
ATTR_OPS = {"LOAD_ATTR", "STORE_ATTR", "DELETE_ATTR", "LOAD_SUPER_ATTR"}
GEN = 0x20 | 0x80 | 0x200  # generator, coroutine, async generator
info = {}   # code -> (rel, firstline, name, first resume offset or -1) or None
ops = {}    # code -> {offset: opname}
pairs = {}  # (caller rel, line, callee rel, line) -> set of kinds
cstack = {} # thread id -> list of (frame, C function name)

def code_info(co):
    got = info.get(co, 0)
    if got != 0:
        return got
    fn = co.co_filename
    r = None
    for prefix, rel in roots:
        if fn == prefix or fn.startswith(prefix + os.sep):
            r = rel + fn[len(prefix):].replace(os.sep, "/")
            break
    if r is None or co.co_name == "<module>":
        info[co] = None
        return None
    first = -1
    if co.co_flags & GEN:
        for ins in dis.get_instructions(co):
            if ins.opname == "RESUME":
                first = ins.offset
                break
    v = (r, co.co_firstlineno, co.co_name, first)
    info[co] = v
    return v

def opname(co, off):
    m = ops.get(co)
    if m is None:
        m = ops[co] = {i.offset: i.opname for i in dis.get_instructions(co)}
    return m.get(off, "?")

def call_text(frame):
    try:
        pos = list(frame.f_code.co_positions())[frame.f_lasti // 2]
        import linecache
        if pos[0] is None:
            return ""
        lines = [linecache.getline(frame.f_code.co_filename, n) for n in range(pos[0], (pos[1] or pos[0]) + 1)]
        return "".join(lines)
    except Exception:
        return ""

def prof(frame, event, arg):
    if event == "c_call":
        cstack.setdefault(threading.get_ident(), []).append((frame, getattr(arg, "__name__", "?")))
        return
    if event == "c_return" or event == "c_exception":
        st = cstack.get(threading.get_ident())
        if st:
            st.pop()
        return
    if event != "call":
        return
    co = frame.f_code
    ci = code_info(co)
    if ci is None:
        return
    if ci[3] >= 0 and frame.f_lasti > ci[3]:
        return  # a generator resumed, not called
    back = frame.f_back
    if back is None:
        return
    bi = code_info(back.f_code)
    if bi is None:
        return
    name = ci[2]
    st = cstack.get(threading.get_ident())
    cfn = st[-1][1] if st and st[-1][0] is back else None
    op = opname(back.f_code, back.f_lasti)
    dunder = name.startswith("__") and name.endswith("__")
    if ci[3] >= 0:
        kind = "call"  # a generator's first resume: it was made by a call
    elif cfn is not None:
        if cfn in ("getattr", "hasattr", "setattr", "delattr"):
            kind = "property"
        elif dunder:
            kind = "protocol"
        else:
            kind = "callback"
    elif op in ATTR_OPS:
        kind = "property" if not dunder or name in ("__get__", "__set__", "__delete__", "__getattr__", "__getattribute__", "__set_name__") else "protocol"
        if name in ("__init__", "__new__"):
            kind = "constructor"
    elif op in PROTO_OPS:
        # a dunder run by the instruction, else a callable a C iterator calls
        kind = "protocol" if dunder else "callback"
    elif name in ("__init__", "__new__", "__post_init__", "__init_subclass__", "__set_name__") and name not in call_text(back):
        kind = "constructor"
    elif dunder and name not in ("__init__", "__new__") and name not in call_text(back):
        kind = "protocol"
    else:
        kind = "call"
    key = (bi[0], bi[1], ci[0], ci[1])
    s = pairs.get(key)
    if s is None:
        pairs[key] = {kind}
    else:
        s.add(kind)

sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))
sys.path.insert(0, os.getcwd())
if tests.startswith("pytest="):
    import contextlib, pytest
    threading.setprofile(prof)
    sys.setprofile(prof)
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        rc = pytest.main([tests[7:], "-q", "-p", "no:cacheprovider"])
    sys.setprofile(None)
    threading.setprofile(None)
    summary = {"pytest_exit": int(rc)}
else:
    suite = unittest.defaultTestLoader.loadTestsFromNames(tests.split(","))
    threading.setprofile(prof)
    sys.setprofile(prof)
    with open(os.devnull, "w") as devnull:
        res = unittest.TextTestRunner(stream=devnull, verbosity=0).run(suite)
    sys.setprofile(None)
    threading.setprofile(None)
    summary = {"tests": res.testsRun, "failures": len(res.failures), "errors": len(res.errors)}
with open(out, "w") as fh:
    for (a, b, c, d), ks in sorted(pairs.items()):
        fh.write(json.dumps([a, b, c, d, sorted(ks)]) + "\n")
print(json.dumps(summary))
"""


def stdlib_sources(mod: str) -> list[tuple[str, str]]:
    """(absolute path, repo-relative path) of a stdlib module's files."""
    p = os.path.join(STDLIB, mod)
    if os.path.isdir(p):
        out = []
        for d, dirs, files in os.walk(p):
            dirs[:] = sorted(x for x in dirs if x not in ("__pycache__", "tests", "test"))
            for f in sorted(files):
                if f.endswith(".py"):
                    a = os.path.join(d, f)
                    out.append((a, os.path.relpath(a, STDLIB).replace(os.sep, "/")))
        return out
    return [(p + ".py", mod + ".py")]


def run_child(
    python: str, roots: list[tuple[str, str]], tests: str, out: str, cwd: str | None = None
) -> dict:
    r = subprocess.run(
        [python, "-c", _CHILD, json.dumps(roots), tests, out],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=3600,
    )
    if r.returncode != 0:
        raise RuntimeError(f"{tests}: child failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def deco_lines(src: str) -> dict[int, int]:
    """first decorator line -> ``def``/``class`` line, for every decorated def."""
    out: dict[int, int] = {}
    for n in ast.walk(ast.parse(src)):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.decorator_list:
            first = min(d.lineno for d in n.decorator_list)
            out[first] = n.lineno
    return out


def static_graph(
    repo: str, wh: str
) -> tuple[set[tuple[str, str]], dict[tuple[str, int], list[str]]]:
    """Build the CPG; (caller, callee) qualname pairs of its CALL edges, and (path, def
    line) -> FUNCTION qualnames."""
    r = subprocess.run(
        [os.path.join(ROOT, ".venv/bin/codeanatomy"), "build", repo, "--warehouse", wh],
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        raise RuntimeError("codeanatomy build failed: " + r.stderr[-2000:])
    import pyarrow.compute as pc
    from deltalake import DeltaTable

    sys.path.insert(0, ROOT)
    from tests.resolve_helpers import call_graph_pairs

    nodes = DeltaTable(os.path.join(wh, "cpg_nodes")).to_pyarrow_table(
        columns=["node_id", "kind", "qualname", "path", "start_line"]
    )
    edges = DeltaTable(os.path.join(wh, "cpg_edges")).to_pyarrow_table(
        columns=["src_id", "dst_id", "kind"]
    )
    edges = edges.filter(
        pc.is_in(edges["kind"], value_set=__import__("pyarrow").array(["CALL", "CONTAINS"]))
    )
    props = DeltaTable(os.path.join(wh, "cpg_props")).to_pyarrow_table(
        columns=["node_id", "key", "value"]
    )
    props = props.filter(pc.equal(props["key"], "caller"))
    pairs = set(call_graph_pairs(nodes, edges, None, props))
    fn = nodes.filter(pc.equal(nodes["kind"], "FUNCTION"))
    where: dict[tuple[str, int], list[str]] = defaultdict(list)
    for p, line, q in zip(
        fn["path"].to_pylist(),
        fn["start_line"].to_pylist(),
        fn["qualname"].to_pylist(),
        strict=True,
    ):
        where[(p, line)].append(q)
    return pairs, dict(where)


def evaluate(
    dyn: dict[tuple[str, int, str, int], set[str]],
    module_of: dict[str, str],
    static: set[tuple[str, str]],
    where: dict[tuple[str, int], list[str]],
    decos: dict[str, dict[int, int]],
    missing: int,
) -> dict:
    def quals(path: str, line: int) -> list[str]:
        got = where.get((path, line))
        if got is None:
            d = decos.get(path, {}).get(line)
            if d is not None:
                got = where.get((path, d))
        return got or []

    # callees counted in the static out-degree: functions of the scored files (with
    # tests in the repository, calls into test functions are not package callees)
    analysed = {q for (p, _line), qs in where.items() if p in module_of for q in qs}
    by_kind: dict[str, list[int]] = {k: [0, 0] for k in KINDS}
    by_mod: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    unmapped = 0
    miss: dict[str, list[str]] = defaultdict(list)
    dyn_out: dict[str, set[str]] = defaultdict(set)
    for (cp, cl, ep, el), ks in sorted(dyn.items()):
        if cp not in module_of or ep not in module_of:
            continue  # a test file inside the package: not analysed
        cq, eq = quals(cp, cl), quals(ep, el)
        if not cq or not eq:
            unmapped += 1
            continue
        kind = next(k for k in KINDS if k in ks)
        hit = any((a, b) in static for a in cq for b in eq)
        by_kind[kind][1] += 1
        by_kind[kind][0] += hit
        m = module_of.get(cp, "?")
        by_mod[m][1] += 1
        by_mod[m][0] += hit
        for a in cq:
            dyn_out[a].update(eq)
        if not hit and len(miss[kind]) < missing:
            miss[kind].append(f"{cq[0]} -> {eq[0]}  ({cp}:{cl} -> {ep}:{el})")
    st_out: dict[str, set[str]] = defaultdict(set)
    for a, b in static:
        if a in dyn_out and b in analysed:
            st_out[a].add(b)
    tp = sum(v[0] for v in by_kind.values())
    n = sum(v[1] for v in by_kind.values())
    sd = sum(len(v) for v in dyn_out.values())
    ss = sum(len(st_out.get(a, ())) for a in dyn_out)
    return {
        "pairs": n,
        "found": tp,
        "recall": tp / n if n else 1.0,
        "unmapped": unmapped,
        "by_kind": {k: v for k, v in by_kind.items()},
        "by_module": dict(sorted(by_mod.items())),
        "callers": len(dyn_out),
        "dynamic_out": sd,
        "static_out": ss,
        "out_ratio": ss / sd if sd else 0.0,
        "missing": dict(miss),
    }


def report(title: str, r: dict) -> None:
    print(f"== {title}: recall {r['recall']:.3f} ({r['found']}/{r['pairs']} pairs, "
          f"{r['unmapped']} unmapped)")  # fmt: skip
    for k, (h, n) in r["by_kind"].items():
        if n:
            print(f"   {k:<12} {h / n:6.3f}  {h}/{n}")
    for m, (h, n) in r["by_module"].items():
        print(f"   {m:<24} {h / n:6.3f}  {h}/{n}")
    print(f"   out-degree of {r['callers']} exercised callers: dynamic {r['dynamic_out']}, "
          f"static {r['static_out']} (ratio {r['out_ratio']:.2f})")  # fmt: skip
    for k, lst in r["missing"].items():
        print(f"   missed {k}:")
        for s in lst:
            print("     ", s)


def _collect(paths: Iterable[str]) -> dict[tuple[str, int, str, int], set[str]]:
    dyn: dict[tuple[str, int, str, int], set[str]] = {}
    for p in paths:
        with open(p) as fh:
            for line in fh:
                a, b, c, d, ks = json.loads(line)
                dyn.setdefault((a, b, c, d), set()).update(ks)
    return dyn


def run_stdlib(mods: list[str], jobs: int, missing: int, tmp: str, reuse: bool = False) -> dict:
    repo = os.path.join(tmp, "repo")
    roots: list[tuple[str, str]] = []
    module_of: dict[str, str] = {}
    decos: dict[str, dict[int, int]] = {}
    for m in mods:
        for a, rel in stdlib_sources(m):
            dst = os.path.join(repo, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(a, dst)
            module_of[rel] = m
            with open(a, encoding="utf-8") as fh:
                decos[rel] = deco_lines(fh.read())
        p = os.path.join(STDLIB, m)
        roots.append((p, m) if os.path.isdir(p) else (p + ".py", m + ".py"))
    from concurrent.futures import ThreadPoolExecutor

    outs = {m: os.path.join(tmp, f"dyn_{m}.jsonl") for m in mods}

    def one(m: str) -> tuple[str, dict]:
        return m, run_child(sys.executable, roots, STDLIB_MODULES[m], outs[m])

    with ThreadPoolExecutor(max(1, jobs)) as ex:
        futs = [ex.submit(one, m) for m in mods if not (reuse and os.path.exists(outs[m]))]
        for f in futs:
            m, res = f.result()
            print(f"  ran {STDLIB_MODULES[m]}: {res}", flush=True)
    dyn = _collect(outs.values())
    static, where = static_graph(repo, _fresh(os.path.join(tmp, "wh")))
    return evaluate(dyn, module_of, static, where, decos, missing)


def _fresh(path: str) -> str:
    """``path`` with nothing there (a warehouse of an earlier run in a kept folder)."""
    shutil.rmtree(path, ignore_errors=True)
    return path


def _test_dirs(src: str, pkg: str) -> list[str]:
    """The test folders a repository of the package holds, relative to SRC: a
    top-level ``tests``/``test`` next to the package (more-itertools) and any
    ``tests``/``test`` folder inside the package (toolz: ``toolz/tests``)."""
    out = [d for d in ("tests", "test") if os.path.isdir(os.path.join(src, d))]
    for d, dirs, _files in os.walk(os.path.join(src, pkg)):
        dirs[:] = sorted(x for x in dirs if x != "__pycache__")
        if os.path.basename(d) in ("tests", "test"):
            out.append(os.path.relpath(d, src).replace(os.sep, "/"))
            dirs[:] = []
    return out


def run_pypi(
    spec: str, missing: int, tmp: str, reuse: bool = False, with_tests: bool = False
) -> tuple[str, dict]:
    """``SRC:PKG:TESTS``: SRC a folder holding the package folder PKG (an unpacked
    sdist), TESTS a unittest name (``tests.test_more``) or ``pytest=<path>`` for a
    pytest suite; the tests run with SRC as working directory (the package is imported
    from there) by this interpreter or ``$DYN_PYTHON``. Type stubs are not analysed.

    Without ``with_tests`` the package is analysed alone (a library without its
    tests); with it, the analysed repository also holds the test folders, as the
    package's git repository does (``tests/`` next to the package, ``PKG/tests``).
    Either way the main figure scores pairs whose caller and callee are both package
    files outside the tests; with tests, test -> package pairs are a second figure."""
    src, pkg, tests = spec.split(":")
    tag = pkg + ("_with_tests" if with_tests else "")
    repo = os.path.join(tmp, "repo_" + tag)
    tdirs = _test_dirs(src, pkg)
    skip = ("__pycache__", "*.pyi") if with_tests else ("__pycache__", "tests", "test", "*.pyi")
    _fresh(repo)
    shutil.copytree(
        os.path.join(src, pkg), os.path.join(repo, pkg), ignore=shutil.ignore_patterns(*skip)
    )
    if with_tests:
        for t in tdirs:
            if not os.path.exists(os.path.join(repo, t)):
                shutil.copytree(
                    os.path.join(src, t),
                    os.path.join(repo, t),
                    ignore=shutil.ignore_patterns(*skip),
                )
    module_of: dict[str, str] = {}
    test_of: dict[str, str] = {}
    decos: dict[str, dict[int, int]] = {}
    for d, _dirs, files in os.walk(repo):
        for f in files:
            if f.endswith(".py"):
                a = os.path.join(d, f)
                rel = os.path.relpath(a, repo).replace(os.sep, "/")
                mod = rel[:-3].replace("/", ".").removesuffix(".__init__")
                in_tests = any(rel.startswith(t + "/") for t in tdirs)
                (test_of if in_tests else module_of)[rel] = mod
                with open(a, encoding="utf-8") as fh:
                    decos[rel] = deco_lines(fh.read())
    # the pairs are recorded between the package and its test folders in every setup
    # (an earlier run's pairs file serves both); only the analysed repository differs
    out = os.path.join(tmp, f"dyn_{pkg}.jsonl")
    python = os.environ.get("DYN_PYTHON", sys.executable)
    if not (reuse and os.path.exists(out)):
        roots = [(os.path.abspath(os.path.join(src, pkg)), pkg)]
        roots += [(os.path.abspath(os.path.join(src, t)), t) for t in tdirs if "/" not in t]
        res = run_child(python, roots, tests, out, cwd=src)
        print(f"  ran {pkg} tests: {res}", flush=True)
    static, where = static_graph(repo, _fresh(os.path.join(tmp, "wh_" + tag)))
    dyn = _collect([out])
    r = evaluate(dyn, module_of, static, where, decos, missing)
    if with_tests:
        # test -> package pairs: a test function (caller) calling into the package
        both = {**module_of, **test_of}
        t2p = {k: v for k, v in dyn.items() if k[0] in test_of and k[2] in module_of}
        r["tests_to_package"] = evaluate(t2p, both, static, where, decos, missing)
    return tag, r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--modules", default=",".join(STDLIB_MODULES))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--missing", type=int, default=0)
    ap.add_argument("--json", default=None)
    ap.add_argument("--keep", default=None, help="keep the work folder here")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="with --keep: reuse the pairs an earlier run recorded there (re-judges a "
        "changed engine without running the suites again)",
    )
    ap.add_argument("--pypi", action="append", default=[], help="SRC:PKG:TESTMODULE")
    ap.add_argument(
        "--with-tests",
        action="store_true",
        help="analyse each PyPI package together with its test folders, as its "
        "repository holds them (scored pairs stay package -> package; test -> package "
        "pairs are reported as a second figure)",
    )
    args = ap.parse_args()
    mods = [m for m in args.modules.split(",") if m]
    tmp = args.keep or tempfile.mkdtemp(prefix="cgdyn_")
    os.makedirs(tmp, exist_ok=True)
    results: dict[str, dict] = {}
    try:
        if mods:
            results["stdlib"] = run_stdlib(mods, args.jobs, args.missing, tmp, args.reuse)
            report(f"stdlib ({len(mods)} modules)", results["stdlib"])
        for spec in args.pypi:
            name, r = run_pypi(spec, args.missing, tmp, args.reuse, args.with_tests)
            results[name] = r
            report(name, r)
            if "tests_to_package" in r:
                report(name + ": test -> package pairs", r["tests_to_package"])
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
