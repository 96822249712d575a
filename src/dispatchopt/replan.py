"""Re-planning a day that has started: keep what is done, price every change, report the diff.

:func:`replan` takes the problem, the current plan and the time "now", applies events
(a technician unavailable, a visit overrunning, new or cancelled tickets) and pins, and
solves again from the current plan (warm start) with the changes priced by
:class:`~dispatchopt.models.baseline.StabilityCosts`. It returns the new plan for the whole
day (history included, so the independent validator can check it), and a change set a CRM
can apply.

What cannot change ("committed"): visits started by ``now``, the visit a technician is
driving to, and visits starting within the ``freeze`` horizon. They are pinned to their
technician and start time (and an overrunning visit gets its longer duration). Everything
else is re-planned from ``now`` on: nothing new starts in the past.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from dispatchopt.errors import InputError
from dispatchopt.insertion import Candidate, apply_candidate, insertion_candidates
from dispatchopt.models.baseline import Baseline, PlannedVisit, StabilityCosts
from dispatchopt.models.problem import Problem
from dispatchopt.models.technician import Break, Technician
from dispatchopt.models.ticket import Ticket, TimeWindow
from dispatchopt.params import SolveParams
from dispatchopt.result import Result, Unassigned, compute_kpis, plan_cost
from dispatchopt.solve import solve
from dispatchopt.timefmt import fmt_clock

#: Unassigned cost given to committed visits: far above any ordinary penalty.
COMMITTED_COST = float(2**58) / 100_000

#: Stability prices :func:`replan` uses when none are given: moving a visit to another
#: technician or day, or by more than 30 minutes, must buy a real saving.
DEFAULT_STABILITY = StabilityCosts(
    reassign=20.0,
    move_day=50.0,
    retime_per_hour=10.0,
    retime_tolerance=30 * 60,
    resequence=5.0,
    unassign=0.0,
)

#: Kinds of change in a :class:`Change`, most disruptive first.
CHANGE_KINDS = (
    "newly_unassigned",  # was planned, now left out
    "reassigned",  # another technician
    "moved_day",  # same technician, a shift on another day
    "retimed",  # same shift, start moved by more than the tolerance
    "resequenced",  # same shift, now after a visit it used to precede
    "newly_assigned",  # was not planned, now is
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Pin:
    """A dispatcher's decision the re-plan must respect.

    ``technician_id`` pins the ticket to a technician; ``start`` to an exact start time;
    ``earliest`` / ``latest`` to a range for the start (replacing the ticket's windows).
    """

    ticket_id: str
    technician_id: str | None = None
    start: int | None = None
    earliest: int | None = None
    latest: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class TechnicianUnavailable:
    """A technician cannot work from ``start`` until ``end`` (``None``: rest of the horizon).

    Sick, van broke down, called away. A visit started before ``start`` is kept as done;
    everything else of theirs in the period is re-planned.
    """

    technician_id: str
    start: int
    end: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class VisitOverrun:
    """A started visit will end at ``end`` instead of as planned."""

    ticket_id: str
    end: int


@dataclass(frozen=True, kw_only=True, slots=True)
class NewTickets:
    """Tickets that arrived (an emergency, a call-back)."""

    tickets: tuple[Ticket, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class CancelTicket:
    """A ticket the customer cancelled (must not have started)."""

    ticket_id: str


Event = TechnicianUnavailable | VisitOverrun | NewTickets | CancelTicket


@dataclass(frozen=True, kw_only=True, slots=True)
class Change:
    """How one ticket's place differs from the previous plan, and what that change costs."""

    ticket_id: str
    kind: str
    """The most disruptive of :data:`CHANGE_KINDS` that applies."""
    kinds: tuple[str, ...]
    """Every kind that applies."""
    before: PlannedVisit | None
    after: PlannedVisit | None
    cost: float


@dataclass(frozen=True, kw_only=True)
class Replan:
    """The outcome of :func:`replan`."""

    problem: Problem
    """The problem as re-planned: events applied, committed visits pinned, times from now."""
    result: Result
    """The whole plan (history included); check it with ``validate(problem, result)``."""
    changes: tuple[Change, ...]
    committed: frozenset[str]
    disruption: float
    """Sum of the changes' costs at the given stability prices."""
    cost_before: float
    """Operating cost of the previous plan (:func:`~dispatchopt.plan_cost`)."""
    cost_after: float
    unassigned_before: int
    unassigned_after: int
    stability: StabilityCosts = field(default_factory=StabilityCosts)

    @property
    def cost_saved(self) -> float:
        """Operating cost before minus after (negative when more work is now done)."""
        return self.cost_before - self.cost_after

    def changes_of(self, kind: str) -> tuple[Change, ...]:
        """Changes whose main kind is ``kind``."""
        return tuple(c for c in self.changes if c.kind == kind)

    def summary(self) -> str:
        """A few lines for a dispatcher."""
        counts = {k: len(self.changes_of(k)) for k in CHANGE_KINDS}
        parts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items() if v)
        return (
            f"{len(self.committed)} visits committed; changes: {parts or 'none'}\n"
            f"disruption {self.disruption:,.2f}; operating cost {self.cost_before:,.2f} -> "
            f"{self.cost_after:,.2f}; unassigned {self.unassigned_before} -> "
            f"{self.unassigned_after}"
        )


