"""Score the call graph against the expected cases, per category.

Each case is written into a temporary directory (a tiny repo), every file goes
through ``extract_file`` and the set through ``resolve_repo``; each CALL edge becomes
(caller qualname, callee qualname) and is compared with the expected pairs in the
PyCG conventions (``<builtin>.x`` for builtins; constructors as their ``__init__``,
so CLASS targets are left out of the comparison).

    .venv/bin/python benchmarks/callgraph_score.py [-v]
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tests.callgraph_cases.cases import CASES  # noqa: E402
from tests.resolve_helpers import case_pairs, expected_pairs  # noqa: E402


def score(verbose: bool = False) -> dict[str, tuple[int, int, int]]:
    """category -> (true positives, found, expected)."""
    out: dict[str, tuple[int, int, int]] = {}
    for cat, cases in sorted(CASES.items()):
        tp = found = exp = 0
        for name, (files, expected) in sorted(cases.items()):
            got = case_pairs(files)
            want = expected_pairs(expected)
            tp += len(got & want)
            found += len(got)
            exp += len(want)
            if verbose and got != want:
                print(f"  {cat}/{name}: missing {sorted(want - got)} extra {sorted(got - want)}")
        out[cat] = (tp, found, exp)
    return out


def main() -> None:
    res = score("-v" in sys.argv)
    print(f"{'category':<14} {'precision':>9} {'recall':>7}  tp/found/expected")
    T = F = E = 0
    for cat, (tp, f, e) in res.items():
        T, F, E = T + tp, F + f, E + e
        print(f"{cat:<14} {tp / f if f else 1:9.3f} {tp / e if e else 1:7.3f}  {tp}/{f}/{e}")
    print(f"{'TOTAL':<14} {T / F if F else 1:9.3f} {T / E if E else 1:7.3f}  {T}/{F}/{E}")


if __name__ == "__main__":
    main()
