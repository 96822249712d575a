"""Plan mode: time a given sequence of visits (earliest start everywhere), without optimising.

Used to evaluate known routes (a benchmark's best-known solution, a plan from another system)
with the independent validator. Breaks are not placed; shifts with breaks will report them
missing.
"""

from __future__ import annotations

from collections.abc import Sequence

from dispatchopt.models.problem import Problem
from dispatchopt.result import Result, Route, Unassigned, Visit, compute_kpis


def time_routes(
    problem: Problem, routes: Sequence[tuple[str, int, Sequence[str]]], *, status: str = "feasible"
) -> Result:
    """Build a :class:`Result` from ``(technician_id, shift_index, ticket_ids)`` sequences.

    Service starts at the earliest moment at or after arrival that lies in one of the ticket's
    windows (or at arrival if none is reachable); departure is delayed by any wait at the first
    stop, so that no route starts with idle time.
    Tickets in no route are listed as unassigned with reason ``not_planned``.
    """
    table = problem.location_table
    mats = problem.travel_matrices
    tech_pos = problem.technician_index
    out: list[Route] = []
    routed: set[str] = set()
    for tech_id, shift_index, ticket_ids in routes:
        t = tech_pos[tech_id]
        tech = problem.technicians[t]
        durations = problem.technician_durations[t]
        start = tech.shifts[shift_index].start
        row, now = int(table.start[t]), start
        visits = []
        for ticket_id in ticket_ids:
            i = problem.ticket_index[ticket_id]
            ticket = problem.tickets[i]
            nxt = int(table.ticket[i])
            travel = int(durations[row, nxt])
            arrival = now + travel
            begin = arrival
            for w in ticket.time_windows:
                if arrival <= w.end:
                    begin = max(arrival, w.start)
                    break
            visits.append(
                Visit(
                    ticket_id=ticket_id,
                    arrival=arrival,
                    start=begin,
                    end=begin + ticket.duration,
                    travel_time=travel,
                    distance=int(mats.distance[row, nxt]),
                    waiting=begin - arrival,
                )
            )
            routed.add(ticket_id)
            row, now = nxt, begin + ticket.duration
        if visits and visits[0].waiting:  # leave later instead of waiting at the first stop
            first = visits[0]
            start += first.waiting
            visits[0] = Visit(
                ticket_id=first.ticket_id,
                arrival=first.start,
                start=first.start,
                end=first.end,
                travel_time=first.travel_time,
                distance=first.distance,
                waiting=0,
            )
        end_row = int(table.end[t])
        out.append(
            Route(
                technician_id=tech_id,
                shift_index=shift_index,
                start=start,
                end=now + int(durations[row, end_row]),
                visits=tuple(visits),
                return_travel_time=int(durations[row, end_row]),
                return_distance=int(mats.distance[row, end_row]),
            )
        )
    unassigned = [
        Unassigned(ticket_id=tk.id, reason="not_planned", message="in no given route")
        for tk in problem.tickets
        if tk.id not in routed
    ]
    return Result(
        status=status,
        routes=tuple(out),
        unassigned=tuple(unassigned),
        kpis=compute_kpis(problem, out, unassigned),
        objective=0.0,
        runtime=0.0,
        origin=problem.origin,
        backend="plan",
    )
