"""Priority repair: serve an unassigned ticket by ejecting lower-priority work.

Priorities are lexicographic (one ticket outweighs all lower-priority tickets together), but a
routing search moves one ticket at a time and rarely finds "take this routine job out, put the
urgent one in": with huge penalties the swap is two large steps away. This pass does it
directly after the search, with the insertion engine's exact timing:

1. unassigned tickets (for want of room: ``no_capacity``, or ``not_planned`` in a plan built
   by hand), highest priority first, are tried in plain insertion first;
2. then in every route in place of one of its visits (every position tried), or of a run of up
   to three consecutive visits all of strictly lower priority (a long job needs room), or, in
   a route where none of those makes room, of any two of its lower-priority visits apart from
   each other; fewest visits out first, then cheapest: lower-priority visits are ejected (and
   offered plain insertion again later); any other visit must move to another route (an
   ejection chain of length two).

Every accepted change serves one more ticket without serving fewer of equal or higher
priority, so it strictly improves the lexicographic objective and the pass terminates;
it stops at ``deadline``. Plans with a baseline (re-planning) are left alone: ejecting there is
a disruption that the stability costs must price.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Sequence
from dataclasses import replace

from dispatchopt.insertion import (
    RouteInfeasible,
    apply_candidate,
    insertion_candidates,
    routes_by_vehicle,
    static_reason,
    time_route,
    vehicle_index,
)
from dispatchopt.models.problem import Problem, Vehicle
from dispatchopt.result import Result, Route, Unassigned, compute_kpis, route_cost

_ROOM_REASONS = frozenset({"no_capacity", "not_planned"})
"""Unassigned for want of room (not for a rule no technician meets): worth a try."""
_RELOCATION_TRIES = 10
"""Cheapest relocations examined per ticket (each needs an insertion search for the visit out)."""
_BLOCK = 3
"""Most consecutive lower-priority visits ejected to make room for one ticket."""


def _replace_route(
    problem: Problem, plan: Result, route: Route, placed: str, ejected: tuple[str, ...]
) -> Result:
    routes = tuple(
        route if (r.technician_id, r.shift_index) == (route.technician_id, route.shift_index) else r
        for r in plan.routes
    )
    unassigned = [u for u in plan.unassigned if u.ticket_id != placed]
    unassigned += [
        Unassigned(
            ticket_id=out,
            reason="no_capacity",
            message=f"gave way to higher-priority {placed}: its eligible technicians had no "
            "other room for it within their shifts and its time windows",
        )
        for out in ejected
    ]
    order = problem.ticket_index
    unassigned.sort(key=lambda u: order[u.ticket_id])
    return replace(
        plan,
        routes=routes,
        unassigned=tuple(unassigned),
        kpis=compute_kpis(problem, routes, unassigned),
    )


def _swap_in(
    problem: Problem,
    vehicle: Vehicle,
    seq: Sequence[int],
    outs: Sequence[int],
    target: int,
    before: float,
    found: list[tuple[int, float, Route, tuple[str, ...]]],
) -> bool:
    """Add to ``found`` the cheapest route of ``seq`` (ticket indices) with the visits at
    positions ``outs`` taken out and ``target`` in, and its cost change from ``before``;
    whether there is one."""
    rest = [i for k, i in enumerate(seq) if k not in outs]
    best: tuple[float, Route] | None = None
    for pos in range(len(rest) + 1):
        try:
            new = time_route(problem, vehicle, [*rest[:pos], target, *rest[pos:]])
        except RouteInfeasible:
            continue
        delta = route_cost(problem, new) - before
        if best is None or delta < best[0]:
            best = (delta, new)
    if best is not None:
        ids = tuple(problem.tickets[seq[k]].id for k in outs)
        found.append((len(outs), best[0], best[1], ids))
    return best is not None


def _swaps(
    problem: Problem, plan: Result, ticket_id: str
) -> list[tuple[int, float, Route, tuple[str, ...]]]:
    """Every route with ``ticket_id`` in place of one of its visits, or of a run of up to
    :data:`_BLOCK` consecutive visits all of lower priority, or (in a route where none of those
    makes room) of two lower-priority visits apart from each other: (visits out, cost change,
    new route, the visits taken out), fewest out first, then cheapest."""
    index = problem.ticket_index
    target = index[ticket_id]
    priority = problem.tickets[target].priority
    found: list[tuple[int, float, Route, tuple[str, ...]]] = []
    for (tech_id, shift), route in routes_by_vehicle(problem, plan).items():
        if not route.visits:
            continue
        vehicle = problem.vehicles[vehicle_index(problem, tech_id, shift)]
        if static_reason(problem, vehicle.technician, problem.tickets[target]) is not None:
            continue  # skills, technician rules, stock or capacity rule it out here
        wins = problem.tickets[target].time_windows
        tech = problem.technicians[vehicle.technician]
        if wins and (
            wins[-1].end < tech.shifts[shift].start or wins[0].start > tech.latest_end(shift)
        ):
            continue  # its windows lie outside this shift
        seq = [index[v.ticket_id] for v in route.visits]
        before = route_cost(problem, route)
        placed_here = False
        for k in range(len(seq)):
            for size in range(1, _BLOCK + 1):
                outs = seq[k : k + size]
                if len(outs) < size or any(
                    problem.tickets[i].unassigned_cost is not None for i in outs
                ):
                    break
                if size > 1 and any(problem.tickets[i].priority >= priority for i in outs):
                    break
                if _swap_in(problem, vehicle, seq, range(k, k + size), target, before, found):
                    placed_here = True
                    break  # a longer run out of the same place is never needed
        if not placed_here:
            # Two lower-priority visits apart from each other (next to each other: tried above).
            lower = [
                k
                for k, i in enumerate(seq)
                if problem.tickets[i].priority < priority
                and problem.tickets[i].unassigned_cost is None
            ]
            for a, b in itertools.combinations(lower, 2):
                if b > a + 1:
                    _swap_in(problem, vehicle, seq, (a, b), target, before, found)
    found.sort(key=lambda f: (f[0], f[1]))
    return found


def priority_repair(problem: Problem, plan: Result, deadline: float | None = None) -> Result:
    """Serve unassigned tickets by ejecting strictly lower-priority visits (module docstring).

    ``deadline`` is a :func:`time.perf_counter` value; the pass stops there. The number of
    tickets placed is recorded in ``details["priority_repair"]``.
    """
    if problem.baseline is not None or not plan.is_feasible():
        return plan
    placed = 0

    def out_of_time() -> bool:
        return deadline is not None and time.perf_counter() >= deadline

    index = problem.ticket_index

    def key(ticket_id: str) -> tuple[int, int]:
        return (-int(problem.tickets[index[ticket_id]].priority), index[ticket_id])

    # One pass in priority order; a ticket ejected on the way joins the queue once more.
    queue = [
        key(u.ticket_id)
        for u in plan.unassigned
        if u.reason in _ROOM_REASONS and problem.tickets[index[u.ticket_id]].unassigned_cost is None
    ]
    heapq.heapify(queue)
    requeued: set[str] = set()
    while queue and not out_of_time():
        ticket_id = problem.tickets[heapq.heappop(queue)[1]].id
        best = insertion_candidates(problem, plan, ticket_id).best
        if best is not None:
            plan = apply_candidate(problem, plan, best, ticket_id)
            placed += 1
            continue
        priority = problem.tickets[index[ticket_id]].priority
        moved = None
        relocations = 0
        for _, _, route, outs in _swaps(problem, plan, ticket_id):
            if out_of_time() or relocations >= _RELOCATION_TRIES:
                break
            trial = _replace_route(problem, plan, route, ticket_id, outs)
            if all(problem.tickets[index[out]].priority < priority for out in outs):
                moved = trial  # eject lower-priority work
                for out in outs:
                    if out not in requeued:
                        requeued.add(out)
                        heapq.heappush(queue, key(out))
                break
            # One visit of the same or higher priority: only if it can move to another route.
            (out,) = outs
            relocations += 1  # noqa: SIM113 (ejections are not counted)
            elsewhere = insertion_candidates(problem, trial, out).best
            if elsewhere is not None:
                moved = apply_candidate(problem, trial, elsewhere, out)
                break
        if moved is not None:
            plan = moved
            placed += 1
    if not placed:
        return plan
    return replace(plan, details={**plan.details, "priority_repair": placed})
