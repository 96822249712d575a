"""Conversions between integer seconds (inside) and readable or ISO-8601 times (outside)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_ISO_DURATION = re.compile(
    r"^P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def fmt_clock(seconds: int) -> str:
    """Format seconds since the planning origin as ``HH:MM`` (``+Nd HH:MM`` after day 0)."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")
    return f"{sign}+{days}d {clock}" if days else f"{sign}{clock}"


def fmt_duration(seconds: float) -> str:
    """Format a duration in seconds as ``1h05`` / ``12min`` / ``40s``."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    return f"{hours}h{minutes:02d}" if hours else f"{minutes}min"


def parse_duration(value: object, what: str) -> int:
    """Parse a duration given as seconds (int/float) or ISO-8601 (``PT1H30M``) into seconds.

    Raises
    ------
    ValueError
        With a sentence naming ``what`` when the value is not a duration.
    """
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a duration in seconds or ISO-8601, got {value!r}")
    if isinstance(value, int | float):
        return round(value)
    if isinstance(value, str):
        match = _ISO_DURATION.match(value.strip())
        if match and any(match.groupdict().values()):
            parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
            total = (
                parts["days"] * 86400
                + parts["hours"] * 3600
                + parts["minutes"] * 60
                + parts["seconds"]
            )
            return round(total)
    raise ValueError(
        f"{what} must be a duration in seconds or ISO-8601 (e.g. PT45M), got {value!r}"
    )


def parse_datetime(value: object, what: str) -> datetime:
    """Parse an ISO-8601 datetime that carries a UTC offset."""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be an ISO-8601 datetime string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{what} is not an ISO-8601 datetime: {value!r}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"{what} needs a UTC offset (e.g. 2026-11-23T08:00:00+01:00): {value!r}")
    return parsed


def to_seconds(moment: datetime, origin: datetime) -> int:
    """Whole seconds from ``origin`` to ``moment`` (both timezone-aware)."""
    return round((moment - origin).total_seconds())


def to_datetime(seconds: int, origin: datetime) -> datetime:
    """The moment ``seconds`` after ``origin``, in ``origin``'s timezone."""
    return origin + timedelta(seconds=int(seconds))
