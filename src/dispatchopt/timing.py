"""Timing helpers shared by the backends and the insertion engine (not by the validator)."""

from __future__ import annotations

from collections.abc import Sequence

from dispatchopt.result import Visit


def drive(depart: int, travel: int, breaks: Sequence[tuple[int, int]]) -> int:
    """Arrival when driving ``travel`` seconds from ``depart``, pausing for ``breaks``.

    ``breaks`` are ``(start, end)`` pairs; driving stops during any break that begins before
    the arrival and resumes when it ends.
    """
    now, left = depart, travel
    for b_start, b_end in sorted(breaks):
        if b_end <= now:
            continue
        if now + left <= b_start:
            break
        left -= max(0, b_start - now)
        now = max(now, b_end)
    return now + left


def arrival_and_wait(
    depart: int, travel: int, start: int, breaks: Sequence[tuple[int, int]]
) -> tuple[int, int]:
    """Arrival and waiting for a service that starts at ``start``, leaving at ``depart``.

    Driving is as early as possible, pausing for the breaks that begin between departure and
    service; waiting is the idle time left after driving and those breaks.
    """
    on_way = [(a, b) for a, b in breaks if depart <= a < start]
    arrival = drive(depart, travel, on_way)
    paused = sum(max(0, min(b, start) - max(a, arrival)) for a, b in on_way)
    return arrival, start - arrival - paused


def timed_visit(
    ticket_id: str,
    *,
    depart: int,
    travel: int,
    distance: int,
    start: int,
    duration: int,
    breaks: Sequence[tuple[int, int]],
) -> Visit:
    """The :class:`Visit` of a service starting at ``start``, reached by leaving at ``depart``
    (arrival and waiting from :func:`arrival_and_wait`)."""
    arrival, waiting = arrival_and_wait(depart, travel, start, breaks)
    return Visit(
        ticket_id=ticket_id,
        arrival=arrival,
        start=start,
        end=start + duration,
        travel_time=travel,
        distance=distance,
        waiting=waiting,
    )
