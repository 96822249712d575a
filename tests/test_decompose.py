"""Decomposition of large days: parts, sub-problems, construction, group re-planning."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from dispatchopt import SolveParams, decompose, solve
from dispatchopt.decompose import (
    LONG_RUIN_STRING,
    RECREATE_SHARE,
    _route_groups,
    construct,
    group_size,
    improve,
    partition,
    regroups,
    solve_in_parts,
    splits,
    worth_it,
)
from dispatchopt.eligibility import compute_eligibility
from dispatchopt.generate import generate
from dispatchopt.io.vrplib import read_vrplib
from dispatchopt.models.problem import Problem
from dispatchopt.result import Result, Route, Visit
from dispatchopt.solvers.ortools import solve_ortools
from dispatchopt.subproblem import Part, subproblem
from dispatchopt.subproblem import rank_routes as _rank
from tests.conftest import INSTANCES, assert_valid, needs_shared
from tests.test_properties import problems

FAST_PART = SolveParams(time_limit=5, solution_limit=20)


@pytest.fixture(scope="module")
def day() -> Problem:
    return generate(160, 16, seed=3)


def test_partition_covers_every_ticket_and_technician_once(day: Problem) -> None:
    parts = partition(day, size=40)
    assert len(parts) == 4
    tickets = Counter(i for p in parts for i in p.tickets)
    techs = Counter(t for p in parts for t in p.technicians)
    assert tickets == Counter(range(len(day.tickets)))
    assert techs == Counter(range(len(day.technicians)))
    # Balanced: clusters hold at most ceil(n / k) before skill moves; a few may move.
    assert max(len(p.tickets) for p in parts) <= math.ceil(160 / 4) + 10
    assert all(len(p.technicians) >= 1 for p in parts)


def test_partition_keeps_a_ticket_with_someone_who_may_serve_it(day: Problem) -> None:
    allowed = compute_eligibility(day).allowed
    tech_of = np.array([v.technician for v in day.vehicles])
    for part in partition(day, size=40):
        own = np.isin(tech_of, part.technicians)
        for i in part.tickets:
            if allowed[i].any():
                assert allowed[i, own].any(), day.tickets[i].id


def test_partition_groups_nearby_tickets(day: Problem) -> None:
    """Tickets of one part are closer to each other than to the day at large."""
    rows = day.location_table.ticket
    dur = day.travel_matrices.duration
    whole = dur[np.ix_(rows, rows)].mean()
    for part in partition(day, size=40):
        r = rows[list(part.tickets)]
        assert dur[np.ix_(r, r)].mean() < 0.8 * whole


def test_small_day_is_one_part(day: Problem) -> None:
    assert partition(day, size=500) == [
        Part(tuple(range(16)), tuple(range(160))),
    ]
    assert not splits(day)
    assert splits(generate(300, 30, seed=0))


def test_groups_are_re_planned_only_under_a_time_limit_alone(day: Problem) -> None:
    """Rounds until a deadline are not deterministic: a solution limit switches them off."""
    assert regroups(day, SolveParams(time_limit=10))
    assert not regroups(day, SolveParams(time_limit=10, solution_limit=50))
    assert not regroups(day, SolveParams(time_limit=1))  # the first solution needs it
    assert not regroups(generate(20, 4, seed=0), SolveParams(time_limit=10))  # one group
    assert worth_it(day, SolveParams(time_limit=10))
    assert not worth_it(day, SolveParams(time_limit=10, solution_limit=50))
    assert worth_it(generate(300, 30, seed=0), SolveParams(time_limit=10, solution_limit=50))


def test_subproblem_keeps_travel_times_and_restricts_rules(day: Problem) -> None:
    part = partition(day, size=40)[0]
    inside = day.technicians[part.technicians[0]].id
    outside = next(t.id for k, t in enumerate(day.technicians) if k not in part.technicians)
    a, b = part.tickets[:2]
    tickets = list(day.tickets)
    tickets[a] = replace(tickets[a], required_technicians=frozenset({inside, outside}))
    tickets[b] = replace(tickets[b], required_technicians=frozenset({outside}))
    problem = day.evolve(tickets=tuple(tickets))
    sub = subproblem(problem, part)
    ids = [t.id for t in sub.tickets]
    assert day.tickets[b].id not in ids  # only someone elsewhere may do it
    kept = sub.tickets[ids.index(day.tickets[a].id)]
    assert kept.required_technicians == {inside}
    # Same drive between two tickets as in the whole day.
    i, j = (problem.ticket_index[ids[k]] for k in (1, 2))
    full = problem.travel_matrices.duration
    rows = problem.location_table.ticket
    sub_rows = sub.location_table.ticket
    assert sub.travel_matrices.duration[sub_rows[1], sub_rows[2]] == full[rows[i], rows[j]]


def test_construct_routes_warm_start_the_whole_day(day: Problem) -> None:
    routes, info = construct(day, FAST_PART, solve_ortools, budget=None, size=40)
    assert info["parts"] == 4
    served = Counter(v.ticket_id for r in routes for v in r.visits)
    assert served and max(served.values()) == 1
    result = solve_ortools(day, SolveParams(time_limit=10, solution_limit=1), initial=routes)
    assert result.details["first_solution"] == "INITIAL_ROUTES"
    assert_valid(day, result)
    # The whole-day search starts from the parts' routes and never serves fewer.
    assert sum(len(r.visits) for r in result.routes) >= len(served)


def test_route_groups_cover_technicians_and_routed_tickets(day: Problem) -> None:
    routes, _ = construct(day, FAST_PART, solve_ortools, budget=None, size=40)
    groups = _route_groups(day, routes, first=5, size=40)
    assert Counter(t for g in groups for t in g.technicians) == Counter(range(16))
    in_groups = Counter(day.tickets[i].id for g in groups for i in g.tickets)
    assert max(in_groups.values()) == 1
    served = {v.ticket_id for r in routes for v in r.visits}
    assert served <= in_groups.keys()
    # A route's tickets go with its technician.
    for g in groups:
        ids = {day.technicians[t].id for t in g.technicians}
        mine = {day.tickets[i].id for i in g.tickets}
        for r in routes:
            if r.technician_id in ids:
                assert {v.ticket_id for v in r.visits} <= mine


def test_improve_never_makes_the_plan_worse(day: Problem) -> None:
    routes, _ = construct(day, FAST_PART, solve_ortools, budget=None, size=40)
    whole = Part(tuple(range(16)), tuple(range(160)))
    before = _rank(day, whole, routes)
    better, info = improve(
        day,
        SolveParams(time_limit=5, seed=1),
        solve_ortools,
        routes,
        deadline=time.perf_counter() + 3,
        size=40,
    )
    assert info["groups_tried"] >= 1
    assert _rank(day, whole, better) <= before
    if info["groups_kept"]:
        assert _rank(day, whole, better) < before
    result = solve_ortools(day, SolveParams(time_limit=5, solution_limit=1), initial=better)
    assert_valid(day, result)


@pytest.mark.parametrize(
    ("tickets", "technicians", "seed", "limit", "parts"),
    [(260, 26, 2, 6.0, 3), (80, 8, 4, 4.0, 1)],
    ids=["large-day-in-parts", "small-day-first-search"],
)
def test_solve_re_plans_groups_of_routes(
    tickets: int, technicians: int, seed: int, limit: float, parts: int
) -> None:
    problem = generate(tickets, technicians, seed=seed)
    result = solve(problem, SolveParams(time_limit=limit))
    assert result.runtime <= limit + 1.0
    info = result.details["decomposition"]
    assert isinstance(info, dict) and info["parts"] == parts
    assert isinstance(info["groups_tried"], int) and info["groups_tried"] >= 1
    assert result.details["first_solution"] == "INITIAL_ROUTES"
    assert_valid(problem, result)


def test_decompose_can_be_switched_off() -> None:
    problem = generate(260, 26, seed=2)
    result = solve(problem, SolveParams(time_limit=2, decompose=False))
    assert "decomposition" not in result.details
    assert_valid(problem, result)


def test_groups_hold_three_routes_and_need_six() -> None:
    def routes(*lengths: int) -> list[Route]:
        return [
            Route(
                technician_id=f"V{k}",
                shift_index=0,
                start=0,
                end=0,
                visits=tuple(
                    Visit(
                        ticket_id=f"{k}-{j}", arrival=0, start=0, end=0, travel_time=0, distance=0
                    )
                    for j in range(n)
                ),
            )
            for k, n in enumerate(lengths)
        ]

    assert group_size(routes(8, 8, 8, 8, 8, 8, 0, 0)) == 25  # at least GROUP_SIZE
    assert group_size(routes(12, 12, 12, 12, 12, 12)) == 36
    assert group_size(routes(20, 20, 20, 20, 20, 20)) is None  # long routes: whole day
    assert group_size(routes(33, 33, 34, 0, 0, 0, 0)) is None  # few long routes: whole day


def test_a_day_of_few_long_routes_is_searched_whole() -> None:
    problem = generate(60, 4, seed=1)
    result = solve(problem, SolveParams(time_limit=3))
    info = result.details["decomposition"]
    assert isinstance(info, dict) and "groups_tried" not in info
    assert_valid(problem, result)


def test_a_solution_limit_keeps_a_small_day_whole_and_deterministic() -> None:
    problem = generate(80, 8, seed=4)
    params = SolveParams(time_limit=30, solution_limit=30)
    first, second = solve(problem, params), solve(problem, params)
    assert "decomposition" not in first.details
    assert first.routes == second.routes
    assert_valid(problem, first)


def test_when_the_first_search_finds_nothing_the_whole_day_gets_the_rest() -> None:
    problem = generate(80, 8, seed=4)
    calls: list[tuple[float | None, bool]] = []

    def solver(p: Problem, params: SolveParams, *, initial: object = None) -> Result:
        calls.append((params.time_limit, initial is not None))
        result = solve_ortools(p, replace(params, time_limit=1, solution_limit=1))
        return result if len(calls) > 1 else replace(result, status="no_solution", routes=())

    result = solve_in_parts(problem, SolveParams(time_limit=4), solver)
    assert len(calls) == 2 and not calls[1][1]  # no group rounds, no empty warm start
    assert calls[1][0] is not None and calls[1][0] > 2  # the rest of the 4 s
    assert_valid(problem, result)


def test_routes_not_read_back_are_returned_as_planned(day: Problem) -> None:
    """Should the backend not read the parts' routes back into the whole day (out of time),
    the plan is those routes as they are, every other ticket unassigned with its reason; the
    objective is left unpriced."""
    calls: list[bool] = []

    def solver(p: Problem, params: SolveParams, *, initial: object = None) -> Result:
        calls.append(initial is not None and p is day)
        if calls[-1]:
            return replace(solve_ortools(p, params), status="no_solution", routes=())
        return solve_ortools(p, params, initial=initial)  # type: ignore[arg-type]

    result = solve_in_parts(day, FAST_PART, solver, size=40)
    assert calls[-1] and result.status == "feasible"
    assert_valid(day, result)
    routed = {v.ticket_id for r in result.routes for v in r.visits}
    assert len(routed) > len(day.tickets) // 2
    assert {u.ticket_id for u in result.unassigned} == {t.id for t in day.tickets} - routed
    assert math.isnan(result.objective) and result.details["objective"] == "unpriced"
    reasons = compute_eligibility(day).reasons
    for u in result.unassigned:
        i = day.ticket_index[u.ticket_id]
        assert u.reason == (reasons[i].reason if i in reasons else "no_capacity")


def test_groups_leave_the_whole_day_time_to_read_their_routes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The re-planning of groups stops early enough for the routes to be read back: with a
    read time of 2 s of a 6 s limit, groups end by the fourth second (else at 85 %, 5.1 s)."""
    problem = generate(300, 30, seed=1)
    monkeypatch.setattr(decompose, "READ_SECONDS_PER_PAIR", 2.0 / (300 * 30))
    assert decompose.read_time(problem) == pytest.approx(2.0)
    result = solve_in_parts(problem, SolveParams(time_limit=6), solve_ortools)
    info = result.details["decomposition"]
    assert isinstance(info, dict) and info["improve_time"] < 4.3
    assert_valid(problem, result)


