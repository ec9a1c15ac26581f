"""``core.memory.small_pages``: transparent huge pages off for the process while a
stage runs, the previous setting restored afterwards (Linux; a no-op elsewhere)."""

from __future__ import annotations

import sys

import pytest

from codeanatomy_hamilton.core import memory

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or memory._prctl() is None, reason="Linux prctl only"
)


def _thp_disabled() -> int:
    prctl = memory._prctl()
    assert prctl is not None
    return prctl(memory._PR_GET_THP_DISABLE, 0, 0, 0, 0)


def test_off_inside_and_restored_after() -> None:
    assert _thp_disabled() == 0
    with memory.small_pages():
        assert _thp_disabled() == 1
    assert _thp_disabled() == 0


def test_restored_when_the_stage_fails() -> None:
    with pytest.raises(RuntimeError), memory.small_pages():
        raise RuntimeError("stage failed")
    assert _thp_disabled() == 0


def test_a_process_with_huge_pages_off_keeps_them_off() -> None:
    prctl = memory._prctl()
    assert prctl is not None
    assert prctl(memory._PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0
    try:
        with memory.small_pages():
            assert _thp_disabled() == 1
        assert _thp_disabled() == 1  # not switched on by the stage
    finally:
        prctl(memory._PR_SET_THP_DISABLE, 0, 0, 0, 0)
