"""The ``codeanatomy`` command line (see the README; tables in docs/tables.md).

Every failure is one line on stderr (``codeanatomy: error: ...``) and exit status 2;
``--debug`` (anywhere on the command line) adds the traceback."""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import sys
import threading
import traceback
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import NoReturn

from codeanatomy_hamilton.build import BuildRequest, caused_by, run_build
from codeanatomy_hamilton.core.lock import BuildLockError
from codeanatomy_hamilton.core.messages import first_line
from codeanatomy_hamilton.core.settings import Settings, SettingsError
from codeanatomy_hamilton.flows import FlowError, find_flows, format_flows
from codeanatomy_hamilton.models import ModelError, load_models
from codeanatomy_hamilton.runtime.hooks import NodeExecutionError
from codeanatomy_hamilton.runtime.progress import terminal_progress
from codeanatomy_hamilton.scan.snapshot import ScanError
from codeanatomy_hamilton.security import FindingsError, find_findings, format_findings
from codeanatomy_hamilton.store.delta import WarehouseError
from codeanatomy_hamilton.store.sql import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    QueryError,
    stream,
    write_result,
)
from codeanatomy_hamilton.store.timetravel import versions_at

MAX_WORKERS = 4096


class UsageError(Exception):
    """A command line argparse rejected (one line, exit 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse with its errors as one line (no usage block) for ``main`` to print."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def _count(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not between {low} and {high}")
        return value

    return parse


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="codeanatomy",
        description="Code Property Graphs of Python repositories as Delta tables.",
    )
    p.add_argument(
        "--debug", action="store_true", help="print the traceback of a failure (anywhere)"
    )
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the CPG of a repository into a warehouse")
    b.add_argument(
        "repo", help="repository directory (git repo read at --ref, or a plain directory)"
    )
    b.add_argument(
        "--warehouse", required=True, help="folder holding one Delta table per CPG table"
    )
    b.add_argument("--ref", default="HEAD", help="git ref to read (default HEAD)")
    b.add_argument("--repo-id", default=None, help="repo id (default: the folder name of REPO)")
    b.add_argument(
        "--incremental", action="store_true", help="rebuild from the last successful build's commit"
    )
    b.add_argument(
        "--workers",
        type=_count(1, MAX_WORKERS),
        default=1,
        help="parallel extraction processes",
    )
    b.add_argument(
        "--executor",
        choices=["local", "processes", "dask"],
        default=None,
        help="where extraction runs (default: processes when --workers > 1)",
    )
    b.add_argument("--dask-address", default=None, help="Dask scheduler (default: a local cluster)")
    b.add_argument(
        "--source-root",
        action="append",
        default=[],
        help="extra import root, e.g. src (repeatable)",
    )
    b.add_argument(
        "--fragment-cache",
        default=None,
        metavar="DIR",
        help=(
            "where per-file fragments are kept between builds (default "
            "WAREHOUSE/.codeanatomy/extract-cache; '' keeps them only during the build)"
        ),
    )
    q = sub.add_parser("sql", help="run one read-only SQL query over a warehouse")
    q.add_argument("--warehouse", required=True)
    q.add_argument("query")
    q.add_argument("--format", choices=["table", "csv", "json"], default="table")
    q.add_argument("--at", default=None, help="query the CPG as built for this commit")
    q.add_argument(
        "--timeout",
        type=_positive,
        default=DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help=f"stop the query after this long (default {DEFAULT_TIMEOUT_S:g})",
    )
    q.add_argument(
        "--memory-limit",
        type=_positive,
        default=DEFAULT_MEMORY_MB,
        metavar="MB",
        help=(
            "memory for sorts, joins and aggregations; beyond it they spill to "
            f"WAREHOUSE/.codeanatomy/sql-spill (default {DEFAULT_MEMORY_MB})"
        ),
    )
    f = sub.add_parser("flows", help="value-flow paths between nodes (see docs/tables.md)")
    f.add_argument("--warehouse", required=True)
    f.add_argument("--repo-id", default=None, help="repo (default: the only one)")
    f.add_argument("--from", dest="source", required=True, metavar="SPEC")
    f.add_argument("--to", dest="target", required=True, metavar="SPEC")
    f.add_argument("--max-paths", type=int, default=10)
    f.add_argument("--max-depth", type=int, default=60, help="edges per path at most")
    f.add_argument(
        "--source",
        dest="source_dir",
        default=None,
        metavar="DIR",
        help="checkout of the repository, to print each step's code line",
    )
    f.add_argument("--format", choices=["table", "json"], default="table")
    s = sub.add_parser("findings", help="security findings (taint, API misuse) over the CPG")
    s.add_argument("--warehouse", required=True)
    s.add_argument("--repo-id", default=None, help="one repo (default: every repo)")
    s.add_argument("--rules", default=None, metavar="FILE", help="rules on top of the shipped")
    s.add_argument("--format", choices=["table", "json", "sarif"], default="table")
    s.add_argument("--min-severity", choices=["note", "warning", "error"], default=None)
    return p


def _fail(message: str) -> int:
    print(f"codeanatomy: error: {message}", file=sys.stderr)
    return 2


def cmd_build(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        return _fail(str(exc))
    req = BuildRequest(
        repo_path=args.repo,
        warehouse=args.warehouse,
        ref=args.ref,
        repo_id=args.repo_id,
        incremental=args.incremental,
        workers=args.workers,
        executor=args.executor,
        dask_address=args.dask_address,
        source_roots=args.source_root,
        extract_cache_dir=args.fragment_cache,
        settings=settings,
    )
    try:
        load_models(settings.models)  # a broken $CODEANATOMY_MODELS file is named before any work
        with terminal_progress(sys.stderr) as progress:
            req.progress = progress
            result = run_build(req)
    except (ScanError, WarehouseError, BuildLockError, ModelError) as exc:
        return _fail(str(exc))
    for warning in result.warnings:
        print(f"codeanatomy: warning: {warning}", file=sys.stderr)
    rows = ", ".join(f"{k}={v.rows}" for k, v in result.writes.items())
    print(
        f"built {result.repo_id} ({result.mode}) commit={result.commit or '-'} files={result.file_count} "
        f"lines={result.line_count} errors={result.error_count} in {result.seconds:.2f}s: {rows}"
    )
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    if not os.path.isdir(args.warehouse):
        return _fail(f"warehouse does not exist: {args.warehouse}")
    versions = None
    if args.at:
        try:
            versions = versions_at(args.warehouse, args.at)
        except LookupError as exc:
            return _fail(str(exc))
    batches = stream(
        args.warehouse,
        args.query,
        versions,
        timeout_s=args.timeout,
        memory_mb=args.memory_limit,
    )
    try:
        write_result(batches, args.format, sys.stdout)
    except QueryError as exc:
        sys.stdout.flush()
        return _fail(str(exc))
    return 0


def cmd_flows(args: argparse.Namespace) -> int:
    try:
        result = find_flows(
            args.warehouse,
            args.source,
            args.target,
            repo=args.repo_id,
            max_paths=args.max_paths,
            max_depth=args.max_depth,
            source_dir=args.source_dir,
        )
    except FlowError as exc:
        return _fail(str(exc))
    print(format_flows(result, args.format))
    return 0


def cmd_findings(args: argparse.Namespace) -> int:
    try:
        report = find_findings(
            args.warehouse, args.repo_id, rules_file=args.rules, min_severity=args.min_severity
        )
    except FindingsError as exc:
        return _fail(str(exc))
    print(format_findings(report, args.format))
    return 0


def describe_failure(exc: BaseException, warehouse: str | None = None) -> str:
    """One line for any failure of a command (``warehouse``: where a build writes)."""
    full = caused_by(exc, OSError)
    if full is not None and "no space left on device writing" in str(full):
        return str(full)  # a cache write (``sectioned.CacheWriteError``)
    if full is not None and full.errno == errno.ENOSPC:
        return f"no space left on device writing {full.filename or warehouse}"
    if "No space left on device" in str(exc):
        # the Delta writer's error names no file: the table its node writes
        node = getattr(caused_by(exc, NodeExecutionError), "node", "") or ""
        table = node.removesuffix("_written") if node.endswith("_written") else ""
        where = os.path.join(warehouse, table) if warehouse and table else warehouse
        return f"no space left on device writing {where or first_line(exc)}"
    if caused_by(exc, BrokenProcessPool) is not None:
        return (
            "a worker process died (killed, or out of memory) during the build; "
            "run it again, with fewer --workers if memory is short"
        )
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    plain = (UsageError, RuntimeError, ValueError, OSError, LookupError, QueryError)
    if isinstance(exc, plain) and not isinstance(exc, KeyError):
        return first_line(exc)
    return f"{type(exc).__name__}: {first_line(exc)}"


@contextlib.contextmanager
def _native_stderr_quiet() -> Iterator[None]:
    """Within the block, what native code writes to file descriptor 2 is dropped: a
    Rust panic in a Delta writer thread (a full disk) prints a dozen lines there, and a
    failure must be one line. Python's own ``sys.stderr`` still reaches the terminal.
    Only when ``sys.stderr`` is the process's descriptor 2 (not under a capture)."""
    try:
        real = sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):
        real = False
    if not real:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def drain() -> None:
        with contextlib.suppress(OSError):
            while os.read(read_end, 65536):
                pass

    # a daemon: worker processes may hold the pipe open after the command returns
    threading.Thread(target=drain, daemon=True).start()
    previous = sys.stderr
    sys.stderr = open(saved, "w", closefd=False, errors="backslashreplace")  # noqa: SIM115
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr = previous
        os.dup2(saved, 2)
        os.close(saved)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    args = None
    argv = [a for a in argv if a != "--debug"]
    if not debug:
        # Hamilton logs a failing node's traceback itself; the one line below says it
        logging.getLogger("hamilton").setLevel(logging.CRITICAL)
    try:
        args = _parser().parse_args(argv)
        with contextlib.nullcontext() if debug else _native_stderr_quiet():
            if args.command == "build":
                return cmd_build(args)
            if args.command == "flows":
                return cmd_flows(args)
            if args.command == "findings":
                return cmd_findings(args)
            return cmd_sql(args)
    except SystemExit:
        raise  # --help
    except BaseException as exc:  # noqa: BLE001 - every failure is one line, exit 2
        if debug:
            traceback.print_exc()
        return _fail(describe_failure(exc, getattr(args, "warehouse", None)))


if __name__ == "__main__":
    sys.exit(main())
