"""kubectl's object verbs: ``apply``, ``delete``, ``get`` and ``wait``, as the pages type them."""
from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone

from bookinfo.cli.output import EXIT_OK, print_lines, verb
from bookinfo.cli.stack import reconcile
from bookinfo.errors import SettingsError
from bookinfo.mesh.durations import DurationError, seconds
from bookinfo.objects import jsonpath, selectors
from bookinfo.objects.kinds import Kind
from bookinfo.objects.kubectl_get import GetError, GetRequest, get_lines, resolve, select, table_rows
from bookinfo.objects.kubectl_output import error, out
from bookinfo.objects.record import DEFAULT_NAMESPACE, object_key
from bookinfo.runner.admission import admit
from bookinfo.runner.config import RunnerConfig
from bookinfo.runner.lifecycle import delete_pods
from bookinfo.runner.views import cluster_objects

WATCH_INTERVAL_S = 0.5


def register(commands: argparse._SubParsersAction) -> None:
    apply = verb(commands, "apply", "store objects and update the running stack", """
bookinfo apply -f networking/virtual-service-all-v1.yaml
kubectl kustomize ... | bookinfo apply -f -""")
    apply.add_argument("-f", "--filename", dest="paths", action="append", required=True,
                       metavar="FILE|DIR", help="manifest file or directory, '-' for stdin")
    apply.set_defaults(handler=_apply)

    delete = verb(commands, "delete", "remove objects (or pods, which their Deployment replaces)", """
bookinfo delete -f networking/virtual-service-all-v1.yaml
bookinfo delete virtualservice reviews
bookinfo delete destinationrule productpage reviews ratings details --ignore-not-found
bookinfo delete pod -l app=details""")
    delete.add_argument("resources", nargs="*", metavar="KIND [NAME...] | KIND/NAME...")
    delete.add_argument("-f", "--filename", dest="paths", action="append", metavar="FILE|DIR",
                        help="manifest file or directory, '-' for stdin")
    delete.add_argument("-l", "--selector", help="label selector, e.g. app=reviews,version!=v1")
    delete.add_argument("--all", action="store_true", help="every object of the kind")
    delete.add_argument("--ignore-not-found", action="store_true", help="a missing object is not an error")
    _namespace_flags(delete)
    delete.set_defaults(handler=_delete)

    get = verb(commands, "get", "list objects and pods as kubectl does", """
bookinfo get pods
bookinfo get pods -o wide --show-labels
bookinfo get all
bookinfo get deploy,svc -l app=reviews
bookinfo get pod -l app=ratings -o jsonpath='{.items[0].metadata.name}'
bookinfo get pods -o custom-columns=NAME:.metadata.name,RESTARTS:.status.containerStatuses[0].restartCount
bookinfo get gtw bookinfo-gateway -o yaml
bookinfo get pods -w""")
    get.add_argument("resources", nargs="+", metavar="KIND[,KIND...] [NAME...] | KIND/NAME...")
    get.add_argument("-o", "--output", help="wide, yaml, json, name, jsonpath=TEMPLATE or custom-columns=SPEC")
    get.add_argument("-l", "--selector", help="label selector, e.g. app=reviews,version in (v1,v2)")
    get.add_argument("--show-labels", action="store_true", help="add a LABELS column")
    get.add_argument("-w", "--watch", action="store_true", help="after the list, print each change (Ctrl-C ends)")
    _namespace_flags(get)
    get.set_defaults(handler=_get)

    wait = verb(commands, "wait", "wait until objects meet a condition, or are deleted", """
bookinfo wait --for=condition=programmed gtw bookinfo-gateway
bookinfo wait --for=condition=Available deployment/reviews-v2 --timeout=60s
bookinfo wait --for=condition=Ready pods --all
bookinfo wait --for=jsonpath='{.status.phase}'=Running pod -l app=ratings
bookinfo wait --for=delete pod/details-v1-abcde12345-xyz12""")
    wait.add_argument("resources", nargs="+", metavar="KIND [NAME...] | KIND/NAME...")
    wait.add_argument("--for", dest="condition", required=True,
                      help="condition=NAME[=VALUE], delete, or jsonpath=TEMPLATE=VALUE")
    wait.add_argument("--timeout", default="30s", help="how long to wait (default 30s)")
    wait.add_argument("-l", "--selector", help="label selector")
    wait.add_argument("--all", action="store_true", help="every object of the kind")
    _namespace_flags(wait)
    wait.set_defaults(handler=_wait)


