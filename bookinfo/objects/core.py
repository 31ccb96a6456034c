"""Built-in kinds (Service, Deployment, ...), checked by kubernetes-validate in strict mode."""
from __future__ import annotations

import functools
from typing import Any

import kubernetes_validate
import kubernetes_validate.utils

from .field_errors import describe


def _parse_schema_files_once() -> None:
    """Make kubernetes-validate parse each of its JSON schema files once per process.

    Its ``validate`` reads and parses the kind's schema and the 1.6 MB definitions file
    on every call: 0.30 s for the 14 objects of bookinfo.yaml, the largest part of a first
    ``bookinfo up`` (which validates the base manifests before any pod starts). Cached,
    0.07 s. The files never change while the process runs, and ``validate`` only reads
    the parsed documents. Done by wrapping the library's own loader, which its
    ``validate`` looks up at call time; without it (another version) nothing changes.
    """
    loader = getattr(kubernetes_validate.utils, "schema_contents", None)
    if loader is not None and not hasattr(loader, "cache_info"):
        kubernetes_validate.utils.schema_contents = functools.cache(loader)


_parse_schema_files_once()


@functools.cache
def kubernetes_version() -> str:
    """The newest Kubernetes release whose schemas kubernetes-validate carries (offline)."""
    return kubernetes_validate.latest_version()


def core_problems(obj: dict[str, Any]) -> list[tuple[str, str]] | None:
    """(field, reason) pairs from the strict schema; None when the kind is not a built-in one.

    kubernetes-validate stops at the first error, so at most one problem is reported per
    object.
    """
    try:
        kubernetes_validate.validate(obj, kubernetes_version(), strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        return None
    except kubernetes_validate.ValidationError as error:
        return describe(error)
    return []
