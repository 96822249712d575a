"""Explanations: every suggested fix, once applied, really gets the ticket scheduled."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from dispatchopt import Problem, Result, SolveParams, TimeWindow, solve, validate
from dispatchopt.explain import explain
from dispatchopt.insertion import apply_candidate
from dispatchopt.plan import time_routes
from tests.conftest import MIN, H, assert_valid, make_problem, solve_valid, tech, ticket
from tests.test_properties import problems


def _fix_really_works(problem: Problem, plan: Result, ticket_id: str) -> list[str]:
    """Apply each fix; the witness insertion validates and a fresh solve schedules it."""
    explanation = explain(problem, plan, ticket_id)
    for fix in explanation.fixes:
        fixed = fix.apply(problem)
        assert_valid(fixed, apply_candidate(fixed, plan, fix.candidate, ticket_id))
        again = solve_valid(fixed)
        assert again.route_of(ticket_id) is not None, fix.description
    return [f.description for f in explanation.fixes]


def test_window_too_early_suggests_widening_it() -> None:
    problem = make_problem(
        [tech("A", home=0, start=8 * H, end=17 * H)],
        [ticket("X", 6, time_windows=(TimeWindow(start=7 * H, end=8 * H),))],
    )
    plan = solve_valid(problem)
    assert plan.unassigned
    e = explain(problem, plan, "X")
    assert e.reason == "time_window"
    assert e.fixes[0].kind == "widen_window"
    assert "to end at 09:00" in e.fixes[0].description  # 8:00 + 60 min drive
    _fix_really_works(problem, plan, "X")


def test_short_shift_suggests_the_overtime_needed() -> None:
    problem = make_problem(
        [tech("A", home=0, start=8 * H, end=10 * H)], [ticket("X", 1, duration=2 * H)]
    )
    plan = solve_valid(problem)
    e = explain(problem, plan, "X")
    assert e.reason == "shift_end"
    assert [f.changes for f in e.fixes] == [("worked 20min overtime (shift ends 10:00)",)]
    _fix_really_works(problem, plan, "X")


def test_parts_and_skills_fixes_are_ranked_smallest_first() -> None:
    problem = make_problem(
        [
            tech("SKILLED", home=0, skills={"gas": 2}),
            tech("STOCKED", home=0, skills={"gas": 1}, stock={"valve": 1}),
        ],
        [ticket("X", 2, skills={"gas": 2}, parts={"valve": 1})],
    )
    plan = solve_valid(problem)
    e = explain(problem, plan, "X")
    assert {r.technician_id: r.reason for r in e.rejections} == {
        "SKILLED": "parts",
        "STOCKED": "skills",
    }
    assert [f.technician_id for f in e.fixes] == ["SKILLED", "STOCKED"]
    assert "carried 1 x valve more" in e.fixes[0].description
    assert "had gas >= 2" in e.fixes[1].description
    _fix_really_works(problem, plan, "X")


def test_full_route_suggests_more_jobs() -> None:
    problem = make_problem(
        [tech("A", home=0, max_jobs=1)],
        [ticket("X", 1, duration=30 * MIN), ticket("Y", 2, duration=30 * MIN)],
    )
    plan = time_routes(problem, [("A", 0, ["X"])])
    e = explain(problem, plan, "Y")
    assert e.reason == "max_tasks"
    assert e.fixes[0].changes == ("did 2 jobs (max_jobs 1)",)
    _fix_really_works(problem, plan, "Y")


def test_ticket_that_fits_says_so() -> None:
    problem = make_problem([tech("A")], [ticket("X", 1)])
    plan = time_routes(problem, [("A", 0, [])])
    e = explain(problem, plan, "X")
    assert e.reason == "fits" and e.fixes == ()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_fix_lets_the_ticket_in(problem: Problem) -> None:
    plan = solve(problem, SolveParams(time_limit=3, solution_limit=30))
    for entry in plan.unassigned:
        for fix in explain(problem, plan, entry.ticket_id).fixes:
            fixed = fix.apply(problem)
            with_it = apply_candidate(fixed, plan, fix.candidate, entry.ticket_id)
            assert not validate(fixed, with_it), fix.description
