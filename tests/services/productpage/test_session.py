"""Sign-in, sign-out and the session cookie shared with upstream pods
(docs/upstream-behaviour.md#productpage-sign-in-and-session)."""
import hashlib
import json
import logging
import zlib

import pytest
from itsdangerous import BadPayload, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode

from productpage.app import create_app, warn_demo_secret_key
from productpage.config import DEMO_SECRET_KEY, Config
from productpage.identity import MAX_USER_NAME_LENGTH
from productpage.session import MAX_SESSION_BYTES, BoundedSessionInterface


class CompactJSON:
    """Flask's session payload spelling: compact JSON."""

    @staticmethod
    def dumps(value):
        return json.dumps(value, separators=(",", ":"))

    loads = staticmethod(json.loads)


def cookie_serializer(key):
    """The signing Flask's SecureCookieSessionInterface uses (salt, HMAC-SHA1), built
    from itsdangerous directly so the test does not reuse the code under test."""
    return URLSafeTimedSerializer(key, salt="cookie-session", serializer=CompactJSON,
                                  signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1})


def session_cookie(response):
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    return header


def test_cookie_minted_with_the_demo_key_is_accepted(client, stub):
    client.set_cookie("session", cookie_serializer(DEMO_SECRET_KEY).dumps({"user": "jason"}))
    page = client.get("/productpage").get_data(as_text=True)
    assert '<p class="user-name">jason</p>' in page and 'href="logout"' in page and "Sign out" in page
    assert all(call.header("end-user") == b"jason" for call in stub.requests())


def test_our_cookie_is_upstreams_format(client):
    header = session_cookie(client.post("/login", data={"username": "jason", "passwd": "x"}))
    value = header.split(";")[0].removeprefix("session=")
    assert value.startswith("eyJ1c2VyIjoiamFzb24ifQ.")
    assert cookie_serializer(DEMO_SECRET_KEY).loads(value) == {"user": "jason"}
    assert "HttpOnly" in header and "Path=/" in header and "Expires" not in header


def test_cookie_signed_with_another_key_means_signed_out(client, stub):
    client.set_cookie("session", cookie_serializer(b"another key").dumps({"user": "jason"}))
    page = client.get("/productpage").get_data(as_text=True)
    assert "Sign in" in page and "jason" not in page
    assert all(call.header("end-user") is None for call in stub.requests())


def test_configured_key_refuses_demo_cookies(stub):
    client = create_app(Config.from_environ({**stub.env, "FLASK_SECRET_KEY": "k"})).test_client()
    client.set_cookie("session", cookie_serializer(DEMO_SECRET_KEY).dumps({"user": "jason"}))
    assert "jason" not in client.get("/productpage").get_data(as_text=True)
    value = session_cookie(client.post("/login?username=ann")).split(";")[0].removeprefix("session=")
    assert cookie_serializer(b"k").loads(value) == {"user": "ann"}


@pytest.mark.parametrize("referer, location", [
    ("http://localhost/productpage", "http://localhost/productpage"),
    ("https://localhost/productpage?u=test", "https://localhost/productpage?u=test"),
    ("/productpage", "/productpage"),
    (None, "/productpage"),
    ("", "/productpage"),
    ("https://evil.example/phish", "/productpage"),
    ("//evil.example/phish", "/productpage"),
    ("/\\evil.example", "/productpage"),
    ("http://localhost.evil.example/", "/productpage"),
    ("http://[::1", "/productpage"),
    # Werkzeug turns these into //evil.example on their way into the Location header.
    ("////evil.example", "/productpage"),
    ("///evil.example/phish", "/productpage"),
    ("http://localhost:8080/productpage", "/productpage"),  # another port is another site
])
def test_login_and_logout_return_to_a_same_site_referer(client, referer, location):
    headers = {"Referer": referer} if referer is not None else {}
    for response in (client.post("/login", data={"username": "jason"}, headers=headers),
                     client.get("/logout", headers=headers)):
        assert response.status_code == 302
        assert response.headers["Location"] == location


def test_a_referer_keeps_its_port_when_the_host_has_it(app):
    client = app.test_client()
    headers = {"Referer": "http://localhost:18095/productpage?u=normal"}
    response = client.post("/login", data={"username": "jason"}, headers=headers,
                           base_url="http://localhost:18095")
    assert response.headers["Location"] == "http://localhost:18095/productpage?u=normal"


def signed(payload: bytes, key: bytes = DEMO_SECRET_KEY) -> str:
    """A session cookie whose signature verifies, around any payload (the public demo key
    lets anyone mint these)."""
    return cookie_serializer(key).make_signer("cookie-session").sign(payload).decode()


def compressed(value: dict) -> bytes:
    """A payload as itsdangerous writes a zlib-compressed one."""
    return b"." + base64_encode(zlib.compress(CompactJSON.dumps(value).encode(), 9))


HUGE_NAME = {"user": "a" * 5 * 1024 * 1024}


