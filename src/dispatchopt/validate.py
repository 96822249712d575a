"""Independent validator: recompute a plan's times and loads from the input alone.

It never trusts a solver: it imports nothing from :mod:`dispatchopt.solvers`, re-derives every
arrival from the travel model and checks every hard constraint. Violation names follow VROOM's
vocabulary where it has one (``lead_time``, ``delay``, ``load``, ``skills``, ``max_tasks``,
``missing_break``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from dispatchopt.models.problem import Problem
from dispatchopt.result import Result, Route
from dispatchopt.timefmt import fmt_clock, fmt_duration

#: Every violation kind the validator can report.
VIOLATION_KINDS = (
    "unknown_technician",  # a route names a technician or shift that does not exist
    "unknown_ticket",  # a visit or unassigned entry names a ticket that does not exist
    "duplicate",  # a ticket appears more than once (routes and unassigned together)
    "missing",  # a ticket appears nowhere
    "no_reason",  # an unassigned ticket has no reason
    "lead_time",  # service or departure before the window / shift opens
    "delay",  # service after its window closed, or return after shift end + overtime
    "timing",  # reported times cannot be reproduced from travel, service and breaks
    "travel",  # reported travel time or distance differs from the travel model
    "skills",  # the technician lacks a skill or level
    "technician",  # required / excluded technician rules broken
    "parts",  # van stock exceeded
    "load",  # capacity exceeded
    "max_tasks",  # more jobs than max_jobs
    "max_working_time",  # route longer than max_working_time
    "max_travel_time",  # more driving than max_travel_time
    "max_busy_time",  # more driving plus service than max_busy_time
    "max_distance",  # more distance than max_distance
    "missing_break",  # a break of a used shift is not planned
    "break_window",  # a break outside its window or with the wrong duration
    "break_overlap",  # a break overlaps service, another break or the departure/return
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Violation:
    """One broken rule."""

    kind: str
    message: str
    ticket_id: str | None = None
    technician_id: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


def _drive(depart: int, travel: int, breaks: Sequence[tuple[int, int]]) -> int:
    """Earliest arrival driving ``travel`` seconds from ``depart``, stopping for ``breaks``.

    Deliberately written again rather than shared with the backend's extraction code: the
    validator must not inherit a bug from the code it checks.
    """
    now, left = depart, travel
    for start, end in sorted(breaks):
        if end <= now:
            continue
        if now + left <= start:
            break
        left -= max(0, start - now)
        now = max(now, end)
    return now + left


def validate(problem: Problem, result: Result) -> list[Violation]:
    """Check ``result`` against every hard constraint of ``problem``.

    Parameters
    ----------
    problem
        The input the plan was made for.
    result
        The plan (from any backend, or read from JSON).

    Returns
    -------
    list of Violation
        Empty when the plan is valid.
    """
    out: list[Violation] = []
    seen: dict[str, str] = {}

    def mark(ticket_id: str, where: str) -> None:
        if ticket_id not in problem.ticket_index:
            out.append(
                Violation(
                    kind="unknown_ticket",
                    ticket_id=ticket_id,
                    message=f"{where} names unknown ticket {ticket_id!r}",
                )
            )
            return
        if ticket_id in seen:
            out.append(
                Violation(
                    kind="duplicate",
                    ticket_id=ticket_id,
                    message=f"ticket {ticket_id!r} is in {seen[ticket_id]} and in {where}",
                )
            )
        else:
            seen[ticket_id] = where

    shifts_seen: set[tuple[str, int]] = set()
    for route in result.routes:
        where = f"route of {route.technician_id!r} shift {route.shift_index}"
        tech_pos = problem.technician_index.get(route.technician_id)
        if tech_pos is None or not (
            0 <= route.shift_index < len(problem.technicians[tech_pos].shifts)
        ):
            out.append(
                Violation(
                    kind="unknown_technician",
                    technician_id=route.technician_id,
                    message=f"{where}: no such technician shift",
                )
            )
            continue
        if (route.technician_id, route.shift_index) in shifts_seen:
            out.append(
                Violation(
                    kind="duplicate",
                    technician_id=route.technician_id,
                    message=f"{where} is planned twice",
                )
            )
        shifts_seen.add((route.technician_id, route.shift_index))
        for visit in route.visits:
            mark(visit.ticket_id, where)
        if all(v.ticket_id in problem.ticket_index for v in route.visits) and route.visits:
            out.extend(_check_route(problem, route, tech_pos))
    for entry in result.unassigned:
        mark(entry.ticket_id, "unassigned")
        if not entry.reason or not entry.message:
            out.append(
                Violation(
                    kind="no_reason",
                    ticket_id=entry.ticket_id,
                    message=f"unassigned ticket {entry.ticket_id!r} has no reason",
                )
            )
    for ticket in problem.tickets:
        if ticket.id not in seen:
            out.append(
                Violation(
                    kind="missing",
                    ticket_id=ticket.id,
                    message=f"ticket {ticket.id!r} is neither routed nor unassigned",
                )
            )
    return out


def _check_route(problem: Problem, route: Route, tech_pos: int) -> list[Violation]:
    tech = problem.technicians[tech_pos]
    shift = tech.shifts[route.shift_index]
    table = problem.location_table
    mats = problem.travel_matrices
    factor = tech.speed_factor

    def drive_time(a: int, b: int) -> int:
        # Recomputed from the travel model (not the problem's per-technician matrices).
        base = int(mats.duration[a, b])
        return base if factor == 1.0 else round(base / factor)

    tickets = [problem.tickets[problem.ticket_index[v.ticket_id]] for v in route.visits]
    out: list[Violation] = []
    tid = tech.id

    def add(kind: str, message: str, ticket_id: str | None = None) -> None:
        out.append(
            Violation(
                kind=kind, message=f"{tid}: {message}", ticket_id=ticket_id, technician_id=tid
            )
        )

    breaks = sorted((b.start, b.end, b.break_id) for b in route.breaks)
    spans = [(b[0], b[1]) for b in breaks]

    # Shift hours.
    if route.start < shift.start:
        add(
            "lead_time",
            f"departs {fmt_clock(route.start)} before shift start {fmt_clock(shift.start)}",
        )
    limit = tech.latest_end(route.shift_index)
    if route.end > limit:
        add(
            "delay",
            f"returns {fmt_clock(route.end)}, after shift end {fmt_clock(shift.end)} "
            f"+ {fmt_duration(tech.overtime(route.shift_index))} overtime",
        )
    if tech.max_working_time is not None and route.end - route.start > tech.max_working_time:
        add(
            "max_working_time",
            f"works {fmt_duration(route.end - route.start)}, "
            f"more than {fmt_duration(tech.max_working_time)}",
        )
    if tech.max_jobs is not None and len(route.visits) > tech.max_jobs:
        add("max_tasks", f"{len(route.visits)} jobs, more than max_jobs {tech.max_jobs}")

    # Timeline: drive (pausing for breaks in the gap), wait, serve.
    prev_row, prev_end = int(table.start[tech_pos]), route.start
    rows = [prev_row]
    for visit, ticket in zip(route.visits, tickets, strict=True):
        row = int(table.ticket[problem.ticket_index[ticket.id]])
        rows.append(row)
        travel, distance = drive_time(prev_row, row), int(mats.distance[prev_row, row])
        if (visit.travel_time, visit.distance) != (travel, distance):
            add(
                "travel",
                f"{ticket.id}: reported drive {visit.travel_time}s/{visit.distance}m, "
                f"travel model says {travel}s/{distance}m",
                ticket.id,
            )
        in_gap = [s for s in spans if prev_end <= s[0] < visit.start]
        arrival = _drive(prev_end, travel, in_gap)
        if visit.start < arrival:
            add(
                "timing",
                f"{ticket.id}: service starts {fmt_clock(visit.start)} but the earliest "
                f"arrival is {fmt_clock(arrival)}",
                ticket.id,
            )
        if visit.arrival != arrival:
            add(
                "timing",
                f"{ticket.id}: reported arrival {fmt_clock(visit.arrival)}, "
                f"recomputed {fmt_clock(arrival)}",
                ticket.id,
            )
        paused = sum(max(0, min(e, visit.start) - max(s, arrival)) for s, e in in_gap)
        if visit.start >= arrival and visit.waiting != visit.start - arrival - paused:
            add(
                "timing",
                f"{ticket.id}: reported waiting {visit.waiting}s, recomputed "
                f"{visit.start - arrival - paused}s",
                ticket.id,
            )
        if visit.end - visit.start != ticket.duration:
            add(
                "timing",
                f"{ticket.id}: service lasts {fmt_duration(visit.end - visit.start)}, "
                f"not {fmt_duration(ticket.duration)}",
                ticket.id,
            )
        windows = ticket.time_windows
        if windows and not any(w.contains(visit.start) for w in windows):
            kind = "lead_time" if visit.start < windows[0].start else "delay"
            text = ", ".join(f"{fmt_clock(w.start)}-{fmt_clock(w.end)}" for w in windows)
            add(
                kind,
                f"{ticket.id}: service starts {fmt_clock(visit.start)}, outside {text}",
                ticket.id,
            )
        prev_row, prev_end = row, visit.start + ticket.duration
    end_row = int(table.end[tech_pos])
    rows.append(end_row)
    back_travel, back_distance = (
        drive_time(prev_row, end_row),
        int(mats.distance[prev_row, end_row]),
    )
    if (route.return_travel_time, route.return_distance) != (back_travel, back_distance):
        add(
            "travel",
            f"reported return drive {route.return_travel_time}s/{route.return_distance}m, "
            f"travel model says {back_travel}s/{back_distance}m",
        )
    driven = sum(drive_time(a, b) for a, b in itertools.pairwise(rows))
    km = sum(int(mats.distance[a, b]) for a, b in itertools.pairwise(rows))
    if tech.max_travel_time is not None and driven > tech.max_travel_time:
        add(
            "max_travel_time",
            f"drives {fmt_duration(driven)}, more than {fmt_duration(tech.max_travel_time)}",
        )
    busy = driven + sum(t.duration for t in tickets)
    if tech.max_busy_time is not None and busy > tech.max_busy_time:
        add(
            "max_busy_time",
            f"drives and serves {fmt_duration(busy)}, more than {fmt_duration(tech.max_busy_time)}",
        )
    if tech.max_distance is not None and km > tech.max_distance:
        add(
            "max_distance",
            f"drives {km / 1000:.1f} km, more than {tech.max_distance / 1000:.1f} km",
        )
    back = _drive(
        prev_end,
        drive_time(prev_row, end_row),
        [s for s in spans if prev_end <= s[0] < route.end],
    )
    if route.end < back:
        add("timing", f"returns {fmt_clock(route.end)} but cannot be back before {fmt_clock(back)}")

    # Skills, technician rules, stock, capacity.
    for ticket in tickets:
        for skill, level in ticket.skills.items():
            have = tech.skills.get(skill, 0)
            if have < level:
                add(
                    "skills",
                    f"{ticket.id} needs {skill} >= {level}, technician has {have}",
                    ticket.id,
                )
        if ticket.required_technicians and tid not in ticket.required_technicians:
            add(
                "technician",
                f"{ticket.id} may only go to {sorted(ticket.required_technicians)}",
                ticket.id,
            )
        if tid in ticket.excluded_technicians:
            add("technician", f"{ticket.id} excludes this technician", ticket.id)
    # Stock is used up along the route; the load on board starts with every delivery, then each
    # stop drops its load and adds its pickup: the peak must fit.
    stock_used: dict[str, int] = {}
    onboard: dict[str, int] = {}
    for ticket in tickets:
        for key, qty in ticket.parts.items():
            stock_used[key] = stock_used.get(key, 0) + qty
        for key, qty in ticket.load.items():
            onboard[key] = onboard.get(key, 0) + qty
    peak = dict(onboard)
    for ticket in tickets:
        for key, qty in ticket.load.items():
            onboard[key] -= qty
        for key, qty in ticket.pickup.items():
            onboard[key] = onboard.get(key, 0) + qty
            peak[key] = max(peak.get(key, 0), onboard[key])
    for used, tech_attr, kind in ((stock_used, "stock", "parts"), (peak, "capacity", "load")):
        for key, qty in used.items():
            have = getattr(tech, tech_attr).get(key, 0)
            if qty > have:
                add(kind, f"route needs {qty} x {key!r}, the van has {have}")

    # Breaks: each planned once, inside its window, not overlapping work or each other.
    by_id = {b.id: b for b in shift.breaks}
    planned: dict[str, int] = {}
    for start, end, break_id in breaks:
        planned[break_id] = planned.get(break_id, 0) + 1
        spec = by_id.get(break_id)
        if spec is None:
            add("break_window", f"break {break_id!r} is not a break of this shift")
            continue
        inside = any(lo <= start and end <= hi for lo, hi in spec.windows)
        if end - start != spec.duration or not inside:
            allowed = " or ".join(f"{fmt_clock(lo)}-{fmt_clock(hi)}" for lo, hi in spec.windows)
            add(
                "break_window",
                f"break {break_id!r} {fmt_clock(start)}-{fmt_clock(end)} is not a "
                f"{fmt_duration(spec.duration)} break inside {allowed}",
            )
        if start < route.start < end or start < route.end < end:
            add("break_overlap", f"break {break_id!r} straddles the departure or the return")
        for visit in route.visits:
            if start < visit.end and visit.start < end:
                add(
                    "break_overlap",
                    f"break {break_id!r} overlaps service of {visit.ticket_id}",
                    visit.ticket_id,
                )
    for (_s1, e1, b1), (s2, _e2, b2) in itertools.pairwise(breaks):
        if s2 < e1:
            add("break_overlap", f"breaks {b1!r} and {b2!r} overlap")
    for spec in shift.breaks:
        count = planned.get(spec.id, 0)
        if count != 1:
            add(
                "missing_break" if count == 0 else "break_window",
                f"break {spec.id!r} is planned {count} times, not once",
            )
    return out
