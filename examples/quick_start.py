"""Plan a small field-service day from Python, print it, and check it independently.

Run: python examples/quick_start.py
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from dispatchopt import (
    Break,
    Location,
    Problem,
    Shift,
    SolveParams,
    Technician,
    Ticket,
    TimeWindow,
    solve,
    validate,
)

TZ = timezone(timedelta(hours=1))
DAY = datetime(2026, 11, 23, tzinfo=TZ)  # local midnight: every time below is seconds after it
H = 3600


def at(hour: float) -> int:
    """Seconds after midnight."""
    return int(hour * H)


lunch = Break(id="lunch", start=at(11.5), end=at(14), duration=30 * 60)
technicians = (
    Technician(
        id="alice",
        start=Location(lat=45.760, lon=4.835),
        shifts=(Shift(start=at(8), end=at(17), breaks=(lunch,)),),
        skills={"hvac": 3, "electrical": 1},
        stock={"filter": 2, "thermostat": 1},
        cost_per_hour=38.0,
        cost_per_km=0.45,
        max_overtime=H,
        overtime_cost_per_hour=55.0,
    ),
    Technician(
        id="bob",
        start=Location(lat=45.740, lon=4.880),
        shifts=(Shift(start=at(8), end=at(17), breaks=(lunch,)),),
        skills={"plumbing": 2, "hvac": 1},
        stock={"valve": 3},
        cost_per_hour=32.0,
        cost_per_km=0.45,
    ),
)
tickets = (
    Ticket(
        id="T-1",
        location=Location(lat=45.770, lon=4.850),
        duration=60 * 60,
        skills={"hvac": 2},
        parts={"filter": 1},
        priority="high",
        due_by=at(12),
    ),
    Ticket(
        id="T-2",
        location=Location(lat=45.750, lon=4.870),
        duration=45 * 60,
        skills={"plumbing": 1},
        parts={"valve": 1},
        time_windows=(TimeWindow(start=at(13), end=at(15)),),
    ),
    Ticket(
        id="T-3",
        location=Location(lat=45.780, lon=4.820),
        duration=30 * 60,
        skills={"electrical": 1},
        priority="critical",
        due_by=at(10),
    ),
    Ticket(
        id="T-4", location=Location(lat=45.730, lon=4.900), duration=90 * 60, skills={"hvac": 1}
    ),
    Ticket(
        id="T-5", location=Location(lat=45.765, lon=4.845), duration=30 * 60, skills={"gas_safe": 1}
    ),  # nobody holds this: comes back unassigned with a reason
)

problem = Problem(technicians=technicians, tickets=tickets, origin=DAY)
result = solve(problem, SolveParams(time_limit=2))
print(result)
violations = validate(problem, result)
print("\nindependent validator:", violations if violations else "no violations")
