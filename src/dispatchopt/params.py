"""Search settings, loadable from TOML so that tuning needs no code change."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from dispatchopt.errors import InputError
from dispatchopt.frozen import FrozenDict

FIRST_SOLUTION_STRATEGIES = (
    "AUTOMATIC",
    "PATH_CHEAPEST_ARC",
    "PATH_MOST_CONSTRAINED_ARC",
    "SAVINGS",
    "PARALLEL_SAVINGS",
    "SWEEP",
    "CHRISTOFIDES",
    "ALL_UNPERFORMED",
    "BEST_INSERTION",
    "PARALLEL_CHEAPEST_INSERTION",
    "SEQUENTIAL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_COST_INSERTION",
    "GLOBAL_CHEAPEST_ARC",
    "LOCAL_CHEAPEST_ARC",
    "FIRST_UNBOUND_MIN_VALUE",
)
METAHEURISTICS = (
    "AUTOMATIC",
    "GREEDY_DESCENT",
    "GUIDED_LOCAL_SEARCH",
    "SIMULATED_ANNEALING",
    "TABU_SEARCH",
    "GENERIC_TABU_SEARCH",
)


def _check_count(name: str, value: object) -> None:
    """Raise :class:`InputError` naming ``name`` unless ``value`` is an integer >= 1 (not a
    bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError("params", f"{name} must be an integer >= 1, got {value!r}")


@dataclass(frozen=True, kw_only=True, slots=True)
class SolveParams:
    """How to search.

    Parameters
    ----------
    time_limit
        Wall-clock limit in seconds for the whole solve (always honoured). ``None``: no limit
        (then give a ``solution_limit``).
    solution_limit
        Stop after this many improving solutions; with it the search is deterministic.
    seed
        Seeds the order in which tickets enter the model; 0 keeps input order.
    first_solution
        OR-Tools first-solution strategy tried first.
    fallback_first_solutions
        Strategies tried in turn when the previous one finds nothing; the last resort is
        always ``ALL_UNPERFORMED`` (every ticket unassigned), so a plan always comes back.
    metaheuristic
        OR-Tools local-search metaheuristic.
    guided_local_search_lambda
        GLS penalty factor. 0.3 rather than OR-Tools' 0.1: all 56 Solomon instances at 10 s
        came out at 2.38 % above the best-known distances instead of 2.64 % (R1 / RC1 / R2 /
        RC2 2.58 / 3.40 / 3.73 / 2.97 % against 3.22 / 4.13 / 3.83 / 3.87 %; C1 0.83 % against
        0.00 %, from C108 and C109), and the 20 Gehring-Homberger R2 and RC2 instances of 200
        clients at 30 s at 8.07 % instead of 9.54 %.
    lns_time_limit
        Seconds each large-neighbourhood move may spend (OR-Tools default 0.1).
    operators
        Switch OR-Tools local-search operators on or off by name, e.g.
        ``{"path_lns": True, "relocate_expensive_chain": False}`` (the ``use_`` prefix of
        ``local_search_operators`` may be left out).
    neighbors_ratio
        Share of nearest neighbours the operators consider (smaller is faster on large
        instances).
    iterated_local_search
        Under a time limit (and no solution limit), a search that starts from OR-Tools' own
        first solution is OR-Tools' iterated local search, set up as ruin and recreate (string
        removal, cheapest re-insertion, simulated-annealing acceptance) instead of the
        metaheuristic; searches from given routes (warm starts, re-planned groups and
        segments) keep the metaheuristic, because OR-Tools' iterated local search cannot start
        from given routes. A day under 250 tickets gives it the first half of its time limit
        (:data:`dispatchopt.decompose.RECREATE_SHARE`), then goes on from its routes (groups
        of routes, segments or the whole-day search).
    ruin_string
        Longest string of consecutive visits ruin and recreate removes from one route per
        round (OR-Tools caps it at the average route length). ``None``: 10, or
        :data:`dispatchopt.decompose.LONG_RUIN_STRING` on a day planned whole whose first
        routes are too long for groups of routes.
    ruin_visits
        Visits ruin and recreate removes per round, on average (``None``: 20; in a portfolio,
        30 on every other worker, :data:`dispatchopt.solve.PORTFOLIO_RUIN_VISITS`). 30 did not
        pay on Gehring-Homberger 200 at 30 s: on R2 and RC2 (long routes) 3.42 % and 3.75 %
        above the best-known distances against 3.72 % and 3.21 % in two pairs of runs side by
        side; on R1 and RC1 (short routes) 3.38 % against 2.94 %.
    workers
        Portfolio size: solve this many variants in parallel processes and keep the best plan
        (:func:`dispatchopt.solve.portfolio_variants`: variant ``k`` uses seed ``seed + k``,
        and every other one ruins 30 visits per round unless ``ruin_visits`` is set). 1
        (default) solves in this process.
    priority_repair
        After the search, serve unassigned tickets by ejecting strictly lower-priority visits
        (:mod:`dispatchopt.ejection`); 20 % of the time limit (at most 10 s) is kept for it
        when tickets have more than one priority, and what it leaves unused goes back to the
        search, from the repaired plan.
    decompose
        Plan a large day (250 tickets or more) in parts of nearby tickets and technicians,
        a smaller one from its first solution; then, under a time limit of 2 s or more
        and no solution limit, re-plan groups of nearby routes; then search the whole day
        from those routes (:mod:`dispatchopt.decompose`).
    log_search
        Let OR-Tools log its search.
    """

    time_limit: float | None = 10.0
    solution_limit: int | None = None
    seed: int = 0
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    fallback_first_solutions: tuple[str, ...] = ("LOCAL_CHEAPEST_INSERTION", "PATH_CHEAPEST_ARC")
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    guided_local_search_lambda: float = 0.3
    lns_time_limit: float | None = None
    operators: Mapping[str, bool] = field(default_factory=dict)
    neighbors_ratio: float | None = None
    iterated_local_search: bool = True
    ruin_string: int | None = None
    ruin_visits: int | None = None
    workers: int = 1
    priority_repair: bool = True
    decompose: bool = True
    log_search: bool = False

    def __post_init__(self) -> None:
        if self.time_limit is not None and not (
            math.isfinite(self.time_limit) and self.time_limit > 0
        ):
            raise InputError("params", f"time_limit must be > 0 seconds, got {self.time_limit!r}")
        if self.solution_limit is not None and self.solution_limit < 1:
            raise InputError("params", f"solution_limit must be >= 1, got {self.solution_limit!r}")
        if self.time_limit is None and self.solution_limit is None:
            raise InputError("params", "give a time_limit or a solution_limit (or both)")
        object.__setattr__(self, "fallback_first_solutions", tuple(self.fallback_first_solutions))
        for name in (self.first_solution, *self.fallback_first_solutions):
            if name not in FIRST_SOLUTION_STRATEGIES:
                raise InputError(
                    "params",
                    f"first_solution {name!r} is not one of {', '.join(FIRST_SOLUTION_STRATEGIES)}",
                )
        if self.lns_time_limit is not None and not self.lns_time_limit > 0:
            raise InputError("params", f"lns_time_limit must be > 0, got {self.lns_time_limit!r}")
        if self.neighbors_ratio is not None and not 0 < self.neighbors_ratio <= 1:
            raise InputError(
                "params", f"neighbors_ratio must be in (0, 1], got {self.neighbors_ratio!r}"
            )
        if not isinstance(self.operators, Mapping) or not all(
            isinstance(v, bool) for v in self.operators.values()
        ):
            raise InputError("params", "operators must map operator names to true/false")
        object.__setattr__(
            self,
            "operators",
            FrozenDict({k.removeprefix("use_"): v for k, v in self.operators.items()}),
        )
        for name in ("ruin_string", "ruin_visits"):
            value = getattr(self, name)
            if value is not None:
                _check_count(name, value)
        _check_count("workers", self.workers)
        if self.metaheuristic not in METAHEURISTICS:
            raise InputError(
                "params",
                f"metaheuristic {self.metaheuristic!r} is not one of {', '.join(METAHEURISTICS)}",
            )

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> SolveParams:
        """Build from a mapping (e.g. a TOML table), rejecting unknown keys."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InputError("params", f"unknown setting(s) {unknown}; known: {sorted(known)}")
        try:
            return cls(**values)  # type: ignore[arg-type]
        except TypeError as exc:
            raise InputError("params", str(exc)) from None

    @classmethod
    def from_toml(cls, path: str | Path) -> SolveParams:
        """Read settings from a TOML file (top level or a ``[solve]`` table)."""
        data = tomllib.loads(Path(path).read_text())
        table = data.get("solve", data)
        if not isinstance(table, Mapping):
            raise InputError(str(path), "[solve] must be a table")
        return cls.from_mapping(table)