def planned_visits(plan: Result) -> tuple[PlannedVisit, ...]:
    """Every visit of ``plan`` as a :class:`PlannedVisit`."""
    return tuple(
        PlannedVisit(
            ticket_id=v.ticket_id,
            technician_id=r.technician_id,
            shift_index=r.shift_index,
            start=v.start,
            position=k,
        )
        for r in plan.routes
        for k, v in enumerate(r.visits)
    )


def committed_visits(plan: Result, now: int, freeze: int = 0) -> frozenset[str]:
    """Visits that can no longer change: started, being driven to, or inside the freeze."""
    out: set[str] = set()
    for route in plan.routes:
        leave = route.start
        for visit in route.visits:
            started = visit.start <= now
            en_route = leave <= now and route.start <= now
            if not (started or en_route or visit.start < now + freeze):
                break
            out.add(visit.ticket_id)
            leave = visit.end
    return frozenset(out)


def _clip_windows(windows: Sequence[TimeWindow], now: int, horizon: int) -> tuple[TimeWindow, ...]:
    if not windows:
        return (TimeWindow(start=now, end=max(now, horizon)),)
    return tuple(TimeWindow(start=max(w.start, now), end=w.end) for w in windows if w.end >= now)


def _pinned_ticket(ticket: Ticket, pin: Pin, now: int, k: int) -> Ticket:
    record = f"pins[{k}] {pin.ticket_id!r}"
    windows = ticket.time_windows
    if pin.start is not None:
        if pin.start < now:
            raise InputError(record, f"start {fmt_clock(pin.start)} is before now {fmt_clock(now)}")
        windows = (TimeWindow(start=pin.start, end=pin.start),)
    elif pin.earliest is not None or pin.latest is not None:
        lo = now if pin.earliest is None else max(pin.earliest, now)
        hi = (
            pin.latest
            if pin.latest is not None
            else max(w.end for w in windows or (TimeWindow(start=lo, end=lo + 10**7),))
        )
        if hi < lo:
            raise InputError(record, f"range ends {fmt_clock(hi)}, before {fmt_clock(lo)}")
        windows = (TimeWindow(start=lo, end=hi),)
    required = ticket.required_technicians
    if pin.technician_id is not None:
        required = frozenset({pin.technician_id})
    return replace(
        ticket,
        time_windows=windows,
        required_technicians=required,
        excluded_technicians=ticket.excluded_technicians - required,
    )


