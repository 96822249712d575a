"""Appointment slots to offer a customer on the phone, best first.

For each candidate window the new ticket is inserted into the current plan as if booked in
that window (:func:`~dispatchopt.insertion.insertion_candidates`); the slot is feasible when
some technician can take it, priced at the cheapest insertion, and otherwise comes with the
reason no technician can.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatchopt.errors import InputError
from dispatchopt.insertion import Candidate, insertion_candidates
from dispatchopt.models.problem import Problem
from dispatchopt.models.ticket import TimeWindow
from dispatchopt.result import Result
from dispatchopt.timefmt import fmt_clock, to_seconds


@dataclass(frozen=True, kw_only=True, slots=True)
class SlotOffer:
    """One candidate window and what booking the ticket in it would mean."""

    window: TimeWindow
    feasible: bool
    technician_id: str | None = None
    """The technician it would most likely go to (cheapest insertion)."""
    shift_index: int | None = None
    start: int | None = None
    marginal_cost: float | None = None
    reason: str | None = None
    """Why not (most common rejection over the technicians on shift), when infeasible."""
    message: str | None = None
    candidate: Candidate | None = None


def daily_slots(
    problem: Problem,
    *,
    days: int = 5,
    first_day: int = 0,
    start_hour: int = 8,
    end_hour: int = 18,
    hours: int = 2,
) -> tuple[TimeWindow, ...]:
    """Back-to-back slots of ``hours`` from ``start_hour`` to ``end_hour`` on ``days`` days.

    Days count from the problem origin's date (local time, so a daylight-saving change is
    handled).
    """
    if hours <= 0 or end_hour <= start_hour or days < 1:
        raise InputError("slots", "need days >= 1, hours > 0 and end_hour > start_hour")
    origin = problem.origin
    out = []
    for day in range(first_day, first_day + days):
        date = (origin + timedelta(days=day)).date()
        for hour in range(start_hour, end_hour - hours + 1, hours):
            begin = datetime(date.year, date.month, date.day, hour, tzinfo=origin.tzinfo)
            start = to_seconds(begin, origin)
            out.append(TimeWindow(start=start, end=start + hours * 3600))
    return tuple(out)


def offer_slots(
    problem: Problem,
    plan: Result,
    ticket_id: str,
    slots: Sequence[TimeWindow],
    *,
    reserve: float = 0.0,
) -> tuple[SlotOffer, ...]:
    """Rank ``slots`` for booking ``ticket_id``: feasible ones cheapest first, then the others.

    Parameters
    ----------
    problem
        The problem including the ticket (:func:`~dispatchopt.add_tickets` for a new one).
    plan
        The current plan; it is not changed.
    ticket_id
        The ticket to book. Its own windows are ignored: each slot replaces them.
    slots
        Candidate service-start windows.
    reserve
        Share of each shift to keep free for emergencies (0-1).

    Returns
    -------
    tuple of SlotOffer
        One per slot: feasible ones by marginal cost (then earliest), infeasible ones after,
        in the order given, each with a reason.
    """
    if ticket_id not in problem.ticket_index:
        raise InputError(f"ticket {ticket_id!r}", "is not in the problem")
    techs = problem.technicians
    offers = []
    for window in slots:
        on_shift = [
            v
            for v, veh in enumerate(problem.vehicles)
            if techs[veh.technician].shifts[veh.shift].start <= window.end
            and window.start <= techs[veh.technician].latest_end(veh.shift)
        ]
        if not on_shift:
            offers.append(
                SlotOffer(
                    window=window,
                    feasible=False,
                    reason="no_shift",
                    message=f"no technician works {fmt_clock(window.start)}-"
                    f"{fmt_clock(window.end)}",
                )
            )
            continue
        ins = insertion_candidates(
            problem, plan, ticket_id, windows=(window,), reserve=reserve, vehicles=on_shift
        )
        best = ins.best
        if best is not None:
            offers.append(
                SlotOffer(
                    window=window,
                    feasible=True,
                    technician_id=best.technician_id,
                    shift_index=best.shift_index,
                    start=best.start,
                    marginal_cost=best.marginal_cost,
                    candidate=best,
                )
            )
            continue
        counts = Counter(r.reason for r in ins.rejections)
        reason = counts.most_common(1)[0][0]
        examples = [f"{r.message}" for r in ins.rejections if r.reason == reason][:2]
        offers.append(
            SlotOffer(
                window=window,
                feasible=False,
                reason=reason,
                message=f"{counts[reason]} of {len(ins.rejections)} technicians on shift: "
                + "; ".join(examples),
            )
        )
    feasible = sorted(
        (o for o in offers if o.feasible),
        key=lambda o: (o.marginal_cost, o.window.start),
    )
    return (*feasible, *(o for o in offers if not o.feasible))
