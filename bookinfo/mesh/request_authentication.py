"""RequestAuthentication -> Envoy's JWT filter on the proxies the policies select.

As Istio's sidecar: a request carrying a token must carry a valid one from a configured
issuer (else ``401``, ``Jwt verification fails`` or Envoy's other JWT reasons), and a
request without one passes, unless an AuthorizationPolicy asks for a request principal.
The validated payload is left in the request's metadata under ``payload`` for the
authorization filters (``request.auth.principal``, ``request.auth.claims``).

Keys come from ``jwks`` (inline), or ``jwksUri``: a ``file://`` URL Envoy reads, or an
``http://`` URL on 127.0.0.1 Envoy fetches when a token first needs it (the machine has
no other network; support.py refuses any other URI).
"""
from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from . import envoy_types as t
from .durations import envoy_duration
from .registry import namespace_of

JWT_FILTER = "envoy.filters.http.jwt_authn"
JWT_PAYLOAD = "payload"
JWKS_FETCH_TIMEOUT = "5s"
JWKS_CACHE = "300s"


def jwt_filter(policies: Sequence[dict]) -> tuple[dict | None, list[dict]]:
    """(the JWT filter for ``policies``, the clusters its remote key sets are fetched
    through); (None, []) when no policy selects the proxy."""
    providers: dict[str, dict] = {}
    clusters: dict[str, dict] = {}
    for policy in policies:
        for index, rule in enumerate((policy.get("spec") or {}).get("jwtRules") or []):
            name = f"origins-{namespace_of(policy)}-{policy['metadata']['name']}-{index}"
            providers[name] = _provider(rule, clusters)
    if not providers:
        return None, []
    requirements = [{"provider_name": name} for name in providers] + [{"allow_missing": {}}]
    config = {"@type": t.JWT_AUTHN, "providers": providers, "bypass_cors_preflight": True,
              "rules": [{"match": {"prefix": "/"}, "requires": {"requires_any": {"requirements": requirements}}}]}
    return {"name": JWT_FILTER, "typed_config": config}, list(clusters.values())


def _provider(rule: dict, clusters: dict[str, dict]) -> dict:
    provider: dict = {"issuer": rule["issuer"], "payload_in_metadata": JWT_PAYLOAD}
    if rule.get("audiences"):
        provider["audiences"] = list(rule["audiences"])
    if rule.get("jwks"):
        provider["local_jwks"] = {"inline_string": rule["jwks"]}
    else:
        uri = urlsplit(rule["jwksUri"])
        if uri.scheme == "file":
            provider["local_jwks"] = {"filename": uri.path}
        else:
            cluster = _jwks_cluster(uri.port or 80)
            clusters[cluster["name"]] = cluster
            provider["remote_jwks"] = {"http_uri": {"uri": rule["jwksUri"], "cluster": cluster["name"],
                                                    "timeout": envoy_duration(rule.get("timeout") or
                                                                              JWKS_FETCH_TIMEOUT)},
                                       "cache_duration": JWKS_CACHE}
    if rule.get("fromHeaders"):
        provider["from_headers"] = [{"name": h["name"], **({"value_prefix": h["prefix"]} if h.get("prefix") else {})}
                                    for h in rule["fromHeaders"]]
    if rule.get("fromParams"):
        provider["from_params"] = list(rule["fromParams"])
    if rule.get("fromCookies"):
        provider["from_cookies"] = list(rule["fromCookies"])
    if rule.get("forwardOriginalToken"):
        provider["forward"] = True
    if rule.get("outputPayloadToHeader"):
        provider["forward_payload_header"] = rule["outputPayloadToHeader"]
    if rule.get("outputClaimToHeaders"):
        provider["claim_to_headers"] = [{"header_name": c["header"], "claim_name": c["claim"]}
                                        for c in rule["outputClaimToHeaders"]]
    return provider


def _jwks_cluster(port: int) -> dict:
    """Where a loopback ``jwksUri`` is fetched from."""
    name = f"jwks|127.0.0.1|{port}"
    return {"@type": t.CLUSTER, "name": name, "type": "STATIC", "connect_timeout": "1s",
            "load_assignment": {"cluster_name": name, "endpoints": [{"lb_endpoints": [
                {"endpoint": {"address": t.socket_address(port)}}]}]}}
