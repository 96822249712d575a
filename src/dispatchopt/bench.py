"""``dispatchopt bench``: solve standard instances, validate each plan, report gaps to the BKS.

Solomon and Gehring-Homberger gaps use the distance-only DIMACS best-known solutions of
``bks.csv`` (``bks_distance``). Site-dependent (SDVRPTW) instances have none there: their gap is
to the ``Cost`` of the ``.sol`` file beside each instance, with both plans measured at full
precision (:meth:`~dispatchopt.io.vrplib.Instance.plan_distance`). A plan counts as feasible
only if every client is served and the independent validator finds nothing.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from dispatchopt.io.vrplib import read_vrplib

if TYPE_CHECKING:
    from dispatchopt.bench_reference import ReferenceRow
from dispatchopt.params import SolveParams
from dispatchopt.solve import solve
from dispatchopt.validate import validate


@dataclass(frozen=True, kw_only=True, slots=True)
class BenchRow:
    """One instance's outcome."""

    instance: str
    feasible: bool
    vehicles: int
    cost: float
    bks: float | None
    runtime: float
    violations: int
    unassigned: int
    references: tuple[ReferenceRow, ...] = ()
    """Reference solvers' outcomes on the same instance, same limit, same run."""

    @property
    def gap(self) -> float | None:
        """Percent above the best-known distance (None without a BKS or a feasible plan)."""
        return _gap(self.cost, self.bks, self.feasible)

    def reference_gap(self, solver: str) -> float | None:
        """Gap of reference ``solver`` (None if not run, infeasible, or no BKS)."""
        for ref in self.references:
            if ref.solver == solver:
                return _gap(ref.cost, self.bks, ref.feasible)
        return None

    @property
    def family(self) -> str:
        """Instance family: C1, C2, R1, R2, RC1, RC2 (Solomon and Gehring-Homberger names);
        for SDVRPTW PR01-10 (Cordeau and Laporte), PR11-24, and PR11-24A / B (Vidal et al.)."""
        site = re.match(r"^PR(\d+)([AB]?)$", self.instance.upper())
        if site:
            return ("PR01-10" if int(site.group(1)) <= 10 else "PR11-24") + site.group(2)
        match = re.match(r"^([A-Za-z]+\d)", self.instance)
        return match.group(1).upper() if match else self.instance


def _gap(cost: float, bks: float | None, feasible: bool) -> float | None:
    if bks is None or not feasible:
        return None
    return 100.0 * (cost - bks) / bks