@pytest.mark.filterwarnings("ignore:The 'session' cookie is too large")
@pytest.mark.parametrize("cookie", [
    signed(b"not base64 !"),
    signed(base64_encode(b"not json")),
    signed(base64_encode(b"[1, 2]")),                      # JSON, not an object
    signed(base64_encode(b'"user"')),
    signed(base64_encode(b'{" d": "not a date"}')),        # a tag of Flask's tagged JSON
    signed(base64_encode(b'{" u": "not a uuid"}')),
    signed(b"." + base64_encode(zlib.compress(b"[" * 2000 + b"]" * 2000))),  # too deep to parse
    signed(b"." + base64_encode(b"not zlib")),
    signed(compressed(HUGE_NAME)),                          # 6.9 KB carrying 5 MiB
    signed(compressed({"user": "a" * 2 * 1024 * 1024})),   # under 4 KB, inflating to 2 MiB
    signed(base64_encode(CompactJSON.dumps({"user": "a" * (MAX_USER_NAME_LENGTH + 1)}).encode())),
], ids=["base64", "json", "list", "string", "date-tag", "uuid-tag", "deep", "zlib",
        "large", "inflating", "long-name"])
def test_a_cookie_that_verifies_but_does_not_decode_is_a_signed_out_visitor(client, stub, caplog, cookie):
    """The probe's finding: such a cookie gave an HTML 500 on every route, /health
    included, with tracebacks logged for each request."""
    client.set_cookie("session", cookie)
    with caplog.at_level(logging.INFO):
        health = client.get("/health")
        page = client.get("/productpage")
    assert (health.status_code, health.get_data(as_text=True)) == (200, "Product page is healthy")
    assert page.status_code == 200
    assert 'id="sign-in-button"' in page.get_data(as_text=True)
    assert all(call.header("end-user") is None for call in stub.requests())
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize("name_bytes", [MAX_SESSION_BYTES, 2 * 1024 * 1024])
def test_a_compressed_payload_is_not_inflated_past_the_session_limit(app, name_bytes):
    """A cookie of a few kilobytes once inflated to a 5 MiB name, which then went to every
    back-end: 60 times the CPU of a normal page."""
    cookie = signed(compressed({"user": "a" * name_bytes}))
    serializer = BoundedSessionInterface().get_signing_serializer(app)
    with pytest.raises(BadPayload, match="inflates beyond"):
        serializer.loads(cookie)


def test_user_names_are_limited_in_length(client, stub):
    longest = "j" * MAX_USER_NAME_LENGTH
    assert client.post("/login", data={"username": longest}).status_code == 302
    assert f'<p class="user-name">{longest}</p>' in client.get("/productpage").get_data(as_text=True)
    refused = client.post("/login", data={"username": longest + "j"})
    assert refused.status_code == 400
    assert f"at most {MAX_USER_NAME_LENGTH} characters" in refused.get_data(as_text=True)
    # The refused name changed nothing: the user signed in before still is.
    assert f'<p class="user-name">{longest}</p>' in client.get("/productpage").get_data(as_text=True)


def test_the_session_cookie_is_same_site_lax(client):
    header = session_cookie(client.post("/login", data={"username": "jason"}))
    assert "SameSite=Lax" in header.split("; ")


@pytest.mark.parametrize("path", ["/", "/productpage", "/health", "/api/v1/products/0", "/nowhere",
                                  "/static/css/bookinfo.css"])
def test_every_answer_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert headers["Referrer-Policy"] == "same-origin"


def test_the_demo_key_warning_is_logged_once_per_process(stub, caplog):
    warn_demo_secret_key.cache_clear()
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            create_app(Config.from_environ(stub.env))
    warnings = [r.getMessage() for r in caplog.records if "FLASK_SECRET_KEY" in r.getMessage()]
    assert len(warnings) == 1
    assert "set FLASK_SECRET_KEY" in warnings[0]


def test_login_reads_the_query_string_and_ignores_the_password(client):
    client.post("/login?username=jason")
    assert '<p class="user-name">jason</p>' in client.get("/productpage").get_data(as_text=True)


def test_logout_forgets_the_user_and_deletes_the_cookie(client):
    client.post("/login", data={"username": "jason"})
    header = session_cookie(client.get("/logout"))
    assert header.startswith("session=;") and "Max-Age=0" in header
    page = client.get("/productpage").get_data(as_text=True)
    assert 'id="sign-in-button"' in page and "Sign out" not in page


def test_missing_or_empty_user_name_shows_sign_in(client):
    for data in ({}, {"username": ""}):
        client.post("/login", data=data)
        assert 'id="sign-in-button"' in client.get("/productpage").get_data(as_text=True)


def test_wrong_methods_get_werkzeugs_405(client):
    for response in (client.get("/login"), client.post("/logout")):
        assert response.status_code == 405
        assert response.content_type.startswith("text/html")


def test_responses_that_read_the_session_vary_on_cookie(client):
    # Flask >= 3.1.3 adds it whenever the session is read; upstream (3.1.0) only when
    # a user was signed in. Either way a cache must not share these across users.
    for path in ("/productpage", "/api/v1/products/0"):
        assert "Cookie" in client.get(path).headers.get("Vary", "")