@pytest.mark.parametrize("whole", [True, False])
def test_a_day_too_large_to_search_whole_only_has_its_routes_read_back(
    monkeypatch: pytest.MonkeyPatch, whole: bool
) -> None:
    """A day planned in parts above :data:`WHOLE_DAY_MAX_TICKETS`: after the groups, the
    backend only reads the routes back (solution limit 1) and returns early, leaving the time
    to the priority repair; up to it, the whole day is searched to the limit."""
    problem = generate(300, 30, seed=1)
    monkeypatch.setattr(decompose, "WHOLE_DAY_MAX_TICKETS", 300 if whole else 299)
    calls: list[SolveParams] = []

    def solver(p: Problem, params: SolveParams, *, initial: object = None) -> Result:
        if p is problem:
            calls.append(params)
        return solve_ortools(p, params, initial=initial)  # type: ignore[arg-type]

    started = time.perf_counter()
    result = solve_in_parts(problem, SolveParams(time_limit=6), solver)
    took = time.perf_counter() - started
    assert_valid(problem, result)
    (final,) = calls
    assert final.solution_limit == (None if whole else 1)
    assert (took > 5.7) if whole else (took < 5.6)
    if whole:  # without the operators that run past the limit on a whole day
        assert all(final.operators[k] is False for k in decompose.WHOLE_DAY_OPERATORS_OFF)