def instance_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand directories to their ``.vrp`` files, sorted."""
    files: list[Path] = []
    for p in map(Path, paths):
        files.extend(sorted(p.glob("*.vrp")) if p.is_dir() else [p])
    return files


def load_bks(path: Path | None, near: Sequence[Path]) -> dict[str, float]:
    """Best-known distances by instance name, from ``path`` or a ``bks.csv`` above the files."""
    if path is None:
        for f in near:
            for parent in f.resolve().parents:
                if (parent / "bks.csv").exists():
                    path = parent / "bks.csv"
                    break
            if path is not None:
                break
    if path is None:
        return {}
    with open(path, newline="") as fh:
        return {
            r["instance"]: float(r["bks_distance"])
            for r in csv.DictReader(fh)
            if r.get("bks_distance")
        }


def run_instance(
    path: Path,
    params: SolveParams,
    bks: dict[str, float],
    references: Sequence[str] = (),
) -> BenchRow:
    """Solve and validate one instance, then run each reference solver under the same limit."""
    inst = read_vrplib(path)
    result = solve(inst.problem, params)
    violations = validate(inst.problem, result)
    refs: tuple[ReferenceRow, ...] = ()
    if references:
        from dispatchopt.bench_reference import run_reference

        limit = params.time_limit if params.time_limit is not None else 10.0
        refs = tuple(
            run_reference(name, path, inst, limit, params.seed or 0) for name in references
        )
    return BenchRow(
        instance=inst.name,
        feasible=result.is_feasible() and not violations and not result.unassigned,
        vehicles=result.kpis.routes_used,
        cost=inst.plan_distance(result.routes),
        bks=bks.get(inst.name, inst.best_known(path)),
        runtime=result.runtime,
        violations=len(violations),
        unassigned=len(result.unassigned),
        references=refs,
    )


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def format_table(rows: Sequence[BenchRow]) -> str:
    """The result table, then mean gap per family and overall (references beside ours)."""
    solvers = sorted({ref.solver for r in rows for ref in r.references})
    head = f"{'instance':<12} {'feasible':>8} {'veh':>4} {'cost':>10} {'BKS':>10} {'gap %':>7}"
    head += f" {'time s':>7}" + "".join(f" {s + ' gap %':>12}" for s in solvers)
    lines = [head]
    for r in rows:
        lines.append(
            f"{r.instance:<12} {'yes' if r.feasible else 'NO':>8} {r.vehicles:>4} {r.cost:>10.1f} "
            f"{_fmt(r.bks, '10.1f')} {_fmt(r.gap, '7.2f')} {r.runtime:>7.2f}"
            + "".join(f" {_fmt(r.reference_gap(s), '12.2f')}" for s in solvers)
        )
    lines.append("")
    families: dict[str, list[BenchRow]] = {}
    for r in rows:
        families.setdefault(r.family, []).append(r)
    for name, group in [*sorted(families.items()), ("overall", list(rows))]:
        parts = []
        for label, gap_of in [("ours", lambda r: r.gap)] + [
            (s, lambda r, s=s: r.reference_gap(s)) for s in solvers
        ]:
            gaps = [g for g in map(gap_of, group) if g is not None]
            mean = sum(gaps) / len(gaps) if gaps else None
            parts.append(f"{label} {_fmt(mean, '6.2f')} % ({len(gaps)}/{len(group)} feasible)")
        lines.append(f"{name:<12} mean gap " + "; ".join(parts))
    return "\n".join(lines)


def run_bench(
    paths: Sequence[str | Path],
    params: SolveParams,
    *,
    bks_path: Path | None = None,
    csv_path: Path | None = None,
    progress: TextIO | None = sys.stderr,
    references: Sequence[str] = (),
) -> list[BenchRow]:
    """Run every instance, printing progress; optionally write a CSV."""
    files = instance_files(paths)
    bks = load_bks(bks_path, files)
    rows = []
    for k, f in enumerate(files, 1):
        row = run_instance(f, params, bks, references)
        rows.append(row)
        if progress is not None:
            progress.write(
                f"[{k}/{len(files)}] {row.instance}: {'ok' if row.feasible else 'INFEASIBLE'} "
                f"cost {row.cost:.1f} gap {_fmt(row.gap, '.2f')}% ({row.runtime:.1f}s)"
                + "".join(f"; {ref.solver}: {ref.note}" for ref in row.references if ref.note)
                + "\n"
            )
            progress.flush()
    if csv_path is not None:
        write_csv(rows, csv_path)
    return rows


def write_csv(rows: Sequence[BenchRow], csv_path: Path) -> None:
    """Write bench rows as CSV (reference solvers' columns after ours)."""
    solvers = sorted({ref.solver for r in rows for ref in r.references})
    with open(csv_path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "instance",
                "run",
                "feasible",
                "vehicles",
                "cost",
                "bks",
                "gap_pct",
                "runtime_s",
                "violations",
                "unassigned",
                *(f"{s}_{c}" for s in solvers for c in ("feasible", "cost", "gap_pct")),
            ]
        )
        for k, r in enumerate(rows):
            w.writerow(
                [
                    r.instance,
                    k,
                    int(r.feasible),
                    r.vehicles,
                    f"{r.cost:.1f}",
                    "" if r.bks is None else r.bks,
                    "" if r.gap is None else f"{r.gap:.3f}",
                    f"{r.runtime:.3f}",
                    r.violations,
                    r.unassigned,
                    *(x for s in solvers for x in _ref_cells(r, s)),
                ]
            )


def _ref_cells(row: BenchRow, solver: str) -> list[str]:
    ref = next((x for x in row.references if x.solver == solver), None)
    if ref is None:
        return ["", "", ""]
    gap = row.reference_gap(solver)
    return [str(int(ref.feasible)), f"{ref.cost:.1f}", "" if gap is None else f"{gap:.3f}"]
