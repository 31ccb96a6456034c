"""The one error of this package: objects that cannot be applied, and every reason why."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one object (or with a file that holds no readable object).

    ``where`` names the object as kubectl would (``virtualservice.networking.istio.io/reviews``)
    or, when it has no usable name, its position in the file; ``field`` is the path of the
    offending field (``spec.http[0].route``), empty when the fault is not a field.
    """

    source: str
    where: str
    field: str
    reason: str

    def __str__(self) -> str:
        parts = [self.source, self.where, self.field, self.reason]
        return ": ".join(p for p in parts if p)


class InvalidObjects(Exception):
    """Raised when any object fails to load or validate; nothing is applied.

    ``str()`` is the user-facing message: one line per problem, each naming the file,
    the object, the field and the reason.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
