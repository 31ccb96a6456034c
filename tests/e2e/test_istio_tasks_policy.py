"""The istio.io policy and extensibility tasks on Bookinfo, automated against one local stack.

The local rate limit page (the EnvoyFilter on ``app: productpage``, its route-level
variant, and the same filter on the ingress gateway): five requests, ``200 200 200 200
429``, the last with ``x-local-rate-limit: true``. The Lua page (TrafficExtension on
the gateway): ``x-parity: even``/``odd``. What cannot run here is refused in one line and
stores nothing: the global rate limit (policy/productpage_envoy_ratelimit.yaml), a Wasm
module from a registry, a field the mesh does not implement. Every test starts from the
standard setup and ends with ``bookinfo reset``.
"""
from __future__ import annotations

import json

import pytest
import requests

from tests.support.bookinfo_client import REQUEST_TIMEOUT
from tests.support.istio_pages import PARITY, ROUTE_LOCAL_RATE_LIMIT, local_rate_limit
from tests.support.runner import REPO, RunningStack

MANIFESTS = ("platform/kube/bookinfo.yaml",)  # the stack's base (tests/e2e/conftest.py)
NETWORKING = REPO / "networking"
BASIC_AUTH = """\
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata:
  name: basic-auth
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: ingressgateway
  url: oci://ghcr.io/istio-ecosystem/wasm-extensions/basic_auth:1.12.0
  phase: AUTHN
  pluginConfig:
    basic_auth_rules:
      - prefix: "/productpage"
        request_methods:
          - "GET"
          - "POST"
        credentials:
          - "ok:test"
          - "YWRtaW4zOmFkbWluMw=="
"""


@pytest.fixture
def mesh(stack: RunningStack):
    """istio.io's standard setup; ``bookinfo reset`` afterwards."""
    stack.apply(NETWORKING / "bookinfo-gateway.yaml", NETWORKING / "destination-rule-all.yaml")
    yield stack
    reset = stack.run("reset")
    assert reset.returncode == 0, reset.stderr


def from_ratings(stack: RunningStack) -> str:
    """``productpage:9080`` as the ratings pod reaches it (its sidecar's listener), where
    the page runs its ``kubectl exec <ratings pod> -- curl`` loop."""
    [ratings] = [pod for pod in stack.state()["pods"] if pod["deployment"] == "ratings-v1"]
    [listener] = [port for service, service_port, port in ratings["outbound"]
                  if (service, service_port) == ("productpage", 9080)]
    return f"http://127.0.0.1:{listener}"


def five_requests(url: str) -> list[requests.Response]:
    return [requests.get(f"{url}/productpage", timeout=REQUEST_TIMEOUT) for _ in range(5)]


def assert_limited(answers: list[requests.Response]) -> None:
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert answers[-1].headers["x-local-rate-limit"] == "true"
    assert all("x-local-rate-limit" not in a.headers for a in answers[:4])


def stored_kinds(stack: RunningStack) -> set[str]:
    """The kinds in the stack's store, every namespace (``get`` lists the default one)."""
    return {entry["key"][1] for entry in json.loads((stack.home / "store" / "objects.json").read_text())["objects"]}


def refused_in_one_line(stack: RunningStack, *args: str, stdin: str | None = None) -> str:
    result = stack.run("apply", *args, stdin=stdin)
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bookinfo: error: "), result.stderr
    return lines[0]


def test_local_rate_limit_on_productpage(mesh):
    assert mesh.apply("-", stdin=local_rate_limit()) == [
        "envoyfilter.networking.istio.io/filter-local-ratelimit-svc created"]
    assert_limited(five_requests(from_ratings(mesh)))


def test_local_rate_limit_set_on_productpages_inbound_route(mesh):
    assert mesh.apply("-", stdin=ROUTE_LOCAL_RATE_LIMIT) == [
        "envoyfilter.networking.istio.io/filter-local-ratelimit-svc created"]
    assert_limited(five_requests(from_ratings(mesh)))


def test_local_rate_limit_on_the_ingress_gateway(mesh):
    mesh.apply("-", stdin=local_rate_limit("istio: ingressgateway", "GATEWAY"))
    assert_limited(five_requests(mesh.url))
    # productpage itself is not limited: the ratings pod still gets through
    assert [a.status_code for a in five_requests(from_ratings(mesh))] == [200] * 5


def test_lua_parity_on_the_ingress_gateway(mesh):
    assert mesh.apply("-", stdin=PARITY) == ["trafficextension.extensions.istio.io/parity created"]
    for number, parity in (("42", "even"), ("7", "odd")):
        answer = requests.get(f"{mesh.url}/productpage", headers={"x-number": number}, timeout=REQUEST_TIMEOUT)
        assert answer.status_code == 200 and answer.headers["x-parity"] == parity
    assert "x-parity" not in requests.get(f"{mesh.url}/productpage", timeout=REQUEST_TIMEOUT).headers


def test_the_global_rate_limit_file_is_refused_by_name_and_stores_nothing(mesh):
    path = REPO / "policy" / "productpage_envoy_ratelimit.yaml"
    assert refused_in_one_line(mesh, "-f", str(path)) == (
        f"bookinfo: error: {path}: envoyfilter.networking.istio.io/filter-ratelimit: configPatches[0]: the global "
        "rate limit filter (envoy.filters.http.ratelimit) needs the envoyproxy/ratelimit service, which does not "
        "run here; the local rate limit (envoy.filters.http.local_ratelimit) does")
    assert "EnvoyFilter" not in stored_kinds(mesh)


def test_a_wasm_module_from_a_registry_is_refused_in_one_line(mesh):
    assert refused_in_one_line(mesh, "-f", "-", stdin=BASIC_AUTH) == (
        "bookinfo: error: STDIN: wasmplugin.extensions.istio.io/basic-auth: the Wasm module "
        "'oci://ghcr.io/istio-ecosystem/wasm-extensions/basic_auth:1.12.0' cannot be fetched: no registry or remote "
        "URL is reachable from the local runner")
    assert "WasmPlugin" not in stored_kinds(mesh)


def test_fields_the_mesh_does_not_implement_are_still_refused_by_name(mesh):
    with_proxy_match = local_rate_limit().replace("        context: SIDECAR_INBOUND\n",
                                                  "        context: SIDECAR_INBOUND\n        proxy:\n"
                                                  "          proxyVersion: '^1\\\\.30.*'\n")
    assert refused_in_one_line(mesh, "-f", "-", stdin=with_proxy_match) == (
        "bookinfo: error: STDIN: envoyfilter.networking.istio.io/filter-local-ratelimit-svc: field "
        "spec.configPatches[0].match.proxy is not implemented by the local mesh")
    trust_domain = ("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: td}\n"
                    "spec: {rules: [{from: [{source: {trustDomains: [cluster.local]}}]}]}\n")
    assert refused_in_one_line(mesh, "-f", "-", stdin=trust_domain) == (
        "bookinfo: error: STDIN: authorizationpolicy.security.istio.io/td: field "
        "spec.rules[0].from[0].source.trustDomains is not implemented by the local mesh")
