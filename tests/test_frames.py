"""pandas in and out: CRM-style frames to a problem, results to frames, column errors."""

from __future__ import annotations

import pandas as pd
import pytest

from dispatchopt import InputError, Problem, SolveParams, solve
from dispatchopt.io.frames import problem_from_frames
from tests.conftest import assert_valid

ORIGIN = pd.Timestamp("2026-11-23T00:00+01:00").to_pydatetime()


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    techs = pd.DataFrame(
        {
            "id": ["alice", "bob"],
            "lat": [45.76, 45.74],
            "lon": [4.83, 4.88],
            "shift_start": ["2026-11-23T08:00+01:00"] * 2,
            "shift_end": ["2026-11-23T17:00+01:00"] * 2,
            "lunch_start": ["2026-11-23T12:00+01:00", None],
            "lunch_end": ["2026-11-23T14:00+01:00", None],
            "skills": ["hvac:2; electrical", "plumbing"],
            "stock": ["filter:2", ""],
            "cost_per_hour": [35.0, 30.0],
        }
    )
    tickets = pd.DataFrame(
        {
            "id": ["T-1", "T-2", "T-3"],
            "lat": [45.77, 45.75, 45.78],
            "lon": [4.85, 4.87, 4.82],
            "duration_min": [60, 45, 30],
            "window_start": [None, "2026-11-23T13:00+01:00", None],
            "window_end": [None, "2026-11-23T15:00+01:00", None],
            "priority": ["high", "normal", "critical"],
            "skills": ["hvac:2", "plumbing", "electrical"],
            "parts": ["filter:1", None, None],
        }
    )
    return tickets, techs


def test_frames_to_problem_and_back() -> None:
    """CRM frames build a problem that plans validly; the result exports one row per stop."""
    tickets, techs = _frames()
    p = problem_from_frames(tickets, techs, origin=ORIGIN)
    assert p.technicians[0].skills == {"hvac": 2, "electrical": 1}
    assert p.tickets[1].time_windows[0].start == 13 * 3600
    r = solve(p, SolveParams(time_limit=1))
    assert_valid(p, r)
    frame = r.to_frame()
    visits = frame[frame["type"] == "visit"]
    assert sorted(visits["ticket"]) == ["T-1", "T-2", "T-3"]
    assert set(frame["type"]) >= {"start", "visit", "end", "break"}
    assert (
        frame.groupby("technician")["seq"].apply(lambda s: list(s) == list(range(len(s))))
    ).all()
    kpis = r.kpi_frame()
    assert list(kpis["technician"]) == ["alice", "bob"] and kpis["jobs"].sum() == 3


def test_missing_column() -> None:
    """A frame without a required column is named with the columns it has."""
    tickets, techs = _frames()
    with pytest.raises(InputError, match=r"tickets frame: missing column\(s\) \['lat'\]"):
        problem_from_frames(tickets.drop(columns=["lat"]), techs, origin=ORIGIN)


def test_mistyped_cell_names_row_id_and_column() -> None:
    """A bad cell names the frame, row number, id and column."""
    tickets, techs = _frames()
    tickets["duration_min"] = tickets["duration_min"].astype(object)
    tickets.loc[2, "duration_min"] = "half an hour"
    with pytest.raises(
        InputError, match=r"tickets row 2 'T-3': column 'duration_min': 'half an hour' is not valid"
    ):
        problem_from_frames(tickets, techs, origin=ORIGIN)


def test_naive_time_rejected() -> None:
    """A shift time without timezone is rejected naming the technician row."""
    tickets, techs = _frames()
    techs.loc[1, "shift_start"] = "2026-11-23T08:00"
    with pytest.raises(
        InputError, match=r"technicians row 1 'bob': column 'shift_start'.*needs a timezone"
    ):
        problem_from_frames(tickets, techs, origin=ORIGIN)


def test_window_error_names_ticket_row() -> None:
    """A window ending before it starts names the ticket row."""
    tickets, techs = _frames()
    tickets.loc[1, "window_end"] = "2026-11-23T12:00+01:00"
    with pytest.raises(InputError, match=r"tickets row 1 'T-2': end 12:00 is before start 13:00"):
        problem_from_frames(tickets, techs, origin=ORIGIN)


def test_empty_result_frame(field_day: Problem) -> None:
    """Unused routes contribute no rows; columns are stable."""
    r = solve(field_day, SolveParams(time_limit=1))
    frame = r.to_frame()
    assert list(frame.columns)[:4] == ["technician", "shift", "seq", "type"]
    assert len(frame[frame["type"] == "visit"]) == r.kpis.assigned
