"""Insert one ticket into an existing plan: who should take it, when, and what it costs.

This is the dispatcher's "who takes this emergency?" question, answered without re-solving:
every technician shift is tried at every position of its current route, each trial is timed
by a forward simulation (travel, appointment windows, breaks, shift end and overtime, working
time, driving and distance limits, jobs, van stock and capacity), and the feasible ones are
ranked by marginal cost. Visits already planned keep their times unless the new ticket pushes
them later (``stable`` timing), so "what would move" is exactly the visits listed in
:attr:`Candidate.moves`.

The simulation is sound, not complete: each route it returns passes the independent validator
(the tests check this), but a route it rejects might still be feasible with a cleverer break
placement. Breaks are taken where they cost nothing (in waiting time) or at the last moment
their window allows.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from dispatchopt.errors import InputError
from dispatchopt.models.problem import Problem, Vehicle
from dispatchopt.models.technician import Break
from dispatchopt.models.ticket import Ticket, TimeWindow, earliest_start, peak_load
from dispatchopt.result import (
    PlacedBreak,
    Result,
    Route,
    Unassigned,
    Visit,
    compute_kpis,
    route_cost,
)
from dispatchopt.timefmt import fmt_clock, fmt_duration
from dispatchopt.timing import drive

#: Why a technician shift cannot take the ticket (``Rejection.reason``).
REJECTION_REASONS = (
    "skills",  # lacks a skill or level
    "technician",  # required / excluded technician rules
    "parts",  # van stock short
    "load",  # capacity short
    "max_tasks",  # route already at max_jobs
    "time_window",  # cannot start inside any appointment window
    "shift_end",  # would return after shift end + overtime
    "break",  # a break could no longer be taken inside its window
    "max_working_time",
    "max_travel_time",
    "max_busy_time",
    "max_distance",
    "reserve",  # would eat into capacity held back for emergencies
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Move:
    """A planned visit whose start time would change."""

    ticket_id: str
    old_start: int
    new_start: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Candidate:
    """One feasible way to take the ticket: a technician shift, a position, a timed route."""

    technician_id: str
    shift_index: int
    position: int
    """Index in the route's visits where the ticket goes (0 = first)."""
    arrival: int
    start: int
    end: int
    marginal_cost: float
    """Route cost after minus before (currency units, see :func:`~dispatchopt.route_cost`)."""
    extra_travel_time: int
    extra_distance: int
    sla_slack: int | None
    """``due_by - end`` in seconds (negative = late); ``None`` when the ticket has no due-by."""
    moves: tuple[Move, ...]
    route: Route
    """The technician's route with the ticket inserted, fully timed."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Rejection:
    """Why a technician shift cannot take the ticket."""

    technician_id: str
    shift_index: int
    reason: str
    message: str
    reasons: tuple[str, ...] = ()
    """Every reason seen over the positions tried, most frequent first."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Insertion:
    """All ways to insert one ticket, cheapest first, and why the other shifts cannot."""

    ticket_id: str
    candidates: tuple[Candidate, ...]
    rejections: tuple[Rejection, ...]

    @property
    def best(self) -> Candidate | None:
        """The cheapest candidate, if any."""
        return self.candidates[0] if self.candidates else None

    def by_technician(self) -> tuple[Candidate, ...]:
        """The best candidate of each technician (cheapest first)."""
        seen: set[str] = set()
        out = []
        for c in self.candidates:
            if c.technician_id not in seen:
                seen.add(c.technician_id)
                out.append(c)
        return tuple(out)


