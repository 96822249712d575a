"""Reference solvers for ``dispatchopt bench --reference``: PyVRP and VROOM, same instance,
same time limit, measured in the same run.

Benchmark-only: ``pip install 'dispatchopt[bench]'``. The packages are imported here, lazily,
and nowhere else in the library. Each reference plan is converted back to ticket ids, timed in
plan mode and checked by our independent validator; its cost is our own recomputed distance,
so both columns of the table are measured the same way.
"""

from __future__ import annotations

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


def _score(solver: str, inst: Instance, routes: list[list[str]], runtime: float) -> ReferenceRow:
    problem = inst.problem
    techs = [t.id for t in problem.technicians]
    used = [r for r in routes if r]
    if len(used) > len(techs):
        return ReferenceRow(
            solver=solver,
            feasible=False,
            vehicles=len(used),
            cost=float("nan"),
            runtime=runtime,
            violations=len(used) - len(techs),
        )
    plan = time_routes(problem, [(t, 0, r) for t, r in zip(techs, used, strict=False)])
    violations = validate(problem, plan)
    return ReferenceRow(
        solver=solver,
        feasible=not violations and not plan.unassigned,
        vehicles=len(used),
        cost=plan.kpis.distance / inst.scale,
        runtime=runtime,
        violations=len(violations),
    )


def solve_pyvrp(path: Path, inst: Instance, time_limit: float, seed: int = 0) -> ReferenceRow:
    """PyVRP's hybrid genetic search on the VRPLIB file (DIMACS rounding), ``time_limit`` s."""
    try:
        import pyvrp
        from pyvrp.stop import MaxRuntime
    except ImportError:
        raise InputError("--reference", "pyvrp is not installed: pip install pyvrp") from None
    started = time.perf_counter()
    data = pyvrp.read(path, round_func="dimacs")
    result = pyvrp.solve(data, stop=MaxRuntime(time_limit), seed=seed, display=False)
    runtime = time.perf_counter() - started
    # A client's ``idx`` counts clients from 0 in file order, after the depots; our ticket ids
    # are the file's node numbers less one (1..n).
    depots = data.num_depots
    routes = [
        [str(depots + a.idx) for a in route.schedule() if a.is_client()]
        for route in result.best.routes()
    ]
    return _score("pyvrp", inst, routes, runtime)


def solve_vroom(inst: Instance, time_limit: float, exploration_level: int = 5) -> ReferenceRow:
    """VROOM (single thread, exploration level 5, ``time_limit`` s) on the same integer data."""
    try:
        import vroom
    except ImportError:
        raise InputError("--reference", "pyvroom is not installed: pip install pyvroom") from None
    problem = inst.problem
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
        [problem.tickets[int(i)].id for i in group["id"]]
        for _, group in jobs.groupby("vehicle_id", sort=True)
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
