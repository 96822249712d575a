"""A dispatch problem: technicians, tickets, travel and objective weights."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from dispatchopt.errors import InputError
from dispatchopt.frozen import FrozenDict
from dispatchopt.models.baseline import Baseline
from dispatchopt.models.location import Location
from dispatchopt.models.technician import Technician
from dispatchopt.models.ticket import Priority, Ticket
from dispatchopt.models.travel import HaversineTravel, TravelMatrices, TravelModel
from dispatchopt.timefmt import to_datetime, to_seconds

DEFAULT_LATENESS_COST_PER_HOUR: Mapping[Priority, float] = FrozenDict(
    {
        Priority.LOW: 5.0,
        Priority.NORMAL: 20.0,
        Priority.HIGH: 60.0,
        Priority.URGENT: 200.0,
        Priority.CRITICAL: 1000.0,
    }
)


@dataclass(frozen=True, kw_only=True, slots=True)
class ObjectiveWeights:
    """How soft constraints are priced, in currency units.

    Parameters
    ----------
    lateness_cost_per_hour
        Priority -> cost per hour a ticket finishes after its ``due_by``.
    unassigned_cost
        Cost of leaving a LOW-priority ticket unassigned. ``None`` (default) derives it from
        the technicians' costs so that doing a ticket is always worth a long detour. Higher
        priorities are scaled so that one ticket outweighs all lower-priority tickets together.
    preference_cost
        Cost of giving a ticket with preferred technicians to somebody else.
    """

    lateness_cost_per_hour: Mapping[Priority, float] = field(
        default_factory=lambda: DEFAULT_LATENESS_COST_PER_HOUR
    )
    unassigned_cost: float | None = None
    preference_cost: float = 50.0

    def __post_init__(self) -> None:
        merged = dict(DEFAULT_LATENESS_COST_PER_HOUR)
        for key, value in self.lateness_cost_per_hour.items():
            try:
                priority = Priority.parse(key)
            except ValueError as exc:
                raise InputError("weights", f"lateness_cost_per_hour: {exc}") from None
            if not (math.isfinite(value) and value >= 0):
                raise InputError(
                    "weights", f"lateness_cost_per_hour[{priority.name.lower()}] must be >= 0"
                )
            merged[priority] = float(value)
        object.__setattr__(self, "lateness_cost_per_hour", FrozenDict(merged))
        if self.unassigned_cost is not None and not (
            math.isfinite(self.unassigned_cost) and self.unassigned_cost > 0
        ):
            raise InputError(
                "weights", f"unassigned_cost must be > 0, got {self.unassigned_cost!r}"
            )
        if not (math.isfinite(self.preference_cost) and self.preference_cost >= 0):
            raise InputError(
                "weights", f"preference_cost must be >= 0, got {self.preference_cost!r}"
            )


class Vehicle(NamedTuple):
    """One route to plan: a technician's shift (integer indices)."""

    technician: int
    shift: int


class LocationTable(NamedTuple):
    """Distinct locations of a problem and which record sits where (rows of the travel
    matrices: indices into ``locations``, or ``free``)."""

    locations: tuple[Location, ...]
    ticket: npt.NDArray[np.int64]
    start: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]
    free: int | None = None
    """Row of the open routes' virtual start / end (``len(locations)``): travel to and from
    it takes no time and no distance. ``None`` when no technician has an open route."""


