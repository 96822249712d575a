"""Reference solvers for ``dispatchopt bench --reference``: PyVRP and VROOM, same instance,
same time limit, measured in the same run.

Benchmark-only: ``pip install 'dispatchopt[bench]'``. The packages are imported here, lazily,
and nowhere else in the library. Each reference plan is converted back to ticket ids, timed in
plan mode and checked by our independent validator; its cost is our own recomputed distance,
so both columns of the table are measured the same way.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from dispatchopt.errors import InputError
from dispatchopt.io.vroom import problem_to_vroom, result_from_vroom
from dispatchopt.io.vrplib import Instance
from dispatchopt.models.problem import Problem
from dispatchopt.plan import time_routes
from dispatchopt.result import Result
from dispatchopt.validate import validate

REFERENCES = ("pyvrp", "vroom")


@dataclass(frozen=True, kw_only=True, slots=True)
class ReferenceRow:
    """A reference solver's outcome on one instance."""

    solver: str
    feasible: bool
    vehicles: int
    cost: float
    runtime: float
    violations: int
    note: str = ""
    """Why there is no plan, when the solver gave none (``""`` otherwise)."""


def _score(
    solver: str, inst: Instance, routes: list[tuple[int, list[str]]], runtime: float
) -> ReferenceRow:
    """Time, validate and cost a reference plan: (vehicle position, ticket ids) per route."""
    problem = inst.problem
    techs = [t.id for t in problem.technicians]
    used = [(k, r) for k, r in routes if r]
    vehicles = [k for k, _ in used]
    if len(set(vehicles)) < len(vehicles) or not all(0 <= k < len(techs) for k in vehicles):
        return ReferenceRow(
            solver=solver,
            feasible=False,
            vehicles=len(used),
            cost=float("nan"),
            runtime=runtime,
            violations=len(used) - len(set(vehicles) & set(range(len(techs)))),
        )
    plan = time_routes(problem, [(techs[k], 0, r) for k, r in used])
    violations = validate(problem, plan)
    return ReferenceRow(
        solver=solver,
        feasible=not violations and not plan.unassigned,
        vehicles=len(used),
        cost=inst.plan_distance(plan.routes),
        runtime=runtime,
        violations=len(violations),
    )


PYVRP_GRACE = 2.0
"""PyVRP runs in a child process, stopped after ``PYVRP_GRACE`` times the time limit plus
:data:`PYVRP_SLACK` seconds. Its ``solve`` computes neighbourhoods and searches its first
solution to a local optimum before its clock starts (PyVRP issue 1193): on site-dependent
instances that took minutes (PR06, 288 clients: no answer 6 minutes into a 1 s limit)."""
PYVRP_SLACK = 10.0


def solve_pyvrp(path: Path, inst: Instance, time_limit: float, seed: int = 0) -> ReferenceRow:
    """PyVRP's hybrid genetic search on the VRPLIB file (DIMACS rounding), ``time_limit`` s;
    no plan if it has not answered within the cap of :data:`PYVRP_GRACE`."""
    if importlib.util.find_spec("pyvrp") is None:
        raise InputError("--reference", "pyvrp is not installed: pip install pyvrp")
    started = time.perf_counter()
    cap = PYVRP_GRACE * time_limit + PYVRP_SLACK
    with multiprocessing.get_context("spawn").Pool(1) as pool:  # leaving it stops the child
        job = pool.apply_async(_pyvrp_routes, (str(path), time_limit, seed))
        try:
            routes = job.get(timeout=cap)
        except multiprocessing.TimeoutError:
            routes = None
    runtime = time.perf_counter() - started
    if routes is None:
        return ReferenceRow(
            solver="pyvrp",
            feasible=False,
            vehicles=0,
            cost=float("nan"),
            runtime=runtime,
            violations=0,
            note=f"no answer within {cap:.0f} s",
        )
    return _score("pyvrp", inst, routes, runtime)


