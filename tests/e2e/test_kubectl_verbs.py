"""kubectl's and istioctl's verbs as istio.io's Bookinfo pages type them, with `bookinfo`
in their place, against one running stack: exec, logs (the application's output and the
sidecar's access log), delete by name, analyze and proxy-config."""
from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading

import requests

from tests.support.net import wait_until
from tests.support.runner import REPO, RunningStack

MANIFESTS = ("platform/kube/bookinfo.yaml", "networking/bookinfo-gateway.yaml")
TITLE = "<title>Simple Bookstore App</title>"
# Istio's default access log format, one field after another.
ACCESS_LINE = re.compile(
    r'^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] "GET /productpage HTTP/1\.1" 200 - via_upstream - "-" '
    r'0 \d+ \d+ \d+ "-" "curl/[^"]+" "[0-9a-f-]{36}" "productpage:9080" "127\.0\.0\.1:\d+" '
    r"outbound\|9080\|\|productpage\.default\.svc\.cluster\.local 127\.0\.0\.1:\d+ 127\.0\.0\.1:\d+ "
    r"127\.0\.0\.1:\d+ - default$")


def shell(stack: RunningStack, script: str) -> subprocess.CompletedProcess:
    """``script`` in bash with ``bookinfo`` standing for this stack's command, as a user types it."""
    prelude = f'bookinfo() {{ "{sys.executable}" -m bookinfo --home "{stack.home}" "$@"; }}\n'
    return subprocess.run(["bash", "-c", prelude + script], cwd=REPO, capture_output=True, text=True, timeout=60)


def pod_name(stack: RunningStack, app: str) -> str:
    return stack.run("get", "pod", "-l", f"app={app}", "-o", "jsonpath={.items[0].metadata.name}").stdout


def test_the_pages_exec_line_prints_the_title(stack):
    result = shell(stack, """bookinfo exec "$(bookinfo get pod -l app=ratings -o jsonpath='{.items[0].metadata.name}')" \
-c ratings -- curl -sS productpage:9080/productpage | grep -o "<title>.*</title>\"""")
    assert result.returncode == 0, result.stderr
    assert result.stdout == TITLE + "\n"


def test_exec_resolves_service_names_through_the_pods_sidecar(stack):
    assert stack.apply(REPO / "networking/destination-rule-all.yaml", REPO / "networking/virtual-service-reviews-v3.yaml")
    try:
        # The pod's view: reviews routes to v3 for everyone, under any spelling of its name.
        for host in ("reviews:9080", "reviews.default:9080", "reviews.default.svc.cluster.local:9080"):
            body = stack.run("exec", "deploy/productpage-v1", "--", "curl", "-s", f"http://{host}/reviews/0").stdout
            assert '"color": "red"' in body or '"color":"red"' in body, body
    finally:
        stack.run("delete", "-f", REPO / "networking/virtual-service-reviews-v3.yaml")
        stack.run("delete", "-f", REPO / "networking/destination-rule-all.yaml")
    failed = stack.run("exec", "deploy/reviews-v1", "--", "sh", "-c", "exit 3")
    assert failed.returncode == 3 and failed.stderr == "command terminated with exit code 3\n"
    unknown = stack.run("exec", "deploy/reviews-v1", "-c", "nope", "--", "true")
    assert unknown.returncode == 1 and 'container not found ("nope")' in unknown.stderr


def test_logs_show_the_applications_output_and_the_sidecars_access_log(stack):
    ratings = pod_name(stack, "ratings")
    assert stack.run("exec", ratings, "-c", "ratings", "--", "curl", "-sS", "-o", "/dev/null",
                     "productpage:9080/productpage").returncode == 0
    wait_until(lambda: ACCESS_LINE.match(stack.run("logs", ratings, "-c", "istio-proxy", "--tail", "1").stdout),
               timeout=10, what="the request in the ratings sidecar's access log")
    productpage = stack.run("logs", "deploy/productpage-v1", "--tail", "3")
    assert productpage.returncode == 0 and '"GET /productpage HTTP/1.1" 200' in productpage.stdout
    stamped = stack.run("logs", "deploy/productpage-v1", "--tail", "1", "--timestamps").stdout
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \S", stamped)
    assert stack.run("logs", "deploy/productpage-v1", "--since", "1h").stdout.count("\n") > 3
    requests.get(stack.url + "/productpage", timeout=20)
    wait_until(lambda: '"GET /productpage HTTP/1.1" 200' in stack.run(
        "logs", "deploy/istio-ingressgateway", "-n", "istio-system", "--tail", "1").stdout,
        timeout=10, what="the gateway's access log line")
    reviews = stack.run("logs", "-l", "app=reviews", "--prefix", "--tail", "1").stdout.splitlines()
    assert sorted(line.split("/")[1].rsplit("-", 2)[0] for line in reviews) == ["reviews-v1", "reviews-v2", "reviews-v3"]
    missing = stack.run("logs", "deploy/details-v1", "-c", "nope")
    assert missing.returncode == 1 and "container nope is not valid for pod details-v1-" in missing.stderr


