"""Mutual TLS, AuthorizationPolicy, RequestAuthentication, TrafficExtension and EnvoyFilter
through a real Envoy.

One Envoy for the module, every workload with a sidecar: ``web`` (two replicas) is
called by ``client`` and ``other`` (each its own service account) through their
outbound listeners, and from outside through the gateway. Each test delivers its
objects to the running Envoy and checks what requests get.
"""
from __future__ import annotations

import base64
import json
import socket
import ssl
from pathlib import Path

import pytest
import requests

from bookinfo.envoy.process import EnvoyProcess
from bookinfo.mesh.identity import GATEWAY_IDENTITY
from bookinfo.mesh.model import MeshInputs, Workload
from bookinfo.mesh.translate import build
from bookinfo.objects.services import Service, ServicePort
from bookinfo.runner.mesh_ca import MeshCA
from tests.bookinfo.envoy.echo_server import echo_server
from tests.support.istio_pages import PARITY, local_rate_limit
from tests.support.jwt_tokens import Issuer
from tests.support.net import free_port
from tests.support.stub_server import Reply, StubServer

from .builders import objects

CLIENT = "spiffe://cluster.local/ns/default/sa/client"
GATEWAY_ROUTES = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ['*']}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: ['*']
  gateways: [gw]
  http: [{route: [{destination: {host: web, subset: v1}}]}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web}
spec: {host: web, subsets: [{name: v1, labels: {version: v1}}]}
"""
ISSUER = Issuer("testing@secure.istio.io")
STRANGER = Issuer("testing@secure.istio.io")  # the same key id, another key: a forged signature


class Mesh:
    """The module's Envoy, its workloads' servers and the URLs to reach them."""

    def __init__(self, workdir: Path, ca: MeshCA):
        self.servers = {name: echo_server(name) for name in ("web-v1", "web-v2")}
        self.workloads = [Workload(name, {"app": "web", "version": name[-2:]}, server.port, service_account="web",
                                   inbound_port=free_port(), container_port=9080)
                          for name, server in self.servers.items()]
        self.workloads += [Workload(name, {"app": name}, free_port(), service_account=name, inbound_port=free_port(),
                                    container_port=9080) for name in ("client", "other")]
        self.outbound = {(caller, "web", 9080): free_port() for caller in ("client", "other")}
        self.ca = ca
        identities = {w.identity for w in self.workloads} | {GATEWAY_IDENTITY}
        self.certificates = ca.certificates(identities)
        self.gateway_port, self.admin_port = free_port(), free_port()
        self.envoy = EnvoyProcess(workdir)
        self.envoy.start(build(self.inputs("")), self.admin_port)
        self.envoy.wait_ready(timeout=30)

    def inputs(self, documents: str) -> MeshInputs:
        """The base objects with ``documents``' on top (one of the same kind and name replaces it)."""
        config = {(o["kind"], o["metadata"]["name"]): o for o in objects(GATEWAY_ROUTES, documents)}
        return MeshInputs(self.workloads, [Service("web", "default", {}, {"app": "web"}, [ServicePort("http", 9080)])],
                          list(config.values()), self.gateway_port, self.outbound, self.admin_port,
                          str(self.ca.root_certificate), self.certificates)

    def apply(self, documents: str = "") -> None:
        self.envoy.wait_applied(30, self.envoy.update(build(self.inputs(documents))))

    def url(self, caller: str) -> str:
        if caller == "gateway":
            return f"http://127.0.0.1:{self.gateway_port}"
        return f"http://127.0.0.1:{self.outbound[caller, 'web', 9080]}"

    def inbound_port(self, name: str = "web-v1") -> int:
        return next(w.inbound_port for w in self.workloads if w.name == name)


@pytest.fixture(scope="module")
def mesh(tmp_path_factory):
    running = Mesh(tmp_path_factory.mktemp("envoy"), MeshCA(tmp_path_factory.mktemp("ca")))
    try:
        yield running
    finally:
        running.envoy.stop()
        for server in running.servers.values():
            server.close()


def get(mesh: Mesh, caller: str, path: str = "/", **kwargs) -> requests.Response:
    return requests.get(mesh.url(caller) + path, timeout=10, **kwargs)


def peer_authentication(mode: str) -> str:
    return ("apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: web}\n"
            f"spec: {{selector: {{matchLabels: {{app: web}}}}, mtls: {{mode: {mode}}}}}\n---\n")


def policy(name: str, spec: str, namespace: str = "default") -> str:
    return (f"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
            f"metadata: {{name: {name}, namespace: {namespace}}}\nspec:\n{spec}\n---\n")


def request_authentication(rule: str) -> str:
    return ("apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: web}\n"
            f"spec:\n  selector: {{matchLabels: {{app: web}}}}\n  jwtRules:\n  - {rule}\n---\n")


def test_the_callee_sees_the_callers_identity_over_mutual_tls(mesh):
    mesh.apply()
    seen = get(mesh, "client").json()["headers"]["x-forwarded-client-cert"]
    assert f"URI={CLIENT}" in seen and "By=spiffe://cluster.local/ns/default/sa/web" in seen
    via_gateway = get(mesh, "gateway").json()["headers"]["x-forwarded-client-cert"]
    assert f"URI={GATEWAY_IDENTITY}" in via_gateway


