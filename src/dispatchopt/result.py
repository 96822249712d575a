"""What the engine returns: routes with timed visits, unassigned tickets with reasons, KPIs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dispatchopt.models.problem import Problem
from dispatchopt.models.ticket import Priority
from dispatchopt.timefmt import fmt_duration, to_datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class Visit:
    """One ticket on a route. Times are seconds since the problem origin."""

    ticket_id: str
    arrival: int
    start: int
    end: int
    travel_time: int
    """Driving time from the previous stop (seconds)."""
    distance: int
    """Distance from the previous stop (metres)."""
    waiting: int = 0
    """Idle time between arrival and service start, breaks taken in between excluded."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PlacedBreak:
    """A break as planned: ``after`` visits into the route (0 = before the first visit)."""

    break_id: str
    start: int
    end: int
    after: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Route:
    """The plan of one technician shift."""

    technician_id: str
    shift_index: int
    start: int
    """Departure from the start location."""
    end: int
    """Arrival at the end location."""
    visits: tuple[Visit, ...] = ()
    breaks: tuple[PlacedBreak, ...] = ()
    return_travel_time: int = 0
    return_distance: int = 0

    @property
    def travel_time(self) -> int:
        """Total driving time, return leg included."""
        return sum(v.travel_time for v in self.visits) + self.return_travel_time

    @property
    def distance(self) -> int:
        """Total distance, return leg included."""
        return sum(v.distance for v in self.visits) + self.return_distance

    @property
    def service_time(self) -> int:
        """Total time on site."""
        return sum(v.end - v.start for v in self.visits)

    @property
    def working_time(self) -> int:
        """Departure to return."""
        return self.end - self.start


@dataclass(frozen=True, kw_only=True, slots=True)
class Unassigned:
    """A ticket left out of the plan, with a machine-readable reason and a sentence."""

    ticket_id: str
    reason: str
    message: str


@dataclass(frozen=True, kw_only=True, slots=True)
class TechnicianKPIs:
    """Per-technician figures over all their shifts."""

    technician_id: str
    jobs: int
    travel_time: int
    distance: int
    service_time: int
    working_time: int
    available_time: int
    overtime: int

    @property
    def utilisation(self) -> float:
        """Share of the available shift time spent on site."""
        return self.service_time / self.available_time if self.available_time else 0.0


@dataclass(frozen=True, kw_only=True, slots=True)
class KPIs:
    """Figures a service manager reads."""

    assigned: int
    unassigned: int
    assigned_by_priority: Mapping[str, tuple[int, int]]
    """Priority name -> (assigned, total)."""
    travel_time: int
    distance: int
    service_time: int
    sla_tickets: int
    """Assigned tickets that have a due-by time."""
    sla_on_time: int
    total_lateness: int
    overtime: int
    routes_used: int
    technicians: tuple[TechnicianKPIs, ...]

    @property
    def sla_on_time_share(self) -> float:
        """On-time share among assigned tickets with a due-by time (1.0 when there are none)."""
        return self.sla_on_time / self.sla_tickets if self.sla_tickets else 1.0

    @property
    def utilisation(self) -> float:
        """Time on site over available shift time, all technicians."""
        available = sum(t.available_time for t in self.technicians)
        return self.service_time / available if available else 0.0

    @property
    def unassigned_by_priority(self) -> tuple[int, ...]:
        """Tickets not routed per priority, indexed by :class:`Priority` value (low first)."""
        counts = (self.assigned_by_priority.get(p.name.lower(), (0, 0)) for p in Priority)
        return tuple(total - done for done, total in counts)


def compute_kpis(
    problem: Problem, routes: Sequence[Route], unassigned: Sequence[Unassigned]
) -> KPIs:
    """Compute KPIs of a plan from the problem and its routes."""
    tickets = problem.tickets
    index = problem.ticket_index
    totals = {p.name.lower(): 0 for p in Priority}
    done = dict.fromkeys(totals, 0)
    for ticket in tickets:
        totals[ticket.priority.name.lower()] += 1
    sla_tickets = sla_on_time = lateness = 0
    per_tech: dict[str, dict[str, int]] = {
        t.id: {
            "jobs": 0,
            "travel_time": 0,
            "distance": 0,
            "service_time": 0,
            "working_time": 0,
            "overtime": 0,
            "available_time": sum(s.length for s in t.shifts),
        }
        for t in problem.technicians
    }
    for route in routes:
        tech = problem.technicians[problem.technician_index[route.technician_id]]
        shift = tech.shifts[route.shift_index]
        figures = per_tech[route.technician_id]
        figures["jobs"] += len(route.visits)
        figures["travel_time"] += route.travel_time
        figures["distance"] += route.distance
        figures["service_time"] += route.service_time
        if route.visits:
            figures["working_time"] += route.working_time
            figures["overtime"] += max(0, route.end - shift.end)
        for visit in route.visits:
            ticket = tickets[index[visit.ticket_id]]
            done[ticket.priority.name.lower()] += 1
            if ticket.due_by is not None:
                sla_tickets += 1
                late = max(0, visit.end - ticket.due_by)
                lateness += late
                sla_on_time += late == 0
    techs = tuple(TechnicianKPIs(technician_id=k, **v) for k, v in per_tech.items())
    return KPIs(
        assigned=sum(done.values()),
        unassigned=len(unassigned),
        assigned_by_priority={k: (done[k], totals[k]) for k in totals if totals[k]},
        travel_time=sum(t.travel_time for t in techs),
        distance=sum(t.distance for t in techs),
        service_time=sum(t.service_time for t in techs),
        sla_tickets=sla_tickets,
        sla_on_time=sla_on_time,
        total_lateness=lateness,
        overtime=sum(t.overtime for t in techs),
        routes_used=sum(1 for r in routes if r.visits),
        technicians=techs,
    )


