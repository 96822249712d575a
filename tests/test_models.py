"""Bad input is rejected on construction with an error naming the record and the field."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dispatchopt import (
    Break,
    HaversineTravel,
    InputError,
    Location,
    MatrixTravel,
    ObjectiveWeights,
    Priority,
    Problem,
    Shift,
    SolveParams,
    Technician,
    Ticket,
    TimeWindow,
)
from dispatchopt.models.ticket import earliest_start, latest_start
from tests.conftest import ORIGIN, H, make_problem, tech, ticket


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda: TimeWindow(start=9 * H, end=8 * H), "end 08:00 is before start 09:00"),
        (
            lambda: ticket("T-1", 1, duration=-5),
            "ticket 'T-1': duration must be whole seconds >= 0",
        ),
        (lambda: ticket("T-1", 1, priority="vip"), "ticket 'T-1': priority must be one of"),
        (
            lambda: ticket("T-1", 1, skills={"hvac": 0}),
            "ticket 'T-1': skills['hvac'] must be an integer >= 1",
        ),
        (
            lambda: ticket("T-1", 1, parts={"filter": 1.5}),
            "ticket 'T-1': parts['filter'] must be an integer",
        ),
        (
            lambda: ticket(
                "T-1",
                1,
                required_technicians=frozenset({"A"}),
                excluded_technicians=frozenset({"A"}),
            ),
            "ticket 'T-1': technician(s) ['A'] are both required and excluded",
        ),
        (
            lambda: ticket(
                "T-1",
                1,
                time_windows=(
                    TimeWindow(start=8 * H, end=10 * H),
                    TimeWindow(start=9 * H, end=11 * H),
                ),
            ),
            "ticket 'T-1': time windows 08:00-10:00 and 09:00-11:00 overlap",
        ),
        (lambda: ticket("", 1), "ticket: id must be a non-empty string"),
        (lambda: Location(lat=95.0, lon=0.0), "lat 95.0 is outside [-90, 90]"),
        (lambda: Location(lat=45.0), "lat and lon must be given together"),
        (lambda: Location(), "needs lat/lon or a matrix index"),
        (lambda: Shift(start=17 * H, end=8 * H), "shift: end 08:00 is before start 17:00"),
        (
            lambda: Break(start=12 * H, end=12 * H + 600, duration=1800, id="lunch"),
            "break 'lunch': window 12:00-12:10 is shorter than its duration 30min",
        ),
        (
            lambda: Shift(
                start=8 * H, end=12 * H, breaks=(Break(start=13 * H, end=14 * H, duration=600),)
            ),
            "break 'break' window 13:00-14:00 is not inside the shift 08:00-12:00",
        ),
        (
            lambda: Break(windows=((11 * H, 12 * H), (12 * H, 12 * H + 600)), duration=1800),
            "break 'break': windows[1] 12:00-12:10 is shorter than its duration 30min",
        ),
        (
            lambda: Break(windows=((11 * H, 13 * H), (12 * H, 14 * H)), duration=1800),
            "break 'break': windows[1] 12:00-14:00 overlaps the window before",
        ),
        (
            lambda: Break(start=11 * H, end=13 * H, windows=((11 * H, 13 * H),), duration=60),
            "break 'break': give either start/end or windows, not both",
        ),
        (lambda: Break(duration=60), "break 'break': needs start and end (or windows)"),
        (
            lambda: tech("A", speed_factor=0),
            "technician 'A': speed_factor must be a number in (0, 5], got 0",
        ),
        (
            lambda: Technician(id="A", shifts=(Shift(start=0, end=H),)),
            "technician 'A': start is missing (give a location, or open_start)",
        ),
        (
            lambda: Technician(id="A", shifts=(Shift(start=0, end=H),), open_start=True),
            "technician 'A': end is missing (the start is open; give an end)",
        ),
        (lambda: tech("A", max_jobs=-1), "technician 'A': max_jobs must be an integer >= 0"),
        (
            lambda: tech("A", cost_per_hour=float("nan")),
            "technician 'A': cost_per_hour must be a number >= 0",
        ),
        (
            lambda: tech("A", stock={"filter": -1}),
            "technician 'A': stock['filter'] must be an integer >= 0",
        ),
        (lambda: HaversineTravel(speed_kmh=0), "speed_kmh must be > 0"),
        (
            lambda: MatrixTravel(durations=[[0, 1], [1, 0], [2, 2]]),
            "durations must be a square matrix",
        ),
        (lambda: MatrixTravel(durations=[[0, -1], [1, 0]]), "durations[0][1] is negative"),
        (lambda: ObjectiveWeights(preference_cost=-1.0), "preference_cost must be >= 0"),
        (lambda: SolveParams(time_limit=-1), "time_limit must be > 0"),
        (lambda: SolveParams(first_solution="MAGIC"), "first_solution 'MAGIC' is not one of"),
        (lambda: SolveParams(ruin_string=0), "ruin_string must be an integer >= 1, got 0"),
        (lambda: SolveParams(ruin_visits=2.5), "ruin_visits must be an integer >= 1, got 2.5"),
    ],
)
def test_bad_record_names_record_and_field(build: Any, expected: str) -> None:
    """Each kind of bad record raises InputError whose text names the record and field."""
    with pytest.raises(InputError) as info:
        build()
    assert expected in str(info.value)


def test_duplicate_ticket_id_names_both_positions() -> None:
    """A duplicated ticket id names the list position of the copy and of the original."""
    with pytest.raises(InputError, match=r"tickets\[1\] 'T-1': id is already used by tickets\[0\]"):
        make_problem([tech("A")], [ticket("T-1", 1), ticket("T-1", 2)])


def test_duplicate_technician_id() -> None:
    """A duplicated technician id is rejected."""
    with pytest.raises(InputError, match=r"technicians\[1\] 'A': id is already used"):
        make_problem([tech("A"), tech("A")], [])


def test_unknown_technician_reference() -> None:
    """A ticket naming an unknown technician is rejected with the ticket's position."""
    with pytest.raises(
        InputError,
        match=r"tickets\[0\] 'T-1': required_technicians names unknown technician\(s\) \['Z'\]",
    ):
        make_problem([tech("A")], [ticket("T-1", 1, required_technicians=frozenset({"Z"}))])


