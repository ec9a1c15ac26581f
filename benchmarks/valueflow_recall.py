"""Dynamic differential of the value-flow edges: recall of FLOW_ARG and FLOW_RETURN on
what a real test suite actually does.

Usage::

    .venv/bin/python benchmarks/valueflow_recall.py [--modules textwrap,shlex,...] [--json OUT]

For each standard-library module named (default: textwrap, shlex, difflib,
configparser, fractions, ipaddress), the module file and its test file
(``test/test_<name>.py``) are copied into a temporary repository and its CPG is built
(the copies are analysed, never run). The interpreter's own copy of the test then runs
in a child process (``python -m unittest test.test_<name>``) with a ``sys.setprofile``
tracer. The tracer records, for every call from a frame of those two files into a
frame of those two files made by a CALL instruction, the call site (the caller
instruction's positions, which CPython gives as the call expression's
positions, UTF-8 columns, so they name the CALL node of the CPG) and the callee
(``co_qualname``, which the contract qualname is built from). Dunder methods other
than ``__init__``/``__new__``/``__call__`` are left out (the interpreter calls them for
operators, iteration, ``repr``..., from the instruction of another call or none), and
so is ``self`` of a constructor (the object the call makes, not an argument):

* argument -> parameter: every parameter of the callee without a default (so that it
  certainly received an argument of that call: the receiver for ``self``), whose
  value the frame holds on the ``call`` event;
* return -> call: every ``return`` event of a non-generator callee whose value is not
  None (an object that went back to that call site).

Recall = the share of distinct events with a matching static edge: a FLOW_ARG from an
argument or the receiver of that CALL node to that PARAMETER; a FLOW_RETURN into that
CALL node from a node of that function. Calls the interpreter makes from C code
(``map``, ``sorted(key=...)``, operators, properties) are not CALL instructions of the
caller and are left out.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT = ["textwrap", "shlex", "difflib", "configparser", "fractions", "ipaddress"]

TRACER = r"""
import dis, json, sys, unittest
files = set(json.loads(sys.argv[1]))
out_path = sys.argv[2]
CALLS = {dis.opmap[n] for n in ("CALL", "CALL_KW", "CALL_FUNCTION_EX") if n in dis.opmap}
GEN = 0x20 | 0x80 | 0x200 | 0x100
pos_cache = {}
args_ev = set()
ret_ev = set()

