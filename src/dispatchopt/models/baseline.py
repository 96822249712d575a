"""A previous plan to stay close to: planned visits and the price of changing them."""

from __future__ import annotations

import math
from dataclasses import dataclass

from dispatchopt.errors import InputError


@dataclass(frozen=True, kw_only=True, slots=True)
class StabilityCosts:
    """What a change against the previous plan costs, in currency units.

    Parameters
    ----------
    reassign
        Per visit given to another technician.
    move_day
        Per visit moved to a shift on another day.
    retime_per_hour
        Per hour a visit's start moves (earlier or later) beyond ``retime_tolerance``.
    retime_tolerance
        Seconds a visit may move for free (e.g. 30 min: the customer was told a window).
    resequence
        Per step a technician now takes backwards in their previous order (visit B directly
        after A although B came before A).
    unassign
        Per previously planned ticket left out. The solver also adds the most any move of the
        ticket could cost, so that stability never makes dropping a ticket cheaper than moving
        it.
    """

    reassign: float = 0.0
    move_day: float = 0.0
    retime_per_hour: float = 0.0
    retime_tolerance: int = 0
    resequence: float = 0.0
    unassign: float = 0.0

    def __post_init__(self) -> None:
        for name in ("reassign", "move_day", "retime_per_hour", "resequence", "unassign"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not (math.isfinite(value) and value >= 0)
            ):
                raise InputError("stability", f"{name} must be a number >= 0, got {value!r}")
        tol = self.retime_tolerance
        if isinstance(tol, bool) or not isinstance(tol, int) or tol < 0:
            raise InputError(
                "stability", f"retime_tolerance must be whole seconds >= 0, got {tol!r}"
            )

    @classmethod
    def uniform(cls, cost: float, *, retime_tolerance: int = 0) -> StabilityCosts:
        """Every kind of change at the same price (``retime`` per hour)."""
        return cls(
            reassign=cost,
            move_day=cost,
            retime_per_hour=cost,
            retime_tolerance=retime_tolerance,
            resequence=cost,
            unassign=cost,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class PlannedVisit:
    """Where a ticket was in the previous plan."""

    ticket_id: str
    technician_id: str
    shift_index: int
    start: int
    position: int
    """Index of the visit in its route."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Baseline:
    """The previous plan the solver should stay close to.

    The solver prices every change with ``costs`` and, when ``warm_start`` is set, starts its
    search from these routes (as far as they are still feasible).
    """

    visits: tuple[PlannedVisit, ...]
    costs: StabilityCosts = StabilityCosts()
    warm_start: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "visits", tuple(self.visits))
        seen: set[str] = set()
        for k, visit in enumerate(self.visits):
            if not isinstance(visit, PlannedVisit):
                raise InputError(f"baseline.visits[{k}]", "is not a PlannedVisit")
            if visit.ticket_id in seen:
                raise InputError(
                    f"baseline.visits[{k}] {visit.ticket_id!r}", "ticket is planned twice"
                )
            seen.add(visit.ticket_id)
