"""End-to-end solving: realistic days, determinism, limits and fallbacks."""

from __future__ import annotations

import importlib
import itertools
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from dispatchopt import Location, Priority, Problem, Result, SolveParams, generate, solve
from dispatchopt.io.vrplib import read_vrplib
from dispatchopt.plan import time_routes
from dispatchopt.result import Route
from dispatchopt.solve import portfolio_variants
from dispatchopt.solvers import Backend
from dispatchopt.solvers import ortools as ortools_backend
from dispatchopt.solvers.ortools import solve_ortools
from tests.conftest import INSTANCES, H, assert_valid, make_problem, needs_shared, tech, ticket


def test_field_day_is_valid_and_mostly_assigned(field_day: Problem) -> None:
    """The bundled-size day (60 tickets, 8 technicians) plans cleanly and assigns most work."""
    r = solve(field_day, SolveParams(time_limit=3))
    assert_valid(field_day, r)
    assert r.kpis.assigned >= 45
    assert r.kpis.assigned_by_priority["critical"][0] == r.kpis.assigned_by_priority["critical"][1]


def test_deterministic_under_solution_limit() -> None:
    """Same problem, seed and solution limit give the same plan twice."""
    p = generate(25, 4, seed=3)
    params = SolveParams(time_limit=60, solution_limit=40)
    a, b = solve(p, params), solve(p, params)
    assert_valid(p, a)
    assert a.routes == b.routes and a.objective == b.objective


def test_seed_changes_the_search_but_not_validity() -> None:
    """Different seeds are all valid (the seed reorders the model's nodes)."""
    p = generate(25, 4, seed=3)
    for seed in (1, 2):
        assert_valid(p, solve(p, SolveParams(time_limit=60, solution_limit=40, seed=seed)))


def test_time_limit_honoured() -> None:
    """A 1-second limit returns within about a second on a 150-ticket day."""
    p = generate(150, 15, seed=1)
    started = time.perf_counter()
    r = solve(p, SolveParams(time_limit=1.0))
    assert time.perf_counter() - started < 1.0 + 1.5  # build and extraction included
    assert_valid(p, r)


