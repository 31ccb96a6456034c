"""Endpoints for Envoy tests: stub servers that answer with who they are and what they
received.

``?sleep=S`` answers after S seconds, ``?status=N`` answers with status N; every request
is recorded (``requests(path)``) so tests can count attempts.
"""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from tests.support.stub_server import Reply, Request, StubServer


def echo_server(name: str) -> StubServer:
    """A stub server whose JSON answer names it (``endpoint``) and echoes the request."""

    def echo(request: Request) -> Reply:
        url = urlsplit(request.path)
        query = parse_qs(url.query)
        body = json.dumps({"endpoint": name, "path": url.path, "method": request.method,
                           "headers": request.headers}).encode()
        return Reply(int(query.get("status", ["200"])[0]), body,
                     delay=float(query.get("sleep", ["0"])[0]))

    return StubServer(echo)
