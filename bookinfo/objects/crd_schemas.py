"""The official CustomResourceDefinitions of Istio and the Gateway API, read lazily.

The two files in ``../shared/schemas`` weigh about 1.7 MB of YAML; parsing all of it takes
half a second. A CLI command needs two or three CRDs, so the files are split into their
documents by text, each document is indexed by the CRD name in its header, and only the
CRDs asked for are parsed, once per process.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SCHEMAS_ENV = "BOOKINFO_CRD_SCHEMAS"
SCHEMA_FILES = ("istio-crds.yaml", "gateway-api-crds.yaml")
REPO = Path(__file__).resolve().parents[2]
DEFAULT_SCHEMAS_DIR = REPO.parent / "shared" / "schemas"

_DOCUMENT_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)
_CRD_NAME = re.compile(r"^  name: ([a-z0-9.-]+)[ \t]*$", re.MULTILINE)
_LOADER = yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader


@dataclass(frozen=True)
class CrdVersion:
    """One served version of a CRD: its schema and how ``kubectl get`` prints it."""

    group: str
    kind: str
    plural: str
    version: str
    schema: dict[str, Any]
    printer_columns: tuple[dict[str, Any], ...] = field(default=())


def schemas_dir() -> Path | None:
    """``$BOOKINFO_CRD_SCHEMAS``, else ``<repo>/../shared/schemas``; None when absent."""
    configured = os.environ.get(SCHEMAS_ENV)
    directory = Path(configured) if configured else DEFAULT_SCHEMAS_DIR
    if any((directory / name).is_file() for name in SCHEMA_FILES):
        return directory
    return None


@functools.cache
def _crd_texts(directory: Path) -> dict[str, str]:
    """CRD name (``virtualservices.networking.istio.io``) -> its unparsed YAML document."""
    texts: dict[str, str] = {}
    for name in SCHEMA_FILES:
        path = directory / name
        if not path.is_file():
            continue
        for document in _DOCUMENT_SEPARATOR.split(path.read_text(encoding="utf-8")):
            found = _CRD_NAME.search(document)
            if found and "kind: CustomResourceDefinition" in document:
                texts[found.group(1)] = document
    return texts


@functools.cache
def _parsed_crd(directory: Path, crd_name: str) -> dict[str, Any] | None:
    text = _crd_texts(directory).get(crd_name)
    return yaml.load(text, Loader=_LOADER) if text is not None else None


def crd_version(group: str, plural: str, version: str) -> CrdVersion | None:
    """The served ``version`` of the CRD ``<plural>.<group>``; None when unknown or not served."""
    directory = schemas_dir()
    if directory is None:
        return None
    return _crd_version(directory, group, plural, version)


@functools.cache
def _crd_version(directory: Path, group: str, plural: str, version: str) -> CrdVersion | None:
    crd = _parsed_crd(directory, f"{plural}.{group}")
    if crd is None:
        return None
    spec = crd["spec"]
    for entry in spec["versions"]:
        if entry["name"] == version and entry.get("served", False):
            return CrdVersion(group, spec["names"]["kind"], plural, version,
                              entry["schema"]["openAPIV3Schema"],
                              tuple(entry.get("additionalPrinterColumns") or ()))
    return None


def crd_plural(group: str, kind: str) -> str | None:
    """The plural of any CRD in the files, by group and kind (for kinds outside our table)."""
    directory = schemas_dir()
    if directory is None:
        return None
    for crd_name in _crd_texts(directory):
        plural, _, crd_group = crd_name.partition(".")
        if crd_group == group:
            crd = _parsed_crd(directory, crd_name)
            if crd and crd["spec"]["names"]["kind"] == kind:
                return plural
    return None


def known_group(group: str) -> bool:
    """Whether some CRD in the files belongs to ``group`` (so the object is a custom resource)."""
    directory = schemas_dir()
    return directory is not None and any(name.partition(".")[2] == group for name in _crd_texts(directory))
