"""Listeners (HTTP via RDS, or TCP proxy) and route configurations."""
from __future__ import annotations

from . import envoy_types as t

SERVER_NAME = "istio-envoy"  # what clients of an Istio mesh see in the Server header


def http_listener(name: str, port: int, *, edge: bool = False) -> dict:
    """An HTTP listener whose routes come from the route configuration of the same name.

    Routes are kept out of the listener (RDS) so a routing change never replaces the
    listener: connections and in-flight requests stay where they are. ``edge`` marks
    the ingress gateway, which, like Istio's, trusts no X-Forwarded-For from clients.
    The ``Host`` header keeps its port, as with Istio (whose gateways strip it only when
    ``ISTIO_GATEWAY_STRIP_HOST_PORT`` is set): a page behind a gateway on another port
    than 80 builds its own absolute addresses and same-site checks from it. Virtual
    hosts match with or without a port (:func:`gateway_domains`).
    """
    manager = {"@type": t.HTTP_CONNECTION_MANAGER, "stat_prefix": name,
               "rds": {"route_config_name": name},
               "server_name": SERVER_NAME,
               "use_remote_address": edge,
               "http_filters": [{"name": t.FAULT_FILTER, "typed_config": {"@type": t.HTTP_FAULT}},
                                {"name": "envoy.filters.http.router", "typed_config": {"@type": t.ROUTER}}]}
    return _listener(name, port, {"name": "envoy.filters.network.http_connection_manager",
                                  "typed_config": manager})


def tcp_listener(name: str, port: int, cluster: str) -> dict:
    """A plain TCP hop (databases): no HTTP routing, just the service's cluster."""
    return _listener(name, port, {"name": "envoy.filters.network.tcp_proxy", "typed_config": {
        "@type": t.TCP_PROXY, "stat_prefix": name, "cluster": cluster}})


def _listener(name: str, port: int, network_filter: dict) -> dict:
    return {"@type": t.LISTENER, "name": name, "address": t.socket_address(port),
            "filter_chains": [{"filters": [network_filter]}]}


def gateway_domains(host: str, port: int) -> list[str]:
    """The virtual host domains of a gateway host, as Istio's gateways write them: the
    host itself and the host with any port (a wildcard host, which cannot take a second
    wildcard, with the gateway's own port); ``*`` matches every host and port."""
    if host == "*":
        return [host]
    if host.startswith("*"):
        return [host, f"{host}:{port}"]
    return [host, f"{host}:*"]


def route_configuration(name: str, virtual_hosts: list[tuple[list[str], list[dict]]]) -> dict:
    """Virtual hosts given as (domains, routes); a request no route matches gets 404."""
    return {"@type": t.ROUTE_CONFIGURATION, "name": name, "virtual_hosts": [
        {"name": domains[0], "domains": domains, "routes": routes} for domains, routes in virtual_hosts]}
