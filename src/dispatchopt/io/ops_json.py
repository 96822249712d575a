"""JSON for dispatcher operations: re-plan requests and their change sets, insertion
candidates, slot offers and explanations.

A re-plan request (``dispatchopt replan --request FILE``)::

    {
      "now": "2026-11-23T11:00:00+01:00",
      "freeze": "PT30M",
      "events": [
        {"type": "technician_unavailable", "technician": "TECH-02",
         "start": "2026-11-23T11:00:00+01:00", "end": null},
        {"type": "visit_overrun", "ticket": "T-0004", "end": "2026-11-23T11:40:00+01:00"},
        {"type": "new_tickets", "tickets": [{"id": "EM-1", "location": ..., ...}]},
        {"type": "cancel_ticket", "ticket": "T-0017"}
      ],
      "pins": [{"ticket": "T-0020", "technician": "TECH-05", "start": null,
                "earliest": null, "latest": null}],
      "stability": {"reassign": 20, "move_day": 50, "retime_per_hour": 10,
                    "retime_tolerance": "PT30M", "resequence": 5, "unassign": 0}
    }

Times are ISO-8601 datetimes with offset (or seconds since the problem origin), durations
ISO-8601 or seconds, as in the native problem format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dispatchopt.errors import InputError
from dispatchopt.explain import Explanation
from dispatchopt.insertion import Candidate, Insertion
from dispatchopt.io.native_json import (
    FORMAT,
    _Reader,
    problem_to_dict,
    result_to_dict,
    ticket_from_dict,
)
from dispatchopt.models.baseline import PlannedVisit, StabilityCosts
from dispatchopt.replan import (
    DEFAULT_STABILITY,
    CancelTicket,
    Event,
    NewTickets,
    Pin,
    Replan,
    TechnicianUnavailable,
    VisitOverrun,
)
from dispatchopt.slots import SlotOffer
from dispatchopt.timefmt import to_datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class ReplanRequest:
    """A parsed re-plan request: ``now``, ``freeze``, events, pins, stability prices."""

    now: int
    freeze: int
    events: tuple[Event, ...]
    pins: tuple[Pin, ...]
    stability: StabilityCosts


_EVENT_FIELDS = {
    "technician_unavailable": {"type", "technician", "start", "end"},
    "visit_overrun": {"type", "ticket", "end"},
    "new_tickets": {"type", "tickets"},
    "cancel_ticket": {"type", "ticket"},
}


def _event(data: object, k: int, origin: datetime) -> Event:
    record = f"events[{k}]"
    kind = data.get("type") if isinstance(data, Mapping) else None
    if kind not in _EVENT_FIELDS:
        raise InputError(record, f"type must be one of {sorted(_EVENT_FIELDS)}, got {kind!r}")
    r = _Reader(data, record, origin, _EVENT_FIELDS[kind])
    if kind == "technician_unavailable":
        return TechnicianUnavailable(
            technician_id=str(r.require("technician")),
            start=r.required_time("start"),
            end=r.time("end"),
        )
    if kind == "visit_overrun":
        return VisitOverrun(ticket_id=str(r.require("ticket")), end=r.required_time("end"))
    if kind == "cancel_ticket":
        return CancelTicket(ticket_id=str(r.require("ticket")))
    raw = r.require("tickets")
    if not isinstance(raw, list):
        raise r.fail("tickets must be a list")
    return NewTickets(
        tickets=tuple(
            ticket_from_dict(t, i, origin, f"{record} tickets") for i, t in enumerate(raw)
        )
    )


def replan_request_from_dict(data: Mapping[str, Any], origin: datetime) -> ReplanRequest:
    """Read a re-plan request (see the module docstring)."""
    r = _Reader(data, "request", origin, {"now", "freeze", "events", "pins", "stability"})
    events_raw, pins_raw = r.data.get("events") or [], r.data.get("pins") or []
    if not isinstance(events_raw, list) or not isinstance(pins_raw, list):
        raise r.fail("events and pins must be lists")
    pins = []
    for k, item in enumerate(pins_raw):
        p = _Reader(
            item, f"pins[{k}]", origin, {"ticket", "technician", "start", "earliest", "latest"}
        )
        pins.append(
            Pin(
                ticket_id=str(p.require("ticket")),
                technician_id=p.data.get("technician"),
                start=p.time("start"),
                earliest=p.time("earliest"),
                latest=p.time("latest"),
            )
        )
    stability = DEFAULT_STABILITY
    if r.has("stability"):
        s = _Reader(
            r.data["stability"],
            "stability",
            origin,
            {
                "reassign",
                "move_day",
                "retime_per_hour",
                "retime_tolerance",
                "resequence",
                "unassign",
            },
        )
        stability = StabilityCosts(
            reassign=s.number("reassign", 0.0),
            move_day=s.number("move_day", 0.0),
            retime_per_hour=s.number("retime_per_hour", 0.0),
            retime_tolerance=s.duration("retime_tolerance", 0) or 0,
            resequence=s.number("resequence", 0.0),
            unassign=s.number("unassign", 0.0),
        )
    return ReplanRequest(
        now=r.required_time("now"),
        freeze=r.duration("freeze", 0) or 0,
        events=tuple(_event(e, k, origin) for k, e in enumerate(events_raw)),
        pins=tuple(pins),
        stability=stability,
    )


def parse_time(value: object, origin: datetime) -> int:
    """A time given as ISO-8601 with offset or as seconds since ``origin``."""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    return _Reader({"t": value}, "time", origin, {"t"}).required_time("t")


def _iso(seconds: int | None, origin: datetime) -> str | None:
    return None if seconds is None else to_datetime(seconds, origin).isoformat()


def _planned(pv: PlannedVisit | None, origin: datetime) -> dict[str, Any] | None:
    if pv is None:
        return None
    return {
        "technician": pv.technician_id,
        "shift": pv.shift_index,
        "start": _iso(pv.start, origin),
        "position": pv.position,
    }


def replan_to_dict(rp: Replan) -> dict[str, Any]:
    """The re-planned problem and schedule (``dispatchopt validate`` checks one against the
    other), the change set and the figures around it."""
    origin = rp.result.origin
    return {
        "format": FORMAT,
        "problem": problem_to_dict(rp.problem),
        "schedule": result_to_dict(rp.result),
        "committed": sorted(rp.committed),
        "changes": [
            {
                "ticket": c.ticket_id,
                "kind": c.kind,
                "kinds": list(c.kinds),
                "before": _planned(c.before, origin),
                "after": _planned(c.after, origin),
                "cost": round(c.cost, 4),
            }
            for c in rp.changes
        ],
        "disruption": round(rp.disruption, 4),
        "cost_before": round(rp.cost_before, 4),
        "cost_after": round(rp.cost_after, 4),
        "cost_saved": round(rp.cost_saved, 4),
        "unassigned_before": rp.unassigned_before,
        "unassigned_after": rp.unassigned_after,
    }


def candidate_to_dict(c: Candidate, origin: datetime) -> dict[str, Any]:
    """One insertion candidate."""
    return {
        "technician": c.technician_id,
        "shift": c.shift_index,
        "position": c.position,
        "arrival": _iso(c.arrival, origin),
        "start": _iso(c.start, origin),
        "end": _iso(c.end, origin),
        "marginal_cost": round(c.marginal_cost, 4),
        "extra_travel_time": c.extra_travel_time,
        "extra_distance": c.extra_distance,
        "sla_slack": c.sla_slack,
        "moves": [
            {
                "ticket": m.ticket_id,
                "old_start": _iso(m.old_start, origin),
                "new_start": _iso(m.new_start, origin),
            }
            for m in c.moves
        ],
    }


def insertion_to_dict(ins: Insertion, origin: datetime, top: int | None = None) -> dict[str, Any]:
    """Candidates (best per technician, cheapest first) and the rejections."""
    best = ins.by_technician()[:top] if top else ins.by_technician()
    return {
        "format": FORMAT,
        "ticket": ins.ticket_id,
        "candidates": [candidate_to_dict(c, origin) for c in best],
        "rejections": [
            {
                "technician": r.technician_id,
                "shift": r.shift_index,
                "reason": r.reason,
                "message": r.message,
            }
            for r in ins.rejections
        ],
    }


def offers_to_dict(offers: Sequence[SlotOffer], origin: datetime) -> dict[str, Any]:
    """Slot offers, best first."""
    return {
        "format": FORMAT,
        "slots": [
            {
                "start": _iso(o.window.start, origin),
                "end": _iso(o.window.end, origin),
                "feasible": o.feasible,
                "technician": o.technician_id,
                "shift": o.shift_index,
                "service_start": _iso(o.start, origin),
                "marginal_cost": None if o.marginal_cost is None else round(o.marginal_cost, 4),
                "reason": o.reason,
                "message": o.message,
            }
            for o in offers
        ],
    }


def explanation_to_dict(e: Explanation, origin: datetime) -> dict[str, Any]:
    """Why a ticket is out and the verified fixes."""
    return {
        "ticket": e.ticket_id,
        "reason": e.reason,
        "message": e.message,
        "rejections": [
            {
                "technician": r.technician_id,
                "shift": r.shift_index,
                "reason": r.reason,
                "reasons": list(r.reasons),
                "message": r.message,
            }
            for r in e.rejections
        ],
        "fixes": [
            {
                "kind": f.kind,
                "technician": f.technician_id,
                "description": f.description,
                "changes": list(f.changes),
                "size": round(f.size, 2),
                "then": candidate_to_dict(f.candidate, origin),
            }
            for f in e.fixes
        ],
    }
