"""Shared by the objects tests: the CRD schemas (parsed once per session) and file helpers."""
from __future__ import annotations

from pathlib import Path

import pytest

from bookinfo.objects import crd_schemas

REPO = Path(__file__).resolve().parents[3]
MANIFEST_DIRS = ("networking", "gateway-api", "platform/kube", "policy")


@pytest.fixture(scope="session")
def crd_schemas_dir() -> Path:
    """The official CRDs; tests of the schema path skip, saying why, when they are absent."""
    directory = crd_schemas.schemas_dir()
    if directory is None:
        pytest.skip(f"CRD schemas absent: set {crd_schemas.SCHEMAS_ENV} or provide "
                    f"{crd_schemas.DEFAULT_SCHEMAS_DIR} (istio-crds.yaml, gateway-api-crds.yaml)")
    return directory


def write(directory: Path, name: str, text: str) -> str:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)
