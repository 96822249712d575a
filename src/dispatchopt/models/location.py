"""Where things are."""

from __future__ import annotations

import math
from dataclasses import dataclass

from dispatchopt.errors import InputError


@dataclass(frozen=True, kw_only=True, slots=True)
class Location:
    """A place: WGS84 coordinates, an index into a user-supplied travel matrix, or both.

    Parameters
    ----------
    lat, lon
        Latitude and longitude in degrees (used by the haversine and geodesic travel models).
    index
        Row/column of this place in a :class:`~dispatchopt.models.travel.MatrixTravel`
        (what a routing engine such as OSRM returns).
    """

    lat: float | None = None
    lon: float | None = None
    index: int | None = None

    def __post_init__(self) -> None:
        if (self.lat is None) != (self.lon is None):
            raise InputError("location", "lat and lon must be given together")
        if self.lat is None and self.index is None:
            raise InputError("location", "needs lat/lon or a matrix index")
        if self.lat is not None and self.lon is not None:
            if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
                raise InputError("location", f"lat {self.lat!r} is outside [-90, 90]")
            if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
                raise InputError("location", f"lon {self.lon!r} is outside [-180, 180]")
        if self.index is not None and (isinstance(self.index, bool) or self.index < 0):
            raise InputError("location", f"matrix index {self.index!r} must be >= 0")

    def __str__(self) -> str:
        if self.lat is not None:
            return f"({self.lat:.5f}, {self.lon:.5f})"
        return f"#{self.index}"
