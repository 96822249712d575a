"""Sub-problems of a day: some of its tickets with some technicians (or stand-ins for them),
on the day's own travel times, and how to compare plans of such a part.

Used by the decomposition (:mod:`dispatchopt.decompose`: parts, groups of routes) and by the
re-planning of route segments (:mod:`dispatchopt.segments`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from dispatchopt.models.location import Location
from dispatchopt.models.problem import Problem
from dispatchopt.models.technician import Technician
from dispatchopt.models.ticket import Priority
from dispatchopt.models.travel import TravelMatrices
from dispatchopt.result import Route, route_cost


@dataclass(frozen=True, slots=True)
class Part:
    """Technicians and tickets planned together (positions in the problem)."""

    technicians: tuple[int, ...]
    tickets: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class _SubTravel:
    """The whole day's travel matrices, looked up by location (parts share them)."""

    rows: Mapping[Location, int]
    full: TravelMatrices

    def check_location(self, location: Location) -> str | None:
        return None if location in self.rows else "is not a location of the whole day"

    def matrices(self, locations: Sequence[Location]) -> TravelMatrices:
        idx = np.array([self.rows[loc] for loc in locations], dtype=np.int64)
        return TravelMatrices(
            duration=self.full.duration[np.ix_(idx, idx)],
            distance=self.full.distance[np.ix_(idx, idx)],
        )


def subproblem(
    problem: Problem, part: Part, technicians: Sequence[Technician] | None = None
) -> Problem:
    """The day restricted to ``part``: its technicians and tickets, the same travel times.

    Technician rules on a ticket keep only the part's technicians; a ticket whose required
    technicians are all elsewhere is left out (the whole-day search places it).
    ``technicians`` stand in for the part's (default: the day's technicians in the part);
    they may start and end only at locations of the day.
    """
    techs = (
        tuple(problem.technicians[t] for t in part.technicians)
        if technicians is None
        else tuple(technicians)
    )
    ids = frozenset(t.id for t in techs)
    tickets = []
    for i in part.tickets:
        ticket = problem.tickets[i]
        if ticket.required_technicians and not ticket.required_technicians & ids:
            continue
        tickets.append(
            replace(
                ticket,
                required_technicians=ticket.required_technicians & ids,
                preferred_technicians=ticket.preferred_technicians & ids,
                excluded_technicians=ticket.excluded_technicians & ids,
            )
        )
    table = problem.location_table
    travel = _SubTravel({loc: r for r, loc in enumerate(table.locations)}, problem.travel_matrices)
    return Problem(
        technicians=techs,
        tickets=tuple(tickets),
        origin=problem.origin,
        travel=travel,
        weights=problem.weights,
    )


def rank_routes(problem: Problem, part: Part, routes: Sequence[Route]) -> tuple[float, ...]:
    """Lexicographic: the part's tickets left out, highest priority first, then the cost."""
    served = {v.ticket_id for r in routes for v in r.visits}
    out = [0.0] * len(Priority)
    for i in part.tickets:
        ticket = problem.tickets[i]
        if ticket.id not in served:
            out[len(Priority) - 1 - int(ticket.priority)] += 1
    return (*out, sum(route_cost(problem, r) for r in routes))
