"""One small hand-checkable problem per constraint, each showing the constraint binds."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from dispatchopt import (
    Break,
    Location,
    ObjectiveWeights,
    Priority,
    Problem,
    Shift,
    SolveParams,
    Technician,
    TimeWindow,
    validate,
)
from dispatchopt.plan import time_routes
from dispatchopt.solvers.ortools import solve_ortools
from tests.conftest import MIN, H, assignee, make_problem, solve_valid, tech, ticket


def test_only_skilled_technician_gets_ticket() -> None:
    """A ticket needing hvac level 2 goes to the one technician with it, though farther away."""
    p = make_problem(
        [tech("near", home=5, skills={"hvac": 1}), tech("far", home=0, skills={"hvac": 2})],
        [ticket("T1", 5, skills={"hvac": 2})],
    )
    assert assignee(solve_valid(p), "T1") == "far"


def test_part_goes_to_van_holding_it() -> None:
    """A ticket needing a compressor goes to the only van with one in stock."""
    p = make_problem(
        [tech("near", home=5), tech("far", home=0, stock={"compressor": 1})],
        [ticket("T1", 5, parts={"compressor": 1})],
    )
    assert assignee(solve_valid(p), "T1") == "far"


def test_van_stock_is_a_capacity() -> None:
    """Two tickets each needing the van's single filter cannot share one van."""
    p = make_problem(
        [tech("A", home=1, stock={"filter": 1}), tech("B", home=8, stock={"filter": 1})],
        [ticket("T1", 1, parts={"filter": 1}), ticket("T2", 2, parts={"filter": 1})],
    )
    r = solve_valid(p)
    assert {assignee(r, "T1"), assignee(r, "T2")} == {"A", "B"}


def test_load_capacity_binds() -> None:
    """Load beyond one van's capacity forces the second ticket onto the other van."""
    p = make_problem(
        [tech("A", home=1, capacity={"kg": 100}), tech("B", home=9, capacity={"kg": 100})],
        [ticket("T1", 1, load={"kg": 60}), ticket("T2", 1, load={"kg": 60})],
    )
    r = solve_valid(p)
    assert {assignee(r, "T1"), assignee(r, "T2")} == {"A", "B"}


def test_break_taken_inside_its_window() -> None:
    """Lunch is placed inside 12:00-13:00 even though work fills the day around it."""
    lunch = Break(start=12 * H, end=13 * H, duration=30 * MIN, id="lunch")
    p = make_problem(
        [tech("A", breaks=(lunch,))],
        [ticket(f"T{k}", 0, duration=H) for k in range(7)],
    )
    r = solve_valid(p)
    (brk,) = r.routes[0].breaks
    assert brk.start >= 12 * H and brk.end <= 13 * H
    assert r.kpis.assigned == 7


def test_break_with_two_windows_takes_the_one_that_fits() -> None:
    """Lunch may be 11:30-12:30 or 14:00-15:00; a fixed 11:00-13:00 job forces the second."""
    lunch = Break(windows=((11 * H + 30 * MIN, 12 * H + 30 * MIN), (14 * H, 15 * H)), duration=H)
    fixed = TimeWindow(start=11 * H, end=11 * H)
    p = make_problem(
        [tech("A", breaks=(lunch,))],
        [ticket("long", 0, duration=2 * H, time_windows=(fixed,)), ticket("T2", 1)],
    )
    r = solve_valid(p)
    (brk,) = r.routes[0].breaks
    assert (brk.start, brk.end) == (14 * H, 15 * H)


def test_break_with_two_windows_takes_the_first_when_free() -> None:
    """Work that fills 13:00-16:00 leaves only the first lunch window."""
    lunch = Break(windows=((11 * H, 13 * H), (14 * H, 16 * H)), duration=H)
    late = TimeWindow(start=13 * H, end=13 * H)
    p = make_problem(
        [tech("A", breaks=(lunch,))],
        [ticket("long", 0, duration=3 * H, time_windows=(late,))],
    )
    r = solve_valid(p)
    (brk,) = r.routes[0].breaks
    assert brk.start >= 11 * H and brk.end <= 13 * H


