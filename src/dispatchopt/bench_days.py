"""``dispatchopt bench-days``: generated field-service days, ours against VROOM side by side.

Each day comes from :func:`~dispatchopt.generate.generate` and is reduced to what VROOM can
express (:func:`expressible`: no SLA due-by times, no preferred technicians, no overtime, no
working-time limits; skills with levels, technician rules, windows, breaks, van stock,
capacity, priorities and costs stay). Both solvers get the same day and the same time limit in
the same run; both plans are checked by the independent validator and priced by
:func:`~dispatchopt.result.plan_cost` (fixed + hourly + per-km costs), so the columns are
measured the same way.
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from dispatchopt.errors import InputError
from dispatchopt.generate import generate
from dispatchopt.models.problem import Problem
from dispatchopt.models.ticket import Priority
from dispatchopt.params import SolveParams
from dispatchopt.result import Result, plan_cost
from dispatchopt.solve import solve
from dispatchopt.validate import validate


def expressible(problem: Problem) -> Problem:
    """``problem`` without what VROOM cannot express (see the module docstring)."""
    techs = tuple(
        replace(
            t,
            max_overtime=0,
            max_working_time=None,
            max_busy_time=None,
            shifts=tuple(replace(s, max_overtime=None) for s in t.shifts),
        )
        for t in problem.technicians
    )
    tickets = tuple(
        replace(t, due_by=None, preferred_technicians=frozenset()) for t in problem.tickets
    )
    return problem.evolve(technicians=techs, tickets=tickets)


@dataclass(frozen=True, kw_only=True, slots=True)
class DaySide:
    """One solver's plan for one day."""

    solver: str
    assigned: int
    unassigned_by_priority: tuple[int, ...]
    """Unassigned tickets per priority, LOW..CRITICAL."""
    cost: float
    travel_hours: float
    violations: int
    runtime: float


@dataclass(frozen=True, kw_only=True, slots=True)
class DayRow:
    """One generated day and every solver's outcome on it."""

    day: str
    tickets: int
    technicians: int
    sides: tuple[DaySide, ...]

    def side(self, solver: str) -> DaySide | None:
        """The outcome of ``solver`` (None if it was not run)."""
        return next((s for s in self.sides if s.solver == solver), None)


def _side(solver: str, problem: Problem, result: Result, runtime: float) -> DaySide:
    return DaySide(
        solver=solver,
        assigned=result.kpis.assigned,
        unassigned_by_priority=result.kpis.unassigned_by_priority,
        cost=plan_cost(problem, result.routes),
        travel_hours=result.kpis.travel_time / 3600.0,
        violations=len(validate(problem, result)),
        runtime=runtime,
    )


def priority_verdict(ours: DaySide, other: DaySide) -> str:
    """Who leaves fewer tickets out at the highest priority where the two differ.

    ``"ours:N"``: we leave fewer normal-priority tickets out (and as many of every higher
    priority); ``"theirs:H"``: ``other`` leaves fewer high-priority ones out; ``"="``: the same
    count at every priority. This is the order our objective follows (a ticket outweighs all
    lower-priority tickets together).
    """
    for priority in reversed(Priority):
        a = ours.unassigned_by_priority[priority]
        b = other.unassigned_by_priority[priority]
        if a != b:
            return f"{'ours' if a < b else 'theirs'}:{priority.name[0]}"
    return "="


def summarize_days(rows: Sequence[DayRow], reference: str) -> str:
    """One line for ``reference``: on how many days we are cheaper, cheaper with no more
    tickets unassigned, and ahead or behind by priority (:func:`priority_verdict`)."""
    pairs = [
        (ours, other)
        for row in rows
        if (ours := row.side("dispatchopt")) is not None
        and (other := row.side(reference)) is not None
    ]
    cheaper = sum(1 for ours, other in pairs if ours.cost < other.cost)
    both = sum(
        1 for ours, other in pairs if ours.cost < other.cost and ours.assigned >= other.assigned
    )
    verdicts = [priority_verdict(ours, other) for ours, other in pairs]
    ahead = sum(1 for v in verdicts if v.startswith("ours"))
    behind = sum(1 for v in verdicts if v.startswith("theirs"))
    return (
        f"against {reference} on {len(pairs)} days: cheaper on {cheaper}, cheaper with as many "
        f"tickets or more on {both}; by priority ahead on {ahead}, behind on {behind}, "
        f"level on {len(pairs) - ahead - behind}"
    )


