"""Objects are validated as the API server would: strict schemas, CRD schemas, CEL rules."""
from __future__ import annotations

import pytest
import yaml

from bookinfo.objects import ObjectRecord, load_paths, validate, validate_object
from bookinfo.errors import InvalidObjects
from bookinfo.runner.admission import admit

from .conftest import MANIFEST_DIRS, REPO, write

# kustomize's own file is not an object; cert-manager's Certificate has no CRD here (it is
# checked against cert-manager's in tests/manifests/test_validation.py).
NOT_VALIDATED_HERE = ("kustomization.yaml", "bookinfo-certificate.yaml")


def manifest_files() -> list[str]:
    """Every manifest of the project that exists now, but those above."""
    return sorted(str(p.relative_to(REPO)) for d in MANIFEST_DIRS for p in (REPO / d).glob("*.y*ml")
                  if p.name not in NOT_VALIDATED_HERE)


def problems_of(text: str) -> list[str]:
    return validate_object(yaml.safe_load(text))


@pytest.mark.parametrize("path", manifest_files())
def test_every_project_manifest_is_valid(path):
    records = load_paths([str(REPO / path)])
    assert records, f"{path} holds no object"
    assert {r.kubectl_name: validate_object(r.obj) for r in records} == {r.kubectl_name: [] for r in records}


VIRTUAL_SERVICE = """
apiVersion: networking.istio.io/{version}
kind: VirtualService
metadata: {{name: reviews}}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {{host: reviews, subset: v1}}
"""


@pytest.mark.parametrize("version", ["v1", "v1beta1", "v1alpha3"])
def test_every_served_istio_version_is_accepted(version):
    assert problems_of(VIRTUAL_SERVICE.format(version=version)) == []


def test_an_unserved_version_is_refused():
    assert problems_of(VIRTUAL_SERVICE.format(version="v2")) == [
        'no matches for kind "VirtualService" in version "networking.istio.io/v2"']


def test_unknown_field_is_named_with_its_path():
    text = VIRTUAL_SERVICE.format(version="v1") + "      wieght: 50\n"
    assert problems_of(text) == ["spec.http[0].route[0].wieght: unknown field"]


def test_unknown_metadata_field_is_refused_for_custom_resources():
    text = VIRTUAL_SERVICE.format(version="v1").replace("{name: reviews}", "{name: reviews, labelz: {a: b}}")
    assert problems_of(text) == ["metadata.labelz: unknown field"]


def test_every_problem_of_an_object_is_reported():
    text = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: Reviews}
spec:
  hosts: reviews
  http:
  - timeout: 10
    route:
    - destination: {host: reviews}
"""
    found = problems_of(text)
    assert 'spec.hosts: must be of type array, got "reviews"' in found
    assert "spec.http[0].timeout: must be of type string, got 10" in found
    assert any(p.startswith('metadata.name: Invalid value: "Reviews"') for p in found)
    assert len(found) == 3


def test_enum_value_outside_the_schema():
    text = """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  trafficPolicy: {loadBalancer: {simple: FASTEST}}
"""
    [problem] = problems_of(text)
    assert problem.startswith('spec.trafficPolicy.loadBalancer.simple: Unsupported value: "FASTEST"')


def test_mutually_exclusive_fields():
    text = """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  trafficPolicy: {loadBalancer: {simple: RANDOM, consistentHash: {httpHeaderName: x}}}
"""
    [problem] = problems_of(text)
    assert problem.startswith("spec.trafficPolicy.loadBalancer: only one of ")
    assert "consistentHash" in problem and "simple" in problem


def test_cel_rule_istio_duration():
    text = VIRTUAL_SERVICE.format(version="v1").replace("  - route:", "  - timeout: 0s\n    route:")
    assert problems_of(text) == ["spec.http[0].timeout: must be a valid duration greater than 1ms"]


def test_cel_rule_that_cannot_evaluate_reports_the_value():
    text = VIRTUAL_SERVICE.format(version="v1").replace(
        "  - route:", "  - fault: {delay: {fixedDelay: soon, percentage: {value: 100}}}\n    route:")
    [problem] = problems_of(text)
    assert problem.startswith('spec.http[0].fault.delay.fixedDelay: Invalid value: "soon"')


HTTP_ROUTE = """
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reviews}
spec:
  parentRefs:
  - {group: "", kind: Service, name: reviews, port: 9080}
  rules:
  - backendRefs:
    - {name: reviews-v1, port: 9080}
"""


def test_cel_rule_gateway_api_path_value():
    text = HTTP_ROUTE + "    matches:\n    - path: {type: PathPrefix, value: /a//b}\n"
    assert problems_of(text) == [
        "spec.rules[0].matches[0].path: must not contain '//' when type one of ['Exact', 'PathPrefix']"]


def test_cel_rule_gateway_api_repeated_filter():
    text = HTTP_ROUTE + """    filters:
    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: a, value: "1"}]}}
    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: b, value: "2"}]}}
"""
    assert problems_of(text) == ["spec.rules[0].filters: RequestHeaderModifier filter cannot be repeated"]


def test_cel_rule_filter_type_must_match_its_field():
    text = HTTP_ROUTE + "    filters:\n    - {type: RequestHeaderModifier, urlRewrite: {hostname: x}}\n"
    found = problems_of(text)
    assert found and all(p.startswith("spec.rules[0].filters[0]: ") for p in found)
    assert any("filter.urlRewrite must be nil if the filter.type is not URLRewrite" in p for p in found)


def test_cel_rules_see_schema_defaults():
    """``group`` defaults to "" and ``kind`` to Service: rules reading them must pass."""
    text = HTTP_ROUTE.replace('{group: "", kind: Service, name: reviews, port: 9080}', "{name: reviews}")
    assert problems_of(text) == []


def test_list_map_keys_must_be_unique():
    text = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: istio
  listeners:
  - {name: http, port: 80, protocol: HTTP}
  - {name: http, port: 8080, protocol: HTTP}
"""
    assert problems_of(text) == ['spec.listeners: Duplicate value: name="http"']


