"""The stack's Prometheus (``bookinfo up --prometheus``): Debian's real ``prometheus``,
scraping what a cluster's Prometheus scrapes in a mesh.

Two jobs, written into ``<stack>/prometheus/prometheus.yml``:

- ``envoy``: the one Envoy's ``/stats/prometheus``, which holds every proxy's Istio
  standard metrics (bookinfo.mesh.istio_metrics). Envoy prints them as
  ``envoy_istio_<name>``; relabelling renames them ``istio_<name>``, as Istio's stats
  filter names them, and writes ``unknown`` where Envoy had no value (an empty value, or
  Envoy's ``-``), as Istio does. Envoy's own statistics stay as they are.
- ``kubernetes-pods``: every Flask pod's ``/metrics``, with the labels a cluster's scrape
  config adds (the pod's labels, such as ``app`` and ``version``, and ``pod``,
  ``namespace``). The targets are a file Prometheus watches (``targets/pods.json``),
  rewritten whenever the stack's pods change, so a rollout needs no reload.

It listens on 127.0.0.1 only, keeps its data under the stack's directory (a new ``up``
starts empty), and is recorded in the stack's state and stopped by ``down`` like Envoy.
"""
from __future__ import annotations

import json
import re
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from bookinfo.errors import PrometheusFailed
from bookinfo.mesh.istio_metrics import STAT_PREFIX
from bookinfo.pods.pod import Pod
from bookinfo.system.files import atomic_write
from bookinfo.system.processes import alive, spawn

DEBIAN_PACKAGE = "prometheus"
# Istio's Prometheus scrapes every 15 s; a local stack is small and a shorter interval
# shows a page view in a query within seconds.
SCRAPE_INTERVAL = "5s"
READY_POLL_S = 0.1
REQUEST_TIMEOUT_S = 2.0
# The labels Istio reports as "unknown" when a peer is not known.
PEER_LABELS = tuple(f"{side}_{name}" for side in ("source", "destination") for name in (
    "workload", "workload_namespace", "principal", "app", "version", "canonical_service", "canonical_revision",
    "cluster")) + ("destination_service", "destination_service_name", "destination_service_namespace")


def find_prometheus() -> str:
    """The ``prometheus`` program, or PrometheusFailed saying which package brings it."""
    found = shutil.which("prometheus")
    if found is None:
        raise PrometheusFailed(f"prometheus is not installed; install Debian's package: "
                               f"apt-get install -y --no-install-recommends {DEBIAN_PACKAGE}")
    return found


def config(admin_port: int, targets_file: Path) -> dict:
    """The scrape configuration (module doc)."""
    istio_name = {"source_labels": ["__name__"], "regex": f"envoy_{STAT_PREFIX}_(.+)",
                  "target_label": "__name__", "replacement": f"{STAT_PREFIX}_$1"}
    unknowns = [{"source_labels": ["__name__", label], "regex": f"{STAT_PREFIX}_[^;]+;-?",
                 "target_label": label, "replacement": "unknown"} for label in PEER_LABELS]
    return {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
        "scrape_configs": [
            {"job_name": "envoy", "metrics_path": "/stats/prometheus",
             "static_configs": [{"targets": [f"127.0.0.1:{admin_port}"]}],
             "metric_relabel_configs": [istio_name, *unknowns]},
            {"job_name": "kubernetes-pods", "metrics_path": "/metrics",
             "file_sd_configs": [{"files": [str(targets_file)], "refresh_interval": SCRAPE_INTERVAL}]},
        ],
    }


def scrape_targets(pods: Sequence[Pod]) -> list[dict]:
    """One target per Flask pod with the pod's labels (names made Prometheus-safe, as
    Kubernetes service discovery's ``labelmap`` makes them) and ``pod``, ``namespace``."""
    return [{"targets": [f"127.0.0.1:{pod.port}"],
             "labels": {**{_label_name(k): v for k, v in pod.labels.items()},
                        "pod": pod.name, "namespace": pod.namespace}}
            for pod in pods if not pod.is_database]


class Prometheus:
    """The files and process of one stack's Prometheus, under ``directory``."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.config_file = self.directory / "prometheus.yml"
        self.targets_file = self.directory / "targets" / "pods.json"
        self.log = self.directory / "prometheus.log"

    def start(self, port: int, admin_port: int, pods: Sequence[Pod], environ: Mapping[str, str]) -> int:
        """Write its configuration and targets, start it (not yet ready); its pid."""
        program = find_prometheus()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.write_targets(pods)
        atomic_write(self.config_file, json.dumps(config(admin_port, self.targets_file), indent=1))
        process = spawn([program, f"--config.file={self.config_file}",
                         f"--storage.tsdb.path={self.directory / 'data'}",
                         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                        {k: environ[k] for k in ("PATH", "HOME", "LANG", "TZ") if k in environ}, self.log)
        return process.pid

    def write_targets(self, pods: Sequence[Pod]) -> None:
        self.targets_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.targets_file, json.dumps(scrape_targets(pods), indent=1))

    def wait_ready(self, pid: int, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not is_ready(port):
            if not alive(pid):
                raise PrometheusFailed(f"prometheus exited at start; see {self.log}")
            if time.monotonic() > deadline:
                raise PrometheusFailed(f"prometheus was not ready within {timeout:.0f}s; see {self.log}")
            time.sleep(READY_POLL_S)


def is_ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=REQUEST_TIMEOUT_S) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _label_name(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)
