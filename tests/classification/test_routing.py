import itertools
import random

import pytest

from classification.routing import (
    distance_km,
    nearest_neighbour,
    optimise_order,
    route_length,
)

START = (22.54, 114.06)  # Shenzhen


def random_stops(rng: random.Random, count: int) -> list[tuple[float, float]]:
    return [(22.4 + rng.random() * 0.5, 113.8 + rng.random() * 0.6) for _ in range(count)]


def exact_shortest(start, stops) -> float:
    """Held-Karp dynamic programme over subsets: the exact shortest open path from start."""
    n = len(stops)
    between = [[distance_km(a, b) for b in stops] for a in stops]
    best = {(1 << i, i): distance_km(start, stops[i]) for i in range(n)}
    for size in range(2, n + 1):
        for subset in itertools.combinations(range(n), size):
            mask = sum(1 << i for i in subset)
            for last in subset:
                previous = mask & ~(1 << last)
                best[(mask, last)] = min(
                    best[(previous, other)] + between[other][last]
                    for other in subset
                    if other != last
                )
    full = (1 << n) - 1
    return min(best[(full, last)] for last in range(n))


def test_exact_shortest_agrees_with_brute_force():
    rng = random.Random(1)
    stops = random_stops(rng, 6)
    brute = min(route_length(START, stops, order) for order in itertools.permutations(range(6)))
    assert exact_shortest(START, stops) == pytest.approx(brute)


def test_distance_between_known_cities():
    beijing, shanghai = (39.9042, 116.4074), (31.2304, 121.4737)
    assert distance_km(beijing, shanghai) == pytest.approx(1067, abs=5)
    assert distance_km(beijing, beijing) == 0


def test_nothing_and_one_stop():
    assert optimise_order(START, []) == []
    assert optimise_order(START, [(22.6, 114.1)]) == [0]


def test_order_is_a_permutation_and_never_longer_than_given():
    rng = random.Random(7)
    for _ in range(30):
        stops = random_stops(rng, rng.randint(2, 25))
        given = list(range(len(stops)))
        rng.shuffle(given)
        order = optimise_order(START, stops, given)
        assert sorted(order) == list(range(len(stops)))
        assert route_length(START, stops, order) <= route_length(START, stops, given) + 1e-9


def test_already_optimal_order_is_kept():
    stops = [(22.55, 114.06), (22.56, 114.06), (22.57, 114.06)]
    assert optimise_order(START, stops, [0, 1, 2]) == [0, 1, 2]


def test_within_five_percent_of_brute_force_optimum_on_average():
    rng = random.Random(2026)
    ratios = []
    for _ in range(25):
        stops = random_stops(rng, rng.randint(4, 8))
        best = min(
            route_length(START, stops, order) for order in itertools.permutations(range(len(stops)))
        )
        ratios.append(route_length(START, stops, optimise_order(START, stops)) / best)
    assert sum(ratios) / len(ratios) <= 1.05
    assert min(ratios) >= 1 - 1e-9


def test_nine_stops_against_brute_force():
    rng = random.Random(9)
    stops = random_stops(rng, 9)
    best = exact_shortest(START, stops)
    assert route_length(START, stops, optimise_order(START, stops)) <= best * 1.05


def test_beats_plain_nearest_neighbour_on_fifty_stops():
    rng = random.Random(50)
    wins = 0
    for _ in range(10):
        stops = random_stops(rng, 50)
        nn = route_length(START, stops, nearest_neighbour(START, stops))
        optimised = route_length(START, stops, optimise_order(START, stops))
        assert optimised <= nn + 1e-9
        wins += optimised < nn - 1e-9
    assert wins >= 8