CORE_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: ratings-v1, labels: {app: ratings}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ratings}}
  template:
    metadata: {labels: {app: ratings}}
    spec:
      containers:
      - {name: ratings, image: bookinfo/ratings}
"""


def test_core_objects_pass_strict_kubernetes_validation():
    assert problems_of(CORE_DEPLOYMENT) == []


def test_core_unknown_field_is_refused():
    text = CORE_DEPLOYMENT.replace("image: bookinfo/ratings}", "image: bookinfo/ratings, imagePolicy: Always}")
    [problem] = problems_of(text)
    assert problem.startswith("spec.template.spec.containers[0].imagePolicy: unknown field")


def test_core_wrong_type_is_refused():
    [problem] = problems_of(CORE_DEPLOYMENT.replace("replicas: 1", "replicas: one"))
    assert problem.startswith('spec.replicas: must be of type integer')


def test_core_label_value_is_checked():
    [problem] = problems_of(CORE_DEPLOYMENT.replace("labels: {app: ratings}}", "labels: {app: 'two words'}}"))
    assert problem.startswith("metadata.labels.app: Invalid value: 'two words'")


def test_service_names_must_be_dns_1035_labels():
    [problem] = problems_of("apiVersion: v1\nkind: Service\nmetadata: {name: 1st}\nspec: {ports: [{port: 80}]}\n")
    assert problem.startswith('metadata.name: Invalid value: "1st": a DNS-1035 label')


def test_unknown_kind_and_missing_envelope():
    assert problems_of("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n") == [
        'no matches for kind "Widget" in version "example.com/v1"']
    assert problems_of("metadata: {name: w}\n") == ["apiVersion: Required value", "kind: Required value"]


def test_validate_collects_every_problem_of_every_file_with_file_object_and_field(tmp_path):
    good = write(tmp_path, "good.yaml", VIRTUAL_SERVICE.format(version="v1"))
    bad = write(tmp_path, "bad.yaml", VIRTUAL_SERVICE.format(version="v1") + "      wieght: 50\n---\n"
                + HTTP_ROUTE + "    matches:\n    - path: {type: PathPrefix, value: /a//b}\n")
    with pytest.raises(InvalidObjects) as caught:
        validate(load_paths([good, bad]))
    assert str(caught.value).splitlines() == [
        f"{bad}: virtualservice.networking.istio.io/reviews: spec.http[0].route[0].wieght: unknown field",
        f"{bad}: httproute.gateway.networking.k8s.io/reviews: spec.rules[0].matches[0].path: "
        "must not contain '//' when type one of ['Exact', 'PathPrefix']",
    ]


def test_validate_refuses_kinds_the_runner_lacks():
    record = ObjectRecord({"apiVersion": "networking.istio.io/v1", "kind": "Sidecar",
                           "metadata": {"name": "default"}, "spec": {}}, "sidecar.yaml", 0)
    validate([record])
    with pytest.raises(InvalidObjects, match=r"^sidecar.yaml: sidecar.networking.istio.io/default: "
                                             r"Sidecar \(networking.istio.io/v1\) is not supported"):
        admit([record], [])


def test_validate_refuses_fields_the_local_mesh_does_not_implement():
    from bookinfo.mesh import support
    obj = yaml.safe_load(VIRTUAL_SERVICE.format(version="v1") + """  tcp:
  - route:
    - destination: {host: reviews}
""")
    unsupported = support.unsupported_fields(obj)
    assert unsupported, "a TCP route is expected to be outside the local mesh"
    validate([ObjectRecord(obj, "vs.yaml", 0)])
    with pytest.raises(InvalidObjects) as caught:
        admit([ObjectRecord(obj, "vs.yaml", 0)], [])
    assert str(caught.value).splitlines() == [
        f"vs.yaml: virtualservice.networking.istio.io/reviews: field {name} is not implemented by the local mesh"
        for name in unsupported]


def test_admission_accepts_core_kinds_without_asking_the_mesh(monkeypatch):
    from bookinfo.runner import admission
    asked = []
    # A mesh that would refuse every object's spec, had it been asked.
    monkeypatch.setattr(admission, "unsupported_fields", lambda obj: asked.append(obj["kind"]) or ["spec"])
    deployment = yaml.safe_load(CORE_DEPLOYMENT.replace("image: bookinfo/ratings",
                                                        "image: istio/examples-bookinfo-ratings-v1:1.20.3"))
    records = [ObjectRecord(deployment, "d.yaml", 0)]
    assert validate(records) == [deployment]
    assert admit(records, []) is None
    assert asked == []
    with pytest.raises(InvalidObjects) as caught:  # the same mesh is asked about a VirtualService
        admit([ObjectRecord(yaml.safe_load(VIRTUAL_SERVICE.format(version="v1")), "vs.yaml", 0)], [])
    assert asked == ["VirtualService"]
    assert str(caught.value) == ("vs.yaml: virtualservice.networking.istio.io/reviews: "
                                 "field spec is not implemented by the local mesh")
