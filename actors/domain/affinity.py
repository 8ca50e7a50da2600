"""Required node affinity, with Kubernetes' meaning: a task's terms are
ORed, the match expressions of a term ANDed.

Operators: ``In`` and ``NotIn`` (the label's value is, or is not, one of
``values``; ``NotIn`` also holds when the label is missing), ``Exists`` and
``DoesNotExist`` (no values), ``Gt`` and ``Lt`` (one value, an integer; the
label's value parsed as an integer is greater or less; a missing or
non-integer label does not match). Pure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from actors.domain.errors import ValidationError

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")


@dataclasses.dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        op = self.operator
        if op == "In":
            return value is not None and value in self.values
        if op == "NotIn":
            return value is None or value not in self.values
        if op == "Exists":
            return value is not None
        if op == "DoesNotExist":
            return value is None
        if value is None:
            return False
        try:
            number = int(value)
        except ValueError:
            return False
        return number > int(self.values[0]) if op == "Gt" else number < int(self.values[0])


Term = tuple[Requirement, ...]
Affinity = tuple[Term, ...]


def matches(affinity: Affinity, labels: Mapping[str, str]) -> bool:
    """Whether a node with ``labels`` satisfies the task's required node
    affinity (no terms: every node does; an empty term matches no node, as
    in Kubernetes)."""
    if not affinity:
        return True
    return any(term and all(r.matches(labels) for r in term) for term in affinity)


def check(requirement: Requirement) -> str | None:
    """What is wrong with a requirement, as Kubernetes' validation says it
    (None when nothing is)."""
    if requirement.operator not in OPERATORS:
        return f"operator must be one of {', '.join(OPERATORS)}, not {requirement.operator!r}"
    if requirement.operator in ("In", "NotIn") and not requirement.values:
        return f"values must be non-empty for {requirement.operator}"
    if requirement.operator in ("Exists", "DoesNotExist") and requirement.values:
        return f"values must be empty for {requirement.operator}"
    if requirement.operator in ("Gt", "Lt"):
        if len(requirement.values) != 1:
            return f"values must hold exactly one integer for {requirement.operator}"
        try:
            int(requirement.values[0])
        except ValueError:
            return f"the value for {requirement.operator} must be an integer, not {requirement.values[0]!r}"
    return None


def requirement(key: str, operator: object, values: Sequence[str], field: str) -> Requirement:
    """A checked requirement; a ValidationError naming ``field.operator`` or
    ``field.values`` (as :func:`check` words it) otherwise."""
    found = Requirement(key, str(operator), tuple(values))
    problem = check(found)
    if problem:
        raise ValidationError(f"{field}.operator" if "operator" in problem else f"{field}.values", problem)
    return found


def to_lists(affinity: Affinity) -> list[list[list[Any]]]:
    """As plain lists of ``[key, operator, values]`` (what is stored and
    hashed); :func:`from_lists` reads them back."""
    return [[[r.key, r.operator, list(r.values)] for r in term] for term in affinity]


def from_lists(terms: Sequence[Sequence[tuple[str, str, Sequence[str]]]]) -> Affinity:
    return tuple(tuple(Requirement(k, op, tuple(v)) for k, op, v in term) for term in terms)


def to_json_term(term: Term) -> list[dict[str, Any]]:
    """A term as the native API shows it: ``[{"key", "operator", "values"}]``."""
    return [{"key": r.key, "operator": r.operator, "values": list(r.values)} for r in term]


def from_json_term(expressions: Sequence[Mapping[str, Any]]) -> Term:
    return tuple(Requirement(e["key"], e["operator"], tuple(e.get("values", ()))) for e in expressions)