def _fit_breaks(breaks: Iterable[Break], lo: int, hi: int) -> tuple[Break, ...]:
    """Breaks moved inside ``[lo, hi]`` where their window still allows; others dropped."""
    return tuple(c for c in (b.clipped(lo, hi) for b in breaks) if c is not None)


def replan(
    problem: Problem,
    plan: Result,
    *,
    now: int,
    events: Sequence[Event] = (),
    pins: Sequence[Pin] = (),
    freeze: int = 0,
    stability: StabilityCosts | None = None,
    params: SolveParams | None = None,
    warm_start: bool = True,
) -> Replan:
    """Re-plan from ``now``: keep committed visits, apply events and pins, price changes.

    Parameters
    ----------
    problem
        The problem ``plan`` was made for.
    plan
        The current plan (from :func:`~dispatchopt.solve` or read from JSON).
    now
        Current time, seconds since the problem origin.
    events
        :class:`TechnicianUnavailable`, :class:`VisitOverrun`, :class:`NewTickets`,
        :class:`CancelTicket`, applied in order.
    pins
        Dispatcher decisions to respect (on visits that are not committed).
    freeze
        Seconds after ``now`` in which no planned visit changes.
    stability
        Prices of changes (default :data:`DEFAULT_STABILITY`); ``StabilityCosts()`` (all zero)
        re-optimises freely, high prices keep the plan.
    params
        Search settings (default :class:`~dispatchopt.SolveParams`).
    warm_start
        Start the search from the current plan.

    Returns
    -------
    Replan
        The new plan, the change set and the figures around it.
    """
    stability = DEFAULT_STABILITY if stability is None else stability
    if freeze < 0:
        raise InputError("replan", f"freeze must be >= 0 seconds, got {freeze!r}")
    tickets = {t.id: t for t in problem.tickets}
    techs = {t.id: t for t in problem.technicians}
    for route in plan.routes:
        if route.technician_id not in techs:
            raise InputError("plan", f"route names unknown technician {route.technician_id!r}")
        for visit in route.visits:
            if visit.ticket_id not in tickets:
                raise InputError("plan", f"visit names unknown ticket {visit.ticket_id!r}")
    visit_of = {v.ticket_id: (r, v) for r in plan.routes for v in r.visits}
    committed = set(committed_visits(plan, now, freeze))
    durations: dict[str, int] = {}
    absences: dict[str, list[tuple[int, int | None]]] = {}
    for k, event in enumerate(events):
        record = f"events[{k}]"
        if isinstance(event, NewTickets):
            for t in event.tickets:
                if t.id in tickets:
                    raise InputError(f"{record} {t.id!r}", "ticket id already exists")
                tickets[t.id] = t
        elif isinstance(event, CancelTicket):
            if event.ticket_id not in tickets:
                raise InputError(f"{record} {event.ticket_id!r}", "unknown ticket")
            found = visit_of.get(event.ticket_id)
            if found is not None and found[1].start <= now:
                raise InputError(f"{record} {event.ticket_id!r}", "the visit has started")
            del tickets[event.ticket_id]
            committed.discard(event.ticket_id)
        elif isinstance(event, VisitOverrun):
            found = visit_of.get(event.ticket_id)
            if found is None or found[1].start > now:
                raise InputError(
                    f"{record} {event.ticket_id!r}", "only a visit that has started can overrun"
                )
            if event.end <= found[1].start:
                raise InputError(
                    f"{record} {event.ticket_id!r}",
                    f"end {fmt_clock(event.end)} is not after the visit's start "
                    f"{fmt_clock(found[1].start)}",
                )
            durations[event.ticket_id] = event.end - found[1].start
        elif isinstance(event, TechnicianUnavailable):
            if event.technician_id not in techs:
                raise InputError(f"{record} {event.technician_id!r}", "unknown technician")
            if event.end is not None and event.end <= event.start:
                raise InputError(f"{record} {event.technician_id!r}", "end is not after start")
            absences.setdefault(event.technician_id, []).append((event.start, event.end))
        else:
            raise InputError(record, f"unknown event {event!r}")
    # An absence releases the technician's visits not started when it begins.
    for tech_id, spans in absences.items():
        for route in plan.routes:
            if route.technician_id != tech_id:
                continue
            for visit in route.visits:
                for a_start, a_end in spans:
                    end = visit.start + durations.get(visit.ticket_id, visit.end - visit.start)
                    overlaps = end > a_start and (a_end is None or visit.start < a_end)
                    if overlaps and not (visit.start < a_start and visit.start <= now):
                        committed.discard(visit.ticket_id)

    horizon = max(
        (t.latest_end(k) for t in problem.technicians for k in range(len(t.shifts))), default=now
    )
    pin_of: dict[str, tuple[int, Pin]] = {}
    for k, pin in enumerate(pins):
        if pin.ticket_id not in tickets:
            raise InputError(f"pins[{k}] {pin.ticket_id!r}", "unknown ticket")
        if pin.technician_id is not None and pin.technician_id not in techs:
            raise InputError(
                f"pins[{k}] {pin.ticket_id!r}", f"unknown technician {pin.technician_id!r}"
            )
        if pin.ticket_id in committed:
            raise InputError(f"pins[{k}] {pin.ticket_id!r}", "the visit is committed already")
        pin_of[pin.ticket_id] = (k, pin)

    new_tickets: list[Ticket] = []
    passed: list[str] = []
    for t in tickets.values():
        if t.id in committed:
            route, visit = visit_of[t.id]
            new_tickets.append(
                replace(
                    t,
                    duration=durations.get(t.id, t.duration),
                    time_windows=(TimeWindow(start=visit.start, end=visit.start),),
                    required_technicians=frozenset({route.technician_id}),
                    excluded_technicians=frozenset(),
                    preferred_technicians=frozenset(),
                    unassigned_cost=COMMITTED_COST,
                )
            )
            continue
        if t.id in pin_of:
            k, pin = pin_of[t.id]
            new_tickets.append(_pinned_ticket(t, pin, now, k))
            continue
        windows = _clip_windows(t.time_windows, now, horizon)
        if not windows:
            passed.append(t.id)
            new_tickets.append(t)
        else:
            new_tickets.append(replace(t, time_windows=windows))

    new_techs = [
        _technician_from_now(problem, plan, tech, now, committed, durations, absences)
        for tech in problem.technicians
    ]
    baseline = Baseline(
        visits=tuple(
            pv
            for pv in planned_visits(plan)
            if pv.ticket_id in tickets  # committed ones too: they are part of the warm start
        ),
        costs=stability,
        warm_start=warm_start,
    )
    derived = problem.evolve(
        technicians=tuple(new_techs), tickets=tuple(new_tickets), baseline=baseline
    )
    passed_set = set(passed)
    to_solve = derived.evolve(
        tickets=tuple(t for t in new_tickets if t.id not in passed_set),
        baseline=replace(
            baseline, visits=tuple(v for v in baseline.visits if v.ticket_id not in passed_set)
        ),
    )
    result = solve(to_solve, params)
    unassigned = []
    for u in result.unassigned:
        if u.ticket_id in committed:
            u = Unassigned(
                ticket_id=u.ticket_id,
                reason="conflict",
                message="a committed visit could not be kept with the events given "
                f"({u.reason}: {u.message})",
            )
        unassigned.append(u)
    for tid in passed:
        last = tickets[tid].time_windows[-1].end
        unassigned.append(
            Unassigned(
                ticket_id=tid,
                reason="window_passed",
                message=f"its last appointment window closed at {fmt_clock(last)}, before now "
                f"{fmt_clock(now)}",
            )
        )
    order = derived.ticket_index
    unassigned.sort(key=lambda u: order[u.ticket_id])
    result = replace(
        result,
        unassigned=tuple(unassigned),
        kpis=compute_kpis(derived, result.routes, unassigned),
    )
    changes = diff_plans(problem, plan, result, stability, skip=frozenset(committed))
    return Replan(
        problem=derived,
        result=result,
        changes=changes,
        committed=frozenset(committed),
        disruption=sum(c.cost for c in changes),
        cost_before=plan_cost(problem, plan.routes),
        cost_after=plan_cost(derived, result.routes),
        unassigned_before=len(plan.unassigned),
        unassigned_after=len(result.unassigned),
        stability=stability,
    )


