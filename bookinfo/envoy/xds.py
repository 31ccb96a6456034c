"""File-based xDS: the resources Envoy watches, written atomically.

Layout in the work directory::

    xds/lds.json        every listener (each names its route file below)
    xds/cds.json        every cluster
    xds/rds/<name>.json one route configuration per listener (Envoy's file-based RDS
                        takes exactly one resource per file)

Each file is a DiscoveryResponse whose ``version_info`` is a hash of its resources, so
an unchanged file is not rewritten and "has Envoy applied it?" is answered by comparing
the versions Envoy reports with the versions on disk. Files are written to a temporary
name in the same directory and renamed over the old one: Envoy sees one complete file
(its watch fires on the move), never a half-written one.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from bookinfo.mesh.model import EnvoyResources
from bookinfo.system.files import atomic_write

HCM_FILTER = "envoy.filters.network.http_connection_manager"


@dataclass(frozen=True)
class AppliedVersions:
    """What Envoy must report once the files on disk are live."""

    listeners: str
    clusters: str
    routes: dict[str, str]


def version_of(resources: list[dict]) -> str:
    canonical = json.dumps(resources, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def config_source(path: Path) -> dict:
    return {"path_config_source": {"path": str(path)}, "resource_api_version": "V3"}


class XdsFiles:
    """The xDS files of one Envoy."""

    def __init__(self, workdir: Path):
        self.directory = Path(workdir) / "xds"
        self.lds = self.directory / "lds.json"
        self.cds = self.directory / "cds.json"
        self.rds_directory = self.directory / "rds"

    def route_file(self, name: str) -> Path:
        """A file name that is safe and unique for any route configuration name."""
        readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:80]
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        return self.rds_directory / f"{readable}-{digest}.json"

    def write(self, resources: EnvoyResources) -> AppliedVersions:
        """Write what changed: clusters first, then routes, then listeners, so nothing
        Envoy loads names a cluster or route file that is not there yet."""
        self.rds_directory.mkdir(parents=True, exist_ok=True)
        clusters = self._write(self.cds, resources.clusters)
        routes = {rc["name"]: self._write(self.route_file(rc["name"]), [rc]) for rc in resources.route_configs}
        listeners = self._write(self.lds, [self._with_route_source(listener) for listener in resources.listeners])
        return AppliedVersions(listeners, clusters, routes)

    def written(self) -> AppliedVersions:
        """The versions of the files currently on disk (e.g. after attaching)."""
        listeners = json.loads(self.lds.read_text())
        routes = {}
        for listener in listeners["resources"]:
            rds = _rds_of(listener)
            if rds is not None:
                path = Path(rds["config_source"]["path_config_source"]["path"])
                routes[rds["route_config_name"]] = json.loads(path.read_text())["version_info"]
        return AppliedVersions(listeners["version_info"], json.loads(self.cds.read_text())["version_info"],
                               routes)

    def _with_route_source(self, listener: dict) -> dict:
        listener = copy.deepcopy(listener)
        rds = _rds_of(listener)
        if rds is not None:
            rds["config_source"] = config_source(self.route_file(rds["route_config_name"]))
        return listener

    @staticmethod
    def _write(path: Path, resources: list[dict]) -> str:
        version = version_of(resources)
        if path.exists() and json.loads(path.read_text()).get("version_info") == version:
            return version
        atomic_write(path, json.dumps({"version_info": version, "resources": resources}, indent=1))
        return version


def _rds_of(listener: dict) -> dict | None:
    for chain in listener.get("filter_chains") or []:
        for network_filter in chain.get("filters") or []:
            if network_filter["name"] == HCM_FILTER and "rds" in network_filter["typed_config"]:
                return network_filter["typed_config"]["rds"]
    return None


def inline_routes(resources: EnvoyResources) -> list[dict]:
    """Listeners with their route configurations inlined: a self-contained form of
    the same configuration, for ``envoy --mode validate``."""
    by_name = {rc["name"]: rc for rc in resources.route_configs}
    listeners = []
    for listener in resources.listeners:
        listener = copy.deepcopy(listener)
        for chain in listener["filter_chains"]:
            for network_filter in chain["filters"]:
                config = network_filter["typed_config"]
                if network_filter["name"] == HCM_FILTER and "rds" in config:
                    route_config = dict(by_name[config.pop("rds")["route_config_name"]])
                    route_config.pop("@type")
                    config["route_config"] = route_config
        listeners.append(listener)
    return listeners