def test_a_users_operator_settings_win_over_the_whole_day_defaults() -> None:
    params = SolveParams(operators={"use_global_cheapest_insertion_path_lns": True})
    ops = decompose.whole_day_params(params).operators
    assert ops["global_cheapest_insertion_path_lns"] is True
    assert ops["local_cheapest_insertion_path_lns"] is False


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_random_problems_plan_validly_in_parts(problem: Problem) -> None:
    """Parts of three tickets, groups of three re-planned, the whole day searched from there:
    every ticket is routed once or unassigned with a reason, no hard constraint is broken."""
    params = SolveParams(time_limit=5, solution_limit=10)
    routes, _ = construct(problem, params, solve_ortools, budget=None, size=3)
    routes, _ = improve(
        problem, params, solve_ortools, routes, deadline=time.perf_counter() + 0.5, size=3
    )
    result = solve_ortools(problem, params, initial=routes)
    assert result.is_feasible()
    assert_valid(problem, result)


@pytest.mark.slow
def test_warm_start_completes_on_a_large_day_with_breaks() -> None:
    """OR-Tools completes warm-start routes under its LNS time limit; with the default 0.1 s
    a 700-ticket day with lunch breaks failed outright (measured), so the warm start raises it.
    """
    problem = generate(700, 70, seed=0)
    routes, _ = construct(problem, FAST_PART, solve_ortools, budget=None)
    result = solve_ortools(problem, SolveParams(time_limit=30, solution_limit=1), initial=routes)
    assert result.details["first_solution"] == "INITIAL_ROUTES"
    assert_valid(problem, result)