def _pyvrp_routes(path: str, time_limit: float, seed: int) -> list[tuple[int, list[str]]]:
    """PyVRP's best plan: (vehicle position, ticket ids) per route (run in the child)."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    data = pyvrp.read(path, round_func="dimacs")
    result = pyvrp.solve(data, stop=MaxRuntime(time_limit), seed=seed, display=False)
    # A client's ``idx`` counts clients from 0 in file order, after the depots; our ticket ids
    # are the file's node numbers less one (1..n). A vehicle type's name lists the file's
    # vehicles of that type (0-based), which matters when vehicles differ (SDVRPTW).
    depots = data.num_depots
    free = [_type_vehicles(data.vehicle_type(t)) for t in range(data.num_vehicle_types)]
    routes = []
    for k, route in enumerate(result.best.routes()):
        pool = free[route.vehicle_type()]
        routes.append(
            (
                pool.pop(0) if pool else k,
                [str(depots + a.idx) for a in route.schedule() if a.is_client()],
            )
        )
    return routes


def _type_vehicles(vehicle_type: object) -> list[int]:
    """The file's vehicles (0-based) that a PyVRP vehicle type stands for, from its name."""
    names = str(getattr(vehicle_type, "name", "")).split(",")
    try:
        return [int(x) for x in names]
    except ValueError:
        return []


def solve_vroom(inst: Instance, time_limit: float, exploration_level: int = 5) -> ReferenceRow:
    """VROOM (single thread, exploration level 5, ``time_limit`` s) on the same integer data."""
    problem = inst.problem
    if any(t.required_technicians for t in problem.tickets) or any(
        t.max_busy_time is not None for t in problem.technicians
    ):
        raise InputError(
            "--reference",
            f"the vroom reference takes identical vehicles only; {inst.name} limits clients to "
            "some vehicles or driving + service time per vehicle (SDVRPTW): use pyvrp",
        )
    try:
        import vroom
    except ImportError:
        raise InputError("--reference", "pyvroom is not installed: pip install pyvroom") from None
    started = time.perf_counter()
    durations = problem.travel_matrices.duration
    table = problem.location_table
    # The matrix rows follow ``location_table``; VROOM gets indices into that matrix.
    vrp = vroom.Input()
    vrp.set_durations_matrix(profile="car", matrix_input=durations.tolist())
    for k, tech in enumerate(problem.technicians):
        shift = tech.shifts[0]
        vrp.add_vehicle(
            vroom.Vehicle(
                id=k,
                start=int(table.start[k]),
                end=int(table.end[k]),
                capacity=[int(tech.capacity.get("load", 0))],
                time_window=vroom.TimeWindow(shift.start, tech.latest_end(0)),
            )
        )
    for j, ticket in enumerate(problem.tickets):
        vrp.add_job(
            vroom.Job(
                id=j,
                location=int(table.ticket[j]),
                default_service=ticket.duration,
                delivery=[int(ticket.load.get("load", 0))],
                time_windows=[vroom.TimeWindow(w.start, w.end) for w in ticket.time_windows],
            )
        )
    solution = vrp.solve(
        exploration_level=exploration_level,
        nb_threads=1,
        timeout=timedelta(seconds=time_limit),
    )
    runtime = time.perf_counter() - started
    frame = solution.routes
    jobs = frame[frame["type"] == "job"]
    routes = [
        (int(vehicle), [problem.tickets[int(i)].id for i in group["id"]])
        for vehicle, group in jobs.groupby("vehicle_id", sort=True)
    ]
    return _score("vroom", inst, routes, runtime)


def run_reference(
    name: str, path: Path, inst: Instance, time_limit: float, seed: int = 0
) -> ReferenceRow:
    """Solve ``inst`` with reference solver ``name``."""
    if name == "pyvrp":
        return solve_pyvrp(path, inst, time_limit, seed)
    if name == "vroom":
        return solve_vroom(inst, time_limit)
    raise InputError("--reference", f"must be one of {', '.join(REFERENCES)}, got {name!r}")


def solve_vroom_problem(
    problem: Problem, time_limit: float, exploration_level: int = 5, threads: int = 1
) -> Result:
    """VROOM on any problem it can express (see :func:`~dispatchopt.io.vroom.problem_to_vroom`),
    read back with VROOM's own times so that our validator checks VROOM's plan."""
    try:
        import vroom
    except ImportError:
        raise InputError("--reference", "pyvroom is not installed: pip install pyvroom") from None
    import json
    import tempfile

    doc, _ = problem_to_vroom(problem)
    started = time.perf_counter()
    with tempfile.NamedTemporaryFile("w", suffix=".json") as fh:
        json.dump(doc, fh)
        fh.flush()
        vrp = vroom.Input.from_json(Path(fh.name))
    solution = vrp.solve(
        exploration_level=exploration_level,
        nb_threads=threads,
        timeout=timedelta(seconds=time_limit),
    )
    runtime = time.perf_counter() - started
    result = result_from_vroom(solution.to_dict(), problem)
    return replace(result, runtime=runtime)