def test_a_strict_workload_refuses_clients_without_the_mesh_certificate(mesh):
    mesh.apply(peer_authentication("STRICT"))
    assert get(mesh, "client").status_code == 200
    with pytest.raises(requests.ConnectionError):  # plain HTTP
        requests.get(f"http://127.0.0.1:{mesh.inbound_port()}/", timeout=5)
    anyone = ssl.create_default_context()
    anyone.check_hostname, anyone.verify_mode = False, ssl.CERT_NONE
    with pytest.raises((ssl.SSLError, ConnectionError)):  # TLS, but no client certificate
        with socket.create_connection(("127.0.0.1", mesh.inbound_port()), timeout=5) as raw:
            with anyone.wrap_socket(raw) as tls:
                tls.sendall(b"GET / HTTP/1.1\r\nHost: web\r\n\r\n")
                if not tls.recv(100):
                    raise ConnectionError("closed without an answer")
    stranger = MeshCA(Path(mesh.envoy.workdir) / "stranger-ca").certificates([CLIENT])[CLIENT]
    anyone.load_cert_chain(stranger.chain, stranger.key)
    with pytest.raises((ssl.SSLError, ConnectionError)):  # a certificate of another CA
        with socket.create_connection(("127.0.0.1", mesh.inbound_port()), timeout=5) as raw:
            with anyone.wrap_socket(raw) as tls:
                tls.sendall(b"GET / HTTP/1.1\r\nHost: web\r\n\r\n")
                if not tls.recv(100):
                    raise ConnectionError("closed without an answer")


def test_permissive_takes_plain_text_and_disable_takes_no_tls(mesh):
    mesh.apply()
    plain = requests.get(f"http://127.0.0.1:{mesh.inbound_port()}/", timeout=5)
    assert plain.status_code == 200 and "x-forwarded-client-cert" not in plain.json()["headers"]
    mesh.apply(peer_authentication("DISABLE"))
    answer = get(mesh, "client")
    assert answer.status_code == 200 and "x-forwarded-client-cert" not in answer.json()["headers"]


def test_strict_server_with_a_plain_text_destination_rule_fails_the_hop(mesh):
    disable = ("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: web}\n"
               "spec: {host: web, trafficPolicy: {tls: {mode: DISABLE}}, subsets: [{name: v1, labels: {version: v1}}]}\n")
    mesh.apply(peer_authentication("STRICT") + disable)
    assert get(mesh, "client").status_code == 503
    mesh.apply(peer_authentication("STRICT"))
    assert get(mesh, "client").status_code == 200


def test_allow_nothing_denies_with_rbac_access_denied(mesh):
    mesh.apply(policy("allow-nothing", "  {}"))
    for caller in ("client", "gateway"):
        denied = get(mesh, caller)
        assert (denied.status_code, denied.text) == (403, "RBAC: access denied"), caller
    # the gateway itself is in istio-system: a policy of default does not select it
    mesh.apply(policy("allow-nothing", "  {}", namespace="istio-system"))
    assert get(mesh, "gateway").status_code == 403
    assert get(mesh, "client").status_code == 403


def test_principals_allow_one_caller_only(mesh):
    mesh.apply(policy("web", "  selector: {matchLabels: {app: web}}\n  rules:\n"
                             "  - from: [{source: {principals: [cluster.local/ns/default/sa/client]}}]\n"
                             "    to: [{operation: {methods: [GET]}}]"))
    assert get(mesh, "client").status_code == 200
    assert get(mesh, "other").status_code == 403
    assert requests.post(mesh.url("client"), timeout=10).status_code == 403


def test_deny_is_evaluated_before_allow(mesh):
    mesh.apply(policy("allow-all", "  rules: [{}]")
               + policy("deny-admin", "  action: DENY\n  rules:\n  - to: [{operation: {paths: ['/admin*', '*.secret']}}]\n"
                                      "    when: [{key: 'request.headers[x-user]', notValues: [root]}]"))
    assert get(mesh, "client", "/page").status_code == 200
    assert get(mesh, "client", "/admin/users").status_code == 403
    assert get(mesh, "client", "/keys.secret").status_code == 403
    assert get(mesh, "client", "/admin/users", headers={"x-user": "root"}).status_code == 200


def test_namespaces_not_principals_and_ports(mesh):
    mesh.apply(policy("web", "  rules:\n  - from: [{source: {namespaces: [default], notPrincipals: ['*/sa/other']}}]\n"
                             "    to: [{operation: {ports: ['9080']}}]"))
    assert get(mesh, "client").status_code == 200
    assert get(mesh, "other").status_code == 403
    assert get(mesh, "gateway").status_code == 403  # istio-system
    mesh.apply(policy("web", "  rules:\n  - to: [{operation: {ports: ['9090']}}]"))
    assert get(mesh, "client").status_code == 403


