"""scripts/push-images.sh --no-push: rewrites exactly the Bookinfo image references."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MANIFESTS = ["docker-compose.yml", *(str(p.relative_to(REPO)) for p in REPO.glob("platform/**/*.yaml"))]
IMAGE_LINE = re.compile(r"^\s*image:\s*\S*examples-bookinfo-")


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """A copy of the script and the manifests it edits (the real files stay untouched)."""
    (tmp_path / "scripts").mkdir()
    shutil.copy2(REPO / "scripts/push-images.sh", tmp_path / "scripts")
    for relative in MANIFESTS:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / relative, tmp_path / relative)
    return tmp_path


def _run(tree: Path, hub: str, tag: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BOOKINFO_HUB": hub, "BOOKINFO_TAG": tag}
    return subprocess.run(["bash", str(tree / "scripts/push-images.sh"), *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_rewrites_every_bookinfo_image_line_and_nothing_else(tree: Path):
    result = _run(tree, "registry.example.com:5000/team", "1.2.3-rc.1", "--no-push")
    assert result.returncode == 0, result.stderr
    rewritten = 0
    for relative in MANIFESTS:
        old = (REPO / relative).read_text().splitlines()
        new = (tree / relative).read_text().splitlines()
        assert len(old) == len(new)
        for before, after in zip(old, new):
            if IMAGE_LINE.match(before):
                name = re.search(r"(examples-bookinfo-[a-z0-9-]+):", before).group(1)
                indent = before[: before.index("image:")]
                assert after == f"{indent}image: registry.example.com:5000/team/{name}:1.2.3-rc.1"
                rewritten += 1
            else:
                assert after == before
    assert rewritten >= 6  # at least the six workloads of bookinfo.yaml


@pytest.mark.parametrize("hub, tag", [("Registry/UPPER", "1"), ("hub#evil", "1"), ("hub", "a b"),
                                      ("hub", "-lead"), ("", "1")])
def test_refuses_unusable_hub_or_tag(tree: Path, hub: str, tag: str):
    result = _run(tree, hub, tag, "--no-push")
    assert result.returncode == 2
    for relative in MANIFESTS:
        assert (tree / relative).read_text() == (REPO / relative).read_text()
