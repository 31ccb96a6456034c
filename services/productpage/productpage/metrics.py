"""The application counter upstream productpage exposes on /metrics
(docs/upstream-behaviour.md#productpage-metrics)."""
from __future__ import annotations

from prometheus_client import Counter

# Defined at import time: the default registry refuses a second metric of the same
# name, and every app built in this process shares it (as upstream's single app does).
REQUEST_RESULT = Counter(
    "request_result",
    "Results of requests",
    ["destination_app", "response_code"],
)


def record_result(destination_app: str, status: int) -> None:
    """Count one back-end call outcome (a reviews call counts once, not per attempt)."""
    REQUEST_RESULT.labels(destination_app=destination_app, response_code=str(status)).inc()
