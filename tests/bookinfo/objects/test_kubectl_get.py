"""`kubectl get` over objects: kinds and names, namespaces, selectors and every output."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import yaml

from bookinfo.objects.kubectl_get import GetRequest, get_lines

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
CREATED = "2024-05-01T11:55:00Z"  # five minutes before NOW


def meta(name: str, namespace: str = "default", **labels: str) -> dict:
    return {"name": name, "namespace": namespace, "creationTimestamp": CREATED, "labels": labels}


def pod(name: str, app: str, version: str, ready: bool = True, restarts: int = 0,
        waiting: str = "", namespace: str = "default") -> dict:
    state = {"waiting": {"reason": waiting}} if waiting else {"running": {"startedAt": CREATED}}
    app_status = {"name": app, "ready": ready, "restartCount": restarts, "state": state}
    if restarts:
        app_status["lastState"] = {"terminated": {"exitCode": 137, "reason": "Error",
                                                  "finishedAt": (NOW - timedelta(seconds=45)).strftime(
                                                      "%Y-%m-%dT%H:%M:%SZ")}}
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {**meta(name, namespace, app=app, version=version),
                         "annotations": {"bookinfo.local/port": "40001"}},
            "spec": {"containers": [{"name": app}, {"name": "istio-proxy"}], "nodeName": "localhost"},
            "status": {"phase": "Running", "podIP": "127.0.0.1",
                       "containerStatuses": [app_status, {"name": "istio-proxy", "ready": True, "restartCount": 0,
                                                          "state": {"running": {}}}]}}


OBJECTS = [
    pod("details-v1-abc-1", "details", "v1"),
    pod("ratings-v1-abc-2", "ratings", "v1", ready=False, restarts=2, waiting="CrashLoopBackOff"),
    pod("reviews-v2-abc-3", "reviews", "v2", restarts=1),
    pod("reviews-v3-abc-4", "reviews", "v3", namespace="other"),
    {"apiVersion": "v1", "kind": "Service", "metadata": meta("details", app="details"),
     "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10", "ports": [{"port": 9080, "protocol": "TCP"}]}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta("details-v1", app="details"),
     "spec": {"replicas": 1}, "status": {"readyReplicas": 1, "updatedReplicas": 1, "availableReplicas": 1}},
]


def get(*resources: str, **options) -> list[str]:
    return get_lines(OBJECTS, GetRequest(resources, **options), NOW)


def test_get_pods_shows_ready_status_restarts_with_their_age_and_age():
    lines = get("pods")
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert lines[1].split() == ["details-v1-abc-1", "2/2", "Running", "0", "5m"]
    assert lines[2].split() == ["ratings-v1-abc-2", "1/2", "CrashLoopBackOff", "2", "(45s", "ago)", "5m"]
    assert lines[3].split()[:3] == ["reviews-v2-abc-3", "2/2", "Running"]
    assert len(lines) == 4  # the pod in another namespace is not listed


def test_wide_adds_the_pods_address_and_node():
    lines = get("po", output="wide")
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE",
                                "READINESS", "GATES"]
    assert lines[1].split()[-4:] == ["127.0.0.1:40001", "localhost", "<none>", "<none>"]


def test_namespaces_all_namespaces_selectors_and_labels():
    assert [line.split()[0] for line in get("pods", namespace="other")] == ["NAME", "reviews-v3-abc-4"]
    every = get("pods", all_namespaces=True)
    assert every[0].split()[:2] == ["NAMESPACE", "NAME"] and len(every) == 5
    assert [line.split()[0] for line in get("pods", selector="app=reviews")] == ["NAME", "reviews-v2-abc-3"]
    assert [line.split()[0] for line in get("pods", selector="version in (v1,v3)", all_namespaces=True)][1:] == [
        "default", "default", "other"]
    labelled = get("pods", selector="app=details", show_labels=True)
    assert labelled[0].split()[-1] == "LABELS" and labelled[1].split()[-1] == "app=details,version=v1"
    [none] = get("pods", namespace="nowhere")
    assert none == "No resources found in nowhere namespace." and none.to_stderr and not none.is_error


def test_several_kinds_are_prefixed_and_separated_by_a_blank_line():
    lines = get("pods,svc", selector="app=details")
    assert lines[1].startswith("pod/details-v1-abc-1") and lines[2] == ""
    assert lines[3].split()[:2] == ["NAME", "TYPE"] and lines[4].startswith("service/details")
    every = get("all")
    assert [line.split()[0] for line in every if line and not line.startswith("NAME")] == [
        "pod/details-v1-abc-1", "pod/ratings-v1-abc-2", "pod/reviews-v2-abc-3", "service/details",
        "deployment.apps/details-v1"]
    assert "deployment.apps/details-v1   1/1     1            1           5m" in every


def test_names_and_type_slash_name():
    assert get("pod", "details-v1-abc-1")[1].split()[0] == "details-v1-abc-1"
    lines = get("pod", "details-v1-abc-1", "nope")
    assert lines[-1] == 'Error from server (NotFound): pods "nope" not found' and lines[-1].is_error
    assert get("deploy/details-v1", output="name") == ["deployment.apps/details-v1"]
    assert get("deploy/details-v1", "svc/details", output="name") == ["deployment.apps/details-v1", "service/details"]


def test_jsonpath_over_the_list_or_the_one_object_named():
    [line] = get("pod", selector="app=ratings", output="jsonpath={.items[0].metadata.name}")
    assert line == "ratings-v1-abc-2" and not line.newline
    [line] = get("pod", "details-v1-abc-1", output="jsonpath={.status.podIP}")
    assert line == "127.0.0.1"
    [line] = get("pods", output='jsonpath={range .items[*]}{.metadata.name}{"\\t"}'
                                '{.status.containerStatuses[0].restartCount}{"\\n"}{end}')
    assert line == "details-v1-abc-1\t0\nratings-v1-abc-2\t2\nreviews-v2-abc-3\t1\n"
    [broken] = get("pods", output="jsonpath={.items[9]}")
    assert broken.is_error and "array index out of bounds" in broken


def test_custom_columns():
    lines = get("pods", output="custom-columns=POD:.metadata.name,CONTAINERS:.spec.containers[*].name,"
                               "REASON:.status.containerStatuses[0].state.waiting.reason")
    assert lines == ["POD                CONTAINERS            REASON",
                     "details-v1-abc-1   details,istio-proxy   <none>",
                     "ratings-v1-abc-2   ratings,istio-proxy   CrashLoopBackOff",
                     "reviews-v2-abc-3   reviews,istio-proxy   <none>"]


def test_yaml_and_json_of_one_object_or_a_list():
    one = yaml.safe_load("\n".join(get("svc", "details", output="yaml")))
    assert one["kind"] == "Service" and one["apiVersion"] == "v1"
    listed = json.loads("\n".join(get("pods", output="json")))
    assert listed["kind"] == "List" and len(listed["items"]) == 3


def test_refusals_are_kubectls_lines():
    assert get("widgets") == ['error: the server doesn\'t have a resource type "widgets"']
    assert get("pods", output="toml")[0].startswith('error: unable to match a printer suitable for the output '
                                                    'format "toml", allowed formats are: custom-columns,json,')
    assert get("pods", selector="app in")[0].startswith("error: unable to parse requirement")
    assert get("pods,svc", "x") == ["error: you must specify only one resource"]
