"""Fixtures for the container image tests: one podman session, the images built once.

Everything here runs real containers, so the whole folder needs podman (with buildah,
runc and debootstrap); `make test` runs it through `make images-test` only where podman
is installed. The measurements the tests take are printed as one table at the end.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from tools.images import base, build
from tools.images.podman import Podman, available, missing_packages

MB = 1_000_000


@dataclass
class Measurement:
    image: str
    size_mb: float
    added_mb: float  # what the Dockerfile adds on top of its base image
    added_layers: int
    start_to_healthy_s: float | None = None
    idle_rss_mib: float | None = None


class Report:
    """The image table: image, size, layers, start-to-healthy time, RSS at idle."""

    def __init__(self) -> None:
        self.rows: dict[str, Measurement] = {}

    def lines(self) -> list[str]:
        header = (f"{'image':42} {'size MB':>8} {'added MB':>9} {'layers':>7} "
                  f"{'start-to-healthy s':>19} {'idle RSS MiB':>13}")
        out = [header, "-" * len(header)]
        for row in self.rows.values():
            start = f"{row.start_to_healthy_s:.2f}" if row.start_to_healthy_s is not None else "-"
            rss = f"{row.idle_rss_mib:.1f}" if row.idle_rss_mib is not None else "-"
            out.append(f"{row.image:42} {row.size_mb:8.1f} {row.added_mb:9.1f} {row.added_layers:7d} "
                       f"{start:>19} {rss:>13}")
        return out


_REPORT = pytest.StashKey[Report]()


@pytest.fixture(scope="session")
def podman() -> Podman:
    if not available():
        pytest.skip("podman is not installed: the container image tests need podman, buildah, "
                    "runc and debootstrap (docs/containers.md)")
    missing = missing_packages()
    if missing:
        pytest.fail(f"podman is installed but not: {' '.join(missing)} (apt-get install them; "
                    "docs/containers.md)", pytrace=False)
    session = Podman()
    with session.session():
        yield session


@pytest.fixture(scope="session")
def base_image(podman: Podman) -> str:
    return base.ensure(podman)


@pytest.fixture(scope="session")
def built(podman: Podman, base_image: str) -> dict[str, build.BuiltImage]:
    """Every service image of docker-bake.hcl, built from the local base."""
    return build.build_services(podman)


@pytest.fixture(scope="session")
def report(pytestconfig, podman: Podman, base_image: str, built) -> Report:
    """Sizes and layer counts of every built image; tests add timings and memory."""
    table = Report()
    base_info = podman.inspect("image", base_image)
    for name, image in built.items():
        info = podman.inspect("image", image.tag)
        table.rows[name] = Measurement(
            image=name,
            size_mb=info["Size"] / MB,
            added_mb=(info["Size"] - base_info["Size"]) / MB,
            added_layers=len(info["RootFS"]["Layers"]) - len(base_info["RootFS"]["Layers"]),
        )
    pytestconfig.stash[_REPORT] = table
    return table


def pytest_terminal_summary(terminalreporter, config) -> None:
    table = config.stash.get(_REPORT, None)
    if table is not None and table.rows:
        terminalreporter.section("container images")
        for line in table.lines():
            terminalreporter.write_line(line)
