"""Kubernetes label selectors as ``kubectl -l`` takes them: equality (``app=reviews``,
``version!=v1``) and set-based (``version in (v1,v2)``, ``version notin (v3)``, ``app``,
``!app``), comma-separated, all of which must hold."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bookinfo.errors import BookinfoError

_KEY = r"[A-Za-z0-9][-A-Za-z0-9_./]*"
_VALUE = r"[-A-Za-z0-9_.]*"
_REQUIREMENT = re.compile(
    rf"\s*(?:(?P<absent>!)\s*(?P<absent_key>{_KEY})"
    rf"|(?P<key>{_KEY})\s*(?:(?P<op>==|=|!=)\s*(?P<value>{_VALUE})"
    rf"|\s+(?P<set_op>in|notin)\s*\((?P<values>[^)]*)\))?)\s*(?:,|$)")


class SelectorError(BookinfoError):
    """A selector kubectl would not parse."""


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str            # =, !=, in, notin, exists, !
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "exists":
            return present
        if self.operator == "!":
            return not present
        if self.operator in ("=", "in"):
            return present and labels[self.key] in self.values
        return not present or labels[self.key] not in self.values


@dataclass(frozen=True)
class Selector:
    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        return all(r.matches(labels or {}) for r in self.requirements)


def parse(text: str | None) -> Selector:
    """The selector ``text`` (None or empty: everything)."""
    if not text or not text.strip():
        return Selector()
    requirements, position = [], 0
    while position < len(text):
        match = _REQUIREMENT.match(text, position)
        if not match or match.end() == position:
            raise SelectorError(f'unable to parse requirement: found \'{text[position:]}\' in selector "{text}"')
        requirements.append(_requirement(match))
        position = match.end()
    return Selector(tuple(requirements))


def _requirement(match: re.Match) -> Requirement:
    if match.group("absent"):
        return Requirement(match.group("absent_key"), "!")
    key = match.group("key")
    if match.group("op"):
        operator = "!=" if match.group("op") == "!=" else "="
        return Requirement(key, operator, frozenset({match.group("value")}))
    if match.group("set_op"):
        values = frozenset(v.strip() for v in match.group("values").split(",") if v.strip())
        return Requirement(key, match.group("set_op"), values)
    return Requirement(key, "exists")
