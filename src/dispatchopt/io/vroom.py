"""VROOM-compatible JSON: read a VROOM problem, write VROOM's output shape.

Mapping (VROOM API -> dispatchopt):

- times are VROOM's integers, kept as seconds since the Unix epoch (``origin`` = 1970-01-01Z);
- ``matrices`` (first profile) or legacy ``matrix`` -> :class:`MatrixTravel`; without a matrix,
  travel comes from coordinates with :class:`HaversineTravel` and the output says so in
  ``warnings``;
- job ``service`` + ``setup`` -> ticket duration (setup is always counted);
- ``delivery`` (or legacy ``amount``) -> ``load``, ``pickup`` -> ``pickup``; vehicle
  ``capacity`` -> ``capacity``; dimensions are named ``"0"``, ``"1"``, ...; the load on board
  (all deliveries at the start, then each job drops its delivery and adds its pickup) must fit
  at every step, as in VROOM, and each step's ``load`` reports it;
- ``skills`` integers -> skills of level 1 (VROOM's subset rule);
- ``priority`` 0-100 -> LOW (0), NORMAL (1-33), HIGH (34-66), URGENT (67-99), CRITICAL (100);
- vehicle ``time_window`` -> one shift (none: an unbounded day); ``breaks`` -> breaks (each
  of a break's ``time_windows`` bounds its start, so ``[s, e]`` becomes ``[s, e + service]``);
  ``max_tasks`` -> ``max_jobs``; ``costs.fixed/per_hour/per_km`` -> fixed cost, cost per
  working hour, cost per km;
- ``max_travel_time`` and ``max_distance`` -> the same technician limits;
- vehicles without ``start`` (or ``end``) -> open routes (``open_start`` / ``open_end``): the
  route begins at its first job (ends at its last), and the output has no ``start`` (``end``)
  step, as VROOM's;
- ``speed_factor`` -> the technician's ``speed_factor`` (durations divided by it and rounded
  to whole seconds; VROOM rounds in hundredths, so times can differ by a second per leg).

Not supported (rejected with code 2 naming the field): ``shipments``, vehicle ``steps``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from dispatchopt.errors import InputError
from dispatchopt.models.location import Location
from dispatchopt.models.problem import Problem
from dispatchopt.models.technician import Break, Shift, Technician
from dispatchopt.models.ticket import Priority, Ticket, TimeWindow
from dispatchopt.models.travel import HaversineTravel, MatrixTravel, TravelModel
from dispatchopt.result import PlacedBreak, Result, Route, Unassigned, Visit, compute_kpis
from dispatchopt.timing import timed_visit

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NO_END = 2**31 - 1
_UNSUPPORTED_VEHICLE = ("steps",)


def _priority(value: object, record: str) -> Priority:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise InputError(record, f"priority must be an integer 0-100, got {value!r}")
    if value == 0:
        return Priority.LOW
    if value == 100:
        return Priority.CRITICAL
    return (Priority.NORMAL, Priority.HIGH, Priority.URGENT)[min(2, (value - 1) // 33)]


def _location(item: Mapping[str, Any], key: str, record: str, has_matrix: bool) -> Location:
    index = item.get(f"{key}_index" if key != "location" else "location_index")
    coords = item.get(key)
    if has_matrix:
        if index is None:
            raise InputError(
                record,
                f"{key}_index is needed when a matrix is given"
                if key != "location"
                else "location_index is needed when a matrix is given",
            )
        lat_lon = {"lat": coords[1], "lon": coords[0]} if coords else {}
        return Location(index=int(index), **lat_lon)
    if not (isinstance(coords, list | tuple) and len(coords) == 2):
        raise InputError(record, f"{key} must be [lon, lat] when no matrix is given")
    return Location(lat=float(coords[1]), lon=float(coords[0]))


def _amounts(job: Mapping[str, Any], record: str) -> tuple[dict[str, int], dict[str, int]]:
    """``delivery`` (or legacy ``amount``) and ``pickup`` as named dimensions ``"0"``, ..."""
    out = []
    for keys in (("delivery", "amount"), ("pickup",)):
        values: object = next((job[k] for k in keys if job.get(k) is not None), [])
        if not isinstance(values, list) or not all(
            isinstance(q, int) and not isinstance(q, bool) and q >= 0 for q in values
        ):
            raise InputError(record, f"{keys[0]} must be a list of integers >= 0")
        out.append({str(d): q for d, q in enumerate(values) if q})
    return out[0], out[1]


def vroom_to_problem(doc: Mapping[str, Any]) -> tuple[Problem, list[str]]:
    """Read a VROOM problem; returns the problem and warnings to report in the output."""
    if not isinstance(doc, Mapping):
        raise InputError("vroom problem", "must be a JSON object")
    if doc.get("shipments"):
        raise InputError("vroom problem", "shipments are not supported yet")
    warnings: list[str] = []
    matrices = doc.get("matrices")
    travel: TravelModel
    if matrices:
        profile = next(iter(matrices))
        if len(matrices) > 1:
            warnings.append(f"several matrix profiles given; using {profile!r} for every vehicle")
        m = matrices[profile]
        travel = MatrixTravel(durations=m["durations"], distances=m.get("distances"))
    elif doc.get("matrix"):
        travel = MatrixTravel(durations=doc["matrix"])
    else:
        travel = HaversineTravel()
        warnings.append(
            "no matrix given: travel from coordinates (haversine, 40 km/h, detour factor 1.3)"
        )
    has_matrix = isinstance(travel, MatrixTravel)
    jobs, vehicles = doc.get("jobs") or [], doc.get("vehicles") or []
    tickets = []
    for n, job in enumerate(jobs):
        record = f"jobs[{n}]" + (f" id {job.get('id')}" if isinstance(job, Mapping) else "")
        if not isinstance(job, Mapping) or "id" not in job:
            raise InputError(record, "must be an object with an id")
        windows = tuple(
            TimeWindow(start=int(s), end=int(e)) for s, e in job.get("time_windows") or []
        )
        delivery, pickup = _amounts(job, record)
        try:
            tickets.append(
                Ticket(
                    id=str(job["id"]),
                    location=_location(job, "location", record, has_matrix),
                    duration=int(job.get("service", 0)) + int(job.get("setup", 0)),
                    time_windows=windows,
                    priority=_priority(job.get("priority", 0), record),
                    skills=dict.fromkeys((str(s) for s in job.get("skills") or []), 1),
                    load=delivery,
                    pickup=pickup,
                )
            )
        except InputError as exc:
            raise exc.located(record) from None
    techs = []
    for n, veh in enumerate(vehicles):
        record = f"vehicles[{n}]" + (f" id {veh.get('id')}" if isinstance(veh, Mapping) else "")
        if not isinstance(veh, Mapping) or "id" not in veh:
            raise InputError(record, "must be an object with an id")
        for key in _UNSUPPORTED_VEHICLE:
            if veh.get(key) is not None:
                raise InputError(record, f"{key} is not supported yet")
        open_start = veh.get("start") is None and veh.get("start_index") is None
        open_end = veh.get("end") is None and veh.get("end_index") is None
        if open_start and open_end:
            raise InputError(record, "needs a start or an end (or both)")
        window = veh.get("time_window") or [0, NO_END]
        breaks: list[Break] = []
        for b in veh.get("breaks") or []:
            tws = b.get("time_windows") or [[int(window[0]), int(window[1])]]
            service = int(b.get("service", 0))
            # VROOM's break windows bound the break's start; ours hold the whole break.
            spans = [(int(s), min(int(e) + service, int(window[1]))) for s, e in tws]
            spans = [(s, e) for s, e in spans if e - s >= service]
            if not spans:
                raise InputError(
                    record, f"break {b.get('id')}: no time window fits inside the time_window"
                )
            breaks.append(
                Break(id=str(b.get("id", len(breaks))), windows=tuple(spans), duration=service)
            )
        costs = veh.get("costs") or {}
        try:
            techs.append(
                Technician(
                    id=str(veh["id"]),
                    start=None if open_start else _location(veh, "start", record, has_matrix),
                    end=None if open_end else _location(veh, "end", record, has_matrix),
                    open_start=open_start,
                    open_end=open_end,
                    shifts=(Shift(start=int(window[0]), end=int(window[1]), breaks=tuple(breaks)),),
                    skills=dict.fromkeys((str(s) for s in veh.get("skills") or []), 1),
                    capacity={str(d): int(q) for d, q in enumerate(veh.get("capacity") or [])},
                    max_jobs=veh.get("max_tasks"),
                    max_travel_time=veh.get("max_travel_time"),
                    max_distance=veh.get("max_distance"),
                    speed_factor=veh.get("speed_factor", 1.0),
                    fixed_cost=float(costs.get("fixed", 0)),
                    cost_per_hour=float(costs.get("per_hour", 3600)),
                    cost_per_km=float(costs.get("per_km", 0)),
                )
            )
        except InputError as exc:
            raise exc.located(record) from None
    # Every capacity dimension a job uses must exist on vehicles (VROOM requires equal lengths).
    problem = Problem(technicians=tuple(techs), tickets=tuple(tickets), origin=EPOCH, travel=travel)
    return problem, warnings


def _id(value: str) -> int | str:
    return int(value) if value.lstrip("-").isdigit() else value


_TIME_KEYS = ("arrival", "duration", "setup", "service", "waiting_time", "distance", "cost")


def _unscale(doc: dict[str, Any], scale: int) -> None:
    """Divide times, durations and distances by ``scale`` in place (exact: an int when it
    divides, else a float)."""
    for key in _TIME_KEYS:
        if isinstance(doc.get(key), int):
            q, r = divmod(doc[key], scale)
            doc[key] = q if r == 0 else doc[key] / scale


def result_to_vroom(
    result: Result, problem: Problem, warnings: list[str] | None = None, *, scale: int = 1
) -> dict[str, Any]:
    """Write ``result`` in VROOM's output shape (``code`` 0).

    ``scale`` divides every time, duration and distance: a benchmark instance read with
    :func:`~dispatchopt.io.vrplib.read_vrplib` is planned in tenths (the DIMACS convention), and
    is written back in the instance's own units (``Instance.scale``); values that are not whole
    come out with their one decimal instead of being rounded.
    """
    tickets = {t.id: t for t in problem.tickets}
    techs = {t.id: t for t in problem.technicians}

    def loc(location: Location) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if location.lat is not None:
            out["location"] = [location.lon, location.lat]
        if location.index is not None:
            out["location_index"] = location.index
        return out

    routes: list[dict[str, Any]] = []
    totals = {"service": 0, "duration": 0, "waiting_time": 0, "distance": 0, "priority": 0}
    for route in result.routes:
        if not route.visits:
            continue
        tech = techs[route.technician_id]
        load = [0] * len(tech.capacity)
        for v in route.visits:
            for d, q in tickets[v.ticket_id].load.items():
                if d.isdigit() and int(d) < len(load):
                    load[int(d)] += q
        travel = distance = 0
        steps: list[dict[str, Any]] = []
        if not tech.open_start:
            assert tech.start is not None
            steps.append(
                {
                    "type": "start",
                    **loc(tech.start),
                    "arrival": route.start,
                    "duration": 0,
                    "distance": 0,
                    "setup": 0,
                    "service": 0,
                    "waiting_time": 0,
                    "load": list(load),
                }
            )
        events: list[Visit | PlacedBreak] = sorted(
            [*route.visits, *route.breaks], key=lambda e: e.start
        )
        for item in events:
            if isinstance(item, Visit):
                travel += item.travel_time
                distance += item.distance
                t = tickets[item.ticket_id]
                for amounts, sign in ((t.load, -1), (t.pickup, 1)):
                    for d, q in amounts.items():
                        if d.isdigit() and int(d) < len(load):
                            load[int(d)] += sign * q
                steps.append(
                    {
                        "type": "job",
                        "id": _id(t.id),
                        **loc(t.location),
                        # VROOM: service starts at arrival + waiting; a break taken on
                        # site before the service comes between (its own step).
                        "arrival": item.start - item.waiting,
                        "duration": travel,
                        "distance": distance,
                        "setup": 0,
                        "service": t.duration,
                        "waiting_time": item.waiting,
                        "load": list(load),
                    }
                )
            else:
                steps.append(
                    {
                        "type": "break",
                        "id": _id(item.break_id),
                        "arrival": item.start,
                        "duration": travel,
                        "distance": distance,
                        "setup": 0,
                        "service": item.end - item.start,
                        "waiting_time": 0,
                        "load": list(load),
                    }
                )
        travel += route.return_travel_time
        distance += route.return_distance
        if not tech.open_end:
            assert tech.end is not None
            steps.append(
                {
                    "type": "end",
                    **loc(tech.end),
                    "arrival": route.end,
                    "duration": travel,
                    "distance": distance,
                    "setup": 0,
                    "service": 0,
                    "waiting_time": 0,
                    "load": list(load),
                }
            )
        service = sum(tickets[v.ticket_id].duration for v in route.visits)
        waiting = sum(v.waiting for v in route.visits)
        priority = sum(int(tickets[v.ticket_id].priority) for v in route.visits)
        routes.append(
            {
                "vehicle": _id(tech.id),
                "cost": travel,
                "setup": 0,
                "service": service,
                "duration": travel,
                "waiting_time": waiting,
                "priority": priority,
                "distance": distance,
                "steps": steps,
                "violations": [],
            }
        )
        for key, value in (
            ("service", service),
            ("duration", travel),
            ("waiting_time", waiting),
            ("distance", distance),
            ("priority", priority),
        ):
            totals[key] += value
    out: dict[str, Any] = {
        "code": 0,
        "summary": {
            "cost": totals["duration"],
            "routes": len(routes),
            "unassigned": len(result.unassigned),
            "setup": 0,
            **totals,
            "violations": [],
            "computing_times": {"loading": 0, "solving": int(result.runtime * 1000)},
        },
        "unassigned": [
            {
                "id": _id(u.ticket_id),
                "type": "job",
                **loc(tickets[u.ticket_id].location),
                "reason": u.reason,
                "description": u.message,
            }
            for u in result.unassigned
        ],
        "routes": routes,
    }
    if scale != 1:
        all_steps = [s for r in routes for s in r["steps"]]
        for part in (out["summary"], *routes, *all_steps):
            _unscale(part, scale)
    if warnings:
        out["warnings"] = warnings
    return out


def vroom_error(message: str) -> dict[str, Any]:
    """VROOM's output for an input error (code 2)."""
    return {"code": 2, "error": message}


