"""The part of Istio's mesh configuration (``meshConfig``) the local mesh reads: the
extension providers where traces, access logs and metrics go, and the defaults that
Telemetry objects start from.

Shaped as Istio's, so a ``meshConfig`` section written for a cluster reads here (``bookinfo
up --mesh-config FILE``, and ``--otlp-endpoint``/``--zipkin-endpoint`` add providers in
the same shape); a field with no local meaning is refused by name. The defaults are the
demo profile's, which istio.io's tasks install: access logs on (the built-in ``envoy``
provider: each sidecar's stdout, here its workload's ``istio-proxy`` log), 100 % trace
sampling, Istio's standard metrics (the built-in ``prometheus`` provider). Istio's own
default tracer is a Zipkin at ``zipkin.istio-system:9411``, which nothing runs here, so
traces go nowhere until a provider is given.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bookinfo.errors import MeshConfigError

from .support import unsupported_paths

ENVOY_PROVIDER = "envoy"
PROMETHEUS_PROVIDER = "prometheus"
OTLP_PROVIDER = "otel-tracing"   # the provider name istio.io's OpenTelemetry task uses
ZIPKIN_PROVIDER = "zipkin"

OPENTELEMETRY, ZIPKIN, FILE_ACCESS_LOG, PROMETHEUS = "opentelemetry", "zipkin", "envoyFileAccessLog", "prometheus"
STDOUT = "/dev/stdout"
OTLP_TRACES_PATH = "/v1/traces"
ZIPKIN_SPANS_PATH = "/api/v2/spans"
DEMO_SAMPLING = 100.0

_PROVIDER = "meshConfig.extensionProviders[]"
_FIELDS = (
    ["meshConfig.accessLogFile", "meshConfig.accessLogFormat", "meshConfig.accessLogEncoding",
     "meshConfig.enableTracing", "meshConfig.defaultConfig.tracing.sampling",
     "meshConfig.defaultProviders.tracing", "meshConfig.defaultProviders.accessLogging",
     "meshConfig.defaultProviders.metrics", f"{_PROVIDER}.name", f"{_PROVIDER}.prometheus"]
    + [f"{_PROVIDER}.opentelemetry.{leaf}" for leaf in ("service", "port", "http.path", "http.timeout")]
    + [f"{_PROVIDER}.zipkin.{leaf}" for leaf in ("service", "port", "path", "enable64bitTraceId")]
    + [f"{_PROVIDER}.envoyFileAccessLog.{leaf}" for leaf in ("path", "logFormat.text", "logFormat.labels.*")])
_VALUES = {"meshConfig.accessLogFile": {"", STDOUT},
           f"{_PROVIDER}.envoyFileAccessLog.path": {STDOUT},
           "meshConfig.accessLogEncoding": {"TEXT", "JSON"}}


@dataclass(frozen=True)
class Collector:
    """Where a tracer sends spans: an HTTP endpoint this machine reaches."""

    host: str
    port: int
    path: str

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.path}"

    @property
    def cluster_name(self) -> str:
        """Istio's name for the cluster of a provider's service."""
        return f"outbound|{self.port}||{self.host}"


@dataclass(frozen=True)
class Provider:
    """One extension provider: a tracer's collector, a file access log's format, or
    Prometheus (metrics scraped from Envoy)."""

    name: str
    kind: str
    collector: Collector | None = None
    log_json: bool = False                      # a file access log's encoding: JSON, else text
    log_text: str | None = None                 # its text format (None: Istio's)
    log_labels: Mapping[str, str] | None = None  # its JSON fields (None: Istio's)
    trace_id_64bit: bool = False                 # Zipkin's enable64bitTraceId


@dataclass(frozen=True)
class MeshConfig:
    """The providers by name and the defaults; ``MeshConfig()`` is the demo profile."""

    providers: Mapping[str, Provider] = field(default_factory=lambda: dict(_BUILT_IN))
    default_tracing: tuple[str, ...] = ()
    default_access_logging: tuple[str, ...] = (ENVOY_PROVIDER,)
    default_metrics: tuple[str, ...] = (PROMETHEUS_PROVIDER,)
    sampling: float = DEMO_SAMPLING
    tracing: bool = True

    @classmethod
    def parse(cls, mesh: Mapping | None) -> "MeshConfig":
        """From Istio's ``meshConfig`` shape (None or ``{}``: the demo profile); a field the
        local mesh does not implement raises MeshConfigError naming it."""
        mesh = dict(mesh or {})
        refused = unsupported_paths(mesh, "meshConfig", _FIELDS, _VALUES)
        if refused:
            raise MeshConfigError(f"{refused[0]}: not implemented by the local mesh")
        providers = dict(_BUILT_IN)
        for index, entry in enumerate(mesh.get("extensionProviders") or []):
            provider = _provider(entry, f"meshConfig.extensionProviders[{index}]")
            providers[provider.name] = provider
        envoy = _file_log(ENVOY_PROVIDER, mesh.get("accessLogFormat"), mesh.get("accessLogEncoding") == "JSON")
        providers[ENVOY_PROVIDER] = envoy
        defaults = mesh.get("defaultProviders") or {}
        access_logging = defaults.get("accessLogging")
        if access_logging is None:
            access_logging = [ENVOY_PROVIDER] if mesh.get("accessLogFile", STDOUT) else []
        config = cls(providers=providers, default_tracing=tuple(defaults.get("tracing") or ()),
                     default_access_logging=tuple(access_logging),
                     default_metrics=tuple(defaults.get("metrics") or (PROMETHEUS_PROVIDER,)),
                     sampling=float(((mesh.get("defaultConfig") or {}).get("tracing") or {}).get(
                         "sampling", DEMO_SAMPLING)),
                     tracing=bool(mesh.get("enableTracing", True)))
        for kind, names in (("tracing", config.default_tracing), ("accessLogging", config.default_access_logging),
                            ("metrics", config.default_metrics)):
            for name in names:
                if name not in providers:
                    raise MeshConfigError(f"meshConfig.defaultProviders.{kind}: no extension provider "
                                          f"named {name!r}")
        return config

    def provider(self, name: str) -> Provider | None:
        return self.providers.get(name)

    def otlp_collector(self) -> Collector | None:
        """The collector of the default tracing provider when it speaks OTLP: where the
        services export their own spans too."""
        for name in self.default_tracing[:1]:
            provider = self.providers[name]
            if provider.kind == OPENTELEMETRY and self.tracing:
                return provider.collector
        return None


def read_mesh_config(path: Path) -> dict:
    """A meshConfig from a YAML file: the mapping itself, or found where Istio keeps it
    (``meshConfig`` at the top or in an IstioOperator's ``spec``, or the ``mesh`` key of
    the ``istio`` ConfigMap's data)."""
    import yaml  # only ``up --mesh-config`` reads YAML here; apply need not import it through this module

    try:
        document = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise MeshConfigError(f"--mesh-config {path}: {exc}".splitlines()[0]) from None
    if isinstance(document, dict) and isinstance((document.get("data") or {}).get("mesh"), str):
        document = yaml.safe_load(document["data"]["mesh"])
    elif isinstance(document, dict) and isinstance((document.get("spec") or {}).get("meshConfig"), dict):
        document = document["spec"]["meshConfig"]
    elif isinstance(document, dict) and isinstance(document.get("meshConfig"), dict):
        document = document["meshConfig"]
    if not isinstance(document, dict):
        raise MeshConfigError(f"--mesh-config {path}: not a meshConfig mapping")
    return document


def with_endpoints(mesh: Mapping | None, otlp: str | None = None, zipkin: str | None = None) -> dict:
    """``mesh`` (Istio's shape) with the providers of ``--otlp-endpoint URL`` (OTLP over HTTP,
    spans POSTed to ``/v1/traces`` under URL) and ``--zipkin-endpoint URL`` (Zipkin's v2
    API at URL, ``/api/v2/spans`` when URL has no path) added, the first given becoming
    the default tracer. A URL that is not ``http://host:port[/path]`` raises MeshConfigError."""
    out = {key: value for key, value in dict(mesh or {}).items()}
    added = []
    if otlp is not None:
        host, port, path = _endpoint(otlp, "--otlp-endpoint")
        added.append({"name": OTLP_PROVIDER, OPENTELEMETRY: {
            "service": host, "port": port, "http": {"path": path.rstrip("/") + OTLP_TRACES_PATH}}})
    if zipkin is not None:
        host, port, path = _endpoint(zipkin, "--zipkin-endpoint")
        added.append({"name": ZIPKIN_PROVIDER, ZIPKIN: {"service": host, "port": port,
                                                         "path": path or ZIPKIN_SPANS_PATH}})
    if added:
        names = {p["name"] for p in added}
        out["extensionProviders"] = [p for p in out.get("extensionProviders") or [] if p.get("name") not in names]
        out["extensionProviders"] += added
        defaults = dict(out.get("defaultProviders") or {})
        defaults["tracing"] = [added[0]["name"]]
        out["defaultProviders"] = defaults
    return out


_BUILT_IN = {ENVOY_PROVIDER: Provider(ENVOY_PROVIDER, FILE_ACCESS_LOG),
             PROMETHEUS_PROVIDER: Provider(PROMETHEUS_PROVIDER, PROMETHEUS)}


def _provider(entry: Mapping, where: str) -> Provider:
    name = entry.get("name")
    if not name:
        raise MeshConfigError(f"{where}.name: required")
    kinds = [kind for kind in (OPENTELEMETRY, ZIPKIN, FILE_ACCESS_LOG, PROMETHEUS) if kind in entry]
    if len(kinds) != 1:
        raise MeshConfigError(f"{where}: give exactly one of opentelemetry, zipkin, envoyFileAccessLog, "
                              "prometheus")
    kind, spec = kinds[0], entry[kinds[0]] or {}
    if kind == OPENTELEMETRY:
        if "http" not in spec:
            raise MeshConfigError(f"{where}.opentelemetry: only OTLP over HTTP (http: {{path: /v1/traces}}) is "
                                  "implemented: the services export spans over HTTP")
        return Provider(name, kind, _collector(spec, where, spec["http"].get("path") or OTLP_TRACES_PATH))
    if kind == ZIPKIN:
        return Provider(name, kind, _collector(spec, where, spec.get("path") or ZIPKIN_SPANS_PATH),
                        trace_id_64bit=bool(spec.get("enable64bitTraceId")))
    if kind == FILE_ACCESS_LOG:
        log_format = spec.get("logFormat") or {}
        if "labels" in log_format:
            return Provider(name, kind, log_json=True, log_labels=dict(log_format["labels"] or {}) or None)
        return Provider(name, kind, log_text=log_format.get("text"))
    return Provider(name, kind)


def _file_log(name: str, text: str | None, as_json: bool) -> Provider:
    """The built-in ``envoy`` provider: meshConfig's accessLogFormat and accessLogEncoding."""
    if as_json:
        return Provider(name, FILE_ACCESS_LOG, log_json=True, log_labels=_json_fields(text))
    return Provider(name, FILE_ACCESS_LOG, log_text=text or None)


def _json_fields(text: str | None) -> Mapping[str, str] | None:
    """accessLogFormat under JSON encoding is a JSON object of fields (Istio's default when empty)."""
    if not text:
        return None
    try:
        fields = json.loads(text)
    except ValueError as exc:
        raise MeshConfigError(f"meshConfig.accessLogFormat: not a JSON object ({exc})") from None
    if not isinstance(fields, dict):
        raise MeshConfigError("meshConfig.accessLogFormat: not a JSON object")
    return {str(k): str(v) for k, v in fields.items()}


def _collector(spec: Mapping, where: str, path: str) -> Collector:
    host, port = spec.get("service"), spec.get("port")
    if not host or not isinstance(port, int) or not 0 < port < 65536:
        raise MeshConfigError(f"{where}: service and port (1-65535) are required")
    return Collector(str(host), port, path if path.startswith("/") else "/" + path)


def _endpoint(url: str, option: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "http" or not parts.hostname or port is None or parts.query or parts.fragment:
        raise MeshConfigError(f"{option} {url!r}: give http://HOST:PORT[/PATH]")
    return parts.hostname, port, parts.path.rstrip("/")
