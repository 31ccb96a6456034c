"""``istioctl analyze`` for the local stack: the checks Bookinfo's tasks trip over, with
Istio's message codes, levels and wording.

* IST0101 ReferencedResourceNotFound (Error): a VirtualService's gateway, destination
  host, mirror host, or host+subset no DestinationRule defines; a Gateway whose
  selector matches no workload (the local ingress gateway has Istio's labels).
* IST0109 ConflictingMeshGatewayVirtualServiceHosts (Error): several VirtualServices bound
  to the mesh for one host.
* IST0112 VirtualServiceDestinationPortSelectorRequired (Error): a destination without a
  port on a Service with several.
* IST0118 PortNameIsNotUnderNamingConvention (Info): a Service port Istio cannot tell the
  protocol of.
* IST0132 VirtualServiceHostNotFoundInGateway (Warning): a host the bound Gateway does
  not serve.
* IST0173 DestinationRuleSubsetNotSelectPods (Error): a subset whose labels match no pod.

The workloads are the running stack's pods, or, without a stack, the pods its
Deployments would run. Objects given as files are analysed as if applied over the store.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from bookinfo.mesh.model import GATEWAY_LABELS, MeshInputs, Workload, labels_match
from bookinfo.mesh.registry import Registry, namespace_of
from bookinfo.objects.kinds import ISTIO_NETWORKING
from bookinfo.objects.record import object_key
from bookinfo.objects.services import Service

LEVELS = ("Error", "Warning", "Info")
# Port name prefixes (and appProtocols) from which Istio knows a port's protocol.
PROTOCOL_PREFIXES = frozenset({"http", "http2", "https", "grpc", "grpc-web", "tcp", "tls", "mongo", "mysql",
                               "redis", "udp", "h2c"})


@dataclass(frozen=True)
class Message:
    level: str
    code: str
    kind: str
    namespace: str
    name: str
    text: str

    def __str__(self) -> str:
        return f"{self.level} [{self.code}] ({self.kind} {self.namespace}/{self.name}) {self.text}"

    def sort_key(self) -> tuple:
        return LEVELS.index(self.level), self.code, self.kind, self.namespace, self.name, self.text


def analyze(objects: Sequence[Mapping], workloads: Sequence[Mapping[str, str]],
            namespace: str | None) -> list[Message]:
    """Every message for the objects in ``namespace`` (None: all), sorted as istioctl sorts."""
    services = [Service.from_object(o) for o in objects if object_key(o)[:2] == ("", "Service")]
    config = [dict(o) for o in objects if object_key(o)[0] == ISTIO_NETWORKING]
    registry = Registry(MeshInputs([Workload(str(i), labels, 0) for i, labels in enumerate(workloads)],
                                   services, config, None, {}, 0))
    pods = [*workloads, GATEWAY_LABELS]
    found = [*_virtual_services(config, registry), *_gateways(config, pods), *_mesh_hosts(config, registry),
             *_subsets(config, registry, workloads), *_service_ports(objects)]
    return sorted((m for m in found if namespace is None or m.namespace == namespace), key=Message.sort_key)


def _of(kind: str, config: Sequence[dict]) -> Iterator[dict]:
    return (o for o in config if o.get("kind") == kind)


def _message(level: str, code: str, obj: Mapping, text: str) -> Message:
    return Message(level, code, obj["kind"], namespace_of(obj), obj["metadata"]["name"], text)


def _not_found(obj: Mapping, what: str, value: str) -> Message:
    return _message("Error", "IST0101", obj, f'Referenced {what} not found: "{value}"')


def _virtual_services(config: Sequence[dict], registry: Registry) -> Iterator[Message]:
    gateways = {f"{namespace_of(g)}/{g['metadata']['name']}": g for g in _of("Gateway", config)}
    for vs in _of("VirtualService", config):
        namespace = namespace_of(vs)
        spec = vs.get("spec") or {}
        bound = []
        for name in spec.get("gateways") or []:
            if name == "mesh":
                continue
            key = name if "/" in name else f"{namespace}/{name}"
            if key in gateways:
                bound.append(gateways[key])
            else:
                yield _not_found(vs, "gateway", name)
        for rule in spec.get("http") or []:
            for route in rule.get("route") or []:
                yield from _destination(vs, route.get("destination") or {}, registry, "")
            mirrors = [rule["mirror"]] if "mirror" in rule else []
            mirrors += [m.get("destination") or {} for m in rule.get("mirrors") or []]
            for mirror in mirrors:
                yield from _destination(vs, mirror, registry, "mirror ")
        for gateway in bound:
            served = [h.split("/", 1)[-1] for server in (gateway.get("spec") or {}).get("servers") or []
                      for h in server.get("hosts") or []]
            missing = [h for h in spec.get("hosts") or [] if not any(_host_matches(h, s) for s in served)]
            if missing:
                yield _message("Warning", "IST0132", vs,
                               f"one or more host [{' '.join(missing)}] defined in VirtualService "
                               f"{namespace}/{vs['metadata']['name']} not found in Gateway "
                               f"{namespace_of(gateway)}/{gateway['metadata']['name']}.")


def _destination(vs: dict, destination: Mapping, registry: Registry, role: str) -> Iterator[Message]:
    host = destination.get("host")
    if not host:
        return
    resolved = registry.resolve(host, namespace_of(vs))
    if resolved not in registry.services and resolved not in registry.external:
        yield _not_found(vs, f"{role}host", host)
        return
    subset = destination.get("subset")
    if subset and registry.subset_labels(resolved, subset) is None:
        yield _not_found(vs, f"{role}host+subset in destinationrule", f"{host}+{subset}")
    service = registry.services.get(resolved)
    if service is not None and len(service.ports) > 1 and not (destination.get("port") or {}).get("number"):
        ports = " ".join(str(p.port) for p in service.ports)
        yield _message("Error", "IST0112", vs, f'This VirtualService routes to a service "{host}" that exposes '
                                                f"multiple ports [{ports}]. Specifying a port in the destination "
                                                "is required to disambiguate.")


def _host_matches(host: str, served: str) -> bool:
    return served == "*" or host == served or (served.startswith("*.") and host.endswith(served[1:]))


def _gateways(config: Sequence[dict], pods: Sequence[Mapping[str, str]]) -> Iterator[Message]:
    for gateway in _of("Gateway", config):
        if not str(gateway.get("apiVersion", "")).startswith(ISTIO_NETWORKING + "/"):
            continue
        selector = (gateway.get("spec") or {}).get("selector") or {}
        if selector and not any(labels_match(selector, labels) for labels in pods):
            text = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
            yield _not_found(gateway, "selector", text)


def _mesh_hosts(config: Sequence[dict], registry: Registry) -> Iterator[Message]:
    by_host: dict[str, list[dict]] = {}
    for vs in _of("VirtualService", config):
        spec = vs.get("spec") or {}
        if "mesh" not in (spec.get("gateways") or ["mesh"]):
            continue
        for host in spec.get("hosts") or []:
            by_host.setdefault(registry.resolve(host, namespace_of(vs)), []).append(vs)
    for host, services in by_host.items():
        if len(services) > 1:
            names = ",".join(f"{namespace_of(vs)}/{vs['metadata']['name']}" for vs in services)
            for vs in services:
                yield _message("Error", "IST0109", vs,
                               f"The VirtualServices {names} associated with mesh gateway define the same host "
                               f"*/{host} which can lead to undefined behavior. This can be fixed by merging "
                               "the conflicting VirtualServices into a single resource.")


def _subsets(config: Sequence[dict], registry: Registry,
             workloads: Sequence[Mapping[str, str]]) -> Iterator[Message]:
    for rule in _of("DestinationRule", config):
        host = registry.resolve(rule["spec"]["host"], namespace_of(rule))
        service = registry.services.get(host)
        if service is None:
            continue
        for subset in rule["spec"].get("subsets") or []:
            wanted = {**service.selector, **(subset.get("labels") or {})}
            if not any(labels_match(wanted, labels) for labels in workloads):
                yield _message("Error", "IST0173", rule,
                               f"The Subset {subset['name']} defined in the DestinationRule does not select any "
                               "pods. Which may lead to 503 UH (NoHealthyUpstream).")


def _service_ports(objects: Sequence[Mapping]) -> Iterator[Message]:
    for obj in objects:
        if object_key(obj)[:2] != ("", "Service"):
            continue
        for port in (obj.get("spec") or {}).get("ports") or []:
            name = port.get("name") or ""
            if port.get("appProtocol") or name.split("-", 1)[0].lower() in PROTOCOL_PREFIXES:
                continue
            yield _message("Info", "IST0118", obj,
                           f"Port name {name} (port: {port['port']}, targetPort: {port.get('targetPort', port['port'])})"
                           " doesn't follow the naming convention of Istio port.")
