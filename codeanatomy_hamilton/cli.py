"""The ``codeanatomy`` command line (see the README; tables in docs/tables.md)."""

from __future__ import annotations

import argparse
import os
import sys

from .build import BuildRequest, run_build
from .lock import BuildLockError
from .progress import terminal_progress
from .scan import ScanError
from .sql import QueryError, format_table, query
from .store import WarehouseError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="codeanatomy",
        description="Code Property Graphs of Python repositories as Delta tables.",
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
    b.add_argument("--workers", type=int, default=1, help="parallel extraction processes")
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
    )
    from .models import ModelError, load_models

    try:
        load_models()  # a broken $CODEANATOMY_MODELS file is named before any work
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
        from .timetravel import versions_at

        try:
            versions = versions_at(args.warehouse, args.at)
        except LookupError as exc:
            return _fail(str(exc))
    try:
        table = query(args.warehouse, args.query, versions)
    except QueryError as exc:
        return _fail(str(exc))
    print(format_table(table, args.format))
    return 0


def cmd_flows(args: argparse.Namespace) -> int:
    from .flows import FlowError, find_flows, format_flows

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
    from .security import FindingsError, find_findings, format_findings

    try:
        report = find_findings(
            args.warehouse, args.repo_id, rules_file=args.rules, min_severity=args.min_severity
        )
    except FindingsError as exc:
        return _fail(str(exc))
    print(format_findings(report, args.format))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "findings":
        return cmd_findings(args)
    if args.command == "build":
        return cmd_build(args)
    if args.command == "flows":
        return cmd_flows(args)
    return cmd_sql(args)


if __name__ == "__main__":
    sys.exit(main())