def test_search_goes_on_in_the_time_the_priority_repair_leaves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A small day, 6 s: the priority repair needs little of the 1.2 s kept for it, and the
    search goes on from the repaired plan until 0.5 s before the limit; its plan serves no
    fewer tickets of any priority than the repaired one. With a larger minimum the search
    does not go on and the time is left unused."""
    solve_module = importlib.import_module("dispatchopt.solve")  # the package exports the function
    p = generate(40, 5, seed=2)
    assert len({t.priority for t in p.tickets}) > 1  # else nothing is kept for the repair
    search_on = solve_module._search_on
    seen: list[tuple[Result, Result]] = []

    def recorded(
        problem: Problem, params: SolveParams, solver: Backend, plan: Result, deadline: float
    ) -> Result:
        out = search_on(problem, params, solver, plan, deadline)
        seen.append((plan, out))
        return out

    monkeypatch.setattr(solve_module, "_search_on", recorded)
    on = solve(p, SolveParams(time_limit=6))
    assert_valid(p, on)
    assert "search_on" in on.details and 5.3 < on.runtime <= 6.1
    ((repaired, searched),) = seen
    assert searched is on or searched.routes == on.routes
    assert solve_module._rank(on)[:6] <= solve_module._rank(repaired)[:6]
    monkeypatch.setattr(solve_module, "_SEARCH_ON_MIN", 1e9)
    off = solve(p, SolveParams(time_limit=6))
    assert "search_on" not in off.details and off.runtime < 5.2


@pytest.mark.parametrize("too_large", [True, False])
def test_one_priority_day_only_read_back_after_its_parts_gets_the_repair(
    monkeypatch: pytest.MonkeyPatch, too_large: bool
) -> None:
    """Tickets of one priority: a day planned in parts and too large to search whole (the
    threshold lowered to 299 for a 300-ticket day) keeps time for the repair, whose insertions
    and relocations are then the only pass over the whole day, and groups of its routes go on
    in what the repair leaves (here all of it: the repair is stubbed to return at once); a day
    searched whole keeps none (nothing the search would not do)."""
    from dispatchopt import decompose

    solve_module = importlib.import_module("dispatchopt.solve")
    p = generate(300, 30, seed=2)
    p = replace(p, tickets=tuple(replace(t, priority=Priority.NORMAL) for t in p.tickets))
    monkeypatch.setattr(decompose, "WHOLE_DAY_MAX_TICKETS", 299 if too_large else 300)
    repairs: list[float | None] = []
    groups: list[float] = []
    improve = decompose.improve

    def recorded_repair(problem: Problem, plan: Result, deadline: float | None = None) -> Result:
        repairs.append(deadline)
        return plan

    def recorded_improve(*args: object, **kwargs: object) -> object:
        groups.append(time.perf_counter())
        return improve(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(solve_module, "priority_repair", recorded_repair)
    monkeypatch.setattr(decompose, "improve", recorded_improve)
    result = solve(p, SolveParams(time_limit=8))
    assert_valid(p, result)
    assert len(repairs) == (1 if too_large else 0)
    assert len(groups) == (2 if too_large else 1)
    assert result.runtime <= 8.1
    if too_large:
        assert result.runtime > 7.0  # the groups used the repair's time


def _stale_search(cut_short: Result) -> Backend:
    """A backend whose search returns ``cut_short`` (priced by OR-Tools) and that searches
    on from given routes with OR-Tools."""

    def backend(
        problem: Problem, params: SolveParams, *, initial: Sequence[Route] | None = None
    ) -> Result:
        if initial is not None:
            return solve_ortools(problem, params, initial=initial)
        read = solve_ortools(problem, SolveParams(solution_limit=1), initial=cut_short.routes)
        return replace(cut_short, objective=read.objective)

    return backend


@pytest.mark.parametrize("time_limit", [None, 2.0])
def test_objective_is_priced_again_after_the_priority_repair(
    monkeypatch: pytest.MonkeyPatch, time_limit: float | None
) -> None:
    """The search (cut short) leaves a critical job out for a low one; the repair swaps them.
    The objective is then that of the repaired routes, the same as OR-Tools' own search gives
    the same plan, not the search's (which holds the critical job's penalty). Under a solution
    limit (repair to the end) and a time limit (no time left to search on)."""
    solve_module = importlib.import_module("dispatchopt.solve")
    p = make_problem(
        [tech("A", start=8 * H, end=13 * H)],
        [
            ticket("low", 2, duration=4 * H, priority=Priority.LOW),
            ticket("crit", 3, duration=4 * H, priority=Priority.CRITICAL),
        ],
    )
    own = solve(p, SolveParams(time_limit=None, solution_limit=20, priority_repair=False))
    assert [v.ticket_id for v in own.routes[0].visits] == ["crit"]
    cut_short = _stale_search(time_routes(p, [("A", 0, ["low"])]))
    stale = cut_short(p, SolveParams()).objective
    monkeypatch.setattr(solve_module, "get_backend", lambda name: cut_short)
    monkeypatch.setattr(solve_module, "_SEARCH_ON_MIN", 1e9)
    r = solve(
        p, SolveParams(time_limit=time_limit, solution_limit=20 if time_limit is None else None)
    )
    assert_valid(p, r)
    assert [v.ticket_id for v in r.routes[0].visits] == ["crit"]
    assert r.details["priority_repair"] == 1 and r.details["objective"] == "priced"
    assert r.objective == pytest.approx(own.objective) and r.objective < stale / 10


def test_objective_stays_the_searchs_when_the_backend_cannot_read_the_routes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Should the backend not read the repaired routes back, the search's objective stays,
    and the details say so."""
    solve_module = importlib.import_module("dispatchopt.solve")
    p = make_problem(
        [tech("A", start=8 * H, end=13 * H)],
        [
            ticket("low", 2, duration=4 * H, priority=Priority.LOW),
            ticket("crit", 3, duration=4 * H, priority=Priority.CRITICAL),
        ],
    )
    cut_short = time_routes(p, [("A", 0, ["low"])])

    def backend(
        problem: Problem, params: SolveParams, *, initial: Sequence[Route] | None = None
    ) -> Result:
        if initial is None:
            return replace(cut_short, objective=1e9)
        return replace(cut_short, status="no_solution", objective=float("inf"))

    monkeypatch.setattr(solve_module, "get_backend", lambda name: backend)
    r = solve(p, SolveParams(time_limit=None, solution_limit=20))
    assert [v.ticket_id for v in r.routes[0].visits] == ["crit"]
    assert r.details["objective"] == "search" and r.objective == 1e9


