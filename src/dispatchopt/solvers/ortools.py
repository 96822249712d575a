"""OR-Tools routing backend: the only module that imports ortools.

Each technician shift is one vehicle. Every transit is registered as a matrix or a unary vector
(``RegisterTransitMatrix`` / ``RegisterUnaryTransitVector``), so no Python runs inside the
search. Costs are integers in ``1 / COST_SCALE`` currency units.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from dispatchopt.eligibility import (
    Eligibility,
    compute_eligibility,
    duration_groups,
    no_room,
)
from dispatchopt.errors import InputError
from dispatchopt.models.problem import Problem
from dispatchopt.models.ticket import Priority
from dispatchopt.params import SolveParams
from dispatchopt.result import PlacedBreak, Result, Route, Unassigned, Visit, compute_kpis
from dispatchopt.timing import timed_visit

log = logging.getLogger("dispatchopt")

COST_SCALE = 100_000
"""Internal cost units per currency unit."""
_PENALTY_BUDGET = 2**61
"""All unassigned penalties together stay below this, so that the objective (penalties plus
route costs) never reaches int64's limit: OR-Tools saturates there, and a saturated objective
cannot tell plans apart (every plan with many tickets unassigned would cost the same)."""
_RESTORE_LIMIT = 5.0
"""Seconds OR-Tools may take to complete warm-start routes (see :func:`_warm_start`)."""
_COMPLETE_RESERVE = 0.5
"""Seconds at most (and a tenth of the time) kept after ruin and recreate for setting its
plan's times (see :func:`_recreate`)."""
_TRIAL_SECONDS = 0.5
"""Longest trial run of ruin and recreate (see :func:`_recreate`)."""
_RUIN_VISITS = 20
"""Visits removed per ruin-and-recreate round, on average (twice SISR's default of 10), unless
:attr:`~dispatchopt.params.SolveParams.ruin_visits` says otherwise.

Against 10, side by side in one session (one solver thread each): all 60 Gehring-Homberger
200 instances at 30 s, 2.75 % above the best-known distances against 3.46 %; all 56 Solomon
instances at 10 s, 1.82 % against 1.80 % (noise); 14 SDVRPTW days of 96 to 288 clients at
60 s, 8.72 % above the best-known costs against 10.65 %; the 10 of under 150 clients at 30 s
(and with ruin and recreate first on every smaller day, see
:data:`dispatchopt.decompose.RECREATE_SHARE`) 4.60 % against 4.14 %. On SDVRPTW PR05 (ruin
and recreate alone, 30 s) 5 visits gave 33.8 %, 10: 22.4 %, 15: 14.3 %, 20: 6.0 %, 30: 13.1 %,
40: 12.4 %; on PR09 and PR15 15 / 20 / 30 / 40 gave 16.1 / 6.0 / 8.4 / 7.1 % and 11.8 / 8.7 /
8.2 / 9.3 %."""
_RUIN_STRING = 10
"""Longest string of consecutive visits removed from one route per round, unless
:attr:`~dispatchopt.params.SolveParams.ruin_string` says otherwise."""
_STATUS = {1: "feasible", 2: "feasible", 7: "optimal"}

IntArray = npt.NDArray[np.int64]
#: ``node_of(ticket, start)``: see :func:`_node_of`.
NodeOf = Callable[[int, int], int | None]
#: Earliest and latest service start of a visit node.
Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class _Model:
    """What extraction needs from the build."""

    routing: pywrapcp.RoutingModel
    manager: pywrapcp.RoutingIndexManager
    time: pywrapcp.RoutingDimension
    breaks: list[list[tuple[str, object]]]
    ticket_of_node: IntArray
    """Ticket index per node (-1 for depots); a ticket whose time windows have gaps has a node
    per span of them (see :func:`_visit_nodes`)."""
    n_tickets: int
    """Tickets in the model; nodes ``0 .. n_tickets - 1`` are one per ticket."""
    offset: int
    eligibility: Eligibility
    warm_routes: list[list[int]] | None = None
    """Previous plan as node sequences per vehicle, for a warm start."""


def _penalty_cap(n_active: int) -> int:
    """Largest unassigned penalty of one ticket (see :data:`_PENALTY_BUDGET`)."""
    return _PENALTY_BUDGET // max(n_active, 1)


def _penalties(problem: Problem, active: IntArray, base: int) -> IntArray:
    """Unassigned penalty per active ticket: each priority outweighs all lower ones together
    (up to :func:`_penalty_cap`)."""
    tickets = problem.tickets
    weights = problem.weights
    horizon = max((s.end for t in problem.technicians for s in t.shifts), default=0) - min(
        (s.start for t in problem.technicians for s in t.shifts), default=0
    )
    pen = np.zeros(len(active), dtype=np.int64)
    cap = _penalty_cap(len(active))
    lower_total = 0
    capped = False
    for priority in Priority:
        mask = np.array([tickets[i].priority == priority for i in active], dtype=bool)
        if not mask.any():
            continue
        late = weights.lateness_cost_per_hour[priority] * COST_SCALE / 3600.0
        level = base + lower_total + int(late * max(horizon, 0))
        if level > cap:
            level, capped = cap, True
        pen[mask] = level
        lower_total = min(lower_total + level * int(mask.sum()), cap)
    if capped:
        log.warning(
            "priority penalties capped at %d for %d tickets: dominance of priorities may not "
            "hold inside the search (the priority repair restores what it can)",
            cap,
            len(active),
        )
    for k, i in enumerate(active):
        override = tickets[i].unassigned_cost
        if override is not None:
            pen[k] = min(round(override * COST_SCALE), cap)
    return pen


def _auto_base_penalty(problem: Problem, time_m: IntArray, dist_m: IntArray) -> int:
    """Value of doing the cheapest ticket: well above the cost of any single detour."""
    techs = problem.technicians
    worst_time = int(time_m.max(initial=0)) * 2 + max(
        (t.duration for t in problem.tickets), default=0
    )
    worst_dist = int(dist_m.max(initial=0)) * 2
    per_tech = [
        t.fixed_cost
        + t.cost_per_hour * worst_time / 3600.0
        + t.cost_per_km * worst_dist / 1000.0
        + t.overtime_cost_per_hour * worst_time / 3600.0
        for t in techs
    ]
    unit_cost = max(per_tech, default=0.0) * COST_SCALE
    # Vehicles with no costs are routed on travel time (1 unit per second).
    return int(max(unit_cost, worst_time + worst_dist) * 10) + 1


