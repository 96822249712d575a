"""Work orders (tickets) and their time windows."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from dispatchopt.errors import InputError
from dispatchopt.frozen import FrozenDict
from dispatchopt.models.location import Location
from dispatchopt.timefmt import fmt_clock


class Priority(IntEnum):
    """Business priority of a ticket. A higher priority is never dropped for a lower one."""

    LOW = 0
    NORMAL = 1
    HIGH = 2
    URGENT = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, value: object) -> Priority:
        """Read a priority from its name (any case) or its integer value."""
        if isinstance(value, Priority):
            return value
        if isinstance(value, str) and value.upper() in cls.__members__:
            return cls[value.upper()]
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and value in {p.value for p in cls}
        ):
            return cls(value)
        names = ", ".join(p.name.lower() for p in cls)
        raise ValueError(f"priority must be one of {names} (or 0-4), got {value!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class TimeWindow:
    """A hard window in which service must *start* (seconds since the problem origin)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InputError(
                "time window",
                f"end {fmt_clock(self.end)} is before start {fmt_clock(self.start)}",
            )

    def contains(self, moment: int) -> bool:
        """Whether service may start at ``moment``."""
        return self.start <= moment <= self.end


def earliest_start(windows: Sequence[TimeWindow], ready: int) -> int | None:
    """Earliest service start at or after ``ready`` inside one of ``windows`` (sorted);
    ``ready`` itself without windows, ``None`` once the last window has closed."""
    if not windows:
        return ready
    for w in windows:
        if ready <= w.end:
            return max(ready, w.start)
    return None


def latest_start(windows: Sequence[TimeWindow], by: int) -> int | None:
    """Latest service start no later than ``by`` inside one of ``windows`` (sorted); ``by``
    itself without windows, ``None`` if the first window opens after ``by``."""
    if not windows:
        return by
    for w in reversed(windows):
        if w.start <= by:
            return min(w.end, by)
    return None


def _check_amounts(record: str, name: str, amounts: Mapping[str, int], minimum: int) -> None:
    for key, qty in amounts.items():
        if not isinstance(key, str) or not key:
            raise InputError(record, f"{name} has a key {key!r} that is not a non-empty string")
        if isinstance(qty, bool) or not isinstance(qty, int) or qty < minimum:
            raise InputError(
                record, f"{name}[{key!r}] must be an integer >= {minimum}, got {qty!r}"
            )


@dataclass(frozen=True, kw_only=True, slots=True)
class Ticket:
    """A work order to be done at a customer's site.

    Parameters
    ----------
    id
        The ticket id used by the host system.
    location
        Where the work is done.
    duration
        Service time on site, seconds.
    time_windows
        Hard appointment windows in which service must start; empty means any time.
    due_by
        Soft SLA deadline for *finishing* the work (seconds since origin); lateness is priced by
        priority (:class:`~dispatchopt.models.problem.ObjectiveWeights`).
    priority
        Business priority; a ticket is never left out in favour of lower-priority work.
    skills
        Required skill -> minimum level.
    parts
        Required spare part -> quantity, taken from the technician's van stock.
    load
        Amounts of a technician's ``capacity`` the job uses (e.g. weight), loaded at the start
        of the shift and dropped here (VROOM's ``delivery``).
    pickup
        Amounts collected here and carried until the end of the shift (e.g. a broken unit
        returned to the depot; VROOM's ``pickup``). With both, the van's load changes along
        the route and must fit ``capacity`` at every point.
    required_technicians, preferred_technicians, excluded_technicians
        Technician ids: only these / preferably these / never these.
    unassigned_cost
        Override the cost of leaving this ticket unassigned (currency units).
    """

    id: str
    location: Location
    duration: int = 0
    time_windows: tuple[TimeWindow, ...] = ()
    due_by: int | None = None
    priority: Priority = Priority.NORMAL
    skills: Mapping[str, int] = field(default_factory=FrozenDict)
    parts: Mapping[str, int] = field(default_factory=FrozenDict)
    load: Mapping[str, int] = field(default_factory=FrozenDict)
    pickup: Mapping[str, int] = field(default_factory=FrozenDict)
    required_technicians: frozenset[str] = frozenset()
    preferred_technicians: frozenset[str] = frozenset()
    excluded_technicians: frozenset[str] = frozenset()
    unassigned_cost: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InputError("ticket", f"id must be a non-empty string, got {self.id!r}")
        record = f"ticket {self.id!r}"
        if not isinstance(self.location, Location):
            raise InputError(record, "location must be a Location")
        if (
            isinstance(self.duration, bool)
            or not isinstance(self.duration, int)
            or self.duration < 0
        ):
            raise InputError(record, f"duration must be whole seconds >= 0, got {self.duration!r}")
        windows = tuple(self.time_windows)
        for window in windows:
            if not isinstance(window, TimeWindow):
                raise InputError(record, "time_windows must hold TimeWindow objects")
        windows = tuple(sorted(windows, key=lambda w: (w.start, w.end)))
        for before, after in itertools.pairwise(windows):
            if after.start < before.end:
                raise InputError(
                    record,
                    f"time windows {fmt_clock(before.start)}-{fmt_clock(before.end)} and "
                    f"{fmt_clock(after.start)}-{fmt_clock(after.end)} overlap; merge them",
                )
        object.__setattr__(self, "time_windows", windows)
        try:
            object.__setattr__(self, "priority", Priority.parse(self.priority))
        except ValueError as exc:
            raise InputError(record, str(exc)) from None
        for name, minimum in (("skills", 1), ("parts", 1), ("load", 0), ("pickup", 0)):
            amounts = getattr(self, name)
            if not isinstance(amounts, Mapping):
                raise InputError(record, f"{name} must be a mapping of name -> integer")
            _check_amounts(record, name, amounts, minimum)
            object.__setattr__(self, name, FrozenDict(amounts))
        for name in ("required_technicians", "preferred_technicians", "excluded_technicians"):
            ids = getattr(self, name)
            if isinstance(ids, str):
                raise InputError(record, f"{name} must be a collection of ids, not a string")
            object.__setattr__(self, name, frozenset(ids))
        clash = self.required_technicians & self.excluded_technicians
        if clash:
            raise InputError(
                record, f"technician(s) {sorted(clash)} are both required and excluded"
            )
        if self.unassigned_cost is not None and not (
            math.isfinite(self.unassigned_cost) and self.unassigned_cost >= 0
        ):
            raise InputError(record, f"unassigned_cost must be >= 0, got {self.unassigned_cost!r}")
        if self.due_by is not None and (
            isinstance(self.due_by, bool) or not isinstance(self.due_by, int)
        ):
            raise InputError(record, f"due_by must be whole seconds, got {self.due_by!r}")


def peak_load(tickets: Iterable[Ticket]) -> dict[str, int]:
    """Most of each capacity amount on board along a route serving ``tickets`` in order: all
    ``load`` is on board at the start, each stop drops its ``load`` and adds its ``pickup``."""
    tickets = list(tickets)
    onboard: dict[str, int] = {}
    for t in tickets:
        for key, qty in t.load.items():
            onboard[key] = onboard.get(key, 0) + qty
    peak = dict(onboard)
    for t in tickets:
        for key in {*t.load, *t.pickup}:
            onboard[key] = onboard.get(key, 0) - t.load.get(key, 0) + t.pickup.get(key, 0)
            peak[key] = max(peak.get(key, 0), onboard[key])
    return peak
