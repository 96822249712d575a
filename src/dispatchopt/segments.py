"""Re-plan segments of nearby long routes as small sub-problems (large neighbourhood search).

Days with long routes (25 to 50 tickets, as in the Solomon and Gehring-Homberger R2 and RC2
instances) leave no room for groups of whole routes (:func:`dispatchopt.decompose.improve`): a
group of three routes is most of the day. Here a round picks a ticket at random, the routes
that pass nearest to it, and in each of them the stretch of about :data:`SEGMENT_LENGTH`
tickets around the point nearest to it. Each stretch becomes a technician of its own in a
sub-problem: it starts where the ticket before the stretch ends, no earlier than the route
can get there, and must reach the ticket after the stretch by the latest time the rest of the
route still allows; what the rest of the route carries, drives and serves is taken off its
limits. The routing search re-plans the stretches together (with the nearest unassigned
tickets) in a fraction of a second.

Spliced back, every changed route is re-timed from scratch (:func:`time_route`, which checks
every hard constraint), and the group is kept only when it leaves out no more tickets of any
priority and, if as many, costs less. A sub-problem that is looser than the day (breaks,
working-time limits, loads picked up and delivered on one route) can therefore only waste a
round, never break a plan.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from dispatchopt.eligibility import compute_eligibility
from dispatchopt.insertion import RouteInfeasible, time_route, vehicle_index
from dispatchopt.models.problem import Problem
from dispatchopt.models.technician import Shift, Technician
from dispatchopt.models.ticket import earliest_start, latest_start
from dispatchopt.params import SolveParams
from dispatchopt.plan import time_routes
from dispatchopt.result import Result, Route
from dispatchopt.subproblem import Part, rank_routes, subproblem

SEGMENT_LENGTH = 30
"""Tickets per stretch of route re-planned. Four Gehring-Homberger R2 / RC2 instances (200
clients, 30 s): mean gap 6.4 % with 30, 8.1 % with 20, 8.6 % with 40, 8.8 % with 4 routes of
15 (10.5 % without segments)."""
SEGMENT_ROUTES = 3
"""Routes per group: the stretches of the routes passing nearest to the chosen ticket."""
SECONDS_PER_TICKET = 0.008
"""Time per group re-plan, per ticket of the sub-problem (0.72 s for three stretches of 30;
0.004 gave the same mean gap within the noise on the instances above: 6.44 % against 6.35 %)."""
_MIN_SECONDS = 0.1
"""No group re-plan starts with less time than this left."""

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Segment:
    """Tickets ``lo`` to ``hi - 1`` (positions in its visits) of one route."""

    route: Route
    lo: int
    hi: int


def segment_technician(problem: Problem, segment: Segment) -> Technician | None:
    """The technician who stands in for ``segment``: from the ticket before it (no earlier than
    the route can leave there) to the ticket after it (no later than the rest of the route
    allows), with what the rest of the route uses taken off the shift's limits.

    ``None`` when the rest of the route leaves no time for the stretch.
    """
    route, lo, hi = segment.route, segment.lo, segment.hi
    t = problem.technician_index[route.technician_id]
    tech = problem.technicians[t]
    shift = tech.shifts[route.shift_index]
    table = problem.location_table
    dur = problem.technician_durations[t]
    dist = problem.travel_matrices.distance
    tickets = problem.tickets
    seq = [problem.ticket_index[v.ticket_id] for v in route.visits]
    rows = [int(table.start[t]), *(int(table.ticket[i]) for i in seq), int(table.end[t])]

    # Earliest departure from the ticket before the stretch (breaks ignored: looser).
    now = shift.start
    for k in range(lo):
        begin = earliest_start(tickets[seq[k]].time_windows, now + int(dur[rows[k], rows[k + 1]]))
        if begin is None:
            return None
        now = begin + tickets[seq[k]].duration
    # Latest arrival at the ticket after the stretch (or the shift's end).
    latest = tech.latest_end(route.shift_index)
    for k in range(len(seq) - 1, hi - 1, -1):
        by = latest - int(dur[rows[k + 1], rows[k + 2]]) - tickets[seq[k]].duration
        begin = latest_start(tickets[seq[k]].time_windows, by)
        if begin is None:
            return None
        latest = begin
    if latest < now:
        return None

    rest = [k for k in range(len(seq)) if not lo <= k < hi]
    arcs = [k for k in range(len(rows) - 1) if k < lo or k > hi]  # arcs k: rows[k] -> rows[k+1]
    rest_travel = sum(int(dur[rows[k], rows[k + 1]]) for k in arcs)
    rest_distance = sum(int(dist[rows[k], rows[k + 1]]) for k in arcs)
    rest_service = sum(tickets[seq[k]].duration for k in rest)

    def left(limit: int | None, used: int) -> int | None:
        return None if limit is None else max(0, limit - used)

    def minus(attr: str, amounts: Sequence[str]) -> dict[str, int]:
        out = dict(getattr(tech, attr))
        for k in rest:
            for name in amounts:
                for key, qty in getattr(tickets[seq[k]], name).items():
                    out[key] = max(0, out.get(key, 0) - qty)
        return out

    at_start, at_end = lo == 0, hi == len(seq)
    end = max(now, min(latest, shift.end)) if at_end else latest  # overtime after shift.end
    return replace(
        tech,
        shifts=(Shift(start=now, end=end, max_overtime=latest - end),),
        start=tech.start if at_start else tickets[seq[lo - 1]].location,
        open_start=tech.open_start and at_start,
        end=tech.end if at_end else tickets[seq[hi]].location,
        open_end=tech.open_end and at_end,
        stock=minus("stock", ("parts",)),
        capacity=minus("capacity", ("load", "pickup")),
        max_jobs=left(tech.max_jobs, len(rest)),
        max_working_time=None,  # not additive; the re-timed route is checked
        max_travel_time=left(tech.max_travel_time, rest_travel),
        max_busy_time=left(tech.max_busy_time, rest_travel + rest_service),
        max_distance=left(tech.max_distance, rest_distance),
        fixed_cost=0.0,
    )


def pick_segments(
    problem: Problem,
    routes: Sequence[Route],
    seed_ticket: int,
    *,
    length: int = SEGMENT_LENGTH,
    n_routes: int = SEGMENT_ROUTES,
) -> list[Segment]:
    """The stretches of about ``length`` tickets, around the point nearest to ticket
    ``seed_ticket``, of the ``n_routes`` routes (one per technician) passing nearest to it."""
    table = problem.location_table
    duration = problem.travel_matrices.duration
    here = int(table.ticket[seed_ticket])
    index = problem.ticket_index
    options: list[tuple[int, int, int]] = []  # (travel, route number, position)
    seen: set[str] = set()
    for r, route in enumerate(routes):
        if not route.visits:
            continue
        rows = table.ticket[[index[v.ticket_id] for v in route.visits]]
        near = duration[here, rows] + duration[rows, here]
        k = int(np.argmin(near))
        options.append((int(near[k]), r, k))
    out: list[Segment] = []
    for _, r, k in sorted(options):
        route = routes[r]
        if route.technician_id in seen:  # one stretch per technician (ids stay unique)
            continue
        seen.add(route.technician_id)
        lo = max(0, min(k - length // 2, len(route.visits) - length))
        out.append(Segment(route, lo, min(len(route.visits), lo + length)))
        if len(out) == n_routes:
            break
    return out


def _nearest_waiting(
    problem: Problem,
    waiting: Sequence[int],
    seed_ticket: int,
    may: npt.NDArray[np.bool_],
    count: int,
) -> list[int]:
    """Up to ``count`` unassigned tickets nearest to ``seed_ticket`` that ``may`` be served."""
    if not waiting or count <= 0:
        return []
    table = problem.location_table
    duration = problem.travel_matrices.duration
    candidates = [i for i in waiting if may[i]]
    here = int(table.ticket[seed_ticket])
    rows = table.ticket[candidates]
    order = np.argsort(duration[here, rows] + duration[rows, here], kind="stable")
    return [candidates[j] for j in order[:count]]


def _retime(problem: Problem, route: Route, ticket_ids: Sequence[str]) -> Route:
    """``ticket_ids`` timed on ``route``'s shift (:func:`time_route`; raises
    :class:`RouteInfeasible`)."""
    vehicle = problem.vehicles[vehicle_index(problem, route.technician_id, route.shift_index)]
    return time_route(problem, vehicle, [problem.ticket_index[i] for i in ticket_ids])


def _splice(problem: Problem, segments: Sequence[Segment], result: Result) -> list[Route] | None:
    """Each segment's route with its stretch replaced by the sub-plan's route of its
    technician, re-timed on the day; ``None`` if any of them breaks a hard constraint."""
    by_tech = {r.technician_id: r for r in result.routes}
    out = []
    for seg in segments:
        route = seg.route
        ids = [v.ticket_id for v in route.visits]
        new = by_tech.get(route.technician_id)
        middle = [v.ticket_id for v in new.visits] if new is not None else []
        try:
            out.append(_retime(problem, route, [*ids[: seg.lo], *middle, *ids[seg.hi :]]))
        except RouteInfeasible:
            return None
    return out


def improve_segments(
    problem: Problem,
    params: SolveParams,
    solve_part: Callable[..., Result],
    routes: Sequence[Route],
    *,
    deadline: float,
    length: int | None = None,
    n_routes: int | None = None,
) -> tuple[list[Route], dict[str, object]]:
    """Re-plan stretches of nearby routes (see the module notes) until ``deadline``.

    ``length`` and ``n_routes`` default to :data:`SEGMENT_LENGTH` and :data:`SEGMENT_ROUTES`.
    Returns the routes and counts of what was tried and kept. Routes left alone are returned
    as given; changed ones are timed by :func:`~dispatchopt.insertion.time_route`, as are the
    routes they are compared with, so that a kept change is cheaper on equal terms.
    """
    length = length or SEGMENT_LENGTH
    n_routes = n_routes or SEGMENT_ROUTES
    out = {(r.technician_id, r.shift_index): r for r in routes if r.visits}
    current: dict[tuple[str, int], Route] = {}  # what the search compares: re-timed routes
    for key, route in out.items():
        with contextlib.suppress(RouteInfeasible):
            route = _retime(problem, route, [v.ticket_id for v in route.visits])
        current[key] = route
    rng = np.random.default_rng(params.seed)
    allowed = compute_eligibility(problem).allowed
    n = len(problem.tickets)
    tried = kept = skipped = 0
    while deadline - time.perf_counter() >= _MIN_SECONDS:
        served = {problem.ticket_index[v.ticket_id] for r in current.values() for v in r.visits}
        if not served:
            break
        pool = sorted(served)
        seed_ticket = pool[int(rng.integers(len(pool)))]
        segments = pick_segments(
            problem, list(current.values()), seed_ticket, length=length, n_routes=n_routes
        )
        stand_ins = [segment_technician(problem, s) for s in segments]
        pairs = [(s, t) for s, t in zip(segments, stand_ins, strict=True) if t is not None]
        if not pairs:
            skipped += 1
            continue
        segments = [s for s, _ in pairs]
        columns = [
            vehicle_index(problem, s.route.technician_id, s.route.shift_index) for s in segments
        ]
        waiting = [i for i in range(n) if i not in served]
        extra = _nearest_waiting(
            problem,
            waiting,
            seed_ticket,
            np.asarray(allowed[:, columns].any(axis=1), dtype=bool),
            length,
        )
        mine = [
            problem.ticket_index[v.ticket_id] for s in segments for v in s.route.visits[s.lo : s.hi]
        ]
        part = Part((), tuple(sorted(mine + extra)))
        sub = subproblem(problem, part, [t for _, t in pairs])
        before = time_routes(
            sub,
            [
                (s.route.technician_id, 0, [v.ticket_id for v in s.route.visits[s.lo : s.hi]])
                for s in segments
            ],
        ).routes
        left = deadline - time.perf_counter()
        limit = min(SECONDS_PER_TICKET * len(part.tickets), left)
        result = solve_part(sub, replace(params, time_limit=limit, workers=1), initial=before)
        tried += 1
        after = _splice(problem, segments, result)
        if after is None:
            continue
        old = [s.route for s in segments]
        if rank_routes(problem, part, after) < rank_routes(problem, part, old):
            kept += 1
            for route in after:
                current[(route.technician_id, route.shift_index)] = route
                out[(route.technician_id, route.shift_index)] = route
    return list(out.values()), {
        "segment_groups_tried": tried,
        "segment_groups_kept": kept,
        "segment_groups_skipped": skipped,
    }
