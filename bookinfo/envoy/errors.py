"""Failures of the Envoy layer, one type per cause; all are reported to the user as-is."""
from __future__ import annotations


class EnvoyFailed(RuntimeError):
    """Envoy exited, never became ready, or did not take a configuration in time."""


class EnvoyConfigRejected(EnvoyFailed):
    """The running Envoy refused the listeners or clusters written (e.g. a port in use)."""


class EnvoyConfigInvalid(EnvoyFailed):
    """``envoy --mode validate`` refused a configuration; the message is Envoy's."""
