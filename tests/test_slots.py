"""Appointment slots: feasible ones ranked by cost, the others with a reason; offers validate."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dispatchopt import TimeWindow
from dispatchopt.errors import InputError
from dispatchopt.insertion import apply_candidate
from dispatchopt.plan import time_routes
from dispatchopt.slots import daily_slots, offer_slots
from tests.conftest import H, assert_valid, make_problem, tech, ticket


def _day():  # type: ignore[no-untyped-def]
    problem = make_problem(
        [tech("A", home=0, start=8 * H, end=17 * H, cost_per_hour=60.0)],
        [
            ticket("X", 1, duration=2 * H, time_windows=(TimeWindow(start=9 * H, end=9 * H),)),
            ticket("NEW", 1, duration=H),
        ],
    )
    return problem, time_routes(problem, [("A", 0, ["X"])])


def test_slots_ranked_with_reasons() -> None:
    problem, plan = _day()
    slots = (
        TimeWindow(start=8 * H, end=8 * H + 30 * 60),
        TimeWindow(start=12 * H, end=14 * H),
        TimeWindow(start=18 * H, end=20 * H),
        TimeWindow(start=11 * H, end=12 * H),
    )
    offers = offer_slots(problem, plan, "NEW", slots)
    feasible = [o for o in offers if o.feasible]
    assert [o.window.start for o in feasible] == [11 * H, 12 * H]  # cheaper (less waiting) first
    assert feasible[0].marginal_cost <= feasible[1].marginal_cost  # type: ignore[operator]
    assert all(o.technician_id == "A" for o in feasible)
    reasons = {o.window.start: o.reason for o in offers if not o.feasible}
    assert reasons == {8 * H: "time_window", 18 * H: "no_shift"}
    for offer in feasible:
        booked = replace(
            problem,
            tickets=tuple(
                replace(t, time_windows=(offer.window,)) if t.id == "NEW" else t
                for t in problem.tickets
            ),
        )
        assert offer.candidate is not None
        assert_valid(booked, apply_candidate(booked, plan, offer.candidate, "NEW"))


def test_reserve_closes_slots() -> None:
    problem, plan = _day()
    slots = daily_slots(problem, days=1)
    open_all = [o for o in offer_slots(problem, plan, "NEW", slots) if o.feasible]
    assert open_all
    held = offer_slots(problem, plan, "NEW", slots, reserve=0.7)
    assert not any(o.feasible for o in held)
    reasons = {o.window.start: o.reason for o in held}
    assert reasons[8 * H] == "time_window"  # before X, or after it too late
    assert [reasons[h * H] for h in (10, 12, 14)] == ["reserve"] * 3


def test_daily_slot_grid() -> None:
    problem, _ = _day()
    slots = daily_slots(problem, days=5, start_hour=8, end_hour=18, hours=2)
    assert len(slots) == 25
    assert (slots[0].start, slots[0].end) == (8 * H, 10 * H)
    assert slots[5].start == 24 * H + 8 * H
    with pytest.raises(InputError, match="slots"):
        daily_slots(problem, hours=0)
    with pytest.raises(InputError, match="'NOPE'"):
        offer_slots(problem, time_routes(problem, []), "NOPE", slots)
