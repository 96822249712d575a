"""Pre-solve diagnosis: which technician shifts could ever serve each ticket, and if none, why.

Filters run in a fixed order (skills, technician rules, parts, load, max jobs, shift hours,
travel reachability, working time) and the first one that leaves nobody names the reason.
Everything is vectorised over tickets x technicians (or x shifts) with numpy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dispatchopt.models.problem import Problem
from dispatchopt.result import Route, Unassigned
from dispatchopt.timefmt import fmt_clock, fmt_duration

BoolMatrix = npt.NDArray[np.bool_]

#: Reason codes, in the order the filters are applied.
REASONS = (
    "no_technicians",
    "skills",
    "technician_rules",
    "parts",
    "load",
    "max_tasks",
    "unusable_shifts",
    "outside_shifts",
    "unreachable",
    "max_working_time",
    "max_travel_time",
    "max_busy_time",
    "max_distance",
)


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Which vehicles (technician shifts) may serve each ticket.

    ``allowed[i, v]`` is True when vehicle ``v`` passes every pre-solve check for ticket ``i``;
    ``reasons`` holds an :class:`Unassigned` for each ticket no vehicle can serve.
    """

    allowed: BoolMatrix
    reasons: Mapping[int, Unassigned]
    usable: npt.NDArray[np.bool_] | None = None
    """Per vehicle: can the shift drive from its start to its end location at all?"""


def _amount_matrix(
    names: Sequence[str], records: Sequence[Mapping[str, int]]
) -> npt.NDArray[np.int64]:
    col = {n: j for j, n in enumerate(names)}
    out = np.zeros((len(records), len(names)), dtype=np.int64)
    for i, amounts in enumerate(records):
        for key, qty in amounts.items():
            out[i, col[key]] = qty
    return out


def _covers(need: npt.NDArray[np.int64], have: npt.NDArray[np.int64]) -> BoolMatrix:
    """``out[i, t]``: technician ``t``'s amounts cover ticket ``i``'s needs in every column."""
    if need.shape[1] == 0:
        return np.ones((need.shape[0], have.shape[0]), dtype=bool)
    covered: BoolMatrix = np.all(have[None, :, :] >= need[:, None, :], axis=2)
    return covered


def _shortfall_text(
    label: str,
    names: Sequence[str],
    need: npt.NDArray[np.int64],
    have: npt.NDArray[np.int64],
    pool: npt.NDArray[np.bool_],
    tech_ids: Sequence[str],
) -> str:
    """Say which of a ticket's needs nobody in ``pool`` meets, with the best on offer."""
    missing = []
    for j in np.flatnonzero(need):
        levels = np.where(pool, have[:, j], -1)
        if levels.max(initial=-1) < need[j]:
            best = int(levels.argmax()) if pool.any() else -1
            best_id = tech_ids[best] if best >= 0 else ""
            best_text = (
                f" (best: {levels[best]} with {best_id})" if best >= 0 and levels[best] > 0 else ""
            )
            missing.append(f"{label} {names[int(j)]!r} >= {need[j]}{best_text}")
    return "; ".join(missing) or f"no technician meets the {label} needs together"


Check = tuple[str, BoolMatrix, Callable[[int, BoolMatrix], str]]


def _filter(
    pool: BoolMatrix, checks: Sequence[Check], problem: Problem, reasons: dict[int, Unassigned]
) -> BoolMatrix:
    """Apply checks in order; the first that empties a ticket's pool records the reason."""
    for code, ok, describe in checks:
        after = pool & ok
        for k in np.flatnonzero(pool.any(axis=1) & ~after.any(axis=1)):
            idx = int(k)
            reasons[idx] = Unassigned(
                ticket_id=problem.tickets[idx].id, reason=code, message=describe(idx, pool[idx])
            )
        pool = after
    return pool


def duration_groups(
    problem: Problem, veh_tech: npt.NDArray[np.int64]
) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
    """Vehicles grouped by the duration matrix they drive on (one group per speed factor):
    ``(matrix, positions in veh_tech)``."""
    groups: dict[int, tuple[npt.NDArray[np.int64], list[int]]] = {}
    for k, t in enumerate(veh_tech):
        mat = problem.technician_durations[int(t)]
        groups.setdefault(id(mat), (mat, []))[1].append(k)
    return [(mat, np.array(cols, dtype=np.int64)) for mat, cols in groups.values()]


