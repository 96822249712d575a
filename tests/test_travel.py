"""Travel models against independent references."""

from __future__ import annotations

import math

import numpy as np

from dispatchopt import GeodesicTravel, HaversineTravel, Location

PARIS = Location(lat=48.8566, lon=2.3522)
LYON = Location(lat=45.7640, lon=4.8357)


def _haversine_reference(a: Location, b: Location) -> float:
    """Textbook scalar haversine in metres (mean Earth radius)."""
    assert a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dphi, dlam = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlam / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def test_haversine_matches_scalar_reference() -> None:
    """Vectorised haversine equals the scalar formula (Paris-Lyon about 392 km)."""
    m = HaversineTravel(speed_kmh=90, detour_factor=1.0).matrices([PARIS, LYON])
    ref = _haversine_reference(PARIS, LYON)
    assert abs(m.distance[0, 1] - ref) <= 1
    assert 390_000 < m.distance[0, 1] < 394_000
    assert abs(m.duration[0, 1] - ref / 25.0) <= 1  # 90 km/h = 25 m/s


def test_detour_and_speed_scale() -> None:
    """Detour factor scales distance; speed scales duration."""
    base = HaversineTravel(speed_kmh=30, detour_factor=1.0).matrices([PARIS, LYON])
    slow = HaversineTravel(speed_kmh=15, detour_factor=1.5).matrices([PARIS, LYON])
    assert abs(slow.distance[0, 1] - 1.5 * base.distance[0, 1]) <= 1
    assert abs(slow.duration[0, 1] - 3 * base.duration[0, 1]) <= 3


def test_geodesic_close_to_haversine() -> None:
    """Geodesic (geopy, ellipsoid) and haversine agree within 0.5 %."""
    h = HaversineTravel(detour_factor=1.0).matrices([PARIS, LYON]).distance[0, 1]
    g = GeodesicTravel(detour_factor=1.0).matrices([PARIS, LYON]).distance[0, 1]
    assert abs(g - h) / h < 0.005


def test_matrices_are_symmetric_integer_with_zero_diagonal() -> None:
    """Haversine matrices over random points are int64, symmetric, zero on the diagonal."""
    rng = np.random.default_rng(0)
    locs = [
        Location(lat=float(a), lon=float(b))
        for a, b in zip(rng.uniform(45, 46, 30), rng.uniform(4, 5, 30), strict=True)
    ]
    m = HaversineTravel().matrices(locs)
    assert m.duration.dtype == np.int64 and m.distance.dtype == np.int64
    assert (m.distance == m.distance.T).all() and not np.diag(m.distance).any()
