"""Built-in kinds (Service, Deployment, ...), checked by kubernetes-validate in strict mode."""
from __future__ import annotations

import functools
from typing import Any

import kubernetes_validate

from .field_errors import describe


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
