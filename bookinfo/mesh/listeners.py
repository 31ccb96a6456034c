"""Listeners (HTTP via RDS, or TCP proxy) and route configurations."""
from __future__ import annotations

from . import envoy_types as t

SERVER_NAME = "istio-envoy"  # what clients of an Istio mesh see in the Server header


def http_listener(name: str, port: int, *, edge: bool = False, access_log: list[dict] = (),
                  strip_port: bool = True) -> dict:
    """An HTTP listener whose routes come from the route configuration of the same name.

    Routes are kept out of the listener (RDS) so a routing change never replaces the
    listener: connections and in-flight requests stay where they are. ``edge`` marks
    the ingress gateway, which, like Istio's, trusts no X-Forwarded-For from clients.
    ``access_log`` comes from bookinfo.mesh.access_log. ``strip_port`` drops the port of
    the Host header before virtual hosts are matched (a listener that stands for one port).
    """
    manager = {"@type": t.HTTP_CONNECTION_MANAGER, "stat_prefix": name,
               "rds": {"route_config_name": name},
               "server_name": SERVER_NAME,
               "strip_any_host_port": strip_port,
               "use_remote_address": edge,
               "http_filters": [{"name": t.FAULT_FILTER, "typed_config": {"@type": t.HTTP_FAULT}},
                                {"name": "envoy.filters.http.router", "typed_config": {"@type": t.ROUTER}}]}
    if access_log:
        manager["access_log"] = list(access_log)
    return _listener(name, port, {"name": "envoy.filters.network.http_connection_manager",
                                  "typed_config": manager})


def tcp_listener(name: str, port: int, cluster: str, access_log: list[dict] = ()) -> dict:
    """A plain TCP hop (databases): no HTTP routing, just the service's cluster."""
    proxy = {"@type": t.TCP_PROXY, "stat_prefix": name, "cluster": cluster}
    if access_log:
        proxy["access_log"] = list(access_log)
    return _listener(name, port, {"name": "envoy.filters.network.tcp_proxy", "typed_config": proxy})


def _listener(name: str, port: int, network_filter: dict) -> dict:
    return {"@type": t.LISTENER, "name": name, "address": t.socket_address(port),
            "filter_chains": [{"filters": [network_filter]}]}


def route_configuration(name: str, virtual_hosts: list[tuple[list[str], list[dict]]]) -> dict:
    """Virtual hosts given as (domains, routes); a request no route matches gets 404."""
    return {"@type": t.ROUTE_CONFIGURATION, "name": name, "virtual_hosts": [
        {"name": domains[0], "domains": domains, "routes": routes} for domains, routes in virtual_hosts]}