class RouteInfeasible(Exception):
    """A sequence cannot be timed on a shift; ``reason`` is one of :data:`REJECTION_REASONS`."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def add_tickets(problem: Problem, tickets: Iterable[Ticket]) -> Problem:
    """``problem`` with extra tickets appended (ids must be new)."""
    return replace(problem, tickets=(*problem.tickets, *tickets))


def time_route(
    problem: Problem,
    vehicle: Vehicle,
    sequence: Sequence[int],
    *,
    not_before: Mapping[int, int] | None = None,
    windows: Mapping[int, tuple[TimeWindow, ...]] | None = None,
) -> Route:
    """Time ``sequence`` (ticket indices) on ``vehicle``; raise :class:`RouteInfeasible` if not.

    Service starts at the earliest moment in a window, but not before ``not_before[i]`` when
    that still fits a window (so planned visits keep their times). ``windows`` overrides
    tickets' appointment windows (used for slot offers).
    """
    not_before = not_before or {}
    windows = windows or {}
    techs, tickets = problem.technicians, problem.tickets
    tech = techs[vehicle.technician]
    shift = tech.shifts[vehicle.shift]
    table = problem.location_table
    dur = problem.technician_durations[vehicle.technician]
    dist = problem.travel_matrices.distance
    if tech.max_jobs is not None and len(sequence) > tech.max_jobs:
        raise RouteInfeasible("max_tasks", f"{tech.id} already has {tech.max_jobs} jobs (max_jobs)")
    stock_need: dict[str, int] = {}
    for i in sequence:
        for key, qty in tickets[i].parts.items():
            stock_need[key] = stock_need.get(key, 0) + qty
    with_load = [tickets[i] for i in sequence if tickets[i].load or tickets[i].pickup]
    load_need = peak_load(with_load) if with_load else {}
    for need, have, reason in (
        (stock_need, tech.stock, "parts"),
        (load_need, tech.capacity, "load"),
    ):
        for key, qty in need.items():
            if qty > have.get(key, 0):
                raise RouteInfeasible(
                    reason,
                    f"{tech.id}'s route would need {qty} x {key!r}, van has {have.get(key, 0)}",
                )
    pending = sorted(shift.breaks, key=lambda b: (b.earliest, b.latest))
    placed: list[tuple[int, int, str, int]] = []  # start, end, id, after
    row = int(table.start[vehicle.technician])
    depart = now = shift.start
    visits: list[Visit] = []
    for k, i in enumerate(sequence):
        ticket = tickets[i]
        wins = windows.get(i, ticket.time_windows)
        lo = not_before.get(i)
        nxt = int(table.ticket[i])
        travel = int(dur[row, nxt])
        gap: list[tuple[int, int]] = []

        def service(
            ready: int, wins: Sequence[TimeWindow] = wins, lo: int | None = lo
        ) -> int | None:
            if lo is not None and lo > ready:
                held = earliest_start(wins, lo)
                if held is not None:
                    return held
            return earliest_start(wins, ready)

        arrival = now + travel
        start = service(arrival)
        if start is None:
            raise RouteInfeasible(
                "time_window",
                f"{tech.id} could arrive at {ticket.id} {fmt_clock(arrival)} at the earliest, "
                f"after its window closes {fmt_clock(wins[-1].end)}",
            )
        free_from = now
        while pending:
            brk = pending[0]
            s0 = brk.fit(free_from)
            if s0 is None:
                raise RouteInfeasible(
                    "break", f"{tech.id}'s break {brk.id!r} ({brk.describe()}) no longer fits"
                )
            arr_b = drive(now, travel, [*gap, (s0, s0 + brk.duration)])
            start_b = service(max(arr_b, s0 + brk.duration))
            must = brk.fit(start + ticket.duration) is None
            if start_b is not None and (start_b == start or must):
                gap.append((s0, s0 + brk.duration))
                placed.append((s0, s0 + brk.duration, brk.id, k))
                pending.pop(0)
                arrival, start, free_from = arr_b, start_b, s0 + brk.duration
            elif must:
                raise RouteInfeasible(
                    "break",
                    f"{tech.id} cannot take break {brk.id!r} ({brk.describe()}) and still "
                    f"start {ticket.id} in its window",
                )
            else:
                break
        paused = sum(max(0, min(e, start) - max(s, arrival)) for s, e in gap)
        visits.append(
            Visit(
                ticket_id=ticket.id,
                arrival=arrival,
                start=start,
                end=start + ticket.duration,
                travel_time=travel,
                distance=int(dist[row, nxt]),
                waiting=start - arrival - paused,
            )
        )
        row, now = nxt, start + ticket.duration
    end_row = int(table.end[vehicle.technician])
    back = int(dur[row, end_row])
    end = now + back
    for brk in pending if visits else ():
        after_return = brk.fit(end)
        if after_return is not None:
            placed.append((after_return, after_return + brk.duration, brk.id, len(visits)))
            continue
        s0 = brk.fit(max(now, placed[-1][1] if placed else now))
        if s0 is None:
            raise RouteInfeasible(
                "break", f"{tech.id}'s break {brk.id!r} ({brk.describe()}) no longer fits"
            )
        placed.append((s0, s0 + brk.duration, brk.id, len(visits)))
        end = drive(now, back, [(s, e) for s, e, _, a in placed if a == len(visits)])
    if visits:
        depart = _leave_late(depart, visits, placed, {b.id: b for b in shift.breaks})
    if not visits:
        end = depart + back
    latest = tech.latest_end(vehicle.shift)
    if end > latest:
        raise RouteInfeasible(
            "shift_end",
            f"{tech.id} would return {fmt_clock(end)}, after shift end {fmt_clock(shift.end)}"
            f" + {fmt_duration(tech.overtime(vehicle.shift))} overtime",
        )
    if tech.max_working_time is not None and end - depart > tech.max_working_time:
        raise RouteInfeasible(
            "max_working_time",
            f"{tech.id} would work {fmt_duration(end - depart)}, more than "
            f"{fmt_duration(tech.max_working_time)}",
        )
    route = Route(
        technician_id=tech.id,
        shift_index=vehicle.shift,
        start=depart,
        end=end,
        visits=tuple(visits),
        breaks=tuple(
            PlacedBreak(break_id=b, start=s, end=e, after=a) for s, e, b, a in sorted(placed)
        ),
        return_travel_time=back,
        return_distance=int(dist[row, end_row]),
    )
    if tech.max_travel_time is not None and route.travel_time > tech.max_travel_time:
        raise RouteInfeasible(
            "max_travel_time",
            f"{tech.id} would drive {fmt_duration(route.travel_time)}, more than "
            f"{fmt_duration(tech.max_travel_time)}",
        )
    busy = route.travel_time + route.service_time
    if tech.max_busy_time is not None and busy > tech.max_busy_time:
        raise RouteInfeasible(
            "max_busy_time",
            f"{tech.id} would drive and serve {fmt_duration(busy)}, more than "
            f"{fmt_duration(tech.max_busy_time)}",
        )
    if tech.max_distance is not None and route.distance > tech.max_distance:
        raise RouteInfeasible(
            "max_distance",
            f"{tech.id} would drive {route.distance / 1000:.1f} km, more than "
            f"{tech.max_distance / 1000:.1f} km",
        )
    return route


def _time_stable(
    problem: Problem,
    vehicle: Vehicle,
    sequence: Sequence[int],
    keep: Mapping[int, int],
    windows: Mapping[int, tuple[TimeWindow, ...]],
) -> Route:
    """Time keeping planned visits at their times; if that fails, at the earliest times."""
    try:
        return time_route(problem, vehicle, sequence, not_before=keep, windows=windows)
    except RouteInfeasible:
        if not keep:
            raise
        return time_route(problem, vehicle, sequence, windows=windows)


def _leave_late(
    depart: int,
    visits: list[Visit],
    placed: list[tuple[int, int, str, int]],
    specs: Mapping[str, Break],
) -> int:
    """Leave as late as the first visit allows instead of waiting there (shorter working time).

    Breaks planned before the first visit move to just before its start, back to back, when
    their windows allow. ``visits[0]`` and ``placed`` are updated in place; returns the
    departure time.
    """
    first = visits[0]
    gap = sorted((p for p in placed if p[3] == 0), key=lambda p: p[0])
    total = sum(e - s for s, e, _, _ in gap)
    latest = first.start - first.travel_time - total
    if latest <= depart:
        return depart
    moved, cursor = [], latest + first.travel_time
    for s, e, bid, _ in gap:
        if not specs[bid].contains(cursor, cursor + (e - s)):
            return depart  # keep the plan as simulated
        moved.append((cursor, cursor + (e - s), bid, 0))
        cursor += e - s
    placed[:] = [p for p in placed if p[3] != 0] + moved
    visits[0] = replace(first, arrival=latest + first.travel_time, waiting=0)
    return latest


def static_reason(problem: Problem, tech_pos: int, ticket: Ticket) -> tuple[str, str] | None:
    """Why technician ``tech_pos`` can never take ``ticket`` (skills, technician rules, van
    stock, capacity) as ``(reason, message)``; ``None`` if nothing rules it out."""
    tech = problem.technicians[tech_pos]
    for skill, level in sorted(ticket.skills.items()):
        if tech.skills.get(skill, 0) < level:
            return "skills", f"{tech.id} lacks {skill} >= {level}"
    if ticket.required_technicians and tech.id not in ticket.required_technicians:
        return "technician", f"{ticket.id} may only go to {sorted(ticket.required_technicians)}"
    if tech.id in ticket.excluded_technicians:
        return "technician", f"{ticket.id} excludes {tech.id}"
    for attr, have_attr in (("parts", "stock"), ("load", "capacity")):
        for key, qty in sorted(getattr(ticket, attr).items()):
            have = getattr(tech, have_attr).get(key, 0)
            if have < qty:
                return attr, f"{tech.id}'s van has {have} x {key!r}, {ticket.id} needs {qty}"
    return None


def routes_by_vehicle(problem: Problem, plan: Result) -> dict[tuple[str, int], Route]:
    """The plan's routes keyed by ``(technician_id, shift_index)``."""
    return {(r.technician_id, r.shift_index): r for r in plan.routes}


