"""The one entry point."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

from dispatchopt import decompose
from dispatchopt.ejection import priority_repair
from dispatchopt.models.problem import Problem
from dispatchopt.params import SolveParams
from dispatchopt.result import Result
from dispatchopt.solvers import Backend, get_backend

_PORTFOLIO_MARGIN = 0.25
"""Seconds kept back from each worker's time limit for starting processes and collecting."""
PORTFOLIO_RUIN_VISITS: tuple[int | None, ...] = (None, 30)
"""Visits ruined per round by portfolio workers ``0, 1, 2, ...`` in turn (``None``: the default,
20). Seeds alone diversify little: OR-Tools' routing search has no random seed, and a seed
only reorders the nodes; seeds 0 and 1 gave the same distance on 38 of the 56 Solomon instances
(10 s). Best of two single-worker runs per instance, seed 0 and seed 1, one run per core:
all 56 Solomon instances at 10 s 1.29 % above the best-known distances, with 30 visits on
seed 1 1.09 % (12 visits: 1.17 %; 0.8 of the time to ruin and recreate from scratch: 1.18 %);
all 60 Gehring-Homberger 200 at 30 s 2.30 %, with 30 visits 1.91 % (12: 2.07 %; 0.8: 2.26 %).
Alone, 30 visits did about as well as 20 (Solomon 1.53 % against 1.43 %, GH 2.46 % against
2.45 %): the gain is the diversity."""
_REPAIR_SHARE = 0.2
_REPAIR_MAX = 10.0
"""Share of the time limit (at most this many seconds) kept for the priority repair."""
_SEARCH_ON_MIN = 0.3
"""Seconds the search must get to go on after the priority repair (:func:`_search_on`), once
the backend has read the routes back (:func:`_pricing_time`)."""
_SEARCH_ON_MARGIN = 0.5
"""Seconds of what the repair leaves that the search going on after it does not get: OR-Tools'
cheapest-insertion path operators can run past its time limit (a generated 300-ticket day with
63 tickets unassigned: 1.95 s on a 1.57 s limit; 1.58 s with those operators off)."""
_PRICING_BUILDS = 4.0
_PRICING_MARGIN = 0.1
"""Seconds kept back from the priority repair for pricing its plan (:func:`_pricing_time`):
this many model builds, plus this margin."""


def solve(
    problem: Problem, params: SolveParams | None = None, *, backend: str = "ortools"
) -> Result:
    """Assign tickets to technicians and plan each technician's route.

    Parameters
    ----------
    problem
        The technicians, tickets and travel model.
    params
        Search settings (time limit 10 s by default; ``workers`` > 1 runs a portfolio).
    backend
        Which solver backend to use.

    Returns
    -------
    Result
        Routes for every technician shift, every ticket not routed listed as unassigned with a
        reason, and KPIs. Check it independently with :func:`dispatchopt.validate`.
    """
    params = params or SolveParams()
    if params.workers > 1:
        return _portfolio(problem, params, backend)
    return _run(problem, params, backend)


def _repair_reserve(problem: Problem, params: SolveParams) -> float:
    """Seconds of the time limit kept for the priority repair (none when it cannot help)."""
    if params.time_limit is None or not _repairs(problem, params):
        return 0.0
    return min(_REPAIR_SHARE * params.time_limit, _REPAIR_MAX)


def _repairs(problem: Problem, params: SolveParams) -> bool:
    """Whether the priority repair can change a plan: it is asked for, there is no baseline,
    and the tickets have more than one priority or the day's routes are only read back after
    its parts (:func:`decompose.reads_back_only`). There, with one priority, its insertions and
    relocations are the only pass over the whole day: on SDVRPTW PR14B (720 clients, 30 s)
    every one of the 37 clients left out could be inserted into the plan as it was."""
    return (
        params.priority_repair
        and problem.baseline is None
        and (
            len({t.priority for t in problem.tickets}) > 1
            or decompose.reads_back_only(problem, params)
        )
    )


def _run(problem: Problem, params: SolveParams, backend: str) -> Result:
    """The backend (after planning the parts of a large day), then the priority repair in the
    time kept back for it."""
    started = time.perf_counter()
    deadline = None if params.time_limit is None else started + params.time_limit
    reserve = _repair_reserve(problem, params)
    searched = params
    if params.time_limit is not None and reserve:
        searched = replace(params, time_limit=params.time_limit - reserve)
    solver = get_backend(backend)
    if params.decompose and decompose.worth_it(problem, searched):
        result = decompose.solve_in_parts(problem, searched, solver)
    else:
        result = solver(problem, searched)
    if reserve:
        assert deadline is not None
        pricing = _pricing_time(result)
        repaired = priority_repair(problem, result, deadline=deadline - pricing)
        result = _search_on(problem, searched, solver, repaired, deadline)
        if result is repaired and repaired.details.get("priority_repair"):
            result = _priced(problem, searched, solver, repaired, deadline)
    elif params.priority_repair and params.time_limit is None and problem.baseline is None:
        repaired = priority_repair(problem, result)  # a solution limit: repair to the end
        if repaired.details.get("priority_repair"):
            result = _priced(problem, searched, solver, repaired, None)
    return replace(result, runtime=time.perf_counter() - started)


