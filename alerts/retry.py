"""When to try a failed delivery again, when to give up, and when to stop trying an endpoint.

Backoff is exponential with *full jitter* (the delay is uniform between zero and the exponential
ceiling), the variant AWS measured to spread retries best when many deliveries fail at once, as
they do when one subscriber's receiver goes down with a queue of alerts behind it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["RetryPolicy", "next_attempt_at", "should_disable_endpoint"]

# 2**40 base delays exceed any sane cap; stopping the exponent there keeps the float finite.
_MAX_EXPONENT = 40


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Defaults follow what webhook platforms (Svix, Convoy) give receivers: seconds at first,
    an hour at most between attempts, a day of retries, and five days of continuous failure
    before an endpoint is switched off."""

    base: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(hours=1)
    horizon: timedelta = timedelta(hours=24)
    disable_endpoint_after: timedelta = timedelta(days=5)
    # A receiver's Retry-After is honoured up to this; one asking for a week waits this long.
    max_retry_after: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if not timedelta(0) < self.base <= self.cap:
            raise ValueError("retry base must be positive and no larger than cap")
        if self.max_retry_after < timedelta(0):
            raise ValueError("max_retry_after must not be negative")
        if self.horizon <= timedelta(0) or self.disable_endpoint_after <= timedelta(0):
            raise ValueError("retry horizon and disable_endpoint_after must be positive")


def next_attempt_at(
    attempt: int,
    *,
    now: datetime,
    base: timedelta,
    cap: timedelta,
    horizon: timedelta,
    first_attempt_at: datetime,
    rng: random.Random,
) -> datetime | None:
    """When to make attempt ``attempt + 1`` after ``attempt`` attempts have failed.

    ``None`` means the delivery has used up its ``horizon`` (measured from its first attempt)
    and belongs in the dead-letter queue, from where an operator or subscriber can replay it.
    """
    if attempt < 1:
        raise ValueError("attempt counts failed attempts and starts at 1")
    ceiling = min(cap.total_seconds(), base.total_seconds() * 2 ** min(attempt - 1, _MAX_EXPONENT))
    candidate = now + timedelta(seconds=rng.uniform(0.0, ceiling))
    if candidate > first_attempt_at + horizon:
        return None
    return candidate


def should_disable_endpoint(*, failing_since: datetime | None, now: datetime, disable_after: timedelta) -> bool:
    """An endpoint that has failed every attempt for ``disable_after`` is switched off, so its
    queue stops consuming workers; its owner re-enables it and replays what it missed."""
    return failing_since is not None and now - failing_since >= disable_after
