"""Envoy access logging in Istio's default text format, one file per workload.

One Envoy serves every sidecar here, so the file is chosen per listener: a workload's
listeners log to ``<directory>/<workload>.istio-proxy.log`` (what ``bookinfo logs POD -c
istio-proxy`` shows, as ``kubectl logs`` shows a sidecar's output), the gateway's to
``<directory>/istio-ingressgateway.istio-proxy.log``. Which listeners log, in which
format and which lines, is the Telemetry API's to say (bookinfo.mesh.telemetry: the
demo profile's ``envoy`` provider by default); every builder of an HTTP connection
manager or a TCP proxy takes its file loggers from :func:`access_log`, so no listener
logs differently.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .telemetry import AccessLog

FILE_ACCESS_LOG = "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog"
CEL_FILTER = "type.googleapis.com/envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter"
# A TCP proxy that also logs when its upstream connects (for the opened-connections
# metric) writes its file line only when the connection ends, as without that flush.
TCP_END = {"log_type_filter": {"types": ["TcpConnectionEnd"]}}

# Istio's default TEXT format (pilot's EnvoyTextLogFormat), used when meshConfig sets no
# accessLogFormat; the upstream cluster is its observable name (``alt_stat_name``: a
# cluster this mesh keeps per caller identity logs as Istio's one cluster).
ISTIO_TEXT_FORMAT = (
    '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" '
    "%RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "
    '"%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% '
    '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" '
    '"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% '
    "%UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% "
    "%REQUESTED_SERVER_NAME% %ROUTE_NAME%\n")
# Istio's default JSON fields (accessLogEncoding: JSON without an accessLogFormat).
ISTIO_JSON_FIELDS = {
    "start_time": "%START_TIME%", "method": "%REQ(:METHOD)%", "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
    "protocol": "%PROTOCOL%", "response_code": "%RESPONSE_CODE%", "response_flags": "%RESPONSE_FLAGS%",
    "response_code_details": "%RESPONSE_CODE_DETAILS%",
    "connection_termination_details": "%CONNECTION_TERMINATION_DETAILS%",
    "upstream_transport_failure_reason": "%UPSTREAM_TRANSPORT_FAILURE_REASON%",
    "bytes_received": "%BYTES_RECEIVED%", "bytes_sent": "%BYTES_SENT%", "duration": "%DURATION%",
    "upstream_service_time": "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%",
    "x_forwarded_for": "%REQ(X-FORWARDED-FOR)%", "user_agent": "%REQ(USER-AGENT)%",
    "request_id": "%REQ(X-REQUEST-ID)%", "authority": "%REQ(:AUTHORITY)%", "upstream_host": "%UPSTREAM_HOST%",
    "upstream_cluster": "%UPSTREAM_CLUSTER%", "upstream_local_address": "%UPSTREAM_LOCAL_ADDRESS%",
    "downstream_local_address": "%DOWNSTREAM_LOCAL_ADDRESS%",
    "downstream_remote_address": "%DOWNSTREAM_REMOTE_ADDRESS%",
    "requested_server_name": "%REQUESTED_SERVER_NAME%", "route_name": "%ROUTE_NAME%"}


def access_log_path(directory: str | Path, workload: str) -> Path:
    """The file a workload's listeners (or the gateway's, ``model.GATEWAY_WORKLOAD``) log to."""
    return Path(directory) / f"{workload}.istio-proxy.log"


def access_log(directory: str | Path | None, workload: str, logs: Sequence[AccessLog],
               tcp_end_only: bool = False) -> list[dict]:
    """The file loggers of an HTTP connection manager or TCP proxy serving ``workload``,
    one per access log the Telemetry API gives it; none when no log directory is given
    (a translation for tests or validation only). ``tcp_end_only``: a TCP proxy that also
    logs when its upstream connects writes its line at the connection's end only."""
    if directory is None:
        return []
    return [_file_logger(access_log_path(directory, workload), log, tcp_end_only) for log in logs]


def _file_logger(path: Path, log: AccessLog, tcp_end_only: bool) -> dict:
    provider = log.provider
    if provider.log_json:
        log_format: dict = {"json_format": dict(provider.log_labels or ISTIO_JSON_FIELDS)}
    else:
        text = provider.log_text or ISTIO_TEXT_FORMAT
        log_format = {"text_format_source": {"inline_string": text if text.endswith("\n") else text + "\n"}}
    logger: dict = {"name": "envoy.access_loggers.file", "typed_config": {
        "@type": FILE_ACCESS_LOG, "path": str(path), "log_format": log_format}}
    filters = ([TCP_END] if tcp_end_only else []) + ([_cel(log.filter)] if log.filter else [])
    if len(filters) == 1:
        logger["filter"] = filters[0]
    elif filters:
        logger["filter"] = {"and_filter": {"filters": filters}}
    return logger


def _cel(expression: str) -> dict:
    """Telemetry's ``filter.expression``: a CEL expression over Envoy's attributes."""
    return {"extension_filter": {"name": "envoy.access_loggers.extension_filters.cel",
                                 "typed_config": {"@type": CEL_FILTER, "expression": expression}}}
