"""The stack's recorded state and the plan that reconciles pods with Deployments."""
from __future__ import annotations

import copy

from bookinfo.runner.stack import StackDir, StackState, plan
from bookinfo.pods.pod import Pod, template_hash


def deployment(name: str, replicas: int = 1, image: str = "examples-bookinfo-details-v1") -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "template": {
                "metadata": {"labels": {"app": name.split("-")[0], "version": "v1"}},
                "spec": {"containers": [{"name": "c", "image": image}]}}}}


def pod(dep: dict, suffix: str, pid: int = 0) -> Pod:
    name = dep["metadata"]["name"]
    return Pod(name=f"{name}-{template_hash(dep)}-{suffix}", deployment=name,
               template_hash=template_hash(dep), service="details", image="img", version="v1",
               labels={"app": "details"}, port=40000, outbound={("details", 9080): 40001},
               env={"HOSTNAME": "x"}, argv=["true"], log="/tmp/x.log", pid=pid, started=7)


def test_a_new_stack_starts_every_replica():
    details, reviews = deployment("details-v1"), deployment("reviews-v1", replicas=2)
    result = plan([details, reviews], [])
    assert [(d["metadata"]["name"], n) for d, n in result.start] == [("details-v1", 1), ("reviews-v1", 2)]
    assert result.stop == [] and result.keep == []


def test_unchanged_pods_are_kept_and_changed_or_deleted_ones_replaced():
    details, ratings = deployment("details-v1"), deployment("ratings-v1")
    old_details, old_ratings = pod(details, "aaaaa"), pod(ratings, "bbbbb")
    changed = copy.deepcopy(details)
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "examples-bookinfo-details-v2"
    result = plan([changed], [old_details, old_ratings])
    assert [(d["metadata"]["name"], n) for d, n in result.start] == [("details-v1", 1)]
    assert {p.name for p in result.stop} == {old_details.name, old_ratings.name}
    assert plan([details], [old_details]).keep == [old_details]


def test_scaling_down_stops_the_extra_pods():
    details = deployment("details-v1", replicas=1)
    pods = [pod(details, "aaaaa"), pod(details, "bbbbb")]
    result = plan([details], pods)
    assert result.keep == pods[:1] and result.stop == pods[1:] and result.start == []


def test_state_round_trips_through_stack_json(tmp_path):
    stack_dir = StackDir(tmp_path / "stack")
    assert stack_dir.load() is None
    state = StackState(gateway_port=8080, admin_port=9901, manifests=["a.yaml"], envoy_pid=12,
                       envoy_started=34, pods=[pod(deployment("details-v1"), "ccccc", pid=99)],
                       mesh_config={"enableTracing": False}, prometheus_pid=56, prometheus_started=78,
                       prometheus_port=9090)
    stack_dir.save(state)
    assert stack_dir.load() == state
    assert state.gateway_url == "http://localhost:8080/productpage"
    stack_dir.clear()
    assert stack_dir.load() is None


def test_a_recorded_stack_whose_processes_are_gone_is_not_alive(tmp_path):
    state = StackState(gateway_port=8080, admin_port=9901, manifests=[], envoy_pid=2 ** 22 + 1,
                       pods=[pod(deployment("details-v1"), "ddddd", pid=2 ** 22 + 2)], prometheus_pid=2 ** 22 + 3)
    assert not state.any_alive()