def test_logs_follow_prints_new_lines_until_interrupted(stack):
    follow = subprocess.Popen([sys.executable, "-m", "bookinfo", "--home", str(stack.home), "logs",
                               "deploy/details-v1", "-f", "--tail", "0"], stdout=subprocess.PIPE, text=True)
    printed: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [printed.put(line) for line in follow.stdout], daemon=True).start()
    seen: list[str] = []

    def details_call_followed() -> bool:
        requests.get(stack.url + "/productpage", timeout=20)
        while not printed.empty():
            seen.append(printed.get())
        return any('"GET /details/0 HTTP/1.1" 200' in line for line in seen)

    try:
        wait_until(details_call_followed, timeout=20, interval=0.5, what="a new details line while following")
    finally:
        follow.send_signal(signal.SIGINT)
        follow.wait(timeout=20)
    assert follow.returncode == 0


def test_logs_previous_shows_the_run_before_a_restart(stack):
    nothing = stack.run("logs", "deploy/ratings-v1", "-p")
    assert nothing.returncode == 1 and "previous terminated container \"ratings\"" in nothing.stderr
    [pod] = [p for p in stack.state()["pods"] if p["deployment"] == "ratings-v1"]
    os.killpg(pod["pid"], signal.SIGKILL)
    wait_until(lambda: stack.run("logs", "deploy/ratings-v1", "-p").returncode == 0, timeout=15,
               what="the previous log")
    assert "Booting worker" in stack.run("logs", "deploy/ratings-v1", "-p").stdout


def test_delete_by_kind_and_name_with_kubectls_lines(stack):
    assert stack.apply(REPO / "networking/virtual-service-all-v1.yaml")
    deleted = stack.run("delete", "virtualservice", "reviews", "ratings")
    assert deleted.returncode == 0
    assert deleted.stdout.splitlines() == ['virtualservice.networking.istio.io "reviews" deleted',
                                           'virtualservice.networking.istio.io "ratings" deleted']
    again = stack.run("delete", "vs", "reviews")
    assert again.returncode == 1
    assert again.stderr == 'Error from server (NotFound): virtualservices.networking.istio.io "reviews" not found\n'
    quiet = stack.run("delete", "vs", "reviews", "details", "--ignore-not-found")
    assert quiet.returncode == 0 and quiet.stdout == 'virtualservice.networking.istio.io "details" deleted\n'
    assert stack.run("delete", "vs", "productpage").returncode == 0
    assert [line.split()[0] for line in stack.run("get", "vs").stdout.splitlines()] == ["NAME", "bookinfo"]
    assert stack.apply(REPO / "networking/destination-rule-all.yaml")
    assert stack.run("delete", "dr", "--all").stdout.splitlines() == [
        f'destinationrule.networking.istio.io "{name}" deleted'
        for name in ("details", "productpage", "ratings", "reviews")]
    assert stack.run("get", "dr").stderr == "No resources found in default namespace.\n"


def test_analyze_names_the_subsets_no_destination_rule_defines(stack):
    clean = stack.run("analyze")
    assert clean.returncode == 0
    assert clean.stderr == "\u2714 No validation issues found when analyzing namespace: default.\n"
    assert stack.apply(REPO / "networking/virtual-service-all-v1.yaml")
    try:
        found = stack.run("analyze")
        assert found.returncode == 79
        assert found.stdout.splitlines() == [
            f'Error [IST0101] (VirtualService default/{name}) Referenced host+subset in destinationrule '
            f'not found: "{name}+v1"' for name in ("details", "productpage", "ratings", "reviews")]
        assert found.stderr.splitlines() == [
            "Error: Analyzers found issues when analyzing namespace: default.",
            "See https://istio.io/v1.30/docs/reference/config/analysis for more information about causes "
            "and resolutions."]
        assert stack.apply(REPO / "networking/destination-rule-all.yaml")
        fixed = stack.run("analyze")
        # With every subset defined, only the subsets no running pod has remain (ratings v2...).
        assert "IST0101" not in fixed.stdout and "(DestinationRule default/ratings) The Subset v2 " in fixed.stdout
    finally:
        stack.run("delete", "-f", REPO / "networking/virtual-service-all-v1.yaml")
        stack.run("delete", "-f", REPO / "networking/destination-rule-all.yaml", "--ignore-not-found")