def insertion_candidates(
    problem: Problem,
    plan: Result,
    ticket_id: str,
    *,
    windows: tuple[TimeWindow, ...] | None = None,
    reserve: float = 0.0,
    vehicles: Iterable[int] | None = None,
) -> Insertion:
    """Every feasible insertion of ``ticket_id`` into ``plan``, cheapest first.

    Parameters
    ----------
    problem
        The problem, including the ticket (see :func:`add_tickets` for a new one).
    plan
        The current plan (routes are kept; a route missing from it is treated as empty). If the
        ticket is already routed, it is taken out of its route first.
    ticket_id
        The ticket to place.
    windows
        Appointment windows to use instead of the ticket's own (slot offers).
    reserve
        Share of each shift's length (0-1) to keep free: a candidate whose route would have more
        than ``(1 - reserve)`` of the shift in travel and service is rejected (``reserve``).
    vehicles
        Restrict to these vehicle indices (positions in ``problem.vehicles``).

    Returns
    -------
    Insertion
        Candidates sorted by marginal cost, then extra travel, then start; one rejection per
        shift that has no feasible position, with the most common reason.
    """
    if ticket_id not in problem.ticket_index:
        raise InputError(f"ticket {ticket_id!r}", "is not in the problem")
    if not 0.0 <= reserve < 1.0:
        raise InputError("reserve", f"must be in [0, 1), got {reserve!r}")
    target = problem.ticket_index[ticket_id]
    ticket = problem.tickets[target]
    index = problem.ticket_index
    current = routes_by_vehicle(problem, plan)
    override = {target: windows} if windows is not None else {}
    candidates: list[Candidate] = []
    rejections: list[Rejection] = []
    chosen = range(len(problem.vehicles)) if vehicles is None else vehicles
    for v in chosen:
        veh = problem.vehicles[v]
        tech = problem.technicians[veh.technician]
        reject = static_reason(problem, veh.technician, ticket)
        if reject is not None:
            rejections.append(
                Rejection(
                    technician_id=tech.id,
                    shift_index=veh.shift,
                    reason=reject[0],
                    message=reject[1],
                    reasons=(reject[0],),
                )
            )
            continue
        shift = tech.shifts[veh.shift]
        wins = windows if windows is not None else ticket.time_windows
        if wins and (wins[-1].end < shift.start or wins[0].start > tech.latest_end(veh.shift)):
            rejections.append(
                Rejection(
                    technician_id=tech.id,
                    shift_index=veh.shift,
                    reason="time_window",
                    message=f"shift {fmt_clock(shift.start)}-{fmt_clock(shift.end)} does not "
                    "meet the ticket's windows",
                    reasons=("time_window",),
                )
            )
            continue
        old = current.get((tech.id, veh.shift))
        old_visits = [x for x in (old.visits if old else ()) if x.ticket_id != ticket_id]
        base = [index[x.ticket_id] for x in old_visits]
        keep = {index[x.ticket_id]: x.start for x in old_visits}
        try:
            before = _time_stable(problem, veh, base, keep, override)
            before_cost = route_cost(problem, before)
        except RouteInfeasible:
            before = None
            before_cost = route_cost(problem, old) if old is not None else 0.0
        fails: Counter[str] = Counter()
        messages: dict[str, str] = {}
        for pos in range(len(base) + 1):
            seq = [*base[:pos], target, *base[pos:]]
            try:
                route = _time_stable(problem, veh, seq, keep, override)
            except RouteInfeasible as exc:
                fails[exc.reason] += 1
                messages.setdefault(exc.reason, exc.message)
                if exc.reason == "time_window" and pos > 0:
                    prev = old_visits[pos - 1]
                    if wins and prev.end > wins[-1].end:
                        break  # later positions start even later
                continue
            if reserve and route.service_time + route.travel_time > (1 - reserve) * shift.length:
                fails["reserve"] += 1
                messages.setdefault(
                    "reserve",
                    f"{tech.id} would be booked beyond {1 - reserve:.0%} of the shift "
                    "(capacity held back for emergencies)",
                )
                continue
            visit = route.visits[pos]
            moved = tuple(
                Move(ticket_id=x.ticket_id, old_start=x.start, new_start=y.start)
                for x, y in zip(
                    old_visits, (r for r in route.visits if r.ticket_id != ticket_id), strict=True
                )
                if x.start != y.start
            )
            candidates.append(
                Candidate(
                    technician_id=tech.id,
                    shift_index=veh.shift,
                    position=pos,
                    arrival=visit.arrival,
                    start=visit.start,
                    end=visit.end,
                    marginal_cost=route_cost(problem, route) - before_cost,
                    extra_travel_time=route.travel_time - (before.travel_time if before else 0),
                    extra_distance=route.distance - (before.distance if before else 0),
                    sla_slack=None if ticket.due_by is None else ticket.due_by - visit.end,
                    moves=moved,
                    route=route,
                )
            )
        if not fails or any(
            c.technician_id == tech.id and c.shift_index == veh.shift for c in candidates
        ):
            continue
        # "reserve" means a timed route was found: the closest miss, so it is the reason.
        reason = "reserve" if "reserve" in fails else fails.most_common(1)[0][0]
        seen = tuple(r for r, _ in fails.most_common())
        rejections.append(
            Rejection(
                technician_id=tech.id,
                shift_index=veh.shift,
                reason=reason,
                message=messages[reason],
                reasons=seen,
            )
        )
    candidates.sort(key=lambda c: (c.marginal_cost, c.extra_travel_time, c.start))
    return Insertion(
        ticket_id=ticket_id, candidates=tuple(candidates), rejections=tuple(rejections)
    )


