"""Native JSON: round trips, and bad documents rejected naming record and field."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

import pytest

from dispatchopt import Break, InputError, Problem, SolveParams, solve, validate
from dispatchopt.io import problem_from_dict, problem_to_dict, result_from_dict, result_to_dict
from tests.conftest import H, make_problem, tech, ticket


def test_problem_round_trip(field_day: Problem) -> None:
    """problem -> JSON -> problem gives an equal problem (and equal JSON again)."""
    doc = json.loads(json.dumps(problem_to_dict(field_day)))
    back, options = problem_from_dict(doc)
    assert options is None
    assert back.tickets == field_day.tickets
    assert back.technicians == field_day.technicians
    assert back.origin == field_day.origin
    assert problem_to_dict(back) == doc


def test_matrix_problem_round_trip_with_options() -> None:
    """Matrix travel and solve options survive the round trip."""
    p = make_problem([tech("A", skills={"x": 2})], [ticket("T", 3, skills={"x": 1})])
    params = SolveParams(time_limit=2, solution_limit=5, seed=3, operators={"path_lns": True})
    back, options = problem_from_dict(json.loads(json.dumps(problem_to_dict(p, params))))
    assert options == params
    assert back.tickets == p.tickets
    assert (
        back.travel.matrices(back.location_table.locations).duration == p.travel_matrices.duration
    ).all()


def test_result_round_trip_validates(field_day: Problem) -> None:
    """A schedule written to JSON and read back is equal and still valid."""
    r = solve(field_day, SolveParams(time_limit=1))
    back = result_from_dict(json.loads(json.dumps(result_to_dict(r))), field_day)
    assert back.routes == r.routes
    assert back.unassigned == r.unassigned
    assert back.kpis == r.kpis
    assert validate(field_day, back) == []


def _doc() -> dict[str, Any]:
    return {
        "origin": "2026-11-23T00:00:00+01:00",
        "technicians": [
            {
                "id": "A",
                "start": {"lat": 45.76, "lon": 4.83},
                "shifts": [
                    {
                        "start": "2026-11-23T08:00:00+01:00",
                        "end": "2026-11-23T17:00:00+01:00",
                        "breaks": [
                            {
                                "id": "lunch",
                                "start": "2026-11-23T12:00:00+01:00",
                                "end": "2026-11-23T14:00:00+01:00",
                                "duration": "PT30M",
                            }
                        ],
                    }
                ],
            }
        ],
        "tickets": [
            {"id": "T-0001", "location": [4.84, 45.77], "duration": "PT45M"},
            {
                "id": "T-0042",
                "location": {"lat": 45.75, "lon": 4.85},
                "duration": 1800,
                "time_windows": [
                    {"start": "2026-11-23T09:00:00+01:00", "end": "2026-11-23T11:00:00+01:00"}
                ],
                "priority": "high",
                "skills": {"hvac": 1},
            },
        ],
    }


def test_minimal_document_solves() -> None:
    """A hand-written document with ISO durations and [lon, lat] locations plans validly."""
    p, _ = problem_from_dict(_doc())
    assert p.tickets[0].duration == 45 * 60 and p.tickets[0].location.lat == 45.77
    r = solve(p, SolveParams(time_limit=1))
    assert validate(p, r) == []


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ("tickets", 1, "time_windows", 0, "end"),
            "2026-11-23T08:00:00+01:00",
            "tickets[1] 'T-0042': time_windows[0]: end 08:00 is before start 09:00",
        ),
        (
            ("tickets", 1, "duration"),
            "forty minutes",
            "tickets[1] 'T-0042': duration: duration must be",
        ),
        (
            ("tickets", 1, "priority"),
            "vip",
            "tickets[1] 'T-0042': priority: priority must be one of",
        ),
        (("tickets", 1, "duraton"), 5, "tickets[1] 'T-0042': unknown field(s) ['duraton']"),
        (
            ("tickets", 0, "location"),
            {"lat": 99, "lon": 0},
            "tickets[0] 'T-0001': location: lat 99",
        ),
        (
            ("tickets", 1, "due_by"),
            "2026-11-23T08:00:00",
            "tickets[1] 'T-0042': due_by: time needs a UTC offset",
        ),
        (
            ("technicians", 0, "shifts", 0, "breaks", 0, "duration"),
            "PT3H",
            "technicians[0] 'A' shifts[0] breaks[0]: window 12:00-14:00 is shorter than its duration 3h00",
        ),
        (("technicians", 0, "max_jobs"), "ten", "technicians[0] 'A': max_jobs: must be an integer"),
        (("technicians", 0, "skills"), "hvac", "technicians[0] 'A': skills: must be an object"),
        (("origin",), "tomorrow", "problem: origin: origin is not an ISO-8601 datetime"),
    ],
)
def test_bad_document(path: tuple[Any, ...], value: Any, expected: str) -> None:
    """A bad field in a JSON document names its list position, id and field."""
    doc = copy.deepcopy(_doc())
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(InputError) as info:
        problem_from_dict(doc)
    assert expected in str(info.value)


def test_missing_required_field() -> None:
    """A ticket without a location is named."""
    doc = _doc()
    del doc["tickets"][0]["location"]
    with pytest.raises(InputError, match=r"tickets\[0\] 'T-0001': field 'location' is missing"):
        problem_from_dict(doc)


def test_break_with_several_windows_round_trips() -> None:
    """A lunch with two alternative windows is written as time_windows and read back equal."""
    lunch = Break(windows=((11 * H, 12 * H), (14 * H, 15 * H)), duration=1800, id="lunch")
    p = make_problem([tech("A", breaks=(lunch,))], [ticket("T", 3)])
    doc = json.loads(json.dumps(problem_to_dict(p)))
    (brk,) = doc["technicians"][0]["shifts"][0]["breaks"]
    assert len(brk["time_windows"]) == 2 and "start" not in brk
    back, _ = problem_from_dict(doc)
    assert back.technicians == p.technicians


def test_open_routes_and_speed_factor_round_trip() -> None:
    """open_start / open_end (with or without locations), speed_factor, pickup survive JSON."""
    open_both = replace(tech("A", speed_factor=1.25), start=None, open_start=True, open_end=True)
    open_end = replace(tech("B", home=4), open_end=True)
    p = make_problem([open_both, open_end], [ticket("T", 3, load={"kg": 1}, pickup={"kg": 2})])
    doc = json.loads(json.dumps(problem_to_dict(p)))
    assert doc["technicians"][0]["open_start"] is True and "start" not in doc["technicians"][0]
    back, _ = problem_from_dict(doc)
    assert back.technicians == p.technicians and back.tickets == p.tickets
    result = solve(back, SolveParams(time_limit=1))
    assert validate(back, result) == []
