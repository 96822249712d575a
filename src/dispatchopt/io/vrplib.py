"""Standard benchmark files: Solomon / Gehring-Homberger (VRPLIB CVRPTW) and the PyVRP
dialect of site-dependent VRPTW, read under the DIMACS convention.

DIMACS convention (see ``shared/instances/README.md``): every distance and travel time is the
Euclidean length truncated to one decimal. Inside, all values are scaled by ``SCALE`` = 10 so
they are integers: ``d_ij = floor(10 * euclid(i, j))``; times, service and windows are
multiplied by 10 as well. Divide a plan's distance by ``SCALE`` to compare with a best-known
solution. The window end is the latest service start; the depot's due date bounds the return.

The published SDVRPTW plans are costed at full precision instead (their ``Cost`` is 1000 x
the Euclidean distance): :meth:`Instance.plan_distance` and :meth:`Instance.best_known` give
both sides of a gap in those units, while the search still runs on the truncated integers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from dispatchopt.errors import InputError
from dispatchopt.models.location import Location
from dispatchopt.models.problem import Problem
from dispatchopt.models.technician import Shift, Technician
from dispatchopt.models.ticket import Ticket, TimeWindow
from dispatchopt.models.travel import MatrixTravel
from dispatchopt.result import Route

SCALE = 10
ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
_HEADER = re.compile(r"^\s*([A-Z_]+)\s*:\s*(.*?)\s*$")


SDVRPTW_COST_SCALE = 1000
"""An SDVRPTW ``.sol`` file's ``Cost`` is this many times the plan's full-precision Euclidean
distance (checked on all 52 published plans by a test)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Instance:
    """A benchmark instance as a dispatch problem, plus what a gap computation needs."""

    name: str
    problem: Problem
    scale: int = SCALE
    coordinates: npt.NDArray[np.float64] | None = None
    """Node coordinates in file order (row 0 the depot); client ``i`` is ticket id ``"i"``."""
    exact_distance: bool = False
    """Whether the set's best-known costs are full-precision Euclidean distances (SDVRPTW),
    not DIMACS-truncated ones (Solomon, Gehring-Homberger)."""

    def plan_distance(self, routes: Sequence[Route]) -> float:
        """The routes' total distance in the units of the set's best-known costs: the plan's
        own (truncated, unscaled) distance, or for SDVRPTW the full-precision Euclidean length
        of depot -> clients -> depot recomputed from the coordinates."""
        if not self.exact_distance or self.coordinates is None:
            return sum(r.distance for r in routes) / self.scale
        xy = self.coordinates
        total = 0.0
        for route in routes:
            if route.visits:
                nodes = [0, *(int(v.ticket_id) for v in route.visits), 0]
                legs = np.diff(xy[nodes], axis=0)
                total += float(np.hypot(legs[:, 0], legs[:, 1]).sum())
        return total

    def best_known(self, path: str | Path) -> float | None:
        """The best-known cost that the ``.sol`` file beside ``path`` gives in the units of
        :meth:`plan_distance`, for a set whose ``bks.csv`` has none (SDVRPTW); else ``None``."""
        sol = Path(path).with_suffix(".sol")
        if not self.exact_distance or not sol.exists():
            return None
        _, cost = read_solution(sol)
        return None if cost is None else cost / SDVRPTW_COST_SCALE


def parse_vrplib(
    text: str, source: str = "instance"
) -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    """Split a VRPLIB file into header fields and sections (rows of tokens)."""
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("_SECTION") or line.split()[0].endswith("_SECTION"):
            current = line.split()[0]
            sections[current] = []
            continue
        match = _HEADER.match(line)
        if match and not re.match(r"^-?\d", line):
            header[match.group(1)] = match.group(2)
            current = None
            continue
        if current is None:
            raise InputError(source, f"unexpected line outside a section: {line!r}")
        sections[current].append(line.split())
    return header, sections


def _column(sections: dict[str, list[list[str]]], name: str, n: int, source: str) -> np.ndarray:
    rows = sections.get(name)
    if rows is None:
        raise InputError(source, f"{name} is missing")
    if len(rows) != n:
        raise InputError(source, f"{name} has {len(rows)} rows, DIMENSION says {n}")
    return np.array([[float(x) for x in row[1:]] for row in rows])