def test_matrix_index_out_of_range() -> None:
    """A location index outside the travel matrix is rejected with the ticket's position."""
    with pytest.raises(
        InputError, match=r"tickets\[0\] 'T-1': location matrix index 12 is outside the 10x10"
    ):
        make_problem([tech("A")], [ticket("T-1", 12)])


def test_coordinates_missing_for_haversine() -> None:
    """Haversine travel needs coordinates; an index-only location is named."""
    with pytest.raises(InputError, match=r"technicians\[0\] 'A': start location has no lat/lon"):
        Problem(technicians=(tech("A"),), tickets=(), origin=ORIGIN, travel=HaversineTravel())


def test_naive_origin_rejected() -> None:
    """The planning origin must carry a timezone."""
    from datetime import datetime

    with pytest.raises(InputError, match="origin must be a timezone-aware datetime"):
        Problem(technicians=(), tickets=(), origin=datetime(2026, 1, 1))


def test_overlapping_shifts_rejected() -> None:
    """Shifts of one technician may not overlap."""
    from dispatchopt import Technician

    with pytest.raises(InputError, match="technician 'A': shifts starting 08:00 and 10:00 overlap"):
        Technician(
            id="A",
            start=Location(index=0),
            shifts=(Shift(start=8 * H, end=12 * H), Shift(start=10 * H, end=14 * H)),
        )


def test_inputs_are_frozen_and_hashable() -> None:
    """Inputs are immutable; mappings inside them are read-only and hashable."""
    t = ticket("T-1", 1, skills={"hvac": 2})
    with pytest.raises(AttributeError):
        t.duration = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        t.skills["hvac"] = 3  # type: ignore[index]
    assert hash(t) == hash(ticket("T-1", 1, skills={"hvac": 2}))


def test_priority_parsing() -> None:
    """Priorities parse from names in any case and from integers."""
    assert Priority.parse("Critical") is Priority.CRITICAL
    assert Priority.parse(0) is Priority.LOW
    with pytest.raises(ValueError):
        Priority.parse(True)


def test_matrix_travel_accepts_float_and_is_read_only() -> None:
    """Float matrices are rounded to integers and stored read-only."""
    m = MatrixTravel(durations=np.array([[0.0, 1.6], [2.4, 0.0]]))
    assert m.durations.tolist() == [[0, 2], [2, 0]]
    assert not m.durations.flags.writeable
    assert m.distances is not None and m.distances.sum() == 0


def test_ticket_windows_sorted() -> None:
    """Windows given out of order are stored sorted."""
    t = Ticket(
        id="T",
        location=Location(index=0),
        time_windows=(TimeWindow(start=15 * H, end=16 * H), TimeWindow(start=9 * H, end=10 * H)),
    )
    assert [w.start for w in t.time_windows] == [9 * H, 15 * H]


def test_evolve_reuses_travel_only_when_locations_are_unchanged() -> None:
    from dispatchopt import ObjectiveWeights
    from tests.conftest import make_problem, tech, ticket

    p = make_problem([tech("A")], [ticket("X", 2)])
    same = p.evolve(weights=ObjectiveWeights(preference_cost=1.0))
    assert same.travel_matrices is p.travel_matrices
    moved = p.evolve(tickets=(ticket("X", 5),))
    assert moved.travel_matrices is not p.travel_matrices
    assert moved.location_table.locations != p.location_table.locations


def test_break_windows_fit_and_clip() -> None:
    """A two-window break: earliest fitting start, containment, and clipping to a range."""
    lunch = Break(windows=((11 * H, 12 * H), (14 * H, 15 * H)), duration=H // 2)
    assert (lunch.start, lunch.end) == (11 * H, 15 * H)
    assert lunch.fit(10 * H) == 11 * H
    assert lunch.fit(11 * H + 45 * 60) == 14 * H  # 11:45 + 30 min no longer fits the first
    assert lunch.fit(14 * H + 31 * 60) is None
    assert lunch.contains(14 * H, 14 * H + H // 2)
    assert not lunch.contains(12 * H, 12 * H + H // 2)
    clipped = lunch.clipped(11 * H + 45 * 60, 17 * H)
    assert clipped is not None and clipped.windows == ((14 * H, 15 * H),)
    assert lunch.clipped(16 * H, 17 * H) is None


def test_earliest_and_latest_start_inside_windows() -> None:
    windows = (
        TimeWindow(start=9 * 3600, end=10 * 3600),
        TimeWindow(start=14 * 3600, end=15 * 3600),
    )
    assert earliest_start(windows, 8 * 3600) == 9 * 3600
    assert earliest_start(windows, 11 * 3600) == 14 * 3600  # waits for the next window
    assert earliest_start(windows, 16 * 3600) is None
    assert earliest_start((), 16 * 3600) == 16 * 3600
    assert latest_start(windows, 16 * 3600) == 15 * 3600
    assert latest_start(windows, 12 * 3600) == 10 * 3600  # the earlier window
    assert latest_start(windows, 8 * 3600) is None
    assert latest_start((), 8 * 3600) == 8 * 3600
