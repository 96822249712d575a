"""Why is this ticket not scheduled, and what is the smallest change that would get it in?

For an unassigned ticket, every technician shift is tried (see
:func:`~dispatchopt.insertion.insertion_candidates`) and the rule that blocks each one is
collected. Then each blocking rule is relaxed on its own, the insertion retried, the smallest
amount of relaxation read off the route found, and that exact change applied to the problem
and checked again: a :class:`Fix` is only reported when, with it applied, the ticket can be
inserted into the current plan (:attr:`Fix.candidate` is that insertion).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from dispatchopt.errors import InputError
from dispatchopt.insertion import Candidate, Rejection, insertion_candidates
from dispatchopt.models.problem import Problem
from dispatchopt.models.technician import Technician
from dispatchopt.models.ticket import TimeWindow, peak_load
from dispatchopt.result import Result
from dispatchopt.timefmt import fmt_clock, fmt_duration

_BIG = 10**7  # seconds or metres: "unlimited" for a relaxation
_MINUTE = 60


@dataclass(frozen=True, kw_only=True)
class Fix:
    """A change to the input that gets the ticket into the current plan."""

    kind: str
    """``widen_window`` (the ticket's last window) or ``technician_change`` (one technician
    shift's limits: overtime, jobs, working/driving time, distance, stock, capacity, skills,
    or the ticket's technician rules)."""
    changes: tuple[str, ...] = ()
    """The individual changes, in words."""
    description: str
    technician_id: str | None
    size: float
    """How big the change is, in minutes-equivalent (used to rank fixes)."""
    apply: Callable[[Problem], Problem]
    """Returns the problem with the change made."""
    candidate: Candidate
    """The insertion that works once the change is made."""


@dataclass(frozen=True, kw_only=True)
class Explanation:
    """Why a ticket is not in the plan and what would change that."""

    ticket_id: str
    reason: str
    """The rule that blocks most technician shifts."""
    message: str
    rejections: tuple[Rejection, ...]
    fixes: tuple[Fix, ...]
    """Verified fixes, smallest first."""

    def __str__(self) -> str:
        lines = [f"{self.ticket_id}: {self.message}"]
        lines += [f"  - {f.description}" for f in self.fixes[:5]]
        return "\n".join(lines)


def _replace_tech(problem: Problem, tech_id: str, **changes: object) -> Problem:
    techs = tuple(
        replace(t, **changes) if t.id == tech_id else t  # type: ignore[arg-type]
        for t in problem.technicians
    )
    return problem.evolve(technicians=techs)


def _replace_shift(problem: Problem, tech_id: str, shift_index: int, **changes: object) -> Problem:
    tech = problem.technicians[problem.technician_index[tech_id]]
    shifts = tuple(
        replace(s, **changes) if k == shift_index else s  # type: ignore[arg-type]
        for k, s in enumerate(tech.shifts)
    )
    return _replace_tech(problem, tech_id, shifts=shifts)


def _replace_ticket(problem: Problem, ticket_id: str, **changes: object) -> Problem:
    tickets = tuple(
        replace(t, **changes) if t.id == ticket_id else t  # type: ignore[arg-type]
        for t in problem.tickets
    )
    return problem.evolve(tickets=tickets)


def _ceil_minutes(seconds: int) -> int:
    return math.ceil(max(seconds, 0) / _MINUTE) * _MINUTE


def explain(problem: Problem, plan: Result, ticket_id: str) -> Explanation:
    """Explain why ``ticket_id`` is not in ``plan`` and find verified smallest fixes.

    Parameters
    ----------
    problem
        The problem the plan was made for.
    plan
        The plan (the ticket should be unassigned in it; if it is routed, it is explained as if
        taken out).
    ticket_id
        The ticket to explain.

    Returns
    -------
    Explanation
        The blocking rule per technician shift, a sentence, and fixes smallest first; each fix
        has been applied and the ticket inserted with it.
    """
    if ticket_id not in problem.ticket_index:
        raise InputError(f"ticket {ticket_id!r}", "is not in the problem")
    ticket = problem.tickets[problem.ticket_index[ticket_id]]
    vehicle_of = {(v.technician, v.shift): k for k, v in enumerate(problem.vehicles)}
    current = insertion_candidates(problem, plan, ticket_id)
    counts = Counter(r.reason for r in current.rejections)
    if current.candidates:
        best = current.candidates[0]
        return Explanation(
            ticket_id=ticket_id,
            reason="fits",
            message=f"fits now: {best.technician_id} at {fmt_clock(best.start)} "
            f"(+{best.marginal_cost:,.2f}); the optimiser left it out for cheaper or "
            "higher-priority work",
            rejections=current.rejections,
            fixes=(),
        )
    reason = counts.most_common(1)[0][0] if counts else "no_technicians"
    parts = ", ".join(f"{n} {r.replace('_', ' ')}" for r, n in counts.most_common())
    message = (
        f"no technician shift can take it ({parts or 'no technicians'})"
        if counts
        else "there are no technicians"
    )

    fixes: list[Fix] = []

    def verify(
        kind: str,
        description: str,
        tech_id: str | None,
        size: float,
        apply: Callable[[Problem], Problem],
        vehicles: list[int] | None,
        changes: tuple[str, ...] = (),
    ) -> None:
        fixed = apply(problem)
        found = insertion_candidates(fixed, plan, ticket_id, vehicles=vehicles).best
        if found is not None:
            fixes.append(
                Fix(
                    kind=kind,
                    description=description,
                    technician_id=tech_id,
                    size=size,
                    apply=apply,
                    candidate=found,
                    changes=changes or (description,),
                )
            )

    # Widen the appointment window (for every technician at once).
    if ticket.time_windows:
        first = ticket.time_windows[0].start
        relaxed = _replace_ticket(
            problem, ticket_id, time_windows=(TimeWindow(start=first, end=first + _BIG),)
        )
        found = insertion_candidates(relaxed, plan, ticket_id).candidates
        if found:
            start = min(c.start for c in found)
            last = ticket.time_windows[-1]
            windows = (
                *ticket.time_windows[:-1],
                TimeWindow(start=last.start, end=max(start, last.end)),
            )

            def widen(p: Problem, w: tuple[TimeWindow, ...] = windows) -> Problem:
                return _replace_ticket(p, ticket_id, time_windows=w)

            verify(
                "widen_window",
                f"widen the window {fmt_clock(last.start)}-{fmt_clock(last.end)} to end at "
                f"{fmt_clock(start)}",
                None,
                (start - last.end) / _MINUTE,
                widen,
                None,
            )

    for rej in current.rejections:
        t_pos = problem.technician_index[rej.technician_id]
        v = vehicle_of[(t_pos, rej.shift_index)]
        _vehicle_fix(problem, plan, ticket_id, problem.technicians[t_pos], rej, v, verify)

    fixes.sort(key=lambda f: (f.size, f.kind, f.technician_id or ""))
    return Explanation(
        ticket_id=ticket_id,
        reason=reason,
        message=message,
        rejections=current.rejections,
        fixes=tuple(fixes),
    )


_RELAXABLE = frozenset(
    {
        "shift_end",
        "max_tasks",
        "max_working_time",
        "max_travel_time",
        "max_busy_time",
        "max_distance",
        "parts",
        "load",
        "skills",
        "technician",
        "break",
    }
)


def _vehicle_fix(
    problem: Problem,
    plan: Result,
    ticket_id: str,
    tech: Technician,
    rejection: Rejection,
    v: int,
    verify: Callable[..., None],
) -> None:
    """Relax every limit of one technician shift at once, then ask only for what the route
    found needs: overtime, jobs, working/driving time, distance, stock, capacity, skills,
    technician rules."""
    if not set(rejection.reasons) & _RELAXABLE:
        return
    ticket = problem.tickets[problem.ticket_index[ticket_id]]
    tid, k = tech.id, rejection.shift_index
    shift = tech.shifts[k]
    big_stock = {key: _BIG for key in {*tech.stock, *ticket.parts}}
    big_cap = {key: _BIG for key in {*tech.capacity, *ticket.load, *ticket.pickup}}
    rules = {
        "required_technicians": ticket.required_technicians | {tid}
        if ticket.required_technicians
        else frozenset(),
        "excluded_technicians": ticket.excluded_technicians - {tid},
    }
    relaxed = _replace_ticket(problem, ticket_id, **rules)
    relaxed = _replace_tech(
        relaxed,
        tid,
        max_jobs=None,
        max_working_time=None,
        max_travel_time=None,
        max_busy_time=None,
        max_distance=None,
        stock=big_stock,
        capacity=big_cap,
        skills={
            **tech.skills,
            **{s: max(lvl, tech.skills.get(s, 0)) for s, lvl in ticket.skills.items()},
        },
    )
    # As much overtime as the technician's next shift allows.
    room = tech.shifts[k + 1].start - shift.end if k + 1 < len(tech.shifts) else _BIG
    relaxed = _replace_shift(relaxed, tid, k, max_overtime=room)
    found = insertion_candidates(relaxed, plan, ticket_id, vehicles=[v]).best
    if found is None:
        return
    route = found.route
    tech_changes: dict[str, object] = {}
    words: list[str] = []
    size = 0.0
    overtime = route.end - shift.end
    if overtime > tech.overtime(k):
        need = _ceil_minutes(overtime)
        words.append(f"worked {fmt_duration(need)} overtime (shift ends {fmt_clock(shift.end)})")
        size += 1.5 * (need - tech.overtime(k)) / _MINUTE
    else:
        need = -1
    for attr, value, scale in (
        ("max_jobs", len(route.visits), 1 / 60),
        ("max_working_time", _ceil_minutes(route.working_time), _MINUTE),
        ("max_travel_time", _ceil_minutes(route.travel_time), _MINUTE),
        ("max_busy_time", _ceil_minutes(route.travel_time + route.service_time), _MINUTE),
        ("max_distance", math.ceil(route.distance / 1000) * 1000, 1000),
    ):
        limit = getattr(tech, attr)
        if limit is not None and value > limit:
            tech_changes[attr] = value
            words.append(
                {
                    "max_jobs": f"did {value} jobs (max_jobs {limit})",
                    "max_working_time": f"worked {fmt_duration(value)} in all "
                    f"(max_working_time {fmt_duration(limit)})",
                    "max_travel_time": f"drove {fmt_duration(value)} "
                    f"(max_travel_time {fmt_duration(limit)})",
                    "max_busy_time": f"drove and served {fmt_duration(value)} "
                    f"(max_busy_time {fmt_duration(limit)})",
                    "max_distance": f"drove {value / 1000:.0f} km "
                    f"(max_distance {limit / 1000:.0f} km)",
                }[attr]
            )
            size += (value - limit) / scale
    index = problem.ticket_index
    served = [problem.tickets[index[visit.ticket_id]] for visit in route.visits]
    stock_used: Counter[str] = Counter()
    for t in served:
        stock_used.update(t.parts)
    for used, have_attr, verb in (
        (stock_used, "stock", "carried"),
        (Counter(peak_load(served)), "capacity", "loaded"),
    ):
        have = getattr(tech, have_attr)
        short = {key: q - have.get(key, 0) for key, q in used.items() if q > have.get(key, 0)}
        if short:
            tech_changes[have_attr] = {**have, **{key: used[key] for key in short}}
            items = ", ".join(f"{q} x {key}" for key, q in sorted(short.items()))
            words.append(f"{verb} {items} more")
            size += 30.0 * sum(short.values())
    missing = {s: lvl for s, lvl in ticket.skills.items() if tech.skills.get(s, 0) < lvl}
    if missing:
        tech_changes["skills"] = {**tech.skills, **missing}
        words.append("had " + ", ".join(f"{s} >= {lvl}" for s, lvl in sorted(missing.items())))
        size += 240.0 * len(missing)
    rule_change = (
        ticket.required_technicians and tid not in ticket.required_technicians
    ) or tid in ticket.excluded_technicians
    if rule_change:
        words.append(f"were allowed to take {ticket_id}")
        size += 120.0

    def apply(p: Problem) -> Problem:
        out = _replace_tech(p, tid, **tech_changes) if tech_changes else p
        if need >= 0:
            out = _replace_shift(out, tid, k, max_overtime=need)
        if rule_change:
            out = _replace_ticket(out, ticket_id, **rules)
        return out

    verify(
        "technician_change",
        f"{tid} if they " + " and ".join(words),
        tid,
        size,
        apply,
        [v],
        tuple(words),
    )