@needs_shared
@pytest.mark.parametrize("name", ["R105", "RC201"])
def test_ruin_and_recreate_first_on_a_day_planned_whole(name: str) -> None:
    """Solomon R105 (many short routes: groups follow) and RC201 (four long routes, too small
    for segments: the whole-day search follows) are first planned by ruin and recreate, within
    its share of the time; not when it is switched off. The plans validate."""
    problem = read_vrplib(INSTANCES / "solomon" / f"{name}.vrp").problem
    limit = 2.0
    result = solve(problem, SolveParams(time_limit=limit))
    assert_valid(problem, result)
    assert not result.unassigned
    info = result.details["decomposition"]
    assert isinstance(info, dict)
    recreated, first = info["recreate_time"], info["first_time"]
    assert isinstance(recreated, float) and isinstance(first, float)
    assert first < recreated < first + RECREATE_SHARE * limit + 0.5
    off = solve(problem, SolveParams(time_limit=limit, iterated_local_search=False))
    assert_valid(problem, off)
    off_info = off.details["decomposition"]
    assert isinstance(off_info, dict) and "recreate_time" not in off_info


@needs_shared
@pytest.mark.parametrize(("name", "string"), [("R105", None), ("RC201", LONG_RUIN_STRING)])
def test_longer_ruined_strings_only_on_a_day_of_long_routes(name: str, string: int | None) -> None:
    """Solomon RC201 (four long routes: no groups) has every search after its first solution
    ruin strings of up to :data:`LONG_RUIN_STRING`; R105 (many short routes) keeps the default,
    and a ``ruin_string`` given in the settings is kept on either day. The plans validate."""
    problem = read_vrplib(INSTANCES / "solomon" / f"{name}.vrp").problem
    seen: list[int | None] = []

    def recording(p: Problem, params: SolveParams, **kw: object) -> Result:
        seen.append(params.ruin_string)
        return solve_ortools(p, params, **kw)  # type: ignore[arg-type]

    for setting, expected in ((None, string), (7, 7)):
        seen.clear()
        result = solve_in_parts(
            problem, SolveParams(time_limit=2.0, ruin_string=setting), recording
        )
        assert_valid(problem, result)
        assert len(seen) >= 3 and seen[0] == setting
        assert set(seen[1:]) == {expected}