def apply_candidate(problem: Problem, plan: Result, candidate: Candidate, ticket_id: str) -> Result:
    """``plan`` with ``candidate``'s route in place and ``ticket_id`` no longer unassigned."""
    key = (candidate.technician_id, candidate.shift_index)
    routes = []
    for route in plan.routes:
        if (route.technician_id, route.shift_index) == key:
            routes.append(candidate.route)
        elif any(v.ticket_id == ticket_id for v in route.visits):
            index = problem.ticket_index
            veh = problem.vehicles[vehicle_index(problem, route.technician_id, route.shift_index)]
            rest = [v for v in route.visits if v.ticket_id != ticket_id]
            routes.append(
                time_route(
                    problem,
                    veh,
                    [index[v.ticket_id] for v in rest],
                    not_before={index[v.ticket_id]: v.start for v in rest},
                )
            )
        else:
            routes.append(route)
    if key not in {(r.technician_id, r.shift_index) for r in plan.routes}:
        routes.append(candidate.route)
    unassigned = [u for u in plan.unassigned if u.ticket_id != ticket_id]
    routed = {v.ticket_id for r in routes for v in r.visits}
    unassigned += [
        Unassigned(ticket_id=t.id, reason="not_planned", message="not in the plan given")
        for t in problem.tickets
        if t.id not in routed and t.id not in {u.ticket_id for u in unassigned}
    ]
    return replace(
        plan,
        routes=tuple(routes),
        unassigned=tuple(unassigned),
        kpis=compute_kpis(problem, routes, unassigned),
    )


def vehicle_index(problem: Problem, technician_id: str, shift_index: int) -> int:
    """Position of a technician's shift in ``problem.vehicles``."""
    t = problem.technician_index[technician_id]
    return bisect.bisect_left(problem.vehicles, (t, shift_index))
