"""The retry schedule."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

import pytest

from notifications.retry import MAX_ATTEMPTS, delay_ceiling, is_dead, next_attempt_delay

HOUR = 3600.0
CAP = 6 * HOUR


class Edge:
    """An rng that always picks one end of the interval."""

    def __init__(self, end: str) -> None:
        self.end = end
        self.calls: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.calls.append((a, b))
        return a if self.end == "low" else b


def test_delays_double_then_stop_at_the_cap():
    highs = [next_attempt_delay(n, rng=Edge("high")).total_seconds() for n in range(1, 16)]
    assert highs[:9] == [60, 120, 240, 480, 960, 1920, 3840, 7680, 15360]
    assert highs[9:] == [CAP] * 6
    assert all(a <= b for a, b in itertools.pairwise(highs))


def test_delays_never_exceed_the_cap_even_for_huge_attempts():
    rng = random.Random(1)
    for attempt in (20, 64, 65, 1000, 10**9):
        assert next_attempt_delay(attempt, rng=rng) <= timedelta(seconds=CAP)
    assert next_attempt_delay(3, base=10, cap=25, rng=Edge("high")) == timedelta(seconds=25)


def test_jitter_stays_within_half_and_full_ceiling():
    rng = Edge("low")
    assert next_attempt_delay(4, rng=rng) == timedelta(seconds=240)
    assert rng.calls == [(240.0, 480.0)]

    seeded = random.Random(42)
    for attempt in range(1, MAX_ATTEMPTS + 3):
        ceiling = delay_ceiling(attempt)
        samples = [next_attempt_delay(attempt, rng=seeded).total_seconds() for _ in range(200)]
        assert all(ceiling / 2 <= s <= ceiling for s in samples)
        assert len(set(samples)) > 150  # actually jittered, not a constant
        assert min(samples) < ceiling * 0.6 and max(samples) > ceiling * 0.9


def test_default_rng_is_the_random_module():
    random.seed(7)
    first = next_attempt_delay(5)
    random.seed(7)
    assert next_attempt_delay(5) == first


def test_whole_schedule_lasts_about_a_day():
    waits = range(1, MAX_ATTEMPTS)  # a wait after every attempt but the last
    longest = sum(delay_ceiling(n) for n in waits)
    shortest = longest / 2
    average = 0.75 * longest
    assert 30 * HOUR <= longest <= 36 * HOUR
    assert shortest >= 15 * HOUR
    assert 22 * HOUR <= average <= 26 * HOUR

    rng = random.Random(2025)
    for _ in range(100):
        total = sum(next_attempt_delay(n, rng=rng).total_seconds() for n in waits)
        assert shortest <= total <= longest
        assert 18 * HOUR <= total <= 31 * HOUR  # in practice: about a day


def test_is_dead():
    assert is_dead(1, permanent=True)
    assert not is_dead(1, permanent=False)
    assert not is_dead(MAX_ATTEMPTS - 1, permanent=False)
    assert is_dead(MAX_ATTEMPTS, permanent=False)
    assert is_dead(MAX_ATTEMPTS + 5, permanent=False)


@pytest.mark.parametrize("kwargs", [{"attempt": 0}, {"attempt": -1}, {"attempt": 1, "base": 0}])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        next_attempt_delay(**kwargs)
