"""Benchmark files under the DIMACS convention, checked against the published best-known plans."""

from __future__ import annotations

import csv
import itertools
import json
import math
from pathlib import Path

import pytest

from dispatchopt import validate
from dispatchopt.cli import main
from dispatchopt.io.vrplib import parse_vrplib, read_solution, read_vrplib
from dispatchopt.plan import time_routes
from tests.conftest import INSTANCES, needs_shared


def _bks() -> dict[str, float]:
    with open(INSTANCES / "bks.csv", newline="") as fh:
        return {r["instance"]: float(r["bks_distance"]) for r in csv.DictReader(fh)}


@needs_shared
def test_every_best_known_solution_validates_and_reproduces_its_distance() -> None:
    """All 116 Solomon and GH-200 BKS plans pass the validator and give bks.csv's distance."""
    bks = _bks()
    files = sorted((INSTANCES / "solomon").glob("*.vrp")) + sorted(
        (INSTANCES / "homberger" / "200").glob("*.vrp")
    )
    assert len(files) == 116
    for f in files:
        inst = read_vrplib(f)
        routes, _ = read_solution(f.with_suffix(".sol"))
        plan = time_routes(
            inst.problem, [(f"V{k + 1}", 0, [str(c) for c in r]) for k, r in enumerate(routes)]
        )
        assert validate(inst.problem, plan) == [], inst.name
        assert abs(plan.kpis.distance / inst.scale - bks[inst.name]) < 0.05, inst.name
        assert inst.plan_distance(plan.routes) == plan.kpis.distance / inst.scale
        assert inst.best_known(f) is None  # bks.csv holds it


def _euclidean_length(path: Path, routes: list[list[int]]) -> float:
    """Full-precision length of depot -> clients -> depot routes, from the file's coordinates."""
    _, sections = parse_vrplib(path.read_text())
    xy = {int(row[0]) - 1: (float(row[1]), float(row[2])) for row in sections["NODE_COORD_SECTION"]}
    return sum(math.dist(xy[a], xy[b]) for r in routes for a, b in itertools.pairwise([0, *r, 0]))


@needs_shared
def test_every_sdvrptw_best_known_plan_validates() -> None:
    """All 52 site-dependent BKS plans (route k = vehicle k) pass the validator, including
    the allowed-vehicle rule and VEHICLES_MAX_DURATION read as driving + service; each
    ``.sol`` Cost is 1000 x the plan's full-precision length, which is the BKS a gap uses."""
    files = sorted((INSTANCES / "sdvrptw").glob("*.vrp"))
    assert len(files) == 52
    for f in files:
        inst = read_vrplib(f)
        assert inst.problem.technicians[0].max_busy_time is not None
        routes, cost = read_solution(f.with_suffix(".sol"))
        plan = time_routes(
            inst.problem, [(f"V{k + 1}", 0, [str(c) for c in r]) for k, r in enumerate(routes)]
        )
        assert validate(inst.problem, plan) == [], inst.name
        exact = _euclidean_length(f, routes)
        assert cost is not None and abs(cost / 1000 - exact) < 0.05, inst.name
        assert inst.best_known(f) == cost / 1000
        assert inst.plan_distance(plan.routes) == pytest.approx(exact, abs=1e-6), inst.name
        # Truncated legs are shorter: measuring ours that way would flatter the gap.
        assert plan.kpis.distance / inst.scale < exact


@needs_shared
def test_solomon_fields() -> None:
    """R101: 100 clients, 25 vehicles of capacity 200, service 10 and windows scaled by 10."""
    inst = read_vrplib(INSTANCES / "solomon" / "R101.vrp")
    p = inst.problem
    assert len(p.tickets) == 100 and len(p.technicians) == 25
    assert p.technicians[0].capacity == {"load": 200}
    assert p.tickets[0].duration == 100 and p.tickets[0].load == {"load": 10}
    assert p.tickets[0].time_windows[0].start == 1610 and p.tickets[0].time_windows[0].end == 1710


@needs_shared
def test_broken_solution_is_caught() -> None:
    """Swapping two clients across routes of the BKS breaks a window or capacity."""
    inst = read_vrplib(INSTANCES / "solomon" / "R101.vrp")
    routes, _ = read_solution(INSTANCES / "solomon" / "R101.sol")
    routes[0][0], routes[1][-1] = routes[1][-1], routes[0][0]
    plan = time_routes(
        inst.problem, [(f"V{k + 1}", 0, [str(c) for c in r]) for k, r in enumerate(routes)]
    )
    assert {v.kind for v in validate(inst.problem, plan)} & {"delay", "load"}


def test_parse_sections() -> None:
    """Header fields and sections are split; rows are tokenised."""
    header, sections = parse_vrplib(
        "NAME : X\nDIMENSION : 2\nNODE_COORD_SECTION\n1 0 0\n2 3 4\nEOF\n"
    )
    assert header == {"NAME": "X", "DIMENSION": "2"}
    assert sections["NODE_COORD_SECTION"] == [["1", "0", "0"], ["2", "3", "4"]]


def test_tiny_instance_truncates_to_one_decimal(tmp_path: Path) -> None:
    """Distances are floor(10 * euclid): (0,0)-(1,1) is 14, i.e. 1.4."""
    f = tmp_path / "tiny.vrp"
    f.write_text(
        "NAME : tiny\nDIMENSION : 2\nVEHICLES : 1\nCAPACITY : 10\nSERVICE_TIME : 0\n"
        "NODE_COORD_SECTION\n1 0 0\n2 1 1\nDEMAND_SECTION\n1 0\n2 1\n"
        "TIME_WINDOW_SECTION\n1 0 100\n2 0 100\nDEPOT_SECTION\n1\n-1\nEOF\n"
    )
    inst = read_vrplib(f)
    assert inst.problem.travel_matrices.distance.tolist() == [[0, 14], [14, 0]]


def test_vroom_output_of_an_instance_is_in_its_own_units(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`solve tiny.vrp --output-format vroom` reports distances and times unscaled: the
    (0,0)-(1,1)-(0,0) route is 2.8 long, service 5 and window start 10 as in the file."""
    f = tmp_path / "tiny.vrp"
    f.write_text(
        "NAME : tiny\nDIMENSION : 2\nVEHICLES : 1\nCAPACITY : 10\nSERVICE_TIME : 5\n"
        "NODE_COORD_SECTION\n1 0 0\n2 1 1\nDEMAND_SECTION\n1 0\n2 1\n"
        "TIME_WINDOW_SECTION\n1 0 100\n2 10 100\nDEPOT_SECTION\n1\n-1\nEOF\n"
    )
    assert main(["solve", str(f), "--time-limit", "1", "--output-format", "vroom"]) == 0
    out = json.loads(capsys.readouterr().out)
    (route,) = out["routes"]
    assert (
        route["distance"] == pytest.approx(2.8) and out["summary"]["distance"] == route["distance"]
    )
    job = next(s for s in route["steps"] if s["type"] == "job")
    assert job["service"] == 5 and job["location_index"] == 1
    assert job["arrival"] + job["waiting_time"] == 10  # served at its window start
    assert job["distance"] == pytest.approx(1.4)