def test_a_policy_selecting_the_gateway_applies_there(mesh):
    mesh.apply(policy("ingress", "  selector: {matchLabels: {istio: ingressgateway}}\n  action: DENY\n"
                                 "  rules: [{to: [{operation: {paths: [/private]}}]}]", namespace="istio-system"))
    assert get(mesh, "gateway", "/private").status_code == 403
    assert get(mesh, "gateway", "/public").status_code == 200
    assert get(mesh, "client", "/private").status_code == 200


def test_an_invalid_token_gets_401_and_a_missing_one_passes(mesh):
    mesh.apply(request_authentication(f"{{issuer: {ISSUER.issuer}, jwks: '{ISSUER.jwks()}'}}"))
    bad = get(mesh, "client", headers={"Authorization": f"Bearer {STRANGER.token('someone')}"})
    assert (bad.status_code, bad.text) == (401, "Jwt verification fails")
    assert get(mesh, "client").status_code == 200
    good = get(mesh, "client", headers={"Authorization": f"Bearer {ISSUER.token('someone')}"})
    assert good.status_code == 200 and "authorization" not in good.json()["headers"]  # not forwarded


def test_a_required_request_principal_denies_requests_without_a_token(mesh):
    required = policy("require-jwt", "  selector: {matchLabels: {app: web}}\n  rules:\n"
                                     "  - from: [{source: {requestPrincipals: ['testing@secure.istio.io/*']}}]\n"
                                     "    when: [{key: 'request.auth.claims[groups]', values: [group1]}]")
    mesh.apply(request_authentication(f"{{issuer: {ISSUER.issuer}, jwks: '{ISSUER.jwks()}'}}") + required)
    assert get(mesh, "client").status_code == 403
    bearer = {"Authorization": f"Bearer {ISSUER.token('alice', groups=['group1', 'group2'])}"}
    assert get(mesh, "client", headers=bearer).status_code == 200
    other_group = {"Authorization": f"Bearer {ISSUER.token('alice', groups=['group2'])}"}
    assert get(mesh, "client", headers=other_group).status_code == 403
    exact = policy("require-jwt", "  rules:\n  - from: [{source: {requestPrincipals: "
                                  "['testing@secure.istio.io/alice']}}]")
    mesh.apply(request_authentication(f"{{issuer: {ISSUER.issuer}, jwks: '{ISSUER.jwks()}'}}") + exact)
    assert get(mesh, "client", headers=bearer).status_code == 200
    assert get(mesh, "client", headers={"Authorization": f"Bearer {ISSUER.token('bob')}"}).status_code == 403


def test_token_from_a_header_payload_out_and_the_token_forwarded(mesh, tmp_path):
    jwks = tmp_path / "jwks.json"
    jwks.write_text(ISSUER.jwks())
    mesh.apply(request_authentication(
        f"{{issuer: {ISSUER.issuer}, jwksUri: 'file://{jwks}', fromHeaders: [{{name: x-jwt-assertion}}], "
        "outputPayloadToHeader: x-jwt-payload, forwardOriginalToken: true}"))
    token = ISSUER.token("carol")
    headers = get(mesh, "client", headers={"x-jwt-assertion": token}).json()["headers"]
    payload = json.loads(base64.urlsafe_b64decode(headers["x-jwt-payload"] + "=="))
    assert payload["sub"] == "carol" and headers["x-jwt-assertion"] == token


def test_keys_from_a_loopback_jwks_uri(mesh):
    keys = StubServer(Reply(200, ISSUER.jwks().encode()))
    try:
        mesh.apply(request_authentication(f"{{issuer: {ISSUER.issuer}, jwksUri: '{keys.url}/jwks.json'}}"))
        good = get(mesh, "client", headers={"Authorization": f"Bearer {ISSUER.token('dave')}"})
        assert good.status_code == 200
        assert keys.requests("/jwks.json")
    finally:
        keys.close()


ONE_REPLICA = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web-v1}
spec: {hosts: [web], http: [{route: [{destination: {host: web, subset: v1}}]}]}
"""
@pytest.mark.parametrize("caller, labels, context", [("client", "app: web", "SIDECAR_INBOUND"),
                                                     ("gateway", "istio: ingressgateway", "GATEWAY")])
def test_the_local_rate_limit_page_on_a_sidecar_and_on_the_gateway(mesh, caller, labels, context):
    # A bucket per sidecar: the requests go to one replica.
    mesh.apply(local_rate_limit(labels, context) + "---\n" + ONE_REPLICA)
    answers = [get(mesh, caller) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert answers[-1].headers["x-local-rate-limit"] == "true" and answers[-1].text == "local_rate_limited"
    assert "x-local-rate-limit" not in answers[0].headers


def test_the_lua_page_sets_the_parity_at_the_gateway(mesh):
    mesh.apply(PARITY)
    assert get(mesh, "gateway", headers={"x-number": "42"}).headers["x-parity"] == "even"
    assert get(mesh, "gateway", headers={"x-number": "7"}).headers["x-parity"] == "odd"
    assert "x-parity" not in get(mesh, "gateway").headers
    assert "x-parity" not in get(mesh, "client", headers={"x-number": "42"}).headers  # the gateway's only
