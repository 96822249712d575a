"""Travel models: how long and how far between two locations.

Every model returns integer matrices (seconds, metres) for a list of locations in one call, so
the solver and the validator never evaluate travel pair by pair in Python.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from dispatchopt.errors import InputError
from dispatchopt.models.location import Location

EARTH_RADIUS_M = 6_371_008.8

IntMatrix = npt.NDArray[np.int64]


class TravelMatrices(NamedTuple):
    """Square integer matrices over a list of locations."""

    duration: IntMatrix
    """Seconds from row to column."""
    distance: IntMatrix
    """Metres (or the instance's distance unit) from row to column."""


@runtime_checkable
class TravelModel(Protocol):
    """Anything that turns a list of locations into duration and distance matrices."""

    def check_location(self, location: Location) -> str | None:
        """Return why ``location`` cannot be used by this model, or ``None`` if it can."""

    def matrices(self, locations: Sequence[Location]) -> TravelMatrices:
        """Duration (s) and distance (m) matrices, rows and columns in ``locations`` order."""


def _coordinates(
    locations: Sequence[Location],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    lat = np.fromiter((loc.lat for loc in locations), dtype=np.float64, count=len(locations))
    lon = np.fromiter((loc.lon for loc in locations), dtype=np.float64, count=len(locations))
    return lat, lon


def _great_circle_metres(
    lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Haversine distance for all pairs, as ``2 R asin(chord / 2)`` on unit vectors.

    The same great-circle distance as the textbook haversine formula, computed from coordinate
    differences (no cancellation for nearby points) with in-place numpy operations: about ten
    times faster than evaluating sines and cosines per pair (benchmarks/test_hot_paths.py).
    """
    phi, lam = np.radians(lat), np.radians(lon)
    cos_phi = np.cos(phi)
    n = len(lat)
    chord = np.zeros((n, n), dtype=np.float64)
    for axis in (cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)):
        diff = np.subtract.outer(axis, axis)
        diff *= diff
        chord += diff
    np.sqrt(chord, out=chord)
    chord *= 0.5
    np.clip(chord, 0.0, 1.0, out=chord)
    np.arcsin(chord, out=chord)
    chord *= 2.0 * EARTH_RADIUS_M
    return chord


def _from_metres(metres: npt.NDArray[np.float64], speed_kmh: float) -> TravelMatrices:
    """Round to whole metres and seconds. Consumes ``metres`` (used as scratch space)."""
    duration = metres / (speed_kmh / 3.6)
    np.rint(duration, out=duration)
    np.rint(metres, out=metres)
    return TravelMatrices(duration=duration.astype(np.int64), distance=metres.astype(np.int64))


def _check_speed(name: str, speed_kmh: float, detour_factor: float) -> None:
    if not (math.isfinite(speed_kmh) and speed_kmh > 0):
        raise InputError(name, f"speed_kmh must be > 0, got {speed_kmh!r}")
    if not (math.isfinite(detour_factor) and detour_factor >= 1.0):
        raise InputError(name, f"detour_factor must be >= 1, got {detour_factor!r}")


def _needs_coordinates(location: Location) -> str | None:
    if location.lat is None:
        return "has no lat/lon, which this travel model needs"
    return None


@dataclass(frozen=True, kw_only=True, slots=True)
class HaversineTravel:
    """Great-circle distance times a detour factor, driven at an average speed (numpy)."""

    speed_kmh: float = 40.0
    detour_factor: float = 1.3

    def __post_init__(self) -> None:
        _check_speed("haversine travel", self.speed_kmh, self.detour_factor)

    def check_location(self, location: Location) -> str | None:
        """Coordinates are required."""
        return _needs_coordinates(location)

    def matrices(self, locations: Sequence[Location]) -> TravelMatrices:
        """Vectorised haversine over all pairs."""
        lat, lon = _coordinates(locations)
        metres = _great_circle_metres(lat, lon)
        metres *= self.detour_factor
        return _from_metres(metres, self.speed_kmh)


@dataclass(frozen=True, kw_only=True, slots=True)
class GeodesicTravel:
    """WGS84 ellipsoid distance (geopy) times a detour factor, at an average speed.

    More exact than haversine, but computed pair by pair: use it for small problems.
    """

    speed_kmh: float = 40.0
    detour_factor: float = 1.3

    def __post_init__(self) -> None:
        _check_speed("geodesic travel", self.speed_kmh, self.detour_factor)

    def check_location(self, location: Location) -> str | None:
        """Coordinates are required."""
        return _needs_coordinates(location)

    def matrices(self, locations: Sequence[Location]) -> TravelMatrices:
        """Geodesic distances for every unordered pair (symmetric)."""
        from geopy.distance import geodesic

        n = len(locations)
        metres = np.zeros((n, n), dtype=np.float64)
        points = [(loc.lat, loc.lon) for loc in locations]
        for i in range(n):
            for j in range(i + 1, n):
                metres[i, j] = metres[j, i] = geodesic(points[i], points[j]).meters
        metres *= self.detour_factor
        return _from_metres(metres, self.speed_kmh)


@dataclass(frozen=True, kw_only=True, eq=False)
class MatrixTravel:
    """User-supplied matrices (e.g. from OSRM or Valhalla), indexed by ``Location.index``.

    Parameters
    ----------
    durations
        Square matrix of whole seconds.
    distances
        Square matrix of metres; defaults to zeros (no distance costs).
    """

    durations: IntMatrix
    distances: IntMatrix | None = None

    def __post_init__(self) -> None:
        durations = self._as_matrix(self.durations, "durations")
        distances = (
            np.zeros_like(durations)
            if self.distances is None
            else self._as_matrix(self.distances, "distances")
        )
        if distances.shape != durations.shape:
            raise InputError(
                "matrix travel",
                f"distances shape {distances.shape} differs from durations shape {durations.shape}",
            )
        durations.flags.writeable = False
        distances.flags.writeable = False
        object.__setattr__(self, "durations", durations)
        object.__setattr__(self, "distances", distances)

    @staticmethod
    def _as_matrix(values: object, name: str) -> IntMatrix:
        try:
            array = np.asarray(values)
        except (TypeError, ValueError):
            raise InputError("matrix travel", f"{name} is not a rectangular matrix") from None
        if array.ndim != 2 or array.shape[0] != array.shape[1]:
            raise InputError(
                "matrix travel", f"{name} must be a square matrix, got shape {array.shape}"
            )
        if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_):
            raise InputError("matrix travel", f"{name} must hold numbers")
        if np.issubdtype(array.dtype, np.floating):
            if not np.all(np.isfinite(array)):
                raise InputError("matrix travel", f"{name} holds a non-finite value")
            array = np.rint(array)
        array = array.astype(np.int64)
        if array.size and array.min() < 0:
            i, j = np.unravel_index(int(np.argmin(array)), array.shape)
            raise InputError("matrix travel", f"{name}[{i}][{j}] is negative ({array[i, j]})")
        return array

    @property
    def size(self) -> int:
        """Number of rows (and columns)."""
        return int(self.durations.shape[0])

    def check_location(self, location: Location) -> str | None:
        """A matrix index inside the matrix is required."""
        if location.index is None:
            return "has no matrix index, which the matrix travel model needs"
        if location.index >= self.size:
            return f"matrix index {location.index} is outside the {self.size}x{self.size} matrix"
        return None

    def matrices(self, locations: Sequence[Location]) -> TravelMatrices:
        """Sub-matrices for the given locations."""
        idx = np.fromiter((loc.index for loc in locations), dtype=np.int64, count=len(locations))
        assert self.distances is not None
        return TravelMatrices(
            duration=self.durations[np.ix_(idx, idx)].astype(np.int64),
            distance=self.distances[np.ix_(idx, idx)].astype(np.int64),
        )