#: Priority -> VROOM job priority (0-100; VROOM prefers to serve higher sums).
VROOM_PRIORITY = {
    Priority.LOW: 0,
    Priority.NORMAL: 10,
    Priority.HIGH: 40,
    Priority.URGENT: 80,
    Priority.CRITICAL: 100,
}
#: Costs are integers in VROOM: currency units are multiplied by this.
COST_SCALE = 100


def problem_to_vroom(problem: Problem) -> tuple[dict[str, Any], list[str]]:
    """Write ``problem`` as a VROOM problem (jobs, one vehicle per technician shift, matrices).

    Returns the document and notes on what VROOM cannot express and was left out (SLA due-by
    times, preferred technicians, overtime, working and busy-time limits). Skills with levels,
    required / excluded technicians become integer skills; van stock and capacity become
    capacity dimensions (parts and loads as deliveries, pickups as pickups); costs are scaled
    by :data:`COST_SCALE` to integers. Job ids are ticket positions (the ticket id is the
    ``description``); vehicle ids are positions in ``problem.vehicles``.
    """
    tickets, techs, table = problem.tickets, problem.technicians, problem.location_table
    notes: list[str] = []
    if any(t.due_by is not None for t in tickets):
        notes.append("SLA due-by times are not expressible in VROOM: left out")
    if any(t.preferred_technicians for t in tickets):
        notes.append("preferred technicians are not expressible in VROOM: left out")
    if any(t.max_overtime or any(s.max_overtime for s in t.shifts) for t in techs):
        notes.append("overtime is not expressible in VROOM: shifts end at their end")
    if any(t.max_working_time is not None or t.max_busy_time is not None for t in techs):
        notes.append("max_working_time / max_busy_time are not expressible in VROOM: left out")
    times = [s.start for t in techs for s in t.shifts] + [
        w.start for t in tickets for w in t.time_windows
    ]
    if min(times, default=0) < 0:
        raise InputError("problem", "VROOM needs times >= 0: move the origin earlier")

    # Integer skills: one per (skill, level) asked for, one per ticket with technician rules.
    skill_ids: dict[tuple[str, int], int] = {}
    for t in tickets:
        for name, level in sorted(t.skills.items()):
            skill_ids.setdefault((name, level), len(skill_ids) + 1)
    tech_skills: list[set[int]] = [
        {k for (name, level), k in skill_ids.items() if tech.skills.get(name, 0) >= level}
        for tech in techs
    ]
    job_skills: list[set[int]] = [
        {skill_ids[(name, level)] for name, level in t.skills.items()} for t in tickets
    ]
    next_id = len(skill_ids) + 1
    for j, t in enumerate(tickets):
        if t.required_technicians or t.excluded_technicians:
            for k, tech in enumerate(techs):
                ok = not t.required_technicians or tech.id in t.required_technicians
                if ok and tech.id not in t.excluded_technicians:
                    tech_skills[k].add(next_id)
            job_skills[j].add(next_id)
            next_id += 1

    # Capacity dimensions: parts (van stock), then loads.
    dims = [("parts", key) for key in sorted({k for t in tickets for k in t.parts})]
    dims += [("load", key) for key in sorted({k for t in tickets for k in (*t.load, *t.pickup)})]

    def capacity(tech: Technician) -> list[int]:
        return [
            (tech.stock if kind == "parts" else tech.capacity).get(key, 0) for kind, key in dims
        ]

    def delivery(t: Ticket) -> list[int]:
        return [(t.parts if kind == "parts" else t.load).get(key, 0) for kind, key in dims]

    def pickup(t: Ticket) -> list[int]:
        return [t.pickup.get(key, 0) if kind == "load" else 0 for kind, key in dims]

    jobs = []
    for j, t in enumerate(tickets):
        job: dict[str, Any] = {
            "id": j,
            "description": t.id,
            "location_index": int(table.ticket[j]),
            "service": t.duration,
            "priority": VROOM_PRIORITY[t.priority],
        }
        if t.time_windows:
            merged: list[list[int]] = []
            for w in t.time_windows:  # VROOM wants strictly separate windows: join touching
                if merged and w.start <= merged[-1][1] + 1:
                    merged[-1][1] = max(merged[-1][1], w.end)
                else:
                    merged.append([w.start, w.end])
            job["time_windows"] = merged
        if job_skills[j]:
            job["skills"] = sorted(job_skills[j])
        if dims:
            job["delivery"], job["pickup"] = delivery(t), pickup(t)
        jobs.append(job)
    vehicles = []
    for v, veh in enumerate(problem.vehicles):
        tech = techs[veh.technician]
        shift = tech.shifts[veh.shift]
        vehicle: dict[str, Any] = {
            "id": v,
            "description": f"{tech.id}#{veh.shift}",
            "time_window": [shift.start, shift.end],
            "skills": sorted(tech_skills[veh.technician]),
            "costs": {
                "fixed": round(tech.fixed_cost * COST_SCALE),
                "per_hour": round(tech.cost_per_hour * COST_SCALE),
                "per_km": round(tech.cost_per_km * COST_SCALE),
            },
        }
        if not tech.open_start:
            vehicle["start_index"] = int(table.start[veh.technician])
        if not tech.open_end:
            vehicle["end_index"] = int(table.end[veh.technician])
        if dims:
            vehicle["capacity"] = capacity(tech)
        if shift.breaks:
            vehicle["breaks"] = [
                {
                    "id": k,
                    "description": b.id,
                    "service": b.duration,
                    "time_windows": [[s, e - b.duration] for s, e in b.windows],
                }
                for k, b in enumerate(shift.breaks)
            ]
        for ours, theirs in (
            ("max_jobs", "max_tasks"),
            ("max_travel_time", "max_travel_time"),
            ("max_distance", "max_distance"),
        ):
            if getattr(tech, ours) is not None:
                vehicle[theirs] = getattr(tech, ours)
        if tech.speed_factor != 1.0:
            vehicle["speed_factor"] = tech.speed_factor
        vehicles.append(vehicle)
    mats = problem.travel_matrices
    doc = {
        "jobs": jobs,
        "vehicles": vehicles,
        "matrices": {
            "car": {"durations": mats.duration.tolist(), "distances": mats.distance.tolist()}
        },
    }
    return doc, notes


