"""Re-planning: committed visits stay, events apply, stability prices are honoured."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatchopt import Priority, Result, SolveParams, TimeWindow, solve
from dispatchopt.errors import InputError
from dispatchopt.insertion import add_tickets
from dispatchopt.models.baseline import StabilityCosts
from dispatchopt.plan import time_routes
from dispatchopt.replan import (
    CancelTicket,
    NewTickets,
    Pin,
    Replan,
    TechnicianUnavailable,
    VisitOverrun,
    committed_visits,
    diff_plans,
    repair_candidates,
    replan,
)
from tests.conftest import MIN, H, assert_valid, make_problem, tech, ticket
from tests.test_properties import problems

PARAMS = SolveParams(time_limit=5, solution_limit=300)
HIGH = StabilityCosts.uniform(10_000.0)
FREE = StabilityCosts()


def _problem():  # type: ignore[no-untyped-def]
    """A at place 0, B at place 9; tickets at 1, 2, 3 (near A) and 7, 8 (near B)."""
    return make_problem(
        [tech("A", home=0, cost_per_hour=30.0), tech("B", home=9, cost_per_hour=30.0)],
        [ticket(f"T{k}", k) for k in (1, 2, 3, 7, 8)],
    )


def _bad_plan(problem) -> Result:  # type: ignore[no-untyped-def]
    """A drives to B's side and back: a valid but poor plan."""
    return time_routes(problem, [("A", 0, ["T1", "T8", "T2", "T7", "T3"]), ("B", 0, [])])


def _check(rp: Replan) -> None:
    assert_valid(rp.problem, rp.result)


def test_high_stability_keeps_the_plan_zero_reoptimises() -> None:
    problem = _problem()
    plan = _bad_plan(problem)
    kept = replan(problem, plan, now=0, stability=HIGH, params=PARAMS)
    _check(kept)
    assert kept.changes == ()
    assert kept.disruption == 0
    assert kept.result.details["first_solution"] == "WARM_START"
    assert [v.ticket_id for v in kept.result.routes[0].visits] == ["T1", "T8", "T2", "T7", "T3"]

    free = replan(problem, plan, now=0, stability=FREE, params=PARAMS)
    _check(free)
    assert {free.result.route_of(t).technician_id for t in ("T7", "T8")} == {"B"}  # type: ignore[union-attr]
    assert free.cost_after < free.cost_before
    assert free.cost_saved > 0
    assert {c.ticket_id for c in free.changes_of("reassigned")} == {"T7", "T8"}


def test_committed_visits_stay_and_nothing_new_starts_in_the_past() -> None:
    problem = _problem()
    plan = _bad_plan(problem)
    now = plan.routes[0].visits[1].start + 5 * MIN  # A is at T8
    rp = replan(problem, plan, now=now, stability=FREE, params=PARAMS)
    _check(rp)
    assert rp.committed == {"T1", "T8"} == committed_visits(plan, now)
    for tid in ("T1", "T8"):
        old = plan.route_of(tid)
        new = rp.result.route_of(tid)
        assert new is not None and old is not None and new.technician_id == old.technician_id
        start = lambda r, t=tid: next(v.start for v in r.visits if v.ticket_id == t)  # noqa: E731
        assert start(new) == start(old)
    for route in rp.result.routes:
        for visit in route.visits:
            if visit.ticket_id not in rp.committed:
                assert visit.start >= now
        if not any(v.ticket_id in rp.committed for v in route.visits) and route.visits:
            assert route.start >= now


def test_freeze_horizon_keeps_next_visits() -> None:
    problem = _problem()
    plan = _bad_plan(problem)
    now = plan.routes[0].visits[0].start - 1  # before the first visit starts
    frozen = committed_visits(plan, now, freeze=3 * H)
    assert "T8" in frozen and "T3" not in frozen
    rp = replan(problem, plan, now=now, freeze=3 * H, stability=FREE, params=PARAMS)
    _check(rp)
    assert {c.ticket_id for c in rp.changes} & frozen == set()
    assert rp.result.route_of("T8").technician_id == "A"  # type: ignore[union-attr]


