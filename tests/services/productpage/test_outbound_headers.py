"""What productpage sends to its back-ends, seen at the back-end
(docs/upstream-behaviour.md#productpage-headers-sent-to-the-back-ends)."""
import pytest

from bookinfo_common.propagation import PRODUCTPAGE_VERBATIM
from productpage.outbound import end_user_value

TRACE128 = "80f198ee56343ba864fe8b2a57d3eff7"
TRACE64 = "80f198ee56343ba8"
SPAN = "e457b5a2e4d86bd1"
B3 = ("x-b3-traceid", "x-b3-spanid", "x-b3-sampled")


def b3_seen(client, stub, headers):
    client.get("/api/v1/products/0/ratings", headers=headers)
    [call] = stub.requests("/ratings/")
    return {name: call.header(name).decode() for name in B3 if call.header(name) is not None}, call


@pytest.mark.parametrize("incoming, expected", [
    ({"X-B3-TraceId": TRACE64.upper(), "X-B3-SpanId": SPAN.upper(), "X-B3-Sampled": "true"},
     {"x-b3-traceid": "0" * 16 + TRACE64, "x-b3-spanid": SPAN, "x-b3-sampled": "1"}),
    ({"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN},
     {"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN, "x-b3-sampled": "0"}),
    ({"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN, "x-b3-sampled": "d"},
     {"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN, "x-b3-sampled": "1"}),
    ({"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN, "x-b3-flags": "1"},
     {"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN, "x-b3-sampled": "1"}),
    ({"b3": f"{TRACE128}-{SPAN}-1-05e3ac9a4f6e3b90", "x-b3-traceid": "1" * 32, "x-b3-spanid": "2" * 16},
     {"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN, "x-b3-sampled": "1"}),
    ({"b3": "0", "x-b3-traceid": TRACE128, "x-b3-spanid": SPAN}, {}),
    ({"x-b3-traceid": "not-hex", "x-b3-spanid": SPAN}, {}),
    ({}, {}),
])
def test_b3_is_parsed_and_reemitted_as_three_headers(client, stub, incoming, expected):
    seen, call = b3_seen(client, stub, incoming)
    assert seen == expected
    assert not call.names & {"x-b3-parentspanid", "x-b3-flags", "b3"}


def test_parent_span_flags_and_single_b3_never_forwarded(client, stub):
    _, call = b3_seen(client, stub, {"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN,
                                     "x-b3-parentspanid": "1" * 16, "x-b3-flags": "1"})
    assert not call.names & {"x-b3-parentspanid", "x-b3-flags", "b3"}


def test_verbatim_list_copied_and_nothing_else(app, stub):
    client = app.test_client(use_cookies=False)  # so our Cookie header is sent as given
    incoming = {name: f"value-of-{name}" for name in PRODUCTPAGE_VERBATIM}
    incoming.update({"baggage": "k=v", "x-forwarded-for": "10.0.0.1", "x-envoy-attempt-count": "1"})
    client.get("/productpage", headers=incoming)
    for call in stub.requests("/"):
        for name in PRODUCTPAGE_VERBATIM:
            assert call.header(name) == f"value-of-{name}".encode(), (call.path, name)
        assert not call.names & {"baggage", "x-forwarded-for", "x-envoy-attempt-count"}


def login(client, name):
    assert client.post("/login", data={"username": name}).status_code == 302


def test_end_user_comes_from_the_session_not_the_request(client, stub):
    client.get("/productpage", headers={"end-user": "jason"})
    assert all(call.header("end-user") is None for call in stub.requests())
    login(client, "jason")
    stub.reset()
    client.get("/productpage", headers={"end-user": "mallory"})
    calls = stub.requests()
    assert [c.path for c in calls] == ["/details/0", "/reviews/0"]
    assert all(call.header("end-user") == b"jason" for call in calls)


def test_api_routes_send_end_user_too(client, stub):
    login(client, "jason")
    client.get("/api/v1/products/0/ratings")
    [call] = stub.requests("/ratings/")
    assert call.header("end-user") == b"jason"


@pytest.mark.parametrize("name", ["jösé", "李雷", "Ωmega 🚀"])
def test_non_ascii_names_are_sent_as_utf8_and_the_calls_succeed(client, stub, name):
    login(client, name)
    page = client.get("/productpage").get_data(as_text=True)
    assert "Error fetching" not in page and "Book Reviews" in page
    for call in stub.requests():
        assert call.header("end-user") == name.encode("utf-8")


@pytest.mark.parametrize("name, sent", [
    ("jason\r\nx-evil: 1", b"jasonx-evil: 1"),
    ("jason\nx-evil: 1", b"jasonx-evil: 1"),
    ("ja\x00son", b"jason"),
    ("  jason\t", b"jason"),
])
def test_header_injection_in_the_name_never_adds_a_header(client, stub, name, sent):
    login(client, name)
    page = client.get("/productpage").get_data(as_text=True)
    assert "Error fetching" not in page
    for call in stub.requests():
        assert "x-evil" not in call.names
        assert call.header("end-user") == sent


def test_empty_user_name_sends_an_empty_header_and_null_sends_none(client, stub):
    login(client, "")
    client.get("/productpage")
    assert {call.header("end-user") for call in stub.requests()} == {b""}
    stub.reset()
    client.post("/login")  # no username at all: the session user is null
    client.get("/productpage")
    assert {call.header("end-user") for call in stub.requests()} == {None}


def test_end_user_value_is_utf8_without_controls():
    assert end_user_value("jason") == b"jason"
    assert end_user_value("jösé") == "jösé".encode("utf-8")
    assert end_user_value("a\x7fb\x1bc") == b"abc"
