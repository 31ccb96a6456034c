"""A local workload's environment, built the way a kubelet builds a pod's.

Layers, later ones winning: the image's baked-in environment (``bookinfo.pods.images``), the
Service links Kubernetes injects for every Service (``DETAILS_SERVICE_HOST``,
``DETAILS_SERVICE_PORT``, ``DETAILS_PORT=tcp://...``), ``HOSTNAME`` (the pod name), then
the Deployment's own ``env``. Bookinfo's services read ``<SVC>_HOSTNAME``, which a
kubelet does not set; here it is set beside the links so the services reach each other.

The mesh twist: each host and port a workload is given is that workload's own outbound
listener on Envoy (127.0.0.1:<port>), the view its sidecar would give it. Deployment env
values that name a Service are rewritten to that listener too:

* in a URL, ``<service>[.<namespace>[.svc[.cluster.local]]]:<port>`` becomes
  ``127.0.0.1:<listener>`` (``MONGO_DB_URL=mongodb://mongodb:27017/test``);
* a variable whose whole value is a Service host becomes ``127.0.0.1``, and when its
  name ends in ``_HOST``/``_HOSTNAME`` the sibling ``<prefix>_PORT`` holding one of that
  Service's ports becomes the listener port (``MYSQL_DB_HOST=mysqldb``,
  ``MYSQL_DB_PORT=3306``).
"""
from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence

from bookinfo.errors import UnsupportedEnv
from bookinfo.objects.services import Service

LOOPBACK = "127.0.0.1"



# A pod's outbound listeners: (Service name, Service port) -> the pod's listener port on Envoy.
Listeners = Mapping[tuple[str, int], int]


def env_prefix(service_name: str) -> str:
    """``reviews-v1`` -> ``REVIEWS_V1`` (the Kubernetes service-link spelling)."""
    return service_name.upper().replace("-", "_").replace(".", "_")


def service_links(services: Sequence[Service], listeners: Listeners) -> dict[str, str]:
    """Kubernetes' service-link variables plus Bookinfo's ``<SVC>_HOSTNAME``."""
    env: dict[str, str] = {}
    for service in services:
        ports = [(port, listeners[service.name, port.port]) for port in service.ports
                 if (service.name, port.port) in listeners]
        if not ports:
            continue
        prefix = env_prefix(service.name)
        first = ports[0][1]
        env[f"{prefix}_HOSTNAME"] = LOOPBACK
        env[f"{prefix}_SERVICE_HOST"] = LOOPBACK
        env[f"{prefix}_SERVICE_PORT"] = str(first)
        # Set as Kubernetes does, so a service that wrongly reads <SVC>_PORT fails here too.
        env[f"{prefix}_PORT"] = f"tcp://{LOOPBACK}:{first}"
        for port, listener in ports:
            if port.name:
                env[f"{prefix}_SERVICE_PORT_{env_prefix(port.name)}"] = str(listener)
    return env


def container_env(container: Mapping, secrets: Mapping[str, Mapping], pod_name: str,
                  namespace: str) -> dict[str, str]:
    """The container's ``env`` list as a dict, resolving the ``valueFrom`` forms we support."""
    env: dict[str, str] = {}
    for entry in container.get("env") or ():
        name = entry["name"]
        if "valueFrom" not in entry:
            env[name] = _expand(str(entry.get("value", "")), env)
            continue
        source = entry["valueFrom"]
        if "secretKeyRef" in source:
            env[name] = _secret_value(source["secretKeyRef"], secrets, name)
        elif "fieldRef" in source:
            field = source["fieldRef"].get("fieldPath")
            values = {"metadata.name": pod_name, "metadata.namespace": namespace,
                      "status.podIP": LOOPBACK, "spec.nodeName": "localhost"}
            if field not in values:
                raise UnsupportedEnv(f"env {name}: fieldRef {field!r} is not supported locally")
            env[name] = values[field]
        else:
            raise UnsupportedEnv(f"env {name}: valueFrom {sorted(source)} is not supported locally")
    return env


def _secret_value(ref: Mapping, secrets: Mapping[str, Mapping], name: str) -> str:
    secret = secrets.get(ref.get("name"))
    key = ref.get("key")
    if secret is not None:
        if key in (secret.get("stringData") or {}):
            return str(secret["stringData"][key])
        if key in (secret.get("data") or {}):
            return base64.b64decode(secret["data"][key]).decode()
    if ref.get("optional"):
        return ""
    raise UnsupportedEnv(f"env {name}: Secret {ref.get('name')!r} has no key {key!r} "
                         f"(apply the Secret first)")


def _expand(value: str, earlier: Mapping[str, str]) -> str:
    """Kubernetes' ``$(VAR)`` references to earlier entries (``$$`` escapes)."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else earlier.get(m.group(1), m.group(0)),
                  value)


def rewrite_service_hosts(env: Mapping[str, str], services: Sequence[Service],
                          listeners: Listeners) -> dict[str, str]:
    """Point values that name a Service at this workload's outbound listener (module doc)."""
    by_host = {host: service.name for service in services for host in service.hosts()}
    out = {name: _rewrite_urls(value, by_host, listeners) for name, value in env.items()}
    for name, value in env.items():
        service = by_host.get(value)
        if service is None:
            continue
        out[name] = LOOPBACK
        suffix = next((s for s in ("_HOSTNAME", "_HOST") if name.endswith(s)), None)
        if suffix:
            port_var = name[: -len(suffix)] + "_PORT"
            port = env.get(port_var, "")
            if port.isdigit() and (service, int(port)) in listeners:
                out[port_var] = str(listeners[service, int(port)])
    return out


def _rewrite_urls(value: str, by_host: Mapping[str, str], listeners: Listeners) -> str:
    def replace(match: re.Match) -> str:
        service = by_host.get(match.group(1))
        listener = listeners.get((service, int(match.group(2)))) if service else None
        return match.group(0) if listener is None else f"{LOOPBACK}:{listener}"

    # host:port right after "//" (a URL authority, possibly after user@) or after "@"/",".
    return re.sub(r"(?<=[/@,])([a-z0-9][a-z0-9.-]*):(\d{1,5})\b", replace, value)
