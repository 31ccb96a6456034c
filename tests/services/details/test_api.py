"""details v1 over HTTP: exact bytes, prefix mounts, methods and routing errors
(docs/upstream-behaviour.md#details-endpoints-and-ids, docs/compatibility.md#details)."""
from __future__ import annotations

import pytest

DETAILS_0 = (b'{"id":0,"author":"William Shakespeare","year":1595,"type":"paperback","pages":200,'
             b'"publisher":"PublisherA","language":"English","ISBN-10":"1234567890",'
             b'"ISBN-13":"123-1234567890"}')


def test_details_body_is_upstreams_exact_bytes(client):
    response = client.get("/details/0")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.data == DETAILS_0


def test_only_the_id_changes(client):
    assert client.get("/details/1").data == DETAILS_0.replace(b'"id":0', b'"id":1')


@pytest.mark.parametrize("path", ["/health", "/health/", "/health/anything/deeper"])
def test_health_is_a_prefix_mount(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.data == b'{"status":"Details is healthy"}'


@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
def test_get_post_and_put_run_the_same_handler(client, method):
    response = client.open("/details/0", method=method, data=b"ignored")
    assert (response.status_code, response.data) == (200, DETAILS_0)


def test_head_answers_headers_only(client):
    response = client.head("/details/0")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("path", ["/details/0", "/health"])
def test_options_lists_webricks_methods(client, path):
    response = client.options(path)
    assert response.status_code == 200
    assert response.headers["Allow"] == "GET,HEAD,OPTIONS,POST,PUT"
    assert response.data == b""


@pytest.mark.parametrize("method", ["DELETE", "PATCH"])
def test_other_methods_are_405(client, method):
    response = client.open("/details/0", method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET,HEAD,OPTIONS,POST,PUT"
    assert b"Method Not Allowed" in response.data
    assert f"unsupported method `{method}&#x27;.".encode() in response.data


@pytest.mark.parametrize("path", ["/detailsX", "/", "/productpage", "/healthz"])
def test_unknown_paths_are_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.content_type.startswith("text/html")
    assert b"Not Found" in response.data


def test_the_404_page_escapes_the_path(client):
    response = client.get("/<script>alert(1)</script>")
    assert response.status_code == 404
    assert b"<script>" not in response.data
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.data


def test_metrics_are_served_with_the_prometheus_content_type(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
