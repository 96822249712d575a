"""Pre-solve diagnosis: each reason code for a ticket nobody could ever serve."""

from __future__ import annotations

from typing import Any

import pytest

from dispatchopt import TimeWindow, solve
from dispatchopt.eligibility import compute_eligibility
from tests.conftest import FAST, H, assert_valid, make_problem, tech, ticket


@pytest.mark.parametrize(
    ("techs", "tkt", "reason", "words"),
    [
        (
            [tech("A", skills={"hvac": 1})],
            ticket("T", 1, skills={"hvac": 2}),
            "skills",
            "skill 'hvac' >= 2 (best: 1 with A)",
        ),
        (
            [tech("A"), tech("B")],
            ticket("T", 1, excluded_technicians=frozenset({"A", "B"})),
            "technician_rules",
            "excluded",
        ),
        (
            [tech("A", skills={"x": 1}), tech("B")],
            ticket("T", 1, skills={"x": 1}, required_technicians=frozenset({"B"})),
            "technician_rules",
            "only ['B']",
        ),
        (
            [tech("A", stock={"pump": 1})],
            ticket("T", 1, parts={"pump": 2}),
            "parts",
            "part 'pump' >= 2",
        ),
        ([tech("A")], ticket("T", 1, load={"kg": 5}), "load", "load 'kg' >= 5"),
        ([tech("A", max_jobs=0)], ticket("T", 1), "max_tasks", "max_jobs = 0"),
        (
            [tech("A", start=8 * H, end=12 * H)],
            ticket("T", 1, time_windows=(TimeWindow(start=13 * H, end=14 * H),)),
            "outside_shifts",
            "13:00-14:00",
        ),
        (
            [tech("A", home=0, start=8 * H, end=17 * H)],
            ticket("T", 9, time_windows=(TimeWindow(start=8 * H, end=9 * H),)),
            "unreachable",
            "can travel there",
        ),
        (
            [tech("A", home=0, max_working_time=H)],
            ticket("T", 3, duration=30 * 60),
            "max_working_time",
            "max working time",
        ),
        (
            [tech("A", home=0, max_travel_time=30 * 60)],
            ticket("T", 3),
            "max_travel_time",
            "max travel time",
        ),
        ([tech("A", home=0, max_distance=4000)], ticket("T", 3), "max_distance", "max distance"),
    ],
)
def test_reason_codes(techs: Any, tkt: Any, reason: str, words: str) -> None:
    """A ticket failing one pre-solve check is unassigned with that reason, and the plan goes on."""
    p = make_problem(
        [*techs],
        [tkt, ticket("ok", 1, required_technicians=frozenset({techs[0].id}))]
        if reason not in {"max_tasks"}
        else [tkt],
    )
    elig = compute_eligibility(p)
    assert elig.reasons[0].reason == reason
    assert words in elig.reasons[0].message
    result = solve(p, FAST)
    assert_valid(p, result)
    assert result.unassigned[0].reason == reason
    if len(p.tickets) == 2 and reason not in {
        "max_working_time",
        "max_travel_time",
        "max_distance",
    }:
        assert result.route_of("ok") is not None


def test_eligible_vehicle_matrix() -> None:
    """Only shifts passing all checks are marked allowed."""
    p = make_problem(
        [
            tech("A", skills={"hvac": 2}),
            tech("B", skills={"hvac": 1}),
            tech("C", skills={"hvac": 3}, stock={}),
        ],
        [ticket("T", 1, skills={"hvac": 2})],
    )
    assert compute_eligibility(p).allowed.tolist() == [[True, False, True]]
