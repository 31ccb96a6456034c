"""The fault modes of the ratings images: what a request meets before it is answered.

* ``v-faulty``: each GET, independently, fails with 503 with the fault probability.
* ``v-delayed``: each GET, independently, is delayed by the delay with that probability.
* ``v-unavailable``: available, then unavailable (503), flipping every period; health
  stays 200.
* ``v-unhealthy``: healthy and available, then unhealthy (``/health`` 500) and
  unavailable, flipping together every (longer) period.

The phases are a pure function of the time elapsed on the monotonic clock since the
app was created (at process start), so every gunicorn thread sees the same phase
without sharing mutable state, and a wall-clock change cannot flip them.
"""
from __future__ import annotations

import logging
import random
import time

from .config import Config
from .errors import ServiceUnavailable

log = logging.getLogger(__name__)


class Faults:
    """The fault behaviour of one ratings pod (inert for v1 and v2)."""

    def __init__(self, config: Config):
        self.mode = config.service_version
        self.probability = config.fault_probability
        self.delay_seconds = config.delay_seconds
        self.unavailable_period = config.unavailable_period_seconds
        self.unhealthy_period = config.unhealthy_period_seconds
        self.started = time.monotonic()

    def _flipped(self, period: float) -> bool:
        """Whether the current phase of a flipping mode is the second (bad) one."""
        return int((time.monotonic() - self.started) // period) % 2 == 1

    def healthy(self) -> bool:
        """What ``/health`` reports."""
        return not (self.mode == "v-unhealthy" and self._flipped(self.unhealthy_period))

    def before_get(self) -> None:
        """Raise ServiceUnavailable or sleep, as the mode says, before a GET is answered."""
        if self.mode == "v-faulty":
            if random.random() < self.probability:
                raise ServiceUnavailable()
        elif self.mode == "v-delayed":
            if random.random() < self.probability:
                log.info("v-delayed: delaying this answer by %s s", self.delay_seconds)
                time.sleep(self.delay_seconds)
        elif self.mode == "v-unavailable":
            if self._flipped(self.unavailable_period):
                raise ServiceUnavailable()
        elif self.mode == "v-unhealthy":
            if self._flipped(self.unhealthy_period):
                raise ServiceUnavailable()
