"""Which incoming headers travel with an outbound call.

The lists are upstream's: productpage copies ``PRODUCTPAGE_VERBATIM`` and re-emits B3
through OpenTelemetry (docs/upstream-behaviour.md#productpage-headers-sent-to-the-back-ends);
reviews and details copy ``FORWARDED`` unchanged
(docs/upstream-behaviour.md#reviews-and-details-forwarded-headers).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

PRODUCTPAGE_VERBATIM = (
    "x-request-id",
    "x-ot-span-context",
    "x-datadog-trace-id",
    "x-datadog-parent-id",
    "x-datadog-sampling-priority",
    "traceparent",
    "tracestate",
    "x-cloud-trace-context",
    "grpc-trace-bin",
    "sw8",
    "user-agent",
    "cookie",
    "authorization",
    "jwt",
)

FORWARDED = (
    "x-request-id",
    "x-ot-span-context",
    "x-datadog-trace-id",
    "x-datadog-parent-id",
    "x-datadog-sampling-priority",
    "traceparent",
    "tracestate",
    "x-cloud-trace-context",
    "grpc-trace-bin",
    "x-b3-traceid",
    "x-b3-spanid",
    "x-b3-parentspanid",
    "x-b3-sampled",
    "x-b3-flags",
    "sw8",
    "end-user",
    "user-agent",
    "cookie",
    "authorization",
    "jwt",
)


def copy_headers(incoming: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    """The named headers present in ``incoming`` (case-insensitive), lower-case names.

    ``incoming`` is a werkzeug ``Headers``/``EnvironHeaders`` (case-insensitive ``get``,
    repeated headers joined with commas) or any mapping with lower-case keys.
    """
    out: dict[str, str] = {}
    for name in names:
        value = incoming.get(name)
        if value is not None:
            out[name] = value
    return out
