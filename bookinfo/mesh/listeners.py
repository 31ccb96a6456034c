"""Listeners (HTTP via RDS, or TCP proxy) and route configurations."""
from __future__ import annotations

from . import envoy_types as t

SERVER_NAME = "istio-envoy"  # what clients of an Istio mesh see in the Server header


def http_listener(name: str, port: int, *, edge: bool = False) -> dict:
    """An HTTP listener whose routes come from the route configuration of the same name.

    Routes are kept out of the listener (RDS) so a routing change never replaces the
    listener: connections and in-flight requests stay where they are. ``edge`` marks
    the ingress gateway, which, like Istio's, trusts no X-Forwarded-For from clients.
    """
    manager = {"@type": t.HTTP_CONNECTION_MANAGER, "stat_prefix": name,
               "rds": {"route_config_name": name},
               "server_name": SERVER_NAME,
               "strip_any_host_port": True,
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


def route_configuration(name: str, virtual_hosts: list[tuple[list[str], list[dict]]]) -> dict:
    """Virtual hosts given as (domains, routes); a request no route matches gets 404."""
    return {"@type": t.ROUTE_CONFIGURATION, "name": name, "virtual_hosts": [
        {"name": domains[0], "domains": domains, "routes": routes} for domains, routes in virtual_hosts]}