def read_vrplib(path: str | Path) -> Instance:
    """Read a Solomon / Gehring-Homberger / SDVRPTW ``.vrp`` file as a :class:`Problem`.

    Vehicles become technicians (one shift over the depot's window, start and end at the depot),
    clients become tickets with ids ``"1"`` .. ``"n"`` (the client numbers of ``.sol`` files),
    demand becomes ``load`` against the vehicle ``capacity``. Costs are distance only.
    """
    path = Path(path)
    source = path.name
    header, sections = parse_vrplib(path.read_text(), source)
    try:
        n = int(header["DIMENSION"])
        n_vehicles = int(header.get("VEHICLES", "0")) or n - 1
    except (KeyError, ValueError):
        raise InputError(source, "DIMENSION and VEHICLES must be integers") from None
    coords = _column(sections, "NODE_COORD_SECTION", n, source)
    euclid = np.sqrt(((coords[:, None, :] - coords[None, :, :]) ** 2).sum(axis=2))
    dist = np.floor(euclid * SCALE + 1e-9).astype(np.int64)
    demand = _column(sections, "DEMAND_SECTION", n, source)[:, 0].astype(np.int64)
    windows = _column(sections, "TIME_WINDOW_SECTION", n, source)
    if "SERVICE_TIME_SECTION" in sections:
        service = _column(sections, "SERVICE_TIME_SECTION", n, source)[:, 0]
    else:
        service = np.full(n, float(header.get("SERVICE_TIME", "0")))
        service[0] = 0.0
    depot_rows = sections.get("DEPOT_SECTION", [["1"]])
    depot = int(depot_rows[0][0]) - 1
    if depot != 0:
        raise InputError(source, "only instances whose depot is node 1 are supported")
    if "CAPACITY_SECTION" in sections:
        caps = [int(float(row[1])) for row in sections["CAPACITY_SECTION"]]
    else:
        caps = [int(header.get("CAPACITY", "0"))] * n_vehicles
    max_duration = header.get("VEHICLES_MAX_DURATION")
    allowed: dict[int, set[str]] = {}
    for row in sections.get("VEHICLES_ALLOWED_CLIENTS_SECTION", []):
        vehicle = int(row[0])
        for client in row[1:]:
            allowed.setdefault(int(client) - 1, set()).add(f"V{vehicle}")
    shift = Shift(start=round(windows[0, 0] * SCALE), end=round(windows[0, 1] * SCALE))
    technicians = tuple(
        Technician(
            id=f"V{k + 1}",
            start=Location(index=0),
            shifts=(shift,),
            capacity={"load": caps[k]},
            # The SDVRPTW maximum route duration counts driving and service, not waiting: all 52
            # published best-known plans respect it so, 46 break it as departure-to-return.
            max_busy_time=None if max_duration is None else round(float(max_duration) * SCALE),
            cost_per_km=1000.0,  # 1 cost unit per distance unit: objective = scaled distance
        )
        for k in range(len(caps))
    )
    restricted = bool(allowed)
    tickets = tuple(
        Ticket(
            id=str(i),
            location=Location(index=i),
            duration=round(service[i] * SCALE),
            time_windows=(
                TimeWindow(start=round(windows[i, 0] * SCALE), end=round(windows[i, 1] * SCALE)),
            ),
            load={"load": int(demand[i])},
            required_technicians=frozenset(allowed.get(i, set())) if restricted else frozenset(),
        )
        for i in range(1, n)
    )
    problem = Problem(
        technicians=technicians,
        tickets=tickets,
        origin=ORIGIN,
        travel=MatrixTravel(durations=dist, distances=dist),
    )
    return Instance(
        name=header.get("NAME", path.stem),
        problem=problem,
        coordinates=coords,
        exact_distance=header.get("TYPE", "").upper() == "SDVRPTW",
    )


def read_solution(path: str | Path) -> tuple[list[list[int]], float | None]:
    """Read a ``.sol`` file: routes as lists of client numbers, and its ``Cost`` if given."""
    routes: list[list[int]] = []
    cost = None
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line.lower().startswith("route"):
            _, _, rest = line.partition(":")
            routes.append([int(x) for x in rest.split()])
        elif line.lower().startswith("cost"):
            cost = float(line.split()[1])
    return routes, cost