def test_no_first_solution_is_started_past_the_deadline_after_a_failed_warm_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given routes not read back by the deadline, the backend returns no plan at once rather
    than start a first-solution heuristic past its limit."""
    p = generate(20, 3, seed=1)
    first = solve_ortools(p, SolveParams(time_limit=5, solution_limit=1))
    started: list[str] = []

    def slow_warm_start(*args: object) -> None:
        time.sleep(0.3)

    def first_then_search(model: object, params: object, strategy: str, *rest: object) -> None:
        started.append(strategy)

    monkeypatch.setattr(ortools_backend, "_warm_start", slow_warm_start)
    monkeypatch.setattr(ortools_backend, "_first_then_search", first_then_search)
    routes = [r for r in first.routes if r.visits]
    r = solve_ortools(p, SolveParams(time_limit=0.2), initial=routes)
    assert r.status == "no_solution" and not started
    r = solve_ortools(p, SolveParams(time_limit=5), initial=routes)
    assert r.status == "no_solution" and started  # before the deadline, strategies are tried


def test_fallback_when_first_strategy_fails() -> None:
    """A first-solution strategy that finds nothing falls back and still returns a valid plan."""
    p = generate(30, 4, seed=5)
    # SWEEP needs coordinates OR-Tools was not given, so it finds nothing on this model.
    params = SolveParams(time_limit=3, solution_limit=30, first_solution="SWEEP")
    r = solve(p, params)
    assert_valid(p, r)
    assert r.is_feasible()
    assert r.details["first_solution"] == "LOCAL_CHEAPEST_INSERTION"
    r = solve(
        p,
        SolveParams(
            time_limit=3, solution_limit=30, first_solution="SWEEP", fallback_first_solutions=()
        ),
    )
    assert_valid(p, r)
    assert r.details["first_solution"] == "ALL_UNPERFORMED"
    assert r.kpis.assigned > 0  # local search still fills the empty start


def test_multi_day_generated() -> None:
    """A three-day horizon plans one route per technician per day, validly."""
    p = generate(40, 3, seed=2, days=3)
    r = solve(p, SolveParams(time_limit=2))
    assert_valid(p, r)
    assert len(r.routes) == 9


def test_summary_and_str_are_readable(field_day: Problem) -> None:
    """The text output names technicians, tickets and KPIs."""
    r = solve(field_day, SolveParams(time_limit=1))
    text = str(r)
    assert "SLA on time" in text and "TECH-" in text and "T-00" in text
    for u in r.unassigned:
        assert u.ticket_id in text


def test_search_options_reach_ortools(tmp_path: Path) -> None:
    """Operators, LNS limit, neighbour ratio and ILS from TOML are applied; unknown names error."""
    from dispatchopt import InputError
    from dispatchopt.solvers.ortools import _search_parameters

    toml = tmp_path / "p.toml"
    toml.write_text(
        "[solve]\ntime_limit = 2.0\nlns_time_limit = 0.5\nneighbors_ratio = 0.3\n"
        "iterated_local_search = true\n[solve.operators]\npath_lns = true\nuse_two_opt = false\n"
    )
    params = SolveParams.from_toml(toml)
    search = _search_parameters(params, "PARALLEL_CHEAPEST_INSERTION", 2.0, 10)
    assert search.local_search_operators.use_path_lns == optional_boolean_pb2.BOOL_TRUE
    assert search.local_search_operators.use_two_opt == optional_boolean_pb2.BOOL_FALSE
    assert search.lns_time_limit.ToMilliseconds() == 500
    assert search.ls_operator_neighbors_ratio == 0.3 and not search.use_iterated_local_search
    ruin = _search_parameters(
        params, "PARALLEL_CHEAPEST_INSERTION", 2.0, 10, ruin_and_recreate=True
    )
    assert ruin.use_iterated_local_search
    assert (
        ruin.local_search_metaheuristic == routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    )
    strategies = ruin.iterated_local_search_parameters.ruin_recreate_parameters.ruin_strategies
    assert [r.WhichOneof("strategy") for r in strategies] == ["sisr"]
    # about 20 visits per round, in strings of at most 10: at least two routes are ruined
    assert strategies[0].sisr.avg_num_removed_visits == 20
    assert strategies[0].sisr.max_removed_sequence_size == 10
    longer = _search_parameters(
        replace(params, ruin_string=20, ruin_visits=30),
        "PARALLEL_CHEAPEST_INSERTION",
        2.0,
        10,
        ruin_and_recreate=True,
    )
    sisr = longer.iterated_local_search_parameters.ruin_recreate_parameters.ruin_strategies[0].sisr
    assert sisr.max_removed_sequence_size == 20 and sisr.avg_num_removed_visits == 30
    p = generate(20, 3, seed=1)
    assert_valid(p, solve(p, replace(params, solution_limit=20)))
    with pytest.raises(InputError, match="unknown operator 'warp_drive'"):
        solve(p, replace(params, operators={"warp_drive": True}))


def test_rejected_search_settings_raise_not_empty_plan() -> None:
    """Settings OR-Tools rejects raise InputError instead of returning an all-unassigned plan."""
    from dispatchopt import InputError

    p = generate(10, 2, seed=1)
    with pytest.raises(InputError, match="OR-Tools rejects these search settings"):
        solve(p, SolveParams(time_limit=1, guided_local_search_lambda=-1.0))


def _count_ruin_and_recreate(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record every call of OR-Tools' iterated local search."""
    calls: list[object] = []
    real = pywrapcp.RoutingModel.SolveWithIteratedLocalSearch

    def counted(self: pywrapcp.RoutingModel, search: object) -> object:
        calls.append(search)
        return real(self, search)

    monkeypatch.setattr(pywrapcp.RoutingModel, "SolveWithIteratedLocalSearch", counted)
    return calls


