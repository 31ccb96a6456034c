"""Access logs and the Telemetry API end to end: every sidecar and the gateway log in
Istio's default format (the demo profile's default), readable with ``bookinfo logs ...
-c istio-proxy``; a Telemetry object turns one workload's logs off while the others go
on, and a filter expression keeps only the lines it selects."""
from __future__ import annotations

import re
import secrets

import requests

from tests.support.net import wait_until
from tests.support.runner import REPO, RunningStack

MANIFESTS = ("platform/kube/bookinfo.yaml", "networking/bookinfo-gateway.yaml")
ISTIO_LINE = re.compile(r'^\[[0-9T:.-]+Z\] "(?P<method>[A-Z]+) (?P<path>\S+) HTTP/1\.1" (?P<code>\d{3}) ')


def proxy_log(stack: RunningStack, selector: str) -> list[str]:
    """``bookinfo logs -l SELECTOR -c istio-proxy --tail=-1``: the sidecars' access log
    lines (with a selector, kubectl shows the last 10 of each unless told otherwise)."""
    result = stack.run("logs", "-l", selector, "-c", "istio-proxy", "--tail=-1")
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def page_views(stack: RunningStack, count: int) -> list[str]:
    """``count`` page views, each with a User-Agent of its own (which the access log shows
    and the services forward; the gateway replaces an outside ``x-request-id``); those."""
    ids = []
    for _ in range(count):
        request_id = f"viewer-{secrets.token_hex(8)}"
        page = requests.get(stack.url + "/productpage", headers={"user-agent": request_id}, timeout=30)
        assert page.status_code == 200
        ids.append(request_id)
    return ids


def logged(stack: RunningStack, selector: str, ids: list[str]) -> bool:
    text = "\n".join(proxy_log(stack, selector))
    return all(request_id in text for request_id in ids)


def change(stack: RunningStack, *args: str, stdin: str | None = None) -> None:
    """``bookinfo apply|delete ...``, then page views until each reviews version has served
    one: a kept-alive connection to a replaced listener serves one more request
    (docs/local-runner.md#changing-a-running-stack)."""
    result = stack.run(*args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    served: set[str] = set()

    def version() -> str:
        page = requests.get(stack.url + "/productpage", timeout=30).text
        return "v1" if "glyphicon-star" not in page else ("v2" if "text-black-500" in page else "v3")

    wait_until(lambda: served.add(version()) or len(served) == 3, timeout=60,
               what="a page view through each reviews version")


def test_every_sidecar_and_the_gateway_log_each_hop_in_istios_format(stack):
    [request_id] = page_views(stack, 1)
    wait_until(lambda: logged(stack, "app=productpage", [request_id]) and logged(stack, "app=details", [request_id]),
               what="the page view in productpage's and details' proxy logs")
    lines = [line for line in proxy_log(stack, "app=productpage") if request_id in line]
    assert {(m["method"], m["path"], m["code"]) for m in map(ISTIO_LINE.match, lines)} == {
        ("GET", "/productpage", "200"), ("GET", "/details/0", "200"), ("GET", "/reviews/0", "200")}
    gateway = stack.run("logs", "deploy/istio-ingressgateway", "-c", "istio-proxy").stdout
    assert request_id in gateway


def test_a_telemetry_object_turns_one_workloads_logs_off_and_the_others_go_on(stack):
    change(stack, "apply", "-f", "-", stdin="""apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: reviews-quiet}
spec:
  selector: {matchLabels: {app: reviews}}
  accessLogging: [{providers: [{name: envoy}], disabled: true}]
""")
    try:
        ids = page_views(stack, 5)
        wait_until(lambda: logged(stack, "app=productpage", ids) and logged(stack, "app=details", ids),
                   what="the five views in productpage's and details' proxy logs")
        # Written in the same flush as productpage's lines, had they been written at all.
        assert not any(i in line for line in proxy_log(stack, "app=reviews") for i in ids)
    finally:
        change(stack, "delete", "telemetry", "reviews-quiet")
    ids = page_views(stack, 1)
    wait_until(lambda: logged(stack, "app=reviews", ids), what="reviews logging again once the Telemetry is gone")


def test_a_filter_expression_keeps_only_the_5xx_lines(stack):
    change(stack, "apply", "-f", str(REPO / "networking/fault-injection-details-v1.yaml"), "-f", "-",
           stdin="""apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: productpage-errors}
spec:
  selector: {matchLabels: {app: productpage}}
  accessLogging: [{filter: {expression: "response.code >= 500"}}]
""")
    try:
        ids = page_views(stack, 4)
        wait_until(lambda: logged(stack, "app=productpage", ids), what="the four views' details errors")
        lines = [line for line in proxy_log(stack, "app=productpage") if any(i in line for i in ids)]
        assert len(lines) == 4
        assert {(m["path"], m["code"]) for m in map(ISTIO_LINE.match, lines)} == {("/details/0", "555")}
        wait_until(lambda: logged(stack, "app=reviews", ids), what="the reviews sidecars, unfiltered, logging on")
    finally:
        change(stack, "delete", "-f", str(REPO / "networking/fault-injection-details-v1.yaml"))
        change(stack, "delete", "telemetry", "productpage-errors")