def _build(problem: Problem, params: SolveParams, initial: Sequence[Route] | None = None) -> _Model:
    tickets = problem.tickets
    techs = problem.technicians
    vehicles = problem.vehicles
    elig = compute_eligibility(problem)
    active = np.flatnonzero(elig.allowed.any(axis=1)) if len(vehicles) else np.zeros(0, np.int64)
    if params.seed:
        active = np.random.default_rng(params.seed).permutation(active)
    table = problem.location_table
    veh_tech = np.array([v.technician for v in vehicles], dtype=np.int64)
    prior = _baseline_of(problem)

    # Nodes: visits (one per active ticket and time window), then one per depot location.
    visit_ticket, spans = _visit_nodes(problem, active)
    n_visits = len(visit_ticket)
    depot_rows = np.unique(np.concatenate([table.start[veh_tech], table.end[veh_tech]]))
    depot_node = {int(r): n_visits + k for k, r in enumerate(depot_rows)}
    node_loc = np.concatenate([table.ticket[visit_ticket], depot_rows]).astype(np.int64)
    n_nodes = len(node_loc)
    mats = problem.travel_matrices
    dist = mats.distance[np.ix_(node_loc, node_loc)]
    service = np.zeros(n_nodes, dtype=np.int64)
    service[:n_visits] = [tickets[i].duration for i in visit_ticket]
    # Driving time per vehicle: one matrix per distinct speed factor, shared by its vehicles.
    veh_dur: list[IntArray] = [np.zeros((0, 0), dtype=np.int64)] * len(vehicles)
    veh_transit: list[IntArray] = list(veh_dur)
    for full, cols in duration_groups(problem, veh_tech):
        sub = full[np.ix_(node_loc, node_loc)]
        with_service = sub + service[:, None]
        for v in cols:
            veh_dur[v], veh_transit[v] = sub, with_service
    transits = list({id(t): t for t in veh_transit}.values())
    # The slowest matrix bounds horizons and penalties.
    transit = max(transits, key=lambda t: int(t.max(initial=0)), default=service[:, None])

    starts = [depot_node[int(table.start[v.technician])] for v in vehicles]
    ends = [depot_node[int(table.end[v.technician])] for v in vehicles]
    manager = pywrapcp.RoutingIndexManager(n_nodes, len(vehicles), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()

    # Time offset so that every internal time is >= 0.
    all_times = [s.start for t in techs for s in t.shifts]
    all_times += [w.start for i in active for w in tickets[i].time_windows]
    all_times += [b.earliest for t in techs for s in t.shifts for b in s.breaks]
    offset = min([0, *all_times])
    end_limits = [techs[v.technician].latest_end(v.shift) for v in vehicles]
    latest = max([0, *end_limits, *(w.end for i in active for w in tickets[i].time_windows)])
    horizon = latest - offset + int(transit.max(initial=0)) + 1

    # Time: travel + service of the node left; slack = waiting and breaks.
    time_cbs = _register_per_vehicle(routing, veh_transit)
    if len(set(time_cbs)) <= 1:
        routing.AddDimension(time_cbs[0] if time_cbs else 0, horizon, horizon, False, "time")
    else:
        routing.AddDimensionWithVehicleTransits(time_cbs, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")

    # Arc costs: one matrix per speed group (priced technicians apart from unpriced ones).
    prices = _prices(problem, veh_transit)
    classes: dict[tuple[int, bool], int] = {}
    for v, veh in enumerate(vehicles):
        tech = techs[veh.technician]
        price = prices[v]
        if price.key not in classes:
            if not price.key[1]:
                cost = veh_transit[v] + dist  # no prices given: minimise time and distance
            else:
                cost = np.rint(veh_transit[v] * price.arc_per_second + dist * price.arc_per_metre)
                cost = cost.astype(np.int64)
            if prior.resequence is not None:
                cost = cost + prior.resequence_matrix(visit_ticket, n_nodes)
            classes[price.key] = routing.RegisterTransitMatrix(cost.tolist())
        routing.SetArcCostEvaluatorOfVehicle(classes[price.key], v)
        if price.span_per_second:
            time_dim.SetSpanCostCoefficientForVehicle(price.span_per_second, v)
        if price.slack_per_second:
            time_dim.SetSlackCostCoefficientForVehicle(price.slack_per_second, v)
        if tech.fixed_cost:
            routing.SetFixedCostOfVehicle(round(tech.fixed_cost * COST_SCALE), v)

    # Vehicles: shift hours, overtime, working time, breaks.
    visit_transits = [int(service[manager.IndexToNode(i)]) for i in range(routing.Size())]
    breaks: list[list[tuple[str, object]]] = []
    for v, veh in enumerate(vehicles):
        tech = techs[veh.technician]
        shift = tech.shifts[veh.shift]
        if elig.usable is not None and not elig.usable[v]:
            # Cannot even drive start -> end within its limits: it gets no tickets (eligibility),
            # and its empty route is left unconstrained so it cannot make the model infeasible.
            log.warning(
                "%s shift %d cannot reach its end location in time; unused", tech.id, veh.shift
            )
            breaks.append([])
            continue
        lo, hi = shift.start - offset, tech.latest_end(veh.shift) - offset
        time_dim.CumulVar(routing.Start(v)).SetRange(lo, hi)
        time_dim.CumulVar(routing.End(v)).SetRange(lo, hi)
        if tech.overtime(veh.shift) and tech.overtime_cost_per_hour:
            time_dim.SetCumulVarSoftUpperBound(
                routing.End(v),
                shift.end - offset,
                round(tech.overtime_cost_per_hour * COST_SCALE / 3600.0),
            )
        if tech.max_working_time is not None:
            time_dim.SetSpanUpperBoundForVehicle(tech.max_working_time, v)
        # One interval per break window; a break with several windows takes exactly one. When
        # the empty route could not also make room for the breaks, they are taken only if the
        # shift is used (optional intervals are slower to search, so only then).
        placed_breaks: list[tuple[str, object]] = []
        used = None if _breaks_fit_empty_route(problem, v) else routing.ActiveVehicleVar(v)
        for k, b in enumerate(shift.breaks):
            optional = len(b.windows) > 1 or used is not None
            alternatives = [
                solver.FixedDurationIntervalVar(
                    s - offset, e - b.duration - offset, b.duration, optional, f"v{v}b{k}w{w}"
                )
                for w, (s, e) in enumerate(b.windows)
            ]
            if optional:
                performed = solver.Sum([iv.PerformedExpr() for iv in alternatives])
                solver.Add(performed == (1 if used is None else used))
            placed_breaks += [(b.id, iv) for iv in alternatives]
        if placed_breaks:
            time_dim.SetBreakIntervalsOfVehicle([iv for _, iv in placed_breaks], v, visit_transits)
        breaks.append(placed_breaks)
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(v)))

    # Tickets: windows, SLA, allowed vehicles, unassigned penalty.
    base = (
        round(problem.weights.unassigned_cost * COST_SCALE)
        if problem.weights.unassigned_cost is not None
        else _auto_base_penalty(problem, transit, dist)
    )
    penalty = _penalties(problem, active, base)
    for node, i in enumerate(active):
        penalty[node] = min(
            int(penalty[node]) + prior.unassign.get(int(i), 0), _penalty_cap(len(active))
        )
    all_vehicles = len(vehicles)
    for node, i in enumerate(visit_ticket):
        ticket = tickets[i]
        index = manager.NodeToIndex(node)
        cumul = time_dim.CumulVar(index)
        span = spans[node]
        if span is not None:
            cumul.SetRange(span[0] - offset, span[1] - offset)
        upper: list[tuple[int, int]] = []  # (bound, coefficient); OR-Tools keeps one per node
        if ticket.due_by is not None:
            coef = problem.weights.lateness_cost_per_hour[ticket.priority] * COST_SCALE / 3600.0
            if coef > 0:
                upper.append((max(0, ticket.due_by - ticket.duration - offset), round(coef)))
        retime = prior.retime.get(int(i))
        if retime is not None:
            planned, tol, coef_r = retime
            time_dim.SetCumulVarSoftLowerBound(index, max(0, planned - tol - offset), coef_r)
            upper.append((max(0, planned + tol - offset), coef_r))
        if upper:
            # Both a due-by and a planned time: the earlier bound at the larger price (the
            # change set reports the exact disruption).
            time_dim.SetCumulVarSoftUpperBound(
                index, min(b for b, _ in upper), max(c for _, c in upper)
            )
        allowed = np.flatnonzero(elig.allowed[i])
        if len(allowed) < all_vehicles:
            # SetAllowedVehiclesForIndex's absl::Span argument is not wrapped in the 9.15 Python
            # package; restricting the vehicle variable is equivalent (-1 = unperformed).
            routing.VehicleVar(index).SetValues([-1, *(int(x) for x in allowed)])
    # One disjunction per ticket over its nodes: at most one is visited, else the penalty.
    nodes_of: dict[int, list[int]] = {}
    for node, i in enumerate(visit_ticket):
        nodes_of.setdefault(int(i), []).append(node)
    for k, i in enumerate(active):
        indices = [manager.NodeToIndex(node) for node in nodes_of[int(i)]]
        routing.AddDisjunction(indices, int(penalty[k]), 1)

    _add_amount_dimensions(problem, routing, elig, visit_ticket, len(active), n_nodes)
    _add_max_jobs(problem, routing, n_visits, n_nodes)
    _add_route_limit(problem, routing, veh_dur, "max_travel_time", elig)
    _add_route_limit(problem, routing, veh_transit, "max_busy_time", elig)
    _add_route_limit(
        problem,
        routing,
        [dist] * len(vehicles),
        "max_distance",
        elig,
        span_costs=[p.span_per_metre for p in prices],
    )
    _add_assignment_costs(problem, routing, visit_ticket, n_nodes, prior)

    ticket_of_node = np.full(n_nodes, -1, dtype=np.int64)
    ticket_of_node[:n_visits] = visit_ticket
    node_of = _node_of(nodes_of, spans)
    warm = prior.routes(node_of, elig, len(vehicles)) if prior.warm_start else None
    if warm is None and initial is not None:
        warm = _initial_routes(problem, initial, node_of, elig)
    return _Model(
        routing, manager, time_dim, breaks, ticket_of_node, len(active), offset, elig, warm
    )


