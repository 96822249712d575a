"""Priority repair: unassigned work is served by ejecting lower-priority visits or by moving
a visit to another route; every repaired plan passes the validator and is never worse."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from dispatchopt import Priority, Problem, Result, SolveParams, TimeWindow, solve
from dispatchopt.ejection import priority_repair
from dispatchopt.models.baseline import Baseline
from dispatchopt.plan import time_routes
from tests.conftest import MIN, H, assert_valid, make_problem, tech, ticket
from tests.test_properties import problems

NOON = (TimeWindow(start=12 * H, end=12 * H),)


def _unassigned_by_priority(problem: Problem, plan: Result) -> list[int]:
    """Unassigned counts from CRITICAL down to LOW (smaller is better, lexicographically)."""
    counts = [0] * len(Priority)
    for u in plan.unassigned:
        counts[4 - int(problem.tickets[problem.ticket_index[u.ticket_id]].priority)] += 1
    return counts


def _one_slot() -> tuple[Problem, Result]:
    """Room for one 4-hour job, taken by a low-priority one; a critical one is left out."""
    p = make_problem(
        [tech("A", start=8 * H, end=13 * H)],
        [
            ticket("low", 2, duration=4 * H, priority=Priority.LOW),
            ticket("crit", 3, duration=4 * H, priority=Priority.CRITICAL),
        ],
    )
    return p, time_routes(p, [("A", 0, ["low"])])


def test_critical_ticket_ejects_a_low_one() -> None:
    """One technician, room for one 4-hour job: the critical one takes the low one's place."""
    p, plan = _one_slot()
    repaired = priority_repair(p, plan)
    assert [v.ticket_id for v in repaired.routes[0].visits] == ["crit"]
    (out,) = repaired.unassigned
    assert (out.ticket_id, out.reason) == ("low", "no_capacity")
    assert "gave way to higher-priority crit" in out.message
    assert repaired.details["priority_repair"] == 1
    assert_valid(p, repaired)


def _two_short_then_long(second: Priority) -> tuple[Problem, Result]:
    """Room for 4 hours, filled by a 2-hour low job and a 2-hour ``second`` one; a 4-hour
    urgent job is left out."""
    p = make_problem(
        [tech("A", start=8 * H, end=13 * H)],
        [
            ticket("low", 2, duration=2 * H, priority=Priority.LOW),
            ticket("second", 2, duration=2 * H, priority=second),
            ticket("urgent", 2, duration=4 * H, priority=Priority.URGENT),
        ],
    )
    return p, time_routes(p, [("A", 0, ["low", "second"])])


def test_a_long_urgent_job_ejects_a_run_of_low_ones() -> None:
    """The urgent job needs both out (one alone never makes room)."""
    p, plan = _two_short_then_long(Priority.LOW)
    repaired = priority_repair(p, plan)
    assert [v.ticket_id for v in repaired.routes[0].visits] == ["urgent"]
    assert {u.ticket_id for u in repaired.unassigned} == {"low", "second"}
    assert all("gave way to higher-priority urgent" in u.message for u in repaired.unassigned)
    assert_valid(p, repaired)


def test_a_run_with_equal_priority_work_is_not_ejected() -> None:
    """Runs of several visits go only when all are strictly lower priority."""
    p, plan = _two_short_then_long(Priority.URGENT)
    assert priority_repair(p, plan) is plan


def test_two_low_visits_apart_make_room_together() -> None:
    """A van for 3 units holds low (1), critical (1), low (1); an urgent job needs 2. Neither
    low visit alone frees enough, the critical one between them stays (nowhere else to go),
    so both low visits, apart from each other, give way."""
    p = make_problem(
        [tech("A", capacity={"kg": 3})],
        [
            ticket("low1", 2, load={"kg": 1}, priority=Priority.LOW),
            ticket("keep", 3, load={"kg": 1}, priority=Priority.CRITICAL),
            ticket("low2", 4, load={"kg": 1}, priority=Priority.LOW),
            ticket("urgent", 5, load={"kg": 2}, priority=Priority.URGENT),
        ],
    )
    plan = time_routes(p, [("A", 0, ["low1", "keep", "low2"])])
    repaired = priority_repair(p, plan)
    assert sorted(v.ticket_id for v in repaired.routes[0].visits) == ["keep", "urgent"]
    assert {u.ticket_id for u in repaired.unassigned} == {"low1", "low2"}
    assert all("gave way to higher-priority urgent" in u.message for u in repaired.unassigned)
    assert_valid(p, repaired)


def test_equal_priority_visit_moves_to_make_room() -> None:
    """B's noon slot is taken by a job A could do too: it moves to A and the new job gets B
    (only B has the skill), an ejection chain of length two; nobody is left out."""
    p = make_problem(
        [tech("A", max_jobs=1), tech("B", max_jobs=1, skills={"gas": 1})],
        [ticket("movable", 3, time_windows=NOON), ticket("gas", 4, skills={"gas": 1})],
    )
    plan = time_routes(p, [("B", 0, ["movable"])])
    repaired = priority_repair(p, plan)
    assert not repaired.unassigned
    assert repaired.route_of("gas").technician_id == "B"
    assert repaired.route_of("movable").technician_id == "A"
    assert_valid(p, repaired)


def test_nothing_lower_to_eject_leaves_the_plan() -> None:
    p = make_problem(
        [tech("A", start=8 * H, end=13 * H)],
        [ticket("one", 2, duration=4 * H), ticket("two", 3, duration=4 * H)],
    )
    plan = time_routes(p, [("A", 0, ["one"])])
    assert priority_repair(p, plan) is plan


def test_replanning_is_left_to_the_stability_costs() -> None:
    p, plan = _one_slot()
    with_baseline = p.evolve(baseline=Baseline(visits=()))
    assert priority_repair(with_baseline, plan) is plan


def test_solve_runs_the_repair_inside_its_time_limit() -> None:
    """With mixed priorities solve keeps part of the limit for the repair and still returns
    within it; the plan is valid."""
    p = make_problem(
        [tech("A", start=8 * H, end=12 * H)],
        [ticket(f"T{k}", k % 9, duration=50 * MIN, priority=k % 5) for k in range(9)],
    )
    result = solve(p, SolveParams(time_limit=2))
    assert result.runtime <= 2.5
    assert_valid(p, result)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_repair_never_breaks_a_rule_nor_makes_priorities_worse(problem: Problem) -> None:
    plan = solve(problem, SolveParams(time_limit=2, solution_limit=10, priority_repair=False))
    repaired = priority_repair(problem, plan)
    assert_valid(problem, repaired)
    assert _unassigned_by_priority(problem, repaired) <= _unassigned_by_priority(problem, plan)