def test_analyze_names_a_gateway_selector_without_a_gateway_and_conflicting_virtual_services(stack):
    objects = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: elsewhere}
spec:
  selector: {istio: egressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-a}
spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews}}]}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-b}
spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews}}]}]}
"""
    stack.apply("-", stdin=objects)
    try:
        found = stack.run("analyze").stdout.splitlines()
        assert 'Error [IST0101] (Gateway default/elsewhere) Referenced selector not found: "istio=egressgateway"' in found
        conflict = ("associated with mesh gateway define the same host */reviews.default.svc.cluster.local which "
                    "can lead to undefined behavior.")
        assert [line.split(")")[0] for line in found if conflict in line] == [
            "Error [IST0109] (VirtualService default/reviews-a", "Error [IST0109] (VirtualService default/reviews-b"]
    finally:
        stack.run("delete", "-f", "-", stdin=objects)


def test_proxy_config_shows_a_pods_listeners_routes_clusters_and_endpoints(stack):
    pod = pod_name(stack, "productpage")
    listeners = stack.run("proxy-config", "listeners", pod).stdout.splitlines()
    assert listeners[0].split() == ["ADDRESSES", "PORT", "MATCH", "DESTINATION"]
    assert any(line.endswith(f"Route: outbound|{pod}|reviews|9080") for line in listeners)
    routes = stack.run("proxy-config", "routes", f"{pod}.default").stdout.splitlines()
    assert routes[0].split() == ["NAME", "DOMAINS", "MATCH", "VIRTUAL", "SERVICE"]
    assert any(line.split()[:3] == [f"outbound|{pod}|details|9080", "*", "/*"] for line in routes)
    clusters = stack.run("pc", "clusters", "deploy/productpage-v1", "--fqdn", "reviews.default.svc.cluster.local")
    assert clusters.stdout.splitlines()[1].split() == ["reviews.default.svc.cluster.local", "9080", "-",
                                                       "outbound", "STATIC"]
    endpoints = stack.run("pc", "endpoints", pod, "--cluster", "outbound|9080||reviews.default.svc.cluster.local")
    ports = {p["inbound"] for p in stack.state()["pods"] if p["labels"]["app"] == "reviews"}  # their sidecars
    assert {line.split()[0] for line in endpoints.stdout.splitlines()[1:]} == {f"127.0.0.1:{p}" for p in ports}
    assert all(line.split()[1:3] == ["HEALTHY", "OK"] for line in endpoints.stdout.splitlines()[1:])
    gateway = stack.run("pc", "routes", "deploy/istio-ingressgateway", "-n", "istio-system").stdout
    assert "gateway" in gateway and "/productpage" in gateway and "bookinfo.default" in gateway


def test_wait_for_a_condition_a_jsonpath_value_and_a_deletion(stack):
    available = stack.run("wait", "--for=condition=Available", "deployment/details-v1", "--timeout=30s")
    assert available.stdout == "deployment.apps/details-v1 condition met\n"
    running = stack.run("wait", "--for=jsonpath={.status.phase}=Running", "pod", "-l", "app=details")
    assert running.stdout == f"pod/{pod_name(stack, 'details')} condition met\n"
    name = pod_name(stack, "details")
    waiting = subprocess.Popen([sys.executable, "-m", "bookinfo", "--home", str(stack.home), "wait",
                                "--for=delete", f"pod/{name}", "--timeout=60s"], stdout=subprocess.PIPE, text=True)
    try:
        assert stack.run("delete", "pod", name).returncode == 0
        output, _ = waiting.communicate(timeout=60)
    finally:
        waiting.kill()
    assert waiting.returncode == 0 and output == f"pod/{name} condition met\n"
    timed_out = stack.run("wait", "--for=condition=Ready=false", f"pod/{pod_name(stack, 'details')}", "--timeout=1s")
    assert timed_out.returncode == 1
    assert timed_out.stderr == f"error: timed out waiting for the condition on pods/{pod_name(stack, 'details')}\n"