def _technician_from_now(
    problem: Problem,
    plan: Result,
    tech: Technician,
    now: int,
    committed: set[str],
    durations: Mapping[str, int],
    absences: Mapping[str, list[tuple[int, int | None]]],
) -> Technician:
    """The technician's shifts as they stand at ``now``."""
    routes = {r.shift_index: r for r in plan.routes if r.technician_id == tech.id}
    table = problem.location_table
    t_pos = problem.technician_index[tech.id]
    shifts = []
    for k, shift in enumerate(tech.shifts):
        route = routes.get(k)
        kept = [v for v in (route.visits if route else ()) if v.ticket_id in committed]
        overtime = tech.overtime(k)
        if kept:
            assert route is not None
            # Breaks begun or among committed visits stay put; the others from then on.
            last = kept[-1]
            busy_until = last.start + durations.get(last.ticket_id, last.end - last.start)
            fixed = tuple(
                Break(id=b.break_id, start=b.start, end=b.end, duration=b.end - b.start)
                for b in route.breaks
                if b.start <= now or b.end <= last.start
            )
            taken = {b.id for b in fixed}
            rest = _fit_breaks(
                (b for b in shift.breaks if b.id not in taken), max(now, busy_until), shift.end
            )
            new = replace(shift, breaks=tuple(sorted((*fixed, *rest), key=lambda b: b.earliest)))
            home = int(
                problem.technician_durations[t_pos][
                    int(table.ticket[problem.ticket_index[last.ticket_id]]), int(table.end[t_pos])
                ]
            )
            must_end = busy_until + home
        else:
            start = min(max(shift.start, now), shift.end)
            new = replace(shift, start=start, breaks=_fit_breaks(shift.breaks, start, shift.end))
            must_end = start
            if now >= shift.end:
                new = replace(new, max_overtime=0)
        for a_start, a_end in absences.get(tech.id, ()):
            latest = new.end + overtime
            if a_start >= latest or (a_end is not None and a_end <= new.start):
                continue
            if a_end is None or a_end >= new.end:
                # The rest of the shift is lost: end it when the absence begins.
                end = max(new.start, a_start, must_end)
                new = replace(
                    new,
                    end=end,
                    max_overtime=max(0, must_end - end),
                    breaks=_fit_breaks(new.breaks, new.start, end),
                )
            else:
                off = Break(
                    id=f"unavailable-{len(new.breaks)}",
                    start=max(a_start, must_end, new.start),
                    end=a_end,
                    duration=a_end - max(a_start, must_end, new.start),
                )
                if off.duration > 0:
                    others = tuple(
                        b
                        for b in new.breaks
                        if b.latest <= off.earliest or b.earliest >= off.latest
                    )
                    new = replace(
                        new, breaks=tuple(sorted((*others, off), key=lambda b: b.earliest))
                    )
        shifts.append(new)
    return replace(tech, shifts=tuple(shifts))