def _namespace_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", "--namespace", default=DEFAULT_NAMESPACE, help="namespace (default: default)")
    parser.add_argument("-A", "--all-namespaces", action="store_true", help="every namespace")


def _apply(config: RunnerConfig, args: argparse.Namespace) -> int:
    from bookinfo.objects import load_paths
    from bookinfo.objects.store import Store

    lines = Store(config.home).apply(load_paths(args.paths), admit=admit)
    return print_lines(lines) or reconcile(config)


def _delete(config: RunnerConfig, args: argparse.Namespace) -> int:
    from bookinfo.objects import load_paths
    from bookinfo.objects.store import Store

    store = Store(config.home)
    if args.paths:
        if args.resources:
            return print_lines([error("error: when paths are given, resources may not be named as arguments")])
        failed = print_lines(store.delete(load_paths(args.paths), args.ignore_not_found))
        return reconcile(config) or failed
    if not args.resources:
        return print_lines([error("error: You must provide one or more resources by argument or filename.")])
    try:
        targets = _targets(cluster_objects(config), args)
    except (GetError, selectors.SelectorError) as refused:
        return print_lines([error(f"error: {refused}")])
    lines = []
    for kind, names in targets:
        if (kind.group, kind.kind) == ("", "Pod"):
            deleted = delete_pods(config, names)
            lines += [out(f'pod "{name}" deleted') for name in deleted]
            lines += [error(f'Error from server (NotFound): pods "{name}" not found')
                      for name in names if name not in deleted and not args.ignore_not_found]
        elif kind.kind == "ReplicaSet":
            lines.append(error("error: the local runner makes ReplicaSets from Deployments: delete the "
                               "Deployment or its pods"))
        else:
            lines += store.delete_named(kind, args.namespace, names, args.ignore_not_found)
    failed = print_lines(lines)
    return reconcile(config) or failed


def _targets(objects: list[dict], args: argparse.Namespace) -> list[tuple[Kind, list[str]]]:
    """(kind, names) from ``KIND NAME...``, ``KIND/NAME...``, ``KIND --all`` or ``KIND -l``."""
    wanted = resolve(args.resources, objects)
    if wanted.names:
        return [(kind, wanted.names[kind.group, kind.kind]) for kind in wanted.kinds]
    if not (args.all or args.selector):
        raise GetError("resource(s) were provided, but no name was specified")
    request = GetRequest(tuple(args.resources), namespace=args.namespace, selector=args.selector)
    selector = selectors.parse(args.selector)
    return [(kind, sorted(o["metadata"]["name"] for o in select(objects, kind, request, selector)))
            for kind in wanted.kinds]


def _request(args: argparse.Namespace) -> GetRequest:
    return GetRequest(tuple(args.resources), namespace=args.namespace, all_namespaces=args.all_namespaces,
                      selector=args.selector, output=args.output, show_labels=args.show_labels)


def _get(config: RunnerConfig, args: argparse.Namespace) -> int:
    request = _request(args)
    status = print_lines(get_lines(cluster_objects(config), request, datetime.now(timezone.utc)))
    if not args.watch or status:
        return status
    try:
        _watch(config, request)
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _watch(config: RunnerConfig, request: GetRequest) -> None:
    """kubectl's ``-w``: a row again whenever an object's row changes (its age aside)."""
    shown = _rows(config, request)
    widths: dict[str, list[int]] = {}
    while True:
        time.sleep(WATCH_INTERVAL_S)
        rows = _rows(config, request)
        for key, (headers, row) in rows.items():
            age = headers.index("AGE") if "AGE" in headers else None
            if key in shown and _without(shown[key][1], age) == _without(row, age):
                continue
            width = widths.setdefault(key[0], [len(h) + 3 for h in headers])
            print("".join(cell.ljust(max(w, len(cell) + 3)) for cell, w in zip(row[:-1], width)) + row[-1],
                  flush=True)
        shown = rows


