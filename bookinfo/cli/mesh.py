"""istioctl's verbs for the local mesh: ``analyze`` and ``proxy-config``."""
from __future__ import annotations

import argparse
import json
import sys

from bookinfo.cli.output import EXIT_OK, verb
from bookinfo.cli.pods import pods_named, running_state
from bookinfo.envoy import admin
from bookinfo.errors import RunnerError, SettingsError
from bookinfo.mesh.model import GATEWAY_WORKLOAD
from bookinfo.objects.crd_schemas import catalogs
from bookinfo.objects.record import object_key
from bookinfo.runner import analysis, proxy_config
from bookinfo.runner.config import RunnerConfig
from bookinfo.runner.stack import StackDir

# istioctl's exit status when the analysis finds issues at or above the failure threshold.
EXIT_ANALYZER_FOUND_ISSUES = 79
PROXY_CONFIG_KINDS = {"listener": "listeners", "listeners": "listeners", "route": "routes", "routes": "routes",
                      "cluster": "clusters", "clusters": "clusters", "endpoint": "endpoints",
                      "endpoints": "endpoints"}


def register(commands: argparse._SubParsersAction) -> None:
    analyze = verb(commands, "analyze", "check the applied Istio configuration as istioctl analyze does", """
bookinfo analyze
bookinfo analyze -A
bookinfo analyze networking/virtual-service-all-v1.yaml     # as if it were applied""")
    analyze.add_argument("files", nargs="*", metavar="FILE", help="manifests to analyse as if applied")
    analyze.add_argument("-n", "--namespace", default="default", help="namespace (default: default)")
    analyze.add_argument("-A", "--all-namespaces", action="store_true", help="every namespace")
    analyze.add_argument("--failure-threshold", default="Error", type=str.capitalize, choices=analysis.LEVELS,
                         help="the level of a message that makes the exit status non-zero (default Error)")
    analyze.add_argument("--output-threshold", default="Info", type=str.capitalize, choices=analysis.LEVELS,
                         help="the lowest level of message shown (default Info)")
    analyze.set_defaults(handler=_analyze)

    config = verb(commands, "proxy-config", "show a pod's sidecar configuration as istioctl proxy-config does", """
bookinfo proxy-config listeners productpage-v1-dfjqmkjzvn-lqjmj
bookinfo proxy-config routes deploy/reviews-v1
bookinfo proxy-config clusters deploy/productpage-v1 --fqdn reviews.default.svc.cluster.local
bookinfo pc endpoints deploy/productpage-v1 --cluster "outbound|9080|v1|reviews.default.svc.cluster.local"
bookinfo proxy-config routes deploy/istio-ingressgateway -n istio-system""", aliases=("pc",))
    config.add_argument("kind", choices=sorted(PROXY_CONFIG_KINDS), metavar="listeners|routes|clusters|endpoints")
    config.add_argument("target", metavar="POD[.NAMESPACE] | deploy/NAME")
    config.add_argument("-n", "--namespace", default="default", help="namespace (default: default)")
    config.add_argument("-o", "--output", default="short", choices=("short", "json"), help="short (tables) or json")
    config.add_argument("--port", type=int, help="only this port (listeners, clusters)")
    config.add_argument("--name", help="only the route configuration of this name (routes)")
    config.add_argument("--fqdn", help="only this service (clusters)")
    config.add_argument("--subset", help="only this subset (clusters)")
    config.add_argument("--direction", help="only this direction, inbound or outbound (clusters)")
    config.add_argument("--cluster", help="only this cluster (endpoints)")
    config.add_argument("--status", help="only endpoints with this health, e.g. healthy (endpoints)")
    config.set_defaults(handler=_proxy_config)


def _analyze(config: RunnerConfig, args: argparse.Namespace) -> int:
    from bookinfo.objects import load_paths
    from bookinfo.objects.store import Store

    objects = {object_key(o): o for o in Store(config.home).objects()}
    if args.files:
        objects.update((record.key, record.obj) for record in load_paths(args.files))
    state = StackDir(config.stack_dir).load()
    if state is not None and state.any_alive():
        workloads = [{**pod.labels, "pod-template-hash": pod.template_hash} for pod in state.pods]
    else:
        workloads = [((o["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
                     for key, o in objects.items() if key[:2] == ("apps", "Deployment")]
    namespace = None if args.all_namespaces else args.namespace
    messages = analysis.analyze(list(objects.values()), workloads, namespace)
    shown = [m for m in messages if analysis.LEVELS.index(m.level) <= analysis.LEVELS.index(args.output_threshold)]
    target = "all namespaces" if namespace is None else f"namespace: {namespace}"
    print("\n".join(str(m) for m in shown))
    if not shown:
        analyzed = ", ".join(args.files) if args.files else target
        print(f"\u2714 No validation issues found when analyzing {analyzed}.", file=sys.stderr)
    failing = analysis.LEVELS.index(args.failure_threshold)
    if any(analysis.LEVELS.index(m.level) <= failing for m in messages):
        release = catalogs()["istio.json"]["source"]["version"]
        print(f"Error: Analyzers found issues when analyzing {target}.\n"
              f"See https://istio.io/v{release}/docs/reference/config/analysis for more information about "
              "causes and resolutions.", file=sys.stderr)
        return EXIT_ANALYZER_FOUND_ISSUES
    return EXIT_OK


def _proxy_config(config: RunnerConfig, args: argparse.Namespace) -> int:
    from bookinfo.objects.store import Store

    state = running_state(config)
    kind = PROXY_CONFIG_KINDS[args.kind]
    target = args.target
    if target.rpartition("/")[2] == GATEWAY_WORKLOAD or target.startswith(GATEWAY_WORKLOAD + "-"):
        pod = GATEWAY_WORKLOAD
    else:
        name, _, namespace = target.partition(".") if "/" not in target else (target, "", "")
        if namespace and namespace != args.namespace and namespace != "default":
            raise RunnerError(f'Error from server (NotFound): pods "{name}" not found')
        pod = pods_named(state, name, None)[0].name
    if kind == "endpoints":
        statuses = admin.clusters(state.admin_port)
        if args.output == "json":
            return _json([c for c in statuses.get("cluster_statuses", [])
                          if not args.cluster or c["name"] == args.cluster])
        return _lines(proxy_config.endpoints_table(statuses, args.cluster, args.status))
    dump = admin.config_dump(state.admin_port)
    objects = Store(config.home).objects()
    if args.output == "json":
        found = {"listeners": lambda: proxy_config.listener_objects(dump, pod),
                 "routes": lambda: proxy_config.route_objects(dump, pod),
                 "clusters": lambda: proxy_config.cluster_objects(dump)}[kind]()
        return _json(found)
    if kind == "listeners":
        return _lines(proxy_config.listeners_table(dump, pod, args.port))
    if kind == "routes":
        return _lines(proxy_config.routes_table(dump, pod, objects, args.name))
    if args.direction and args.direction not in ("inbound", "outbound"):
        raise SettingsError("--direction must be inbound or outbound")
    return _lines(proxy_config.clusters_table(dump, objects, args.fqdn, args.port, args.subset, args.direction))


def _lines(lines: list[str]) -> int:
    print("\n".join(lines))
    return EXIT_OK


def _json(value) -> int:
    print(json.dumps(value, indent=4))
    return EXIT_OK