def test_critical_kept_and_routine_dropped_when_time_is_short() -> None:
    """With room for one 5-hour job only, the critical ticket is kept and the low one dropped."""
    p = make_problem(
        [tech("A", start=8 * H, end=14 * H)],
        [
            ticket("low", 1, duration=5 * H, priority=Priority.LOW),
            ticket("crit", 2, duration=5 * H, priority=Priority.CRITICAL),
        ],
    )
    r = solve_valid(p)
    assert assignee(r, "crit") == "A"
    assert [u.ticket_id for u in r.unassigned] == ["low"]
    assert r.unassigned[0].reason == "no_capacity"


def test_one_urgent_outweighs_many_normal() -> None:
    """One urgent ticket beats three normal ones that together fill the same time."""
    p = make_problem(
        [tech("A", start=8 * H, end=12 * H)],
        [ticket("urgent", 1, duration=3 * H, priority="urgent")]
        + [ticket(f"n{k}", 0, duration=H, priority="normal") for k in range(3)],
    )
    r = solve_valid(p)
    assert assignee(r, "urgent") == "A"


def test_appointment_window_respected() -> None:
    """A 14:00-15:00 appointment starts inside its window although the technician is free at 8."""
    p = make_problem(
        [tech("A")], [ticket("T1", 1, time_windows=(TimeWindow(start=14 * H, end=15 * H),))]
    )
    r = solve_valid(p)
    (visit,) = r.routes[0].visits
    assert 14 * H <= visit.start <= 15 * H


def _second_window_day() -> Problem:
    """A fixed 8:00-10:00 job leaves a two-window ticket only its second window (15-16 h)."""
    return make_problem(
        [tech("A")],
        [
            ticket("fixed", 0, duration=2 * H, time_windows=(TimeWindow(start=8 * H, end=8 * H),)),
            ticket(
                "two",
                0,
                duration=H,
                time_windows=(
                    TimeWindow(start=9 * H, end=9 * H + 30 * MIN),
                    TimeWindow(start=15 * H, end=16 * H),
                ),
            ),
        ],
    )


def test_second_window_used_when_first_is_taken() -> None:
    """With two windows, the ticket that cannot make the first is served in the second."""
    r = solve_valid(_second_window_day())
    visit = next(v for v in r.routes[0].visits if v.ticket_id == "two")
    assert 15 * H <= visit.start <= 16 * H


def test_given_routes_keep_a_ticket_in_its_second_window() -> None:
    """Routes read back (a warm start) keep a ticket served in its second window there: each
    window is its own node, and the one whose window holds the planned start is used."""
    p = _second_window_day()
    first = solve_valid(p)
    again = solve_ortools(p, SolveParams(time_limit=2, solution_limit=1), initial=first.routes)
    assert validate(p, again) == []
    assert again.details["first_solution"] == "INITIAL_ROUTES"
    visit = next(v for v in again.routes[0].visits if v.ticket_id == "two")
    assert 15 * H <= visit.start <= 16 * H


def test_touching_windows_are_one_node_and_gaps_split_them() -> None:
    """Windows 13-15 h and 15-17 h are one span (one node); 9-10 h and 15-16 h are two nodes,
    each bounded by its own window."""
    from dispatchopt.solvers.ortools import _visit_nodes

    touching = (TimeWindow(start=13 * H, end=15 * H), TimeWindow(start=15 * H, end=17 * H))
    apart = (TimeWindow(start=9 * H, end=10 * H), TimeWindow(start=15 * H, end=16 * H))
    p = make_problem(
        [tech("A")],
        [
            ticket("touching", 0, time_windows=touching),
            ticket("apart", 0, time_windows=apart),
            ticket("free", 0),
        ],
    )
    tickets, spans = _visit_nodes(p, np.arange(3))
    assert tickets.tolist() == [0, 1, 2, 1]
    assert spans == [(13 * H, 17 * H), (9 * H, 10 * H), None, (15 * H, 16 * H)]


