"""The two properties upstream's own unit tests pin
(docs/upstream-behaviour.md#what-upstreams-unit-tests-check).

Instead of requests-mock, the back-ends are a real local HTTP server that records the
headers it receives.
"""
import pytest

HEADERS = {
    "x-request-id": "34eeb41d-d267-9e49-8b84-dde403fc5b72",
    "x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7",
    "x-b3-spanid": "e457b5a2e4d86bd1",
    "x-b3-sampled": "1",
    "sw8": "40c7fdf104e3de5d6ac1f5d2a4d8b0cd",
}


@pytest.mark.parametrize("route, backend_path", [
    ("/api/v1/products/0/reviews", "/reviews/0"),
    ("/api/v1/products/0/ratings", "/ratings/0"),
])
def test_trace_headers_reach_the_backend_unchanged(client, stub, route, backend_path):
    response = client.get(route, headers=HEADERS)
    assert response.status_code == 200
    [call] = stub.requests(backend_path)
    assert call.path == backend_path
    for name, value in HEADERS.items():
        assert call.header(name) == value.encode(), name
