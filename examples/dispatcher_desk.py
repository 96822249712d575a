"""A dispatcher's morning on the bundled field day: who takes an emergency, which slots to
offer a caller, why tickets are out and what would get them in, and a re-plan at 11:00 when a
technician goes home sick and the emergency must go in.

Run: python examples/dispatcher_desk.py
"""

from __future__ import annotations

from pathlib import Path

from dispatchopt import (
    Location,
    NewTickets,
    Priority,
    SolveParams,
    StabilityCosts,
    TechnicianUnavailable,
    Ticket,
    add_tickets,
    daily_slots,
    explain,
    insertion_candidates,
    offer_slots,
    replan,
    solve,
    validate,
)
from dispatchopt.io.native_json import load_problem

HERE = Path(__file__).resolve().parent
H = 3600


def main(time_limit: float = 5.0) -> None:
    problem, _ = load_problem(HERE / "field_day.json")
    plan = solve(problem, SolveParams(time_limit=time_limit, solution_limit=300))
    print(plan.summary(), "\n")

    # 1. An emergency arrives: who should take it?
    emergency = Ticket(
        id="EM-1",
        location=Location(lat=45.7602, lon=4.8470),
        duration=H,
        priority=Priority.CRITICAL,
        due_by=14 * H,
    )
    with_em = add_tickets(problem, [emergency])
    ranked = insertion_candidates(with_em, plan, "EM-1")
    print("Who takes EM-1?")
    for c in ranked.by_technician()[:3]:
        print(
            f"  {c.technician_id}: starts {plan.clock(c.start)}, +{c.marginal_cost:.2f}, "
            f"SLA slack {c.sla_slack // 60 if c.sla_slack is not None else '-'} min, "
            f"moves {[m.ticket_id for m in c.moves]}"
        )

    # 2. A customer on the phone: which 2-hour slots today and tomorrow?
    caller = Ticket(id="CALL-1", location=Location(lat=45.7500, lon=4.8500), duration=45 * 60)
    with_caller = add_tickets(problem, [caller])
    offers = offer_slots(with_caller, plan, "CALL-1", daily_slots(with_caller, days=2), reserve=0.1)
    print("\nSlots to offer CALL-1 (10 % of each shift kept for emergencies):")
    for o in offers[:3]:
        print(f"  {plan.clock(o.window.start)}-{plan.clock(o.window.end)}: {o.technician_id}")

    # 3. Why are tickets out, and what is the smallest change that gets each one in?
    print("\nUnassigned tickets:")
    for entry in plan.unassigned[:4]:
        print(" ", explain(problem, plan, entry.ticket_id))

    # 4. 11:00: TECH-02 goes home sick and EM-1 must go in. Re-plan, moving little.
    rp = replan(
        problem,
        plan,
        now=11 * H,
        freeze=30 * 60,
        events=[
            TechnicianUnavailable(technician_id="TECH-02", start=11 * H),
            NewTickets(tickets=(emergency,)),
        ],
        stability=StabilityCosts(reassign=30, retime_per_hour=10, retime_tolerance=30 * 60),
        params=SolveParams(time_limit=time_limit),
    )
    print("\nRe-plan at 11:00:")
    print(" ", rp.summary().replace("\n", "\n  "))
    for change in rp.changes:
        print(f"  {change.ticket_id}: {'+'.join(change.kinds)}")
    problems = validate(rp.problem, rp.result)
    print("validator:", problems or "no violations")


if __name__ == "__main__":
    main()