def test_technician_unavailable_releases_their_work() -> None:
    problem = _problem()
    plan = time_routes(problem, [("A", 0, ["T1", "T2", "T3"]), ("B", 0, ["T7", "T8"])])
    now = plan.routes[1].visits[0].end + MIN  # B finished T7, driving to T8
    rp = replan(
        problem,
        plan,
        now=now,
        events=[TechnicianUnavailable(technician_id="B", start=now)],
        stability=HIGH,
        params=PARAMS,
    )
    _check(rp)
    assert rp.result.route_of("T7").technician_id == "B"  # type: ignore[union-attr]  # done
    assert rp.result.route_of("T8").technician_id == "A"  # type: ignore[union-attr]
    assert [c.kind for c in rp.changes] == ["reassigned"]
    b_route = next(r for r in rp.result.routes if r.technician_id == "B")
    assert b_route.end <= now + 2 * 10 * MIN  # back home from place 7


def test_absence_in_the_middle_of_the_shift_is_respected() -> None:
    problem = make_problem([tech("A", home=0)], [ticket(f"T{k}", k, duration=H) for k in (1, 2, 3)])
    plan = time_routes(problem, [("A", 0, ["T1", "T2", "T3"])])
    rp = replan(
        problem,
        plan,
        now=8 * H,
        events=[TechnicianUnavailable(technician_id="A", start=9 * H, end=13 * H)],
        stability=FREE,
        params=PARAMS,
    )
    _check(rp)
    for visit in rp.result.routes[0].visits:
        assert visit.end <= 9 * H or visit.start >= 13 * H


def test_overrun_pushes_the_rest_and_emergency_goes_in() -> None:
    problem = _problem()
    plan = time_routes(problem, [("A", 0, ["T1", "T2", "T3"]), ("B", 0, ["T7", "T8"])])
    first = plan.routes[0].visits[0]
    now = first.start + 10 * MIN
    emergency = ticket("EM", 4, priority=Priority.CRITICAL, due_by=now + 2 * H)
    rp = replan(
        problem,
        plan,
        now=now,
        events=[
            VisitOverrun(ticket_id="T1", end=first.start + 2 * H),
            NewTickets(tickets=(emergency,)),
            CancelTicket(ticket_id="T8"),
        ],
        params=PARAMS,
    )
    _check(rp)
    t1 = next(v for v in rp.result.routes[0].visits if v.ticket_id == "T1")
    assert t1.end == first.start + 2 * H
    assert rp.result.route_of("EM") is not None
    assert "T8" not in rp.problem.ticket_index
    assert {c.ticket_id for c in rp.changes_of("newly_assigned")} == {"EM"}
    a_route = rp.result.routes[0]
    assert all(v.start >= t1.end for v in a_route.visits if v.ticket_id != "T1")


def test_pins_are_respected() -> None:
    problem = _problem()
    plan = time_routes(problem, [("A", 0, ["T1", "T2", "T3"]), ("B", 0, ["T7", "T8"])])
    rp = replan(
        problem,
        plan,
        now=0,
        pins=[
            Pin(ticket_id="T1", technician_id="B"),
            Pin(ticket_id="T7", start=15 * H),
            Pin(ticket_id="T8", earliest=13 * H, latest=14 * H),
        ],
        stability=FREE,
        params=PARAMS,
    )
    _check(rp)
    assert rp.result.route_of("T1").technician_id == "B"  # type: ignore[union-attr]
    starts = {v.ticket_id: v.start for r in rp.result.routes for v in r.visits}
    assert starts["T7"] == 15 * H
    assert 13 * H <= starts["T8"] <= 14 * H


def test_passed_window_is_reported() -> None:
    problem = make_problem(
        [tech("A")],
        [ticket("LATE", 3, time_windows=(TimeWindow(start=8 * H, end=9 * H),)), ticket("X", 1)],
    )
    plan = time_routes(problem, [("A", 0, ["X"])])
    rp = replan(problem, plan, now=10 * H, params=PARAMS)
    _check(rp)
    assert [(u.ticket_id, u.reason) for u in rp.result.unassigned] == [("LATE", "window_passed")]


