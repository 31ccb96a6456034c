"""Inbound listeners and mutual TLS: objects in -> listeners and clusters out.

Every workload with a sidecar is reached through its inbound listener; a hop between
sidecars is mutual TLS with the caller's certificate unless a DestinationRule or the
callee's PeerAuthentication says otherwise, as Istio's auto mTLS decides.
"""
from dataclasses import replace

from bookinfo.mesh.identity import GATEWAY_IDENTITY
from bookinfo.mesh.translate import GATEWAY_LISTENER, build, outbound_name

from .builders import (INBOUND_OFFSET, WORKLOAD_PORTS, cluster, endpoint_ports, inputs, listener, mesh_ca,
                       ratings_cluster, reviews_cluster, routes)

PRODUCTPAGE = "spiffe://cluster.local/ns/default/sa/bookinfo-productpage"
REVIEWS = "spiffe://cluster.local/ns/default/sa/bookinfo-reviews"
AS_PRODUCTPAGE = "|default/bookinfo-productpage"
AS_REVIEWS = "|default/bookinfo-reviews"
TLS_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"


def peer_authentication(name: str, spec: str, namespace: str = "default") -> str:
    return (f"apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
            f"metadata: {{name: {name}, namespace: {namespace}}}\nspec:\n{spec}\n---\n")


def ratings_rule(tls_mode: str) -> str:
    return ("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ratings}\n"
            f"spec:\n  host: ratings\n  trafficPolicy: {{tls: {{mode: {tls_mode}}}}}\n"
            "  subsets: [{name: v1, labels: {version: v1}}]\n")


def ratings_route(resources, pod: str = "reviews-v2") -> str:
    return routes(resources, outbound_name(pod, "ratings", 9080))[0]["route"]["cluster"]


def chain_protocols(resources, name: str) -> list:
    return [(c.get("filter_chain_match") or {}).get("transport_protocol")
            for c in listener(resources, name)["filter_chains"]]


def certificate_of(socket: dict) -> str:
    return socket["typed_config"]["common_tls_context"]["tls_certificates"][0]["certificate_chain"]["filename"]


def test_service_endpoints_are_the_sidecars_inbound_listeners():
    resources = build(inputs(sidecars=True))
    ratings = ratings_route(resources)
    assert ratings == ratings_cluster() + AS_REVIEWS
    assert endpoint_ports(resources, ratings) == [WORKLOAD_PORTS["ratings-v1"] + INBOUND_OFFSET]
    inbound = listener(resources, "inbound|ratings-v1|9080")
    assert inbound["address"]["socket_address"]["port_value"] == WORKLOAD_PORTS["ratings-v1"] + INBOUND_OFFSET
    manager = inbound["filter_chains"][0]["filters"][0]["typed_config"]
    [route] = manager["route_config"]["virtual_hosts"][0]["routes"]
    assert manager["route_config"]["virtual_hosts"][0]["name"] == "inbound|http|9080"
    assert route["route"]["cluster"] == "inbound|9080||ratings-v1"
    assert endpoint_ports(resources, "inbound|9080||ratings-v1") == [WORKLOAD_PORTS["ratings-v1"]]
    assert manager["forward_client_cert_details"] == "APPEND_FORWARD"


def test_a_hop_presents_the_callers_certificate_and_expects_the_callees_identity():
    resources = build(inputs(sidecars=True))
    issued = mesh_ca().certificates([REVIEWS, GATEWAY_IDENTITY])
    [tls, plain] = cluster(resources, ratings_cluster() + AS_REVIEWS)["transport_socket_matches"]
    assert (tls["match"], plain["match"]) == ({"tlsMode": "istio"}, {})
    assert certificate_of(tls["transport_socket"]) == issued[REVIEWS].chain
    context = tls["transport_socket"]["typed_config"]
    assert context["sni"] == "outbound_.9080_._.ratings.default.svc.cluster.local"
    assert context["common_tls_context"]["validation_context"]["match_typed_subject_alt_names"] == [
        {"san_type": "URI", "matcher": {"exact": "spiffe://cluster.local/ns/default/sa/bookinfo-ratings"}}]
    [endpoint] = cluster(resources, ratings_cluster() + AS_REVIEWS)["load_assignment"]["endpoints"][0]["lb_endpoints"]
    assert endpoint["metadata"]["filter_metadata"]["envoy.transport_socket_match"] == {"tlsMode": "istio"}
    # The gateway's hops carry its own identity.
    gateway = build(inputs(
        "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\n"
        "spec: {selector: {istio: ingressgateway}, servers: [{port: {number: 8080, name: http, protocol: HTTP},"
        " hosts: ['*']}]}\n---\n"
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: pp}\n"
        "spec: {hosts: ['*'], gateways: [gw], http: [{route: [{destination: {host: productpage}}]}]}\n",
        sidecars=True))
    to_productpage = routes(gateway, GATEWAY_LISTENER)[0]["route"]["cluster"]
    assert to_productpage == "outbound|9080||productpage.default.svc.cluster.local|istio-system/" \
                             "istio-ingressgateway-service-account"
    [tls, _] = cluster(gateway, to_productpage)["transport_socket_matches"]
    assert certificate_of(tls["transport_socket"]) == issued[GATEWAY_IDENTITY].chain