def test_sla_due_by_orders_the_route() -> None:
    """An urgent ticket due at 9:30 is done first even when the route would rather start elsewhere."""
    p = make_problem(
        [tech("A", home=0)],
        [
            ticket("near", 1, duration=H),
            ticket("due", 6, duration=30 * MIN, due_by=9 * H + 30 * MIN, priority="urgent"),
        ],
    )
    r = solve_valid(p)
    assert r.routes[0].visits[0].ticket_id == "due"
    assert r.kpis.sla_on_time == 1


def test_late_sla_is_soft() -> None:
    """A due-by that cannot be met still gets the ticket scheduled, with its lateness reported."""
    p = make_problem([tech("A", home=0, start=8 * H)], [ticket("T1", 9, duration=H, due_by=8 * H)])
    r = solve_valid(p)
    assert assignee(r, "T1") == "A"
    assert r.kpis.total_lateness > 0 and r.kpis.sla_on_time == 0


def test_max_jobs_limits_a_route() -> None:
    """With max_jobs 2, the third ticket goes to the other technician."""
    p = make_problem(
        [tech("A", home=0, max_jobs=2), tech("B", home=9)],
        [ticket(f"T{k}", 0) for k in range(3)],
    )
    r = solve_valid(p)
    assert sum(1 for k in range(3) if assignee(r, f"T{k}") == "A") == 2


def test_max_working_time_limits_a_route() -> None:
    """A 3-hour working-time cap leaves one of four 1-hour jobs to the other technician."""
    p = make_problem(
        [tech("A", home=0, max_working_time=3 * H + 10), tech("B", home=9)],
        [ticket(f"T{k}", 0, duration=50 * MIN) for k in range(4)],
    )
    r = solve_valid(p)
    assert r.routes[0].working_time <= 3 * H + 10
    assert sum(1 for k in range(4) if assignee(r, f"T{k}") == "B") >= 1


def test_required_and_excluded_technicians() -> None:
    """Required technicians are the only candidates; excluded ones never get the ticket."""
    p = make_problem(
        [tech("A", home=1), tech("B", home=8), tech("C", home=8)],
        [
            ticket("req", 8, required_technicians=frozenset({"A"})),
            ticket("exc", 1, excluded_technicians=frozenset({"A"})),
        ],
    )
    r = solve_valid(p)
    assert assignee(r, "req") == "A"
    assert assignee(r, "exc") in {"B", "C"}


def test_preferred_technician_wins_a_small_detour() -> None:
    """A preferred technician gets the ticket over a slightly closer colleague."""
    p = make_problem(
        [tech("close", home=4), tech("pref", home=2)],
        [ticket("T1", 4, preferred_technicians=frozenset({"pref"}))],
        weights=ObjectiveWeights(preference_cost=1000.0),
    )
    assert assignee(solve_valid(p), "T1") == "pref"


def test_overtime_allowed_up_to_its_limit() -> None:
    """One hour of allowed overtime lets a job finish after shift end, never beyond."""
    p = make_problem(
        [tech("A", home=0, start=8 * H, end=10 * H, max_overtime=H, overtime_cost_per_hour=10.0)],
        [ticket("T1", 0, duration=150 * MIN)],
    )
    r = solve_valid(p)
    assert assignee(r, "T1") == "A"
    assert 10 * H < r.routes[0].end <= 11 * H
    assert r.kpis.overtime == r.routes[0].end - 10 * H


def test_shift_overtime_overrides_the_technicians() -> None:
    """A shift's own max_overtime (0 here) wins over the technician's hour; the validator agrees."""
    no_ot = Shift(start=8 * H, end=10 * H, max_overtime=0)
    ot = Shift(start=32 * H, end=34 * H)
    a = Technician(id="A", start=Location(index=0), shifts=(no_ot, ot), max_overtime=H)
    p = make_problem([a], [ticket("T1", 0, duration=150 * MIN)])
    r = solve_valid(p)
    route = r.route_of("T1")
    assert route is not None and route.shift_index == 1
    assert a.latest_end(0) == 10 * H and a.latest_end(1) == 35 * H
    forced = time_routes(p, [("A", 0, ["T1"])])
    assert [v.kind for v in validate(p, forced)] == ["delay"]