def compute_eligibility(problem: Problem) -> Eligibility:
    """Run the pre-solve checks for every ticket against every technician shift."""
    tickets = problem.tickets
    techs = problem.technicians
    n, m = len(tickets), len(techs)
    tech_ids = [t.id for t in techs]
    tech_pos = problem.technician_index

    def names_of(attr: str, *, tech_attr: str) -> list[str]:
        keys = {k for t in tickets for k in getattr(t, attr)}
        keys |= {k for t in techs for k in getattr(t, tech_attr)}
        return sorted(keys)

    if not problem.vehicles:
        none = {
            i: Unassigned(
                ticket_id=t.id,
                reason="no_technicians",
                message="there are no technician shifts to plan",
            )
            for i, t in enumerate(tickets)
        }
        return Eligibility(allowed=np.zeros((n, 0), dtype=bool), reasons=none)

    checks: list[Check] = []

    for attr, tech_attr, label, code in (
        ("skills", "skills", "skill", "skills"),
        ("parts", "stock", "part", "parts"),
        ("load", "capacity", "load", "load"),
        ("pickup", "capacity", "capacity for a pickup of", "load"),
    ):
        names = names_of(attr, tech_attr=tech_attr)
        need = _amount_matrix(names, [getattr(t, attr) for t in tickets])
        have = _amount_matrix(names, [getattr(t, tech_attr) for t in techs])
        ok = _covers(need, have)

        def explain(
            i: int,
            pool: BoolMatrix,
            label: str = label,
            names: list[str] = names,
            need: npt.NDArray[np.int64] = need,
            have: npt.NDArray[np.int64] = have,
        ) -> str:
            return "no eligible technician has " + _shortfall_text(
                label, names, need[i], have, pool, tech_ids
            )

        checks.append((code, ok, explain))
        if code == "skills":
            rules = np.ones((n, m), dtype=bool)
            for i, t in enumerate(tickets):
                if t.required_technicians:
                    rules[i] = False
                    rules[i, [tech_pos[x] for x in t.required_technicians]] = True
                if t.excluded_technicians:
                    rules[i, [tech_pos[x] for x in t.excluded_technicians]] = False

            def explain_rules(i: int, pool: BoolMatrix) -> str:
                t = tickets[i]
                if t.required_technicians:
                    return (
                        f"only {sorted(t.required_technicians)} may do it and none of them "
                        "passes the skill check"
                    )
                excluded = sorted(t.excluded_technicians)
                return f"every technician with the skills is excluded ({excluded})"

            checks.append(("technician_rules", rules, explain_rules))

    max_jobs_ok = np.array([t.max_jobs is None or t.max_jobs > 0 for t in techs], dtype=bool)
    checks.append(
        (
            "max_tasks",
            np.broadcast_to(max_jobs_ok, (n, m)),
            lambda i, pool: "every eligible technician has max_jobs = 0",
        ),
    )

    # Technician-level filter first; then per vehicle (shift) timing.
    reasons: dict[int, Unassigned] = {}
    tech_ok = _filter(np.ones((n, m), dtype=bool), checks, problem, reasons)

    vehicles = problem.vehicles
    veh_tech = np.array([v.technician for v in vehicles], dtype=np.int64)
    allowed = tech_ok[:, veh_tech] if vehicles else np.zeros((n, 0), dtype=bool)

    table = problem.location_table
    shifts = [techs[v.technician].shifts[v.shift] for v in vehicles]
    sh_start = np.array([s.start for s in shifts], dtype=np.int64)
    end_limit = np.array(
        [techs[v.technician].latest_end(v.shift) for v in vehicles],
        dtype=np.int64,
    )
    mwt = np.array(
        [
            techs[v.technician].max_working_time
            if techs[v.technician].max_working_time is not None
            else np.iinfo(np.int64).max // 4
            for v in vehicles
        ],
        dtype=np.int64,
    )
    # Drive to the site and back (n x V), and straight home (V), at each technician's speed.
    to_site = np.empty((n, len(vehicles)), dtype=np.int64)
    back = np.empty((n, len(vehicles)), dtype=np.int64)
    direct = np.empty(len(vehicles), dtype=np.int64)
    for dur, cols in duration_groups(problem, veh_tech):
        vt = veh_tech[cols]
        to_site[:, cols] = dur[np.ix_(table.start[vt], table.ticket)].T
        back[:, cols] = dur[np.ix_(table.ticket, table.end[vt])]
        direct[cols] = dur[table.start[vt], table.end[vt]]
    service = np.array([t.duration for t in tickets], dtype=np.int64)[:, None]
    big = np.iinfo(np.int64).max // 4
    n_windows = max((len(t.time_windows) for t in tickets), default=0)
    overlap = np.zeros_like(allowed)
    reach = np.zeros_like(allowed)
    for w_k in range(max(n_windows, 1)):
        ws = np.array(
            [
                t.time_windows[w_k].start
                if w_k < len(t.time_windows)
                else (-big if not t.time_windows else big)
                for t in tickets
            ],
            dtype=np.int64,
        )[:, None]
        we = np.array(
            [
                t.time_windows[w_k].end
                if w_k < len(t.time_windows)
                else (big if not t.time_windows else -big)
                for t in tickets
            ],
            dtype=np.int64,
        )[:, None]
        s0 = np.maximum(ws, sh_start[None, :])
        overlap |= (s0 <= we) & (s0 + service <= end_limit[None, :])
        s1 = np.maximum(ws, sh_start[None, :] + to_site)
        reach |= (s1 <= we) & (s1 + service + back <= end_limit[None, :])
    short_enough = (to_site + service + back) <= mwt[None, :]
    dist = problem.travel_matrices.distance
    huge = np.iinfo(np.int64).max // 4

    def limit(attr: str) -> npt.NDArray[np.int64]:
        values = [getattr(techs[v.technician], attr) for v in vehicles]
        return np.array([huge if x is None else x for x in values], dtype=np.int64)

    drive_ok = (to_site + back) <= limit("max_travel_time")[None, :]
    busy_ok = (to_site + service + back) <= limit("max_busy_time")[None, :]
    km = (
        dist[np.ix_(table.start[veh_tech], table.ticket)].T
        + dist[np.ix_(table.ticket, table.end[veh_tech])]
    )
    km_ok = km <= limit("max_distance")[None, :]
    direct_km = dist[table.start[veh_tech], table.end[veh_tech]]
    usable = (
        (sh_start + direct <= end_limit)
        & (direct <= mwt)
        & (direct <= limit("max_travel_time"))
        & (direct <= limit("max_busy_time"))
        & (direct_km <= limit("max_distance"))
    )

    def vehicle_names(row: BoolMatrix) -> str:
        names = sorted({tech_ids[veh_tech[v]] for v in np.flatnonzero(row)})
        return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")

    def windows_text(i: int) -> str:
        t = tickets[i]
        if not t.time_windows:
            return "any time"
        return ", ".join(f"{fmt_clock(w.start)}-{fmt_clock(w.end)}" for w in t.time_windows)

    timing: tuple[Check, ...] = (
        (
            "unusable_shifts",
            np.broadcast_to(usable, allowed.shape),
            lambda i, pool: (
                f"the shifts of the eligible technicians ({vehicle_names(pool)}) are too short "
                "to even drive from their start to their end location"
            ),
        ),
        (
            "outside_shifts",
            overlap,
            lambda i, pool: (
                f"a {fmt_duration(tickets[i].duration)} job starting {windows_text(i)} fits in "
                f"no shift of the eligible technicians ({vehicle_names(pool)})"
            ),
        ),
        (
            "unreachable",
            reach,
            lambda i, pool: (
                f"none of the eligible technicians ({vehicle_names(pool)}) can travel "
                f"there, start within {windows_text(i)} and get back before shift end"
            ),
        ),
        (
            "max_working_time",
            short_enough,
            lambda i, pool: (
                f"the round trip plus service is longer than the max working time of "
                f"every eligible technician ({vehicle_names(pool)})"
            ),
        ),
        (
            "max_travel_time",
            drive_ok,
            lambda i, pool: (
                f"the drive there and back exceeds the max travel time of every eligible "
                f"technician ({vehicle_names(pool)})"
            ),
        ),
        (
            "max_busy_time",
            busy_ok,
            lambda i, pool: (
                f"the drive there and back plus service exceeds the max busy time of every "
                f"eligible technician ({vehicle_names(pool)})"
            ),
        ),
        (
            "max_distance",
            km_ok,
            lambda i, pool: (
                f"the distance there and back exceeds the max distance of every eligible "
                f"technician ({vehicle_names(pool)})"
            ),
        ),
    )
    allowed = _filter(allowed, timing, problem, reasons)
    return Eligibility(allowed=np.ascontiguousarray(allowed), reasons=reasons, usable=usable)


