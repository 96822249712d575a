"""Shared builders for tiny, hand-checkable problems and the validity check every solve runs."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dispatchopt import (
    Location,
    MatrixTravel,
    Problem,
    Result,
    Shift,
    SolveParams,
    Technician,
    Ticket,
    solve,
    validate,
)

ORIGIN = datetime(2026, 11, 23, tzinfo=UTC)
INSTANCES = Path(__file__).resolve().parents[2] / "shared" / "instances"
"""The benchmark instances beside the project (read-only, never copied into it)."""
needs_shared = pytest.mark.skipif(not INSTANCES.exists(), reason="../shared/instances not present")
H = 3600
MIN = 60


def line_travel(n: int, minutes_per_step: int = 10) -> MatrixTravel:
    """``n`` places on a line; neighbours are ``minutes_per_step`` minutes and 1 km apart."""
    pos = np.arange(n)
    steps = np.abs(pos[:, None] - pos[None, :])
    return MatrixTravel(durations=steps * minutes_per_step * MIN, distances=steps * 1000)


def tech(
    ident: str, *, home: int = 0, start: int = 8 * H, end: int = 17 * H, **kw: Any
) -> Technician:
    """A technician living at place ``home`` with one shift."""
    breaks = kw.pop("breaks", ())
    return Technician(
        id=ident,
        start=Location(index=home),
        shifts=(Shift(start=start, end=end, breaks=breaks),),
        **kw,
    )


def ticket(ident: str, at: int, *, duration: int = 30 * MIN, **kw: Any) -> Ticket:
    """A ticket at place ``at``."""
    return Ticket(id=ident, location=Location(index=at), duration=duration, **kw)


def make_problem(
    techs: list[Technician], tickets: list[Ticket], places: int = 10, **kw: Any
) -> Problem:
    """A problem on a line of ``places`` places."""
    travel = kw.pop("travel", line_travel(places))
    return Problem(
        technicians=tuple(techs), tickets=tuple(tickets), origin=ORIGIN, travel=travel, **kw
    )


FAST = SolveParams(time_limit=5.0, solution_limit=200)


def assert_valid(problem: Problem, result: Result) -> None:
    """The independent validator finds nothing and every ticket appears exactly once."""
    violations = validate(problem, result)
    assert not violations, "\n".join(map(str, violations))
    counts = Counter(v.ticket_id for r in result.routes for v in r.visits)
    counts.update(u.ticket_id for u in result.unassigned)
    assert counts == Counter(t.id for t in problem.tickets)
    assert all(u.reason and u.message for u in result.unassigned)


def solve_valid(problem: Problem, params: SolveParams = FAST) -> Result:
    """Solve and check with the independent validator."""
    result = solve(problem, params)
    assert result.is_feasible()
    assert_valid(problem, result)
    return result


def assignee(result: Result, ticket_id: str) -> str | None:
    """Which technician got the ticket."""
    route = result.route_of(ticket_id)
    return None if route is None else route.technician_id


@pytest.fixture(scope="session")
def field_day() -> Problem:
    """The generated 60-ticket, 8-technician day used by examples."""
    from dispatchopt import generate

    return generate(60, 8, seed=7, impossible_share=0.03)
