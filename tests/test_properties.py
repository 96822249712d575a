"""Property: on random small problems every ticket is scheduled once or unassigned with a reason,
and the independent validator finds no violated hard constraint."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatchopt import (
    Break,
    Location,
    MatrixTravel,
    Problem,
    Shift,
    SolveParams,
    Technician,
    Ticket,
    TimeWindow,
    solve,
)
from tests.conftest import MIN, ORIGIN, H, assert_valid

SKILLS = ("a", "b")
PARTS = ("p", "q")


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """A random problem: up to 3 technicians (some with 2 shifts), up to 8 tickets."""
    n_places = draw(st.integers(2, 7))
    xy = np.array(
        draw(
            st.lists(
                st.tuples(st.integers(0, 6), st.integers(0, 6)),
                min_size=n_places,
                max_size=n_places,
            )
        )
    )
    steps = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2)
    travel = MatrixTravel(durations=steps * 7 * MIN, distances=steps * 900)
    place = st.integers(0, n_places - 1)

    def amounts(keys, lo, hi):
        return st.dictionaries(st.sampled_from(keys), st.integers(lo, hi), max_size=2)

    techs = []
    for k in range(draw(st.integers(1, 3))):
        shifts = []
        day_count = draw(st.integers(1, 2))
        for d in range(day_count):
            start = d * 24 * H + draw(st.integers(6, 10)) * H
            end = start + draw(st.integers(2, 10)) * H
            breaks: tuple[Break, ...] = ()
            if draw(st.booleans()) and end - start >= 2 * H:
                b_start = start + draw(st.integers(0, (end - start) // H - 2)) * H
                windows = [(b_start, b_start + 2 * H)]
                if end - windows[0][1] >= 2 * H and draw(st.booleans()):
                    later = windows[0][1] + draw(st.integers(1, (end - windows[0][1]) // H - 1)) * H
                    windows.append((later, min(end, later + H)))
                breaks = (
                    Break(
                        windows=tuple(windows),
                        duration=draw(st.sampled_from([15, 30, 60])) * MIN,
                        id="lunch",
                    ),
                )
            shifts.append(Shift(start=start, end=end, breaks=breaks))
        techs.append(
            Technician(
                id=f"K{k}",
                start=Location(index=draw(place)),
                end=Location(index=draw(place)),
                shifts=tuple(shifts),
                skills=draw(amounts(SKILLS, 1, 2)),
                stock=draw(amounts(PARTS, 0, 2)),
                capacity=draw(st.dictionaries(st.just("kg"), st.integers(0, 50), max_size=1)),
                max_jobs=draw(st.none() | st.integers(0, 4)),
                max_working_time=draw(st.none() | st.integers(1, 8).map(lambda h: h * H)),
                max_travel_time=draw(st.none() | st.integers(0, 4).map(lambda h: h * H)),
                max_busy_time=draw(st.none() | st.integers(1, 6).map(lambda h: h * H)),
                max_distance=draw(st.none() | st.integers(0, 20).map(lambda k: k * 1000)),
                max_overtime=draw(st.sampled_from([0, 0, H])),
                speed_factor=draw(st.sampled_from([1.0, 1.0, 0.7, 1.3])),
                open_start=draw(st.integers(0, 4)) == 0,
                open_end=draw(st.integers(0, 4)) == 0,
                overtime_cost_per_hour=draw(st.sampled_from([0.0, 40.0])),
                cost_per_hour=draw(st.sampled_from([0.0, 30.0])),
                cost_per_km=draw(st.sampled_from([0.0, 0.5])),
                fixed_cost=draw(st.sampled_from([0.0, 100.0])),
            )
        )
    ids = [t.id for t in techs]
    tickets = []
    for i in range(draw(st.integers(0, 8))):
        windows: list[TimeWindow] = []
        cursor = draw(st.integers(6, 12)) * H
        for _ in range(draw(st.integers(0, 2))):
            length = draw(st.integers(0, 4)) * H
            windows.append(TimeWindow(start=cursor, end=cursor + length))
            cursor += length + draw(st.integers(1, 4)) * H
        required = (
            frozenset(draw(st.lists(st.sampled_from(ids), max_size=1)))
            if draw(st.integers(0, 5)) == 0
            else frozenset()
        )
        excluded = (
            frozenset(draw(st.lists(st.sampled_from(ids), max_size=1))) - required
            if draw(st.integers(0, 5)) == 0
            else frozenset()
        )
        tickets.append(
            Ticket(
                id=f"T{i}",
                location=Location(index=draw(place)),
                duration=draw(st.integers(0, 8)) * 15 * MIN,
                time_windows=tuple(windows),
                due_by=draw(st.none() | st.integers(8, 18).map(lambda h: h * H)),
                priority=draw(st.integers(0, 4)),
                skills=draw(amounts(SKILLS, 1, 2)),
                parts=draw(amounts(PARTS, 1, 2)),
                load=draw(st.dictionaries(st.just("kg"), st.integers(0, 30), max_size=1)),
                pickup=draw(st.dictionaries(st.just("kg"), st.integers(0, 30), max_size=1)),
                required_technicians=required,
                excluded_technicians=excluded,
                preferred_technicians=frozenset(draw(st.lists(st.sampled_from(ids), max_size=1))),
            )
        )
    return Problem(technicians=tuple(techs), tickets=tuple(tickets), origin=ORIGIN, travel=travel)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_random_problems_plan_validly(problem: Problem) -> None:
    """Every ticket appears once (routed or unassigned with a reason); no hard constraint broken."""
    result = solve(problem, SolveParams(time_limit=3, solution_limit=30))
    assert result.is_feasible()
    assert_valid(problem, result)
