"""When to retry a message whose delivery failed transiently.

`attempt` counts delivery attempts made so far, including the one that just failed (so it is 1
after the first failure). The ceiling doubles from `base` and is capped at `cap`:

    after attempt   1    2    3    4     5     6     7      8      9      10..13
    ceiling         1m   2m   4m   8m    16m   32m   ~1h04  ~2h08  ~4h16  6h (cap)

and the actual delay is drawn uniformly from [ceiling / 2, ceiling] ("equal jitter"). Why not
full jitter (uniform from 0)? A delay close to zero wastes an attempt against a server that
just said "try later", and it makes the total span unpredictable. Half the ceiling is still
enough spread to keep a burst of failures from retrying in lock step.

With MAX_ATTEMPTS = 14 there are 13 waits: their ceilings add up to 117,060 s (32.5 h), so
the last attempt happens between 16.3 h and 32.5 h after the first, 24.4 h on average: about a
day, long enough to ride out an SMTP relay outage, short enough that a "tomorrow" reminder or
a confirmation is not delivered absurdly late. After that the message is dead.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Protocol

#: Total delivery attempts (the first send included) before a message is given up.
MAX_ATTEMPTS = 14


class _Uniform(Protocol):
    def uniform(self, a: float, b: float, /) -> float: ...


def delay_ceiling(attempt: int, *, base: float = 60, cap: float = 6 * 3600) -> float:
    """The upper bound, in seconds, of the wait after `attempt` attempts."""
    if attempt < 1:
        raise ValueError("attempt counts attempts made, so it starts at 1")
    if base <= 0 or cap < base:
        raise ValueError("need 0 < base <= cap")
    # Compare exponents instead of computing 2**attempt for huge attempt numbers.
    if attempt - 1 >= 64:
        return float(cap)
    return float(min(cap, base * 2 ** (attempt - 1)))


def next_attempt_delay(
    attempt: int, *, base: float = 60, cap: float = 6 * 3600, rng: _Uniform = random
) -> timedelta:
    """How long to wait before the next attempt, after `attempt` attempts have failed.

    Exponential backoff with equal jitter: uniform in [ceiling / 2, ceiling], ceiling =
    min(cap, base * 2 ** (attempt - 1)) seconds. Pass `rng=random.Random(seed)` for
    reproducible delays.
    """
    ceiling = delay_ceiling(attempt, base=base, cap=cap)
    return timedelta(seconds=rng.uniform(ceiling / 2, ceiling))


def is_dead(attempt: int, permanent: bool) -> bool:
    """Whether to stop retrying after `attempt` attempts whose last failure was `permanent`."""
    return permanent or attempt >= MAX_ATTEMPTS
