"""reviews over HTTP: upstream's exact body bytes, ratings outcomes, routing
(docs/upstream-behaviour.md#reviews-endpoints-and-body)."""
from __future__ import annotations

import pytest

from reviews.app import create_app
from reviews.config import Config
from tests.support.net import free_port
from tests.support.stub_server import Reply

from .conftest import reviews_app

TEXT1 = "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"
TEXT2 = ("Absolutely fun and entertaining. The play lacks thematic depth when compared to other "
         "plays by Shakespeare.")
UNAVAILABLE = ', "rating": {"error": "Ratings service is currently unavailable"}'


def body(pod: str, rating1: str = "", rating2: str = "", product: str = "0", cluster: str = "null") -> bytes:
    """Upstream's body, spelled out literally (docs/upstream-behaviour.md#reviews-endpoints-and-body)."""
    return ('{"id": "' + product + '","podname": "' + pod + '","clustername": "' + cluster + '",'
            '"reviews": [{  "reviewer": "Reviewer1",  "text": "' + TEXT1 + '"' + rating1 + '},'
            '{  "reviewer": "Reviewer2",  "text": "' + TEXT2 + '"' + rating2 + '}]}').encode()


def stars(n: int, color: str) -> str:
    return ', "rating": {"stars": ' + str(n) + ', "color": "' + color + '"}'


def test_v1_body_is_upstreams_exact_bytes(v1, stand_in):
    response = v1.get("/reviews/0")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.data == body("reviews-v1-abc")
    assert stand_in.requests() == []  # v1 never calls ratings


def test_v2_body_has_black_stars(v2, stand_in):
    assert v2.get("/reviews/0").data == body("reviews-v2-abc", stars(5, "black"), stars(4, "black"))


def test_v3_body_has_red_stars(v3, stand_in):
    assert v3.get("/reviews/0").data == body("reviews-v3-abc", stars(5, "red"), stars(4, "red"))


def test_stars_follow_the_ratings_answer(v2, stand_in):
    stand_in.answer = Reply(body=b'{"id":3,"ratings":{"Reviewer2":1,"Reviewer1":2,"Reviewer3":9}}')
    assert v2.get("/reviews/3").data == body("reviews-v2-abc", stars(2, "black"), stars(1, "black"), product="3")
    [request] = stand_in.requests()
    assert request.path == "/ratings/3"


def test_unset_names_print_as_null_and_cluster_name_is_echoed(stand_in):
    client = reviews_app(stand_in, CLUSTER_NAME="east").test_client(use_cookies=False)
    assert client.get("/reviews/0").data == body("null", cluster="east")


def test_outside_values_are_json_escaped(stand_in):
    client = reviews_app(stand_in, HOSTNAME='pod"x', ENABLE_RATINGS="true", STAR_COLOR="b\\").test_client(use_cookies=False)
    response = client.get("/reviews/0")
    assert response.json["podname"] == 'pod"x'
    assert response.json["reviews"][0]["rating"]["color"] == "b\\"


@pytest.mark.parametrize("reply", [
    Reply(503, b'{"error":"Service unavailable"}'),
    Reply(500, b'{"error":"could not connect to ratings database"}'),
    Reply(200, b'{"error":"could not connect to ratings database"}'),  # ratings v2 + MySQL down
    Reply(200, b"this is not JSON", "text/plain"),  # upstream: 500; we: unavailable
    Reply(200, b'[1, 2]'),
    Reply(200, b'{"id":0,"ratings":null}'),
    Reply(200, b'{"id":0,"ratings":"five"}'),
])
def test_ratings_failures_show_the_error_for_both_reviewers(v3, stand_in, reply):
    stand_in.answer = reply
    response = v3.get("/reviews/0")
    assert response.status_code == 200
    assert response.data == body("reviews-v3-abc", UNAVAILABLE, UNAVAILABLE)


