"""What every Kubernetes manifest keeps from upstream and what it adds
(docs/compatibility.md#manifests).

Kept: names, labels (the `kubectl apply -l` selections of bookinfo.yaml's header), port
9080 named http, one replica, container named after the app, productpage's Prometheus
annotations, no namespace. Added: probes, resource requests and limits, and the
"restricted" security context on every pod.
"""
from __future__ import annotations

import re

import pytest

from .manifests import ISTIO_SYSTEM_FILES, KUBE, all_objects, objects_in, of_kind, pod_templates, selects

DEPLOYMENTS = pod_templates()
APP_SERVICES = ("details", "ratings", "reviews", "productpage")


def _ids(items):
    return [str(manifest) for manifest, _ in items]


def _containers(template):
    return template["spec"]["containers"]


def test_no_namespace_is_hard_coded():
    """Kiali installs into `bookinfo`, tutorials into others: the namespace comes from kubectl.

    The exceptions are the files whose objects configure the ingress gateway or its
    certificate, which live in istio-system whatever namespace Bookinfo is in.
    """
    named = [str(m) for m in all_objects()
             if "namespace" in m.obj["metadata"] and m.path not in ISTIO_SYSTEM_FILES]
    assert named == []
    for path in ISTIO_SYSTEM_FILES:
        assert {m.obj["metadata"].get("namespace") for m in objects_in(path)} == {"istio-system"}, path


@pytest.mark.parametrize("deployment, template", DEPLOYMENTS, ids=_ids(DEPLOYMENTS))
class TestEveryDeployment:
    def test_labels_agree_from_deployment_to_selector_to_pod(self, deployment, template):
        labels = deployment.obj["metadata"]["labels"]
        assert set(labels) == {"app", "version"}
        assert deployment.spec["selector"]["matchLabels"] == labels
        assert template["metadata"]["labels"] == labels
        assert deployment.name == f"{labels['app']}-{labels['version']}"

    def test_one_replica_one_container_named_after_the_app(self, deployment, template):
        assert deployment.spec["replicas"] == 1
        [container] = _containers(template)
        assert container["name"] == template["metadata"]["labels"]["app"]
        assert container["imagePullPolicy"] == "IfNotPresent"

    def test_pod_runs_as_non_root_with_the_default_seccomp_profile(self, deployment, template):
        pod = template["spec"]["securityContext"]
        assert pod["runAsNonRoot"] is True
        assert pod["runAsUser"] != 0
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}

    def test_container_security_context_is_restricted(self, deployment, template):
        for container in _containers(template):
            assert container["securityContext"] == {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "capabilities": {"drop": ["ALL"]},
            }

    def test_tmp_is_a_writable_empty_dir(self, deployment, template):
        """The root filesystem is read-only; gunicorn and the databases need a writable /tmp."""
        volumes = {v["name"]: v for v in template["spec"]["volumes"]}
        for container in _containers(template):
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert volumes[mounts["/tmp"]] == {"name": mounts["/tmp"], "emptyDir": {}}
        assert all(set(v) == {"name", "emptyDir"} for v in volumes.values())

    def test_probes_check_the_container_port(self, deployment, template):
        for container in _containers(template):
            [port] = [p["containerPort"] for p in container["ports"]]
            for probe in ("readinessProbe", "livenessProbe"):
                action = container[probe].get("httpGet") or container[probe]["tcpSocket"]
                assert action["port"] == port
                if "httpGet" in container[probe]:
                    assert action["path"] == "/health"

    def test_resources_are_requested_and_limited(self, deployment, template):
        for container in _containers(template):
            resources = container["resources"]
            assert set(resources["requests"]) == {"cpu", "memory"}
            assert set(resources["limits"]) == {"cpu", "memory"}


@pytest.mark.parametrize("app", APP_SERVICES)
def test_app_services_keep_port_9080_named_http_and_their_labels(app):
    for service in [m for m in of_kind("Service", KUBE) if m.name == app]:
        assert service.spec["ports"] == [{"port": 9080, "name": "http"}], str(service)
        assert service.spec["selector"] == {"app": app}, str(service)
        assert service.obj["metadata"]["labels"] == {"app": app, "service": app}, str(service)


def test_app_services_are_cluster_ip_except_the_node_port_variant():
    types = {m.file: m.spec.get("type", "ClusterIP") for m in of_kind("Service", KUBE)
             if m.name in APP_SERVICES}
    assert {file for file, kind in types.items() if kind != "ClusterIP"} == {
        "platform/kube/productpage-nodeport.yaml"}
    assert types["platform/kube/productpage-nodeport.yaml"] == "NodePort"


def test_productpage_pods_carry_the_prometheus_scrape_annotations():
    for deployment, template in DEPLOYMENTS:
        if deployment.name == "productpage-v1":
            assert template["metadata"]["annotations"] == {
                "prometheus.io/scrape": "true", "prometheus.io/port": "9080",
                "prometheus.io/path": "/metrics"}


