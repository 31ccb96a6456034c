"""One object read from a manifest, with the names kubectl derives from it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .kinds import Kind, kind_for, qualified_singular, resource_name, split_api_version

DEFAULT_NAMESPACE = "default"


@dataclass(frozen=True)
class ObjectRecord:
    """An object as written in a file: where it came from and how kubectl names it.

    ``index`` counts the objects of its file from 0 (after ``List`` expansion), so a
    message can point at an object that has no name.
    """

    obj: dict[str, Any]
    source: str
    index: int

    @property
    def api_version(self) -> str:
        value = self.obj.get("apiVersion")
        return value if isinstance(value, str) else ""

    @property
    def group(self) -> str:
        return split_api_version(self.api_version)[0]

    @property
    def version(self) -> str:
        return split_api_version(self.api_version)[1]

    @property
    def kind(self) -> str:
        value = self.obj.get("kind")
        return value if isinstance(value, str) else ""

    @property
    def metadata(self) -> dict[str, Any]:
        value = self.obj.get("metadata")
        return value if isinstance(value, dict) else {}

    @property
    def name(self) -> str:
        value = self.metadata.get("name")
        return value if isinstance(value, str) else ""

    @property
    def namespace(self) -> str:
        value = self.metadata.get("namespace")
        return value if isinstance(value, str) and value else DEFAULT_NAMESPACE

    @property
    def key(self) -> tuple[str, str, str, str]:
        """(group, kind, namespace, name): identity in the store; the version is not part of it."""
        return (self.group, self.kind, self.namespace, self.name)

    @property
    def kind_info(self) -> Kind | None:
        return kind_for(self.group, self.kind)

    @property
    def kubectl_name(self) -> str:
        """``virtualservice.networking.istio.io/reviews``, ``service/details``, ..."""
        return f"{qualified_singular(self.group, self.kind)}/{self.name}"

    @property
    def resource(self) -> str:
        """``virtualservices.networking.istio.io``: kubectl's name in NotFound errors."""
        return resource_name(self.group, self.kind)

    @property
    def label(self) -> str:
        """How messages name this object: its kubectl name, or its position when unnamed."""
        if self.kind and self.name:
            return self.kubectl_name
        return f"object #{self.index + 1}" + (f" ({self.kind})" if self.kind else "")


def object_key(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    """A stored object's identity, as :attr:`ObjectRecord.key` gives it for a record."""
    return ObjectRecord(obj, "", 0).key
