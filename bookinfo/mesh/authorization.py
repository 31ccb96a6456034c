"""AuthorizationPolicy -> Envoy's RBAC filters on the proxies the policies select.

Istio's evaluation, as its sidecar runs it: DENY policies first (a match denies), then
ALLOW policies (with any ALLOW policy in force, a request none matches is denied); with
no ALLOW policy the request is allowed. AUDIT policies only mark requests (Envoy's LOG
action). A denial is Envoy's ``403`` with body ``RBAC: access denied``. A policy without
rules (``allow-nothing``) matches nothing, so as an ALLOW policy it denies everything.

Each Istio rule becomes one Envoy policy: its ``from`` sources (any of them) are the
principals, its ``to`` operations (any) the permissions, and each ``when`` condition is
added to the side it describes. Values take Istio's wildcards (``*``, ``prefix*``,
``*suffix``). The caller's principal is the URI SAN of its mesh certificate, so rules on
``principals`` and ``namespaces`` only match callers that came over mutual TLS. A
request's principal is ``<iss>/<sub>`` of the JWT a RequestAuthentication validated,
read from the payload the JWT filter leaves in the request's metadata. Ports are the
workload port the listener stands for, so they are decided here, per listener.

On a TCP workload (a database) a rule with HTTP-only fields can never match: an ALLOW
policy drops such a rule, a DENY policy keeps it without those fields (denying more),
as Istio does.
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence

from . import envoy_types as t
from .identity import SPIFFE_SCHEME, TRUST_DOMAIN
from .registry import namespace_of
from .request_authentication import JWT_FILTER, JWT_PAYLOAD

ANY = {"any": True}
NEVER = {"not_rule": {"any": True}}
NOBODY = {"not_id": {"any": True}}
ACTIONS = (("AUDIT", "LOG"), ("DENY", "DENY"), ("ALLOW", "ALLOW"))
HTTP_SOURCE_FIELDS = ("requestPrincipals", "notRequestPrincipals")
HTTP_OPERATION_FIELDS = ("hosts", "notHosts", "methods", "notMethods", "paths", "notPaths")


def rbac_filters(policies: Sequence[dict], ports: Iterable[int], http: bool = True) -> list[dict]:
    """The RBAC filters (HTTP, or network for a TCP listener) for ``policies`` (the
    AuthorizationPolicies selecting one proxy, in apply order); ``ports`` are the ports the
    listener stands for."""
    ports = frozenset(ports)
    filters = []
    for action, envoy_action in ACTIONS:
        chosen = [p for p in policies if ((p.get("spec") or {}).get("action") or "ALLOW") == action]
        if not chosen:
            continue
        rules = {}
        for policy in chosen:
            for index, rule in enumerate((policy.get("spec") or {}).get("rules") or []):
                if not http:
                    rule = _for_tcp(rule, action)
                    if rule is None:
                        continue
                name = f"ns[{namespace_of(policy)}]-policy[{policy['metadata']['name']}]-rule[{index}]"
                rules[name] = _policy(rule, namespace_of(policy), ports)
        config = {"rules": {"action": envoy_action, "policies": rules}}
        if http:
            filters.append({"name": "envoy.filters.http.rbac", "typed_config": {"@type": t.HTTP_RBAC, **config}})
        else:
            filters.append({"name": "envoy.filters.network.rbac", "typed_config": {
                "@type": t.NETWORK_RBAC, "stat_prefix": "tcp.", **config}})
    return filters


def _for_tcp(rule: dict, action: str) -> dict | None:
    http_only = (any(f in (entry.get("source") or {}) for entry in rule.get("from") or [] for f in HTTP_SOURCE_FIELDS)
                 or any(f in (entry.get("operation") or {}) for entry in rule.get("to") or []
                        for f in HTTP_OPERATION_FIELDS)
                 or any(_is_http_key(c.get("key", "")) for c in rule.get("when") or []))
    if not http_only:
        return rule
    if action == "ALLOW":
        return None
    return {"from": [{"source": {k: v for k, v in (e.get("source") or {}).items() if k not in HTTP_SOURCE_FIELDS}}
                     for e in rule.get("from") or []],
            "to": [{"operation": {k: v for k, v in (e.get("operation") or {}).items()
                                  if k not in HTTP_OPERATION_FIELDS}} for e in rule.get("to") or []],
            "when": [c for c in rule.get("when") or [] if not _is_http_key(c.get("key", ""))]}


def _is_http_key(key: str) -> bool:
    return key.startswith(("request.", "remote."))


def _policy(rule: dict, namespace: str, ports: frozenset[int]) -> dict:
    permissions = [_any_of([_operation(entry.get("operation") or {}, ports) for entry in rule["to"]],
                           "or_rules") if rule.get("to") else ANY]
    principals = [_any_of([_source(entry.get("source") or {}, namespace) for entry in rule["from"]],
                          "or_ids") if rule.get("from") else {"any": True}]
    for condition in rule.get("when") or []:
        side, matcher = _condition(condition, namespace, ports)
        (permissions if side == "permission" else principals).append(matcher)
    return {"permissions": [_all_of(permissions, "and_rules")], "principals": [_all_of(principals, "and_ids")]}


def _operation(operation: dict, ports: frozenset[int]) -> dict:
    fields = {"hosts": lambda v: _header(":authority", v, ignore_case=True),
              "methods": lambda v: _header(":method", v),
              "paths": lambda v: {"url_path": {"path": _string(v)}},
              "ports": lambda v: ANY if int(v) in ports else NEVER}
    return _all_of(_fields(operation, fields, "or_rules", "not_rule"), "and_rules")


def _source(source: dict, namespace: str) -> dict:
    fields = {"principals": _principal,
              "namespaces": _namespace,
              "serviceAccounts": lambda v: _principal(_service_account(v, namespace)),
              "ipBlocks": lambda v: {"direct_remote_ip": _cidr(v)},
              "remoteIpBlocks": lambda v: {"remote_ip": _cidr(v)},
              "requestPrincipals": _request_principal}
    return _all_of(_fields(source, fields, "or_ids", "not_id"), "and_ids")


def _fields(spec: dict, fields: dict, any_of: str, negate: str) -> list[dict]:
    """Every set field as one matcher (any of its values); ``notX`` as the negation."""
    out = []
    for name, matcher in fields.items():
        negated = "not" + name[0].upper() + name[1:]
        if name in spec:
            out.append(_any_of([matcher(v) for v in spec[name]], any_of))
        if negated in spec:
            out.append({negate: _any_of([matcher(v) for v in spec[negated]], any_of)})
    return out


def _condition(condition: dict, namespace: str, ports: frozenset[int]) -> tuple[str, dict]:
    """(``permission`` or ``principal``, matcher) for one ``when`` condition."""
    key = condition["key"]
    header = re.fullmatch(r"request\.headers\[(.+)\]", key)
    claims = re.fullmatch(r"request\.auth\.claims((?:\[[^\]]+\])+)", key)
    if header:
        side, matcher = "permission", lambda v: _header(header.group(1).lower(), v)
    elif key == "destination.port":
        side, matcher = "permission", lambda v: ANY if int(v) in ports else NEVER
    elif claims:
        path = re.findall(r"\[([^\]]+)\]", claims.group(1))
        side, matcher = "principal", lambda v: _claim(path, v)
    else:
        side, matcher = "principal", {
            "source.principal": _principal, "source.namespace": _namespace,
            "source.ip": lambda v: {"direct_remote_ip": _cidr(v)}, "remote.ip": lambda v: {"remote_ip": _cidr(v)},
            "request.auth.principal": _request_principal}[key]
    combine, negate = ("or_rules", "not_rule") if side == "permission" else ("or_ids", "not_id")
    parts = []
    if condition.get("values"):
        parts.append(_any_of([matcher(v) for v in condition["values"]], combine))
    if condition.get("notValues"):
        parts.append({negate: _any_of([matcher(v) for v in condition["notValues"]], combine)})
    return side, _all_of(parts, "and_rules" if side == "permission" else "and_ids")


def _string(value: str, prefix: str = "", ignore_case: bool = False) -> dict:
    """Istio's value wildcards as an Envoy StringMatcher (``prefix`` goes before exact
    and prefix values, e.g. ``spiffe://`` for principals)."""
    if value == "*":
        return {"safe_regex": {"regex": ".+"}}
    if value.startswith("*"):
        matcher = {"suffix": value[1:]}
    elif value.endswith("*"):
        matcher = {"prefix": prefix + value[:-1]}
    else:
        matcher = {"exact": prefix + value}
    if ignore_case:
        matcher["ignore_case"] = True
    return matcher


