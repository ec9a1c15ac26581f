"""``codeanatomy-dagster``: register repositories as partitions and materialize through
Dagster from the command line (the same definitions the UI shows)."""

import argparse
import os
import sys
import traceback
from typing import NoReturn

import dagster as dg
import yaml

from codeanatomy_hamilton.core.messages import first_line

from .repos import RepoConfigError, dagster_home, load_repos, repos_file


def _instance() -> dg.DagsterInstance:
    os.environ.setdefault("DAGSTER_HOME", dagster_home())
    os.makedirs(os.environ["DAGSTER_HOME"], exist_ok=True)
    return dg.DagsterInstance.get()


def register(instance: dg.DagsterInstance) -> list[str]:
    """Add a dynamic partition for every configured repo; returns the repo ids."""
    from .partitions import repos_partitions

    ids = [r.id for r in load_repos()]
    existing = set(instance.get_dynamic_partitions(repos_partitions.name))
    new = [i for i in ids if i not in existing]
    if new:
        instance.add_dynamic_partitions(repos_partitions.name, new)
    return ids


def materialize(repo_id: str, selection: str | None, instance: dg.DagsterInstance) -> bool:
    from .definitions import defs

    register(instance)
    job = defs.resolve_implicit_global_asset_job_def()
    kwargs = {}
    if selection:
        kwargs["asset_selection"] = list(
            dg.AssetSelection.from_coercible(selection.split(",")).resolve(
                defs.resolve_asset_graph()
            )
        )
    result = job.execute_in_process(
        instance=instance, partition_key=repo_id, raise_on_error=False, **kwargs
    )
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        rows = mat.metadata.get("dagster/row_count")
        print(
            f"materialized {mat.asset_key.to_user_string()} [{repo_id}] rows={rows.value if rows else '-'}"
        )
    return result.success


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see {self.prog} --help)")


def main(argv: list[str] | None = None) -> int:
    """Every failure is one line on stderr and exit 2; ``--debug`` adds the traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        return _main([a for a in argv if a != "--debug"])
    except SystemExit:
        raise  # --help
    except BaseException as exc:  # noqa: BLE001 - one line, exit 2
        if debug:
            traceback.print_exc()
        line = first_line(exc)
        if not isinstance(exc, (_UsageError, RepoConfigError, OSError, ValueError)):
            line = f"{type(exc).__name__}: {line}"
        print(f"codeanatomy-dagster: error: {line}", file=sys.stderr)
        return 2


def _main(argv: list[str]) -> int:
    p = _Parser(prog="codeanatomy-dagster", description=__doc__)
    p.add_argument("--debug", action="store_true", help="print the traceback of a failure")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("register", help="add a partition for every configured repo")
    m = sub.add_parser("materialize", help="materialize the CPG assets of one repo")
    m.add_argument("--repo", default="sample", help="repo id (default: the embedded sample)")
    m.add_argument("--select", default=None, help="comma-separated asset keys, e.g. cpg/cpg_edges")
    args = p.parse_args(argv)
    try:
        load_repos()  # a bad repos file fails here, before the instance starts
    except yaml.YAMLError as exc:
        raise RepoConfigError(f"{repos_file()} is not valid YAML: {first_line(exc)}") from exc
    instance = _instance()
    if args.command == "register":
        print("\n".join(register(instance)))
        return 0
    ok = materialize(args.repo, args.select, instance)
    print(f"DAGSTER_HOME={os.environ['DAGSTER_HOME']}: run {'succeeded' if ok else 'FAILED'}")
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
