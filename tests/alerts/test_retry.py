"""Exponential backoff with full jitter: delay = uniform(0, min(cap, base * 2**(attempt - 1)))."""

import random
from datetime import datetime, timedelta, timezone

import pytest

from alerts.retry import RetryPolicy, next_attempt_at, should_disable_endpoint

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
BASE = timedelta(seconds=5)
CAP = timedelta(minutes=10)
HORIZON = timedelta(hours=24)


class HighestDraw(random.Random):
    """Always draws the top of the interval, exposing the backoff ceiling."""

    def uniform(self, a: float, b: float) -> float:
        return b


class LowestDraw(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return a


def schedule(attempt, *, rng, now=NOW, first_attempt_at=NOW, horizon=HORIZON):
    return next_attempt_at(
        attempt, now=now, base=BASE, cap=CAP, horizon=horizon, first_attempt_at=first_attempt_at, rng=rng
    )


@pytest.mark.parametrize(
    "attempt, ceiling",
    [
        (1, timedelta(seconds=5)),
        (2, timedelta(seconds=10)),
        (3, timedelta(seconds=20)),
        (8, timedelta(seconds=640)),
    ],
)
def test_ceiling_doubles_with_each_failed_attempt_until_the_cap(attempt, ceiling):
    assert schedule(attempt, rng=HighestDraw()) == NOW + min(ceiling, CAP)


def test_ceiling_never_exceeds_the_cap_even_after_many_attempts():
    assert schedule(500, rng=HighestDraw()) == NOW + CAP


def test_full_jitter_may_retry_immediately():
    assert schedule(6, rng=LowestDraw()) == NOW


def test_jittered_delays_stay_within_the_ceiling_and_spread_out():
    rng = random.Random(20250301)
    delays = [schedule(4, rng=rng) - NOW for _ in range(200)]
    assert all(timedelta(0) <= delay <= timedelta(seconds=40) for delay in delays)
    assert len(set(delays)) > 150


def test_an_attempt_that_would_fall_beyond_the_horizon_means_dead_letter():
    first = NOW - HORIZON + timedelta(seconds=30)
    assert schedule(4, rng=HighestDraw(), first_attempt_at=first) is None  # 40 s > the 30 s left
    assert schedule(4, rng=LowestDraw(), first_attempt_at=first) == NOW  # an early draw still fits


def test_horizon_boundary_is_inclusive():
    first = NOW - HORIZON + timedelta(seconds=20)
    assert schedule(3, rng=HighestDraw(), first_attempt_at=first) == NOW + timedelta(seconds=20)
    assert schedule(4, rng=HighestDraw(), first_attempt_at=first) is None


def test_attempt_numbers_start_at_one():
    with pytest.raises(ValueError):
        schedule(0, rng=HighestDraw())


def test_policy_refuses_a_base_larger_than_the_cap():
    with pytest.raises(ValueError):
        RetryPolicy(base=timedelta(minutes=5), cap=timedelta(minutes=1))


def test_endpoint_is_disabled_only_after_failing_continuously_for_the_configured_time():
    after = timedelta(days=5)
    assert not should_disable_endpoint(failing_since=None, now=NOW, disable_after=after)
    assert not should_disable_endpoint(failing_since=NOW - after + timedelta(seconds=1), now=NOW, disable_after=after)
    assert should_disable_endpoint(failing_since=NOW - after, now=NOW, disable_after=after)