def _visit_nodes(problem: Problem, active: IntArray) -> tuple[IntArray, list[Span | None]]:
    """Ticket and start span of each visit node.

    A ticket's time windows that touch (a gap of at most a second) form one span. Node
    ``k < len(active)`` is ticket ``active[k]`` in its first span (``None`` without windows);
    each further span adds a node after those, and one disjunction per ticket lets at most one
    of its nodes be visited. One node whose time has holes between the windows made OR-Tools'
    exact scheduling reject plans its search had accepted: on a generated day of 100 tickets
    (10 with two appointment slots) parallel cheapest insertion placed none of them with exact
    times, and ruin and recreate never got past its first solution.
    """
    tickets = problem.tickets
    first: list[Span | None] = []
    extra: list[tuple[int, Span]] = []
    for i in active:
        spans: list[Span] = []
        for w in tickets[i].time_windows:
            if spans and w.start - spans[-1][1] <= 1:
                spans[-1] = (spans[-1][0], max(spans[-1][1], w.end))
            else:
                spans.append((w.start, w.end))
        first.append(spans[0] if spans else None)
        extra += [(int(i), span) for span in spans[1:]]
    visit_ticket = np.array([*active, *(i for i, _ in extra)], dtype=np.int64)
    return visit_ticket, [*first, *(span for _, span in extra)]


def _node_of(nodes_of: dict[int, list[int]], spans: Sequence[Span | None]) -> NodeOf:
    """``node_of(ticket, start)``: the node visiting ``ticket`` (a problem index) in the span
    that holds ``start`` (its first node if none does); ``None`` if the ticket has no node.
    ``nodes_of``: the visit nodes of each ticket; ``spans``: the span of each node."""

    def node_of(ticket: int, start: int) -> int | None:
        mine = nodes_of.get(ticket)
        if not mine:
            return None
        for node in mine:
            span = spans[node]
            if span is not None and span[0] <= start <= span[1]:
                return node
        return mine[0]

    return node_of


def _initial_routes(
    problem: Problem, initial: Sequence[Route], node_of: NodeOf, elig: Eligibility
) -> list[list[int]]:
    """``initial`` as node lists per vehicle, keeping tickets that are active and allowed."""
    vehicle_of = {(v.technician, v.shift): k for k, v in enumerate(problem.vehicles)}
    tech_pos, ticket_pos = problem.technician_index, problem.ticket_index
    out: list[list[int]] = [[] for _ in problem.vehicles]
    for route in initial:
        v = vehicle_of[(tech_pos[route.technician_id], route.shift_index)]
        for visit in route.visits:
            i = ticket_pos[visit.ticket_id]
            node = node_of(i, visit.start)
            if node is not None and elig.allowed[i, v]:
                out[v].append(node)
    return out


