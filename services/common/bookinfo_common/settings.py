"""Typed reads of environment variables, done once at start-up.

Each service declares a frozen dataclass of its settings and fills it with these
helpers from a mapping (``os.environ`` in production, a plain dict in tests), so a bad
value is reported once, by name, before the server accepts a request.
"""
from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import NoReturn


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the variable."""


# How a process stops on a ConfigError: gunicorn's "worker failed to boot" status, which
# stops the master too. Defined here so gunicorn's config file can use it without
# importing Flask into the master process.
CONFIG_ERROR_EXIT_STATUS = 3

# prometheus_client's multiprocess directory: set by the gunicorn settings for a server of
# several workers, read by ``/metrics`` (bookinfo_common.metrics). Named here, where no
# prometheus_client import comes with it: the variable must be set before that import.
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# Set to "true" by the local runner, whose pods call their own Envoy listener, which
# balances every request: there, outbound connections may be kept (mesh_http). Here, not
# in mesh_http, so the runner can name it without importing an HTTP client.
REUSE_CONNECTIONS_VARIABLE = "BOOKINFO_REUSE_CONNECTIONS"


def stop_for_config_error(prog: str, cause: str | ConfigError) -> NoReturn:
    """Stop the process with one line on stderr naming the cause, and status 3.

    A bad setting is an operator's mistake, not a bug: the line says more than a
    traceback would, and every service and the server command stop the same way.
    """
    print(f"{prog}: configuration error: {cause}", file=sys.stderr)
    sys.exit(CONFIG_ERROR_EXIT_STATUS)


def env_str(environ: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    """The variable's value, or ``default`` when unset."""
    return environ.get(name, default)


def env_int(environ: Mapping[str, str], name: str, default: int) -> int:
    """The variable parsed as a base-10 integer; a clear ConfigError otherwise."""
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw.strip(), 10)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def env_port(environ: Mapping[str, str], name: str, default: int) -> int:
    """A TCP port number (1-65535)."""
    port = env_int(environ, name, default)
    if not 1 <= port <= 65535:
        raise ConfigError(f"{name} must be a port number between 1 and 65535, got {port}")
    return port


def env_float(environ: Mapping[str, str], name: str, default: float) -> float:
    """The variable parsed as a non-negative number of seconds (or other float)."""
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < 0 or value != value:
        raise ConfigError(f"{name} must be a non-negative number, got {raw!r}")
    return value


def env_flag_exact_true(environ: Mapping[str, str], name: str) -> bool:
    """True only when the variable is exactly ``true`` (upstream's Ruby/Node checks)."""
    return environ.get(name) == "true"


def env_flag_java_boolean(environ: Mapping[str, str], name: str, default: bool) -> bool:
    """Java's ``Boolean.valueOf``: true for ``true`` in any letter case, else false."""
    raw = environ.get(name)
    if raw is None:
        return default
    return raw.lower() == "true"


def service_host(environ: Mapping[str, str], service: str) -> str:
    """``http://<SVC>_HOSTNAME[.SERVICES_DOMAIN]:<SVC>_SERVICE_PORT`` as upstream builds it.

    ``<SVC>_PORT`` is deliberately never read: Kubernetes service links set it to
    ``tcp://ip:port``.
    """
    upper = service.upper()
    host = environ.get(f"{upper}_HOSTNAME") or service
    domain = environ.get("SERVICES_DOMAIN")
    if domain:
        host = f"{host}.{domain}"
    port = env_port(environ, f"{upper}_SERVICE_PORT", 9080)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"
