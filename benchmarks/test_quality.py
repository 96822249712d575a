"""A small, deterministic quality run CI can afford: gap to BKS under a solution limit.

Run for figures: pytest benchmarks/test_quality.py --benchmark-enable --benchmark-only
(gaps are stored in each benchmark's extra_info). The full runs use `dispatchopt bench`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dispatchopt import SolveParams
from dispatchopt.bench import load_bks, run_instance

SOLOMON = Path(__file__).resolve().parents[2] / "shared" / "instances" / "solomon"
pytestmark = pytest.mark.skipif(not SOLOMON.exists(), reason="../shared/instances not present")


@pytest.mark.parametrize("name", ["C101", "R101", "RC105"])
def test_quality_solution_limit(benchmark: Any, name: str) -> None:
    """Deterministic run (150 solutions): every client served, plan valid, gap recorded."""
    path = SOLOMON / f"{name}.vrp"
    bks = load_bks(None, [path])
    params = SolveParams(time_limit=60, solution_limit=150)
    row = benchmark.pedantic(run_instance, args=(path, params, bks), rounds=1, iterations=1)
    benchmark.extra_info["gap_pct"] = row.gap
    assert row.feasible and row.violations == 0
    assert row.gap is not None and 0 <= row.gap < 25