def _add_amount_dimensions(
    problem: Problem,
    routing: pywrapcp.RoutingModel,
    elig: Eligibility,
    visit_ticket: IntArray,
    n_tickets: int,
    n_nodes: int,
) -> None:
    """Van stock (parts) and capacity (load, pickup) as capacity dimensions, only where they
    can bind. ``visit_ticket``: ticket per visit node, the first ``n_tickets`` of them one per
    ticket.

    An amount that is only delivered (or only picked up) is a plain sum along the route. One
    that is both delivered and picked up changes along the route: ``onboard`` starts at the
    route's total delivery (tied to the end of a ``delivered`` dimension), each stop drops its
    load and adds its pickup, and the capacity bounds it everywhere.
    """
    tickets = problem.tickets
    techs = problem.technicians
    vehicles = problem.vehicles
    active = visit_ticket[:n_tickets]
    allowed = elig.allowed[active].T.astype(np.int64)  # V x active

    def amounts(attr: str, name: str) -> IntArray:
        out = np.zeros(n_nodes, dtype=np.int64)
        out[: len(visit_ticket)] = [getattr(tickets[i], attr).get(name, 0) for i in visit_ticket]
        return out

    def caps_of(tech_attr: str, name: str) -> list[int]:
        return [int(getattr(techs[v.technician], tech_attr).get(name, 0)) for v in vehicles]

    def binds(demand: IntArray, caps: list[int]) -> bool:
        # Allowed vehicles already filter single tickets; only sums can bind.
        return not np.all(allowed @ demand[: len(active)] <= np.array(caps))

    for name in sorted({k for i in active for k in tickets[i].parts}):
        demand, caps = amounts("parts", name), caps_of("stock", name)
        if binds(demand, caps):
            cb = routing.RegisterUnaryTransitVector(demand.tolist())
            routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"parts:{name}")
    load_names = {k for i in active for k in (*tickets[i].load, *tickets[i].pickup)}
    for name in sorted(load_names):
        drop, pick, caps = amounts("load", name), amounts("pickup", name), caps_of("capacity", name)
        if not (drop.any() and pick.any()):
            demand = drop + pick
            if binds(demand, caps):
                cb = routing.RegisterUnaryTransitVector(demand.tolist())
                routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"load:{name}")
            continue
        if not binds(drop + pick, caps):
            continue  # even carrying everything at once fits
        cb = routing.RegisterUnaryTransitVector(drop.tolist())
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"delivered:{name}")
        delivered = routing.GetDimensionOrDie(f"delivered:{name}")
        cb = routing.RegisterUnaryTransitVector((pick - drop).tolist())
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, False, f"onboard:{name}")
        onboard = routing.GetDimensionOrDie(f"onboard:{name}")
        solver = routing.solver()
        for v in range(len(vehicles)):
            solver.Add(onboard.CumulVar(routing.Start(v)) == delivered.CumulVar(routing.End(v)))


def _add_max_jobs(
    problem: Problem, routing: pywrapcp.RoutingModel, n_visits: int, n_nodes: int
) -> None:
    techs = problem.technicians
    limits = [techs[v.technician].max_jobs for v in problem.vehicles]
    if all(lim is None or lim >= n_visits for lim in limits):
        return
    ones = [1] * n_visits + [0] * (n_nodes - n_visits)
    cb = routing.RegisterUnaryTransitVector(ones)
    routing.AddDimensionWithVehicleCapacity(
        cb, 0, [n_visits if lim is None else lim for lim in limits], True, "max_tasks"
    )


@dataclass(frozen=True, slots=True)
class _Price:
    """How one vehicle's operating cost enters the model (integer costs per second or metre)."""

    key: tuple[int, bool]
    """Arc-cost class: the vehicle's driving-time matrix (by identity) and whether it is priced."""
    arc_per_second: float
    arc_per_metre: float
    """The class's lowest prices, in the arc costs."""
    span_per_second: int
    """The vehicle's hourly price above its class's lowest: a span cost on the time dimension."""
    slack_per_second: int
    """What waiting and breaks cost beyond the span cost (the full hourly price in all)."""
    span_per_metre: int
    """The vehicle's per-km price above its class's lowest: a span cost on the distance."""


def _prices(problem: Problem, veh_transit: Sequence[IntArray]) -> list[_Price]:
    """Operating costs per vehicle, with one arc-cost matrix per speed group.

    A route costs its technician's hourly price over its span (travel, service, waiting and
    breaks) and their per-km price over its distance. The arc costs of a speed group price
    travel and service at the group's lowest hourly and per-km prices; each vehicle pays the
    rest as span costs, on the time dimension (its span) and on the distance dimension.
    Technicians with distinct prices then share one matrix (built, converted and held once)
    instead of one each: a generated 2,000 x 100 day had three hourly prices, four matrices
    of 2,100 x 2,100 before, two now. Technicians without prices are their own class (time
    plus distance, waiting free).
    """
    second = COST_SCALE / 3600.0
    metre = COST_SCALE / 1000.0
    techs = [problem.technicians[veh.technician] for veh in problem.vehicles]
    keys = [
        (id(transit), (t.cost_per_hour, t.cost_per_km) != (0.0, 0.0))
        for transit, t in zip(veh_transit, techs, strict=True)
    ]
    lowest: dict[tuple[int, bool], tuple[float, float]] = {}
    for key, t in zip(keys, techs, strict=True):
        hour, km = lowest.get(key, (math.inf, math.inf))
        lowest[key] = (min(hour, t.cost_per_hour), min(km, t.cost_per_km))
    prices = []
    for key, t in zip(keys, techs, strict=True):
        hour, km = lowest[key]
        span = round((t.cost_per_hour - hour) * second)
        prices.append(
            _Price(
                key=key,
                arc_per_second=hour * second,
                arc_per_metre=km * metre,
                span_per_second=span,
                slack_per_second=round(t.cost_per_hour * second) - span,
                span_per_metre=round((t.cost_per_km - km) * metre),
            )
        )
    return prices


def _breaks_fit_empty_route(problem: Problem, v: int) -> bool:
    """Whether shift ``v`` left empty (leave at its start, drive straight to its end) can still
    take all its breaks after returning: then mandatory break intervals cannot make it
    infeasible."""
    veh = problem.vehicles[v]
    tech = problem.technicians[veh.technician]
    shift = tech.shifts[veh.shift]
    table = problem.location_table
    direct = problem.technician_durations[veh.technician][
        table.start[veh.technician], table.end[veh.technician]
    ]
    t = shift.start + int(direct)
    for brk in sorted(shift.breaks, key=lambda b: b.earliest):
        start = brk.fit(t)
        if start is None:
            return False
        t = start + brk.duration
    return t <= tech.latest_end(veh.shift)


def _register_per_vehicle(routing: pywrapcp.RoutingModel, matrices: list[IntArray]) -> list[int]:
    """Register each distinct matrix once; the callback index of every vehicle's matrix."""
    registered: dict[int, int] = {}
    for m in matrices:
        if id(m) not in registered:
            registered[id(m)] = routing.RegisterTransitMatrix(m.tolist())
    return [registered[id(m)] for m in matrices]


