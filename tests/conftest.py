"""Shared fixtures: real git repositories made with the git CLI in temp dirs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .git_helpers import git


def write_files(root: Path, files: dict[str, bytes | str]) -> None:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode() if isinstance(content, str) else content)


def make_git_repo(root: Path, files: dict[str, bytes | str], message: str = "init") -> str:
    """Create a git repo at ``root`` with ``files`` committed; returns the commit sha."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write_files(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


SAMPLE_FILES: dict[str, bytes | str] = {
    "pkg/__init__.py": '"""A package."""\nfrom .core import Base, helper\n',
    "pkg/core.py": (
        '"""Core."""\nimport os\n\n\nclass Base:\n    """Base class."""\n\n'
        "    def run(self, x: int = 1) -> int:\n        return helper(x)\n\n\n"
        "def helper(n):\n    return len(os.sep) + n\n"
    ),
    "pkg/sub/__init__.py": "",
    "pkg/sub/child.py": (
        "from ..core import Base\nfrom .. import core\n\n\nclass Child(Base):\n"
        "    @staticmethod\n    def make():\n        return Child()\n\n"
        "    def run(self, x=2):\n        return super().run(x) + core.helper(1)\n"
    ),
    "main.py": "from pkg.sub.child import Child\n\nif __name__ == '__main__':\n    print(Child.make().run())\n",
    "broken.py": "def oops(:\n    pass\n",
    "latin.py": '# -*- coding: latin-1 -*-\nNAME = "caf\xe9"\n'.encode("latin-1"),
    "README.md": "not python\n",
}


@pytest.fixture
def sample_git_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "samplerepo"
    make_git_repo(repo, SAMPLE_FILES)
    return repo


@pytest.fixture
def git_repo_factory(tmp_path: Path) -> Callable[[str, dict[str, bytes | str]], Path]:
    def factory(name: str, files: dict[str, bytes | str]) -> Path:
        repo = tmp_path / name
        make_git_repo(repo, files)
        return repo

    return factory
