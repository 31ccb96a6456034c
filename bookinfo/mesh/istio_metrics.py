"""Istio's standard metrics (``istio_requests_total``, ...) from Envoy's own statistics.

Upstream Envoy has no Istio stats filter, so each listener gets Envoy's stats access
logger, which adds to a counter or histogram, at the end of each request (or TCP
connection), with tags that are literals or Envoy's command operators. Each side of a
hop reports as Istio's proxies do:

- ``reporter="source"``: the caller's outbound listener (and the gateway). It knows
  itself; the destination comes from the metadata of the endpoint Envoy picked (its
  workload, app, version, ...) and of the cluster (the Service), which the clusters
  carry under ``istio`` (:func:`endpoint_metadata`, :func:`service_metadata`).
- ``reporter="destination"``: the callee's inbound listener. It knows itself; the caller
  comes from a request header the caller's sidecar adds and the callee's removes before
  the application sees it (:data:`PEER_HEADER`, Istio's metadata exchange in spirit; a
  caller without a sidecar is ``unknown``), its principal from its certificate.

The labels are Istio's, plus the ``app``, ``version``, ``pod`` and ``namespace`` of the
reporting pod, which a cluster's Prometheus adds when it scrapes that pod's sidecar.
Envoy prints these stats as ``envoy_istio_<name>``, and an empty or ``-`` value where
Istio says ``unknown``: Prometheus's relabelling (bookinfo.runner.prometheus) renames
and fills them in. Telemetry's ``metrics`` overrides disable a metric for a mode or
change its tags (``tagOverrides``: REMOVE, or UPSERT with a CEL expression,
bookinfo.mesh.cel_attributes).
"""
from __future__ import annotations

from collections.abc import Mapping

from .cel_attributes import attribute_format
from .peers import CLUSTER_ID, UNKNOWN, Peer
from .telemetry import Metrics

STATS_LOGGER = "type.googleapis.com/envoy.extensions.access_loggers.stats.v3.Config"
HEADER_TO_METADATA = "type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config"
STAT_PREFIX = "istio"
METADATA = "istio"                # the clusters' and endpoints' metadata namespace
PEER_METADATA = "istio.peer"      # the caller, as the callee's inbound side records it
PEER_HEADER = "x-istio-peer"
METADATA_EXCHANGE = "istio.metadata_exchange"
PEER_FIELDS = ("workload", "namespace", "app", "version", "canonical_service", "canonical_revision")

# metric -> (stat name, counter or histogram unit, value)
HTTP_METRICS = {
    "REQUEST_COUNT": ("requests_total", None, None),
    "REQUEST_DURATION": ("request_duration_milliseconds", "Milliseconds", "%DURATION%"),
    "REQUEST_SIZE": ("request_bytes", "Bytes", "%BYTES_RECEIVED%"),
    "RESPONSE_SIZE": ("response_bytes", "Bytes", "%BYTES_SENT%"),
}
TCP_OPENED = {"TCP_OPENED_CONNECTIONS": ("tcp_connections_opened_total", None, None)}
TCP_ENDED = {
    "TCP_CLOSED_CONNECTIONS": ("tcp_connections_closed_total", None, None),
    "TCP_SENT_BYTES": ("tcp_sent_bytes_total", None, "%BYTES_SENT%"),
    "TCP_RECEIVED_BYTES": ("tcp_received_bytes_total", None, "%BYTES_RECEIVED%"),
}


def endpoint_metadata(peer: Peer) -> dict:
    """What an endpoint tells the caller's listener about the workload behind it."""
    return {METADATA: {**{name: getattr(peer, name) for name in PEER_FIELDS}, "cluster": CLUSTER_ID}}


def service_metadata(host: str, name: str, namespace: str) -> dict:
    """What a cluster tells the caller's listener about the Service it leads to."""
    return {METADATA: {"service": host, "service_name": name, "service_namespace": namespace}}


def peer_header(local: Peer) -> list[dict]:
    """The request header a caller's sidecar (or the gateway) adds: who is calling."""
    value = ";".join(getattr(local, name) for name in PEER_FIELDS)
    return [{"header": {"key": PEER_HEADER, "value": value}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}]


def metadata_exchange() -> dict:
    """The inbound side's first HTTP filter: the caller's header into metadata, then gone."""
    pattern = "^" + ";".join(["([^;]*)"] * len(PEER_FIELDS)) + "$"
    rules = [{"header": PEER_HEADER, "remove": index == len(PEER_FIELDS) - 1,
              "on_header_present": {"metadata_namespace": PEER_METADATA, "key": name, "type": "STRING",
                                    "regex_value_rewrite": {"pattern": {"regex": pattern},
                                                            "substitution": f"\\{index + 1}"}}}
             for index, name in enumerate(PEER_FIELDS)]
    return {"name": METADATA_EXCHANGE, "typed_config": {"@type": HEADER_TO_METADATA, "request_rules": rules}}