def eligible_technicians(problem: Problem, allowed_row: BoolMatrix) -> list[str]:
    """Ids of the technicians owning any allowed vehicle in ``allowed_row``."""
    seen: dict[str, None] = {}
    for v in np.flatnonzero(allowed_row):
        seen[problem.technicians[problem.vehicles[v].technician].id] = None
    return list(seen)


def no_room(problem: Problem, eligibility: Eligibility, ticket: int) -> Unassigned:
    """Why ``ticket`` (eligible for some vehicle) is not on a route: ``no_capacity``."""
    names = eligible_technicians(problem, eligibility.allowed[ticket])
    return Unassigned(
        ticket_id=problem.tickets[ticket].id,
        reason="no_capacity",
        message=(
            f"eligible technicians ({', '.join(names[:5])}"
            f"{' and more' if len(names) > 5 else ''}) had no room for it within "
            "their shifts, its time windows and the higher-priority or cheaper work planned"
        ),
    )


def unassigned_of(
    problem: Problem, eligibility: Eligibility, routes: Sequence[Route]
) -> list[Unassigned]:
    """Every ticket on none of ``routes``, in ticket order, with its reason: the rule that
    rules it out (``eligibility.reasons``), else :func:`no_room`."""
    served = {v.ticket_id for r in routes for v in r.visits}
    return [
        eligibility.reasons.get(i) or no_room(problem, eligibility, i)
        for i, t in enumerate(problem.tickets)
        if t.id not in served
    ]