@needs_shared
def test_ruin_and_recreate_escapes_the_local_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    """Solomon R105 planned whole for 2 s: ruin and recreate runs (trial, then the rest) and
    ends well below where plain descent stops; its plan, times set afterwards, validates."""
    p = read_vrplib(INSTANCES / "solomon" / "R105.vrp").problem
    whole = {"decompose": False, "priority_repair": False}
    descent = solve(
        p,
        SolveParams(
            time_limit=2, metaheuristic="GREEDY_DESCENT", iterated_local_search=False, **whole
        ),
    )
    calls = _count_ruin_and_recreate(monkeypatch)
    ruined = solve(p, SolveParams(time_limit=2, iterated_local_search=True, **whole))
    assert len(calls) == 2
    assert_valid(p, ruined)
    assert not ruined.unassigned and not descent.unassigned
    assert ruined.kpis.distance < 0.98 * descent.kpis.distance


def test_ruin_and_recreate_that_leaves_tickets_out_gives_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When ruin and recreate places fewer tickets in its trial run than our first solution
    (here: the first solution is made to count 1,000 more), the metaheuristic searches on from
    our first solution instead, and the plan validates."""
    p = generate(60, 6, seed=4)
    whole = {"decompose": False, "priority_repair": False}
    calls = _count_ruin_and_recreate(monkeypatch)
    real = ortools_backend._performed
    counted: list[int] = []

    def inflated(model: object, solution: object) -> int:
        counted.append(real(model, solution))  # type: ignore[arg-type]
        return counted[-1] + (1000 if len(counted) == 1 else 0)

    monkeypatch.setattr(ortools_backend, "_performed", inflated)
    r = solve(p, SolveParams(time_limit=2, iterated_local_search=True, **whole))
    assert len(calls) == 1 and len(counted) == 2  # the trial only
    assert_valid(p, r)
    assert r.kpis.assigned >= counted[0]  # searched on from the first solution


def test_two_slot_appointments_leave_exact_scheduling_working(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A generated day with tickets bookable in two slots: OR-Tools' first solution with exact
    times places as many tickets as without them (none, when each ticket was one node whose
    time had a hole between its slots), and ruin and recreate passes its trial there."""
    p = generate(100, 12, seed=0)
    assert sum(len(t.time_windows) == 2 for t in p.tickets) >= 5
    params = SolveParams(time_limit=2, decompose=False)
    model = ortools_backend._build(p, params)
    first = replace(params, solution_limit=1)
    placed = []
    for exact in (False, True):
        search = ortools_backend._search_parameters(
            first, "PARALLEL_CHEAPEST_INSERTION", 2.0, len(p.tickets), exact_times=exact
        )
        placed.append(ortools_backend._performed(model, model.routing.SolveWithParameters(search)))
    assert placed[1] >= placed[0] > 0
    calls = _count_ruin_and_recreate(monkeypatch)
    r = solve(p, SolveParams(time_limit=2, decompose=False, priority_repair=False))
    assert len(calls) == 2  # the trial, then the rest
    assert_valid(p, r)


