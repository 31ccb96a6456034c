"""What should run: base manifests with applied objects laid over them, sorted by role."""
from __future__ import annotations

from bookinfo.desired import mesh_services, merge, split, service_refs


def obj(api: str, kind: str, name: str, **spec) -> dict:
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name}, "spec": spec}


SERVICE = obj("v1", "Service", "details", selector={"app": "details"},
              ports=[{"port": 9080, "name": "http"}])
DEPLOYMENT = obj("apps/v1", "Deployment", "details-v1", replicas=1)
VS = obj("networking.istio.io/v1", "VirtualService", "details", hosts=["details"])
ROUTE = obj("gateway.networking.k8s.io/v1", "HTTPRoute", "details")
ACCOUNT = obj("v1", "ServiceAccount", "bookinfo-details")
SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"}, "data": {"k": "dg=="}}


def test_applied_objects_replace_base_objects_in_place_and_add_the_rest():
    replaced = obj("apps/v1", "Deployment", "details-v1", replicas=3)
    merged = merge([SERVICE, DEPLOYMENT], [replaced, VS])
    assert merged == [SERVICE, replaced, VS]


def test_objects_differing_in_group_or_namespace_do_not_replace_each_other():
    other_ns = {**SERVICE, "metadata": {"name": "details", "namespace": "prod"}}
    istio_gateway = obj("networking.istio.io/v1", "Gateway", "g")
    api_gateway = obj("gateway.networking.k8s.io/v1", "Gateway", "g")
    assert len(merge([SERVICE, istio_gateway], [other_ns, api_gateway])) == 4


def test_split_sorts_by_role_and_keeps_apply_order_of_mesh_config():
    desired = split([SERVICE, ACCOUNT, DEPLOYMENT, VS, SECRET, ROUTE])
    assert desired.deployments == [DEPLOYMENT]
    assert desired.services == [SERVICE]
    assert desired.config == [VS, ROUTE]
    assert desired.secrets == {"creds": SECRET}


def test_services_become_refs_and_mesh_services():
    desired = split([SERVICE])
    [ref] = service_refs(desired)
    assert (ref.name, ref.namespace, ref.ports) == ("details", "default", ((9080, "http"),))
    [service] = mesh_services(desired)
    assert service.selector == {"app": "details"} and service.namespace == "default"
    assert service.ports[0].port == 9080 and service.ports[0].is_http()