def _add_route_limit(
    problem: Problem,
    routing: pywrapcp.RoutingModel,
    matrices: list[IntArray],
    attr: str,
    elig: Eligibility,
    *,
    span_costs: Sequence[int] = (),
) -> None:
    """A per-shift cap on summed travel time or distance, as a dimension over each vehicle's
    matrix (vehicles with equal matrices share one callback); ``span_costs``: a cost per unit
    of the sum, per vehicle (the dimension is added for them alone if no shift is capped).

    Unusable shifts (see :class:`Eligibility`) get no cap, so their empty route stays feasible.
    """
    limits = [
        None
        if elig.usable is not None and not elig.usable[k]
        else getattr(problem.technicians[v.technician], attr)
        for k, v in enumerate(problem.vehicles)
    ]
    if all(lim is None for lim in limits) and not any(span_costs):
        return
    total = max(int(m.max(initial=0)) * (len(m) + 1) for m in matrices)
    caps = [total if lim is None else int(lim) for lim in limits]
    cbs = _register_per_vehicle(routing, matrices)
    if len(set(cbs)) == 1:
        routing.AddDimensionWithVehicleCapacity(cbs[0], 0, caps, True, attr)
    else:
        routing.AddDimensionWithVehicleTransitAndCapacity(cbs, 0, caps, True, attr)
    dimension = routing.GetDimensionOrDie(attr)
    for v, cost in enumerate(span_costs):
        if cost:
            dimension.SetSpanCostCoefficientForVehicle(cost, v)


def _add_assignment_costs(
    problem: Problem,
    routing: pywrapcp.RoutingModel,
    node_ticket: IntArray,
    n_nodes: int,
    before: _BaselineTerms,
) -> None:
    """Per-vehicle unary costs: another technician than preferred, and baseline moves.
    ``node_ticket``: the ticket of each visit node."""
    tickets = problem.tickets
    vehicles = problem.vehicles
    veh_tech = np.array([v.technician for v in vehicles], dtype=np.int64)
    cost = np.zeros((n_nodes, len(vehicles)), dtype=np.int64)
    if any(tickets[i].preferred_technicians for i in node_ticket):
        price = round(problem.weights.preference_cost * COST_SCALE)
        tech_pos = problem.technician_index
        for node, i in enumerate(node_ticket):
            preferred = tickets[i].preferred_technicians
            if preferred:
                ok = np.isin(veh_tech, [tech_pos[x] for x in preferred])
                cost[node, ~ok] += price
    cost[: len(node_ticket)] += before.vehicle_costs(node_ticket)
    if not cost.any():
        return
    total = int(cost.sum(axis=0).max(initial=0))
    # Register each distinct column once (preferences give one per technician).
    columns, which = np.unique(cost, axis=1, return_inverse=True)
    registered = [routing.RegisterUnaryTransitVector(col.tolist()) for col in columns.T]
    callbacks = [registered[int(k)] for k in np.ravel(which)]
    routing.AddDimensionWithVehicleTransits(callbacks, 0, max(total, 1), True, "assignment")
    routing.GetDimensionOrDie("assignment").SetSpanCostCoefficientForAllVehicles(1)


@dataclass(slots=True)
class _BaselineTerms:
    """The previous plan (``problem.baseline``) in solver terms; empty without one."""

    problem: Problem
    planned: dict[int, tuple[int, int, int]]
    """Ticket -> (vehicle, start, position) in the previous plan."""
    retime: dict[int, tuple[int, int, int]]
    """Ticket -> (planned start, tolerance, cost per second) where retiming is priced."""
    unassign: dict[int, int]
    resequence: int | None
    warm_start: bool

    def vehicle_costs(self, node_ticket: IntArray) -> IntArray:
        """(visit nodes x vehicles) cost of serving each node on each vehicle; ``node_ticket``:
        the ticket of each node."""
        vehicles = self.problem.vehicles
        out = np.zeros((len(node_ticket), len(vehicles)), dtype=np.int64)
        baseline = self.problem.baseline
        if baseline is None or not self.planned:
            return out
        costs = baseline.costs
        reassign = round(costs.reassign * COST_SCALE)
        move_day = round(costs.move_day * COST_SCALE)
        if not (reassign or move_day):
            return out
        veh_tech = np.array([v.technician for v in vehicles], dtype=np.int64)
        day = np.array([self.problem.shift_day(*v) for v in vehicles], dtype=np.int64)
        rows = [
            (node, self.planned[int(i)][0])
            for node, i in enumerate(node_ticket)
            if int(i) in self.planned
        ]
        if rows:
            node, v0 = (np.array(x, dtype=np.int64) for x in zip(*rows, strict=True))
            out[node] += np.where(veh_tech[None, :] != veh_tech[v0][:, None], reassign, 0)
            out[node] += np.where(day[None, :] != day[v0][:, None], move_day, 0)
        return out

    def resequence_matrix(self, node_ticket: IntArray, n_nodes: int) -> IntArray:
        """Arc cost for going from A to B where B came before A on the same previous route;
        ``node_ticket``: the ticket of each visit node."""
        out = np.zeros((n_nodes, n_nodes), dtype=np.int64)
        rows = [
            (node, *self.planned[int(i)][::2])
            for node, i in enumerate(node_ticket)
            if int(i) in self.planned
        ]
        if not rows or not self.resequence:
            return out
        node, veh, pos = (np.array(x, dtype=np.int64) for x in zip(*rows, strict=True))
        backwards = (veh[:, None] == veh[None, :]) & (pos[None, :] < pos[:, None])
        out[np.ix_(node, node)] = np.where(backwards, self.resequence, 0)
        return out

    def routes(self, node_of: NodeOf, elig: Eligibility, n_vehicles: int) -> list[list[int]] | None:
        """Previous routes as node lists, keeping tickets still active and allowed there."""
        if not self.planned:
            return None
        seqs: list[list[tuple[int, int]]] = [[] for _ in range(n_vehicles)]
        for i, (v, start, pos) in self.planned.items():
            node = node_of(i, start)
            if node is not None and elig.allowed[i, v]:
                seqs[v].append((pos, node))
        return [[node for _, node in sorted(seq)] for seq in seqs]


