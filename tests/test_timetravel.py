"""``sql --at COMMIT`` reads the CPG as it was built for that commit."""

from __future__ import annotations

from pathlib import Path

from codeanatomy_hamilton.cli import main as cli_main
from codeanatomy_hamilton.core.schema import CPG_TABLES
from codeanatomy_hamilton.store.timetravel import versions_at

from .incremental_helpers import assert_same_cpg, build, commit, init_repo


def test_every_commit_reads_back_as_built(tmp_path: Path, capsys) -> None:
    repo = tmp_path / "repo"
    c1 = init_repo(repo, {"a.py": "def f():\n    return 1\n", "b.py": "import a\n"})
    inc = tmp_path / "inc"
    build(repo, inc, incremental=True)
    c2 = commit(repo, {"c.py": "from a import f\n\nf()\n"})
    build(repo, inc, incremental=True)
    c3 = commit(repo, {"a.py": "def g():\n    return 2\n"}, delete=("b.py",))
    build(repo, inc, incremental=True)

    for sha in (c1, c2):
        versions = versions_at(str(inc), sha)
        # every table's version is recorded, including tables a build did not rewrite
        assert set(CPG_TABLES) <= set(versions)
        # the warehouse at those versions equals a fresh full build of that commit
        full = tmp_path / f"full-{sha[:7]}"
        build(repo, full, ref=sha)
        assert_same_cpg(inc, full, versions_a=versions)

    assert (
        cli_main(
            [
                "sql",
                "--warehouse",
                str(inc),
                "--format",
                "csv",
                "--at",
                c1[:10],
                "SELECT path FROM file_index ORDER BY path",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.split() == ["path", "a.py", "b.py"]
    assert (
        cli_main(
            [
                "sql",
                "--warehouse",
                str(inc),
                "--format",
                "csv",
                "--at",
                c3,
                "SELECT path FROM file_index ORDER BY path",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.split() == ["path", "a.py", "c.py"]
    assert cli_main(["sql", "--warehouse", str(inc), "--at", "0000000", "SELECT 1"]) != 0
    assert "no successful build" in capsys.readouterr().err