def _header(name: str, value: str, ignore_case: bool = False) -> dict:
    if value == "*":
        return {"header": {"name": name, "present_match": True}}
    return {"header": {"name": name, "string_match": _string(value, ignore_case=ignore_case)}}


def _principal(value: str) -> dict:
    return {"authenticated": {"principal_name": _string(value, prefix=SPIFFE_SCHEME)}}


def _namespace(value: str) -> dict:
    """The namespace in the caller's SPIFFE ID (``.../ns/<namespace>/sa/...``)."""
    if value == "*":
        pattern = "[^/]+"
    else:
        pattern = re.escape(value.strip("*"))
        pattern = ("[^/]*" if value.startswith("*") else "") + pattern + ("[^/]*" if value.endswith("*") else "")
    return {"authenticated": {"principal_name": {"safe_regex": {"regex": f".*/ns/{pattern}/.*"}}}}


def _service_account(value: str, namespace: str) -> str:
    """``name`` (in the policy's namespace) or ``namespace/name`` -> the principal."""
    account_namespace, _, name = value.rpartition("/")
    return f"{TRUST_DOMAIN}/ns/{account_namespace or namespace}/sa/{name}"


def _cidr(value: str) -> dict:
    network = ipaddress.ip_network(value, strict=False)
    return {"address_prefix": str(network.network_address), "prefix_len": network.prefixlen}