def route_cost(problem: Problem, route: Route) -> float:
    """Operating cost of one route in currency units, recomputed from the problem's prices.

    Fixed cost (if the route has visits), working time (departure to return) at ``cost_per_hour``,
    distance at ``cost_per_km``, overtime at ``overtime_cost_per_hour`` and SLA lateness at the
    priority's ``lateness_cost_per_hour``. Unassigned tickets are not priced here.
    """
    if not route.visits:
        return 0.0
    tech = problem.technicians[problem.technician_index[route.technician_id]]
    shift = tech.shifts[route.shift_index]
    lateness = problem.weights.lateness_cost_per_hour
    tickets, index = problem.tickets, problem.ticket_index
    late = 0.0
    for visit in route.visits:
        ticket = tickets[index[visit.ticket_id]]
        if ticket.due_by is not None and visit.end > ticket.due_by:
            late += lateness[ticket.priority] * (visit.end - ticket.due_by) / 3600.0
    return (
        tech.fixed_cost
        + tech.cost_per_hour * route.working_time / 3600.0
        + tech.cost_per_km * route.distance / 1000.0
        + tech.overtime_cost_per_hour * max(0, route.end - shift.end) / 3600.0
        + late
    )


def plan_cost(problem: Problem, routes: Sequence[Route]) -> float:
    """Sum of :func:`route_cost` over ``routes``."""
    return sum(route_cost(problem, r) for r in routes)


@dataclass(frozen=True, kw_only=True)
class Result:
    """The outcome of :func:`dispatchopt.solve`, the same for every backend.

    ``routes`` holds one entry per technician shift (empty ones included), ``unassigned`` one
    per ticket not in any route. Times are integer seconds since ``origin``.
    """

    status: str
    """``"feasible"`` (a plan was found within the limits), ``"optimal"`` or ``"no_solution"``."""
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    kpis: KPIs
    objective: float
    """Total cost in currency units, as the backend priced it."""
    runtime: float
    """Wall time in seconds."""
    origin: datetime
    backend: str = "ortools"
    details: Mapping[str, object] = field(default_factory=dict)

    def is_feasible(self) -> bool:
        """Whether the backend found a plan (check it with :func:`dispatchopt.validate`)."""
        return self.status in {"feasible", "optimal"}

    def to_frame(self) -> Any:
        """One row per stop as a pandas DataFrame (see ``io.frames.result_to_frame``)."""
        from dispatchopt.io.frames import result_to_frame

        return result_to_frame(self)

    def kpi_frame(self) -> Any:
        """Per-technician KPIs as a pandas DataFrame."""
        from dispatchopt.io.frames import kpi_frame

        return kpi_frame(self)

    def route_of(self, ticket_id: str) -> Route | None:
        """The route serving ``ticket_id``, if any."""
        for route in self.routes:
            if any(v.ticket_id == ticket_id for v in route.visits):
                return route
        return None

    def clock(self, seconds: int) -> str:
        """Local wall-clock text of a time (weekday added when the plan spans several days)."""
        moment = to_datetime(seconds, self.origin)
        days = {to_datetime(r.start, self.origin).date() for r in self.routes if r.visits}
        return moment.strftime("%a %H:%M" if len(days) > 1 else "%H:%M")

    def summary(self) -> str:
        """A few lines of KPIs."""
        k = self.kpis
        by_priority = ", ".join(
            f"{name} {a}/{t}" for name, (a, t) in k.assigned_by_priority.items()
        )
        lines = [
            f"status {self.status}, objective {self.objective:,.2f}, "
            f"{self.runtime:.2f}s ({self.backend})",
            f"tickets: {k.assigned} assigned, {k.unassigned} unassigned ({by_priority})",
            f"routes used: {k.routes_used}/{len(self.routes)}; "
            f"travel {fmt_duration(k.travel_time)}, "
            f"{k.distance / 1000:.1f} km; utilisation {k.utilisation:.0%}",
            f"SLA on time: {k.sla_on_time}/{k.sla_tickets} ({k.sla_on_time_share:.0%}), "
            f"total lateness {fmt_duration(k.total_lateness)}; overtime {fmt_duration(k.overtime)}",
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        lines = [self.summary(), ""]
        for route in self.routes:
            if not route.visits:
                continue
            lines.append(
                f"{route.technician_id} shift {route.shift_index}: "
                f"{self.clock(route.start)}-{self.clock(route.end)}, {len(route.visits)} jobs, "
                f"{route.distance / 1000:.1f} km"
            )
            breaks = list(route.breaks)
            for n, visit in enumerate(route.visits):
                for brk in [b for b in breaks if b.after == n]:
                    lines.append(
                        f"    {self.clock(brk.start)}-{self.clock(brk.end)}  [{brk.break_id}]"
                    )
                wait = f", wait {fmt_duration(visit.waiting)}" if visit.waiting > 0 else ""
                lines.append(
                    f"    {self.clock(visit.start)}-{self.clock(visit.end)}  {visit.ticket_id}"
                    f"  (drive {fmt_duration(visit.travel_time)}{wait})"
                )
            for brk in [b for b in breaks if b.after >= len(route.visits)]:
                lines.append(f"    {self.clock(brk.start)}-{self.clock(brk.end)}  [{brk.break_id}]")
        if self.unassigned:
            lines.append("")
            lines.append("unassigned:")
            lines.extend(f"    {u.ticket_id}: {u.reason} - {u.message}" for u in self.unassigned)
        return "\n".join(lines)
