"""``/metrics`` for every service, served with the Prometheus content type.

Under gunicorn with several workers each worker counts on its own, and upstream's
``/metrics`` (8 workers) showed whichever worker answered the scrape: counters that
jump back and forth, which Prometheus reads as resets. When ``PROMETHEUS_MULTIPROC_DIR``
is set (``bookinfo_common.gunicorn_conf`` sets it for a server of several workers),
prometheus_client's multiprocess mode sums the application counters of all workers,
including workers that have since exited; the ``process_*``, ``python_gc_*`` and
``python_info`` series stay those of the answering worker, as upstream's.
"""
from __future__ import annotations

from flask import Blueprint, Response
from prometheus_client import (CONTENT_TYPE_LATEST, GC_COLLECTOR, PLATFORM_COLLECTOR,
                               PROCESS_COLLECTOR, REGISTRY, CollectorRegistry, generate_latest)
from prometheus_client.multiprocess import MultiProcessCollector


def registry_for(directory: str | None) -> CollectorRegistry:
    """The default registry, or with several workers (``directory`` is their multiprocess
    directory) their summed counters plus this worker's process, platform and GC series."""
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)
    for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
        registry.register(collector)
    return registry


def metrics_blueprint(directory: str | None) -> Blueprint:
    """The ``/metrics`` route over the registry for the multiprocess ``directory``, if any."""
    registry = registry_for(directory)
    blueprint = Blueprint("metrics", __name__)

    @blueprint.get("/metrics")
    def metrics() -> Response:
        """The registry in text exposition format."""
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)

    return blueprint
