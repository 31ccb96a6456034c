"""docker-bake.hcl read the way ``docker buildx bake`` reads it, for podman and for tests.

There is no Docker here, so the image tests build each bake target with podman; reading
the targets from the bake file itself (rather than from a second list) is what makes the
tests prove that the bake file builds what it promises. Only the subset of HCL the file
uses is evaluated: variables with defaults (overridable from the environment, as bake
does), ``${VAR}`` interpolation, and ``inherits`` with map merging for ``args``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import hcl2

REPO = Path(__file__).resolve().parents[2]
BAKE_FILE = REPO / "docker-bake.hcl"

_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Target:
    """One buildable image: where its Dockerfile is and what it is built with."""

    name: str
    context: str
    dockerfile: str
    tags: tuple[str, ...]
    platforms: tuple[str, ...]
    args: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BakeFile:
    variables: Mapping[str, str]
    groups: Mapping[str, tuple[str, ...]]
    targets: Mapping[str, Target]  # public targets only (names not starting with "_")


def _blocks(document: dict, kind: str) -> dict[str, dict]:
    """``{label: body}`` for every block of one kind."""
    return {label: body for block in document.get(kind, []) for label, body in block.items()}


def _substitute(value, variables: Mapping[str, str]):
    if isinstance(value, str):
        return _INTERPOLATION.sub(lambda m: variables[m.group(1)], value)
    if isinstance(value, list):
        return [_substitute(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, variables) for key, item in value.items()}
    return value


def _lay_over(under: dict, over: Mapping) -> None:
    """Bake's inheritance rule: attributes replace, except ``args``, merged key by key."""
    for key, value in over.items():
        under[key] = {**under.get(key, {}), **value} if key == "args" else value


def _resolved(name: str, raw: Mapping[str, dict]) -> dict:
    """A target's attributes with its parents' laid under them."""
    body = dict(raw[name])
    merged: dict = {}
    for parent in body.pop("inherits", []):
        _lay_over(merged, _resolved(parent, raw))
    _lay_over(merged, body)
    return merged


def load(path: Path = BAKE_FILE, environ: Mapping[str, str] | None = None) -> BakeFile:
    """Parse the bake file; variables named in ``environ`` override their defaults."""
    with path.open() as handle:
        document = hcl2.load(handle, serialization_options=hcl2.SerializationOptions(
            strip_string_quotes=True, explicit_blocks=False, with_comments=False))
    environ = environ or {}
    variables = {name: str(environ.get(name, body.get("default", "")))
                 for name, body in _blocks(document, "variable").items()}
    raw_targets = _blocks(document, "target")
    targets = {}
    for name in raw_targets:
        if name.startswith("_"):
            continue
        body = _substitute(_resolved(name, raw_targets), variables)
        targets[name] = Target(
            name=name,
            context=body.get("context", "."),
            dockerfile=body.get("dockerfile", "Dockerfile"),
            tags=tuple(body.get("tags", ())),
            platforms=tuple(body.get("platforms", ())),
            args={key: str(value) for key, value in body.get("args", {}).items()},
        )
    groups = {name: tuple(body.get("targets", ())) for name, body in _blocks(document, "group").items()}
    return BakeFile(variables, groups, targets)