@pytest.mark.parametrize("ratings_object, rating1, rating2", [
    (b'{"Reviewer1":5}', stars(5, "red"), UNAVAILABLE),
    (b'{"Reviewer2":4}', UNAVAILABLE, stars(4, "red")),
    (b'{"Reviewer1":"5","Reviewer2":true}', UNAVAILABLE, UNAVAILABLE),
    (b'{"Reviewer1":4.7,"Reviewer2":1e300}', stars(4, "red"), UNAVAILABLE),
    (b'{"Reviewer1":-2147483648,"Reviewer2":2147483648}', stars(-2147483648, "red"), UNAVAILABLE),
])
def test_each_reviewer_without_a_usable_rating_gets_the_error(v3, stand_in, ratings_object, rating1, rating2):
    stand_in.answer = Reply(body=b'{"id":0,"ratings":' + ratings_object + b"}")
    assert v3.get("/reviews/0").data == body("reviews-v3-abc", rating1, rating2)


def test_ratings_unreachable_shows_the_error():
    environ = {"RATINGS_HOSTNAME": "127.0.0.1", "RATINGS_SERVICE_PORT": str(free_port()),
               "ENABLE_RATINGS": "true", "STAR_COLOR": "red"}
    client = create_app(Config.from_environ(environ)).test_client()
    assert client.get("/reviews/0").data == body("null", UNAVAILABLE, UNAVAILABLE)


def test_headers_travel_to_ratings(v2, stand_in):
    sent = {
        "x-request-id": "req-42", "x-ot-span-context": "ot", "x-datadog-trace-id": "1",
        "x-datadog-parent-id": "2", "x-datadog-sampling-priority": "1",
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "a=b",
        "x-cloud-trace-context": "105445aa7843bc8bf206b12000100000/1;o=1", "grpc-trace-bin": "AAA=",
        "x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7", "x-b3-spanid": "e457b5a2e4d86bd1",
        "x-b3-parentspanid": "05e3ac9a4f6e3b90", "x-b3-sampled": "1", "x-b3-flags": "1", "sw8": "1-abc",
        "end-user": "jason", "user-agent": "pytest-agent", "cookie": "session=abc",
        "authorization": "Bearer t", "jwt": "j.w.t",
    }
    not_forwarded = {"b3": "80f198ee56343ba8-e457b5a2e4d86bd1-1", "baggage": "k=v",
                     "x-forwarded-for": "10.0.0.1", "x-envoy-attempt-count": "1"}
    v2.get("/reviews/0", headers={**sent, **not_forwarded, "Accept": "text/html"})
    [request] = stand_in.requests()
    for name, value in sent.items():
        assert request.headers.get(name) == value, name
    for name in not_forwarded:
        assert name not in request.headers
    assert request.headers["accept"] == "application/json"


def test_repeated_headers_arrive_comma_joined(v2, stand_in):
    v2.get("/reviews/0", headers=[("x-request-id", "a"), ("x-request-id", "b")])
    [request] = stand_in.requests()
    assert request.headers["x-request-id"] == "a, b"


def test_health_body_has_the_space(v1):
    response = v1.get("/health")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.data == b'{"status": "Reviews is healthy"}'


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/reviews/0", "/health"])
def test_non_get_methods_are_405(v1, method, path):
    response = v1.open(path, method=method)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("path", ["/", "/reviews", "/reviews/", "/reviews/0/", "/reviews/0/1", "/healthz"])
def test_unknown_paths_are_404_with_empty_body(v1, path):
    response = v1.get(path)
    assert response.status_code == 404
    assert response.data == b""


def test_head_and_options_are_answered(v1):
    assert v1.head("/reviews/0").status_code == 200
    options = v1.options("/reviews/0")
    assert options.status_code == 200
    assert "GET" in options.headers["Allow"]


def test_ratings_is_asked_for_the_normalised_id(v2, stand_in):
    v2.get("/reviews/+007")
    assert [r.path for r in stand_in.requests()] == ["/ratings/7"]
