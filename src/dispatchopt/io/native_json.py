"""Native JSON: problems and schedules in, schedules out; round-trippable.

Times are ISO-8601 datetimes with a UTC offset (or integer seconds since ``origin``); durations
are seconds or ISO-8601 (``PT45M``). Unknown fields are rejected so that a typo never silently
drops a constraint.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from dispatchopt.errors import InputError
from dispatchopt.models.location import Location
from dispatchopt.models.problem import ObjectiveWeights, Problem
from dispatchopt.models.technician import Break, Shift, Technician
from dispatchopt.models.ticket import Priority, Ticket, TimeWindow
from dispatchopt.models.travel import GeodesicTravel, HaversineTravel, MatrixTravel, TravelModel
from dispatchopt.params import SolveParams
from dispatchopt.result import PlacedBreak, Result, Route, Unassigned, Visit, compute_kpis
from dispatchopt.timefmt import parse_datetime, parse_duration, to_datetime, to_seconds

T = TypeVar("T")
FORMAT = "dispatchopt/1"


class _Reader:
    """Reads one JSON object, naming the record in every error and rejecting unknown keys."""

    def __init__(
        self, data: object, record: str, origin: datetime | None, allowed: set[str]
    ) -> None:
        if not isinstance(data, Mapping):
            raise InputError(record, f"must be a JSON object, got {type(data).__name__}")
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise InputError(record, f"unknown field(s) {unknown}; allowed: {sorted(allowed)}")
        self.data = data
        self.record = record
        self.origin = origin

    def fail(self, detail: str) -> InputError:
        return InputError(self.record, detail)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def require(self, key: str) -> Any:
        if key not in self.data or self.data[key] is None:
            raise self.fail(f"field {key!r} is missing")
        return self.data[key]

    def convert(self, key: str, func: Callable[[Any], T], default: T) -> T:
        if not self.has(key):
            return default
        try:
            return func(self.data[key])
        except InputError as exc:
            raise self.fail(f"{key}: {exc.detail}") from None
        except (TypeError, ValueError) as exc:
            raise self.fail(f"{key}: {exc}") from None

    def time(self, key: str, default: int | None = None) -> int | None:
        return self.convert(key, self._time, default)

    def required_time(self, key: str) -> int:
        value = self.time(key)
        if value is None:
            raise self.fail(f"field {key!r} is missing")
        return value

    def _time(self, value: object) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        assert self.origin is not None
        return to_seconds(parse_datetime(value, "time"), self.origin)

    def duration(self, key: str, default: int | None = None) -> int | None:
        return self.convert(key, lambda v: parse_duration(v, "duration"), default)

    def number(self, key: str, default: float) -> float:
        def conv(v: object) -> float:
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ValueError(f"must be a number, got {v!r}")
            return float(v)

        return self.convert(key, conv, default)

    def integer(self, key: str, default: int | None = None) -> int | None:
        def conv(v: object) -> int:
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError(f"must be an integer, got {v!r}")
            return v

        return self.convert(key, conv, default)

    def amounts(self, key: str) -> dict[str, int]:
        def conv(v: object) -> dict[str, int]:
            if isinstance(v, list):  # a list of names means level/quantity 1 each
                return dict.fromkeys((str(x) for x in v), 1)
            if not isinstance(v, Mapping):
                raise ValueError("must be an object of name -> integer")
            return dict(v)

        return self.convert(key, conv, {})

    def ids(self, key: str) -> frozenset[str]:
        def conv(v: object) -> frozenset[str]:
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise ValueError("must be a list of id strings")
            return frozenset(v)

        return self.convert(key, conv, frozenset())

    def flag(self, key: str) -> bool:
        def conv(v: object) -> bool:
            if not isinstance(v, bool):
                raise ValueError(f"must be true or false, got {v!r}")
            return v

        return self.convert(key, conv, False)

    def location(self, key: str) -> Location:
        return self.convert(key, _location, None) or _location(self.require(key))


def _location(value: object) -> Location:
    if isinstance(value, int) and not isinstance(value, bool):
        return Location(index=value)
    if isinstance(value, list | tuple) and len(value) == 2:
        lon, lat = value  # VROOM / GeoJSON order
        return Location(lat=float(lat), lon=float(lon))
    if isinstance(value, Mapping):
        extra = set(value) - {"lat", "lon", "index"}
        if extra:
            raise ValueError(f"location has unknown field(s) {sorted(extra)}")
        return Location(lat=value.get("lat"), lon=value.get("lon"), index=value.get("index"))
    raise ValueError(
        f"location must be {{lat, lon}}, {{index}}, [lon, lat] or an index, got {value!r}"
    )


def _windows(reader: _Reader) -> tuple[TimeWindow, ...]:
    raw = reader.data.get("time_windows") or []
    if not isinstance(raw, list):
        raise reader.fail("time_windows must be a list")
    out = []
    for k, item in enumerate(raw):
        if isinstance(item, list | tuple) and len(item) == 2:
            item = {"start": item[0], "end": item[1]}
        sub = _Reader(item, f"{reader.record} time_windows[{k}]", reader.origin, {"start", "end"})
        start, end = sub.time("start"), sub.time("end")
        if start is None or end is None:
            raise reader.fail(f"time_windows[{k}] needs start and end")
        try:
            out.append(TimeWindow(start=start, end=end))
        except InputError as exc:
            raise reader.fail(f"time_windows[{k}]: {exc.detail}") from None
    return tuple(out)


_TICKET_FIELDS = {
    "id",
    "location",
    "duration",
    "time_windows",
    "due_by",
    "priority",
    "skills",
    "parts",
    "load",
    "pickup",
    "required_technicians",
    "preferred_technicians",
    "excluded_technicians",
    "unassigned_cost",
}
_TECH_FIELDS = {
    "id",
    "start",
    "end",
    "shifts",
    "skills",
    "stock",
    "capacity",
    "max_jobs",
    "max_working_time",
    "max_travel_time",
    "max_busy_time",
    "max_distance",
    "max_overtime",
    "speed_factor",
    "open_start",
    "open_end",
    "overtime_cost_per_hour",
    "cost_per_hour",
    "cost_per_km",
    "fixed_cost",
}


def ticket_from_dict(data: object, i: int, origin: datetime, where: str = "tickets") -> Ticket:
    """Read one native ticket object; errors name ``where[i] 'id'``."""
    ident = data.get("id") if isinstance(data, Mapping) else None
    record = f"{where}[{i}]" + (f" {ident!r}" if ident is not None else "")
    r = _Reader(data, record, origin, _TICKET_FIELDS)
    try:
        return Ticket(
            id=r.require("id"),
            location=r.location("location"),
            duration=r.duration("duration", 0) or 0,
            time_windows=_windows(r),
            due_by=r.time("due_by"),
            priority=r.convert("priority", Priority.parse, Priority.NORMAL),
            skills=r.amounts("skills"),
            parts=r.amounts("parts"),
            load=r.amounts("load"),
            pickup=r.amounts("pickup"),
            required_technicians=r.ids("required_technicians"),
            preferred_technicians=r.ids("preferred_technicians"),
            excluded_technicians=r.ids("excluded_technicians"),
            unassigned_cost=r.number("unassigned_cost", -1.0) if r.has("unassigned_cost") else None,
        )
    except InputError as exc:
        if exc.record.startswith(record):
            raise
        raise exc.located(record) from None


def _shift(data: object, record: str, origin: datetime) -> Shift:
    r = _Reader(data, record, origin, {"id", "start", "end", "breaks", "max_overtime"})
    breaks = []
    for k, item in enumerate(r.data.get("breaks") or []):
        b = _Reader(
            item,
            f"{record} breaks[{k}]",
            origin,
            {"id", "start", "end", "duration", "time_windows"},
        )
        b.require("duration")
        try:
            if b.has("time_windows"):
                if b.has("start") or b.has("end"):
                    raise b.fail("give either start/end or time_windows, not both")
                windows = tuple((w.start, w.end) for w in _windows(b))
                if not windows:
                    raise b.fail("time_windows is empty")
                brk = Break(
                    id=str(b.data.get("id", f"break{k}")),
                    windows=windows,
                    duration=b.duration("duration", 0) or 0,
                )
            else:
                brk = Break(
                    id=str(b.data.get("id", f"break{k}")),
                    start=b.required_time("start"),
                    end=b.required_time("end"),
                    duration=b.duration("duration", 0) or 0,
                )
            breaks.append(brk)
        except InputError as exc:
            raise exc.located(b.record) from None
    try:
        return Shift(
            id=r.data.get("id"),
            start=r.required_time("start"),
            end=r.required_time("end"),
            breaks=tuple(breaks),
            max_overtime=r.duration("max_overtime"),
        )
    except InputError as exc:
        raise exc.located(record) from None


def _technician(data: object, i: int, origin: datetime) -> Technician:
    ident = data.get("id") if isinstance(data, Mapping) else None
    record = f"technicians[{i}]" + (f" {ident!r}" if ident is not None else "")
    r = _Reader(data, record, origin, _TECH_FIELDS)
    shifts_raw = r.require("shifts")
    if not isinstance(shifts_raw, list):
        raise r.fail("shifts must be a list")
    try:
        return Technician(
            id=r.require("id"),
            start=r.convert("start", _location, None),
            end=r.convert("end", _location, None),
            shifts=tuple(
                _shift(s, f"{record} shifts[{k}]", origin) for k, s in enumerate(shifts_raw)
            ),
            skills=r.amounts("skills"),
            stock=r.amounts("stock"),
            capacity=r.amounts("capacity"),
            max_jobs=r.integer("max_jobs"),
            max_working_time=r.duration("max_working_time"),
            max_travel_time=r.duration("max_travel_time"),
            max_busy_time=r.duration("max_busy_time"),
            max_distance=r.integer("max_distance"),
            max_overtime=r.duration("max_overtime", 0) or 0,
            speed_factor=r.number("speed_factor", 1.0),
            open_start=r.flag("open_start"),
            open_end=r.flag("open_end"),
            overtime_cost_per_hour=r.number("overtime_cost_per_hour", 0.0),
            cost_per_hour=r.number("cost_per_hour", 0.0),
            cost_per_km=r.number("cost_per_km", 0.0),
            fixed_cost=r.number("fixed_cost", 0.0),
        )
    except InputError as exc:
        if exc.record.startswith(record):
            raise
        raise exc.located(record) from None


def _travel(data: object) -> TravelModel:
    if data is None:
        return HaversineTravel()
    r = _Reader(
        data, "travel", None, {"type", "speed_kmh", "detour_factor", "durations", "distances"}
    )
    kind = r.data.get("type", "haversine")
    if kind in ("haversine", "geodesic"):
        cls = HaversineTravel if kind == "haversine" else GeodesicTravel
        return cls(
            speed_kmh=r.number("speed_kmh", 40.0), detour_factor=r.number("detour_factor", 1.3)
        )
    if kind == "matrix":
        return MatrixTravel(durations=r.require("durations"), distances=r.data.get("distances"))
    raise r.fail(f"type must be haversine, geodesic or matrix, got {kind!r}")


def problem_from_dict(data: Mapping[str, Any]) -> tuple[Problem, SolveParams | None]:
    """Read a native problem document; returns the problem and its ``options`` if present."""
    r = _Reader(
        data,
        "problem",
        None,
        {"format", "origin", "travel", "weights", "technicians", "tickets", "options"},
    )
    origin = r.convert("origin", lambda v: parse_datetime(v, "origin"), None)
    if origin is None:
        raise r.fail("field 'origin' is missing (an ISO-8601 datetime with offset)")
    techs_raw, tickets_raw = r.require("technicians"), r.data.get("tickets", [])
    if not isinstance(techs_raw, list) or not isinstance(tickets_raw, list):
        raise r.fail("technicians and tickets must be lists")
    technicians = tuple(_technician(t, i, origin) for i, t in enumerate(techs_raw))
    tickets = tuple(ticket_from_dict(t, i, origin) for i, t in enumerate(tickets_raw))
    weights = ObjectiveWeights()
    if r.has("weights"):
        w = _Reader(
            r.data["weights"],
            "weights",
            origin,
            {"lateness_cost_per_hour", "unassigned_cost", "preference_cost"},
        )
        weights = ObjectiveWeights(
            lateness_cost_per_hour=w.convert("lateness_cost_per_hour", dict, {}),
            unassigned_cost=w.number("unassigned_cost", 0.0) if w.has("unassigned_cost") else None,
            preference_cost=w.number("preference_cost", 50.0),
        )
    options = None
    if r.has("options"):
        options = SolveParams.from_mapping(r.data["options"])
    problem = Problem(
        technicians=technicians,
        tickets=tickets,
        origin=origin,
        travel=_travel(r.data.get("travel")),
        weights=weights,
    )
    return problem, options


def _location_dict(loc: Location) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if loc.lat is not None:
        out |= {"lat": loc.lat, "lon": loc.lon}
    if loc.index is not None:
        out["index"] = loc.index
    return out


def problem_to_dict(problem: Problem, options: SolveParams | None = None) -> dict[str, Any]:
    """Write a problem as a native JSON document (times as ISO-8601 datetimes)."""
    origin = problem.origin

    def iso(seconds: int) -> str:
        return to_datetime(seconds, origin).isoformat()

    def drop_empty(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if v not in (None, {}, [], ())}

    travel = problem.travel
    travel_doc: dict[str, Any]
    if isinstance(travel, MatrixTravel):
        assert travel.distances is not None
        travel_doc = {
            "type": "matrix",
            "durations": travel.durations.tolist(),
            "distances": travel.distances.tolist(),
        }
    elif isinstance(travel, HaversineTravel | GeodesicTravel):
        travel_doc = {
            "type": "haversine" if isinstance(travel, HaversineTravel) else "geodesic",
            "speed_kmh": travel.speed_kmh,
            "detour_factor": travel.detour_factor,
        }
    else:
        raise InputError(
            "problem", f"travel model {type(travel).__name__} cannot be written to JSON"
        )
    doc: dict[str, Any] = {
        "format": FORMAT,
        "origin": origin.isoformat(),
        "travel": travel_doc,
        "weights": drop_empty(
            {
                "lateness_cost_per_hour": {
                    p.name.lower(): c for p, c in problem.weights.lateness_cost_per_hour.items()
                },
                "unassigned_cost": problem.weights.unassigned_cost,
                "preference_cost": problem.weights.preference_cost,
            }
        ),
        "technicians": [
            drop_empty(
                {
                    "id": t.id,
                    "start": None if t.start is None else _location_dict(t.start),
                    "end": None
                    if t.end is None or (t.end == t.start and not t.open_end)
                    else _location_dict(t.end),
                    "open_start": t.open_start or None,
                    "open_end": t.open_end or None,
                    "shifts": [
                        drop_empty(
                            {
                                "id": s.id,
                                "start": iso(s.start),
                                "end": iso(s.end),
                                "max_overtime": s.max_overtime,
                                "breaks": [
                                    {
                                        "id": b.id,
                                        "start": iso(b.earliest),
                                        "end": iso(b.latest),
                                        "duration": b.duration,
                                    }
                                    if len(b.windows) == 1
                                    else {
                                        "id": b.id,
                                        "time_windows": [
                                            {"start": iso(lo), "end": iso(hi)}
                                            for lo, hi in b.windows
                                        ],
                                        "duration": b.duration,
                                    }
                                    for b in s.breaks
                                ],
                            }
                        )
                        for s in t.shifts
                    ],
                    "skills": dict(t.skills),
                    "stock": dict(t.stock),
                    "capacity": dict(t.capacity),
                    "max_jobs": t.max_jobs,
                    "max_working_time": t.max_working_time,
                    "max_travel_time": t.max_travel_time,
                    "max_busy_time": t.max_busy_time,
                    "max_distance": t.max_distance,
                    "max_overtime": t.max_overtime or None,
                    "speed_factor": None if t.speed_factor == 1.0 else t.speed_factor,
                    "overtime_cost_per_hour": t.overtime_cost_per_hour or None,
                    "cost_per_hour": t.cost_per_hour or None,
                    "cost_per_km": t.cost_per_km or None,
                    "fixed_cost": t.fixed_cost or None,
                }
            )
            for t in problem.technicians
        ],
        "tickets": [
            drop_empty(
                {
                    "id": t.id,
                    "location": _location_dict(t.location),
                    "duration": t.duration,
                    "time_windows": [
                        {"start": iso(w.start), "end": iso(w.end)} for w in t.time_windows
                    ],
                    "due_by": None if t.due_by is None else iso(t.due_by),
                    "priority": t.priority.name.lower(),
                    "skills": dict(t.skills),
                    "parts": dict(t.parts),
                    "load": dict(t.load),
                    "pickup": dict(t.pickup),
                    "required_technicians": sorted(t.required_technicians),
                    "preferred_technicians": sorted(t.preferred_technicians),
                    "excluded_technicians": sorted(t.excluded_technicians),
                    "unassigned_cost": t.unassigned_cost,
                }
            )
            for t in problem.tickets
        ],
    }
    if options is not None:
        from dataclasses import asdict

        doc["options"] = {
            k: list(v) if isinstance(v, tuple) else dict(v) if isinstance(v, Mapping) else v
            for k, v in asdict(options).items()
        }
    return doc


def result_to_dict(result: Result) -> dict[str, Any]:
    """Write a schedule (times as ISO-8601 datetimes, durations in seconds, distances in metres)."""
    origin = result.origin

    def iso(seconds: int) -> str:
        return to_datetime(seconds, origin).isoformat()

    k = result.kpis
    return {
        "format": FORMAT,
        "status": result.status,
        "objective": result.objective if result.objective != float("inf") else None,
        "runtime": round(result.runtime, 4),
        "backend": result.backend,
        "origin": origin.isoformat(),
        "routes": [
            {
                "technician": r.technician_id,
                "shift": r.shift_index,
                "start": iso(r.start),
                "end": iso(r.end),
                "travel_time": r.travel_time,
                "distance": r.distance,
                "return_travel_time": r.return_travel_time,
                "return_distance": r.return_distance,
                "visits": [
                    {
                        "ticket": v.ticket_id,
                        "arrival": iso(v.arrival),
                        "start": iso(v.start),
                        "end": iso(v.end),
                        "waiting": v.waiting,
                        "travel_time": v.travel_time,
                        "distance": v.distance,
                    }
                    for v in r.visits
                ],
                "breaks": [
                    {"id": b.break_id, "start": iso(b.start), "end": iso(b.end), "after": b.after}
                    for b in r.breaks
                ],
            }
            for r in result.routes
        ],
        "unassigned": [
            {"ticket": u.ticket_id, "reason": u.reason, "message": u.message}
            for u in result.unassigned
        ],
        "kpis": {
            "assigned": k.assigned,
            "unassigned": k.unassigned,
            "assigned_by_priority": {p: list(v) for p, v in k.assigned_by_priority.items()},
            "travel_time": k.travel_time,
            "distance": k.distance,
            "service_time": k.service_time,
            "sla_tickets": k.sla_tickets,
            "sla_on_time": k.sla_on_time,
            "sla_on_time_share": round(k.sla_on_time_share, 4),
            "total_lateness": k.total_lateness,
            "overtime": k.overtime,
            "routes_used": k.routes_used,
            "utilisation": round(k.utilisation, 4),
            "technicians": [
                {
                    "technician": t.technician_id,
                    "jobs": t.jobs,
                    "travel_time": t.travel_time,
                    "distance": t.distance,
                    "service_time": t.service_time,
                    "working_time": t.working_time,
                    "overtime": t.overtime,
                    "utilisation": round(t.utilisation, 4),
                }
                for t in k.technicians
            ],
        },
    }


def result_from_dict(data: Mapping[str, Any], problem: Problem) -> Result:
    """Read a schedule written by :func:`result_to_dict` (or by hand) for ``problem``."""
    origin = problem.origin
    top = _Reader(
        data,
        "schedule",
        origin,
        {
            "format",
            "status",
            "objective",
            "runtime",
            "backend",
            "origin",
            "routes",
            "unassigned",
            "kpis",
        },
    )
    routes = []
    for i, raw in enumerate(top.data.get("routes") or []):
        r = _Reader(
            raw,
            f"routes[{i}]",
            origin,
            {
                "technician",
                "shift",
                "start",
                "end",
                "travel_time",
                "distance",
                "return_travel_time",
                "return_distance",
                "visits",
                "breaks",
            },
        )
        visits = []
        for k, item in enumerate(r.data.get("visits") or []):
            v = _Reader(
                item,
                f"routes[{i}] visits[{k}]",
                origin,
                {"ticket", "arrival", "start", "end", "waiting", "travel_time", "distance"},
            )
            start = v.time("start")
            visits.append(
                Visit(
                    ticket_id=str(v.require("ticket")),
                    arrival=v.time("arrival", start) or 0,
                    start=start if start is not None else v.require("start"),
                    end=v.time("end") or 0,
                    travel_time=v.integer("travel_time", 0) or 0,
                    distance=v.integer("distance", 0) or 0,
                    waiting=v.integer("waiting", 0) or 0,
                )
            )
        breaks = [
            PlacedBreak(
                break_id=str(b.require("id")),
                start=b.time("start") or 0,
                end=b.time("end") or 0,
                after=b.integer("after", 0) or 0,
            )
            for b in (
                _Reader(item, f"routes[{i}] breaks[{k}]", origin, {"id", "start", "end", "after"})
                for k, item in enumerate(r.data.get("breaks") or [])
            )
        ]
        routes.append(
            Route(
                technician_id=str(r.require("technician")),
                shift_index=r.integer("shift", 0) or 0,
                start=r.time("start") or 0,
                end=r.time("end") or 0,
                visits=tuple(visits),
                breaks=tuple(breaks),
                return_travel_time=r.integer("return_travel_time", 0) or 0,
                return_distance=r.integer("return_distance", 0) or 0,
            )
        )
    unassigned = [
        Unassigned(
            ticket_id=str(u.require("ticket")),
            reason=str(u.data.get("reason", "")),
            message=str(u.data.get("message", "")),
        )
        for u in (
            _Reader(item, f"unassigned[{k}]", origin, {"ticket", "reason", "message"})
            for k, item in enumerate(top.data.get("unassigned") or [])
        )
    ]
    objective = top.data.get("objective")
    return Result(
        status=str(top.data.get("status", "feasible")),
        routes=tuple(routes),
        unassigned=tuple(unassigned),
        kpis=compute_kpis(problem, routes, unassigned),
        objective=float("inf") if objective is None else float(objective),
        runtime=float(top.data.get("runtime", 0.0)),
        origin=origin,
        backend=str(top.data.get("backend", "unknown")),
    )


def read_json(path: str | Path) -> Any:
    """Load a JSON file, turning syntax errors into an :class:`InputError` naming the file."""
    try:
        return json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not valid JSON: {exc}") from None


def load_problem(path: str | Path) -> tuple[Problem, SolveParams | None]:
    """Read a native problem file."""
    return problem_from_dict(read_json(path))


def dump_json(doc: Any, path: str | Path | None = None) -> str:
    """Serialise ``doc``; write it to ``path`` when given."""
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if path is not None:
        Path(path).write_text(text)
    return text
