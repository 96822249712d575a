"""The validator catches every kind of corrupted plan (it can fail), and passes good ones."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dispatchopt import Break, Problem, Result, Unassigned, validate
from dispatchopt.plan import time_routes
from tests.conftest import FAST, MIN, H, make_problem, solve_valid, tech, ticket


@pytest.fixture(scope="module")
def planned() -> tuple[Problem, Result]:
    """A small valid plan with skills, parts, a window and a lunch break."""
    lunch = Break(start=12 * H, end=13 * H, duration=30 * MIN, id="lunch")
    p = make_problem(
        [
            tech(
                "A",
                home=0,
                skills={"hvac": 2},
                stock={"filter": 2},
                max_jobs=4,
                max_working_time=9 * H,
                breaks=(lunch,),
            ),
            tech("B", home=9, skills={"hvac": 1}, breaks=(lunch,)),
        ],
        [
            ticket("T1", 1, duration=2 * H, skills={"hvac": 2}, parts={"filter": 1}),
            ticket("T2", 2, duration=2 * H, skills={"hvac": 2}),
            ticket("T3", 8, duration=H),
            ticket("T4", 7, duration=H, excluded_technicians=frozenset({"A"})),
        ],
    )
    return p, solve_valid(p, FAST)


def _route(result: Result, tech_id: str) -> int:
    return next(k for k, r in enumerate(result.routes) if r.technician_id == tech_id and r.visits)


def _with_route(result: Result, k: int, **changes: object) -> Result:
    routes = list(result.routes)
    routes[k] = replace(routes[k], **changes)  # type: ignore[arg-type]
    return replace(result, routes=tuple(routes))


def _kinds(p: Problem, r: Result) -> set[str]:
    return {v.kind for v in validate(p, r)}


def test_good_plan_passes(planned: tuple[Problem, Result]) -> None:
    """The solver's plan has no violations."""
    p, r = planned
    assert validate(p, r) == []


def test_shifted_visit_breaks_timing(planned: tuple[Problem, Result]) -> None:
    """Moving a visit earlier than travel allows is a timing violation."""
    p, r = planned
    k = _route(r, "A")
    v0 = r.routes[k].visits[0]
    moved = replace(v0, start=v0.start - 3 * H, end=v0.end - 3 * H)
    assert "timing" in _kinds(p, _with_route(r, k, visits=(moved, *r.routes[k].visits[1:])))


def test_wrong_technician_breaks_skills_and_rules(planned: tuple[Problem, Result]) -> None:
    """Handing A's hvac-2 route to B (hvac 1) is a skills violation."""
    p, r = planned
    k = _route(r, "A")
    swapped = replace(r.routes[k], technician_id="B")
    routes = [rt for i, rt in enumerate(r.routes) if i != k and rt.technician_id != "B"] + [swapped]
    assert "skills" in _kinds(p, replace(r, routes=tuple(routes)))


def test_dropped_ticket_is_missing(planned: tuple[Problem, Result]) -> None:
    """A ticket removed from the plan without an unassigned entry is missing."""
    p, r = planned
    k = _route(r, "A")
    assert "missing" in _kinds(p, _with_route(r, k, visits=r.routes[k].visits[1:]))


def test_ticket_twice_is_duplicate(planned: tuple[Problem, Result]) -> None:
    """A ticket both routed and unassigned is a duplicate."""
    p, r = planned
    extra = Unassigned(
        ticket_id=r.routes[_route(r, "A")].visits[0].ticket_id, reason="x", message="y"
    )
    assert "duplicate" in _kinds(p, replace(r, unassigned=(*r.unassigned, extra)))


def test_missing_break(planned: tuple[Problem, Result]) -> None:
    """A used shift with its lunch removed reports missing_break."""
    p, r = planned
    assert "missing_break" in _kinds(p, _with_route(r, _route(r, "A"), breaks=()))


def test_break_outside_window(planned: tuple[Problem, Result]) -> None:
    """A lunch moved to 16:00 is outside its window."""
    p, r = planned
    k = _route(r, "A")
    moved = tuple(replace(b, start=16 * H, end=16 * H + 30 * MIN) for b in r.routes[k].breaks)
    assert "break_window" in _kinds(p, _with_route(r, k, breaks=moved))


def test_break_over_service(planned: tuple[Problem, Result]) -> None:
    """A break placed during a visit overlaps service."""
    p, r = planned
    k = _route(r, "A")
    v = r.routes[k].visits[0]
    over = tuple(replace(b, start=v.start, end=v.start + 30 * MIN) for b in r.routes[k].breaks)
    assert "break_overlap" in _kinds(p, _with_route(r, k, breaks=over))


def test_return_after_shift_is_delay(planned: tuple[Problem, Result]) -> None:
    """Returning after shift end with no overtime allowed is a delay."""
    p, r = planned
    assert "delay" in _kinds(p, _with_route(r, _route(r, "A"), end=20 * H))


