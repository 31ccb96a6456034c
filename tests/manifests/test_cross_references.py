"""References between objects hold across all the files, as a cluster would resolve them.

A Service without pods, a route to a subset nobody defines or a backend that is not a
Service all apply without error and then fail at request time; these tests catch them
when the files are written.
"""
from __future__ import annotations

import pytest

from bookinfo.pods.images import image_for

from .manifests import CERTIFICATE, GATEWAY_API, KUBE, NETWORKING, objects_in, of_kind, pod_templates, selects

KUBE_SERVICES = of_kind("Service", KUBE)
SERVICE_PORTS: dict[str, set[int]] = {}
for _service in KUBE_SERVICES:
    SERVICE_PORTS.setdefault(_service.name, set()).update(p["port"] for p in _service.spec["ports"])

# Hosts outside the cluster that the mesh reaches through a ServiceEntry.
ENTRY_PORTS = {host: {p["number"] for p in entry.spec["ports"]}
               for entry in of_kind("ServiceEntry") for host in entry.spec["hosts"]}
# cert-manager's HTTP-01 solver: created by cert-manager in istio-system, not by our files.
CERT_MANAGER_SOLVER = "cert-manager-resolver"

SUBSETS: dict[str, dict[str, dict[str, str]]] = {}
for _rule in of_kind("DestinationRule"):
    for _subset in _rule.spec.get("subsets", []):
        SUBSETS.setdefault(_rule.spec["host"], {})[_subset["name"]] = _subset["labels"]

DEPLOYMENTS = pod_templates()
DEPLOYMENT_IDS = [str(deployment) for deployment, _ in DEPLOYMENTS]
CONTAINER_PORTS = {deployment.name: {p["containerPort"] for c in template["spec"]["containers"]
                                     for p in c["ports"]}
                   for deployment, template in DEPLOYMENTS}


def _selected_deployments(selector):
    return [d for d, template in DEPLOYMENTS if selects(selector, template["metadata"]["labels"])]


@pytest.mark.parametrize("service", KUBE_SERVICES, ids=str)
def test_every_service_selects_pods_that_listen_on_its_ports(service):
    deployments = _selected_deployments(service.spec["selector"])
    assert deployments, f"{service} selects no Deployment's pods"
    for port in service.spec["ports"]:
        target = port.get("targetPort", port["port"])
        for deployment in deployments:
            assert target in CONTAINER_PORTS[deployment.name], f"{service} -> {deployment}"


def _destinations(virtual_service):
    for protocol in ("http", "tcp", "tls"):
        for route in virtual_service.spec.get(protocol, []):
            for weighted in route.get("route", []):
                yield weighted["destination"]


@pytest.mark.parametrize("virtual_service", of_kind("VirtualService"), ids=str)
def test_every_virtual_service_destination_exists(virtual_service):
    for destination in _destinations(virtual_service):
        host = destination["host"]
        if host == CERT_MANAGER_SOLVER:
            continue
        known_ports = SERVICE_PORTS.get(host) or ENTRY_PORTS.get(host)
        assert known_ports, f"{virtual_service}: no Service or ServiceEntry {host}"
        if "port" in destination:
            assert destination["port"]["number"] in known_ports, f"{virtual_service}: {destination}"
        if "subset" in destination:
            assert destination["subset"] in SUBSETS.get(host, {}), f"{virtual_service}: {destination}"


@pytest.mark.parametrize("virtual_service", of_kind("VirtualService"), ids=str)
def test_every_virtual_service_host_and_gateway_exists(virtual_service):
    gateways = {g.name for g in of_kind("Gateway", NETWORKING)}
    assert set(virtual_service.spec.get("gateways", [])) <= gateways
    if not virtual_service.spec.get("gateways"):  # mesh routes: the hosts are services
        for host in virtual_service.spec["hosts"]:
            assert host in SERVICE_PORTS or host in ENTRY_PORTS, f"{virtual_service}: {host}"


@pytest.mark.parametrize("rule", of_kind("DestinationRule"), ids=str)
def test_every_destination_rule_subset_selects_a_deployments_pods(rule):
    host = rule.spec["host"]
    if host in ENTRY_PORTS:
        assert not rule.spec.get("subsets"), f"{rule}: an external host has no pods to subset"
        return
    service = next(s for s in KUBE_SERVICES if s.name == host)
    for subset in rule.spec["subsets"]:
        selector = {**service.spec["selector"], **subset["labels"]}
        assert _selected_deployments(selector), f"{rule}: subset {subset['name']} selects no pods"


@pytest.mark.parametrize("route", of_kind("HTTPRoute"), ids=str)
def test_every_http_route_references_services_and_gateways_that_exist(route):
    gateways = {g.name for g in of_kind("Gateway", GATEWAY_API)}
    for parent in route.spec["parentRefs"]:
        if parent.get("kind") == "Service":
            assert parent["group"] == ""
            assert parent["port"] in SERVICE_PORTS[parent["name"]], f"{route}: {parent}"
        else:
            assert parent["name"] in gateways, f"{route}: {parent}"
    for rule in route.spec["rules"]:
        for backend in rule["backendRefs"]:
            assert backend.get("kind", "Service") == "Service"
            assert backend["port"] in SERVICE_PORTS.get(backend["name"], set()), f"{route}: {backend}"


def test_the_ingress_sends_to_the_productpage_service_port():
    [ingress] = of_kind("Ingress")
    for path in ingress.spec["rules"][0]["http"]["paths"]:
        backend = path["backend"]["service"]
        assert backend["port"]["number"] in SERVICE_PORTS[backend["name"]]


@pytest.mark.parametrize("deployment, template", DEPLOYMENTS, ids=DEPLOYMENT_IDS)
def test_each_deployment_runs_the_image_of_its_app(deployment, template):
    """The image table says which service an image runs; the app label must agree."""
    [container] = template["spec"]["containers"]
    assert image_for(container["image"]).service == template["metadata"]["labels"]["app"]


@pytest.mark.parametrize("deployment, template", DEPLOYMENTS, ids=DEPLOYMENT_IDS)
def test_the_container_port_is_the_port_its_image_serves(deployment, template):
    [container] = template["spec"]["containers"]
    expected = {"mongodb": 27017, "mysqldb": 3306}.get(image_for(container["image"]).service, 9080)
    assert [p["containerPort"] for p in container["ports"]] == [expected]


def test_the_certificate_is_issued_where_the_cert_manager_gateway_answers_its_challenges():
    """cert-manager's HTTP-01 challenges for the Certificate's names arrive through the
    Gateway of certmanager-gateway.yaml; both sit with the ingress gateway in istio-system."""
    [certificate] = objects_in(CERTIFICATE)
    [gateway] = [m for m in objects_in(NETWORKING / "certmanager-gateway.yaml") if m.kind == "Gateway"]
    assert certificate.obj["metadata"]["namespace"] == gateway.obj["metadata"]["namespace"] == "istio-system"
    assert certificate.spec["commonName"] in certificate.spec["dnsNames"]
    [server] = gateway.spec["servers"]
    assert server["port"]["protocol"] == "HTTP" and server["hosts"] == ["*"]
    assert certificate.spec["issuerRef"]["kind"] == "ClusterIssuer"  # usable from istio-system