def test_max_busy_time_counts_driving_and_service_not_waiting() -> None:
    """90 min of driving + service: a long wait is free, a third job is not."""
    late = (TimeWindow(start=14 * H, end=14 * H),)
    two = make_problem(
        [tech("A", home=0, max_busy_time=90 * MIN)],
        [ticket("T1", 1), ticket("T2", 1, time_windows=late)],
    )
    r = solve_valid(two)
    assert r.kpis.assigned == 2
    three = make_problem(
        [tech("A", home=0, max_busy_time=90 * MIN)],
        [ticket("T1", 1), ticket("T2", 1, time_windows=late), ticket("T3", 1)],
    )
    r = solve_valid(three)
    assert r.kpis.assigned == 2
    forced = time_routes(three, [("A", 0, ["T1", "T2", "T3"])])
    assert "max_busy_time" in {v.kind for v in validate(three, forced)}


def test_no_overtime_means_dropped() -> None:
    """Without overtime the same 2.5-hour job does not fit a 2-hour shift."""
    p = make_problem(
        [tech("A", home=0, start=8 * H, end=10 * H)], [ticket("T1", 0, duration=150 * MIN)]
    )
    r = solve_valid(p)
    assert r.unassigned[0].reason == "outside_shifts"
    assert "2h30" in r.unassigned[0].message


def test_multi_day_shifts_are_separate_routes() -> None:
    """Two shifts on two days make two routes; a day-2 appointment lands on day 2."""
    day2 = 24 * H
    t = Technician(
        id="A",
        start=Location(index=0),
        shifts=(Shift(start=8 * H, end=17 * H), Shift(start=day2 + 8 * H, end=day2 + 17 * H)),
    )
    p = make_problem(
        [t],
        [
            ticket("d1", 1, time_windows=(TimeWindow(start=9 * H, end=10 * H),)),
            ticket("d2", 1, time_windows=(TimeWindow(start=day2 + 9 * H, end=day2 + 10 * H),)),
        ],
    )
    r = solve_valid(p)
    assert [len(route.visits) for route in r.routes] == [1, 1]
    assert r.routes[1].visits[0].ticket_id == "d2"


def test_shift_hours_respected() -> None:
    """A technician starting at 10:00 does not leave home before 10:00."""
    p = make_problem([tech("A", start=10 * H)], [ticket("T1", 3)])
    r = solve_valid(p)
    assert r.routes[0].start >= 10 * H


def test_costs_choose_the_cheaper_technician() -> None:
    """Between two equally placed technicians, the cheaper per hour gets the work."""
    p = make_problem(
        [tech("dear", home=3, cost_per_hour=90.0), tech("cheap", home=3, cost_per_hour=30.0)],
        [ticket("T1", 3, duration=H)],
    )
    assert assignee(solve_valid(p), "T1") == "cheap"


def test_fixed_cost_consolidates_routes() -> None:
    """A high fixed cost per shift puts both nearby tickets on one technician."""
    p = make_problem(
        [
            tech("A", home=0, fixed_cost=500.0, cost_per_km=1.0),
            tech("B", home=0, fixed_cost=500.0, cost_per_km=1.0),
        ],
        [ticket("T1", 2), ticket("T2", 3)],
    )
    r = solve_valid(p)
    assert assignee(r, "T1") == assignee(r, "T2")
    assert r.kpis.routes_used == 1
    assert r.objective >= 500.0


def test_no_technicians_everything_unassigned() -> None:
    """With no technician shifts every ticket is unassigned with a reason, nothing raised."""
    p = make_problem([], [ticket("T1", 1)])
    r = solve_valid(p, SolveParams(time_limit=2.0))
    assert [u.ticket_id for u in r.unassigned] == ["T1"]


