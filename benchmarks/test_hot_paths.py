"""Microbenchmarks of the non-solver hot paths (pytest-benchmark).

Run: pytest benchmarks --benchmark-only
Under plain `pytest` each runs once as a smoke test.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dispatchopt import HaversineTravel, Location, SolveParams, generate, solve, validate
from dispatchopt.eligibility import compute_eligibility


def test_haversine_matrix_1000_points(benchmark: Any) -> None:
    """Travel matrix for 1,000 points (numpy, no per-pair Python)."""
    rng = np.random.default_rng(0)
    locs = [
        Location(lat=float(a), lon=float(b))
        for a, b in zip(rng.uniform(45, 46, 1000), rng.uniform(4, 5, 1000), strict=True)
    ]
    m = benchmark(HaversineTravel().matrices, locs)
    assert m.duration.shape == (1000, 1000)


def test_eligibility_500_tickets_50_technicians(benchmark: Any) -> None:
    """Pre-solve diagnosis for 500 tickets x 50 technicians."""
    p = generate(500, 50, seed=1)
    _ = p.travel_matrices
    e = benchmark(compute_eligibility, p)
    assert e.allowed.shape == (500, 50)


def test_validator_on_200_ticket_plan(benchmark: Any) -> None:
    """Validator over a 200-ticket plan."""
    p = generate(200, 20, seed=2)
    r = solve(p, SolveParams(time_limit=60, solution_limit=1))
    violations = benchmark(validate, p, r)
    assert violations == []


def test_haversine_matrix_5000_points(benchmark: Any) -> None:
    """Travel matrix for 5,000 points (25 M pairs)."""
    rng = np.random.default_rng(1)
    locs = [
        Location(lat=float(a), lon=float(b))
        for a, b in zip(rng.uniform(45, 46, 5000), rng.uniform(4, 5, 5000), strict=True)
    ]
    m = benchmark.pedantic(HaversineTravel().matrices, args=(locs,), rounds=1, iterations=1)
    assert m.duration.shape == (5000, 5000)


def test_model_build_2000_tickets_100_technicians(benchmark: Any) -> None:
    """Travel matrix + eligibility + OR-Tools model for 2,000 tickets x 100 technicians."""
    from dataclasses import replace

    from dispatchopt.solvers.ortools import _build

    base = generate(2000, 100, seed=3)

    def build() -> Any:
        fresh = replace(base)  # new Problem: the travel matrix is recomputed each round
        return _build(fresh, SolveParams(time_limit=1))

    model = benchmark.pedantic(build, rounds=1, iterations=1)
    assert model.routing.Size() > 2000


def test_model_build_2000_tickets_100_technicians_at_their_own_prices(benchmark: Any) -> None:
    """The same build with every technician at another hourly price (one arc-cost matrix
    for all of them, the rest span costs)."""
    from dataclasses import replace

    from dispatchopt.solvers.ortools import _build

    base = generate(2000, 100, seed=3)
    techs = tuple(replace(t, cost_per_hour=30.0 + 0.25 * k) for k, t in enumerate(base.technicians))

    def build() -> Any:
        fresh = base.evolve(technicians=techs)  # new Problem: travel matrix recomputed
        return _build(fresh, SolveParams(time_limit=1))

    model = benchmark.pedantic(build, rounds=1, iterations=1)
    assert model.routing.Size() > 2000
    assert len({t.cost_per_hour for t in techs}) == 100


def test_json_load_2000_tickets(benchmark: Any, tmp_path: Any) -> None:
    """Reading a 2,000-ticket native JSON problem."""
    from dispatchopt.io.native_json import dump_json, load_problem, problem_to_dict

    path = tmp_path / "p.json"
    dump_json(problem_to_dict(generate(2000, 100, seed=4)), path)
    problem, _ = benchmark(load_problem, path)
    assert len(problem.tickets) == 2000


_PEAK_SCRIPT = """
import json, resource, time
from dispatchopt import SolveParams, generate
from dispatchopt.solvers.ortools import _build
problem = generate(2000, 100, seed=3)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
model = _build(problem, SolveParams(time_limit=1))
seconds = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before_mb": before / 1024, "peak_mb": after / 1024, "build_s": seconds}))
"""


def test_model_build_peak_memory(benchmark: Any) -> None:
    """Peak resident memory of a cold process building the 2,000 x 100 model (ru_maxrss; the
    OR-Tools model is C++, so tracemalloc would not see it)."""
    import json
    import subprocess
    import sys

    def run() -> dict[str, float]:
        out = subprocess.run(
            [sys.executable, "-c", _PEAK_SCRIPT], capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    figures = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(figures)
    assert figures["peak_mb"] >= figures["before_mb"] > 0


def test_first_feasible_plan_1000_tickets_100_technicians(benchmark: Any) -> None:
    """A 1,000-ticket day to its first feasible plan: the parts to their first solutions,
    then the whole day from their routes (the issue's target is 3 s)."""
    problem = generate(1000, 100, seed=0)
    params = SolveParams(time_limit=None, solution_limit=1, priority_repair=False)
    result = benchmark.pedantic(solve, args=(problem, params), rounds=1, iterations=1)
    assert result.details["first_solution"] == "INITIAL_ROUTES"
    assert validate(problem, result) == []
    benchmark.extra_info["assigned"] = sum(len(r.visits) for r in result.routes)