def diff_plans(
    problem: Problem,
    before: Result,
    after: Result,
    stability: StabilityCosts,
    *,
    skip: frozenset[str] = frozenset(),
) -> tuple[Change, ...]:
    """Change set from ``before`` to ``after``, each change priced with ``stability``.

    ``resequenced`` marks a visit B that now directly follows a visit A it preceded before
    (same previous route); the solver prices exactly these steps.
    """
    old = {pv.ticket_id: pv for pv in planned_visits(before)}
    new = {pv.ticket_id: pv for pv in planned_visits(after)}
    techs = problem.technician_index

    def day(pv: PlannedVisit) -> int:
        return problem.shift_day(techs[pv.technician_id], pv.shift_index)

    backwards: set[str] = set()
    for route in after.routes:
        for x, y in itertools.pairwise(route.visits):
            pa, pb = old.get(x.ticket_id), old.get(y.ticket_id)
            if (
                pa is not None
                and pb is not None
                and (pa.technician_id, pa.shift_index) == (pb.technician_id, pb.shift_index)
                and pb.position < pa.position
            ):
                backwards.add(y.ticket_id)
    out = []
    for tid in sorted(old.keys() | new.keys()):
        if tid in skip:
            continue
        b, a = old.get(tid), new.get(tid)
        kinds: list[str] = []
        cost = 0.0
        if b is not None and a is None:
            kinds.append("newly_unassigned")
            cost += stability.unassign
        elif b is None and a is not None:
            kinds.append("newly_assigned")
        elif b is not None and a is not None:
            if a.technician_id != b.technician_id:
                kinds.append("reassigned")
                cost += stability.reassign
            if day(a) != day(b):
                kinds.append("moved_day")
                cost += stability.move_day
            shift = abs(a.start - b.start) - stability.retime_tolerance
            if shift > 0:
                kinds.append("retimed")
                cost += stability.retime_per_hour * shift / 3600.0
            if tid in backwards:
                kinds.append("resequenced")
                cost += stability.resequence
        if kinds:
            kinds.sort(key=CHANGE_KINDS.index)
            out.append(
                Change(
                    ticket_id=tid, kind=kinds[0], kinds=tuple(kinds), before=b, after=a, cost=cost
                )
            )
    return tuple(out)


