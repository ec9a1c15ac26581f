"""Every failure of both command lines is one line on stderr and exit status 2, never a
traceback (``--debug`` shows it); a full disk fails a build with one line and leaves
nothing of the build in the cache. Real processes, real mounts (tmpfs), real git."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .incremental_helpers import init_repo


def _run(*args: str, env: dict[str, str] | None = None, code: str | None = None):
    head = [sys.executable, "-c", code] if code else [sys.executable, "-m"]
    cmd = [*head, "codeanatomy_hamilton.cli", *args] if not code else [*head, *args]
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})}
    )


def _one_line(res: subprocess.CompletedProcess[str], prog: str = "codeanatomy") -> str:
    assert res.returncode == 2, (res.returncode, res.stderr)
    lines = res.stderr.strip("\n").split("\n")
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith(f"{prog}: error: "), lines[0]
    assert "Traceback" not in res.stderr
    return lines[0]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    init_repo(tmp_path / "repo", {"a.py": "import os\n\n\ndef f(x):\n    return os.sep + x\n"})
    return tmp_path / "repo"


@pytest.mark.parametrize(
    "args",
    [
        ["build"],  # a required argument missing
        ["bogus"],  # an unknown command
        ["sql", "--warehouse", "w", "SELECT 1", "--format", "xml"],  # a bad choice
        ["sql", "--warehouse", "w", "SELECT 1", "--timeout", "-3"],
    ],
)
def test_usage_errors_are_one_line(args: list[str]) -> None:
    _one_line(_run(*args))


def test_absurd_worker_count_is_one_line(repo: Path, tmp_path: Path) -> None:
    line = _one_line(
        _run("build", str(repo), "--warehouse", str(tmp_path / "wh"), "--workers", "9" * 20)
    )
    assert "--workers" in line


def test_dask_executor_without_the_extra_is_one_line(repo: Path, tmp_path: Path) -> None:
    # a process where importing dask fails, as it does without the extra installed
    code = (
        "import sys; sys.modules['dask'] = None; sys.modules['distributed'] = None; "
        "from codeanatomy_hamilton.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    res = _run(
        "build", str(repo), "--warehouse", str(tmp_path / "wh"), "--executor", "dask", code=code
    )
    assert "dask" in _one_line(res)


def test_debug_shows_the_traceback(repo: Path, tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['dask'] = None; sys.modules['distributed'] = None; "
        "from codeanatomy_hamilton.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    res = _run(
        "build",
        str(repo),
        "--warehouse",
        str(tmp_path / "wh"),
        "--executor",
        "dask",
        "--debug",
        code=code,
    )
    assert res.returncode == 2
    assert "Traceback" in res.stderr
    assert res.stderr.rstrip().split("\n")[-1].startswith("codeanatomy: error: ")


@contextmanager
def _tmpfs(path: Path, options: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True
    )
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False)


def _big_repo(root: Path) -> Path:
    body = "\n".join(
        f"def f{j}(x):\n    return [y * {j} for y in range(x) if y % 3]\n" for j in range(60)
    )
    init_repo(root, {f"m{i}.py": body for i in range(40)})
    return root


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_disk_full_in_the_cache_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    repo = _big_repo(tmp_path / "repo")
    with _tmpfs(tmp_path / "small", "size=512k") as cache:
        # an entry of an earlier build stays; only this build's entries go
        keep = cache / "other.bin"
        keep.write_bytes(b"x" * 1000)
        res = _run(
            "build", str(repo), "--warehouse", str(tmp_path / "wh"), "--fragment-cache", str(cache)
        )
        line = _one_line(res)
        assert line.startswith(f"codeanatomy: error: no space left on device writing {cache}/")
        assert _files(cache) == [keep]


def test_disk_full_in_the_warehouse_is_one_line(tmp_path: Path) -> None:
    repo = _big_repo(tmp_path / "repo")
    with _tmpfs(tmp_path / "small", "size=300k") as disk:
        res = _run(
            "build",
            str(repo),
            "--warehouse",
            str(disk / "wh"),
            "--fragment-cache",
            str(tmp_path / "cache"),
        )
        line = _one_line(res)
        assert line.startswith(f"codeanatomy: error: no space left on device writing {disk}/wh")


def test_read_only_fragment_cache_is_one_line(repo: Path, tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "ro", "size=1m,ro") as cache:
        res = _run(
            "build", str(repo), "--warehouse", str(tmp_path / "wh"), "--fragment-cache", str(cache)
        )
        assert "read-only file system" in _one_line(res)


@pytest.mark.parametrize(
    "text",
    [
        "repos: [\n",  # not YAML
        "repos:\n  - id: 'a b'\n    path: /x\n",  # an id that is not URL-safe
        "repos: 3\n",  # not a list
    ],
)
def test_register_with_a_bad_repos_file_is_one_line(tmp_path: Path, text: str) -> None:
    repos = tmp_path / "repos.yaml"
    repos.write_text(text)
    res = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "codeanatomy_assets.cli", "register"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CODEANATOMY_REPOS": str(repos), "DAGSTER_HOME": str(tmp_path)},
    )
    _one_line(res, "codeanatomy-dagster")


def test_a_killed_worker_is_one_line(tmp_path: Path) -> None:
    psutil = pytest.importorskip("psutil")
    body = "\n".join(
        f"def f{j}(x):\n    return [y * {j} for y in range(x) if y % 3]\n" for j in range(300)
    )
    repo = tmp_path / "repo"
    init_repo(repo, {f"m{i}.py": body for i in range(60)})
    cmd = [sys.executable, "-m", "codeanatomy_hamilton.cli", "build", str(repo)]
    cmd += ["--warehouse", str(tmp_path / "wh"), "--workers", "2"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    parent = psutil.Process(proc.pid)
    killed = None
    while killed is None and proc.poll() is None:
        for child in parent.children(recursive=True):
            try:
                if child.parent().pid != proc.pid:  # a worker (the pool's child)
                    child.kill()
                    killed = child.pid
                    break
            except psutil.NoSuchProcess:
                continue
    _, err = proc.communicate(timeout=300)
    assert killed is not None, "the build ended before a worker started"
    res = subprocess.CompletedProcess(cmd, proc.returncode, "", err)
    assert "worker process died" in _one_line(res)
