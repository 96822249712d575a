"""Insertion candidates: every candidate route passes the validator; costs and moves are exact."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from dispatchopt import Break, Problem, Result, SolveParams, solve, validate
from dispatchopt.errors import InputError
from dispatchopt.insertion import (
    REJECTION_REASONS,
    add_tickets,
    apply_candidate,
    insertion_candidates,
)
from dispatchopt.models.ticket import TimeWindow
from dispatchopt.plan import time_routes
from tests.conftest import MIN, H, assert_valid, make_problem, tech, ticket
from tests.test_properties import problems


def _plan(problem: Problem, routes: list[tuple[str, int, list[str]]]) -> Result:
    return time_routes(problem, routes)


def test_cheapest_position_cost_and_moves_by_hand() -> None:
    # A at place 0; tickets at 2 and 4 (10 min per step, 1 km per step), 30 min each.
    problem = make_problem(
        [tech("A", cost_per_hour=60.0, cost_per_km=1.0)],
        [ticket("X", 2), ticket("Y", 4), ticket("NEW", 3)],
    )
    plan = _plan(problem, [("A", 0, ["X", "Y"])])
    ins = insertion_candidates(problem, plan, "NEW")
    best = ins.best
    assert best is not None
    assert (best.technician_id, best.position) == ("A", 1)
    # Before: 0->2->4->0 = 80 min drive + 60 min service; after: 0->2->3->4->0 = 80 + 90 min.
    assert best.extra_travel_time == 0
    assert best.extra_distance == 0
    assert best.marginal_cost == pytest.approx(30.0)  # 30 min more at 60/h, no extra km
    assert best.start == 8 * H + 20 * MIN + 30 * MIN + 10 * MIN
    assert [(m.ticket_id, m.new_start - m.old_start) for m in best.moves] == [("Y", 30 * MIN)]
    assert_valid(problem, apply_candidate(problem, plan, best, "NEW"))
    # Last position ties on cost (0->2->4->3->0 is also 80 min) but starts later; first is dearer:
    # 0->3->2->4->0 = 100 min drive, 4 km more: 20 min + 30 min at 60/h + 2 km at 1/km = 52.
    by_pos = {c.position: c for c in ins.candidates}
    assert by_pos[2].marginal_cost == pytest.approx(30.0)
    assert by_pos[2].start > best.start
    assert by_pos[0].marginal_cost == pytest.approx(52.0)


def test_rejections_name_the_binding_rule() -> None:
    problem = make_problem(
        [
            tech("SKILL", skills={"gas": 1}),
            tech("PARTS", skills={"gas": 2}),
            tech("FULL", skills={"gas": 2}, stock={"valve": 1}, max_jobs=1),
            tech("LATE", skills={"gas": 2}, stock={"valve": 1}, start=8 * H, end=9 * H),
        ],
        [
            ticket("BUSY", 1),
            ticket(
                "NEW",
                9,
                skills={"gas": 2},
                parts={"valve": 1},
                time_windows=(TimeWindow(start=8 * H, end=8 * H + 30 * MIN),),
            ),
        ],
    )
    plan = _plan(problem, [("FULL", 0, ["BUSY"])])
    ins = insertion_candidates(problem, plan, "NEW")
    assert ins.candidates == ()
    reasons = {r.technician_id: r.reason for r in ins.rejections}
    assert reasons == {
        "SKILL": "skills",
        "PARTS": "parts",
        "FULL": "max_tasks",
        "LATE": "time_window",
    }
    assert set(reasons.values()) <= set(REJECTION_REASONS)


def test_reserve_keeps_capacity_free() -> None:
    problem = make_problem(
        [tech("A", start=8 * H, end=12 * H)],
        [ticket("X", 1, duration=2 * H), ticket("NEW", 1, duration=H)],
    )
    plan = _plan(problem, [("A", 0, ["X"])])
    assert insertion_candidates(problem, plan, "NEW").best is not None
    held = insertion_candidates(problem, plan, "NEW", reserve=0.25)
    assert held.best is None
    assert [r.reason for r in held.rejections] == ["reserve"]


def test_break_is_kept_and_placed_validly() -> None:
    lunch = Break(start=12 * H, end=13 * H + 30 * MIN, duration=30 * MIN, id="lunch")
    problem = make_problem(
        [tech("A", start=8 * H, end=17 * H, breaks=(lunch,))],
        [
            ticket("AM", 1, duration=3 * H, time_windows=(TimeWindow(start=9 * H, end=9 * H),)),
            ticket("PM", 2, time_windows=(TimeWindow(start=13 * H, end=13 * H),)),
            ticket("NEW", 1, duration=45 * MIN),
        ],
    )
    plan = _plan(problem, [("A", 0, ["AM", "PM"])])
    ins = insertion_candidates(problem, plan, "NEW")
    assert ins.candidates
    for c in ins.candidates:
        assert [b.break_id for b in c.route.breaks] == ["lunch"]
        assert_valid(problem, apply_candidate(problem, plan, c, "NEW"))


def test_break_moves_to_its_second_window() -> None:
    """Lunch 12:00-13:00 or 15:00-16:00: an inserted ticket that fills noon pushes it later."""
    lunch = Break(windows=((12 * H, 13 * H), (15 * H, 16 * H)), duration=30 * MIN, id="lunch")
    problem = make_problem(
        [tech("A", start=8 * H, end=17 * H, breaks=(lunch,))],
        [
            ticket("AM", 1, duration=3 * H, time_windows=(TimeWindow(start=9 * H, end=9 * H),)),
            ticket("NEW", 1, duration=H, time_windows=(TimeWindow(start=12 * H, end=12 * H),)),
            ticket("PM", 1, duration=H, time_windows=(TimeWindow(start=13 * H, end=13 * H),)),
        ],
    )
    plan = _plan(problem, [("A", 0, ["AM", "PM"])])
    best = insertion_candidates(problem, plan, "NEW").best
    assert best is not None
    (brk,) = best.route.breaks
    assert brk.start >= 15 * H and brk.end <= 16 * H
    assert_valid(problem, apply_candidate(problem, plan, best, "NEW"))


def test_new_ticket_added_and_unknown_ticket_refused() -> None:
    problem = make_problem([tech("A")], [ticket("X", 2)])
    plan = _plan(problem, [("A", 0, ["X"])])
    bigger = add_tickets(problem, [ticket("NEW", 5)])
    ins = insertion_candidates(bigger, plan, "NEW")
    assert ins.best is not None
    assert_valid(bigger, apply_candidate(bigger, plan, ins.best, "NEW"))
    with pytest.raises(InputError, match="'NOPE'"):
        insertion_candidates(problem, plan, "NOPE")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_candidate_is_valid(problem: Problem) -> None:
    """Sound: applying any candidate of any ticket gives a plan the validator accepts."""
    plan = solve(problem, SolveParams(time_limit=3, solution_limit=30))
    for t in problem.tickets:
        for c in insertion_candidates(problem, plan, t.id).candidates:
            violations = validate(problem, apply_candidate(problem, plan, c, t.id))
            assert not violations, (t.id, c.technician_id, [str(v) for v in violations])


@settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(problems())
def test_routed_ticket_can_always_go_back(problem: Problem) -> None:
    """Complete enough: a ticket the solver routed is found again when taken out."""
    plan = solve(problem, SolveParams(time_limit=3, solution_limit=30))
    for route in plan.routes:
        for visit in route.visits:
            ins = insertion_candidates(problem, plan, visit.ticket_id)
            assert ins.candidates, (visit.ticket_id, ins.rejections)