def result_from_vroom(doc: Mapping[str, Any], problem: Problem) -> Result:
    """Read VROOM's output for a problem written by :func:`problem_to_vroom` into a
    :class:`Result`, with VROOM's own times (so that the validator checks VROOM's plan)."""
    if doc.get("code", 0) != 0:
        raise InputError("vroom output", f"code {doc.get('code')}: {doc.get('error')}")
    tickets, vehicles = problem.tickets, problem.vehicles
    mats = problem.travel_matrices
    table = problem.location_table
    by_vehicle = {int(r["vehicle"]): r for r in doc.get("routes", [])}
    routes = []
    served: set[int] = set()
    for v, veh in enumerate(vehicles):
        tech = problem.technicians[veh.technician]
        durations = problem.technician_durations[veh.technician]
        steps = by_vehicle.get(v, {}).get("steps", [])
        jobs = [s for s in steps if s["type"] == "job"]
        if not jobs:
            start = tech.shifts[veh.shift].start
            routes.append(
                Route(technician_id=tech.id, shift_index=veh.shift, start=start, end=start)
            )
            continue
        # VROOM's service and break starts; arrivals and waiting are recomputed in our
        # convention (drive as early as possible, pausing for breaks on the way).
        placed, done = [], 0
        for s in steps:
            if s["type"] == "job":
                done += 1
            elif s["type"] == "break":
                begin = int(s["arrival"]) + int(s.get("waiting_time", 0))
                brk = tech.shifts[veh.shift].breaks[int(s["id"])]
                placed.append(
                    PlacedBreak(break_id=brk.id, start=begin, end=begin + brk.duration, after=done)
                )
        gaps = [(b.start, b.end) for b in placed]
        first = next(s for s in steps if s["type"] in {"start", "job"})
        row, prev_end = int(table.start[veh.technician]), int(first["arrival"])
        visits = []
        for s in jobs:
            j = int(s["id"])
            served.add(j)
            nxt = int(table.ticket[j])
            begin = int(s["arrival"]) + int(s["waiting_time"])
            travel = int(durations[row, nxt])
            visits.append(
                timed_visit(
                    tickets[j].id,
                    depart=prev_end,
                    travel=travel,
                    distance=int(mats.distance[row, nxt]),
                    start=begin,
                    duration=tickets[j].duration,
                    breaks=gaps,
                )
            )
            row, prev_end = nxt, begin + tickets[j].duration
        last = steps[-1]
        end_row = int(table.end[veh.technician])
        end = int(last["arrival"]) if last["type"] == "end" else visits[-1].end
        routes.append(
            Route(
                technician_id=tech.id,
                shift_index=veh.shift,
                start=int(first["arrival"]),
                end=end,
                visits=tuple(visits),
                breaks=tuple(placed),
                return_travel_time=int(durations[row, end_row]),
                return_distance=int(mats.distance[row, end_row]),
            )
        )
    unassigned = [
        Unassigned(ticket_id=t.id, reason="no_capacity", message="VROOM left it unassigned")
        for j, t in enumerate(tickets)
        if j not in served
    ]
    summary = doc.get("summary", {})
    return Result(
        status="vroom",
        routes=tuple(routes),
        unassigned=tuple(unassigned),
        kpis=compute_kpis(problem, routes, unassigned),
        objective=float(summary.get("cost", 0)) / COST_SCALE,
        runtime=float(summary.get("computing_times", {}).get("solving", 0)) / 1000.0,
        origin=problem.origin,
        backend="vroom",
    )
