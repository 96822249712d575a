"""The one entry point."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

from dispatchopt.models.problem import Problem
from dispatchopt.params import SolveParams
from dispatchopt.result import Result
from dispatchopt.solvers import get_backend

_PORTFOLIO_MARGIN = 0.25
"""Seconds kept back from each worker's time limit for starting processes and collecting."""


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
    return get_backend(backend)(problem, params)


def _run(problem: Problem, params: SolveParams, backend: str) -> Result:
    return get_backend(backend)(problem, params)


def _portfolio(problem: Problem, params: SolveParams, backend: str) -> Result:
    """Variants (seed + k) in parallel processes; the cheapest plan wins, ties to lower k."""
    started = time.perf_counter()
    limit = params.time_limit
    if limit is not None:
        limit = max(limit - _PORTFOLIO_MARGIN, min(limit, 0.1))
    variants = [
        replace(params, workers=1, seed=params.seed + k, time_limit=limit)
        for k in range(params.workers)
    ]
    get_backend(backend)  # fail early on an unknown backend
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(variants), mp_context=context) as pool:
        results = list(
            pool.map(_run, [problem] * len(variants), variants, [backend] * len(variants))
        )

    def rank(k: int) -> tuple[bool, float, int]:
        # The objective already prices unassigned tickets by priority.
        return (not results[k].is_feasible(), results[k].objective, k)

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
