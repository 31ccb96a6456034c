"""Read manifests the way ``kubectl apply -f`` does: files, directories, multi-document YAML."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from bookinfo.errors import InvalidObjects, Problem
from .record import ObjectRecord

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"


class _ManifestLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):
    """Safe YAML without the timestamp type: the API server keeps ``2024-01-01`` a string."""


_ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_paths(paths: list[str]) -> list[ObjectRecord]:
    """Every object in ``paths``, in order; raise InvalidObjects naming each unreadable file.

    A directory contributes its ``*.yaml``, ``*.yml`` and ``*.json`` files sorted by name
    (not recursively, as kubectl without ``-R``); ``-`` reads standard input (``STDIN`` in
    messages); empty documents are skipped and ``List`` objects contribute their items.
    """
    records: list[ObjectRecord] = []
    problems: list[Problem] = []
    for source, text in _manifest_texts(paths, problems):
        try:
            records.extend(_records_in(source, text))
        except InvalidObjects as invalid:
            problems.extend(invalid.problems)
    if problems:
        raise InvalidObjects(problems)
    return records


def _manifest_texts(paths: list[str], problems: list[Problem]):
    """(source name, text) for each manifest file named by ``paths``."""
    for raw in paths:
        if raw == STDIN:
            yield "STDIN", sys.stdin.read()
            continue
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in MANIFEST_SUFFIXES)
            if not files:
                problems.append(Problem(raw, "", "", f'no objects passed to apply: "{raw}" has no manifest files'))
        elif path.is_file():
            files = [path]
        else:
            problems.append(Problem(raw, "", "", f'the path "{raw}" does not exist'))
            continue
        for file in files:
            try:
                yield str(file), file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                problems.append(Problem(str(file), "", "", f"cannot read the file: {err}"))


def _records_in(source: str, text: str) -> list[ObjectRecord]:
    try:
        documents = list(yaml.load_all(text, Loader=_ManifestLoader))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        detail = getattr(err, "problem", None) or str(err)
        raise InvalidObjects([Problem(source, where, "", f"invalid YAML: {detail}")]) from None
    objects: list[Any] = []
    for document in documents:
        if document is None:
            continue
        if isinstance(document, dict) and _is_list(document):
            objects.extend(document.get("items") or [])
        else:
            objects.append(document)
    records = []
    for index, document in enumerate(objects):
        if not isinstance(document, dict):
            raise InvalidObjects([Problem(source, f"object #{index + 1}", "",
                                          "a manifest document must be a mapping (an object)")])
        records.append(ObjectRecord(_json_values(document), source, index))
    return records


def _is_list(document: dict) -> bool:
    """``kind: List`` (or ``FooList``) with ``items``: kubectl applies the items one by one."""
    kind = document.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and isinstance(document.get("items"), list)


# Go prints a whole float64 below 1e21 without a fraction or exponent.
_GO_PLAIN_FLOAT_LIMIT = 1e21


def _json_values(value: Any) -> Any:
    """The document as the JSON kubectl sends the API server: mapping keys as strings
    (``80:`` -> ``"80"``, ``on:`` -> ``"true"``) and whole numbers without a fraction
    (``value: 100.0`` -> ``100``, which ``get -o yaml`` and last-applied then show)."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) else json.dumps(k): _json_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_values(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < _GO_PLAIN_FLOAT_LIMIT:
        return int(value)
    return value