def _baseline_of(problem: Problem) -> _BaselineTerms:
    baseline = problem.baseline
    if baseline is None:
        return _BaselineTerms(problem, {}, {}, {}, None, False)
    tech_pos, ticket_pos = problem.technician_index, problem.ticket_index
    vehicle_of = {(v.technician, v.shift): k for k, v in enumerate(problem.vehicles)}
    costs = baseline.costs
    planned = {
        ticket_pos[pv.ticket_id]: (
            vehicle_of[(tech_pos[pv.technician_id], pv.shift_index)],
            pv.start,
            pv.position,
        )
        for pv in baseline.visits
    }
    coef = round(costs.retime_per_hour * COST_SCALE / 3600.0)
    retime = (
        {i: (start, costs.retime_tolerance, coef) for i, (_v, start, _p) in planned.items()}
        if coef
        else {}
    )
    # Dropping a planned ticket must cost more than any move of it: stability never buys an
    # empty slot. ``unassign`` comes on top.
    span = max((s.end for t in problem.technicians for s in t.shifts), default=0) - min(
        (s.start for t in problem.technicians for s in t.shifts), default=0
    )
    most_a_move_costs = costs.reassign + costs.move_day + costs.resequence
    most_a_move_costs += costs.retime_per_hour * max(span, 0) / 3600.0
    unassign = min(round((costs.unassign + most_a_move_costs) * COST_SCALE), _PENALTY_BUDGET)
    return _BaselineTerms(
        problem,
        planned,
        retime,
        dict.fromkeys(planned, unassign) if unassign else {},
        round(costs.resequence * COST_SCALE) or None,
        baseline.warm_start,
    )


def _search_parameters(
    params: SolveParams,
    strategy: str,
    remaining: float | None,
    n_active: int,
    *,
    exact_times: bool = True,
    ruin_and_recreate: bool = False,
) -> object:
    """OR-Tools search parameters for ``params``.

    ``exact_times=False`` turns off OR-Tools' scheduling solvers (an LP, or CP-SAT on routes
    with breaks) that price waiting, overtime and lateness exactly for every route it tries:
    the cost is then bounded from the earliest times and the times are set by the finalizers
    (shortest route span, earliest visits). It is for first solutions, where being feasible
    fast is what counts: a part of 114 tickets with a lunch break per shift got its first
    solution in 0.13 s instead of 0.42 s, the same tickets placed. Not for completing given
    routes: there the scheduling solvers set the times directly where the finalizers search
    them (reading 766 tickets' routes of a 1,000-ticket day: 0.56 s against 1.40 s).

    ``ruin_and_recreate=True``: settings for ``SolveWithIteratedLocalSearch``
    (:func:`_ruin_and_recreate`).
    """
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.disable_scheduling_beware_this_may_degrade_performance = not exact_times
    search.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, strategy)
    # With at most one ticket to place, local search alone reaches the optimum (relocate tries
    # every vehicle); a metaheuristic would only cycle until the time limit.
    metaheuristic = "GREEDY_DESCENT" if n_active <= 1 or ruin_and_recreate else params.metaheuristic
    search.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, metaheuristic
    )
    search.guided_local_search_lambda_coefficient = params.guided_local_search_lambda
    if params.lns_time_limit is not None:
        search.lns_time_limit.FromMilliseconds(max(1, int(params.lns_time_limit * 1000)))
    if params.neighbors_ratio is not None:
        search.ls_operator_neighbors_ratio = params.neighbors_ratio
    _priority_first(search.local_cheapest_insertion_parameters)
    if ruin_and_recreate:
        _ruin_and_recreate(
            search, params.ruin_string or _RUIN_STRING, params.ruin_visits or _RUIN_VISITS
        )
    operators = search.local_search_operators
    for name, on in params.operators.items():
        field = f"use_{name}"
        if field not in operators.DESCRIPTOR.fields_by_name:
            known = sorted(f.removeprefix("use_") for f in operators.DESCRIPTOR.fields_by_name)
            raise InputError("params", f"unknown operator {name!r}; known: {', '.join(known)}")
        setattr(
            operators,
            field,
            optional_boolean_pb2.BOOL_TRUE if on else optional_boolean_pb2.BOOL_FALSE,
        )
    if remaining is not None:
        search.time_limit.FromMilliseconds(max(1, int(remaining * 1000)))
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
    search.log_search = params.log_search
    error = pywrapcp.FindErrorInRoutingSearchParameters(search)
    if error:  # never let OR-Tools turn bad settings into an empty plan
        raise InputError("params", f"OR-Tools rejects these search settings: {error}")
    return search


def _ruin_and_recreate(search: object, string: int, visits: int) -> None:
    """Set OR-Tools' iterated local search up as ruin and recreate (see
    :attr:`~dispatchopt.params.SolveParams.iterated_local_search`).

    Ruin: slack-inducing string removal (SISR; about ``visits`` visits per round, in strings of
    at most ``string`` visits from nearby routes). Recreate: local cheapest
    insertion, with no local search after it (many cheap rounds did better than few polished
    ones: Solomon R105, RC103 and R109, 5 s, 3.1 % above the best-known distances against
    4.8 %). A worse plan replaces the current one by simulated annealing, its temperatures set
    by OR-Tools from the mean arc cost (so they fit any cost scale); the best plan is kept.
    """
    ils = search.iterated_local_search_parameters  # type: ignore[attr-defined]
    search.use_iterated_local_search = True  # type: ignore[attr-defined]
    ruin = ils.ruin_recreate_parameters
    del ruin.ruin_strategies[:]
    sisr = ruin.ruin_strategies.add().sisr
    sisr.avg_num_removed_visits = visits
    sisr.max_removed_sequence_size = string
    sisr.bypass_factor = 0.01
    ruin.recreate_strategy.heuristic = (
        routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    )
    _priority_first(ruin.recreate_strategy.parameters.local_cheapest_insertion)
    ils.improve_perturbed_solution = False
    ils.reference_solution_acceptance_strategy.simulated_annealing.automatic_temperatures = True
    ils.best_solution_acceptance_strategy.greedy_descent.SetInParent()


def _priority_first(lci: object) -> None:
    """Local cheapest insertion (a fallback first solution, and the recreate of ruin and
    recreate) places tickets by unassigned penalty, highest first, then fewest allowed
    technicians first.

    OR-Tools' default is the other way round: a routine ticket only one technician may serve
    took the room an urgent ticket needed. On generated field-service days (30 s; 100 x 12 and
    300 x 30, three seeds each, same run) the objective was lower on all six days (100 x 12:
    76k against 454k, 421k against 700k, 793k against 979k), with fewer normal-priority and
    more low-priority tickets left out. Tickets of one penalty and one set of technicians (the
    Solomon and Gehring-Homberger instances) are ordered as before.
    """
    cls = type(lci)
    del lci.insertion_sorting_properties[:]  # type: ignore[attr-defined]
    lci.insertion_sorting_properties.extend(  # type: ignore[attr-defined]
        [cls.SORTING_PROPERTY_PENALTY, cls.SORTING_PROPERTY_ALLOWED_VEHICLES]  # type: ignore[attr-defined]
    )


