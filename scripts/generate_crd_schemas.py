"""Write the CRD schema files the local runner validates with, from the official CRD YAML.

Usage: ``python scripts/generate_crd_schemas.py SOURCE_DIR --istio-release 1.30``
(``make schemas SOURCE=dir ISTIO_RELEASE=1.30``). SOURCE_DIR holds ``istio-crds.yaml``
(every CRD of one Istio release) and ``gateway-api-crds.yaml`` (the CRDs of one Gateway
API release and channel); the output is ``bookinfo/objects/schemas/istio.json`` and
``gateway-api.json``. Documents other than CRDs are ignored.

One file per upstream project, because each is upgraded on its own: a new Istio release
regenerates ``istio.json`` and the diff shows that release's changes and nothing else.
The files keep what the local runner uses to accept, default and print an object, and
drop the rest: every ``description`` (most of the YAML), and each CRD's labels,
annotations, subresources and unserved versions. Within a CRD, versions that share one schema (Istio's v1,
v1beta1 and v1alpha3 do) store it once, under the first version that has it. Keys are
sorted and every value is on a line of its own (JSON with an indent of zero: line
diffs at half the size of an indented file), so a regeneration from the same source
changes no byte and one from a new release shows a diff of the lines that changed.

The Istio file does not say which release it comes from, hence ``--istio-release``; the
Gateway API file carries its bundle version and channel in annotations, which are read.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPO / "bookinfo" / "objects" / "schemas"
ISTIO_SOURCE, GATEWAY_API_SOURCE = "istio-crds.yaml", "gateway-api-crds.yaml"
GATEWAY_API_VERSION = "gateway.networking.k8s.io/bundle-version"
GATEWAY_API_CHANNEL = "gateway.networking.k8s.io/channel"
# Keywords whose value is a schema, a list of schemas or a map of schemas; every other
# keyword's value (default, enum, x-kubernetes-validations, ...) is data, copied whole.
_SCHEMA = ("items", "not", "additionalProperties")
_SCHEMA_LIST = ("allOf", "anyOf", "oneOf")
_SCHEMA_MAP = ("properties",)
_LOADER = yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader


class SourceError(Exception):
    """The source files are missing or are not what this script expects."""


def compact_schema(node: Any) -> Any:
    """``node`` without its descriptions, at every level of the schema and nowhere else.

    A field may be named ``description`` (GatewayClass's ``spec.description``): under
    ``properties`` a key is a field name, not a keyword, and is kept.
    """
    if not isinstance(node, dict):
        return node  # additionalProperties: true/false
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "description":
            continue
        if key in _SCHEMA:
            out[key] = compact_schema(value)
        elif key in _SCHEMA_LIST:
            out[key] = [compact_schema(sub) for sub in value]
        elif key in _SCHEMA_MAP:
            out[key] = {name: compact_schema(sub) for name, sub in value.items()}
        else:
            out[key] = value
    return out


def compact_crd(crd: dict[str, Any]) -> dict[str, Any]:
    """One CRD: its names, and for each served version its schema and printer columns."""
    spec = crd["spec"]
    names = spec["names"]
    schemas: dict[str, Any] = {}
    versions: dict[str, Any] = {}
    for entry in sorted(spec["versions"], key=lambda v: v["name"]):
        if not entry.get("served", False):
            continue
        schema = compact_schema(entry["schema"]["openAPIV3Schema"])
        schema_key = next((key for key, known in schemas.items() if known == schema), entry["name"])
        schemas.setdefault(schema_key, schema)
        versions[entry["name"]] = {
            "served": True,
            "storage": bool(entry.get("storage", False)),
            "schema": schema_key,
            "additionalPrinterColumns": [{k: v for k, v in column.items() if k != "description"}
                                         for column in entry.get("additionalPrinterColumns") or ()],
        }
    return {"group": spec["group"], "kind": names["kind"], "plural": names["plural"],
            "shortNames": list(names.get("shortNames") or ()), "scope": spec["scope"],
            "schemas": schemas, "versions": versions}


def read_crds(path: Path) -> list[dict[str, Any]]:
    """Every CustomResourceDefinition of a multi-document YAML file."""
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    documents = yaml.load_all(path.read_text(encoding="utf-8"), Loader=_LOADER)
    crds = [d for d in documents if isinstance(d, dict) and d.get("kind") == "CustomResourceDefinition"]
    if not crds:
        raise SourceError(f"{path}: no CustomResourceDefinition")
    return crds


def catalog(source: dict[str, str], crds: list[dict[str, Any]]) -> dict[str, Any]:
    """The content of one generated file: where it comes from, and its CRDs by name."""
    compacted = {}
    for crd in crds:
        name = (crd.get("metadata") or {}).get("name", "?")
        try:
            compacted[name] = compact_crd(crd)
        except (KeyError, TypeError, AttributeError) as err:
            raise SourceError(f"{source['file']}: {name}: not a CRD this script understands "
                              f"({type(err).__name__}: {err})") from None
    return {"generatedBy": "scripts/generate_crd_schemas.py", "source": source, "crds": compacted}


def gateway_api_source(crds: list[dict[str, Any]], file_name: str) -> dict[str, str]:
    """The Gateway API bundle version and channel, which every CRD of a bundle carries."""
    found = {(annotations.get(GATEWAY_API_VERSION), annotations.get(GATEWAY_API_CHANNEL))
             for annotations in (crd["metadata"].get("annotations") or {} for crd in crds)}
    if len(found) != 1 or None in next(iter(found)):
        raise SourceError(f"{file_name}: expected one {GATEWAY_API_VERSION} and {GATEWAY_API_CHANNEL} "
                          f"on every CRD, found {sorted(found, key=str)}")
    [(version, channel)] = found
    return {"project": "Gateway API", "file": file_name, "version": version, "channel": channel}


def generate(source_dir: Path, istio_release: str) -> dict[str, dict[str, Any]]:
    """Output file name -> its content, for both projects."""
    istio = read_crds(source_dir / ISTIO_SOURCE)
    gateway_api = read_crds(source_dir / GATEWAY_API_SOURCE)
    return {
        "istio.json": catalog({"project": "Istio", "file": ISTIO_SOURCE, "version": istio_release}, istio),
        "gateway-api.json": catalog(gateway_api_source(gateway_api, GATEWAY_API_SOURCE), gateway_api),
    }


def serialized(content: dict[str, Any]) -> str:
    """Sorted keys, one value a line, no indent, a final newline: stable and diffable."""
    return json.dumps(content, sort_keys=True, indent=0, separators=(",", ":"), ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help=f"folder holding {ISTIO_SOURCE} and {GATEWAY_API_SOURCE}")
    parser.add_argument("--istio-release", required=True,
                        help="the Istio release the CRDs come from (the file does not say), e.g. 1.30")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where the JSON files go")
    args = parser.parse_args(argv)
    try:
        files = generate(args.source, args.istio_release)
    except (SourceError, yaml.YAMLError) as err:
        print(f"generate_crd_schemas: error: {err}", file=sys.stderr)
        return 1
    args.output.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = args.output / name
        path.write_text(serialized(content), encoding="utf-8")
        print(f"{path}: {len(content['crds'])} CRDs, {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