def _payload(*path: str, value: dict) -> dict:
    return {"metadata": {"filter": JWT_FILTER, "path": [{"key": JWT_PAYLOAD}, *({"key": p} for p in path)],
                         "value": value}}


def _claim(path: Sequence[str], value: str) -> dict:
    """A claim that is the value, or a list holding it."""
    return _any_of([_payload(*path, value={"string_match": _string(value)}),
                    _payload(*path, value={"list_match": {"one_of": {"string_match": _string(value)}}})], "or_ids")


def _request_principal(value: str) -> dict:
    """``<iss>/<sub>`` of the validated JWT, matched on the two claims: every way the
    value can be split at a ``/`` into an issuer and a subject."""
    def claim(name: str, kind: str, text: str) -> dict:
        matcher = {"string_match": {kind: text}} if text or kind == "exact" else {"present_match": True}
        return _payload(name, value=matcher)

    def iss_sub(iss: tuple[str, str], sub: tuple[str, str]) -> dict:
        return {"and_ids": {"ids": [claim("iss", *iss), claim("sub", *sub)]}}

    if value == "*":
        return claim("iss", "prefix", "")
    if value.startswith("*"):
        suffix = value[1:]
        options = [claim("sub", "suffix", suffix)]
        options += [iss_sub(("suffix", suffix[:i]), ("exact", suffix[i + 1:]))
                    for i, char in enumerate(suffix) if char == "/"]
    elif value.endswith("*"):
        prefix = value[:-1]
        options = [claim("iss", "prefix", prefix)]
        options += [iss_sub(("exact", prefix[:i]), ("prefix", prefix[i + 1:]))
                    for i, char in enumerate(prefix) if char == "/"]
    else:
        options = [iss_sub(("exact", value[:i]), ("exact", value[i + 1:])) for i, char in enumerate(value) if char == "/"]
    return _any_of(options, "or_ids")


def _any_of(matchers: list[dict], key: str) -> dict:
    if not matchers:
        return NEVER if key == "or_rules" else NOBODY
    if len(matchers) == 1:
        return matchers[0]
    return {key: {"rules" if key == "or_rules" else "ids": matchers}}


def _all_of(matchers: list[dict], key: str) -> dict:
    if not matchers:
        return {"any": True}
    if len(matchers) == 1:
        return matchers[0]
    return {key: {"rules" if key == "and_rules" else "ids": matchers}}
