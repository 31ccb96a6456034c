"""Build the bake file's service images with podman, from the local base and a wheelhouse.

``python -m tools.images.build [TARGET ...]`` is what ``make images`` runs on machines
without Docker; the image tests call :func:`build_services` the same way. Each target is
built exactly as bake would (its Dockerfile, context and build arguments), except that
``BASE_IMAGE`` is the debootstrap base and ``PIP_SOURCE=wheelhouse``, because neither a
registry nor (from inside a container) PyPI is reachable here.
"""
from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bookinfo.pods.images import IMAGES

from . import bake, base
from .podman import Podman

REPO = bake.REPO
WHEELHOUSE = REPO / ".wheelhouse"


@dataclass(frozen=True)
class BuiltImage:
    name: str  # the upstream image name, e.g. examples-bookinfo-reviews-v2
    tag: str  # the bake file's tag, e.g. docker.io/bookinfopy/examples-bookinfo-reviews-v2:0.1.0
    seconds: float


def service_targets(bake_file: bake.BakeFile) -> list[bake.Target]:
    """The targets podman can build here: the four Python services' images.

    The database images start from the official mongo and mysql images, which only a
    registry can provide.
    """
    return [target for name, target in bake_file.targets.items() if not IMAGES[name].is_database]


def requirement_files() -> list[Path]:
    return [REPO / "services/common/requirements.txt",
            *sorted(REPO.glob("services/*/requirements.txt"))]


def fill_wheelhouse() -> None:
    """Every wheel the services need, for the base's Python, into ``.wheelhouse/``.

    The host's pip reaches PyPI through this machine's configuration, which containers
    do not share; the builds then install with ``--no-index`` from this folder.
    """
    host_python = f"{sys.version_info.major}.{sys.version_info.minor}"
    if host_python != base.PYTHON_VERSION:
        raise RuntimeError(f"the wheelhouse is built with this Python ({host_python}); the base image "
                           f"has Python {base.PYTHON_VERSION}: run with a {base.PYTHON_VERSION} interpreter")
    requirements = [arg for path in dict.fromkeys(requirement_files()) for arg in ("-r", str(path))]
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                             "-c", str(REPO / "constraints.txt"), *requirements, "--wheel-dir", str(WHEELHOUSE)],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"pip wheel failed:\n{result.stdout}{result.stderr}")


def build_services(podman: Podman, names: list[str] | None = None) -> dict[str, BuiltImage]:
    """Build the named service targets (all by default); ``{image name: BuiltImage}``."""
    bake_file = bake.load()
    targets = [t for t in service_targets(bake_file) if names is None or t.name in names]
    base_ref = base.ensure(podman)
    fill_wheelhouse()
    built = {}
    for target in targets:
        started = time.monotonic()
        podman.build(REPO / target.context, target.dockerfile, target.tags[0],
                     {**target.args, "BASE_IMAGE": base_ref, "PIP_SOURCE": "wheelhouse"})
        for extra in target.tags[1:]:
            podman("tag", target.tags[0], extra)
        built[target.name] = BuiltImage(target.name, target.tags[0], time.monotonic() - started)
    return built


def main(argv: list[str]) -> int:
    podman = Podman()
    for image in build_services(podman, argv or None).values():
        print(f"{image.tag}  ({image.seconds:.0f} s)")
    print(f"\nImages are in podman storage under {podman.state_dir}; list them with\n"
          f"  CONTAINERS_CONF={podman.env['CONTAINERS_CONF']} "
          f"CONTAINERS_STORAGE_CONF={podman.env['CONTAINERS_STORAGE_CONF']} podman images")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
