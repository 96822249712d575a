"""Decomposition: plan nearby groups apart, then search the whole day from there.

OR-Tools' first-solution heuristics grow much faster than the day: on generated days
(``benchmarks``) the parallel cheapest insertion took 1.7 s at 300 tickets x 30 technicians,
9.6 s at 500 x 50 and more than 100 s at 1,000 x 100. Split into parts of about
:data:`PART_SIZE` tickets, each part is planned in a fraction of a second and polished by its
own local search, where a move is cheap. The parts' routes then warm-start the search over the
whole day, which moves tickets across part borders and fills in what the parts left out.

A part is a group of tickets that lie close together (balanced k-medoids on the travel
times) and the technicians whose start is closest to it, in proportion to its tickets. A
ticket no technician of its part may serve (skills, rules) moves to the nearest part with
one who may. Every constraint of the model belongs to one technician shift or one ticket, so
a route feasible in its part is feasible in the whole day.

Days planned in parts, and smaller days whose first solution has many short routes, then
re-plan groups of a few nearby routes, each from its current routes (:func:`improve`): a
routing search over 25 tickets reaches in a fraction of a second what the search over the
whole day reaches only slowly. On the Solomon R1 and RC1 instances (10 s each) the mean gaps
to the best-known distances went from 4.14 % and 6.54 % (whole-day search) to 3.36 % and
3.53 %, each measured in one run of all 56 instances beside VROOM (0.81 % and 1.33 % in both).

Smaller days of few long routes are searched whole for part of the time, then stretches of
nearby routes are re-planned (:mod:`dispatchopt.segments`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from dispatchopt.eligibility import compute_eligibility, unassigned_of
from dispatchopt.models.problem import Problem
from dispatchopt.params import SolveParams
from dispatchopt.result import Result, Route, compute_kpis
from dispatchopt.segments import improve_segments
from dispatchopt.subproblem import Part, rank_routes, subproblem

PART_SIZE = 120
"""Tickets per part: large enough for good routes, small enough to plan in well under 1 s."""
MIN_TICKETS = 250
"""Days with fewer tickets are searched whole (the first solution is fast enough there)."""
CONSTRUCT_SHARE = 0.5
"""Share of the search time the parts get. Against 0.15 (groups then got 0.7), same runs side
by side on full generated days at 30 s (300 x 30 and 500 x 50, 22 day-runs over seeds 0 to 5):
41 fewer normal-priority tickets left out in all, 1.9 a day, as many high-priority ones or
fewer; the run-to-run spread is about 3 a day. At 1,000 x 100 (60 s, four seeds, six runs)
level: 3 more in all."""
IMPROVE_SHARE = 0.35
"""Share of the search time for re-planning groups of nearby routes (the whole-day search
gets the rest)."""
GROUP_SIZE = 25
"""Fewest tickets per group of routes re-planned together on a day not planned in parts."""
GROUP_ROUTES = 3
"""Routes per group, at least: a group of long routes holds more tickets than
:data:`GROUP_SIZE`. With groups of 25 tickets, days of two to four long routes (Solomon R2
and RC2, 10 s) came out at 7.6 % and 8.4 % above the best-known distance instead of about
4 %: a group then held one route, and only the whole-day search can trade between routes."""
MAX_GROUP_ROUTE_LENGTH = 12
"""Days whose first routes are longer on average are searched whole. First solutions of the
Solomon instances: R1, RC1 and C1 12 to 21 routes of 5 to 10 tickets; R2, RC2 and C2 4 to 6
routes of 17 to 25."""
FINAL_SHARE = 0.2
"""Share of the search time kept for the last whole-day search of a day re-planned in
groups without parts."""
MIN_GROUP_TIME_LIMIT = 2.0
"""Shorter time limits search the whole day only (the first solution needs the time)."""
GROUP_SECONDS_PER_TICKET = 1 / 60
"""Time per group re-plan, per ticket of the group (2 s for a part of 120 tickets)."""
_MIN_GROUP_SECONDS = 0.2
"""No group re-plan starts with less time than this left."""
SEARCH_SHARE = 0.5
"""Share of the time limit the whole-day search gets on a day of long routes before its
route segments are re-planned (:func:`~dispatchopt.segments.improve_segments`). On the
Gehring-Homberger R2 and RC2 instances (200 clients, 30 s; four instances) the mean gap to
the best-known distance was 6.4 % with 0.5, 7.6 % with 0.65, 8.6 % with 0.8 and 10.5 % without
segments."""
MIN_SEGMENT_TICKETS = 150
"""Smaller days of long routes are searched whole. On Solomon R2 and RC2 (100 clients, 10 s)
segments gave no gain beyond the run-to-run noise: 3.66 % and 3.36 % with them (80 % of the
time to the whole-day search first), 3.73 % and 2.97 % without, each beside VROOM (3.87 % and
3.43 %, 3.97 % and 3.43 %)."""
RECREATE_SHARE = 0.5
"""Share of the time limit a day planned whole gives to ruin and recreate from scratch
(:attr:`~dispatchopt.params.SolveParams.iterated_local_search`) before its routes go on to
groups, segments or the whole-day search. With 0.5 against 0.7 (ruin and recreate then on every
day planned whole): all 56 Solomon instances at 10 s, 2.10 % against 2.24 % above the best-known
distances; all 60 Gehring-Homberger 200 instances at 30 s, 3.46 % against 3.87 %. A day too small
for segments whose first routes are long (Solomon C2, R2, RC2) gets it too, and then the
whole-day search from its routes: with SISR ruining 10 visits per round that did worse than the
whole-day search from OR-Tools' first solution (0.81 / 3.46 / 3.97 % against 0.33 / 3.73 /
2.93 %); with 20 (same session, 10 s) it did better: 0.32 / 2.27 / 2.66 % and, repeated on R2 and
RC2, 2.34 / 3.21 %, against 0.33 / 3.44 / 2.85 % and 0.33 / 3.43 / 2.67 % (R2 and RC2 with 0.3 of
the time: 2.98 / 2.48 %; with 0.8: 2.64 / 4.05 %)."""
LONG_RUIN_STRING = 20
"""Longest ruined string (:attr:`~dispatchopt.params.SolveParams.ruin_string`) on a day planned
whole whose first routes are too long for groups (:func:`group_size`; strings elsewhere: 10).
Side by side in one session, one solver thread each, against strings of 10 on every day: all
60 Gehring-Homberger 200 instances at 30 s, 2.52 % above the best-known distances against
2.80 % (C2 / R2 / RC2 1.06 / 4.76 / 2.97 % against 1.43 / 5.66 / 3.29 %); all 56 Solomon
instances at 10 s, 1.40 % against 1.65 % (R2 / RC2 2.27 / 2.09 % against 2.84 / 2.99 %).
Strings of 20 on every day: GH-200 2.68 % against 2.73 %, with RC1 (routes of about 10.5
tickets) at 3.67 % against 2.80 %, and 3.74 % against 2.86 % repeated."""
WHOLE_DAY_MAX_TICKETS = 600
"""Largest day planned in parts whose last step searches the whole day (:func:`searches_whole`).
On generated 1,000 x 100 days that search could not even start: OR-Tools restores the routes
under its LNS time limit (0.1 s) and timing 1,000 tickets with breaks takes longer; with a
longer limit it ran past its time (9.4 s on 7.5 s) for no gain (0.3 on 68,098). Measured
(60 s, seeds 0 to 3, side by side): 9 fewer normal-priority tickets left out in all with the
search skipped (3 days fewer, 1 day one more). At 500 x 50 the search starts and gains little
(47 on 37,000 in 3.6 s); at 300 x 30 it cuts the plan's cost by a third (22,238 to 15,465 in
3.6 s) with travel unchanged (44.0 to 44.1 h): lateness, overtime and waiting (0.6 h to 0)."""
WHOLE_DAY_OPERATORS_OFF = {
    f"{scope}_cheapest_insertion_{kind}_lns": False
    for scope in ("global", "local")
    for kind in ("path", "expensive_chain", "close_nodes")
}
"""OR-Tools' cheapest-insertion LNS operators, off in the whole-day search of a day planned in
parts (a user's own ``operators`` setting wins): each re-inserts across the whole day and runs
past the time limit. SDVRPTW PR22B (600 clients), the same 8.96 s search from the same routes
five times: 1.43 and 0.66 s over in two runs with them on; with all six off at most 0.08 s
over in five runs (and in ten more with the path or the expensive-chain pair alone off)."""
READ_SECONDS_PER_PAIR = 2.5e-5
"""Seconds per ticket and technician shift to read a day's routes back into the backend
(:func:`read_time`), kept from the re-planning of groups of routes. Measured (model build,
read and times set): 0.16 s at 300 tickets x 30 technicians, 0.32 s at 500 x 50, 1.5 s at
1,000 x 100 (1.5e-5 s per pair). With the share of the time limit alone (15 %), a
1,000-ticket day under a 12 s limit had 1.4 s, and its routes were not read back."""
READ_SHARE = 0.02
"""Share of the time limit kept for reading the re-planned routes back into the backend."""
_ROUNDS = 6
"""Assignment / medoid-update rounds of the clustering."""

IntArray = npt.NDArray[np.int64]


def _medoids(dist: IntArray, labels: IntArray, k: int) -> IntArray:
    """Per cluster, the member with the least summed travel time to the other members."""
    out = np.zeros(k, dtype=np.int64)
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if len(members):
            out[c] = members[np.argmin(dist[np.ix_(members, members)].sum(axis=1))]
    return out


def _balanced_assign(dist_to: npt.NDArray[np.float64], caps: IntArray) -> IntArray:
    """Each row to its nearest column that still has room; rows with most to lose go first."""
    n, k = dist_to.shape
    order_cols = np.argsort(dist_to, axis=1, kind="stable")
    if k > 1:
        ranked = np.take_along_axis(dist_to, order_cols[:, :2], axis=1)
        regret = ranked[:, 1] - ranked[:, 0]
    else:
        regret = np.zeros(n)
    labels = np.full(n, -1, dtype=np.int64)
    room = caps.copy()
    for r in np.lexsort((np.arange(n), -regret)):
        for c in order_cols[r]:
            if room[c] > 0:
                labels[r], room[c] = c, room[c] - 1
                break
    return labels


def _cluster(dist: IntArray, k: int, first: int | None = None) -> IntArray:
    """Balanced k-medoids: ``k`` groups of at most ``ceil(n / k)`` points (deterministic).

    Seeds are spread by farthest-point sampling from ``first`` (default: the overall medoid).
    """
    n = len(dist)
    seeds = [int(np.argmin(dist.sum(axis=1))) if first is None else first]
    nearest = dist[seeds[0]].astype(np.float64)
    for _ in range(1, k):  # farthest-point seeding from the overall medoid
        seeds.append(int(np.argmax(nearest)))
        nearest = np.minimum(nearest, dist[seeds[-1]])
    caps = np.full(k, math.ceil(n / k), dtype=np.int64)
    medoids = np.array(seeds, dtype=np.int64)
    labels = np.zeros(n, dtype=np.int64)
    for _ in range(_ROUNDS):
        labels = _balanced_assign(dist[:, medoids].astype(np.float64), caps)
        updated = _medoids(dist, labels, k)
        if np.array_equal(updated, medoids):
            break
        medoids = updated
    return labels


def _quotas(sizes: IntArray, n_techs: int) -> IntArray:
    """Technicians per part, in proportion to its tickets (largest remainder, at least one)."""
    share = sizes / sizes.sum() * n_techs
    quota: IntArray = np.maximum(np.floor(share).astype(np.int64), 1)
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    j = 0
    while quota.sum() < n_techs:
        quota[order[j % len(order)]] += 1
        j += 1
    while quota.sum() > n_techs:
        quota[int(np.argmax(quota))] -= 1
    return quota


def _anchors(problem: Problem) -> tuple[IntArray, int]:
    """Per technician, the location row their route is tied to (start, else end; the
    zero-travel ``free`` row when open at both ends), and that ``free`` row (-1: none)."""
    table = problem.location_table
    free = -1 if table.free is None else table.free
    return np.where(table.start == free, table.end, table.start), free


def _may_serve(
    problem: Problem, allowed: npt.NDArray[np.bool_], group_of_tech: IntArray, k: int
) -> npt.NDArray[np.bool_]:
    """(tickets x groups): may someone in the group serve the ticket (``allowed`` is the
    tickets x vehicles eligibility)."""
    group_of_vehicle = group_of_tech[[v.technician for v in problem.vehicles]]
    may = np.zeros((len(problem.tickets), k), dtype=bool)
    for c in range(k):
        may[:, c] = allowed[:, group_of_vehicle == c].any(axis=1)
    return may


def partition(problem: Problem, size: int = PART_SIZE) -> list[Part]:
    """Split ``problem`` into parts of about ``size`` tickets with their nearest technicians.

    Returns one part holding everything when the day is not larger than ``size`` or has
    fewer than two technicians.
    """
    n, n_techs = len(problem.tickets), len(problem.technicians)
    k = min(math.ceil(n / max(size, 1)), n_techs)
    if k <= 1:
        return [Part(tuple(range(n_techs)), tuple(range(n)))]
    table = problem.location_table
    duration = problem.travel_matrices.duration
    rows = table.ticket
    sub = duration[np.ix_(rows, rows)]
    dist = (sub + sub.T) // 2
    labels = _cluster(dist, k)
    medoid_rows = rows[_medoids(dist, labels, k)]

    # Technicians: to the parts whose centre is closest to where they start (or end).
    anchor, free = _anchors(problem)
    placed = anchor != free  # a route open at both ends may go anywhere
    to_centre = np.zeros((n_techs, k), dtype=np.float64)
    to_centre[placed] = (
        duration[np.ix_(anchor[placed], medoid_rows)]
        + duration[np.ix_(medoid_rows, anchor[placed])].T
    )
    sizes = np.bincount(labels, minlength=k)
    tech_part = _balanced_assign(to_centre, _quotas(sizes, n_techs))

    # Tickets nobody in their part may serve move to the nearest part with someone who may.
    may = _may_serve(problem, compute_eligibility(problem).allowed, tech_part, k)
    stranded = np.flatnonzero(~may[np.arange(n), labels] & may.any(axis=1))
    for i in stranded:
        options = np.flatnonzero(may[i])
        labels[i] = options[np.argmin(duration[rows[i], medoid_rows[options]])]
    return [
        Part(
            tuple(int(t) for t in np.flatnonzero(tech_part == c)),
            tuple(int(i) for i in np.flatnonzero(labels == c)),
        )
        for c in range(k)
    ]


def splits(problem: Problem) -> bool:
    """Whether the day is large enough to plan in parts (:func:`construct`)."""
    n = len(problem.tickets)
    return n >= MIN_TICKETS and min(math.ceil(n / PART_SIZE), len(problem.technicians)) > 1


def group_size(routes: Sequence[Route]) -> int | None:
    """Tickets per group: :data:`GROUP_ROUTES` routes of the average length, at least
    :data:`GROUP_SIZE`; ``None`` when fewer than two groups' worth of routes are used or
    routes hold more than :data:`MAX_GROUP_ROUTE_LENGTH` tickets on average."""
    used = [len(r.visits) for r in routes if r.visits]
    if len(used) < 2 * GROUP_ROUTES or sum(used) > MAX_GROUP_ROUTE_LENGTH * len(used):
        return None
    return max(GROUP_SIZE, math.ceil(GROUP_ROUTES * sum(used) / len(used)))


def _rounds_allowed(params: SolveParams) -> bool:
    """Whether rounds of sub-problems may run until a deadline: under a time limit of at least
    :data:`MIN_GROUP_TIME_LIMIT` and no solution limit (a solution limit makes the plan
    deterministic; rounds until a deadline would not)."""
    return (
        params.time_limit is not None
        and params.time_limit >= MIN_GROUP_TIME_LIMIT
        and params.solution_limit is None
    )


def regroups(problem: Problem, params: SolveParams, size: int | None = None) -> bool:
    """Whether groups of routes are re-planned (:func:`improve`): rounds are allowed
    (:func:`_rounds_allowed`) and there is room for two groups of ``size`` tickets (default
    :data:`PART_SIZE` on a day planned in parts, else :data:`GROUP_SIZE`)."""
    n = len(problem.tickets)
    size = size or (PART_SIZE if splits(problem) else GROUP_SIZE)
    return _rounds_allowed(params) and min(math.ceil(n / size), len(problem.technicians)) > 1


def worth_it(problem: Problem, params: SolveParams) -> bool:
    """Whether :func:`solve_in_parts` pays off: a fresh day (no baseline to stay close to)
    that is planned in parts or has groups of routes re-planned."""
    return problem.baseline is None and (splits(problem) or regroups(problem, params))


def construct(
    problem: Problem,
    params: SolveParams,
    solve_part: Callable[[Problem, SolveParams], Result],
    *,
    budget: float | None,
    size: int = PART_SIZE,
) -> tuple[list[Route], dict[str, object]]:
    """Plan every part of ``problem`` apart; their routes together, and what was done.

    Parameters
    ----------
    problem
        The whole day.
    params
        Search settings; each part gets ``budget`` shared in proportion to its tickets (or,
        without a time limit, the same solution limit).
    solve_part
        The backend that plans one part.
    budget
        Seconds for all parts together; ``None`` without a time limit.
    size
        Tickets per part (see :func:`partition`).
    """
    started = time.perf_counter()
    parts = partition(problem, size)
    routes: list[Route] = []
    for part in parts:
        if not part.technicians:
            continue
        sub = subproblem(problem, part)
        limit = (
            None
            if budget is None
            else max(0.05, budget * len(part.tickets) / max(len(problem.tickets), 1))
        )
        sub_params = replace(params, time_limit=limit, workers=1, seed=params.seed)
        routes.extend(r for r in solve_part(sub, sub_params).routes if r.visits)
    return routes, {
        "parts": len(parts),
        "part_sizes": [len(p.tickets) for p in parts],
        "construct_time": time.perf_counter() - started,
    }


def _route_groups(
    problem: Problem,
    routes: Sequence[Route],
    first: int,
    size: int = PART_SIZE,
    allowed: npt.NDArray[np.bool_] | None = None,
) -> list[Part]:
    """Technicians grouped by where their routes are, with their routes' tickets and the
    unassigned tickets nearest to them (that someone in the group may serve).

    ``first`` picks the technician the clustering spreads from; another value moves the
    borders between groups. ``allowed``: the day's eligibility (computed when not given).
    """
    n_techs = len(problem.technicians)
    k = min(math.ceil(len(problem.tickets) / max(size, 1)), n_techs)
    if k <= 1:
        return [Part(tuple(range(n_techs)), tuple(range(len(problem.tickets))))]
    table = problem.location_table
    duration = problem.travel_matrices.duration
    tech_pos, ticket_pos = problem.technician_index, problem.ticket_index
    members: list[list[int]] = [[] for _ in range(n_techs)]
    for route in routes:
        members[tech_pos[route.technician_id]] += [ticket_pos[v.ticket_id] for v in route.visits]
    anchor, _ = _anchors(problem)
    where = np.empty(n_techs, dtype=np.int64)  # a location row per technician
    for t in range(n_techs):
        rows = table.ticket[members[t]]
        if len(rows):
            where[t] = rows[np.argmin(duration[np.ix_(rows, rows)].sum(axis=1))]
        else:  # an empty route open at both ends: the zero-travel "free" row
            where[t] = anchor[t]
    sub = duration[np.ix_(where, where)]
    labels = _cluster((sub + sub.T) // 2, k, first=first % n_techs)
    tickets: list[list[int]] = [[] for _ in range(k)]
    for t in range(n_techs):
        tickets[labels[t]] += members[t]
    served = {i for m in members for i in m}
    waiting = [i for i in range(len(problem.tickets)) if i not in served]

    if waiting:
        if allowed is None:
            allowed = compute_eligibility(problem).allowed
        may = _may_serve(problem, allowed, labels, k)[waiting]
        near = duration[np.ix_(table.ticket[waiting], where)]  # ticket -> technician
        for j, i in enumerate(waiting):
            options = np.flatnonzero(may[j])
            if len(options):
                best = min(options, key=lambda c: near[j, labels == c].min())
                tickets[best].append(i)
    return [
        Part(tuple(int(t) for t in np.flatnonzero(labels == c)), tuple(sorted(tickets[c])))
        for c in range(k)
    ]


def improve(
    problem: Problem,
    params: SolveParams,
    solve_part: Callable[..., Result],
    routes: Sequence[Route],
    *,
    deadline: float,
    size: int = PART_SIZE,
) -> tuple[list[Route], dict[str, object]]:
    """Re-plan groups of nearby routes, each from its current routes, until ``deadline``.

    Each round groups the technicians by where their routes are (the borders move from round
    to round) and re-plans every group with the unassigned tickets nearest to it, starting
    from its current routes. A group's new routes are kept only when they leave out no more
    tickets of any priority (highest first) and, if as many, cost less.
    """
    current = {(r.technician_id, r.shift_index): r for r in routes if r.visits}
    rng = np.random.default_rng(params.seed)
    allowed = compute_eligibility(problem).allowed
    tried = kept = rounds = 0
    while deadline - time.perf_counter() >= _MIN_GROUP_SECONDS:
        first = int(rng.integers(1 << 30))
        groups = _route_groups(problem, list(current.values()), first, size, allowed)
        rounds += 1
        for part in groups:
            left = deadline - time.perf_counter()
            if left < _MIN_GROUP_SECONDS:
                break
            ids = {problem.technicians[t].id for t in part.technicians}
            before = [r for key, r in current.items() if key[0] in ids]
            sub = subproblem(problem, part)
            limit = min(GROUP_SECONDS_PER_TICKET * size, left)
            sub_params = replace(params, time_limit=limit, workers=1)
            after = [r for r in solve_part(sub, sub_params, initial=before).routes if r.visits]
            tried += 1
            if rank_routes(problem, part, after) < rank_routes(problem, part, before):
                kept += 1
                for key in [key for key in current if key[0] in ids]:
                    del current[key]
                current.update({(r.technician_id, r.shift_index): r for r in after})
    return list(current.values()), {"rounds": rounds, "groups_tried": tried, "groups_kept": kept}


def solve_in_parts(
    problem: Problem, params: SolveParams, solver: Callable[..., Result], *, size: int | None = None
) -> Result:
    """Plan a day: a large one in parts (:func:`construct`), a smaller one from OR-Tools' first
    solution; then groups of nearby routes (:func:`improve`, see :func:`regroups`); then the
    whole day from those routes with ``solver`` (a day too large for that, see
    :func:`searches_whole`, only has them read back).

    The time limit is shared :data:`CONSTRUCT_SHARE` / :data:`IMPROVE_SHARE` / the rest on a
    large day, groups until all but :data:`FINAL_SHARE` / :data:`FINAL_SHARE` on a smaller one.
    A smaller day first replaces its first solution by ruin and recreate from scratch for
    :data:`RECREATE_SHARE` of the time limit (:func:`_recreates`). One whose first routes are
    too few or too long for groups (:func:`group_size`) is then searched whole from its routes,
    then its route segments are re-planned (:func:`_search_then_segments`; not under a solution
    limit) if it is large enough (:func:`_segments_pay`); its ruin and recreate removes strings
    of up to :data:`LONG_RUIN_STRING` visits unless ``params`` sets ``ruin_string``.
    ``size``: tickets per part or group (default :data:`PART_SIZE` on a day planned in parts;
    else :func:`group_size`).
    """
    started = time.perf_counter()
    limit = params.time_limit
    large = splits(problem)
    if large:
        size = size or PART_SIZE
        budget = None if limit is None else CONSTRUCT_SHARE * limit
        routes, info = construct(problem, params, solver, budget=budget, size=size)
        end_share = CONSTRUCT_SHARE + IMPROVE_SHARE
    else:
        # The first solution alone (a fraction of a second below 250 tickets) shows whether
        # the day has short routes enough for groups, or is large enough for segments; then
        # ruin and recreate from scratch replaces it (see RECREATE_SHARE).
        first = solver(problem, replace(params, solution_limit=1))
        info = {"parts": 1, "first_time": time.perf_counter() - started}
        routes = [r for r in first.routes if r.visits]
        size = size or group_size(routes)
        if size is None and params.ruin_string is None:
            params = replace(params, ruin_string=LONG_RUIN_STRING)
        segments = bool(routes) and _segments_pay(problem, params)
        if first.status != "no_solution" and _recreates(params):
            assert limit is not None
            first = solver(problem, replace(params, time_limit=RECREATE_SHARE * limit))
            routes = [r for r in first.routes if r.visits]
            info["recreate_time"] = time.perf_counter() - started
        if first.status == "no_solution" or size is None:
            if segments:
                return _search_then_segments(problem, params, solver, first, started, info)
            left = None if limit is None else limit - (time.perf_counter() - started)
            result = solver(problem, _limited(params, left), initial=routes or None)
            return replace(result, details={**result.details, "decomposition": info})
        end_share = 1 - FINAL_SHARE
    if limit is not None and regroups(problem, params, size):
        deadline = started + min(end_share * limit, limit - read_time(problem))
        routes, rounds = improve(problem, params, solver, routes, deadline=deadline, size=size)
        info = {**info, **rounds, "improve_time": time.perf_counter() - started}
    left = None if limit is None else limit - (time.perf_counter() - started)
    final = params
    if large:
        final = (
            whole_day_params(params)
            if searches_whole(problem)
            else replace(params, solution_limit=1)
        )
    result = solver(problem, _limited(final, left), initial=routes)
    if result.status == "no_solution" and routes:
        result = as_planned(problem, routes)  # not read back in time: the routes as they are
    return replace(result, details={**result.details, "decomposition": info})


def searches_whole(problem: Problem) -> bool:
    """Whether a day planned in parts ends with a search over the whole day: up to
    :data:`WHOLE_DAY_MAX_TICKETS` tickets. A larger one only has its routes read back, and the
    time left goes to the priority repair (:func:`dispatchopt.solve`)."""
    return len(problem.tickets) <= WHOLE_DAY_MAX_TICKETS


def whole_day_params(params: SolveParams) -> SolveParams:
    """``params`` for a whole-day search of a day planned in parts: without the operators of
    :data:`WHOLE_DAY_OPERATORS_OFF` unless ``params`` switches them itself."""
    return replace(params, operators={**WHOLE_DAY_OPERATORS_OFF, **params.operators})


def reads_back_only(problem: Problem, params: SolveParams) -> bool:
    """Whether :func:`dispatchopt.solve` plans the day in parts and then only reads the routes
    back, with no search over the whole day (:func:`searches_whole`)."""
    return (
        params.decompose
        and problem.baseline is None
        and splits(problem)
        and not searches_whole(problem)
    )


def read_time(problem: Problem) -> float:
    """Seconds the backend may need to read a whole day's routes back (build its model, read,
    set the times): :data:`READ_SECONDS_PER_PAIR` per ticket and technician shift."""
    return READ_SECONDS_PER_PAIR * len(problem.tickets) * len(problem.vehicles)


def as_planned(problem: Problem, routes: Sequence[Route]) -> Result:
    """A plan of ``routes`` as they are (each planned and timed in a part or group, so valid
    in the whole day), for when the backend could not read them back: every other ticket
    unassigned with its reason; the objective unpriced (NaN, ``details["objective"]``)."""
    unassigned = unassigned_of(problem, compute_eligibility(problem), routes)
    return Result(
        status="feasible",
        routes=tuple(routes),
        unassigned=tuple(unassigned),
        kpis=compute_kpis(problem, routes, unassigned),
        objective=math.nan,
        runtime=0.0,
        origin=problem.origin,
        details={"objective": "unpriced"},
    )


def _recreates(params: SolveParams) -> bool:
    """Whether a day planned whole gets ruin and recreate from scratch for its first plan
    (:data:`RECREATE_SHARE` of the time limit): asked for, and rounds are allowed."""
    return params.iterated_local_search and _rounds_allowed(params)


def _limited(params: SolveParams, seconds: float | None) -> SolveParams:
    """``params`` with ``seconds`` left (at least 10 ms); unchanged without a time limit."""
    return params if seconds is None else replace(params, time_limit=max(0.01, seconds))


def _segments_pay(problem: Problem, params: SolveParams) -> bool:
    """Whether route segments are re-planned on a day of long routes: from
    :data:`MIN_SEGMENT_TICKETS` tickets, when rounds are allowed (:func:`_rounds_allowed`)."""
    return len(problem.tickets) >= MIN_SEGMENT_TICKETS and _rounds_allowed(params)


def _search_then_segments(
    problem: Problem,
    params: SolveParams,
    solver: Callable[..., Result],
    first: Result,
    started: float,
    info: dict[str, object],
) -> Result:
    """A day of long routes: the whole-day search from the ``first`` plan's routes until
    :data:`SEARCH_SHARE` of the time limit (if that much is left), then segments of
    nearby routes re-planned (:func:`~dispatchopt.segments.improve_segments`) until
    :data:`READ_SHARE` is left, then the routes read back into the backend for the result.

    Segments first and the whole-day search after them did worse (Solomon R2 and RC2, 10 s,
    stretches of 20 tickets: 3.87 % and 5.60 % against 3.70 % and 3.75 %).
    """
    assert params.time_limit is not None
    limit = params.time_limit
    left = SEARCH_SHARE * limit - (time.perf_counter() - started)
    searched = first
    if left >= _MIN_GROUP_SECONDS:
        routes = [r for r in first.routes if r.visits]
        searched = solver(problem, _limited(params, left), initial=routes)
    routes = [r for r in searched.routes if r.visits]
    deadline = started + (1 - READ_SHARE) * limit
    routes, counts = improve_segments(problem, params, solver, routes, deadline=deadline)
    info = {**info, **counts, "segments_time": time.perf_counter() - started}
    left = limit - (time.perf_counter() - started)
    read = replace(params, solution_limit=1)
    result = solver(problem, _limited(read, left), initial=routes)
    everything = Part((), tuple(range(len(problem.tickets))))
    if rank_routes(problem, everything, result.routes) > rank_routes(
        problem, everything, searched.routes
    ):
        result = searched  # only if reading the routes back lost something
    return replace(result, details={**result.details, "decomposition": info})
