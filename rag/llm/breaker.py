"""A circuit breaker: after a run of failures the endpoint is left alone for a while.

A down or overloaded endpoint would otherwise cost every question its full timeout. While open,
calls fail at once; after the cool-down one trial call is let through (half-open), and its outcome
closes or re-opens the breaker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Breaker:
    def __init__(
        self, failures: int = 3, cooldown: float = 30.0, clock: Callable[[], float] = time.monotonic
    ):
        self.failures = failures
        self.cooldown = cooldown
        self.clock = clock
        self._lock = threading.Lock()
        self._count = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half-open" if self.clock() - self._opened_at >= self.cooldown else "open"

    def allow(self) -> bool:
        """True when a call may go out now (closed, or the one trial of a half-open breaker)."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self.clock() - self._opened_at < self.cooldown or self._trial:
                return False
            self._trial = True
            return True

    def success(self) -> None:
        with self._lock:
            self._count = 0
            self._opened_at = None
            self._trial = False

    def failure(self) -> None:
        with self._lock:
            self._count += 1
            if self._trial or self._count >= self.failures:
                self._opened_at = self.clock()
            self._trial = False
