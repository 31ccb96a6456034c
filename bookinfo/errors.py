"""Every failure a user can cause or fix, in one tree.

The CLI catches :class:`BookinfoError` and prints its message, one line per line of it;
anything else is a bug and goes to the log with its traceback. Each layer raises the
class for its own cause; the classes live here so that no layer imports another just to
name an error, and so a new failure is one subclass away from a clear message.
"""
from __future__ import annotations

from dataclasses import dataclass


class BookinfoError(Exception):
    """A failure meant for the user; ``str()`` is what they read."""


class SettingsError(BookinfoError):
    """A command-line option or BOOKINFO_* variable has a value the runner cannot use."""


# --- objects and their store -------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One thing wrong with one object (or with a file that holds no readable object).

    ``where`` names the object as kubectl would (``virtualservice.networking.istio.io/reviews``)
    or, when it has no usable name, its position in the file; ``field`` is the path of the
    offending field (``spec.http[0].route``), empty when the fault is not a field.
    """

    source: str
    where: str
    field: str
    reason: str

    def __str__(self) -> str:
        parts = [self.source, self.where, self.field, self.reason]
        return ": ".join(p for p in parts if p)


class InvalidObjects(BookinfoError):
    """Objects that cannot be applied; nothing is applied.

    ``str()`` is one line per problem, each naming the file, the object, the field and
    the reason.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class StoreError(BookinfoError):
    """The store's file cannot be used (damaged, or written by an incompatible version)."""


class MeshConfigError(BookinfoError):
    """The mesh configuration given to ``up`` (``--mesh-config``, ``--otlp-endpoint``, ...)
    has a field or value the local mesh cannot use."""


# --- pods -----------------------------------------------------------------------------------

class WorkloadError(BookinfoError):
    """A workload could not be started or did not become healthy."""


class DatabaseServerMissing(WorkloadError):
    """No server for a database image is installed; the message says what to install."""


class UnknownImage(WorkloadError):
    """A manifest names an image that is not one of Bookinfo's."""


class UnsupportedEnv(WorkloadError):
    """A Deployment env entry the local runner cannot resolve."""


class UnsupportedProbe(WorkloadError):
    """A container probe the local runner cannot run (exec, grpc, HTTPS, another host)."""


# --- Envoy ----------------------------------------------------------------------------------

class EnvoyNotFound(BookinfoError):
    """No Envoy binary to run."""


class EnvoyFailed(BookinfoError):
    """Envoy exited, never became ready, or did not take a configuration in time."""


class EnvoyConfigRejected(EnvoyFailed):
    """The running Envoy refused the listeners or clusters written (e.g. a port in use)."""


class EnvoyConfigInvalid(EnvoyFailed):
    """``envoy --mode validate`` refused a configuration; the message is Envoy's."""


# --- the runner and the machine -------------------------------------------------------------

class RunnerError(BookinfoError):
    """A command cannot do what was asked in the stack's current state."""


class PortInUse(BookinfoError):
    """A port the stack needs is taken."""


class PrometheusFailed(BookinfoError):
    """Prometheus is not installed, exited, or never became ready."""
