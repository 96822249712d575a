"""Latency of dispatcher operations on a 500-ticket day (pytest-benchmark).

Run: pytest benchmarks/test_ops.py --benchmark-only
Under plain `pytest` each runs once as a smoke test, and every answer is checked with the
independent validator.
"""

from __future__ import annotations

from typing import Any

import pytest

from dispatchopt import (
    Location,
    Problem,
    Result,
    SolveParams,
    Ticket,
    add_tickets,
    daily_slots,
    explain,
    generate,
    insertion_candidates,
    offer_slots,
    replan,
    solve,
    validate,
)
from dispatchopt.insertion import apply_candidate
from dispatchopt.replan import NewTickets


@pytest.fixture(scope="module")
def day() -> tuple[Problem, Result]:
    """500 tickets, 80 technicians, planned (first solution only: latency, not quality)."""
    problem = generate(500, 80, seed=3)
    plan = solve(problem, SolveParams(time_limit=30, solution_limit=1))
    return problem, plan


def _new_ticket(problem: Problem) -> Ticket:
    loc = problem.tickets[5].location
    return Ticket(id="NEW", location=Location(lat=loc.lat, lon=loc.lon), duration=45 * 60)


def test_insertion_candidates_500_ticket_day(benchmark: Any, day: tuple[Problem, Result]) -> None:
    """Rank every technician for one new ticket (the emergency question)."""
    problem, plan = day
    bigger = add_tickets(problem, [_new_ticket(problem)])
    _ = bigger.travel_matrices
    ins = benchmark(insertion_candidates, bigger, plan, "NEW")
    assert ins.best is not None
    assert validate(bigger, apply_candidate(bigger, plan, ins.best, "NEW")) == []


def test_slot_offers_500_ticket_day(benchmark: Any, day: tuple[Problem, Result]) -> None:
    """Ten one-hour slots for a new ticket."""
    problem, plan = day
    bigger = add_tickets(problem, [_new_ticket(problem)])
    _ = bigger.travel_matrices
    slots = daily_slots(bigger, days=1, hours=1)
    offers = benchmark(offer_slots, bigger, plan, "NEW", slots)
    assert len(offers) == len(slots) and offers[0].feasible


def test_explain_one_unassigned_500_ticket_day(benchmark: Any, day: tuple[Problem, Result]) -> None:
    """Why one ticket is out, with verified fixes."""
    problem, plan = day
    ticket_id = plan.unassigned[0].ticket_id
    e = benchmark.pedantic(explain, args=(problem, plan, ticket_id), rounds=1, iterations=1)
    assert e.reason


def test_replan_first_solution_500_ticket_day(benchmark: Any, day: tuple[Problem, Result]) -> None:
    """Re-plan at 11:00 with an emergency: model build + warm start to the first solution."""
    problem, plan = day
    now = plan.routes[0].start + 3 * 3600
    rp = benchmark.pedantic(
        replan,
        args=(problem, plan),
        kwargs={
            "now": now,
            "events": [NewTickets(tickets=(_new_ticket(problem),))],
            "params": SolveParams(time_limit=30, solution_limit=1),
        },
        rounds=1,
        iterations=1,
    )
    assert validate(rp.problem, rp.result) == []
