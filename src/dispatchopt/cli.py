"""Command line: ``dispatchopt solve | replan | insert | slots | explain | validate | generate |
demo | bench``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from dispatchopt.errors import InputError
from dispatchopt.io.native_json import (
    dump_json,
    load_problem,
    problem_to_dict,
    read_json,
    result_from_dict,
    result_to_dict,
)
from dispatchopt.models.problem import Problem
from dispatchopt.params import SolveParams
from dispatchopt.result import Result
from dispatchopt.solve import solve
from dispatchopt.validate import validate


def _params(args: argparse.Namespace, base: SolveParams | None) -> SolveParams:
    params = SolveParams.from_toml(args.params) if args.params else (base or SolveParams())
    changes: dict[str, object] = {}
    if args.time_limit is not None:
        changes["time_limit"] = args.time_limit
    if args.solution_limit is not None:
        changes["solution_limit"] = args.solution_limit
    if args.seed is not None:
        changes["seed"] = args.seed
    return replace(params, **changes) if changes else params  # type: ignore[arg-type]


def _run_solve(
    problem: Problem,
    params: SolveParams,
    args: argparse.Namespace,
    *,
    vroom_warnings: list[str] | None = None,
    scale: int = 1,
) -> int:
    result = solve(problem, params)
    violations = validate(problem, result)
    as_vroom = args.output_format == "vroom"
    if as_vroom:
        from dispatchopt.io.vroom import result_to_vroom

        doc = result_to_vroom(result, problem, vroom_warnings, scale=scale)
    else:
        doc = result_to_dict(result)
    if not args.quiet:
        if as_vroom and not args.output:
            sys.stdout.write(dump_json(doc))
        else:
            print(result)
            print()
            print(
                "validator: "
                + ("no violations" if not violations else f"{len(violations)} violation(s)")
            )
            for v in violations:
                print(f"  {v}")
            for w in vroom_warnings or []:
                print(f"note: {w}")
    if args.output:
        dump_json(doc, args.output)
        if not args.quiet:
            print(f"schedule written to {args.output}")
    return 1 if violations or not result.is_feasible() else 0


def _detect_format(path: Path) -> str:
    if path.suffix.lower() in {".vrp", ".txt"}:
        return "vrplib"
    doc = read_json(path)
    if isinstance(doc, dict) and ("jobs" in doc or "shipments" in doc) and "technicians" not in doc:
        return "vroom"
    return "native"


def _cmd_solve(args: argparse.Namespace) -> int:
    fmt = args.format if args.format != "auto" else _detect_format(args.problem)
    warnings: list[str] | None = None
    options = None
    scale = 1
    if fmt == "vrplib":
        from dispatchopt.io.vrplib import read_vrplib

        instance = read_vrplib(args.problem)
        problem, scale = instance.problem, instance.scale
    elif fmt == "vroom":
        from dispatchopt.io.vroom import vroom_error, vroom_to_problem

        try:
            problem, warnings = vroom_to_problem(read_json(args.problem))
        except InputError as exc:
            if args.output_format == "vroom":
                text = dump_json(vroom_error(str(exc)), args.output)
                if not args.output:
                    sys.stdout.write(text)
            raise
    else:
        problem, options = load_problem(args.problem)
    return _run_solve(problem, _params(args, options), args, vroom_warnings=warnings, scale=scale)


def _cmd_bench(args: argparse.Namespace) -> int:
    from dispatchopt.bench import format_table, run_bench, write_csv

    params = SolveParams.from_toml(args.params) if args.params else SolveParams()
    params = replace(params, time_limit=args.time_limit)
    if args.solution_limit is not None:
        params = replace(params, solution_limit=args.solution_limit)
    rows = []
    for seed in range(args.seeds):
        seeded = replace(params, seed=seed)
        rows += run_bench(args.paths, seeded, bks_path=args.bks, references=args.reference)
    if args.csv:
        write_csv(rows, args.csv)
    print(format_table(rows))
    return 0 if all(r.feasible for r in rows) else 1


def _cmd_bench_days(args: argparse.Namespace) -> int:
    from dispatchopt.bench_days import (
        format_days,
        parse_size,
        run_days,
        summarize_days,
        write_days_csv,
    )

    params = SolveParams.from_toml(args.params) if args.params else SolveParams()
    params = replace(params, time_limit=args.time_limit)
    sizes = [parse_size(s) for s in args.sizes]
    print(format_days([], header=True))
    rows = run_days(sizes, params, seeds=args.seeds, references=args.reference)
    for name in args.reference:
        print(summarize_days(rows, name))
    if args.csv:
        write_days_csv(rows, args.csv)
    return 0 if all(s.violations == 0 for r in rows for s in r.sides) else 1


def _cmd_demo(args: argparse.Namespace) -> int:
    from dispatchopt.generate import generate

    problem = generate(60, 8, seed=args.instance_seed, impossible_share=0.03)
    return _run_solve(problem, _params(args, None), args)


def _cmd_validate(args: argparse.Namespace) -> int:
    problem, _ = load_problem(args.problem)
    result = result_from_dict(read_json(args.schedule), problem)
    violations = validate(problem, result)
    for v in violations:
        print(v)
    print("no violations" if not violations else f"{len(violations)} violation(s)")
    return 1 if violations else 0


def _load_plan(args: argparse.Namespace) -> tuple[Problem, Result, SolveParams | None]:
    problem, options = load_problem(args.problem)
    return problem, result_from_dict(read_json(args.schedule), problem), options


def _emit(doc: object, args: argparse.Namespace) -> None:
    if args.output:
        dump_json(doc, args.output)
        print(f"written to {args.output}")


def _ticket_arg(problem: Problem, args: argparse.Namespace) -> tuple[Problem, str]:
    """A ticket id of the problem, or a JSON file holding a new ticket."""
    from dispatchopt.insertion import add_tickets
    from dispatchopt.io.native_json import ticket_from_dict

    if args.ticket in problem.ticket_index:
        return problem, args.ticket
    path = Path(args.ticket)
    if not path.exists():
        raise InputError("ticket", f"{args.ticket!r} is neither a ticket id nor a JSON file")
    new = ticket_from_dict(read_json(path), 0, problem.origin, "ticket")
    return add_tickets(problem, [new]), new.id


def _cmd_replan(args: argparse.Namespace) -> int:
    from dispatchopt.io.ops_json import replan_request_from_dict, replan_to_dict
    from dispatchopt.replan import replan

    problem, plan, options = _load_plan(args)
    raw: dict[str, object] = dict(read_json(args.request)) if args.request else {}
    if args.now is not None:
        raw["now"] = args.now
    if args.freeze is not None:
        raw["freeze"] = args.freeze * 60
    if "now" not in raw:
        raise InputError("replan", "give --now or a request with 'now'")
    request = replan_request_from_dict(raw, problem.origin)
    rp = replan(
        problem,
        plan,
        now=request.now,
        events=request.events,
        pins=request.pins,
        freeze=request.freeze,
        stability=request.stability,
        params=_params(args, options),
    )
    violations = validate(rp.problem, rp.result)
    print(rp.result)
    print()
    print(rp.summary())
    for c in rp.changes:
        before = f"{c.before.technician_id} {rp.result.clock(c.before.start)}" if c.before else "-"
        after = f"{c.after.technician_id} {rp.result.clock(c.after.start)}" if c.after else "-"
        print(f"    {c.ticket_id}: {'+'.join(c.kinds)}  {before} -> {after}  ({c.cost:,.2f})")
    print(
        "validator: " + ("no violations" if not violations else f"{len(violations)} violation(s)")
    )
    for v in violations:
        print(f"  {v}")
    _emit(replan_to_dict(rp), args)
    return 1 if violations or not rp.result.is_feasible() else 0


def _cmd_insert(args: argparse.Namespace) -> int:
    from dispatchopt.insertion import insertion_candidates
    from dispatchopt.io.ops_json import insertion_to_dict

    problem, plan, _ = _load_plan(args)
    problem, ticket_id = _ticket_arg(problem, args)
    ins = insertion_candidates(problem, plan, ticket_id)
    best = ins.by_technician()[: args.top]
    print(f"{ticket_id}: {len(ins.by_technician())} technician(s) can take it")
    for c in best:
        slack = "" if c.sla_slack is None else f", SLA slack {c.sla_slack // 60} min"
        moved = f", moves {len(c.moves)} visit(s)" if c.moves else ""
        print(
            f"    {c.technician_id} shift {c.shift_index}: start {plan.clock(c.start)}, "
            f"+{c.marginal_cost:,.2f}, +{c.extra_travel_time // 60} min drive{slack}{moved}"
        )
    for r in ins.rejections[: args.top]:
        print(f"    not {r.technician_id} shift {r.shift_index}: {r.reason} - {r.message}")
    doc = insertion_to_dict(ins, problem.origin, args.top)
    if args.repair_now is not None:
        from dispatchopt.io.ops_json import parse_time
        from dispatchopt.replan import repair_candidates

        repaired = repair_candidates(
            problem,
            plan,
            ticket_id,
            now=parse_time(args.repair_now, problem.origin),
            top=args.top,
            params=SolveParams(time_limit=args.repair_time),
        )
        print("after a short repair:")
        for rc in repaired:
            print(
                f"    {rc.candidate.technician_id}: +{rc.marginal_cost:,.2f} "
                f"(insertion alone +{rc.candidate.marginal_cost:,.2f}, "
                f"{len(rc.replan.changes)} change(s))"
            )
        doc["repaired"] = [
            {
                "technician": rc.candidate.technician_id,
                "marginal_cost": round(rc.marginal_cost, 4),
                "changes": len(rc.replan.changes),
            }
            for rc in repaired
        ]
    _emit(doc, args)
    return 0 if best else 1


def _cmd_slots(args: argparse.Namespace) -> int:
    from dispatchopt.io.ops_json import offers_to_dict
    from dispatchopt.slots import daily_slots, offer_slots

    problem, plan, _ = _load_plan(args)
    problem, ticket_id = _ticket_arg(problem, args)
    slots = daily_slots(
        problem,
        days=args.days,
        first_day=args.first_day,
        start_hour=args.start_hour,
        end_hour=args.end_hour,
        hours=args.hours,
    )
    offers = offer_slots(problem, plan, ticket_id, slots, reserve=args.reserve)
    for o in offers[: args.top]:
        window = f"{plan.clock(o.window.start)}-{plan.clock(o.window.end)}"
        if o.feasible:
            print(f"    {window}: {o.technician_id}, +{o.marginal_cost:,.2f}")
        else:
            print(f"    {window}: not possible ({o.reason}) {o.message}")
    _emit(offers_to_dict(offers, problem.origin), args)
    return 0 if any(o.feasible for o in offers) else 1


def _cmd_explain(args: argparse.Namespace) -> int:
    from dispatchopt.explain import explain
    from dispatchopt.io.ops_json import explanation_to_dict

    problem, plan, _ = _load_plan(args)
    ids = args.tickets or [u.ticket_id for u in plan.unassigned]
    out = []
    for ticket_id in ids:
        e = explain(problem, plan, ticket_id)
        print(e)
        out.append(explanation_to_dict(e, problem.origin))
    _emit({"explanations": out}, args)
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from dispatchopt.generate import generate

    problem = generate(
        args.tickets,
        args.technicians,
        seed=args.seed,
        days=args.days,
        impossible_share=args.impossible_share,
    )
    text = dump_json(problem_to_dict(problem), args.output)
    if not args.output:
        sys.stdout.write(text)
    return 0


def _add_search_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--time-limit", type=float, help="seconds (default 10)")
    p.add_argument("--solution-limit", type=int, help="stop after N solutions (deterministic)")
    p.add_argument("--seed", type=int, help="search seed")
    p.add_argument("--params", type=Path, help="PARAMS.toml with search settings")
    p.add_argument("-o", "--output", type=Path, help="write the schedule as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    p.add_argument(
        "--output-format",
        choices=["native", "vroom"],
        default="native",
        help="schedule JSON shape (vroom: VROOM's output; printed when no -o)",
    )


def _add_plan_args(p: argparse.ArgumentParser, *, ticket: bool) -> None:
    p.add_argument("problem", type=Path)
    p.add_argument("schedule", type=Path, help="the current schedule (native JSON)")
    if ticket:
        p.add_argument("ticket", help="a ticket id of the problem or a JSON file with a new ticket")


def _add_bench_options(
    p: argparse.ArgumentParser, *, time_limit: float, references: list[str], what: str
) -> None:
    p.add_argument("--time-limit", type=float, default=time_limit)
    p.add_argument("--seeds", type=int, default=1, help=f"run each {what} with seeds 0..N-1")
    p.add_argument("--params", type=Path, help="PARAMS.toml with search settings")
    p.add_argument("--csv", type=Path, help="write the rows as CSV")
    p.add_argument(
        "--reference",
        action="append",
        default=[],
        choices=references,
        help=f"also solve each {what} with this solver under the same limit (repeatable; "
        "pip install 'dispatchopt[bench]')",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(prog="dispatchopt", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("solve", help="plan a problem file and print the schedule")
    p.add_argument("problem", type=Path)
    p.add_argument(
        "--format",
        choices=["auto", "native", "vroom", "vrplib"],
        default="auto",
        help="input format (default: recognised from the file)",
    )
    _add_search_options(p)
    p.set_defaults(func=_cmd_solve)

    p = sub.add_parser("demo", help="plan a generated 60-ticket, 8-technician day")
    p.add_argument("--instance-seed", type=int, default=7)
    _add_search_options(p)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("bench", help="solve benchmark instances, validate, print gaps to BKS")
    p.add_argument("paths", nargs="+", type=Path, help=".vrp files or directories")
    _add_bench_options(p, time_limit=10.0, references=["pyvrp", "vroom"], what="instance")
    p.add_argument("--solution-limit", type=int)
    p.add_argument(
        "--bks",
        type=Path,
        help="bks.csv (default: found above the instances; SDVRPTW: the .sol beside each)",
    )
    p.set_defaults(func=_cmd_bench)

    p = sub.add_parser(
        "bench-days", help="generated field-service days: ours and VROOM side by side"
    )
    p.add_argument("sizes", nargs="+", help="days as TICKETSxTECHNICIANS, e.g. 300x30")
    _add_bench_options(p, time_limit=30.0, references=["vroom"], what="day")
    p.set_defaults(func=_cmd_bench_days)

    p = sub.add_parser(
        "replan", help="re-plan a started day: events, pins, priced changes, a change set"
    )
    p.add_argument("problem", type=Path)
    p.add_argument("schedule", type=Path, help="the current schedule (native JSON)")
    p.add_argument("--request", type=Path, help="JSON with now, freeze, events, pins, stability")
    p.add_argument("--now", help="current time (ISO-8601 with offset); overrides the request")
    p.add_argument("--freeze", type=int, help="minutes after now in which nothing changes")
    _add_search_options(p)
    p.set_defaults(func=_cmd_replan)

    p = sub.add_parser("insert", help="rank the technicians who could take a ticket now")
    _add_plan_args(p, ticket=True)
    p.add_argument("--top", type=int, default=5)
    p.add_argument(
        "--repair-now",
        help="current time (ISO-8601 or seconds): also re-plan around the best --top insertions",
    )
    p.add_argument("--repair-time", type=float, default=1.0, help="seconds per repair")
    p.add_argument("-o", "--output", type=Path, help="write the candidates as JSON")
    p.set_defaults(func=_cmd_insert)

    p = sub.add_parser("slots", help="appointment slots to offer for a ticket, best first")
    _add_plan_args(p, ticket=True)
    p.add_argument("--days", type=int, default=5)
    p.add_argument("--first-day", type=int, default=0, help="days after the problem origin")
    p.add_argument("--start-hour", type=int, default=8)
    p.add_argument("--end-hour", type=int, default=18)
    p.add_argument("--hours", type=int, default=2, help="slot length")
    p.add_argument("--reserve", type=float, default=0.0, help="share of shifts kept free")
    p.add_argument("--top", type=int, default=3)
    p.add_argument("-o", "--output", type=Path, help="write all offers as JSON")
    p.set_defaults(func=_cmd_slots)

    p = sub.add_parser("explain", help="why tickets are unassigned and the smallest fixes")
    _add_plan_args(p, ticket=False)
    p.add_argument("tickets", nargs="*", help="ticket ids (default: every unassigned one)")
    p.add_argument("-o", "--output", type=Path, help="write the explanations as JSON")
    p.set_defaults(func=_cmd_explain)

    p = sub.add_parser("validate", help="check a schedule against a problem; exit 1 on violations")
    p.add_argument("problem", type=Path)
    p.add_argument("schedule", type=Path)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("generate", help="write a synthetic problem as JSON")
    p.add_argument("--tickets", type=int, default=60)
    p.add_argument("--technicians", type=int, default=8)
    p.add_argument("--days", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--impossible-share", type=float, default=0.0)
    p.add_argument("-o", "--output", type=Path)
    p.set_defaults(func=_cmd_generate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dispatchopt`` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    try:
        code: int = args.func(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"error: {exc.filename}: no such file", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
