"""Re-planning stretches of long routes: stand-in technicians, splicing, the search loop."""

from __future__ import annotations

import time
from collections import Counter

from dispatchopt import Location, SolveParams, TimeWindow, solve
from dispatchopt.generate import generate
from dispatchopt.insertion import RouteInfeasible, time_route
from dispatchopt.io.vrplib import read_vrplib
from dispatchopt.models.problem import Problem
from dispatchopt.plan import time_routes
from dispatchopt.result import Route
from dispatchopt.segments import Segment, improve_segments, pick_segments, segment_technician
from dispatchopt.solvers.ortools import solve_ortools
from dispatchopt.subproblem import Part, rank_routes
from tests.conftest import INSTANCES, MIN, H, assert_valid, make_problem, needs_shared, tech, ticket


def _line_day(last_window: tuple[int, int]) -> tuple[Problem, Route]:
    """Tickets a..e at places 1..5 (10 min apart, 30 min each, 2 kg each), e in
    ``last_window``, all on T1's route in that order."""
    tickets = [ticket(name, k + 1, load={"kg": 2}) for k, name in enumerate("abcd")]
    lo, hi = last_window
    tickets.append(ticket("e", 5, load={"kg": 2}, time_windows=(TimeWindow(start=lo, end=hi),)))
    problem = make_problem(
        [tech("T1", max_jobs=6, capacity={"kg": 20}, max_distance=100_000)], tickets
    )
    route = time_routes(problem, [("T1", 0, list("abcde"))]).routes[0]
    return problem, route


def test_stand_in_spans_from_the_earliest_departure_to_the_latest_arrival() -> None:
    problem, route = _line_day((11 * H, 11 * H + 30 * MIN))
    stand_in = segment_technician(problem, Segment(route, 1, 3))  # b and c
    assert stand_in is not None
    assert stand_in.id == "T1"
    assert stand_in.start == Location(index=1) and stand_in.end == Location(index=4)
    (shift,) = stand_in.shifts
    # Leave 8:00, reach a 8:10, done 8:40.
    assert shift.start == 8 * H + 40 * MIN
    # e starts 11:30 at the latest; d (10 min before, 30 min long) 10:50 at the latest.
    assert shift.end == 10 * H + 50 * MIN
    assert stand_in.latest_end(0) == shift.end
    # The rest of the route: a, d, e (3 jobs, 6 kg); arcs 0->1, 4->5, 5->0 (7 km).
    assert stand_in.max_jobs == 3
    assert stand_in.capacity == {"kg": 14}
    assert stand_in.max_distance == 93_000
    assert stand_in.fixed_cost == 0


def test_stand_in_for_the_end_of_a_route_keeps_the_shift_end() -> None:
    problem, route = _line_day((11 * H, 11 * H + 30 * MIN))
    stand_in = segment_technician(problem, Segment(route, 3, 5))  # d and e
    assert stand_in is not None
    assert stand_in.start == Location(index=3) and stand_in.end == Location(index=0)
    # a, b, c done at 8:00 + 3 x (10 + 30) min = 10:00.
    assert stand_in.shifts[0].start == 10 * H
    assert stand_in.latest_end(0) == 17 * H


def test_no_stand_in_when_the_rest_of_the_route_leaves_no_time() -> None:
    # e must start by 8:35, but b cannot be left before 9:20 (a done 8:40, b 9:20).
    problem, route = _line_day((8 * H + 30 * MIN, 8 * H + 35 * MIN))
    assert segment_technician(problem, Segment(route, 2, 4)) is None


def test_pick_segments_takes_one_stretch_per_nearest_route() -> None:
    problem, route = _line_day((11 * H, 11 * H + 30 * MIN))
    (only,) = pick_segments(problem, [route, route], problem.ticket_index["d"], length=2)
    assert (only.lo, only.hi) == (2, 4)  # around d, two tickets long


def _retimed(problem: Problem, routes: list[Route]) -> list[Route]:
    vehicles = {(problem.technicians[v.technician].id, v.shift): v for v in problem.vehicles}
    out = []
    for r in routes:
        try:
            out.append(
                time_route(
                    problem,
                    vehicles[(r.technician_id, r.shift_index)],
                    [problem.ticket_index[v.ticket_id] for v in r.visits],
                )
            )
        except RouteInfeasible:
            out.append(r)
    return out


def _check_improve(problem: Problem, seconds: float) -> None:
    first = solve_ortools(problem, SolveParams(time_limit=10, solution_limit=1))
    routes = [r for r in first.routes if r.visits]
    everyone = Part((), tuple(range(len(problem.tickets))))
    better, info = improve_segments(
        problem,
        SolveParams(time_limit=seconds, seed=3),
        solve_ortools,
        routes,
        deadline=time.perf_counter() + seconds,
    )
    assert info["segment_groups_tried"] >= 1
    served = Counter(v.ticket_id for r in better for v in r.visits)
    assert not served or max(served.values()) == 1
    # Compared as the search compares them: each route timed from its sequence alone.
    after, before = (
        rank_routes(problem, everyone, _retimed(problem, rs)) for rs in (better, routes)
    )
    assert after <= before
    if info["segment_groups_kept"]:
        assert after < before
    read = solve_ortools(problem, SolveParams(time_limit=10, solution_limit=1), initial=better)
    assert_valid(problem, read)
    assert {v.ticket_id for r in read.routes for v in r.visits} == set(served)


@needs_shared
def test_improve_segments_never_makes_a_benchmark_plan_worse() -> None:
    _check_improve(read_vrplib(INSTANCES / "solomon" / "R201.vrp").problem, 2.0)


def test_improve_segments_keeps_a_field_day_valid() -> None:
    # Few technicians, many tickets: long routes with breaks, skills, parts and windows.
    _check_improve(generate(70, 3, seed=5), 2.0)


@needs_shared
def test_solve_re_plans_segments_on_a_day_of_long_routes() -> None:
    problem = read_vrplib(INSTANCES / "homberger" / "200" / "RC2_2_1.vrp").problem
    result = solve(problem, SolveParams(time_limit=5))
    info = result.details["decomposition"]
    assert isinstance(info, dict)
    assert info["segment_groups_tried"] >= 1
    assert_valid(problem, result)
    assert not result.unassigned


@needs_shared
def test_smaller_days_of_long_routes_are_searched_whole() -> None:
    problem = read_vrplib(INSTANCES / "solomon" / "RC201.vrp").problem
    result = solve(problem, SolveParams(time_limit=3))
    info = result.details["decomposition"]
    assert isinstance(info, dict)
    assert "segment_groups_tried" not in info
    assert_valid(problem, result)