def parse_size(text: str) -> tuple[int, int]:
    """``"300x30"`` -> 300 tickets, 30 technicians."""
    match = re.fullmatch(r"(\d+)x(\d+)", text.strip())
    if not match:
        raise InputError(
            "bench-days", f"size must look like 300x30 (tickets x technicians), got {text!r}"
        )
    return int(match.group(1)), int(match.group(2))


def run_days(
    sizes: Sequence[tuple[int, int]],
    params: SolveParams,
    *,
    seeds: int = 1,
    references: Sequence[str] = (),
    progress: bool = True,
) -> list[DayRow]:
    """Solve each generated day (sizes x seeds) with ours and each reference, same limit."""
    rows = []
    for n, m in sizes:
        for seed in range(seeds):
            problem = expressible(generate(n, m, seed=seed))
            started = time.perf_counter()
            ours = solve(problem, replace(params, seed=seed))
            sides = [_side("dispatchopt", problem, ours, time.perf_counter() - started)]
            for name in references:
                if name != "vroom":
                    raise InputError("--reference", f"bench-days supports vroom, got {name!r}")
                from dispatchopt.bench_reference import solve_vroom_problem

                limit = params.time_limit if params.time_limit is not None else 60.0
                theirs = solve_vroom_problem(problem, limit)
                sides.append(_side("vroom", problem, theirs, theirs.runtime))
            row = DayRow(day=f"{n}x{m}#{seed}", tickets=n, technicians=m, sides=tuple(sides))
            rows.append(row)
            if progress:
                print(format_days([row], header=False), flush=True)
    return rows


def format_days(rows: Sequence[DayRow], *, header: bool = True) -> str:
    """A plain-text table: per day and solver, assigned, unassigned by priority, cost; for a
    reference, its cost against ours and who is ahead by priority (:func:`priority_verdict`)."""
    lines = []
    if header:
        lines.append(
            f"{'day':<12} {'solver':<12} {'assigned':>8} {'unassigned L/N/H/U/C':>20} "
            f"{'cost':>10} {'travel h':>9} {'viol':>5} {'time s':>7} {'vs ours':>8} "
            f"{'priority':>9}"
        )
    for row in rows:
        ours = row.side("dispatchopt")
        for s in row.sides:
            ratio = verdict = ""
            if ours is not None and s is not ours:
                verdict = priority_verdict(ours, s)
                if ours.cost:
                    ratio = f"{100.0 * (s.cost - ours.cost) / ours.cost:+.2f}%"
            lines.append(
                f"{row.day:<12} {s.solver:<12} {s.assigned:>8} "
                f"{'/'.join(map(str, s.unassigned_by_priority)):>20} {s.cost:>10.1f} "
                f"{s.travel_hours:>9.2f} {s.violations:>5} {s.runtime:>7.1f} {ratio:>8} "
                f"{verdict:>9}"
            )
    return "\n".join(lines)


def write_days_csv(rows: Sequence[DayRow], path: Path) -> None:
    """One line per day and solver."""
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["day", "tickets", "technicians", "solver", "assigned"]
            + [f"unassigned_{p.name.lower()}" for p in Priority]
            + ["cost", "travel_hours", "violations", "runtime"]
        )
        for row in rows:
            for s in row.sides:
                out.writerow(
                    [
                        row.day,
                        row.tickets,
                        row.technicians,
                        s.solver,
                        s.assigned,
                        *s.unassigned_by_priority,
                        f"{s.cost:.2f}",
                        f"{s.travel_hours:.3f}",
                        s.violations,
                        f"{s.runtime:.2f}",
                    ]
                )