def test_stock_and_max_tasks(planned: tuple[Problem, Result]) -> None:
    """Five copies of the filter ticket exceed stock (2) and max_jobs (4)."""
    p, r = planned
    k = _route(r, "A")
    t1 = next(v for rt in r.routes for v in rt.visits if v.ticket_id == "T1")
    kinds = _kinds(p, _with_route(r, k, visits=(t1,) * 5))
    assert {"parts", "max_tasks", "duplicate"} <= kinds


def test_wrong_travel_reported(planned: tuple[Problem, Result]) -> None:
    """A reported distance that differs from the travel model is caught."""
    p, r = planned
    k = _route(r, "A")
    v0 = replace(r.routes[k].visits[0], distance=1)
    assert "travel" in _kinds(p, _with_route(r, k, visits=(v0, *r.routes[k].visits[1:])))


def test_unknown_ids(planned: tuple[Problem, Result]) -> None:
    """Unknown technicians and tickets are named."""
    p, r = planned
    k = _route(r, "A")
    kinds = _kinds(p, _with_route(r, k, technician_id="ZZ"))
    assert "unknown_technician" in kinds
    ghost = replace(r.routes[_route(r, "A")].visits[0], ticket_id="ghost")
    assert "unknown_ticket" in _kinds(p, _with_route(r, k, visits=(ghost,)))


def test_excluded_technician(planned: tuple[Problem, Result]) -> None:
    """Putting T4 (excludes A) on A's route is a technician violation."""
    p, r = planned
    k = _route(r, "A")
    t4 = next(v for rt in r.routes for v in rt.visits if v.ticket_id == "T4")
    others = [
        replace(rt, visits=tuple(v for v in rt.visits if v.ticket_id != "T4")) for rt in r.routes
    ]
    others[k] = replace(others[k], visits=(*others[k].visits, t4))
    assert "technician" in _kinds(p, replace(r, routes=tuple(others)))


def test_window_violation_named_lead_time() -> None:
    """Service before its window opens is lead_time."""
    from dispatchopt import TimeWindow

    p = make_problem(
        [tech("A")], [ticket("T", 0, time_windows=(TimeWindow(start=14 * H, end=15 * H),))]
    )
    r = solve_valid(p, FAST)
    v = r.routes[0].visits[0]
    early = replace(v, start=9 * H, end=9 * H + 30 * MIN, arrival=8 * H, waiting=H)
    assert "lead_time" in _kinds(p, _with_route(r, 0, visits=(early,)))


def test_travel_and_distance_caps_checked(planned: tuple[Problem, Result]) -> None:
    """Lowering A's driving caps below its plan is reported as max_travel_time / max_distance."""
    p, r = planned
    k = _route(r, "A")
    techs = tuple(
        replace(
            t, max_travel_time=r.routes[k].travel_time - 1, max_distance=r.routes[k].distance - 1
        )
        if t.id == "A"
        else t
        for t in p.technicians
    )
    assert {"max_travel_time", "max_distance"} <= _kinds(replace(p, technicians=techs), r)


def test_wrong_return_leg_reported(planned: tuple[Problem, Result]) -> None:
    """A misreported return leg is a travel violation."""
    p, r = planned
    assert "travel" in _kinds(p, _with_route(r, _route(r, "A"), return_distance=1))


def test_break_between_two_windows_is_outside(planned: tuple[Problem, Result]) -> None:
    """With lunch allowed 11:00-12:00 or 14:00-15:00, a lunch at 12:30 is reported."""
    p, r = planned
    k = _route(r, "A")
    two = Break(id="lunch", windows=((11 * H, 12 * H), (14 * H, 15 * H)), duration=30 * MIN)
    techs = tuple(
        replace(t, shifts=tuple(replace(s, breaks=(two,)) for s in t.shifts)) for t in p.technicians
    )
    p2 = p.evolve(technicians=techs)
    at = tuple(
        replace(b, start=12 * H + 30 * MIN, end=13 * H, break_id="lunch")
        for b in r.routes[k].breaks
    )
    kinds = _kinds(p2, _with_route(r, k, breaks=at))
    assert "break_window" in kinds


def test_speed_factor_is_recomputed(planned: tuple[Problem, Result]) -> None:
    """The same plan checked against a slower technician no longer reproduces its drives."""
    p, r = planned
    slower = tuple(replace(t, speed_factor=0.5) if t.id == "A" else t for t in p.technicians)
    kinds = _kinds(p.evolve(technicians=slower), r)
    assert "travel" in kinds


def test_peak_load_along_the_route_is_checked() -> None:
    """Delivering 2 and collecting 2 fits a van of 2 only if the delivery comes first."""
    p = make_problem(
        [tech("A", capacity={"kg": 2})],
        [ticket("drop", 8, load={"kg": 2}), ticket("collect", 2, pickup={"kg": 2})],
    )
    good = time_routes(p, [("A", 0, ["drop", "collect"])])
    bad = time_routes(p, [("A", 0, ["collect", "drop"])])
    assert "load" not in _kinds(p, good)
    assert "load" in _kinds(p, bad)
