"""Envoy access logging in Istio's default text format, one file per workload.

One Envoy serves every sidecar here, so the file is chosen per listener: a workload's
listeners log to ``<directory>/<workload>.istio-proxy.log`` (what ``bookinfo logs POD -c
istio-proxy`` shows, as ``kubectl logs`` shows a sidecar's output), the gateway's to
``<directory>/istio-ingressgateway.istio-proxy.log``. Every builder of an HTTP connection
manager or a TCP proxy takes its ``access_log`` from :func:`access_log`, so no listener
logs differently.
"""
from __future__ import annotations

from pathlib import Path

FILE_ACCESS_LOG = "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog"

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


def access_log_path(directory: str | Path, workload: str) -> Path:
    """The file a workload's listeners (or the gateway's, ``model.GATEWAY_WORKLOAD``) log to."""
    return Path(directory) / f"{workload}.istio-proxy.log"


def access_log(directory: str | Path | None, workload: str) -> list[dict]:
    """The ``access_log`` of an HTTP connection manager or TCP proxy serving ``workload``;
    none when no log directory is given (a translation for tests or validation only)."""
    if directory is None:
        return []
    return [{"name": "envoy.access_loggers.file", "typed_config": {
        "@type": FILE_ACCESS_LOG, "path": str(access_log_path(directory, workload)),
        "log_format": {"text_format_source": {"inline_string": ISTIO_TEXT_FORMAT}}}}]