def test_shift_too_short_to_drive_home_does_not_sink_the_plan() -> None:
    """A shift that cannot even drive start -> end is unused; others still plan, reasons given."""
    from dispatchopt import Technician

    stuck = Technician(
        id="stuck",
        start=Location(index=0),
        end=Location(index=9),
        shifts=(Shift(start=8 * H, end=9 * H),),
    )
    p = make_problem(
        [stuck, tech("ok", home=5)],
        [ticket("T1", 5), ticket("T2", 0, required_technicians=frozenset({"stuck"}))],
    )
    r = solve_valid(p)
    assert assignee(r, "T1") == "ok"
    assert [(u.ticket_id, u.reason) for u in r.unassigned] == [("T2", "unusable_shifts")]


def test_max_travel_time_limits_driving() -> None:
    """A 100-minute driving cap keeps the far ticket off A's route (needs 2 x 90 min)."""
    p = make_problem(
        [tech("A", home=0, max_travel_time=100 * MIN), tech("B", home=9)],
        [ticket("near", 1), ticket("far", 9)],
    )
    r = solve_valid(p)
    assert assignee(r, "far") == "B"
    assert r.routes[0].travel_time <= 100 * MIN


def test_max_distance_limits_driving() -> None:
    """A 5 km cap leaves a ticket 3 km away (6 km round trip) to the other technician."""
    p = make_problem(
        [
            tech("A", home=0, max_distance=5000, cost_per_hour=1.0),
            tech("B", home=3, cost_per_hour=50.0),
        ],
        [ticket("T", 3, duration=H)],
    )
    assert assignee(solve_valid(p), "T") == "B"


def test_speed_factor_scales_driving_time() -> None:
    """A technician at speed_factor 2 drives each 10-minute step in 5 minutes; at 0.5, in 20."""
    p = make_problem(
        [tech("fast", speed_factor=2.0), tech("slow", home=9, speed_factor=0.5)],
        [ticket("T1", 4, required_technicians=frozenset({"fast"})), ticket("T2", 8)],
    )
    r = solve_valid(p)
    fast = next(x for x in r.routes if x.technician_id == "fast")
    (visit,) = [v for v in fast.visits if v.ticket_id == "T1"]
    assert visit.travel_time == 4 * 5 * MIN
    slow = next(x for x in r.routes if x.technician_id == "slow")
    if slow.visits:
        assert slow.visits[0].travel_time == 20 * MIN


def test_speed_factor_decides_who_makes_the_window() -> None:
    """Only the faster technician reaches place 6 by 8:45 (60 min at 1x, 40 min at 1.5x)."""
    due = TimeWindow(start=8 * H, end=8 * H + 45 * MIN)
    p = make_problem(
        [tech("normal"), tech("quick", speed_factor=1.5)],
        [ticket("T1", 6, time_windows=(due,))],
    )
    assert assignee(solve_valid(p), "T1") == "quick"
    # Without the speed-up nobody makes it, and the reason says so.
    slow = p.evolve(technicians=(tech("normal"), tech("quick")))
    r = solve_valid(slow)
    assert [u.reason for u in r.unassigned] == ["unreachable"]


def test_open_end_route_ends_at_the_last_ticket() -> None:
    """With open_end the route is done when the last job is: no drive home is planned."""
    t = Technician(id="A", start=Location(index=0), shifts=(Shift(start=8 * H, end=17 * H),))
    p = make_problem([replace(t, open_end=True)], [ticket("T1", 5), ticket("T2", 9)])
    r = solve_valid(p)
    (route,) = r.routes
    assert route.return_travel_time == 0 and route.return_distance == 0
    assert route.end == route.visits[-1].end
    assert [v.ticket_id for v in route.visits] == ["T1", "T2"]  # outwards, never back


def test_open_start_route_begins_at_the_first_ticket() -> None:
    """With open_start there is no drive to the first job, and the shift start bounds it."""
    t = Technician(
        id="A", shifts=(Shift(start=8 * H, end=17 * H),), end=Location(index=0), open_start=True
    )
    p = make_problem([t], [ticket("T1", 9), ticket("T2", 5)])
    r = solve_valid(p)
    (route,) = r.routes
    first = route.visits[0]
    assert (first.travel_time, first.distance) == (0, 0)
    assert route.start == first.arrival == 8 * H
    assert [v.ticket_id for v in route.visits] == ["T1", "T2"]  # inwards, towards the end


