"""VROOM-compatible JSON: VROOM's documented example in, VROOM's output shape out."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from dispatchopt import InputError, Problem, SolveParams, solve, validate
from dispatchopt.cli import main
from dispatchopt.io.vroom import result_to_vroom, vroom_to_problem

EXAMPLE = Path(__file__).parent / "data" / "vroom_api_example.json"


def _check_output(out: dict[str, Any], job_ids: set[int]) -> None:
    """Every job once (route step or unassigned); steps start..end with sane cumulative values."""
    assert out["code"] == 0
    seen = [s["id"] for r in out["routes"] for s in r["steps"] if s["type"] == "job"]
    seen += [u["id"] for u in out["unassigned"]]
    assert sorted(seen) == sorted(job_ids)
    for route in out["routes"]:
        steps = route["steps"]
        assert steps[0]["type"] in {"start", "job"} and steps[-1]["type"] in {"end", "job"}
        arrivals = [s["arrival"] for s in steps]
        assert arrivals == sorted(arrivals)
        assert [s["duration"] for s in steps] == sorted(s["duration"] for s in steps)
        assert (
            steps[-1]["duration"] == route["duration"]
            and steps[-1]["distance"] == route["distance"]
        )
        for s in steps:
            assert {
                "arrival",
                "duration",
                "setup",
                "service",
                "waiting_time",
                "load",
                "distance",
            } <= set(s)
    assert out["summary"]["routes"] == len(out["routes"])
    assert out["summary"]["unassigned"] == len(out["unassigned"])


def test_vroom_api_example_round_trip() -> None:
    """The API docs example plans validly; skills follow VROOM's subset rule; output is VROOM-shaped."""
    doc = json.loads(EXAMPLE.read_text())
    problem, warnings = vroom_to_problem(doc)
    assert warnings and "no matrix" in warnings[0]
    result = solve(problem, SolveParams(time_limit=2))
    assert validate(problem, result) == []
    out = result_to_vroom(result, problem, warnings)
    _check_output(out, {j["id"] for j in doc["jobs"]})
    by_vehicle = {
        r["vehicle"]: {s["id"] for s in r["steps"] if s["type"] == "job"} for r in out["routes"]
    }
    assert not by_vehicle.get(2, set()) & {1, 2}  # skill 1 only on vehicle 1
    assert not by_vehicle.get(1, set()) & {3, 4}  # skill 2 only on vehicle 2
    job1 = next(
        s for r in out["routes"] for s in r["steps"] if s.get("id") == 1 and s["type"] == "job"
    )
    assert 32400 <= job1["arrival"] + job1["waiting_time"] <= 36000
    assert json.loads(json.dumps(out)) == out


def test_matrix_input_and_capacity() -> None:
    """With matrices and location_index, capacity 2 splits four unit deliveries over two vehicles."""
    durations = [
        [0, 100, 200, 300, 400],
        [100, 0, 100, 200, 300],
        [200, 100, 0, 100, 200],
        [300, 200, 100, 0, 100],
        [400, 300, 200, 100, 0],
    ]
    doc = {
        "vehicles": [{"id": v, "start_index": 0, "end_index": 0, "capacity": [2]} for v in (1, 2)],
        "jobs": [
            {"id": j, "location_index": j, "service": 60, "delivery": [1]} for j in (1, 2, 3, 4)
        ],
        "matrices": {
            "car": {
                "durations": durations,
                "distances": [[10 * x for x in row] for row in durations],
            }
        },
    }
    problem, warnings = vroom_to_problem(doc)
    assert not warnings
    result = solve(problem, SolveParams(time_limit=2))
    assert validate(problem, result) == []
    out = result_to_vroom(result, problem)
    _check_output(out, {1, 2, 3, 4})
    assert all(len([s for s in r["steps"] if s["type"] == "job"]) == 2 for r in out["routes"])
    assert all(s["load"][0] >= 0 for r in out["routes"] for s in r["steps"])
    assert out["routes"][0]["steps"][1]["location_index"] in {1, 2, 3, 4}


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"shipments": [{"pickup": {}, "delivery": {}}]}, "shipments are not supported"),
        (
            {
                "vehicles": [
                    {"id": 1, "start": [2.3, 48.7], "end": [2.3, 48.7], "speed_factor": -1.5}
                ]
            },
            "vehicles[0] id 1: speed_factor must be a number in (0, 5]",
        ),
        (
            {"jobs": [{"id": 9, "location": [2.3, 48.7], "priority": 101}]},
            "jobs[0] id 9: priority must be an integer 0-100",
        ),
    ],
)
def test_unsupported_or_bad_input(patch: dict[str, Any], message: str) -> None:
    """Unsupported features and bad values are rejected naming the record."""
    doc = {**json.loads(EXAMPLE.read_text()), **patch}
    with pytest.raises(InputError, match=re.escape(message)):
        vroom_to_problem(doc)


