"""The istio.io security tasks on Bookinfo, automated against one local stack.

Authorization for HTTP traffic (``allow-nothing`` -> ``productpage-viewer`` ->
``details-viewer``/``reviews-viewer`` -> ``ratings-viewer``), the STRICT mTLS step of
the ``istioctl x describe`` page (a plain-text DestinationRule breaks ratings, the mTLS
one fixes it), a JWT walk with a key pair made here (RequestAuthentication, then an
AuthorizationPolicy that requires a request principal), and a STRICT workload's inbound
listener refusing clients without the mesh's certificate. Each step is checked as the
istio.io scripts check it: the apply lines, the status code and the page's strings.
Every test starts from the standard setup and ends with ``bookinfo reset``.
"""
from __future__ import annotations

import socket
import ssl

import pytest
import requests

from tests.support.bookinfo_client import (DETAILS_UNAVAILABLE, RATINGS_UNAVAILABLE, REQUEST_TIMEOUT,
                                           REVIEWS_UNAVAILABLE, product_page)
from tests.support.jwt_tokens import Issuer
from tests.support.runner import REPO, RunningStack
from tests.support.stub_server import Reply, StubServer

MANIFESTS = ("platform/kube/bookinfo.yaml",)  # the stack's base (tests/e2e/conftest.py)
NETWORKING = REPO / "networking"

# The authz-http page's policies, as it applies them with `kubectl apply -f - <<EOF`.
ALLOW_NOTHING = """\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow-nothing
  namespace: default
spec:
  {}
"""
PRODUCTPAGE_VIEWER = """\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: "productpage-viewer"
  namespace: default
spec:
  selector:
    matchLabels:
      app: productpage
  action: ALLOW
  rules:
  - to:
    - operation:
        methods: ["GET"]
"""


def viewer(app: str, account: str) -> str:
    return f"""\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: "{app}-viewer"
  namespace: default
spec:
  selector:
    matchLabels:
      app: {app}
  action: ALLOW
  rules:
  - from:
    - source:
        principals: ["cluster.local/ns/default/sa/{account}"]
    to:
    - operation:
        methods: ["GET"]
"""


RATINGS_STRICT = """\
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: ratings-strict
spec:
  selector:
    matchLabels:
      app: ratings
  mtls:
    mode: STRICT
"""
# What "plain HTTP destination rules" mean under auto mTLS: ratings' rule with TLS off.
RATINGS_PLAIN_TEXT = """\
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ratings
spec:
  host: ratings
  trafficPolicy:
    tls:
      mode: DISABLE
  subsets:
  - name: v1
    labels:
      version: v1
"""
ISSUER = Issuer("testing@secure.istio.io")
FORGER = Issuer("testing@secure.istio.io")  # the same key id, another key


def jwt_example(jwks_uri: str) -> str:
    return f"""\
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: "jwt-example"
  namespace: default
spec:
  selector:
    matchLabels:
      app: productpage
  jwtRules:
  - issuer: "testing@secure.istio.io"
    jwksUri: "{jwks_uri}"
"""


REQUIRE_JWT = """\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: require-jwt
  namespace: default
spec:
  selector:
    matchLabels:
      app: productpage
  action: ALLOW
  rules:
  - from:
    - source:
       requestPrincipals: ["testing@secure.istio.io/testing@secure.istio.io"]
"""
REQUIRE_GROUP = REQUIRE_JWT + """\
    when:
    - key: request.auth.claims[groups]
      values: ["group1"]
"""


@pytest.fixture
def mesh(stack: RunningStack):
    """istio.io's standard setup; ``bookinfo reset`` afterwards."""
    stack.apply(NETWORKING / "bookinfo-gateway.yaml", NETWORKING / "destination-rule-all.yaml")
    yield stack
    reset = stack.run("reset")
    assert reset.returncode == 0, reset.stderr


def page_with(url: str, status: int, *strings: str, headers: dict | None = None) -> requests.Response:
    """``GET /productpage`` answers ``status`` and holds every one of ``strings``."""
    answer = requests.get(f"{url}/productpage", headers=headers, timeout=REQUEST_TIMEOUT)
    assert answer.status_code == status, (answer.status_code, answer.text[:300])
    for text in strings:
        assert text in answer.text, text
    return answer


def test_authorization_for_http_traffic(mesh):
    assert mesh.apply(NETWORKING / "virtual-service-reviews-v3.yaml") == [
        "virtualservice.networking.istio.io/reviews created"]
    page_with(mesh.url, 200, "William Shakespeare", "Book Details", "Book Reviews")

    assert mesh.apply("-", stdin=ALLOW_NOTHING) == ["authorizationpolicy.security.istio.io/allow-nothing created"]
    assert page_with(mesh.url, 403).text == "RBAC: access denied"

    assert mesh.apply("-", stdin=PRODUCTPAGE_VIEWER) == [
        "authorizationpolicy.security.istio.io/productpage-viewer created"]
    page_with(mesh.url, 200, "William Shakespeare", "Error fetching product details", DETAILS_UNAVAILABLE,
              "Error fetching product reviews", REVIEWS_UNAVAILABLE)

    assert mesh.apply("-", stdin=viewer("details", "bookinfo-productpage")) == [
        "authorizationpolicy.security.istio.io/details-viewer created"]
    assert mesh.apply("-", stdin=viewer("reviews", "bookinfo-productpage")) == [
        "authorizationpolicy.security.istio.io/reviews-viewer created"]
    answer = page_with(mesh.url, 200, "William Shakespeare", RATINGS_UNAVAILABLE)
    assert "Error fetching product details" not in answer.text and "Error fetching product reviews" not in answer.text

    assert mesh.apply("-", stdin=viewer("ratings", "bookinfo-reviews")) == [
        "authorizationpolicy.security.istio.io/ratings-viewer created"]
    answer = page_with(mesh.url, 200, "William Shakespeare", "Book Details", "Book Reviews", "text-red-500")
    assert RATINGS_UNAVAILABLE not in answer.text

    # The page's clean-up: without allow-nothing the viewers still decide for their workloads.
    deleted = mesh.run("delete", "-f", "-", stdin=ALLOW_NOTHING)
    assert deleted.stdout == 'authorizationpolicy.security.istio.io "allow-nothing" deleted\n', deleted.stderr
    page_with(mesh.url, 200, "Book Details", "Book Reviews")
    listed = mesh.run("get", "authorizationpolicies")
    assert [line.split()[:2] for line in listed.stdout.splitlines()[1:]] == [
        ["details-viewer", "ALLOW"], ["productpage-viewer", "ALLOW"], ["ratings-viewer", "ALLOW"],
        ["reviews-viewer", "ALLOW"]]


