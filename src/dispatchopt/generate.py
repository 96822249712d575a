"""Seeded generator of realistic synthetic field-service days (tests, examples, benchmarks)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

from dispatchopt.models.location import Location
from dispatchopt.models.problem import Problem
from dispatchopt.models.technician import Break, Shift, Technician
from dispatchopt.models.ticket import Priority, Ticket, TimeWindow
from dispatchopt.models.travel import HaversineTravel

SKILLS = ("hvac", "electrical", "plumbing", "appliances", "network")
#: How common each trade is among tickets (and technicians).
SKILL_MIX = (0.35, 0.25, 0.2, 0.12, 0.08)
PARTS = ("filter", "thermostat", "valve", "pcb", "pump", "fuse", "compressor")
#: How often a ticket of each priority occurs, LOW..CRITICAL.
PRIORITY_MIX = (0.15, 0.55, 0.20, 0.08, 0.02)
#: Appointment slots (hours) a customer can book.
SLOTS = ((8, 10), (10, 12), (13, 15), (15, 17))
_HOUR = 3600


def _offset(rng: np.random.Generator, center: tuple[float, float], radius_km: float) -> Location:
    """A point within ``radius_km`` of ``center`` (uniform over the disc)."""
    r = radius_km * np.sqrt(rng.random())
    theta = 2 * np.pi * rng.random()
    dlat = (r * np.cos(theta)) / 111.32
    dlon = (r * np.sin(theta)) / (111.32 * np.cos(np.radians(center[0])))
    return Location(lat=round(center[0] + dlat, 6), lon=round(center[1] + dlon, 6))


def generate(
    n_tickets: int = 60,
    n_technicians: int = 8,
    *,
    seed: int = 0,
    days: int = 1,
    center: tuple[float, float] = (45.7640, 4.8357),
    radius_km: float = 12.0,
    origin: datetime | None = None,
    appointment_share: float = 0.45,
    parts_share: float = 0.35,
    impossible_share: float = 0.0,
) -> Problem:
    """Make a synthetic but realistic dispatch problem.

    Parameters
    ----------
    n_tickets, n_technicians
        Size of the day.
    seed
        Same seed, same problem.
    days
        Planning horizon; every technician works one shift a day.
    center, radius_km
        The service area (a city by default: Lyon).
    origin
        Local midnight of day 0 (timezone-aware); 2026-11-23 00:00 +01:00 by default.
    appointment_share
        Share of tickets with booked 2-hour appointment slots (hard windows).
    parts_share
        Share of tickets that need spare parts from the van.
    impossible_share
        Share of tickets asking for a skill nobody has (to exercise unassigned reasons).

    Returns
    -------
    Problem
        Technicians with home starts, 8-hour-ish shifts, lunch breaks, skills, van stock and
        costs; tickets with skills, parts, appointment windows, SLA due-by times and priorities.
    """
    rng = np.random.default_rng(seed)
    if origin is None:
        origin = datetime(2026, 11, 23, tzinfo=timezone(timedelta(hours=1)))
    hoods = [_offset(rng, center, radius_km * 0.7) for _ in range(max(3, n_tickets // 25))]

    technicians = []
    for k in range(n_technicians):
        n_skills = int(rng.integers(2, 4))
        skills = {
            str(s): int(rng.choice([1, 2, 3], p=(0.2, 0.45, 0.35)))
            for s in rng.choice(SKILLS, size=n_skills, replace=False, p=SKILL_MIX)
        }
        if k == 0:  # somebody always covers the most common trade at a senior level
            skills["hvac"] = 3
        stock = {str(p): int(rng.integers(1, 4)) for p in PARTS[:-1] if rng.random() < 0.7}
        if rng.random() < 0.2:
            stock["compressor"] = 1
        start_hour = int(rng.choice([7, 8, 8, 8, 9]))
        shifts = []
        for d in range(days):
            day = d * 24 * _HOUR
            lunch = Break(
                start=day + 11 * _HOUR + 30 * 60, end=day + 14 * _HOUR, duration=30 * 60, id="lunch"
            )
            shifts.append(
                Shift(
                    start=day + start_hour * _HOUR,
                    end=day + (start_hour + 9) * _HOUR,
                    breaks=(lunch,),
                    id=f"D{d}",
                )
            )
        technicians.append(
            Technician(
                id=f"TECH-{k + 1:02d}",
                start=_offset(rng, center, radius_km),
                shifts=tuple(shifts),
                skills=skills,
                stock=stock,
                max_jobs=int(rng.integers(7, 11)),
                max_working_time=int(9.5 * _HOUR),
                max_overtime=_HOUR,
                overtime_cost_per_hour=55.0,
                cost_per_hour=float(rng.choice([32.0, 38.0, 45.0])),
                cost_per_km=0.45,
            )
        )

    tickets = []
    tech_ids = [t.id for t in technicians]
    for i in range(n_tickets):
        hood = hoods[int(rng.integers(len(hoods)))]
        assert hood.lat is not None
        loc = (
            _offset(rng, (hood.lat, hood.lon or 0.0), radius_km * 0.25)
            if rng.random() < 0.6
            else _offset(rng, center, radius_km)
        )
        day = int(rng.integers(days)) * 24 * _HOUR
        priority = Priority(int(rng.choice(len(PRIORITY_MIX), p=PRIORITY_MIX)))
        skill = str(rng.choice(SKILLS, p=SKILL_MIX))
        skills = {skill: int(rng.choice([1, 2, 3], p=(0.5, 0.35, 0.15)))}
        if rng.random() < impossible_share:
            skills = {"gas_safe": 1}
        parts: dict[str, int] = {}
        if rng.random() < parts_share:
            part = str(rng.choice(PARTS, p=(0.25, 0.2, 0.2, 0.15, 0.1, 0.07, 0.03)))
            parts[part] = 1 if rng.random() < 0.85 else 2
        windows: tuple[TimeWindow, ...] = ()
        if rng.random() < appointment_share:
            picks = rng.choice(len(SLOTS), size=1 if rng.random() < 0.75 else 2, replace=False)
            windows = tuple(
                TimeWindow(start=day + SLOTS[j][0] * _HOUR, end=day + SLOTS[j][1] * _HOUR)
                for j in sorted(int(p) for p in picks)
            )
        due_by = None
        if priority >= Priority.HIGH or rng.random() < 0.3:
            due_hour = {Priority.CRITICAL: 11, Priority.URGENT: 13, Priority.HIGH: 16}.get(
                priority, 17
            )
            due_by = day + due_hour * _HOUR
        preferred: frozenset[str] = frozenset()
        excluded: frozenset[str] = frozenset()
        if rng.random() < 0.08:
            preferred = frozenset({str(rng.choice(tech_ids))})
        elif rng.random() < 0.04:
            excluded = frozenset({str(rng.choice(tech_ids))})
        tickets.append(
            Ticket(
                id=f"T-{i + 1:04d}",
                location=loc,
                duration=int(rng.choice([20, 30, 45, 45, 60, 60, 90, 120])) * 60,
                time_windows=windows,
                due_by=due_by,
                priority=priority,
                skills=skills,
                parts=parts,
                preferred_technicians=preferred,
                excluded_technicians=excluded,
            )
        )
    return Problem(
        technicians=tuple(technicians),
        tickets=tuple(tickets),
        origin=origin,
        travel=HaversineTravel(speed_kmh=30.0, detour_factor=1.35),
    )
