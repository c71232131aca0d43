"""An economical visiting order for a route (按照经济合理原则): nearest neighbour from the
start point, then 2-opt until no exchange shortens the round. Distances are great-circle
distances between latitude/longitude points, in kilometres."""

import math
from collections.abc import Sequence

Point = tuple[float, float]  # (latitude, longitude) in degrees
EARTH_RADIUS_KM = 6371.0088


def distance_km(a: Point, b: Point) -> float:
    """Haversine distance between two points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def route_length(start: Point, stops: Sequence[Point], order: Sequence[int]) -> float:
    """Length of the path start → stops in `order` (an open path: no return to start)."""
    length, here = 0.0, start
    for index in order:
        length += distance_km(here, stops[index])
        here = stops[index]
    return length


def nearest_neighbour(start: Point, stops: Sequence[Point]) -> list[int]:
    """Always go to the closest stop not yet visited."""
    left, order, here = set(range(len(stops))), [], start
    while left:
        nearest = min(left, key=lambda index: (distance_km(here, stops[index]), index))
        order.append(nearest)
        left.remove(nearest)
        here = stops[nearest]
    return order


def two_opt(start: Point, stops: Sequence[Point], order: Sequence[int]) -> list[int]:
    """Reverse segments of the path while that makes it shorter (first improvement)."""
    points = [start, *(stops[index] for index in order)]
    order = list(order)
    n = len(points)
    improved = True
    while improved:
        improved = False
        for i in range(n - 2):
            for j in range(i + 2, n):
                a, b = points[i], points[i + 1]
                c = points[j]
                d = points[j + 1] if j + 1 < n else None  # an open path has no edge after
                before = distance_km(a, b) + (distance_km(c, d) if d else 0.0)
                after = distance_km(a, c) + (distance_km(b, d) if d else 0.0)
                if after < before - 1e-9:
                    points[i + 1 : j + 1] = reversed(points[i + 1 : j + 1])
                    order[i:j] = reversed(order[i:j])
                    improved = True
    return order


def optimise_order(
    start: Point, stops: Sequence[Point], current: Sequence[int] | None = None
) -> list[int]:
    """A short visiting order of `stops` from `start`, never longer than `current` (the
    order the route has now, by default the given order)."""
    current = list(range(len(stops))) if current is None else list(current)
    candidates = [
        two_opt(start, stops, nearest_neighbour(start, stops)),
        two_opt(start, stops, current),
    ]
    best = min(candidates, key=lambda order: route_length(start, stops, order))
    if route_length(start, stops, best) < route_length(start, stops, current):
        return best
    return current
