"""pandas adapter: problems from CRM-style DataFrames, results and KPIs as DataFrames.

Ticket columns (one row per work order): ``id``, ``lat``, ``lon`` (required); ``duration_min``,
``window_start``, ``window_end``, ``due_by``, ``priority``, ``skills``, ``parts``,
``required_technicians``, ``preferred_technicians``, ``excluded_technicians`` (optional).
Technician columns: ``id``, ``lat``, ``lon``, ``shift_start``, ``shift_end`` (required);
``end_lat``, ``end_lon``, ``lunch_start``, ``lunch_end``, ``lunch_min``, ``skills``, ``stock``,
``max_jobs``, ``max_working_hours``, ``max_overtime_min``, ``overtime_cost_per_hour``,
``cost_per_hour``, ``cost_per_km``, ``fixed_cost`` (optional).

Times are timezone-aware timestamps (or ISO strings with an offset). Skill / part lists are
``"hvac:2; electrical"`` (a name alone means 1). Id lists are ``"A; B"``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from dispatchopt.errors import InputError
from dispatchopt.models.location import Location
from dispatchopt.models.problem import Problem
from dispatchopt.models.technician import Break, Shift, Technician
from dispatchopt.models.ticket import Priority, Ticket, TimeWindow
from dispatchopt.models.travel import HaversineTravel, TravelModel
from dispatchopt.result import Result
from dispatchopt.timefmt import to_datetime, to_seconds

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")
TICKET_REQUIRED = ("id", "lat", "lon")
TECH_REQUIRED = ("id", "lat", "lon", "shift_start", "shift_end")


def _missing(value: Any) -> bool:
    """An empty cell: None, NaN or NaT (``pandas.isna`` on a scalar)."""
    import pandas as pd

    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _amounts(value: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in str(value).replace(",", ";").split(";"):
        item = item.strip()
        if not item:
            continue
        name, _, qty = item.partition(":")
        out[name.strip()] = int(qty) if qty.strip() else 1
    return out


def _ids(value: Any) -> frozenset[str]:
    return frozenset(x.strip() for x in str(value).replace(",", ";").split(";") if x.strip())


class _Row:
    """One DataFrame row; every error names the frame, row number, id and column."""

    def __init__(self, frame: str, number: int, row: Mapping[Any, Any], origin: datetime) -> None:
        self.row = row
        self.origin = origin
        ident = row.get("id")
        self.record = f"{frame} row {number}" + ("" if _missing(ident) else f" {str(ident)!r}")

    def get(self, column: str, conv: Callable[[Any], T], default: T) -> T:
        value = self.row.get(column)
        if _missing(value):
            return default
        try:
            return conv(value)
        except (TypeError, ValueError) as exc:
            raise InputError(
                self.record, f"column {column!r}: {value!r} is not valid ({exc})"
            ) from None

    def need(self, column: str, conv: Callable[[Any], T]) -> T:
        value = self.get(column, conv, None)
        if value is None:
            raise InputError(self.record, f"column {column!r} is empty")
        return value

    def time(self, value: Any) -> int:
        import pandas as pd

        stamp = pd.Timestamp(value)
        if stamp.tzinfo is None:
            raise ValueError("needs a timezone (e.g. 2026-11-23T08:00+01:00)")
        return to_seconds(stamp.to_pydatetime(), self.origin)


def _check_columns(frame: pd.DataFrame, name: str, required: tuple[str, ...]) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"{name} frame", f"missing column(s) {missing}; has {list(frame.columns)}")


def problem_from_frames(
    tickets: pd.DataFrame,
    technicians: pd.DataFrame,
    *,
    origin: datetime,
    travel: TravelModel | None = None,
) -> Problem:
    """Build a :class:`Problem` from a tickets frame and a technicians frame (see module doc)."""
    _check_columns(tickets, "tickets", TICKET_REQUIRED)
    _check_columns(technicians, "technicians", TECH_REQUIRED)
    techs = []
    for n, raw in enumerate(technicians.to_dict("records")):
        r = _Row("technicians", n, raw, origin)
        start = Location(lat=r.need("lat", float), lon=r.need("lon", float))
        end_lat = r.get("end_lat", float, None)
        end = None if end_lat is None else Location(lat=end_lat, lon=r.need("end_lon", float))
        breaks: tuple[Break, ...] = ()
        if r.get("lunch_start", r.time, None) is not None:
            breaks = (
                Break(
                    id="lunch",
                    start=r.need("lunch_start", r.time),
                    end=r.need("lunch_end", r.time),
                    duration=int(r.get("lunch_min", float, 30.0) * 60),
                ),
            )
        try:
            techs.append(
                Technician(
                    id=str(r.need("id", str)),
                    start=start,
                    end=end,
                    shifts=(
                        Shift(
                            start=r.need("shift_start", r.time),
                            end=r.need("shift_end", r.time),
                            breaks=breaks,
                        ),
                    ),
                    skills=r.get("skills", _amounts, {}),
                    stock=r.get("stock", _amounts, {}),
                    max_jobs=r.get("max_jobs", int, None),
                    max_working_time=r.get(
                        "max_working_hours", lambda v: int(float(v) * 3600), None
                    ),
                    max_overtime=r.get("max_overtime_min", lambda v: int(float(v) * 60), 0),
                    overtime_cost_per_hour=r.get("overtime_cost_per_hour", float, 0.0),
                    cost_per_hour=r.get("cost_per_hour", float, 0.0),
                    cost_per_km=r.get("cost_per_km", float, 0.0),
                    fixed_cost=r.get("fixed_cost", float, 0.0),
                )
            )
        except InputError as exc:
            raise exc.located(r.record) from None
    items = []
    for n, raw in enumerate(tickets.to_dict("records")):
        r = _Row("tickets", n, raw, origin)
        windows: tuple[TimeWindow, ...] = ()
        try:
            if r.get("window_start", r.time, None) is not None:
                windows = (
                    TimeWindow(
                        start=r.need("window_start", r.time), end=r.need("window_end", r.time)
                    ),
                )
            items.append(
                Ticket(
                    id=str(r.need("id", str)),
                    location=Location(lat=r.need("lat", float), lon=r.need("lon", float)),
                    duration=r.get("duration_min", lambda v: round(float(v) * 60), 0),
                    time_windows=windows,
                    due_by=r.get("due_by", r.time, None),
                    priority=r.get("priority", Priority.parse, Priority.NORMAL),
                    skills=r.get("skills", _amounts, {}),
                    parts=r.get("parts", _amounts, {}),
                    required_technicians=r.get("required_technicians", _ids, frozenset()),
                    preferred_technicians=r.get("preferred_technicians", _ids, frozenset()),
                    excluded_technicians=r.get("excluded_technicians", _ids, frozenset()),
                )
            )
        except InputError as exc:
            if exc.record.startswith(r.record):
                raise
            raise exc.located(r.record) from None
    return Problem(
        technicians=tuple(techs),
        tickets=tuple(items),
        origin=origin,
        travel=travel or HaversineTravel(),
    )


def result_to_frame(result: Result) -> pd.DataFrame:
    """One row per stop: departure, visits, breaks and return of every used route."""
    import pandas as pd

    def at(seconds: int) -> datetime:
        return to_datetime(seconds, result.origin)

    rows: list[dict[str, Any]] = []
    for route in result.routes:
        if not route.visits:
            continue
        base = {"technician": route.technician_id, "shift": route.shift_index}
        middle: list[tuple[int, dict[str, Any]]] = []
        for v in route.visits:
            middle.append(
                (
                    v.start,
                    {
                        "type": "visit",
                        "ticket": v.ticket_id,
                        "arrival": at(v.arrival),
                        "start": at(v.start),
                        "end": at(v.end),
                        "waiting_s": v.waiting,
                        "travel_time_s": v.travel_time,
                        "distance_m": v.distance,
                    },
                )
            )
        for b in route.breaks:
            middle.append(
                (
                    b.start,
                    {"type": "break", "ticket": b.break_id, "start": at(b.start), "end": at(b.end)},
                )
            )
        middle.sort(key=lambda e: e[0])
        events = [
            (route.start, {"type": "start", "start": at(route.start), "end": at(route.start)}),
            *middle,
            (
                route.end,
                {
                    "type": "end",
                    "arrival": at(route.end),
                    "start": at(route.end),
                    "end": at(route.end),
                    "travel_time_s": route.return_travel_time,
                    "distance_m": route.return_distance,
                },
            ),
        ]
        for seq, (_, event) in enumerate(events):
            rows.append({**base, "seq": seq, **event})
    columns = [
        "technician",
        "shift",
        "seq",
        "type",
        "ticket",
        "arrival",
        "start",
        "end",
        "waiting_s",
        "travel_time_s",
        "distance_m",
    ]
    return pd.DataFrame(rows, columns=columns)


def kpi_frame(result: Result) -> pd.DataFrame:
    """One row per technician: jobs, travel, distance, service, working and overtime, use."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "technician": t.technician_id,
                "jobs": t.jobs,
                "travel_time_s": t.travel_time,
                "distance_m": t.distance,
                "service_time_s": t.service_time,
                "working_time_s": t.working_time,
                "overtime_s": t.overtime,
                "utilisation": t.utilisation,
            }
            for t in result.kpis.technicians
        ]
    )