def test_change_set_prices_by_hand() -> None:
    problem = _problem()
    before = time_routes(problem, [("A", 0, ["T1", "T2", "T3"]), ("B", 0, ["T7", "T8"])])
    after = time_routes(problem, [("A", 0, ["T2", "T1", "T7"]), ("B", 0, ["T8"])])
    costs = StabilityCosts(
        reassign=100.0,
        retime_per_hour=60.0,
        retime_tolerance=10 * MIN,
        resequence=7.0,
        unassign=1000.0,
    )
    changes = {c.ticket_id: c for c in diff_plans(problem, before, after, costs)}
    assert changes["T3"].kind == "newly_unassigned" and changes["T3"].cost == 1000.0
    assert changes["T7"].kind == "reassigned"
    assert "resequenced" in changes["T1"].kinds  # T1 now directly after T2
    t1_shift = abs(after.routes[0].visits[1].start - before.routes[0].visits[0].start)
    assert changes["T1"].cost == pytest.approx(7.0 + 60.0 * (t1_shift - 600) / 3600)
    assert "T2" in changes and changes["T2"].kinds == ("retimed",)


def test_bad_events_and_pins_name_the_record() -> None:
    problem = _problem()
    plan = time_routes(problem, [("A", 0, ["T1", "T2", "T3"]), ("B", 0, ["T7", "T8"])])
    with pytest.raises(InputError, match=r"events\[0\] 'T3'.*started"):
        replan(problem, plan, now=8 * H, events=[VisitOverrun(ticket_id="T3", end=12 * H)])
    with pytest.raises(InputError, match=r"events\[0\] 'Z'.*unknown technician"):
        replan(problem, plan, now=8 * H, events=[TechnicianUnavailable(technician_id="Z", start=0)])
    with pytest.raises(InputError, match=r"pins\[0\] 'T3'.*before now"):
        replan(problem, plan, now=8 * H, pins=[Pin(ticket_id="T3", start=7 * H)])
    with pytest.raises(InputError, match=r"events\[0\] 'T1'.*already exists"):
        replan(problem, plan, now=0, events=[NewTickets(tickets=(ticket("T1", 2),))])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(6, 20), st.sampled_from([FREE, HIGH]), st.sampled_from([0, H]))
def test_random_replans_are_valid(problem, hour, stability, freeze) -> None:  # type: ignore[no-untyped-def]
    """Any plan re-planned at any hour stays valid; without events no committed visit is lost."""
    plan = solve(problem, SolveParams(time_limit=3, solution_limit=30))
    rp = replan(
        problem,
        plan,
        now=hour * H,
        freeze=freeze,
        stability=stability,
        params=SolveParams(time_limit=3, solution_limit=30),
    )
    _check(rp)
    assert not [u for u in rp.result.unassigned if u.ticket_id in rp.committed]
    for tid in rp.committed:
        assert rp.result.route_of(tid).technician_id == plan.route_of(tid).technician_id  # type: ignore[union-attr]


def test_repair_candidates_are_valid_and_ranked() -> None:
    problem = _problem()
    plan = time_routes(problem, [("A", 0, ["T1", "T2", "T3"]), ("B", 0, ["T7", "T8"])])
    bigger = add_tickets(problem, [ticket("NEW", 5, duration=H)])
    repaired = repair_candidates(bigger, plan, "NEW", now=8 * H, top=2, params=PARAMS)
    assert [r.candidate.technician_id for r in repaired] != []
    assert [r.marginal_cost for r in repaired] == sorted(r.marginal_cost for r in repaired)
    for r in repaired:
        _check(r.replan)
        assert r.replan.result.route_of("NEW").technician_id == r.candidate.technician_id  # type: ignore[union-attr]


def test_moving_to_another_day_is_priced() -> None:
    """X and Y sit on two days; one day has room for both. Free: one moves (saves a fixed cost)."""
    from dispatchopt import Location, Shift, Technician

    a = Technician(
        id="A",
        start=Location(index=0),
        shifts=(Shift(start=8 * H, end=17 * H), Shift(start=32 * H, end=41 * H)),
        fixed_cost=100.0,
    )
    problem = make_problem([a], [ticket("X", 1), ticket("Y", 2)])
    plan = time_routes(problem, [("A", 0, ["Y"]), ("A", 1, ["X"])])
    kept = replan(problem, plan, now=0, stability=StabilityCosts(move_day=1000.0), params=PARAMS)
    _check(kept)
    assert kept.changes == ()
    moved = replan(problem, plan, now=0, stability=FREE, params=PARAMS)
    _check(moved)
    days = {moved.result.route_of(t).shift_index for t in ("X", "Y")}  # type: ignore[union-attr]
    assert len(days) == 1
    assert len(moved.changes_of("moved_day")) == 1
    assert moved.cost_saved == pytest.approx(100.0, abs=20.0)