def test_open_start_makes_a_far_technician_cheapest() -> None:
    """A far technician whose start is open reaches the job for free; the near one pays 30 min."""
    near = tech("near", home=3, cost_per_hour=60.0)
    far = Technician(
        id="far",
        shifts=(Shift(start=8 * H, end=17 * H),),
        open_start=True,
        open_end=True,
        cost_per_hour=60.0,
    )
    p = make_problem([near, far], [ticket("T1", 0)])
    assert assignee(solve_valid(p), "T1") == "far"


def test_unused_shift_needs_no_room_for_its_break() -> None:
    """A shift that can only just drive home (90 of 100 min) has no room for its 15-min break;
    left unused it must not make the plan infeasible (its break is only due if it works)."""
    lunch = Break(start=8 * H, end=9 * H + 40 * MIN, duration=15 * MIN)
    tight = replace(
        tech("tight", start=8 * H, end=9 * H + 40 * MIN, breaks=(lunch,)), end=Location(index=9)
    )
    p = make_problem([tight, tech("B")], [ticket("T1", 1)])
    r = solve_valid(p)
    assert assignee(r, "T1") == "B"


def test_delivery_before_pickup_when_the_van_is_full() -> None:
    """Capacity 2: deliver 2 at place 8, collect 2 at place 2. Collecting first (the nearer
    stop) would carry 4 at once, so the route must deliver first even though it drives more."""
    p = make_problem(
        [tech("A", capacity={"kg": 2})],
        [ticket("drop", 8, load={"kg": 2}), ticket("collect", 2, pickup={"kg": 2})],
    )
    r = solve_valid(p)
    (route,) = r.routes
    assert [v.ticket_id for v in route.visits] == ["drop", "collect"]


def test_pickup_alone_needs_room() -> None:
    """A pickup bigger than every van is unassigned with the load reason."""
    p = make_problem(
        [tech("A", capacity={"kg": 2})],
        [ticket("big", 3, pickup={"kg": 3}), ticket("ok", 3, pickup={"kg": 2})],
    )
    r = solve_valid(p)
    assert [(u.ticket_id, u.reason) for u in r.unassigned] == [("big", "load")]
    assert "pickup" in r.unassigned[0].message


def test_objective_prices_each_technician_at_its_own_rates() -> None:
    """With every ticket served, the search's objective is the plan's operating cost
    recomputed from the prices (:func:`~dispatchopt.result.plan_cost`), each technician at
    their own hourly and per-km rates (breaks paid by the hour, SLA lateness), up to the
    rounding of integer costs."""
    from dispatchopt import generate
    from dispatchopt.eligibility import compute_eligibility
    from dispatchopt.result import plan_cost

    day = generate(24, 5, seed=5)
    techs = tuple(
        replace(t, cost_per_hour=30.0 + 7.0 * k, cost_per_km=0.2 + 0.15 * (k % 3))
        for k, t in enumerate(day.technicians)
    )
    may = compute_eligibility(day).allowed.any(axis=1)  # tickets someone may serve
    tickets = tuple(
        replace(t, preferred_technicians=frozenset())
        for t, ok in zip(day.tickets, may, strict=True)
        if ok
    )
    p = day.evolve(technicians=techs, tickets=tickets)
    r = solve_ortools(p, SolveParams(time_limit=5.0, solution_limit=100))
    assert validate(p, r) == [] and not r.unassigned
    assert len({(t.cost_per_hour, t.cost_per_km) for t in techs}) == 5
    # Breaks (paid by the hour, in the time dimension's slack) and SLA lateness are priced.
    assert any(route.breaks for route in r.routes) and r.kpis.total_lateness > 0
    assert r.objective == pytest.approx(plan_cost(p, r.routes), rel=1e-4)
