"""Technicians, their shifts and breaks."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from dispatchopt.errors import InputError
from dispatchopt.frozen import FrozenDict
from dispatchopt.models.location import Location
from dispatchopt.models.ticket import _check_amounts
from dispatchopt.timefmt import fmt_clock, fmt_duration


@dataclass(frozen=True, kw_only=True, slots=True)
class Break:
    """A break (e.g. lunch) of ``duration`` seconds taken entirely inside one of its windows.

    Give either one window as ``start`` / ``end``, or several alternatives as ``windows``
    (``(start, end)`` pairs, e.g. lunch 11:30-13:00 or 13:30-14:30); ``start`` / ``end`` then
    become the earliest start and latest end over all windows.
    """

    duration: int
    start: int | None = None
    end: int | None = None
    windows: tuple[tuple[int, int], ...] = ()
    id: str = "break"

    def __post_init__(self) -> None:
        record = f"break {self.id!r}"
        if isinstance(self.duration, bool) or not isinstance(self.duration, int):
            raise InputError(record, f"duration must be whole seconds, got {self.duration!r}")
        if self.duration < 0:
            raise InputError(record, f"duration must be >= 0, got {self.duration!r}")
        if self.windows:
            if self.start is not None or self.end is not None:
                raise InputError(record, "give either start/end or windows, not both")
            try:
                windows = tuple((int(s), int(e)) for s, e in self.windows)
            except (TypeError, ValueError):
                raise InputError(record, "windows must be (start, end) pairs") from None
        elif self.start is None or self.end is None:
            raise InputError(record, "needs start and end (or windows)")
        else:
            windows = ((self.start, self.end),)
        for k, (s, e) in enumerate(windows):
            where = "window" if len(windows) == 1 else f"windows[{k}]"
            if e - s < self.duration:
                raise InputError(
                    record,
                    f"{where} {fmt_clock(s)}-{fmt_clock(e)} is shorter than its "
                    f"duration {fmt_duration(self.duration)}",
                )
            if k and s < windows[k - 1][1]:
                raise InputError(
                    record, f"{where} {fmt_clock(s)}-{fmt_clock(e)} overlaps the window before"
                )
        object.__setattr__(self, "windows", windows)
        object.__setattr__(self, "start", windows[0][0])
        object.__setattr__(self, "end", windows[-1][1])

    @property
    def earliest(self) -> int:
        """Earliest start (typed shortcut for ``start``)."""
        assert self.start is not None
        return self.start

    @property
    def latest(self) -> int:
        """Latest end (typed shortcut for ``end``)."""
        assert self.end is not None
        return self.end

    def fit(self, t: int) -> int | None:
        """Earliest start at or after ``t`` that fits in a window; ``None`` if none does."""
        for s, e in self.windows:
            start = max(t, s)
            if start + self.duration <= e:
                return start
        return None

    def contains(self, start: int, end: int) -> bool:
        """Whether ``[start, end]`` is a break of this duration inside one window."""
        return end - start == self.duration and any(
            s <= start and end <= e for s, e in self.windows
        )

    def clipped(self, lo: int, hi: int) -> Break | None:
        """This break restricted to ``[lo, hi]``; ``None`` if no window still fits it."""
        kept = tuple(
            (max(s, lo), min(e, hi))
            for s, e in self.windows
            if min(e, hi) - max(s, lo) >= self.duration
        )
        return Break(id=self.id, duration=self.duration, windows=kept) if kept else None

    def describe(self) -> str:
        """The windows as ``HH:MM-HH:MM`` (alternatives joined by ``or``)."""
        return " or ".join(f"{fmt_clock(s)}-{fmt_clock(e)}" for s, e in self.windows)


@dataclass(frozen=True, kw_only=True, slots=True)
class Shift:
    """One working period of a technician; each shift is planned as one route.

    ``start`` is the earliest departure from the start location and ``end`` the latest
    return to the end location (plus the technician's allowed overtime).
    """

    start: int
    end: int
    breaks: tuple[Break, ...] = ()
    id: str | None = None
    max_overtime: int | None = None
    """Overtime allowed after this shift, seconds; ``None`` = the technician's ``max_overtime``."""

    def __post_init__(self) -> None:
        record = f"shift {self.id!r}" if self.id else "shift"
        if self.end < self.start:
            raise InputError(
                record, f"end {fmt_clock(self.end)} is before start {fmt_clock(self.start)}"
            )
        object.__setattr__(self, "breaks", tuple(self.breaks))
        if self.max_overtime is not None and (
            isinstance(self.max_overtime, bool)
            or not isinstance(self.max_overtime, int)
            or self.max_overtime < 0
        ):
            raise InputError(
                record, f"max_overtime must be whole seconds >= 0, got {self.max_overtime!r}"
            )
        ids = [b.id for b in self.breaks]
        if len(set(ids)) != len(ids):
            raise InputError(record, f"break ids must be unique within a shift, got {ids}")
        for brk in self.breaks:
            if brk.earliest < self.start or brk.latest > self.end:
                raise InputError(
                    record,
                    f"break {brk.id!r} window {brk.describe()} is "
                    f"not inside the shift {fmt_clock(self.start)}-{fmt_clock(self.end)}",
                )

    @property
    def length(self) -> int:
        """Shift length in seconds."""
        return self.end - self.start


@dataclass(frozen=True, kw_only=True, slots=True)
class Technician:
    """A field technician (a "vehicle" in routing terms).

    Parameters
    ----------
    id
        The technician id used by the host system.
    start
        Where each shift starts (home or depot). May be left out when ``open_start``.
    end
        Where each shift ends; defaults to ``start`` (unless ``open_end``).
    shifts
        Working periods; a multi-day horizon is a list of shifts, each planned as one route.
    skills
        Skill -> level held.
    stock
        Spare part -> quantity on the van at the start of each shift.
    capacity
        Other amounts the van can carry (matched against ``Ticket.load``).
    max_jobs
        Most tickets in one shift.
    max_working_time
        Longest route (departure to return, waiting included) in one shift, seconds.
    max_travel_time
        Most driving time in one shift, seconds.
    max_busy_time
        Most driving plus service time in one shift, seconds (waiting and breaks excluded;
        the "maximum route duration" of the site-dependent VRPTW benchmark).
    max_distance
        Most distance driven in one shift, metres.
    speed_factor
        Travel-time multiplier of this technician's vehicle: durations are the travel model's
        divided by it (rounded to whole seconds), as VROOM's ``speed_factor``; e.g. 0.8 for a
        heavy van, 1.2 for a motorbike courier.
    max_overtime
        How long after ``shift.end`` the technician may return, seconds.
    overtime_cost_per_hour, cost_per_hour, cost_per_km, fixed_cost
        Costs in currency units: per hour of overtime, per hour worked (departure to
        return), per km driven, and per shift used.
    open_start, open_end
        Open routes (VROOM's vehicles without ``start`` / ``end``): the route begins at its
        first ticket (driving there is neither planned nor paid, and the shift's start bounds
        the arrival there) and / or ends when its last ticket is done (no drive home; shift
        end and overtime bound that moment). ``start`` / ``end``, if given, are then ignored
        for travel.
    """

    id: str
    shifts: tuple[Shift, ...]
    start: Location | None = None
    end: Location | None = None
    skills: Mapping[str, int] = field(default_factory=FrozenDict)
    stock: Mapping[str, int] = field(default_factory=FrozenDict)
    capacity: Mapping[str, int] = field(default_factory=FrozenDict)
    max_jobs: int | None = None
    max_working_time: int | None = None
    max_travel_time: int | None = None
    max_busy_time: int | None = None
    max_distance: int | None = None
    max_overtime: int = 0
    speed_factor: float = 1.0
    overtime_cost_per_hour: float = 0.0
    cost_per_hour: float = 0.0
    cost_per_km: float = 0.0
    fixed_cost: float = 0.0
    open_start: bool = False
    open_end: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InputError("technician", f"id must be a non-empty string, got {self.id!r}")
        record = f"technician {self.id!r}"
        for name in ("open_start", "open_end"):
            if not isinstance(getattr(self, name), bool):
                raise InputError(record, f"{name} must be true or false")
        if self.start is None:
            if not self.open_start:
                raise InputError(record, "start is missing (give a location, or open_start)")
        elif not isinstance(self.start, Location):
            raise InputError(record, "start must be a Location")
        if self.end is None:
            if self.start is None and not self.open_end:
                raise InputError(record, "end is missing (the start is open; give an end)")
            if not self.open_end:
                object.__setattr__(self, "end", self.start)
        elif not isinstance(self.end, Location):
            raise InputError(record, "end must be a Location")
        shifts = tuple(self.shifts)
        if not shifts:
            raise InputError(record, "shifts is empty; give at least one shift")
        for shift in shifts:
            if not isinstance(shift, Shift):
                raise InputError(record, "shifts must hold Shift objects")
        for before, after in itertools.pairwise(shifts):
            if after.start < before.end + self._overtime(before):
                raise InputError(
                    record,
                    f"shifts starting {fmt_clock(before.start)} and {fmt_clock(after.start)} "
                    "overlap (or are out of order)",
                )
        object.__setattr__(self, "shifts", shifts)
        for name, minimum in (("skills", 1), ("stock", 0), ("capacity", 0)):
            amounts = getattr(self, name)
            if not isinstance(amounts, Mapping):
                raise InputError(record, f"{name} must be a mapping of name -> integer")
            _check_amounts(record, name, amounts, minimum)
            object.__setattr__(self, name, FrozenDict(amounts))
        for name in (
            "max_jobs",
            "max_working_time",
            "max_travel_time",
            "max_busy_time",
            "max_distance",
        ):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise InputError(record, f"{name} must be an integer >= 0, got {value!r}")
        if (
            isinstance(self.max_overtime, bool)
            or not isinstance(self.max_overtime, int)
            or self.max_overtime < 0
        ):
            raise InputError(
                record, f"max_overtime must be whole seconds >= 0, got {self.max_overtime!r}"
            )
        if (
            isinstance(self.speed_factor, bool)
            or not isinstance(self.speed_factor, int | float)
            or not (math.isfinite(self.speed_factor) and 0 < self.speed_factor <= 5)
        ):
            raise InputError(
                record, f"speed_factor must be a number in (0, 5], got {self.speed_factor!r}"
            )
        object.__setattr__(self, "speed_factor", float(self.speed_factor))
        for name in ("overtime_cost_per_hour", "cost_per_hour", "cost_per_km", "fixed_cost"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not (math.isfinite(value) and value >= 0)
            ):
                raise InputError(record, f"{name} must be a number >= 0, got {value!r}")

    def _overtime(self, shift: Shift) -> int:
        return self.max_overtime if shift.max_overtime is None else shift.max_overtime

    def overtime(self, shift_index: int) -> int:
        """Overtime allowed after shift ``shift_index`` (the shift's own value, else ours)."""
        return self._overtime(self.shifts[shift_index])

    def latest_end(self, shift_index: int) -> int:
        """Latest return of shift ``shift_index``: its end plus the allowed overtime."""
        return self.shifts[shift_index].end + self.overtime(shift_index)

    @property
    def end_location(self) -> Location | None:
        """Where shifts end (``end``, which defaults to ``start``); ``None`` only for an open
        end given without a location."""
        return self.end
