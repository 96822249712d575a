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
