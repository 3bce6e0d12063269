"""Polling with growing waits, on ``backoff.on_predicate`` (the one poll loop of the project).

Bulk API jobs (query and ingest) are polled until they reach a terminal state: the first
check comes after a short wait (a job just created or closed is never done at once), each
later wait grows by a factor up to a cap, and polling gives up after a time limit. The
waiting itself goes through an injectable ``sleep`` so tests can record the schedule without
spending it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

import backoff

T = TypeVar("T")


@dataclass(frozen=True)
class PollSchedule:
    """How to wait between polls.

    Attributes:
        initial: Wait before the first check, in seconds.
        factor: Growth of the wait after each check.
        maximum: Longest wait, in seconds.
        max_wait: Stop polling after this many seconds.
        sleep: The wait function (tests record instead of sleeping).
    """

    initial: float = 0.25
    factor: float = 1.5
    maximum: float = 15.0
    max_wait: float = 6 * 3600.0
    sleep: Callable[[float], None] = time.sleep


def poll_until(check: Callable[[], T], done: Callable[[T], bool], schedule: PollSchedule) -> T:
    """Wait, call ``check``, and repeat with growing waits until ``done(result)`` or time is up.

    Args:
        check: Reads the current status (e.g. ``GET jobs/query/{id}``).
        done: Whether a status is final.
        schedule: The waits and the time limit.

    Returns:
        The last status read: final, unless ``schedule.max_wait`` ran out first (the caller
        tells the two apart with ``done``).
    """
    delays = backoff.expo(base=schedule.factor, factor=schedule.initial, max_value=schedule.maximum)
    next(delays)  # backoff's generators start with a priming value
    schedule.sleep(next(delays))

    def waits(**_: Any) -> Generator[float, Any, None]:
        yield 0.0  # primed by backoff
        for delay in delays:
            schedule.sleep(delay)
            yield 0.0

    poller = backoff.on_predicate(
        waits,
        predicate=lambda status: not done(status),
        max_time=schedule.max_wait,
        jitter=None,
        logger=None,
    )(check)
    return poller()
