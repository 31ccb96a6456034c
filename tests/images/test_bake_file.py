"""docker-bake.hcl and the Dockerfiles agree with the image table (bookinfo/pods/images.py).

These need no container engine; tests/images/containers/ builds and runs the images.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bookinfo.pods.images import IMAGES

from tools.images import bake

REPO = bake.REPO
SERVICE_DOCKERFILES = [REPO / f"services/{service}/Dockerfile"
                       for service in ("productpage", "details", "reviews", "ratings")]
# Arguments every Python service target takes besides its variant's environment.
BUILD_SETTINGS = {"BASE_IMAGE", "PIP_SOURCE"}


@pytest.fixture(scope="module")
def bake_file() -> bake.BakeFile:
    return bake.load()


def _runtime_stage(dockerfile: Path) -> str:
    """The last stage of a multi-stage Dockerfile (what the image is)."""
    return re.split(r"^FROM ", dockerfile.read_text(), flags=re.M)[-1]


def _declared_args(text: str) -> dict[str, str | None]:
    return {m.group(1): m.group(2) for m in re.finditer(r"^ARG (\w+)(?:=(\S*))?$", text, re.M)}


def test_targets_are_exactly_the_upstream_image_names(bake_file):
    assert set(bake_file.targets) == set(IMAGES)
    assert sorted(bake_file.groups["default"]) == sorted(IMAGES)


def test_build_args_bake_in_the_table_environment(bake_file):
    for name, target in bake_file.targets.items():
        image = IMAGES[name]
        if image.is_database:
            assert target.args == {}, name
            continue
        variant_args = {arg: value for arg, value in target.args.items() if arg not in BUILD_SETTINGS}
        assert {arg.upper(): value for arg, value in variant_args.items()} == dict(image.environment), name
        assert target.dockerfile == f"services/{image.service}/Dockerfile"


def test_every_dockerfile_turns_its_args_into_the_environment(bake_file):
    for name, target in bake_file.targets.items():
        if IMAGES[name].is_database:
            continue
        runtime = _runtime_stage(REPO / target.dockerfile)
        for arg in set(target.args) - BUILD_SETTINGS:
            assert arg in _declared_args(runtime), f"{target.dockerfile} does not declare ARG {arg}"
            assert re.search(rf"\b{arg.upper()}=\$\{{{arg}\}}", runtime), \
                f"{target.dockerfile} does not set {arg.upper()} from ARG {arg}"


@pytest.mark.parametrize("dockerfile", SERVICE_DOCKERFILES, ids=lambda p: p.parent.name)
def test_dockerfile_defaults_build_the_v1_image(dockerfile: Path):
    # `docker build -f services/<name>/Dockerfile .` without arguments gives the v1 image.
    service = dockerfile.parent.name
    defaults = _declared_args(_runtime_stage(dockerfile))
    v1 = IMAGES[f"examples-bookinfo-{service}-v1"].environment
    assert {name.upper(): defaults[name.lower()] for name in v1} == dict(v1)


@pytest.mark.parametrize("dockerfile", SERVICE_DOCKERFILES, ids=lambda p: p.parent.name)
def test_dockerfile_is_multi_stage_from_a_base_argument_and_runs_restricted(dockerfile: Path):
    text = dockerfile.read_text()
    assert re.search(r"^ARG BASE_IMAGE=docker\.io/library/python:\S+-slim", text, re.M)
    assert re.findall(r"^FROM (\S+)", text, re.M) == ["${BASE_IMAGE}", "${BASE_IMAGE}"]
    runtime = _runtime_stage(dockerfile)
    assert re.search(r"^USER 1000:1000$", runtime, re.M)
    assert re.search(r"^EXPOSE 9080$", runtime, re.M)
    assert re.search(r"^HEALTHCHECK .*\n?.*9080/health", runtime, re.M)


def test_every_target_builds_for_amd64_and_arm64(bake_file):
    for target in bake_file.targets.values():
        assert set(target.platforms) == {"linux/amd64", "linux/arm64"}, target.name


def test_hub_and_tag_come_from_variables():
    default = bake.load()
    custom = bake.load(environ={"BOOKINFO_HUB": "registry.example/team", "BOOKINFO_TAG": "9.9"})
    for name in IMAGES:
        assert default.targets[name].tags == (f"docker.io/bookinfopy/{name}:0.1.0",)
        assert custom.targets[name].tags == (f"registry.example/team/{name}:9.9",)


def test_manifest_image_references_are_bake_tags(bake_file):
    # The manifests name images the bake file builds, so `make images` feeds them.
    tags = {tag for target in bake_file.targets.values() for tag in target.tags}
    for manifest in [*REPO.glob("platform/**/*.yaml"), REPO / "docker-compose.yml"]:
        for reference in re.findall(r"^\s*image:\s*(\S+)", manifest.read_text(), re.M):
            if "examples-bookinfo-" in reference:
                assert reference in tags, f"{manifest.relative_to(REPO)} names {reference}"


def test_every_target_has_its_dockerfile(bake_file):
    for target in bake_file.targets.values():
        assert (REPO / target.context / target.dockerfile).is_file(), f"{target.name}: no {target.dockerfile}"