def _extract(
    problem: Problem, model: _Model, solution: object
) -> tuple[list[Route], list[Unassigned]]:
    routing, manager, time_dim = model.routing, model.manager, model.time
    tickets = problem.tickets
    table = problem.location_table
    mats = problem.travel_matrices
    offset = model.offset
    routes: list[Route] = []
    served: set[int] = set()
    for v, veh in enumerate(problem.vehicles):
        tech = problem.technicians[veh.technician]
        durations = problem.technician_durations[veh.technician]
        placed = []
        for break_id, interval in model.breaks[v]:
            if not solution.PerformedValue(interval):  # type: ignore[attr-defined]
                continue  # an unused alternative window
            start = solution.StartValue(interval) + offset  # type: ignore[attr-defined]
            placed.append((start, start + solution.DurationValue(interval), break_id))  # type: ignore[attr-defined]
        placed.sort()
        index = routing.Start(v)
        route_start = solution.Value(time_dim.CumulVar(index)) + offset  # type: ignore[attr-defined]
        prev_row, prev_end = int(table.start[veh.technician]), route_start
        visits: list[Visit] = []
        index = solution.Value(routing.NextVar(index))  # type: ignore[attr-defined]
        while not routing.IsEnd(index):
            i = int(model.ticket_of_node[manager.IndexToNode(index)])
            served.add(i)
            row = int(table.ticket[i])
            start = solution.Value(time_dim.CumulVar(index)) + offset  # type: ignore[attr-defined]
            travel = int(durations[prev_row, row])
            visits.append(
                timed_visit(
                    tickets[i].id,
                    depart=prev_end,
                    travel=travel,
                    distance=int(mats.distance[prev_row, row]),
                    start=start,
                    duration=tickets[i].duration,
                    breaks=[(s, e) for s, e, _ in placed],
                )
            )
            prev_row, prev_end = row, start + tickets[i].duration
            index = solution.Value(routing.NextVar(index))  # type: ignore[attr-defined]
        route_end = solution.Value(time_dim.CumulVar(index)) + offset  # type: ignore[attr-defined]
        end_row = int(table.end[veh.technician])
        if not visits:
            route_end = route_start = max(route_start, tech.shifts[veh.shift].start)
            route_end = route_start + int(durations[prev_row, end_row])
        after_of = [sum(1 for vis in visits if vis.end <= s) for s, _, _ in placed]
        routes.append(
            Route(
                technician_id=tech.id,
                shift_index=veh.shift,
                start=route_start,
                end=route_end,
                visits=tuple(visits),
                breaks=tuple(
                    PlacedBreak(break_id=bid, start=s, end=e, after=a)
                    for (s, e, bid), a in zip(placed, after_of, strict=True)
                )
                if visits
                else (),
                return_travel_time=int(durations[prev_row, end_row]),
                return_distance=int(mats.distance[prev_row, end_row]),
            )
        )
    unassigned = [u for i, u in sorted(model.eligibility.reasons.items())]
    for i in np.sort(model.ticket_of_node[: model.n_tickets]):  # each ticket once, in order
        if int(i) not in served:
            unassigned.append(no_room(problem, model.eligibility, int(i)))
    order = problem.ticket_index
    unassigned.sort(key=lambda u: order[u.ticket_id])
    return routes, unassigned


def _seconds_left(deadline: float | None) -> float | None:
    """Seconds until ``deadline`` (at least 1 ms; OR-Tools needs a positive limit)."""
    return None if deadline is None else max(0.001, deadline - time.perf_counter())


def _warm_start(
    model: _Model, params: SolveParams, strategy: str, deadline: float | None, n_active: int
) -> object | None:
    """Search from the previous plan's routes; ``None`` if they are no longer feasible."""
    remaining = _seconds_left(deadline)
    # OR-Tools completes the given routes (times, breaks) under the LNS time limit; on large
    # days with breaks the default 0.1 s is too short and the warm start fails outright. The
    # longer limit is for that completion only: every LNS move of the search would get it too
    # (measured: a 2 s search took 4 s and found nothing better).
    # All the time left if need be: routes not read back are a plan lost.
    restore = _RESTORE_LIMIT if remaining is None else min(_RESTORE_LIMIT, remaining)
    lns = max(params.lns_time_limit or 0.1, restore)
    completing = _search_parameters(
        replace(params, lns_time_limit=lns, solution_limit=1), strategy, remaining, n_active
    )
    routing = model.routing
    routing.CloseModelWithParameters(completing)
    # OR-Tools reads routes as variable indices, not nodes.
    to_index = model.manager.NodeToIndex
    routes = [[to_index(node) for node in route] for route in model.warm_routes or []]
    initial: object | None = routing.ReadAssignmentFromRoutes(routes, True)
    if initial is None:
        # Every constraint is per vehicle, so keep the routes that are still feasible alone.
        # One read per route (a 1,000-ticket day has 100 of them): stop at the deadline.
        empty: list[list[int]] = [[] for _ in routes]
        kept: list[list[int]] = []
        for v, route in enumerate(routes):
            if deadline is not None and time.perf_counter() >= deadline:
                return None
            alone = [*empty[:v], route, *empty[v + 1 :]]
            kept.append(route if route and routing.ReadAssignmentFromRoutes(alone, True) else [])
        log.info(
            "previous plan partly infeasible now; warm start keeps %d of %d routes",
            sum(1 for r in kept if r),
            sum(1 for r in routes if r),
        )
        initial = routing.ReadAssignmentFromRoutes(kept, True)
        if initial is None:
            return None
    if params.solution_limit == 1:  # the routes read, completed, are the first solution
        return initial
    solution: object | None = routing.SolveFromAssignmentWithParameters(initial, completing)
    if solution is None:
        return None
    return _search_from(model, params, strategy, deadline, n_active, solution)


def _first_then_search(
    model: _Model, params: SolveParams, strategy: str, deadline: float | None, n_active: int
) -> object | None:
    """A first solution by ``strategy`` without exact times (see :func:`_search_parameters`),
    then the search from it with them; ``None`` if the strategy finds nothing.

    Measured on two parts of about 110 tickets of a generated day, 2 s each: 92 and 89 tickets
    placed (costs 5,519 and 4,551) against 92 and 83 (10,014 and 4,856) when the first
    solution is built with exact times in the same call as the search.
    """
    remaining = _seconds_left(deadline)
    first = replace(params, solution_limit=1)
    routing = model.routing
    solution: object | None = routing.SolveWithParameters(
        _search_parameters(first, strategy, remaining, n_active, exact_times=False)
    )
    if solution is None or params.solution_limit == 1:
        return solution
    if _ruins(params, deadline, n_active):
        assert deadline is not None
        # A copy: the next solve overwrites the assignment OR-Tools returned.
        solution = routing.solver().Assignment(solution)
        recreated = _recreate(model, params, strategy, deadline, n_active, solution)
        if recreated is not None:
            return recreated
    return _search_from(model, params, strategy, deadline, n_active, solution)


