"""Routing errors as WEBrick words them, in a small HTML page (upstream answers HTML).

The request path and method are escaped: they come from the client.
"""
from __future__ import annotations

from html import escape

from flask import Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from bookinfo_common.errors import json_response

PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title></head>
<body>
<h1>{title}</h1>
<p>{detail}</p>
</body>
</html>
"""


def http_error_page(exc: HTTPException) -> Response:
    """404 and 405 as HTML pages; any other HTTP error (413, 400) as JSON."""
    headers = {}
    if exc.code == 404:
        detail = f"`{request.path}' not found."
    elif isinstance(exc, MethodNotAllowed):
        detail = f"unsupported method `{request.method}'."
        headers["Allow"] = ",".join(sorted(exc.valid_methods or ()))
    else:
        return json_response({"error": exc.name}, exc.code or 500)
    body = PAGE.format(title=escape(exc.name), detail=escape(detail))
    return Response(body, exc.code, headers=headers, content_type="text/html; charset=utf-8")
