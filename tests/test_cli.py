"""The command line: solve, replan, insert, slots, explain, validate, generate, demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dispatchopt.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "field_day.json"


def test_solve_bundled_example_then_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`solve` prints a schedule and writes JSON that `validate` accepts (exit 0)."""
    out = tmp_path / "schedule.json"
    assert main(["solve", str(EXAMPLE), "--time-limit", "2", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "validator: no violations" in text and "TECH-01" in text
    assert main(["validate", str(EXAMPLE), str(out)]) == 0


def test_validate_exits_nonzero_on_violation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A schedule with a ticket removed makes `validate` exit 1 and name the problem."""
    out = tmp_path / "schedule.json"
    assert main(["solve", str(EXAMPLE), "--time-limit", "1", "-q", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    route = next(r for r in doc["routes"] if r["visits"])
    dropped = route["visits"].pop(0)["ticket"]
    out.write_text(json.dumps(doc))
    assert main(["validate", str(EXAMPLE), str(out)]) == 1
    assert f"missing: ticket '{dropped}'" in capsys.readouterr().out


def test_bad_input_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Bad input exits 2 with the record and field, no traceback."""
    doc = json.loads(EXAMPLE.read_text())
    doc["tickets"][3]["duration"] = -60
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    assert main(["solve", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: tickets[3] 'T-0004': duration must be whole seconds >= 0")
    assert "Traceback" not in err


def test_missing_file_and_broken_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing file and invalid JSON are reported plainly."""
    assert main(["solve", str(tmp_path / "nope.json")]) == 2
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert main(["solve", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "not valid JSON" in err


def test_generate_then_solve(tmp_path: Path) -> None:
    """`generate` writes a problem that `solve` plans."""
    path = tmp_path / "p.json"
    assert (
        main(["generate", "--tickets", "12", "--technicians", "2", "--seed", "4", "-o", str(path)])
        == 0
    )
    assert main(["solve", str(path), "--solution-limit", "20", "--time-limit", "5", "-q"]) == 0


def test_params_toml(tmp_path: Path) -> None:
    """Search settings come from a TOML file; unknown keys are an error."""
    good = tmp_path / "params.toml"
    good.write_text('[solve]\ntime_limit = 1.0\nfirst_solution = "PATH_CHEAPEST_ARC"\n')
    assert main(["solve", str(EXAMPLE), "--params", str(good), "-q"]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text("[solve]\ntime_limt = 1.0\n")
    assert main(["solve", str(EXAMPLE), "--params", str(bad), "-q"]) == 2


def test_demo_needs_no_file(capsys: pytest.CaptureFixture[str]) -> None:
    """`demo` plans a generated day and reports a clean validation."""
    assert main(["demo", "--time-limit", "1"]) == 0
    assert "validator: no violations" in capsys.readouterr().out


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example solved into a schedule file (once for this module)."""
    out = tmp_path_factory.mktemp("plan") / "plan.json"
    assert main(["solve", str(EXAMPLE), "--time-limit", "2", "-q", "-o", str(out)]) == 0
    return out


def test_replan_with_request_writes_a_checkable_plan(
    tmp_path: Path, planned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`replan` applies the request's events; its problem + schedule pass `validate`."""
    request = {
        "now": "2026-11-23T11:00:00+01:00",
        "freeze": "PT30M",
        "events": [
            {
                "type": "technician_unavailable",
                "technician": "TECH-02",
                "start": "2026-11-23T11:00:00+01:00",
            },
            {
                "type": "new_tickets",
                "tickets": [
                    {
                        "id": "EM-1",
                        "location": {"lat": 45.76, "lon": 4.84},
                        "duration": "PT1H",
                        "priority": "critical",
                    }
                ],
            },
        ],
        "stability": {"reassign": 30, "retime_per_hour": 10, "retime_tolerance": "PT30M"},
    }
    req = tmp_path / "req.json"
    req.write_text(json.dumps(request))
    out = tmp_path / "replan.json"
    args = ["replan", str(EXAMPLE), str(planned), "--request", str(req), "--time-limit", "3"]
    assert main([*args, "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "validator: no violations" in text and "EM-1: newly_assigned" in text
    doc = json.loads(out.read_text())
    assert {"problem", "schedule", "changes", "disruption", "committed"} <= doc.keys()
    problem, schedule = tmp_path / "p2.json", tmp_path / "s2.json"
    problem.write_text(json.dumps(doc["problem"]))
    schedule.write_text(json.dumps(doc["schedule"]))
    assert main(["validate", str(problem), str(schedule)]) == 0
    moved_from_b = [
        c for c in doc["changes"] if c["before"] and c["before"]["technician"] == "TECH-02"
    ]
    assert all(c["after"] is None or c["after"]["technician"] != "TECH-02" for c in moved_from_b)


def test_replan_bad_event_is_a_clear_error(
    tmp_path: Path, planned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "req.json"
    req.write_text(json.dumps({"now": 36000, "events": [{"type": "flood"}]}))
    assert main(["replan", str(EXAMPLE), str(planned), "--request", str(req)]) == 2
    assert "events[0]: type must be one of" in capsys.readouterr().err


def test_insert_slots_explain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`insert`, `slots` and `explain` answer for a new ticket / the unassigned ones.

    The example's technicians are full after a good plan; a ninth one without skills (so the
    plan cannot give them any example ticket) has room for the new ticket, which needs none.
    """
    doc = json.loads(EXAMPLE.read_text())
    doc["technicians"].append({**doc["technicians"][0], "id": "TECH-09", "skills": {}, "stock": {}})
    example = tmp_path / "roomy.json"
    example.write_text(json.dumps(doc))
    planned = tmp_path / "plan.json"
    assert main(["solve", str(example), "--time-limit", "2", "-q", "-o", str(planned)]) == 0
    new = tmp_path / "new.json"
    new.write_text(
        json.dumps({"id": "NEW-1", "location": {"lat": 45.75, "lon": 4.85}, "duration": "PT15M"})
    )
    out = tmp_path / "ins.json"
    args = ["insert", str(example), str(planned), str(new), "--top", "2"]
    assert main([*args, "--repair-now", "2026-11-23T10:00:00+01:00", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    takers = {c["technician"] for c in doc["candidates"]}
    assert takers and len(doc["repaired"]) == min(2, len(takers))  # the best two of them
    assert main(["insert", str(example), str(planned), str(new), "-o", str(out)]) == 0
    cands = json.loads(out.read_text())["candidates"]
    assert cands and cands == sorted(cands, key=lambda c: c["marginal_cost"])
    assert main(["slots", str(example), str(planned), str(new), "--days", "1", "-o", str(out)]) == 0
    slots = json.loads(out.read_text())["slots"]
    assert len(slots) == 5 and slots[0]["feasible"]
    assert all(s["reason"] for s in slots if not s["feasible"])
    assert main(["explain", str(example), str(planned), "-o", str(out)]) == 0
    explanations = json.loads(out.read_text())["explanations"]
    assert explanations and all(e["reason"] for e in explanations)
    assert main(["insert", str(example), str(planned), "NOT-A-TICKET"]) == 2
    assert "neither a ticket id nor a JSON file" in capsys.readouterr().err