def test_callers_of_one_identity_share_their_clusters():
    resources = build(inputs(sidecars=True))
    assert {ratings_route(resources, pod) for pod in ("reviews-v1", "reviews-v2", "reviews-v3")} == {
        ratings_cluster() + AS_REVIEWS}
    names = [c["name"] for c in resources.clusters]
    assert len(names) == len(set(names))


def test_without_sidecars_hops_are_plain_and_shared():
    resources = build(inputs())
    assert ratings_route(resources) == ratings_cluster()
    assert "transport_socket_matches" not in cluster(resources, ratings_cluster())
    assert not [x for x in resources.listeners if x["name"].startswith("inbound|")]


def test_permissive_by_default_strict_and_disable_by_policy():
    resources = build(inputs(sidecars=True))
    assert chain_protocols(resources, "inbound|ratings-v1|9080") == ["tls", "raw_buffer"]
    strict = build(inputs(peer_authentication("default", "  mtls: {mode: STRICT}"), sidecars=True))
    assert chain_protocols(strict, "inbound|ratings-v1|9080") == ["tls"]
    secure = listener(strict, "inbound|ratings-v1|9080")["filter_chains"][0]["transport_socket"]["typed_config"]
    assert secure["require_client_certificate"] is True
    disabled = build(inputs(peer_authentication("default", "  mtls: {mode: DISABLE}"), sidecars=True))
    assert chain_protocols(disabled, "inbound|ratings-v1|9080") == ["raw_buffer"]
    # auto mTLS sends plain text to a sidecar that takes none
    assert "transport_socket_matches" not in cluster(disabled, ratings_route(disabled))


def test_the_most_specific_peer_authentication_wins():
    objects = (peer_authentication("mesh", "  mtls: {mode: STRICT}", namespace="istio-system")
               + peer_authentication("namespace", "  mtls: {mode: DISABLE}")
               + peer_authentication("ratings", "  selector: {matchLabels: {app: ratings}}\n  mtls: {mode: UNSET}\n"
                                                "  portLevelMtls: {'9080': {mode: STRICT}}")
               + peer_authentication("details", "  selector: {matchLabels: {app: details}}\n"
                                                "  portLevelMtls: {'9999': {mode: PERMISSIVE}}"))
    resources = build(inputs(objects, sidecars=True))
    assert chain_protocols(resources, "inbound|ratings-v1|9080") == ["tls"]        # its port's setting
    assert chain_protocols(resources, "inbound|details-v1|9080") == ["raw_buffer"]  # other port: namespace's
    assert chain_protocols(resources, "inbound|reviews-v1|9080") == ["raw_buffer"]  # the namespace's
    mesh_only = build(inputs(peer_authentication("mesh", "  mtls: {mode: STRICT}", namespace="istio-system"),
                             sidecars=True))
    assert chain_protocols(mesh_only, "inbound|reviews-v1|9080") == ["tls"]


def test_destination_rule_tls_mode_decides_for_its_host():
    disabled = build(inputs(ratings_rule("DISABLE"), sidecars=True))
    assert ratings_route(disabled) == ratings_cluster()
    assert "transport_socket" not in cluster(disabled, ratings_cluster())
    mutual = build(inputs(ratings_rule("ISTIO_MUTUAL"), sidecars=True))
    socket = cluster(mutual, ratings_route(mutual))["transport_socket"]
    assert socket["typed_config"]["@type"] == TLS_TYPE and certificate_of(socket).endswith(
        "/default/bookinfo-reviews/cert-chain.pem")
    # reviews keeps auto mTLS: the rule is ratings'
    assert cluster(mutual, reviews_cluster() + AS_PRODUCTPAGE)["transport_socket_matches"]


def test_a_starting_workload_has_its_sidecar_but_is_no_endpoint():
    base = inputs(sidecars=True)
    warming = replace(base, workloads=[replace(w, ready=w.name != "ratings-v1") for w in base.workloads])
    resources = build(warming)
    assert endpoint_ports(resources, ratings_cluster()) == []
    assert listener(resources, "inbound|ratings-v1|9080")


def test_a_changed_inbound_listener_changes_the_clusters_leading_to_it():
    """Pooled connections to the old listener are left behind: a changed cluster is a new pool."""
    def ratings(resources):
        return cluster(resources, ratings_route(resources))

    before = build(inputs(sidecars=True))
    strict = build(inputs(peer_authentication("ratings", "  selector: {matchLabels: {app: ratings}}\n"
                                                         "  mtls: {mode: STRICT}"), sidecars=True))
    assert ratings(before) != ratings(strict)
    assert cluster(before, reviews_cluster() + AS_PRODUCTPAGE) == cluster(strict, reviews_cluster() + AS_PRODUCTPAGE)