def source_labels(local: Peer) -> dict[str, str]:
    """Labels of a request as its caller's listener reports it."""
    upstream = {name: f"%UPSTREAM_METADATA({METADATA}:{name})%" for name in PEER_FIELDS + ("cluster",)}
    return {"reporter": "source", **_side("source", _literals(local)), "source_principal": local.principal,
            **_side("destination", upstream), "destination_principal": "%UPSTREAM_PEER_URI_SAN%",
            "destination_service": f"%CLUSTER_METADATA({METADATA}:service)%",
            "destination_service_name": f"%CLUSTER_METADATA({METADATA}:service_name)%",
            "destination_service_namespace": f"%CLUSTER_METADATA({METADATA}:service_namespace)%",
            "connection_security_policy": UNKNOWN, **_scraped(local)}


def destination_labels(local: Peer, service: tuple[str, str, str] | None, security_policy: str) -> dict[str, str]:
    """Labels of a request as its callee's inbound listener reports it; ``service`` is the
    (host, name, namespace) of the Service in front of it, ``security_policy`` the
    connection's (``mutual_tls`` or ``none``)."""
    caller = {name: f"%DYNAMIC_METADATA({PEER_METADATA}:{name})%" for name in PEER_FIELDS}
    caller["cluster"] = CLUSTER_ID
    host, name, namespace = service or (UNKNOWN, UNKNOWN, UNKNOWN)
    return {"reporter": "destination", **_side("source", caller), "source_principal": "%DOWNSTREAM_PEER_URI_SAN%",
            **_side("destination", _literals(local)), "destination_principal": local.principal,
            "destination_service": host, "destination_service_name": name, "destination_service_namespace": namespace,
            "connection_security_policy": security_policy, **_scraped(local)}


def http_stats(labels: Mapping[str, str], metrics: Metrics, destination_port: int | None) -> list[dict]:
    """The stats logger of an HTTP connection manager (none when nothing is reported)."""
    labels = {**labels, "request_protocol": "http", "response_code": "%RESPONSE_CODE%",
              "response_flags": "%RESPONSE_FLAGS%"}
    logger = _stats_logger(HTTP_METRICS, labels, metrics, destination_port)
    return [logger] if logger else []


def tcp_stats(labels: Mapping[str, str], metrics: Metrics, destination_port: int | None) -> list[dict]:
    """The stats loggers of a TCP proxy, which logs when its upstream connects (opened
    connections) and when the connection ends (closed connections, bytes)."""
    labels = {**labels, "request_protocol": "tcp", "response_flags": "%RESPONSE_FLAGS%"}
    out = []
    for stats, log_type in ((TCP_OPENED, "TcpUpstreamConnected"), (TCP_ENDED, "TcpConnectionEnd")):
        logger = _stats_logger(stats, labels, metrics, destination_port)
        if logger:
            out.append({**logger, "filter": {"log_type_filter": {"types": [log_type]}}})
    return out


def _stats_logger(stats: Mapping[str, tuple], labels: Mapping[str, str], metrics: Metrics,
                  destination_port: int | None) -> dict | None:
    counters, histograms = [], []
    for metric, (name, unit, value) in stats.items():
        if not metrics.enabled(metric):
            continue
        stat = {"name": name, "tags": _tags(labels, metrics.tags.get(metric, {}), destination_port)}
        if unit is None:
            counters.append({"stat": stat, **({"value_format": value} if value else {"value_fixed": 1})})
        else:
            histograms.append({"stat": stat, "unit": unit, "value_format": value})
    if not counters and not histograms:
        return None
    config: dict = {"@type": STATS_LOGGER, "stats_scope": {"prefix": STAT_PREFIX}}
    if counters:
        config["counters"] = counters
    if histograms:
        config["histograms"] = histograms
    return {"name": "istio.stats", "typed_config": config}


def _tags(labels: Mapping[str, str], changes: Mapping, destination_port: int | None) -> list[dict]:
    values = dict(labels)
    for tag, change in changes.items():
        if change.value is None:
            values.pop(tag, None)
        else:
            values[tag] = attribute_format(change.value, destination_port) or ""
    return [{"name": name, "value_format": value} for name, value in values.items() if value]


def _literals(peer: Peer) -> dict[str, str]:
    return {**{name: getattr(peer, name) for name in PEER_FIELDS}, "cluster": CLUSTER_ID}


def _side(prefix: str, values: Mapping[str, str]) -> dict[str, str]:
    """Istio's label names for one side: ``source_workload``, ``source_workload_namespace``, ..."""
    names = {"workload": "workload", "namespace": "workload_namespace", "app": "app", "version": "version",
             "canonical_service": "canonical_service", "canonical_revision": "canonical_revision",
             "cluster": "cluster"}
    return {f"{prefix}_{names[key]}": value for key, value in values.items()}


def _scraped(local: Peer) -> dict[str, str]:
    """The reporting pod's labels, as a cluster's scrape of its sidecar adds them."""
    labels = {"namespace": local.namespace, "pod": local.pod}
    if local.app != UNKNOWN:
        labels["app"] = local.app
    if local.version != UNKNOWN:
        labels["version"] = local.version
    return labels