@dataclass(frozen=True, kw_only=True)
class RepairedCandidate:
    """An insertion candidate after a short re-optimisation around it."""

    candidate: Candidate
    replan: Replan
    marginal_cost: float
    """Operating cost after the repair minus before the insertion, plus the disruption
    against the plan before the insertion."""


def repair_candidates(
    problem: Problem,
    plan: Result,
    ticket_id: str,
    *,
    now: int,
    top: int = 3,
    stability: StabilityCosts | None = None,
    params: SolveParams | None = None,
) -> tuple[RepairedCandidate, ...]:
    """Cheapest insertion per technician, then a short repair for the best ``top`` of them.

    Each of the ``top`` technicians' best insertion is applied, the ticket pinned to that
    technician, and the day re-planned from ``now`` starting from that plan (warm start)
    with ``params`` (default: 1 s). The result is re-ranked by operating cost change plus
    disruption, so a technician whose insertion looked dear but frees up with a small
    reshuffle can come first.
    """
    params = params or SolveParams(time_limit=1.0)
    stability = DEFAULT_STABILITY if stability is None else stability
    base_cost = plan_cost(problem, plan.routes)
    out = []
    for cand in insertion_candidates(problem, plan, ticket_id).by_technician()[:top]:
        inserted = apply_candidate(problem, plan, cand, ticket_id)
        rp = replan(
            problem,
            inserted,
            now=now,
            pins=[]
            if ticket_id in committed_visits(inserted, now)
            else [Pin(ticket_id=ticket_id, technician_id=cand.technician_id)],
            stability=stability,
            params=params,
        )
        # Disruption against the plan before the insertion (the insertion's own pushes count).
        moved = diff_plans(problem, plan, rp.result, stability, skip=rp.committed | {ticket_id})
        out.append(
            RepairedCandidate(
                candidate=cand,
                replan=rp,
                marginal_cost=rp.cost_after - base_cost + sum(c.cost for c in moved),
            )
        )
    out.sort(key=lambda r: r.marginal_cost)
    return tuple(out)
