"""Objects that patch Envoy are admitted only if Envoy takes the mesh they make; a refused
one is named with Envoy's reason and nothing is stored."""
from __future__ import annotations

from pathlib import Path

import pytest

from bookinfo.errors import InvalidObjects
from bookinfo.objects import load_paths
from bookinfo.objects.store import Store
from bookinfo.runner.admission import admit

REPO = Path(__file__).resolve().parents[3]
ROUTER_LAST = """
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: after-router, namespace: istio-system}
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    match: {context: GATEWAY}
    patch:
      operation: ADD
      value:
        name: late
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua}
"""
BROKEN_LUA = """
apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata: {name: broken, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  lua: {inlineCode: "function envoy_on_request(h) this is not lua end"}
"""


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(tmp_path)
    store.apply(load_paths([str(REPO / "platform/kube/bookinfo.yaml"), str(REPO / "networking/bookinfo-gateway.yaml")]),
                admit=admit)
    return store


def apply_text(store: Store, tmp_path: Path, text: str) -> list:
    path = tmp_path / "objects.yaml"
    path.write_text(text)
    return store.apply(load_paths([str(path)]), admit=admit)


def stored_kinds(store: Store) -> set[str]:
    return {obj["kind"] for obj in store.objects()}


def test_a_patch_envoy_refuses_is_refused_with_its_reason_and_not_stored(store, tmp_path):
    with pytest.raises(InvalidObjects) as refused:
        apply_text(store, tmp_path, ROUTER_LAST)
    assert str(refused.value) == (
        f"{tmp_path / 'objects.yaml'}: envoyfilter.networking.istio.io/after-router: Envoy refuses the "
        "configuration it makes: Error: terminal filter named envoy.filters.http.router of type "
        "envoy.filters.http.router must be the last filter in a http filter chain.")
    assert "EnvoyFilter" not in stored_kinds(store)


def test_lua_that_does_not_compile_is_refused(store, tmp_path):
    with pytest.raises(InvalidObjects, match=r"trafficextension.extensions.istio.io/broken: Envoy refuses the "
                                             r"configuration it makes: .*"):
        apply_text(store, tmp_path, BROKEN_LUA)
    assert "TrafficExtension" not in stored_kinds(store)


def test_the_global_rate_limit_file_is_refused_in_one_line_and_nothing_is_stored(store):
    path = REPO / "policy" / "productpage_envoy_ratelimit.yaml"
    with pytest.raises(InvalidObjects) as refused:
        store.apply(load_paths([str(path)]), admit=admit)
    assert str(refused.value).splitlines() == [
        f"{path}: envoyfilter.networking.istio.io/filter-ratelimit: configPatches[0]: the global rate limit filter "
        "(envoy.filters.http.ratelimit) needs the envoyproxy/ratelimit service, which does not run here; "
        "the local rate limit (envoy.filters.http.local_ratelimit) does"]
    assert "EnvoyFilter" not in stored_kinds(store)


def test_a_valid_patch_is_stored(store, tmp_path):
    [_, descriptors] = (REPO / "policy" / "productpage_envoy_ratelimit.yaml").read_text().split("\n---\n")
    assert [str(line) for line in apply_text(store, tmp_path, descriptors)] == [
        "envoyfilter.networking.istio.io/filter-ratelimit-svc created"]


def test_a_telemetry_whose_filter_expression_envoy_cannot_parse_is_refused(store, tmp_path):
    bad = ("apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {name: bad}\n"
           "spec:\n  accessLogging: [{filter: {expression: 'response.code >>= 500'}}]\n")
    with pytest.raises(InvalidObjects, match=r"telemetry.telemetry.istio.io/bad: Envoy refuses the configuration "
                                             r"it makes: Not able to parse filter expression"):
        apply_text(store, tmp_path, bad)
    assert "Telemetry" not in stored_kinds(store)
    good = bad.replace("bad}", "errors}").replace(">>=", ">=")
    assert apply_text(store, tmp_path, good)[0].endswith("created")
