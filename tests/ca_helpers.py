"""Small real git repositories for the plan, cache, check and Dagster tests."""

from __future__ import annotations

from pathlib import Path

from .git_helpers import git

FILES = {
    "pkg/__init__.py": "",
    "pkg/a.py": "import os\nfrom pkg import b\n\n\ndef f(x):\n    return b.g(x) + len(os.sep)\n",
    "pkg/b.py": "from pkg import a\n\n\ndef g(x):\n    return x * 2\n\n\ndef h():\n    return a.f(1) + g(2)\n",
    "main.py": "from pkg.b import h\n\nprint(h())\n",
}


def make_repo(root: Path, files: dict[str, str] | None = None) -> Path:
    """A git repo with one commit holding ``files`` (default: a small import cycle)."""
    repo = root / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q")
    write_files(repo, files or FILES)
    commit(repo, "init")
    return repo


def write_files(repo: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = repo / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def repos_yaml(root: Path, repo: Path, repo_id: str = "demo") -> Path:
    path = root / "repos.yaml"
    path.write_text(f"repos:\n  - id: {repo_id}\n    path: {repo}\n")
    return path