def _pricing_time(result: Result) -> float:
    """Seconds kept back from the priority repair for :func:`_priced`, from the last model
    build of ``result``'s backend: reading routes back (build, read, times set) took 2.5 to 3.4
    builds on generated days (0.035 s at 100 tickets, 0.16 s at 300, 0.31 s at 500, 1.5 s at
    1,000)."""
    build = result.details.get("build_time")
    return _PRICING_MARGIN + _PRICING_BUILDS * (build if isinstance(build, float) else 0.0)


def _priced(
    problem: Problem, params: SolveParams, solver: Backend, plan: Result, deadline: float | None
) -> Result:
    """``plan`` with the objective the backend gives its routes.

    The priority repair changes routes after the search, so the search's objective still holds
    the unassigned penalties of the tickets the repair placed (on generated 300-ticket days
    7e7 to 1.3e8 where the plans' own were about 1.2e7). The backend reads the routes back, without
    searching, and prices them. Should it not read them all (no time left, or a route it finds
    infeasible), the objective stays the search's and ``details["objective"]`` says so.
    """
    limit = None if deadline is None else max(deadline - time.perf_counter(), _PRICING_MARGIN)
    routes = [r for r in plan.routes if r.visits]
    again = solver(problem, replace(params, time_limit=limit, solution_limit=1), initial=routes)
    if again.status == "no_solution" or {u.ticket_id for u in again.unassigned} != {
        u.ticket_id for u in plan.unassigned
    }:
        return replace(plan, details={**plan.details, "objective": "search"})
    return replace(plan, objective=again.objective, details={**plan.details, "objective": "priced"})


def _search_on(
    problem: Problem, params: SolveParams, solver: Backend, plan: Result, deadline: float
) -> Result:
    """The backend's search again from ``plan``'s routes until :data:`_SEARCH_ON_MARGIN` before
    ``deadline``, when that leaves it at least :data:`_SEARCH_ON_MIN` of the priority repair's
    reserve after reading the routes back (:func:`_pricing_time`; and no solution limit ends
    the search); the better plan by :func:`_rank` is kept. On a day too large to search whole
    (:func:`decompose.reads_back_only`) groups of its routes are re-planned instead
    (:func:`decompose.improve`) and the routes read back.

    The repair needs its reserve on large days (generated 300 and 1,000 tickets: all of it) and
    a fraction of a second on small ones (100 tickets: 0.15 s of 2 s), which would otherwise be
    lost to the search.
    """
    left = deadline - time.perf_counter() - _SEARCH_ON_MARGIN
    reading = _pricing_time(plan)  # the backend reads the routes back first
    if left - reading < _SEARCH_ON_MIN or params.solution_limit is not None:
        return plan
    routes = [r for r in plan.routes if r.visits]
    if decompose.reads_back_only(problem, params):
        # A whole-day search could not start on such a day: its groups go on instead.
        routes, _ = decompose.improve(
            problem, params, solver, routes, deadline=deadline - _SEARCH_ON_MARGIN - reading
        )
        left = max(deadline - time.perf_counter() - _SEARCH_ON_MARGIN, reading)
        again = solver(problem, replace(params, time_limit=left, solution_limit=1), initial=routes)
    else:
        searched = decompose.whole_day_params(params) if decompose.splits(problem) else params
        again = solver(problem, replace(searched, time_limit=left), initial=routes)
    if _rank(again) > _rank(plan):
        return plan
    return replace(again, details={**plan.details, "search_on": again.objective})


def _rank(result: Result) -> tuple[object, ...]:
    """Lexicographic: feasible first, fewer unassigned from the highest priority down, then
    the objective (the search's, if a repaired plan could not be priced: :func:`_priced`)."""
    counts = result.kpis.unassigned_by_priority[::-1]  # highest priority first
    return (not result.is_feasible(), *counts, result.objective)


def portfolio_variants(params: SolveParams) -> list[SolveParams]:
    """The settings of each portfolio worker: worker ``k`` has seed ``seed + k`` and, unless
    ``params`` sets ``ruin_visits``, ruins per round the visits :data:`PORTFOLIO_RUIN_VISITS`
    gives it in turn; each time limit leaves :data:`_PORTFOLIO_MARGIN` for starting the
    processes and collecting the plans."""
    limit = params.time_limit
    if limit is not None:
        limit = max(limit - _PORTFOLIO_MARGIN, min(limit, 0.1))
    return [
        replace(
            params,
            workers=1,
            seed=params.seed + k,
            time_limit=limit,
            ruin_visits=params.ruin_visits or PORTFOLIO_RUIN_VISITS[k % len(PORTFOLIO_RUIN_VISITS)],
        )
        for k in range(params.workers)
    ]


def _portfolio(problem: Problem, params: SolveParams, backend: str) -> Result:
    """:func:`portfolio_variants` in parallel processes; the cheapest plan wins, ties to lower k."""
    started = time.perf_counter()
    settings = portfolio_variants(params)
    get_backend(backend)  # fail early on an unknown backend
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(settings), mp_context=context) as pool:
        results = list(
            pool.map(_run, [problem] * len(settings), settings, [backend] * len(settings))
        )

    def rank(k: int) -> tuple[object, ...]:
        return (*_rank(results[k]), k)

    best = min(range(len(results)), key=rank)
    return replace(
        results[best],
        runtime=time.perf_counter() - started,
        details={
            **results[best].details,
            "portfolio": [r.objective for r in results],
            "worker": best,
        },
    )
