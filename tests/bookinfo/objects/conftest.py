"""Shared by the objects tests: the repository's manifest folders and a file helper."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
MANIFEST_DIRS = ("networking", "gateway-api", "platform/kube", "policy")


def write(directory: Path, name: str, text: str) -> str:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)