def test_portfolio_keeps_the_cheapest_valid_plan(field_day: Problem) -> None:
    """Two seeds in two processes: the plan returned is the cheaper one, and it validates."""
    params = SolveParams(time_limit=20, solution_limit=30, workers=2)
    result = solve(field_day, params)
    assert_valid(field_day, result)
    objectives = result.details["portfolio"]
    assert len(objectives) == 2  # type: ignore[arg-type]
    assert result.objective == min(objectives)  # type: ignore[type-var]
    worker = result.details["worker"]
    assert isinstance(worker, int)
    alone = solve(field_day, portfolio_variants(params)[worker])
    assert alone.objective == result.objective  # deterministic under a solution limit


def test_portfolio_workers_differ_in_seed_and_ruin_size() -> None:
    """Worker k: seed + k, ruin sizes in turn from PORTFOLIO_RUIN_VISITS (a user's own
    ruin_visits wins), one worker each, the time limit less the margin."""
    from dispatchopt.solve import _PORTFOLIO_MARGIN, PORTFOLIO_RUIN_VISITS

    three = portfolio_variants(SolveParams(time_limit=10, seed=4, workers=3))
    assert [p.seed for p in three] == [4, 5, 6]
    assert [p.ruin_visits for p in three] == [
        PORTFOLIO_RUIN_VISITS[k % len(PORTFOLIO_RUIN_VISITS)] for k in range(3)
    ]
    assert len({p.ruin_visits for p in three}) == 2
    assert all(p.workers == 1 and p.time_limit == 10 - _PORTFOLIO_MARGIN for p in three)
    own = portfolio_variants(SolveParams(workers=2, ruin_visits=15))
    assert [p.ruin_visits for p in own] == [15, 15]


