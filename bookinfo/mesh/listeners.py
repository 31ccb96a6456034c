"""Listeners, filter chains, the HTTP connection manager and route configurations.

``http_connection_manager`` builds every HTTP connection manager of the mesh (outbound,
inbound and gateway listeners alike), so what all of them share is set in one place.
"""
from __future__ import annotations

from collections.abc import Sequence

from . import envoy_types as t

SERVER_NAME = "istio-envoy"  # what clients of an Istio mesh see in the Server header
ROUTER = {"name": t.ROUTER_FILTER, "typed_config": {"@type": t.ROUTER}}
FAULT = {"name": t.FAULT_FILTER, "typed_config": {"@type": t.HTTP_FAULT}}
OUTBOUND, INBOUND = "OUTBOUND", "INBOUND"


def http_connection_manager(name: str, http_filters: Sequence[dict] = (), *, route_config: dict | None = None,
                            edge: bool = False, inbound: bool = False, access_log: Sequence[dict] = (),
                            strip_port: bool = True, tracing: dict | None = None,
                            request_id: dict | None = None) -> dict:
    """The HTTP connection manager network filter: ``http_filters`` then the router.

    Routes come from the route configuration of the same name (RDS) unless
    ``route_config`` is given inline: a routing change then never replaces the listener,
    so connections and in-flight requests stay where they are. ``edge`` marks the ingress
    gateway, which, like Istio's, trusts no X-Forwarded-For from clients. ``inbound``
    marks a sidecar's inbound side, which, like Istio's, tells the workload who called
    (the caller's certificate in ``x-forwarded-client-cert``) and normalises the path
    before authorization compares it. ``access_log``, ``tracing`` and ``request_id``
    (the request ID extension) come from bookinfo.mesh.proxy_telemetry. ``strip_port``
    drops the port of the Host header before virtual hosts are matched (a listener that
    stands for one port). The gateway keeps it, as Istio's gateways do (they strip it
    only when ``ISTIO_GATEWAY_STRIP_HOST_PORT`` is set): a page behind a gateway on
    another port than 80 builds its absolute addresses and same-site checks from it, and
    its virtual hosts match with or without a port (:func:`gateway_domains`).
    """
    manager: dict = {"@type": t.HTTP_CONNECTION_MANAGER, "stat_prefix": name,
                     "server_name": SERVER_NAME,
                     "strip_any_host_port": strip_port,
                     "use_remote_address": edge,
                     "http_filters": [*http_filters, ROUTER]}
    if route_config is None:
        manager["rds"] = {"route_config_name": name}
    else:
        manager["route_config"] = route_config
    if access_log:
        manager["access_log"] = list(access_log)
    if tracing is not None:
        manager["tracing"] = tracing
    if request_id is not None:
        manager["request_id_extension"] = request_id
    if inbound:
        manager.update(normalize_path=True, forward_client_cert_details="APPEND_FORWARD",
                       set_current_client_cert_details={"subject": True, "uri": True, "dns": True})
    return {"name": t.HCM_FILTER, "typed_config": manager}


def http_listener(name: str, port: int, http_filters: Sequence[dict] = (FAULT,), *, edge: bool = False,
                  access_log: Sequence[dict] = (), strip_port: bool = True, tracing: dict | None = None,
                  request_id: dict | None = None) -> dict:
    """A plain-text HTTP listener whose routes are the route configuration of the same
    name; a client's side of the mesh (a sidecar's outbound side, the gateway), which is
    Envoy's outbound traffic direction, as Istio marks it."""
    return listener(name, port, [filter_chain([http_connection_manager(
        name, http_filters, edge=edge, access_log=access_log, strip_port=strip_port, tracing=tracing,
        request_id=request_id)])], direction=OUTBOUND)


def tcp_proxy(name: str, cluster: str, access_log: Sequence[dict] = ()) -> dict:
    """A plain TCP hop (databases): no HTTP routing, just the service's cluster. Its
    access loggers also run when the upstream connects (the opened-connections metric;
    bookinfo.mesh.istio_metrics), so a long-lived connection is counted when it opens."""
    proxy: dict = {"@type": t.TCP_PROXY, "stat_prefix": name, "cluster": cluster}
    if access_log:
        proxy["access_log"] = list(access_log)
        proxy["access_log_options"] = {"flush_access_log_on_connected": True}
    return {"name": t.TCP_PROXY_FILTER, "typed_config": proxy}


def tcp_listener(name: str, port: int, cluster: str, access_log: Sequence[dict] = ()) -> dict:
    return listener(name, port, [filter_chain([tcp_proxy(name, cluster, access_log)])], direction=OUTBOUND)


def gateway_domains(host: str, port: int) -> list[str]:
    """The virtual host domains of a gateway host, as Istio's gateways write them: the
    host itself and the host with any port (a wildcard host, which cannot take a second
    wildcard, with the gateway's own port); ``*`` matches every host and port."""
    if host == "*":
        return [host]
    if host.startswith("*"):
        return [host, f"{host}:{port}"]
    return [host, f"{host}:*"]


def filter_chain(filters: list[dict], transport_socket: dict | None = None,
                 transport_protocol: str | None = None) -> dict:
    chain: dict = {"filters": filters}
    if transport_protocol is not None:
        chain["filter_chain_match"] = {"transport_protocol": transport_protocol}
    if transport_socket is not None:
        chain["transport_socket"] = transport_socket
    return chain


def listener(name: str, port: int, chains: list[dict], listener_filters: Sequence[dict] = (),
             direction: str | None = None) -> dict:
    """``direction``: Envoy's traffic direction (OUTBOUND, INBOUND), which names the
    listener's spans egress or ingress."""
    out = {"@type": t.LISTENER, "name": name, "address": t.socket_address(port), "filter_chains": chains}
    if direction is not None:
        out["traffic_direction"] = direction
    if listener_filters:
        out["listener_filters"] = list(listener_filters)
    return out


def route_configuration(name: str, virtual_hosts: list[tuple[list[str], list[dict]]],
                        vhost_names: Sequence[str] = (), request_headers_to_add: Sequence[dict] = ()) -> dict:
    """Virtual hosts given as (domains, routes), named by ``vhost_names`` or else by their
    first domain; a request no route matches gets 404. ``request_headers_to_add`` go on
    every request routed (the caller's metadata, bookinfo.mesh.istio_metrics)."""
    names = list(vhost_names) or [domains[0] for domains, _ in virtual_hosts]
    out = {"@type": t.ROUTE_CONFIGURATION, "name": name, "virtual_hosts": [
        {"name": vhost, "domains": domains, "routes": routes}
        for vhost, (domains, routes) in zip(names, virtual_hosts)]}
    if request_headers_to_add:
        out["request_headers_to_add"] = list(request_headers_to_add)
    return out