def test_cli_swaps_in_for_vroom(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`solve` recognises VROOM input and prints VROOM output; input errors give code 2."""
    assert main(["solve", str(EXAMPLE), "--time-limit", "1", "--output-format", "vroom"]) == 0
    out = json.loads(capsys.readouterr().out)
    _check_output(out, {1, 2, 3, 4, 5, 6})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**json.loads(EXAMPLE.read_text()), "shipments": [{}]}))
    assert main(["solve", str(bad), "--output-format", "vroom"]) == 2
    assert json.loads(capsys.readouterr().out) == {
        "code": 2,
        "error": "vroom problem: shipments are not supported yet",
    }


def test_max_travel_time_and_distance_mapped() -> None:
    """VROOM's max_travel_time and max_distance become technician limits that bind."""
    durations = [[0, 600, 600], [600, 0, 1200], [600, 1200, 0]]
    doc = {
        "vehicles": [
            {"id": 1, "start_index": 0, "end_index": 0, "max_travel_time": 1500},
            {"id": 2, "start_index": 0, "end_index": 0, "max_distance": 13000},
        ],
        "jobs": [{"id": j, "location_index": j} for j in (1, 2)],
        "matrices": {
            "car": {"durations": durations, "distances": [[10 * x for x in r] for r in durations]}
        },
    }
    problem, _ = vroom_to_problem(doc)
    assert (
        problem.technicians[0].max_travel_time == 1500
        and problem.technicians[1].max_distance == 13000
    )
    result = solve(problem, SolveParams(time_limit=2))
    assert validate(problem, result) == []
    # Each vehicle can afford one round trip (1200 s / 12 km) but not both jobs (2400 s / 24 km).
    assert sorted(len(r.visits) for r in result.routes) == [1, 1]


def _break_and_job(break_windows: list[list[int]], job_windows: list[list[int]]) -> Problem:
    """One vehicle (depot 0, 60 s from the job) with a 600 s break, and one 3000 s job."""
    doc = {
        "vehicles": [
            {
                "id": 1,
                "start_index": 0,
                "end_index": 0,
                "time_window": [0, 20000],
                "breaks": [{"id": 7, "service": 600, "time_windows": break_windows}],
            }
        ],
        "jobs": [{"id": 1, "location_index": 1, "service": 3000, "time_windows": job_windows}],
        "matrices": {"car": {"durations": [[0, 60], [60, 0]]}},
    }
    problem, _ = vroom_to_problem(doc)
    return problem


def test_break_with_several_time_windows() -> None:
    """A VROOM break's time_windows bound its start; the second window is used when the first
    is taken by a fixed job, and the output carries the break step."""
    problem = _break_and_job([[1000, 1500], [5000, 6000]], [[900, 900]])
    (brk,) = problem.technicians[0].shifts[0].breaks
    assert brk.windows == ((1000, 2100), (5000, 6600))
    result = solve(problem, SolveParams(time_limit=2))
    assert validate(problem, result) == []
    out = result_to_vroom(result, problem)
    (step,) = [s for s in out["routes"][0]["steps"] if s["type"] == "break"]
    assert step["id"] == 7 and 5000 <= step["arrival"] <= 6000


def test_break_taken_on_site_comes_before_the_service_start() -> None:
    """A break taken after arriving at a job, before its service: the job step's arrival plus
    waiting is still the service start (VROOM's convention), so the plan reads back the same."""
    problem = _break_and_job([[100, 100]], [[0, 700]])
    result = solve(problem, SolveParams(time_limit=1))
    assert validate(problem, result) == []
    (visit,) = result.routes[0].visits
    assert visit.arrival <= 100 and visit.start == 700  # arrived, took the break, served
    out = result_to_vroom(result, problem)
    (job,) = [s for s in out["routes"][0]["steps"] if s["type"] == "job"]
    assert job["arrival"] + job["waiting_time"] == visit.start


def test_speed_factor_scales_one_vehicles_durations() -> None:
    """speed_factor 2 halves a vehicle's travel times, as in VROOM's output."""
    doc = {
        "vehicles": [
            {"id": 1, "start_index": 0, "end_index": 0, "speed_factor": 2.0, "skills": [1]},
            {"id": 2, "start_index": 0, "end_index": 0, "skills": [2]},
        ],
        "jobs": [
            {"id": 1, "location_index": 1, "skills": [1]},
            {"id": 2, "location_index": 1, "skills": [2]},
        ],
        "matrices": {"car": {"durations": [[0, 1000], [1000, 0]]}},
    }
    problem, _ = vroom_to_problem(doc)
    result = solve(problem, SolveParams(time_limit=2))
    assert validate(problem, result) == []
    out = result_to_vroom(result, problem)
    by_vehicle = {r["vehicle"]: r for r in out["routes"]}
    assert by_vehicle[1]["duration"] == 1000 and by_vehicle[2]["duration"] == 2000


def test_open_routes() -> None:
    """A vehicle without end finishes at its last job; one without start begins at its first.
    The output has no end (start) step for them, as VROOM's."""
    durations = [[abs(i - j) * 100 for j in range(4)] for i in range(4)]
    doc = {
        "vehicles": [
            {"id": 1, "start_index": 0, "skills": [1]},
            {"id": 2, "end_index": 0, "skills": [2]},
        ],
        "jobs": [
            {"id": 1, "location_index": 2, "skills": [1]},
            {"id": 2, "location_index": 3, "skills": [1]},
            {"id": 3, "location_index": 3, "skills": [2]},
        ],
        "matrices": {"car": {"durations": durations}},
    }
    problem, _ = vroom_to_problem(doc)
    assert problem.technicians[0].open_end and problem.technicians[1].open_start
    result = solve(problem, SolveParams(time_limit=2))
    assert validate(problem, result) == []
    out = result_to_vroom(result, problem)
    _check_output(out, {1, 2, 3})
    by_vehicle = {r["vehicle"]: r for r in out["routes"]}
    assert [s["type"] for s in by_vehicle[1]["steps"]] == ["start", "job", "job"]
    assert by_vehicle[1]["duration"] == 300  # 0 -> 2 -> 3, no way back
    assert [s["type"] for s in by_vehicle[2]["steps"]] == ["job", "end"]
    assert by_vehicle[2]["duration"] == 300  # from job 3 at index 3 to the end at 0


def test_vehicle_with_neither_start_nor_end_is_refused() -> None:
    doc = {"vehicles": [{"id": 4}], "jobs": [{"id": 1, "location": [2.3, 48.7]}]}
    with pytest.raises(InputError, match=re.escape("vehicles[0] id 4: needs a start or an end")):
        vroom_to_problem(doc)


def test_pickups_and_deliveries_share_the_van() -> None:
    """Jobs with delivery and pickup: each step's load is what is on board, never above
    capacity, and the route starts loaded with every delivery."""
    durations = [[abs(i - j) * 100 for j in range(4)] for i in range(4)]
    doc = {
        "vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "capacity": [3]}],
        "jobs": [
            {"id": 1, "location_index": 3, "delivery": [3]},
            {"id": 2, "location_index": 1, "pickup": [2]},
            {"id": 3, "location_index": 2, "delivery": [0], "pickup": [1]},
        ],
        "matrices": {"car": {"durations": durations}},
    }
    problem, _ = vroom_to_problem(doc)
    assert problem.tickets[1].pickup == {"0": 2}
    result = solve(problem, SolveParams(time_limit=2))
    assert validate(problem, result) == []
    out = result_to_vroom(result, problem)
    _check_output(out, {1, 2, 3})
    (route,) = out["routes"]
    loads = [s["load"][0] for s in route["steps"]]
    assert loads[0] == 3 and loads[-1] == 3 and max(loads) <= 3
    order = [s["id"] for s in route["steps"] if s["type"] == "job"]
    assert order.index(1) < order.index(2)  # deliver the 3 before collecting the 2


def test_problem_written_for_vroom_means_the_same() -> None:
    """A generated day (reduced to what VROOM expresses) written as VROOM JSON and read back
    by our own reader plans a schedule that, mapped back by job and vehicle ids, is valid for
    the original day; VROOM's output of it reads back as the same valid plan."""
    from dispatchopt import generate
    from dispatchopt.bench_days import expressible
    from dispatchopt.io.vroom import problem_to_vroom, result_from_vroom

    day = expressible(generate(40, 5, seed=3))
    doc, notes = problem_to_vroom(day)
    assert not notes  # nothing left to drop
    assert {j["description"] for j in doc["jobs"]} == {t.id for t in day.tickets}
    again, _ = vroom_to_problem(json.loads(json.dumps(doc)))
    result = solve(again, SolveParams(time_limit=2, solution_limit=100))
    assert validate(again, result) == []
    out = result_to_vroom(result, again)
    back = result_from_vroom(out, day)
    assert validate(day, back) == []
    assert back.kpis.assigned == result.kpis.assigned
    assert back.kpis.travel_time == result.kpis.travel_time
    # What VROOM cannot express is named.
    _, notes = problem_to_vroom(generate(10, 2, seed=1))
    assert any("due-by" in n for n in notes)