def test_unassigned_penalties_stay_below_int64_on_large_days() -> None:
    """OR-Tools saturates the objective at int64's limit, and a saturated objective cannot
    tell plans apart: all penalties together must stay below the budget. Priorities keep
    their order (up to the cap)."""
    import numpy as np

    from dispatchopt.solvers.ortools import _PENALTY_BUDGET, _penalties

    for n in (100, 1000, 3000):
        problem = generate(n, max(n // 10, 1), seed=0)
        active = np.arange(n)
        pen = _penalties(problem, active, base=10**9)
        assert int(pen.sum(dtype=object)) <= _PENALTY_BUDGET < 2**62
        by_priority = sorted(
            (t.priority, int(p)) for t, p in zip(problem.tickets, pen, strict=True)
        )
        assert all(a[1] <= b[1] for a, b in itertools.pairwise(by_priority))
        if n == 100:  # small enough for strict dominance: one ticket outweighs all below it
            for level in {t.priority for t in problem.tickets}:
                mine = [
                    int(p) for t, p in zip(problem.tickets, pen, strict=True) if t.priority == level
                ]
                below = sum(
                    int(p) for t, p in zip(problem.tickets, pen, strict=True) if t.priority < level
                )
                assert min(mine) > below


def test_technicians_at_their_own_prices_share_one_cost_matrix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every technician at another hourly and per-km price: the model still holds one matrix
    for driving time and one for arc costs (what each pays above the lowest prices is a span
    cost), not one per technician (2,000 tickets x 100 technicians: 37.6 s and 4.4 GB to
    build with one each). Unpriced technicians are a class of their own."""
    day = generate(30, 6, seed=2)
    techs = tuple(
        replace(t, cost_per_hour=30.0 + k, cost_per_km=0.0 if k == 5 else 0.3 + 0.1 * k)
        for k, t in enumerate(day.technicians)
    )
    sizes: list[int] = []
    register = pywrapcp.RoutingModel.RegisterTransitMatrix

    def counted(self: pywrapcp.RoutingModel, matrix: list[list[int]]) -> int:
        sizes.append(len(matrix))
        return register(self, matrix)

    monkeypatch.setattr(pywrapcp.RoutingModel, "RegisterTransitMatrix", counted)
    priced = day.evolve(technicians=techs)
    r = solve_ortools(priced, SolveParams(time_limit=2.0, solution_limit=50))
    assert_valid(priced, r)
    assert len(sizes) == 3  # time, arc costs, distance (the per-km prices above the lowest)
    sizes.clear()
    unpriced = (replace(techs[0], cost_per_hour=0.0, cost_per_km=0.0), *techs[1:])
    solve_ortools(day.evolve(technicians=unpriced), SolveParams(solution_limit=1))
    assert len(sizes) == 4  # and the unpriced technician's time plus distance


def test_initial_routes_are_read_as_given_when_shifts_end_elsewhere() -> None:
    """OR-Tools reads routes as variable indices, which differ from nodes when a place is
    only a shift's end: routes swapped between two technicians (still feasible) come back
    exactly as given under a one-solution limit."""
    problem = make_problem(
        [
            replace(tech("A", home=0, max_jobs=3), end=Location(index=9)),
            tech("B", home=0, max_jobs=3),
        ],
        [ticket(f"T{k}", k) for k in range(2, 8)],
    )
    first = solve_ortools(problem, SolveParams(time_limit=5, solution_limit=5))
    assert all(r.visits for r in first.routes)
    swapped = [
        replace(r, technician_id="B" if r.technician_id == "A" else "A") for r in first.routes
    ]
    again = solve_ortools(problem, SolveParams(time_limit=5, solution_limit=1), initial=swapped)
    assert again.details["first_solution"] == "INITIAL_ROUTES"
    assert_valid(problem, again)

    def sequences(routes: tuple[Route, ...] | list[Route]) -> dict[str, list[str]]:
        return {r.technician_id: [v.ticket_id for v in r.visits] for r in routes}

    assert sequences(again.routes) == sequences(swapped)


def test_search_goes_on_from_a_first_solution_built_without_exact_times() -> None:
    """The first solution is built with OR-Tools' scheduling solvers off; the search then
    continues from it (with them) and ends cheaper, both plans valid."""
    p = generate(40, 5, seed=2)
    params = SolveParams(time_limit=30, decompose=False, priority_repair=False)
    first = solve_ortools(p, replace(params, solution_limit=1))
    searched = solve_ortools(p, replace(params, solution_limit=200))
    assert_valid(p, first)
    assert_valid(p, searched)
    assert first.details["first_solution"] == searched.details["first_solution"]
    assert searched.objective < first.objective


def test_local_cheapest_insertion_places_the_higher_priority_first() -> None:
    """Two technicians with room for one job each; a routine job only A may do, one only B
    may do, and an urgent one either may do. Inserted fewest-technicians-first (OR-Tools'
    default) the routine jobs take both places and the urgent one is left out; by penalty
    first, the urgent job is placed and one routine job waits."""
    techs = [
        tech("A", skills={"x": 1}, max_jobs=1),
        tech("B", home=9, skills={"y": 1}, max_jobs=1),
    ]
    tickets = [
        ticket("L-x", 1, skills={"x": 1}, priority="low"),
        ticket("L-y", 8, skills={"y": 1}, priority="low"),
        ticket("U", 5, priority="urgent"),
    ]
    p = make_problem(techs, tickets)
    params = SolveParams(
        time_limit=5,
        solution_limit=1,
        first_solution="LOCAL_CHEAPEST_INSERTION",
        priority_repair=False,
        decompose=False,
    )
    r = solve_ortools(p, params)
    assert_valid(p, r)
    assert r.details["first_solution"] == "LOCAL_CHEAPEST_INSERTION"
    assert r.route_of("U") is not None
    assert r.kpis.assigned == 2


def test_ruin_and_recreate_reinserts_by_priority_first() -> None:
    """The recreate step of ruin and recreate orders tickets as the first solution does."""
    search = ortools_backend._search_parameters(
        SolveParams(), "PARALLEL_CHEAPEST_INSERTION", 1.0, 10, ruin_and_recreate=True
    )
    recreate = search.iterated_local_search_parameters.ruin_recreate_parameters  # type: ignore[attr-defined]
    lci = recreate.recreate_strategy.parameters.local_cheapest_insertion
    first = search.local_cheapest_insertion_parameters  # type: ignore[attr-defined]
    cls = type(lci)
    expected = [cls.SORTING_PROPERTY_PENALTY, cls.SORTING_PROPERTY_ALLOWED_VEHICLES]
    assert list(lci.insertion_sorting_properties) == expected
    assert list(first.insertion_sorting_properties) == expected


def test_kpis_count_unassigned_tickets_per_priority() -> None:
    """``KPIs.unassigned_by_priority`` (low first) matches the unassigned list, ticket by
    ticket; the ranking of plans reads it."""
    p = make_problem(
        [tech("A")],
        [
            ticket("low", 2, priority=Priority.LOW),
            ticket("crit", 3, priority=Priority.CRITICAL),
            ticket("crit2", 4, priority=Priority.CRITICAL),
            ticket("normal", 5, priority=Priority.NORMAL),
        ],
    )
    plan = time_routes(p, [("A", 0, ["crit"])])
    assert plan.kpis.unassigned_by_priority == (1, 1, 0, 0, 1)