def test_strict_mtls_with_a_plain_text_destination_rule_breaks_ratings_until_fixed(mesh):
    """The describe page's last steps. Its "plain HTTP destination rules" predate auto mTLS:
    destination-rule-all.yaml sets no TLS, so clients speak mutual TLS and ratings keeps
    working; a rule with ``tls.mode: DISABLE`` is what makes the clients speak plain text."""
    mesh.apply(NETWORKING / "destination-rule-all-mtls.yaml", NETWORKING / "virtual-service-all-v1.yaml",
               NETWORKING / "virtual-service-reviews-jason-v2-v3.yaml")
    assert product_page(mesh.url).star_color == "red"
    assert mesh.apply("-", stdin=RATINGS_STRICT) == ["peerauthentication.security.istio.io/ratings-strict created"]
    assert product_page(mesh.url).star_color == "red"

    assert mesh.apply("-", stdin=RATINGS_PLAIN_TEXT) == ["destinationrule.networking.istio.io/ratings configured"]
    broken = product_page(mesh.url)
    assert broken.status == 200 and RATINGS_UNAVAILABLE in broken.text and broken.star_color is None

    mesh.apply(NETWORKING / "destination-rule-all-mtls.yaml")  # the page's fix
    fixed = product_page(mesh.url)
    assert fixed.star_color == "red" and RATINGS_UNAVAILABLE not in fixed.text
    mesh.apply(NETWORKING / "destination-rule-all.yaml")  # auto mTLS: no TLS setting is mutual TLS
    assert product_page(mesh.url).star_color == "red"


def test_a_strict_workload_refuses_clients_without_the_mesh_certificate(mesh):
    mesh.apply("-", stdin=RATINGS_STRICT)
    [ratings] = [pod for pod in mesh.state()["pods"] if pod["deployment"] == "ratings-v1"]
    inbound = ratings["inbound"]
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{inbound}/ratings/0", timeout=REQUEST_TIMEOUT)
    client = ssl.create_default_context()
    client.check_hostname, client.verify_mode = False, ssl.CERT_NONE
    with pytest.raises((ssl.SSLError, ConnectionError)):
        with socket.create_connection(("127.0.0.1", inbound), timeout=REQUEST_TIMEOUT) as raw:
            with client.wrap_socket(raw) as tls:
                tls.sendall(b"GET /ratings/0 HTTP/1.1\r\nHost: ratings\r\n\r\n")
                if not tls.recv(100):
                    raise ConnectionError("closed without an answer")
    # The workload itself still answers its own port (the kubelet's probes use it) ...
    assert requests.get(f"http://127.0.0.1:{ratings['port']}/health", timeout=REQUEST_TIMEOUT).status_code == 200
    # ... and its callers in the mesh still reach it.
    assert product_page(mesh.url).status == 200


def test_jwt_walk_with_a_locally_made_key_pair(mesh):
    keys = StubServer(Reply(200, ISSUER.jwks().encode()))
    try:
        assert mesh.apply("-", stdin=jwt_example(f"{keys.url}/jwks.json")) == [
            "requestauthentication.security.istio.io/jwt-example created"]
        forged = page_with(mesh.url, 401, headers={"Authorization": f"Bearer {FORGER.token(ISSUER.issuer)}"})
        assert forged.text == "Jwt verification fails"
        page_with(mesh.url, 200, "Book Details")  # no token: RequestAuthentication alone lets it pass

        assert mesh.apply("-", stdin=REQUIRE_JWT) == ["authorizationpolicy.security.istio.io/require-jwt created"]
        assert page_with(mesh.url, 403).text == "RBAC: access denied"
        token = ISSUER.token(ISSUER.issuer, groups=["group1", "group2"])
        page_with(mesh.url, 200, "Book Details", headers={"Authorization": f"Bearer {token}"})

        assert mesh.apply("-", stdin=REQUIRE_GROUP) == ["authorizationpolicy.security.istio.io/require-jwt configured"]
        page_with(mesh.url, 200, headers={"Authorization": f"Bearer {token}"})
        other_group = ISSUER.token(ISSUER.issuer, groups=["group2"])
        page_with(mesh.url, 403, headers={"Authorization": f"Bearer {other_group}"})
        assert keys.requests("/jwks.json")
    finally:
        keys.close()
