"""The local base image: Debian bookworm with python3, curl and bash, made by debootstrap.

No registry is reachable here, so the official slim Python image cannot be pulled; the
Dockerfiles take their base as a build argument and the image tests pass this one.
debootstrap takes about a minute, so the slimmed root filesystem is kept as a tarball in
``~/.cache/bookinfo/base/`` (or ``$BOOKINFO_BASE_CACHE``), named after a hash of
everything that shapes it: change the package list and a new one is made.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .podman import Podman

SUITE = "bookworm"
MIRROR = os.environ.get("BOOKINFO_DEBIAN_MIRROR", "http://deb.debian.org/debian")
# python3-venv: the Dockerfiles' builder stage makes a virtual environment.
# curl, bash: the HEALTHCHECK and the istio.io tasks exec them (bash is in minbase).
PACKAGES = ("python3", "python3-venv", "curl", "ca-certificates", "bash")
# Nothing at run time reads these; removing them takes the image from 280 MB to ~130 MB.
SLIMMED = ("usr/share/doc", "usr/share/man", "usr/share/info", "var/lib/apt/lists",
           "var/cache/apt", "var/log")
KEPT_LOCALE_FILES = ("locale.alias",)
PYTHON_VERSION = "3.11"  # bookworm's; the host's wheelhouse must match it

CACHE_DIR = Path(os.environ.get("BOOKINFO_BASE_CACHE") or Path.home() / ".cache" / "bookinfo" / "base")


def cache_key() -> str:
    recipe = "\n".join([SUITE, "minbase", *PACKAGES, *SLIMMED, *KEPT_LOCALE_FILES])
    return hashlib.sha256(recipe.encode()).hexdigest()[:12]


def reference() -> str:
    return f"localhost/bookinfo-base:{SUITE}-{cache_key()}"


def _slim(root: Path) -> None:
    for relative in SLIMMED:
        directory = root / relative
        if directory.is_dir():
            for child in directory.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
    locales = root / "usr/share/locale"
    for child in locales.iterdir() if locales.is_dir() else ():
        if child.name not in KEPT_LOCALE_FILES:
            shutil.rmtree(child) if child.is_dir() else child.unlink()


def _make_tarball(tarball: Path) -> None:
    """debootstrap a minimal root filesystem, slim it and pack it (written atomically)."""
    tarball.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bookinfo-base-", dir=tarball.parent) as scratch:
        root = Path(scratch) / "rootfs"
        subprocess.run(["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}",
                        SUITE, str(root), MIRROR],
                       check=True, capture_output=True, timeout=900)
        _slim(root)
        partial = tarball.with_suffix(".partial")
        subprocess.run(["tar", "--numeric-owner", "-C", str(root), "-cf", str(partial), "."],
                       check=True, timeout=300)
        partial.rename(tarball)


def ensure(podman: Podman) -> str:
    """The base image's reference, importing (and first making) it when missing."""
    ref = reference()
    if podman.image_exists(ref):
        return ref
    tarball = CACHE_DIR / f"{SUITE}-{cache_key()}.tar"
    if not tarball.exists():
        _make_tarball(tarball)
    podman("import", "--change", 'CMD ["/bin/bash"]', str(tarball), ref, timeout=300)
    return ref
