"""The CEL expressions a Telemetry's ``tagOverrides`` may give as a metric tag's value,
as the Envoy command operators that compute the same value per request.

Istio evaluates these expressions in its stats filter; here a tag's value is one of
Envoy's format strings, so only the expressions with such an equivalent are accepted
(others are refused by name, bookinfo.mesh.support).
"""
from __future__ import annotations

import re

# CEL attributes a tagOverrides value may name, as Envoy command operators.
ATTRIBUTES = {
    "request.host": "%REQ(:AUTHORITY)%", "request.method": "%REQ(:METHOD)%", "request.path": "%REQ(:PATH)%",
    "request.scheme": "%REQ(:SCHEME)%", "request.protocol": "%PROTOCOL%", "request.useragent": "%REQ(USER-AGENT)%",
    "request.id": "%REQ(X-REQUEST-ID)%", "response.code": "%RESPONSE_CODE%", "response.flags": "%RESPONSE_FLAGS%",
    "connection.requested_server_name": "%REQUESTED_SERVER_NAME%",
}
_HEADER = re.compile(r"""^(request|response)\.headers\[(['"])([A-Za-z0-9!#$&*+.^_`|~-]+)\2\]$""")
_LITERAL = re.compile(r"""^(['"])([^'"%]*)\1$""")
_STRING_OF = re.compile(r"^string\((.+)\)$")


def attribute_format(expression: str, destination_port: int | None = None) -> str | None:
    """A tagOverrides CEL expression as an Envoy format string, None when it is not one
    the local mesh implements: a string literal, an attribute of :data:`ATTRIBUTES`,
    ``request.headers['name']``, ``response.headers['name']``, ``destination.port``,
    each optionally inside ``string(...)``."""
    expression = expression.strip()
    inner = _STRING_OF.match(expression)
    if inner:
        expression = inner.group(1).strip()
    literal = _LITERAL.match(expression)
    if literal:
        return literal.group(2)
    if expression in ATTRIBUTES:
        return ATTRIBUTES[expression]
    header = _HEADER.match(expression)
    if header:
        return f"%{'REQ' if header.group(1) == 'request' else 'RESP'}({header.group(3)})%"
    if expression == "destination.port":
        return str(destination_port) if destination_port is not None else "%UPSTREAM_REMOTE_PORT%"
    return None