def _recreate(
    model: _Model,
    params: SolveParams,
    strategy: str,
    deadline: float,
    n_active: int,
    first: object,
) -> object | None:
    """Ruin and recreate (:func:`_ruin_and_recreate`) until ``deadline``; ``None`` if it
    places fewer tickets than the ``first`` solution in a short trial run.

    OR-Tools' iterated local search builds its own first solution, with exact times, and
    ignores given ones. Should that place fewer tickets than ours (it placed none on generated
    field-service days until tickets with two appointment slots got a node per slot, see
    :func:`_visit_nodes`), ruin and recreate would have to grow the plan back. The trial run
    (a tenth of the time, at most :data:`_TRIAL_SECONDS`) checks; on failure the metaheuristic
    searches on from ``first`` instead.
    """
    routing = model.routing
    placed = _performed(model, first)
    best: object | None = None
    for trial in (True, False):
        left = deadline - time.perf_counter()
        reserve = min(_COMPLETE_RESERVE, 0.1 * left)
        seconds = min(_TRIAL_SECONDS, 0.1 * left) if trial else left - reserve
        search = _search_parameters(
            params, strategy, max(0.001, seconds), n_active, ruin_and_recreate=True
        )
        tried: object | None = routing.SolveWithIteratedLocalSearch(search)
        if tried is None:
            break
        # Its plan leaves break times open: set them (and every time) as for given routes.
        completing = _search_parameters(
            replace(params, solution_limit=1), strategy, _seconds_left(deadline), n_active
        )
        tried = routing.SolveFromAssignmentWithParameters(tried, completing)
        if tried is None:
            break
        if trial and _performed(model, tried) < placed:
            log.info("ruin and recreate left tickets out in its trial; searching on instead")
            return None
        tried = routing.solver().Assignment(tried)  # the next solve reuses the original
        if best is None or _cost(tried) < _cost(best):
            best = tried
    return best


def _cost(solution: object) -> int:
    """The objective value of an OR-Tools assignment."""
    return int(solution.ObjectiveValue())  # type: ignore[attr-defined]


def _performed(model: _Model, solution: object) -> int:
    """Tickets on routes in ``solution``."""
    routing = model.routing
    count = 0
    for v in range(routing.vehicles()):
        index = solution.Value(routing.NextVar(routing.Start(v)))  # type: ignore[attr-defined]
        while not routing.IsEnd(index):
            count += 1
            index = solution.Value(routing.NextVar(index))  # type: ignore[attr-defined]
    return count


def _ruins(params: SolveParams, deadline: float | None, n_active: int) -> bool:
    """Whether a search from OR-Tools' first solution is ruin and recreate: asked for, under a
    time limit and no solution limit (its cooling follows the clock), with tickets to move."""
    return (
        params.iterated_local_search
        and deadline is not None
        and params.solution_limit is None
        and n_active > 2
    )


def _search_from(
    model: _Model,
    params: SolveParams,
    strategy: str,
    deadline: float | None,
    n_active: int,
    solution: object,
) -> object:
    """The search with ``params`` from ``solution`` until ``deadline``; its best solution, or
    ``solution`` itself if the search could not restart from it."""
    remaining = _seconds_left(deadline)
    search = _search_parameters(params, strategy, remaining, n_active)
    improved: object | None = model.routing.SolveFromAssignmentWithParameters(solution, search)
    if improved is None:
        log.warning("the search could not restart from the solution given; keeping that")
    return improved or solution


def solve_ortools(
    problem: Problem, params: SolveParams, *, initial: Sequence[Route] | None = None
) -> Result:
    """Plan ``problem`` with OR-Tools routing; see :func:`dispatchopt.solve`.

    ``initial`` routes (by technician id and shift) start the search where they are still
    feasible (routes that are not are left empty), instead of a first-solution strategy.
    """
    started = time.perf_counter()
    deadline = None if params.time_limit is None else started + params.time_limit
    if not problem.vehicles:  # OR-Tools cannot model zero vehicles
        reasons = list(compute_eligibility(problem).reasons.values())
        return Result(
            status="feasible",
            routes=(),
            unassigned=tuple(reasons),
            kpis=compute_kpis(problem, (), reasons),
            objective=0.0,
            runtime=time.perf_counter() - started,
            origin=problem.origin,
        )
    model = _build(problem, params, initial)
    build_time = time.perf_counter() - started
    log.debug("model built in %.3fs", build_time)
    solution = None
    strategies = [params.first_solution, *params.fallback_first_solutions]
    if "ALL_UNPERFORMED" not in strategies:
        strategies.append("ALL_UNPERFORMED")
    used = strategies[0]
    n_active = model.n_tickets
    tried = model.warm_routes is not None
    if tried:
        solution = _warm_start(model, params, strategies[0], deadline, n_active)
        if solution is not None:
            used = "WARM_START" if initial is None else "INITIAL_ROUTES"
            strategies = []
    for strategy in strategies:
        # Past the deadline after a failed try, no other: there is no time left for one.
        if tried and deadline is not None and time.perf_counter() >= deadline:
            break
        used = strategy
        solution = _first_then_search(model, params, strategy, deadline, n_active)
        if solution is not None:
            break
        tried = True
        log.info("first-solution strategy %s found nothing; falling back", strategy)
    runtime = time.perf_counter() - started
    if solution is None:
        unassigned = [
            Unassigned(
                ticket_id=t.id, reason="no_solution", message="the solver found no plan in time"
            )
            for t in problem.tickets
        ]
        return Result(
            status="no_solution",
            routes=(),
            unassigned=tuple(unassigned),
            kpis=compute_kpis(problem, (), unassigned),
            objective=float("inf"),
            runtime=runtime,
            origin=problem.origin,
            details={"build_time": build_time, "first_solution": used},
        )
    routes, unassigned = _extract(problem, model, solution)
    status = _STATUS.get(model.routing.status(), "feasible")
    return Result(
        status=status,
        routes=tuple(routes),
        unassigned=tuple(unassigned),
        kpis=compute_kpis(problem, routes, unassigned),
        objective=solution.ObjectiveValue() / COST_SCALE,  # type: ignore[attr-defined]
        runtime=runtime,
        origin=problem.origin,
        details={"build_time": build_time, "first_solution": used},
    )
