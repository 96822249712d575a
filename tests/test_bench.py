"""The benchmark runner: validated plans, gaps against the BKS, the table and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatchopt import SolveParams
from dispatchopt.bench import format_table, run_bench
from dispatchopt.cli import main

INSTANCES = Path(__file__).resolve().parents[2] / "shared" / "instances"
pytestmark = pytest.mark.skipif(not INSTANCES.exists(), reason="../shared/instances not present")


def test_bench_rc105_feasible_with_real_gap(tmp_path: Path) -> None:
    """RC105 (where naive PATH_CHEAPEST_ARC finds nothing) is solved, validated, gap >= 0."""
    out = tmp_path / "rows.csv"
    (row,) = run_bench(
        [INSTANCES / "solomon" / "RC105.vrp"],
        SolveParams(time_limit=2),
        csv_path=out,
        progress=None,
    )
    assert row.feasible and row.violations == 0 and row.unassigned == 0
    assert row.bks == 1513.7
    assert row.gap is not None and -0.01 <= row.gap < 15
    assert "RC105" in out.read_text()
    table = format_table([row])
    assert "RC1" in table and "overall" in table


def test_cli_bench_and_solve_vrp(capsys: pytest.CaptureFixture[str]) -> None:
    """`bench` prints the table; `solve` accepts a .vrp file."""
    assert main(["bench", str(INSTANCES / "solomon" / "C101.vrp"), "--time-limit", "1"]) == 0
    assert "C1           mean gap" in capsys.readouterr().out
    assert main(["solve", str(INSTANCES / "solomon" / "C101.vrp"), "--time-limit", "1", "-q"]) == 0


def test_cli_bench_seeds_write_all_rows(tmp_path: Path) -> None:
    """`--seeds 2 --csv` runs each instance twice and writes both rows."""
    out = tmp_path / "rows.csv"
    assert (
        main(
            [
                "bench",
                str(INSTANCES / "solomon" / "C101.vrp"),
                "--time-limit",
                "1",
                "--seeds",
                "2",
                "--csv",
                str(out),
            ]
        )
        == 0
    )
    lines = out.read_text().splitlines()
    assert len(lines) == 3 and all(line.startswith("C101") for line in lines[1:])
