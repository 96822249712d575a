"""bench-days: generated days reduced to what VROOM expresses, ours and VROOM side by side."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dispatchopt import InputError, SolveParams, generate
from dispatchopt.bench_days import expressible, format_days, parse_size, run_days, write_days_csv
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
