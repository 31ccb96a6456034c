"""Sign-in, sign-out and the session cookie shared with upstream pods
(docs/upstream-behaviour.md#productpage-sign-in-and-session)."""
import hashlib
import json

import pytest
from itsdangerous import URLSafeTimedSerializer

from productpage.app import create_app
from productpage.config import DEMO_SECRET_KEY, Config


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
])
def test_login_and_logout_return_to_a_same_site_referer(client, referer, location):
    headers = {"Referer": referer} if referer is not None else {}
    for response in (client.post("/login", data={"username": "jason"}, headers=headers),
                     client.get("/logout", headers=headers)):
        assert response.status_code == 302
        assert response.headers["Location"] == location


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