def test_service_accounts_are_those_the_authorization_task_names():
    accounts = {(m.name, m.obj["metadata"].get("labels", {}).get("account"))
                for m in objects_in(KUBE / "bookinfo.yaml") if m.kind == "ServiceAccount"}
    assert accounts == {(f"bookinfo-{app}", app) for app in APP_SERVICES}
    for deployment in objects_in(KUBE / "bookinfo.yaml"):
        if deployment.kind == "Deployment":
            app = deployment.spec["template"]["metadata"]["labels"]["app"]
            assert deployment.spec["template"]["spec"]["serviceAccountName"] == f"bookinfo-{app}"


# `kubectl apply -f platform/kube/bookinfo.yaml -l service=reviews` and its siblings.
_SELECTIVE_APPLY = re.compile(r"kubectl apply -f platform/kube/(\S+) -l (\S+)")
SELECTION_RESULTS = {
    "service=reviews": [("Service", "reviews")],
    "account=reviews": [("ServiceAccount", "bookinfo-reviews")],
    "app=reviews,version=v3": [("Deployment", "reviews-v3")],
}


@pytest.mark.parametrize("file", ["bookinfo.yaml", "bookinfo-psa.yaml", "bookinfo-dualstack.yaml"])
def test_the_label_selections_of_the_header_comment_pick_what_they_promise(file):
    path = KUBE / file
    selections = [(f, sel) for f, sel in _SELECTIVE_APPLY.findall(path.read_text())]
    assert {sel for _, sel in selections} == set(SELECTION_RESULTS)
    assert {f for f, _ in selections} == {file}
    for _, selection in selections:
        wanted = dict(pair.split("=") for pair in selection.split(","))
        picked = [(m.kind, m.name) for m in objects_in(path)
                  if selects(wanted, m.obj["metadata"].get("labels", {}))]
        assert picked == SELECTION_RESULTS[selection], selection


def _without_ip_families(manifest):
    if manifest.kind != "Service":
        return manifest.obj
    spec = {k: v for k, v in manifest.spec.items() if k not in ("ipFamilyPolicy", "ipFamilies")}
    return {**manifest.obj, "spec": spec}


@pytest.mark.parametrize("single, dual", [
    ("bookinfo.yaml", "bookinfo-dualstack.yaml"),
    ("bookinfo-details.yaml", "bookinfo-details-dualstack.yaml"),
    ("bookinfo-ratings.yaml", "bookinfo-ratings-dualstack.yaml"),
    ("bookinfo-ratings-discovery.yaml", "bookinfo-ratings-discovery-dualstack.yaml"),
])
def test_dual_stack_files_differ_from_their_base_only_in_ip_families(single, dual):
    base = [m.obj for m in objects_in(KUBE / single)]
    dual_objects = objects_in(KUBE / dual)
    assert [_without_ip_families(m) for m in dual_objects] == base
    for service in (m for m in dual_objects if m.kind == "Service"):
        assert service.spec["ipFamilyPolicy"] == "RequireDualStack"
        assert sorted(service.spec["ipFamilies"]) == ["IPv4", "IPv6"]


def test_the_psa_file_holds_exactly_the_objects_of_bookinfo_yaml():
    """bookinfo.yaml is already "restricted"; the PSA file name stays for old instructions."""
    assert [m.obj for m in objects_in(KUBE / "bookinfo-psa.yaml")] == [
        m.obj for m in objects_in(KUBE / "bookinfo.yaml")]


@pytest.mark.parametrize("file", ["bookinfo-details.yaml", "bookinfo-ratings.yaml", "bookinfo-reviews-v2.yaml"])
def test_single_service_files_repeat_bookinfo_yaml_without_its_service_accounts(file):
    main = {(m.kind, m.name): m.obj for m in objects_in(KUBE / "bookinfo.yaml")}
    for manifest in objects_in(KUBE / file):
        expected = main[(manifest.kind, manifest.name)]
        if manifest.kind == "Deployment":
            pod = dict(expected["spec"]["template"]["spec"])
            del pod["serviceAccountName"]
            template = {**expected["spec"]["template"], "spec": pod}
            expected = {**expected, "spec": {**expected["spec"], "template": template}}
        assert manifest.obj == expected, str(manifest)



def test_the_readme_describes_every_file_of_the_folder():
    readme = (KUBE / "README.md").read_text()
    described = set(re.findall(r"^\| (`[^|]+`) \|", readme, re.M))
    names = {name.strip("`") for cell in described for name in cell.split(", ")}
    assert names == {path.name for path in KUBE.iterdir() if path.name != "README.md"}
    for link in re.findall(r"\]\(([^)]+)\)", readme):
        assert (KUBE / link).resolve().is_file(), link
