"""The official CustomResourceDefinitions of Istio and the Gateway API, as the package ships them.

``schemas/istio.json`` and ``schemas/gateway-api.json`` are generated from the upstream
CRD YAML by ``scripts/generate_crd_schemas.py`` (``make schemas``), which records in each
the release it was made from. They keep, for every served version of every CRD, the
OpenAPI schema without its descriptions and the printer columns; without descriptions
they are small enough to be parsed whole (both files, once per process, when the first
custom resource is checked or printed) rather than split and parsed CRD by CRD.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

SCHEMA_FILES = ("istio.json", "gateway-api.json")


@dataclass(frozen=True)
class CrdVersion:
    """One served version of a CRD: its schema and how ``kubectl get`` prints it."""

    group: str
    kind: str
    plural: str
    version: str
    schema: dict[str, Any]
    printer_columns: tuple[dict[str, Any], ...] = field(default=())


def catalogs() -> dict[str, dict[str, Any]]:
    """File name -> its content (``source``: the upstream release, ``crds``: by CRD name)."""
    return {name: _catalog(name) for name in SCHEMA_FILES}


@functools.cache
def _catalog(name: str) -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath("schemas", name).read_bytes())


@functools.cache
def _crds() -> dict[str, dict[str, Any]]:
    """CRD name (``virtualservices.networking.istio.io``) -> its entry, from every file."""
    return {name: crd for catalog in catalogs().values() for name, crd in catalog["crds"].items()}


@functools.cache
def crd_version(group: str, plural: str, version: str) -> CrdVersion | None:
    """The served ``version`` of the CRD ``<plural>.<group>``; None when unknown or not served."""
    crd = _crds().get(f"{plural}.{group}")
    entry = crd["versions"].get(version) if crd else None
    if entry is None or not entry["served"]:
        return None
    return CrdVersion(group, crd["kind"], plural, version, crd["schemas"][entry["schema"]],
                      tuple(entry["additionalPrinterColumns"]))


def crd_plural(group: str, kind: str) -> str | None:
    """The plural of any shipped CRD, by group and kind (for kinds outside our table)."""
    return next((crd["plural"] for crd in _crds().values() if crd["group"] == group and crd["kind"] == kind),
                None)


def known_group(group: str) -> bool:
    """Whether some shipped CRD belongs to ``group`` (so the object is a custom resource)."""
    return any(crd["group"] == group for crd in _crds().values())