@dataclass(frozen=True, kw_only=True)
class Problem:
    """Everything the engine needs to plan a day (or several).

    Parameters
    ----------
    technicians, tickets
        The resources and the work. Ids must be unique.
    origin
        Timezone-aware moment that integer times count seconds from (e.g. local midnight).
    travel
        Travel model; haversine at 40 km/h with a 1.3 detour factor by default.
    weights
        Prices of the soft constraints.
    baseline
        A previous plan to stay close to (re-planning); ``None`` for a fresh plan.
    """

    technicians: tuple[Technician, ...]
    tickets: tuple[Ticket, ...]
    origin: datetime
    travel: TravelModel = field(default_factory=HaversineTravel)
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    baseline: Baseline | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "technicians", tuple(self.technicians))
        object.__setattr__(self, "tickets", tuple(self.tickets))
        if not isinstance(self.origin, datetime) or self.origin.utcoffset() is None:
            raise InputError("problem", "origin must be a timezone-aware datetime")
        if not isinstance(self.travel, TravelModel):
            raise InputError("problem", "travel must be a travel model (e.g. HaversineTravel())")
        tech_ids: dict[str, int] = {}
        for i, tech in enumerate(self.technicians):
            if not isinstance(tech, Technician):
                raise InputError(f"technicians[{i}]", "is not a Technician")
            if tech.id in tech_ids:
                raise InputError(
                    f"technicians[{i}] {tech.id!r}",
                    f"id is already used by technicians[{tech_ids[tech.id]}]",
                )
            tech_ids[tech.id] = i
            for name, loc, is_open in (
                ("start", tech.start, tech.open_start),
                ("end", tech.end_location, tech.open_end),
            ):
                if is_open or loc is None:
                    continue  # not used for travel
                why = self.travel.check_location(loc)
                if why:
                    raise InputError(f"technicians[{i}] {tech.id!r}", f"{name} location {why}")
        ticket_ids: dict[str, int] = {}
        for i, ticket in enumerate(self.tickets):
            if not isinstance(ticket, Ticket):
                raise InputError(f"tickets[{i}]", "is not a Ticket")
            record = f"tickets[{i}] {ticket.id!r}"
            if ticket.id in ticket_ids:
                raise InputError(record, f"id is already used by tickets[{ticket_ids[ticket.id]}]")
            ticket_ids[ticket.id] = i
            why = self.travel.check_location(ticket.location)
            if why:
                raise InputError(record, f"location {why}")
            for name in ("required_technicians", "preferred_technicians", "excluded_technicians"):
                unknown = sorted(getattr(ticket, name) - tech_ids.keys())
                if unknown:
                    raise InputError(record, f"{name} names unknown technician(s) {unknown}")
        if self.baseline is not None:
            self._check_baseline(self.baseline, ticket_ids)

    def _check_baseline(self, baseline: Baseline, ticket_ids: Mapping[str, int]) -> None:
        if not isinstance(baseline, Baseline):
            raise InputError("problem", "baseline must be a Baseline")
        techs = {t.id: t for t in self.technicians}
        for k, visit in enumerate(baseline.visits):
            record = f"baseline.visits[{k}] {visit.ticket_id!r}"
            if visit.ticket_id not in ticket_ids:
                raise InputError(record, "names a ticket that is not in the problem")
            tech = techs.get(visit.technician_id)
            if tech is None:
                raise InputError(record, f"names unknown technician {visit.technician_id!r}")
            if not 0 <= visit.shift_index < len(tech.shifts):
                raise InputError(
                    record, f"{visit.technician_id!r} has no shift {visit.shift_index}"
                )

    @cached_property
    def ticket_index(self) -> Mapping[str, int]:
        """Ticket id -> position in ``tickets``."""
        return {t.id: i for i, t in enumerate(self.tickets)}

    @cached_property
    def technician_index(self) -> Mapping[str, int]:
        """Technician id -> position in ``technicians``."""
        return {t.id: i for i, t in enumerate(self.technicians)}

    @cached_property
    def vehicles(self) -> tuple[Vehicle, ...]:
        """One route per technician shift, technicians in order, shifts in order."""
        return tuple(
            Vehicle(t, s)
            for t, tech in enumerate(self.technicians)
            for s in range(len(tech.shifts))
        )

    @cached_property
    def location_table(self) -> LocationTable:
        """Distinct locations, and the row of each ticket / technician start / end in them."""
        rows: dict[Location, int] = {}

        def row(loc: Location) -> int:
            return rows.setdefault(loc, len(rows))

        techs = self.technicians
        ticket = np.array([row(t.location) for t in self.tickets], dtype=np.int64)
        start = [None if t.open_start or t.start is None else row(t.start) for t in techs]
        end = [None if t.open_end or t.end is None else row(t.end) for t in techs]
        free = len(rows) if any(t.open_start or t.open_end for t in techs) else None
        return LocationTable(
            tuple(rows),
            ticket,
            np.array([free if r is None else r for r in start], dtype=np.int64),
            np.array([free if r is None else r for r in end], dtype=np.int64),
            free,
        )

    @cached_property
    def travel_matrices(self) -> TravelMatrices:
        """Travel matrices over the location table's rows (computed once); the open routes'
        ``free`` row, if any, is all zeros."""
        table = self.location_table
        mats = self.travel.matrices(table.locations)
        if table.free is None:
            return mats
        return TravelMatrices(
            duration=np.pad(mats.duration, ((0, 1), (0, 1))),
            distance=np.pad(mats.distance, ((0, 1), (0, 1))),
        )

    @cached_property
    def technician_durations(self) -> tuple[npt.NDArray[np.int64], ...]:
        """Per technician, the duration matrix at their ``speed_factor`` (travel model's
        durations divided by it, rounded; technicians with equal factors share one array)."""
        base = self.travel_matrices.duration
        by_factor: dict[float, npt.NDArray[np.int64]] = {1.0: base}
        for tech in self.technicians:
            if tech.speed_factor not in by_factor:
                scaled = np.rint(base / tech.speed_factor).astype(np.int64)
                scaled.flags.writeable = False
                by_factor[tech.speed_factor] = scaled
        return tuple(by_factor[t.speed_factor] for t in self.technicians)

    def evolve(self, **changes: Any) -> Problem:
        """A copy with ``changes`` (as :func:`dataclasses.replace`) that reuses the travel
        matrices when the set of locations is unchanged (what-if and re-planning copies)."""
        new = replace(self, **changes)
        if new.travel is self.travel and (
            new.location_table.locations == self.location_table.locations
            and new.location_table.free == self.location_table.free
        ):
            new.__dict__["travel_matrices"] = self.travel_matrices
        return new

    def shift_day(self, technician: int, shift: int) -> int:
        """Local calendar day (ordinal) a shift starts on: what "another day" means when
        re-planning (the solver's pricing and the change set both use it)."""
        start = self.technicians[technician].shifts[shift].start
        return to_datetime(start, self.origin).toordinal()

    def to_seconds(self, moment: datetime) -> int:
        """Seconds from ``origin`` to a timezone-aware ``moment``."""
        return to_seconds(moment, self.origin)