def _rows(config: RunnerConfig, request: GetRequest) -> dict[tuple[str, str], tuple[list[str], list[str]]]:
    objects = cluster_objects(config)
    wanted = resolve(request.resources, objects)
    selector = selectors.parse(request.selector)
    now = datetime.now(timezone.utc)
    rows = {}
    for kind in wanted.kinds:
        for obj in select(objects, kind, request, selector):
            headers, [row] = table_rows(kind, [obj], request, now, prefixed=wanted.several_kinds)
            rows[kind.kind, f"{object_key(obj)[2]}/{obj['metadata']['name']}"] = (headers, row)
    return rows


def _without(row: list[str], index: int | None) -> list[str]:
    return row if index is None else row[:index] + row[index + 1:]


# --- wait -------------------------------------------------------------------------------------

def _wait(config: RunnerConfig, args: argparse.Namespace) -> int:
    try:
        timeout = seconds(args.timeout)
    except DurationError:
        raise SettingsError(f"--timeout: invalid duration {args.timeout!r} (for example 30s, 2m, 1m30s)") from None
    met = _condition(args.condition)
    try:
        objects = cluster_objects(config)
        targets = _targets(objects, args)
    except (GetError, selectors.SelectorError) as refused:
        return print_lines([error(f"error: {refused}")])
    existing = {(kind.group, kind.kind, o["metadata"]["name"]) for o in objects for kind, _ in targets
                if object_key(o)[:2] == (kind.group, kind.kind) and object_key(o)[2] == args.namespace}
    if met is None:  # --for=delete: a missing object is already deleted
        pending = [(kind, name) for kind, names in targets for name in names
                   if (kind.group, kind.kind, name) in existing]
    else:
        missing = [error(f'Error from server (NotFound): {kind.resource} "{name}" not found')
                   for kind, names in targets for name in names if (kind.group, kind.kind, name) not in existing]
        if missing:
            return print_lines(missing)
        pending = [(kind, name) for kind, names in targets for name in names]
    if not pending and met is not None:
        return print_lines([error("error: no matching resources found")])
    deadline = time.monotonic() + timeout
    while True:
        objects = {(object_key(o)[0], object_key(o)[1], o["metadata"]["name"]): o for o in cluster_objects(config)
                   if object_key(o)[2] == args.namespace}
        for kind, name in list(pending):
            obj = objects.get((kind.group, kind.kind, name))
            if (obj is None) if met is None else (obj is not None and met(obj)):
                pending.remove((kind, name))
                print(f"{kind.qualified_singular}/{name} condition met", flush=True)
        if not pending:
            return EXIT_OK
        if time.monotonic() >= deadline:
            kind, name = pending[0]
            return print_lines([error(f"error: timed out waiting for the condition on {kind.plural}/{name}")])
        time.sleep(WATCH_INTERVAL_S)


def _condition(spec: str):
    """``--for``: None for ``delete``, else a test of one object."""
    if spec == "delete":
        return None
    what, _, rest = spec.partition("=")
    if what == "condition" and rest:
        name, _, value = rest.partition("=")
        value = value or "True"

        def has_condition(obj: dict) -> bool:
            return any(c.get("type", "").lower() == name.lower() and str(c.get("status", "")).lower() == value.lower()
                       for c in (obj.get("status") or {}).get("conditions") or [])
        return has_condition
    if what == "jsonpath" and rest:
        # '{.status.phase}'=Running (or .status.phase=Running); without a value: the field exists.
        template, _, value = rest.partition("}=") if "}" in rest else rest.partition("=")
        template = template + "}" if "}" in rest and not template.endswith("}") else template

        def matches(obj: dict) -> bool:
            found = jsonpath.find(template, obj)
            return bool(found) and (not value or jsonpath.text_of(found[0]) == value)
        return matches
    raise SettingsError(f"--for: unrecognized condition {spec!r} (condition=NAME[=VALUE], delete, "
                        "or jsonpath=TEMPLATE=VALUE)")
