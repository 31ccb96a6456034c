"""Reading Envoy's admin interface (127.0.0.1 only)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

ADMIN_REQUEST_TIMEOUT_S = 2.0


class AdminUnreachable(ConnectionError):
    """The admin port did not answer."""


def admin_get(port: int, path: str) -> tuple[int, str]:
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=ADMIN_REQUEST_TIMEOUT_S) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except (urllib.error.URLError, OSError) as error:
        raise AdminUnreachable(f"Envoy admin on port {port} unreachable: {error}") from None


def is_ready(port: int) -> bool:
    try:
        return admin_get(port, "/ready")[0] == 200
    except AdminUnreachable:
        return False


def config_dump(port: int) -> dict:
    status, body = admin_get(port, "/config_dump")
    if status != 200:
        raise AdminUnreachable(f"Envoy admin /config_dump answered {status}")
    return json.loads(body)


def clusters(port: int) -> dict:
    """Every cluster with its endpoints and their health (``/clusters?format=json``)."""
    status, body = admin_get(port, "/clusters?format=json")
    if status != 200:
        raise AdminUnreachable(f"Envoy admin /clusters answered {status}")
    return json.loads(body)


def stat(port: int, name: str) -> int | None:
    status, body = admin_get(port, f"/stats?filter=^{name}$")
    for line in body.splitlines():
        key, _, value = line.partition(": ")
        if key == name:
            return int(value)
    return None
