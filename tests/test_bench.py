"""The benchmark runner: validated plans, gaps against the BKS, the table and the CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dispatchopt import SolveParams
from dispatchopt.bench import BenchRow, format_table, run_bench
from dispatchopt.cli import main
from tests.conftest import INSTANCES, needs_shared

pytestmark = needs_shared


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


def test_sdvrptw_gap_is_to_the_published_cost_at_full_precision() -> None:
    """A site-dependent instance (no bks.csv row) gets its BKS from the ``.sol`` Cost / 1000
    and is costed at full precision, so the gap cannot go below zero by rounding."""
    path = INSTANCES / "sdvrptw" / "PR01.vrp"
    (row,) = run_bench([path], SolveParams(time_limit=2), progress=None)
    cost = next(
        float(line.split()[1])
        for line in path.with_suffix(".sol").read_text().splitlines()
        if line.startswith("Cost")
    )
    assert row.feasible and row.violations == 0 and row.unassigned == 0
    assert row.bks == cost / 1000
    assert row.gap is not None and 0 <= row.gap < 15
    assert row.family == "PR01-10"
    assert "PR01-10      mean gap ours" in format_table([row])


@pytest.mark.parametrize(
    ("name", "family"),
    [("PR10", "PR01-10"), ("PR11", "PR11-24"), ("PR24A", "PR11-24A"), ("PR13B", "PR11-24B")],
)
def test_sdvrptw_families(name: str, family: str) -> None:
    assert _row(name).family == family


def _row(instance: str, cost: float = 1.0, bks: float = 1.0) -> BenchRow:
    """A feasible bench row built by hand."""
    return BenchRow(
        instance=instance,
        feasible=True,
        vehicles=10,
        cost=cost,
        bks=bks,
        runtime=1.0,
        violations=0,
        unassigned=0,
    )


def test_vroom_reference_refuses_site_dependent_instances() -> None:
    """VROOM is given identical vehicles; an SDVRPTW instance is refused with a clear error."""
    from dispatchopt.bench_reference import run_reference
    from dispatchopt.errors import InputError
    from dispatchopt.io.vrplib import read_vrplib

    path = INSTANCES / "sdvrptw" / "PR01.vrp"
    with pytest.raises(InputError, match="PR01 limits clients to some vehicles"):
        run_reference("vroom", path, read_vrplib(path), 1.0)


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


def test_reference_columns_in_table_and_csv(tmp_path: Path) -> None:
    """Reference rows (built by hand here) get a gap column, a family mean and CSV cells."""
    from dataclasses import replace

    from dispatchopt.bench import write_csv
    from dispatchopt.bench_reference import ReferenceRow

    row = _row("C101", cost=830.0, bks=827.3)
    ref = ReferenceRow(
        solver="vroom", feasible=True, vehicles=10, cost=827.3, runtime=0.5, violations=0
    )
    bad = replace(ref, solver="pyvrp", feasible=False)
    both = replace(row, references=(ref, bad))
    assert both.reference_gap("vroom") == pytest.approx(0.0)
    assert both.reference_gap("pyvrp") is None
    table = format_table([both])
    assert "vroom gap %" in table and "pyvrp gap %" in table
    assert "vroom   0.00 % (1/1 feasible)" in table and "pyvrp - % (0/1 feasible)" in table
    out = tmp_path / "rows.csv"
    write_csv([both], out)
    header, line = out.read_text().splitlines()
    assert header.endswith("vroom_feasible,vroom_cost,vroom_gap_pct")
    assert line.endswith("1,827.3,0.000")


@pytest.mark.parametrize(
    ("solver", "instance", "bks"),
    [
        ("pyvrp", "solomon/C101.vrp", 827.3),
        ("vroom", "solomon/C101.vrp", 827.3),
        # Vehicles differ (capacity, allowed clients): each route goes to the right one.
        ("pyvrp", "sdvrptw/PR01.vrp", 1655.42),
    ],
)
def test_reference_solver_plans_pass_our_validator(solver: str, instance: str, bks: float) -> None:
    """With the bench extra installed, each reference plan is validated and costed by us."""
    pytest.importorskip("pyvrp" if solver == "pyvrp" else "vroom")
    from dispatchopt.bench_reference import run_reference
    from dispatchopt.io.vrplib import read_vrplib

    path = INSTANCES / instance
    ref = run_reference(solver, path, read_vrplib(path), 1.0)
    assert ref.feasible and ref.violations == 0
    assert ref.cost == pytest.approx(bks, rel=0.05)


def test_pyvrp_reference_that_does_not_answer_in_time_gives_no_plan(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """PyVRP runs in a child process that is stopped at its cap; the row says so."""
    pytest.importorskip("pyvrp")
    from dispatchopt import bench_reference

    monkeypatch.setattr(bench_reference, "PYVRP_GRACE", 0.0)
    monkeypatch.setattr(bench_reference, "PYVRP_SLACK", 0.01)
    (row,) = run_bench(
        [INSTANCES / "solomon" / "C101.vrp"],
        SolveParams(time_limit=1),
        references=["pyvrp"],
        progress=sys.stderr,
    )
    (ref,) = row.references
    assert not ref.feasible and ref.note == "no answer within 0 s"
    assert row.reference_gap("pyvrp") is None
    assert "pyvrp: no answer within 0 s" in capsys.readouterr().err
