"""Build progress: each stage's start and end with counts in the Dagster run log, and a
progress bar on the CLI's stderr only when it is a terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import dagster as dg

from codeanatomy_assets.cpg_assets import cpg_tables
from codeanatomy_assets.public import default_resources
from codeanatomy_assets.resources import CodeAnatomyResource
from tests.ca_helpers import make_repo, repos_yaml

# the CLI with the bar's delay at 0 s, so a small build shows it if it is allowed to
CLI = (
    "import sys, codeanatomy_hamilton.runtime.progress as p, codeanatomy_hamilton.cli as c; "
    "p.SHOW_AFTER_S = 0.0; sys.exit(c.main(sys.argv[1:]))"
)


def test_run_log_shows_each_stage_with_counts(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    res = CodeAnatomyResource(
        warehouse=str(tmp_path / "wh"),
        cache_dir=str(tmp_path / "cache"),
        repos_file=str(repos_yaml(tmp_path, repo, "demo")),
        use_cache=False,
    )
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("repos", ["demo"])
        result = dg.materialize(
            [cpg_tables], partition_key="demo", instance=instance, resources=default_resources(res)
        )
        assert result.success
        messages = [
            e.user_message for e in instance.all_logs(result.run_id) if e.dagster_event is None
        ]
        written = 0
        for event in result.get_asset_materialization_events():
            mat = event.event_specific_data.materialization
            if mat.asset_key.path[-1] != "run_manifest":  # written after the dataflow
                written += mat.metadata["codeanatomy/rows_written"].value
    log = "\n".join(messages)
    for line in (
        "scan: reading the repository tree",
        "scan: 4 Python files, 0 skipped",
        "extract: 4 files, 0 from the fragment cache, 4 to parse",
        "extract: 4 files (4 parsed, 0 cached), 0 extract errors",
        "resolve: cross-file resolution",
        "store: writing 8 table(s)",
        f"store: 8 tables written, {written} rows",
        "built demo: full build (no previous successful build of this repo)",
    ):
        assert line in log, line
    assert "rounds" in log and "points-to facts" in log


def _run_cli(args: list[str], tty: bool) -> tuple[int, str]:
    cmd = [sys.executable, "-c", CLI, *args]
    if not tty:
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        return res.returncode, res.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_cli_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    args = ["build", str(repo), "--warehouse", str(tmp_path / "wh"), "--repo-id", "demo"]
    code, stderr = _run_cli(args, tty=True)
    assert code == 0, stderr
    assert "store: " in stderr and "━" in stderr  # rich's bar, with the stage's counts
    code, stderr = _run_cli([*args[:3], str(tmp_path / "wh2"), *args[4:]], tty=False)
    assert code == 0, stderr
    assert stderr == ""
