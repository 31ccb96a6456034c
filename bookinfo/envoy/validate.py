"""Ask Envoy itself whether a configuration is acceptable (``envoy --mode validate``),
so a bad translation is refused before it reaches a running Envoy."""
from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from bookinfo.mesh.model import EnvoyResources

from .binary import find_envoy
from .bootstrap import static_bootstrap
from bookinfo.errors import EnvoyConfigInvalid

__all__ = ["EnvoyConfigInvalid", "validate_bootstrap", "validate_resources"]

VALIDATE_TIMEOUT_S = 60


def validate_bootstrap(path: Path) -> None:
    result = subprocess.run([find_envoy(), "--mode", "validate", "-c", str(path), "--log-level", "error"],
                            capture_output=True, text=True, timeout=VALIDATE_TIMEOUT_S)
    if result.returncode != 0:
        raise EnvoyConfigInvalid(_reason(result.stderr + result.stdout) or f"envoy exited {result.returncode}")


def _reason(output: str) -> str:
    """Envoy's reason, in its own words: the text after ``error initializing configuration
    '<file>':`` of its critical line (the last lines of its output when there is none)."""
    lines = [line for line in output.splitlines() if line.strip()]
    for line in reversed(lines):
        _, found, reason = line.partition("error initializing configuration '")
        if found:
            return reason.partition("': ")[2].strip()
    return "\n".join(lines[-5:])


def validate_resources(resources: EnvoyResources) -> None:
    with tempfile.TemporaryDirectory(prefix="bookinfo-envoy-validate-") as scratch:
        path = Path(scratch) / "bootstrap.json"
        path.write_text(json.dumps(static_bootstrap(resources)))
        validate_bootstrap(path)
