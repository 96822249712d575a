"""bench-days: generated days reduced to what VROOM expresses, ours and VROOM side by side."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dispatchopt import InputError, SolveParams, generate
from dispatchopt.bench_days import (
    DayRow,
    DaySide,
    expressible,
    format_days,
    parse_size,
    priority_verdict,
    run_days,
    summarize_days,
    write_days_csv,
)
from dispatchopt.cli import main


def test_expressible_drops_only_what_vroom_lacks() -> None:
    day = generate(30, 4, seed=2)
    reduced = expressible(day)
    assert all(t.due_by is None and not t.preferred_technicians for t in reduced.tickets)
    assert all(t.max_overtime == 0 for t in reduced.technicians)
    assert [t.time_windows for t in reduced.tickets] == [t.time_windows for t in day.tickets]
    assert [t.skills for t in reduced.technicians] == [t.skills for t in day.technicians]


def test_days_table_and_csv(tmp_path: Path) -> None:
    rows = run_days(
        [(20, 3)], SolveParams(time_limit=2, solution_limit=50), seeds=2, progress=False
    )
    assert [r.day for r in rows] == ["20x3#0", "20x3#1"]
    assert all(s.violations == 0 for r in rows for s in r.sides)
    assert "dispatchopt" in format_days(rows)
    write_days_csv(rows, tmp_path / "days.csv")
    with open(tmp_path / "days.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 2
    with pytest.raises(InputError, match="300x30"):
        parse_size("300 by 30")


def test_vroom_side_by_side_plans_pass_our_validator(tmp_path: Path) -> None:
    pytest.importorskip("vroom")
    out = tmp_path / "days.csv"
    assert (
        main(["bench-days", "30x4", "--time-limit", "2", "--reference", "vroom", "--csv", str(out)])
        == 0
    )
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["solver"] for r in rows] == ["dispatchopt", "vroom"]
    assert all(r["violations"] == "0" for r in rows)


def _side(solver: str, out: tuple[int, ...], cost: float) -> DaySide:
    return DaySide(
        solver=solver,
        assigned=100 - sum(out),
        unassigned_by_priority=out,
        cost=cost,
        travel_hours=1.0,
        violations=0,
        runtime=1.0,
    )


def test_priority_verdict_is_decided_at_the_highest_priority_that_differs() -> None:
    """Counts are LOW..CRITICAL: one high-priority ticket outweighs any number of lower ones."""
    ours = _side("dispatchopt", (0, 0, 1, 0, 0), 10.0)
    assert priority_verdict(ours, _side("vroom", (9, 9, 2, 0, 0), 10.0)) == "ours:H"
    assert priority_verdict(ours, _side("vroom", (9, 0, 0, 0, 0), 10.0)) == "theirs:H"
    assert priority_verdict(ours, _side("vroom", (3, 0, 1, 0, 0), 10.0)) == "ours:L"
    assert priority_verdict(ours, _side("vroom", (0, 0, 1, 0, 0), 10.0)) == "="


def test_days_summary_counts_cost_tickets_and_priority() -> None:
    def row(ours: DaySide, theirs: DaySide) -> DayRow:
        return DayRow(day="d", tickets=100, technicians=5, sides=(ours, theirs))

    rows = [
        # cheaper, more tickets, but a high-priority ticket more out: behind by priority
        row(_side("dispatchopt", (0, 0, 1, 0, 0), 9.0), _side("vroom", (5, 0, 0, 0, 0), 10.0)),
        # dearer, fewer normal-priority out: ahead by priority
        row(_side("dispatchopt", (4, 1, 0, 0, 0), 11.0), _side("vroom", (0, 2, 0, 0, 0), 10.0)),
        # cheaper, same counts
        row(_side("dispatchopt", (1, 1, 0, 0, 0), 9.0), _side("vroom", (1, 1, 0, 0, 0), 10.0)),
    ]
    assert summarize_days(rows, "vroom") == (
        "against vroom on 3 days: cheaper on 2, cheaper with as many tickets or more on 2; "
        "by priority ahead on 1, behind on 1, level on 1"
    )
    table = format_days(rows)
    assert "theirs:H" in table and "ours:N" in table