def site(frame):
    back = frame.f_back
    if back is None or back.f_code.co_filename not in files:
        return None
    code = back.f_code
    i = back.f_lasti
    if i < 0 or code.co_code[i] not in CALLS:
        return None
    p = pos_cache.get(code)
    if p is None:
        p = pos_cache[code] = list(code.co_positions())
    ln, eln, c, ec = p[i // 2]
    if ln is None or c is None:
        return None
    return (code.co_filename, ln, c, eln, ec)

IMPLICIT_OK = {"__init__", "__new__", "__call__"}

def prof(frame, event, arg):
    code = frame.f_code
    if code.co_filename not in files:
        return
    name = code.co_name
    if name.startswith("__") and name.endswith("__") and name not in IMPLICIT_OK:
        return  # operators, iteration, repr...: called by the interpreter, not a CALL
    if event == "call":
        s = site(frame)
        if s is None:
            return
        n = code.co_argcount + code.co_kwonlyargcount
        names = code.co_varnames[:n]
        fn = frame.f_globals.get(code.co_name)
        defaults = 0
        func = getattr(fn, "__func__", fn)
        if getattr(func, "__code__", None) is code:
            defaults = len(func.__defaults__ or ())
            kwd = set((func.__kwdefaults__ or {}))
        else:
            kwd = None
        ctor = code.co_name in ("__init__", "__new__")
        for j, name in enumerate(names):
            if j == 0 and ctor:
                continue  # the object the constructor call makes, not an argument
            if kwd is None:
                # the function object is not at hand (method, nested): parameters with
                # defaults are told apart by the static side (has_default)
                args_ev.add(s + (code.co_filename, code.co_qualname, name, 1))
            elif j < code.co_argcount and j >= code.co_argcount - defaults:
                continue
            elif j >= code.co_argcount and name in kwd:
                continue
            else:
                args_ev.add(s + (code.co_filename, code.co_qualname, name, 0))
    elif event == "return" and arg is not None and not (code.co_flags & GEN):
        s = site(frame)
        if s is not None:
            ret_ev.add(s + (code.co_filename, code.co_qualname))

sys.setprofile(prof)
try:
    unittest.main(module=sys.argv[3], argv=["x"], exit=False, verbosity=0)
finally:
    sys.setprofile(None)
    with open(out_path, "w") as f:
        json.dump({"args": sorted(args_ev), "rets": sorted(ret_ev)}, f)
"""


def static_sets(wh: Path) -> dict:
    from codeanatomy_hamilton.store.sql import query

    w = str(wh)
    calls = query(
        w,
        "SELECT node_id, path, start_line, start_col, end_line, end_col FROM cpg_nodes "
        "WHERE kind = 'CALL'",
    ).to_pylist()
    call_at = {
        (r["path"], r["start_line"], r["start_col"], r["end_line"], r["end_col"]): r["node_id"]
        for r in calls
    }
    # parameters per function qualname (FUNCTION -AST-> arguments -AST-> arg)
    params = query(
        w,
        "SELECT f.qualname, p.name, p.node_id, pm.value AS has_default FROM cpg_nodes f "
        "JOIN cpg_edges e1 ON e1.src_id = f.node_id AND e1.kind = 'AST' "
        "JOIN cpg_edges e2 ON e2.src_id = e1.dst_id AND e2.kind = 'AST' "
        "JOIN cpg_nodes p ON p.node_id = e2.dst_id AND p.kind = 'PARAMETER' "
        "LEFT JOIN cpg_props pm ON pm.node_id = p.node_id AND pm.key = 'has_default' "
        "WHERE f.kind = 'FUNCTION'",
    ).to_pylist()
    param_of = {(r["qualname"], r["name"]): (r["node_id"], r["has_default"]) for r in params}
    fa = query(
        w,
        "SELECT a.src_id AS call, f.dst_id AS param FROM cpg_edges f JOIN cpg_edges a "
        "ON a.dst_id = f.src_id AND a.kind IN ('ARGUMENT', 'RECEIVER') "
        "WHERE f.kind = 'FLOW_ARG'",
    ).to_pylist()
    arg_edges = {(r["call"], r["param"]) for r in fa}
    fr = query(
        w,
        "SELECT r.dst_id AS call, fn.qualname FROM cpg_edges r JOIN cpg_edges c "
        "ON c.dst_id = r.src_id AND c.kind = 'CONTAINS' JOIN cpg_nodes fn "
        "ON fn.node_id = c.src_id AND fn.kind = 'FUNCTION' WHERE r.kind = 'FLOW_RETURN'",
    ).to_pylist()
    ret_edges = {(r["call"], r["qualname"]) for r in fr}
    cg = query(
        w,
        "SELECT e.src_id AS call, n.qualname FROM cpg_edges e JOIN cpg_nodes n "
        "ON n.node_id = e.dst_id WHERE e.kind = 'CALL'",
    ).to_pylist()
    call_edges = {(r["call"], r["qualname"]) for r in cg}
    return {
        "call_at": call_at,
        "param_of": param_of,
        "arg": arg_edges,
        "ret": ret_edges,
        "cg": call_edges,
    }


def module_of(rel: str) -> str:
    return rel[:-3].replace("/", ".")


def run_module(name: str, lib: Path, tmp: Path) -> dict:
    from codeanatomy_hamilton.build import BuildRequest, run_build

    rels = [f"{name}.py", f"test/test_{name}.py"]
    repo = tmp / f"repo_{name}"
    for rel in rels:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(lib / rel, repo / rel)
    wh = tmp / f"wh_{name}"
    run_build(BuildRequest(repo_path=str(repo), warehouse=str(wh), repo_id=name))
    st = static_sets(wh)
    files = {str(lib / rel): rel for rel in rels}
    out = tmp / f"events_{name}.json"
    py = sys.executable
    subprocess.run(
        [py, "-c", TRACER, json.dumps(sorted(files)), str(out), f"test.test_{name}"],
        capture_output=True,
        text=True,
        cwd=tmp,
        check=False,
        timeout=900,
    )
    ev = json.loads(out.read_text())
    hit_a = tot_a = miss_site = 0
    # misses whose call site has no CALL edge to the callee (nor to its class, for a
    # constructor): the call graph's, not the value flow's
    cg_miss = 0

    def in_cg(call: int, fq: str) -> bool:
        owner = fq.rsplit(".", 1)[0]
        return (call, fq) in st["cg"] or (call, owner) in st["cg"]

    misses: list = []
    for fname, ln, c, eln, ec, cfile, qual, pname, unsure in ev["args"]:
        rel = files[fname]
        call = st["call_at"].get((rel, ln, c, eln, ec))
        fq = module_of(files[cfile]) + "." + qual.replace("<locals>.", "")
        p = st["param_of"].get((fq, pname))
        if call is None or p is None:
            miss_site += 1
            continue
        pid, has_default = p
        if unsure and has_default == "true":
            continue
        tot_a += 1
        if (call, pid) in st["arg"]:
            hit_a += 1
        elif not in_cg(call, fq):
            cg_miss += 1
        elif len(misses) < 15:
            misses.append(f"{rel}:{ln} -> {fq}({pname})")
    hit_r = tot_r = 0
    for fname, ln, c, eln, ec, cfile, qual in ev["rets"]:
        rel = files[fname]
        call = st["call_at"].get((rel, ln, c, eln, ec))
        if call is None:
            miss_site += 1
            continue
        tot_r += 1
        fq = module_of(files[cfile]) + "." + qual.replace("<locals>.", "")
        if (call, fq) in st["ret"]:
            hit_r += 1
        elif not in_cg(call, fq):
            cg_miss += 1
        elif len(misses) < 30:
            misses.append(f"return {fq} -> {rel}:{ln}")
    return {
        "module": name,
        "arg_events": tot_a,
        "arg_hits": hit_a,
        "arg_recall": hit_a / tot_a if tot_a else None,
        "return_events": tot_r,
        "return_hits": hit_r,
        "return_recall": hit_r / tot_r if tot_r else None,
        "unmatched_sites": miss_site,
        "misses_without_call_edge": cg_miss,
        "sample_misses": misses,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--modules", default=",".join(DEFAULT))
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    lib = Path(os.path.dirname(os.__file__))
    tmp = Path(tempfile.mkdtemp(prefix="vf_recall_"))
    try:
        rows = [run_module(m, lib, tmp) for m in args.modules.split(",") if m]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ta = sum(r["arg_events"] for r in rows)
    ha = sum(r["arg_hits"] for r in rows)
    tr = sum(r["return_events"] for r in rows)
    hr = sum(r["return_hits"] for r in rows)
    summary = {
        "modules": rows,
        "arg_recall": ha / ta if ta else None,
        "arg_events": ta,
        "return_recall": hr / tr if tr else None,
        "return_events": tr,
    }
    for r in rows:
        print(
            f"{r['module']:<14} arg->param {r['arg_hits']}/{r['arg_events']} "
            f"return->call {r['return_hits']}/{r['return_events']} "
            f"(misses without a CALL edge {r['misses_without_call_edge']}, "
            f"unmatched call sites {r['unmatched_sites']})"
        )
    print(
        f"total          arg->param recall {summary['arg_recall']:.3f} ({ta} events), "
        f"return->call recall {summary['return_recall']:.3f} ({tr} events)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
