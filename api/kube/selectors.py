"""Label and field selectors, read as kube-apiserver reads them.

Label selectors (``labelSelector``): requirements separated by commas, all of
which must hold: ``k=v``, ``k==v``, ``k!=v``, ``k in (a,b)``, ``k notin (a,b)``,
``k`` (exists), ``!k`` (does not exist), and ``k>N``/``k<N`` (kube-apiserver
takes these too, for integers). Field selectors (``fieldSelector``): ``f=v``,
``f==v``, ``f!=v`` over a fixed set of fields per kind; any other field is a
400, as in Kubernetes ("field label not supported").

Pure functions: a selector is parsed once into a predicate over a mapping.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

Predicate = Callable[[Mapping[str, str]], bool]


class SelectorError(ValueError):
    """The selector cannot be read; the message says where."""


_KEY = r"[A-Za-z0-9]([A-Za-z0-9_./-]*[A-Za-z0-9])?"
_VALUE = r"([A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?)?"
_SET = re.compile(rf"^\s*({_KEY})\s+(in|notin)\s+\(([^()]*)\)\s*$")
_EXISTS = re.compile(rf"^\s*(!?)\s*({_KEY})\s*$")
_COMPARE = re.compile(rf"^\s*({_KEY})\s*(==|!=|=|>|<)\s*({_VALUE})\s*$")


def _split(text: str) -> list[str]:
    """Split at commas outside parentheses."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise SelectorError(f"unbalanced ')' in '{text}'")
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if depth:
        raise SelectorError(f"unbalanced '(' in '{text}'")
    parts.append("".join(current))
    return parts


def _requirement(part: str) -> Predicate:
    if m := _SET.match(part):
        key, op = m.group(1), m.group(3)
        values = frozenset(v.strip() for v in m.group(4).split(",") if v.strip())
        for v in values:
            if not re.fullmatch(_VALUE, v):
                raise SelectorError(f"invalid label value '{v}' in '{part.strip()}'")
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if m := _COMPARE.match(part):
        key, op, value = m.group(1), m.group(3), m.group(4)
        if op in ("=", "=="):
            return lambda labels: labels.get(key) == value
        if op == "!=":
            return lambda labels: labels.get(key) != value
        try:
            bound = int(value)
        except ValueError:
            raise SelectorError(f"'{part.strip()}': {op} needs an integer, not '{value}'") from None
        return lambda labels: _int(labels.get(key)) is not None and (
            _int(labels.get(key)) > bound if op == ">" else _int(labels.get(key)) < bound)
    if m := _EXISTS.match(part):
        negate, key = m.group(1), m.group(2)
        if negate:
            return lambda labels: key not in labels
        return lambda labels: key in labels
    raise SelectorError(f"unable to parse requirement '{part.strip()}'")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def label_selector(text: str | None) -> Predicate | None:
    """A predicate over labels, or None for no selector (everything matches)."""
    if text is None or not text.strip():
        return None
    predicates = [_requirement(part) for part in _split(text)]
    return lambda labels: all(p(labels) for p in predicates)


def field_selector(text: str | None, supported: frozenset[str]) -> Predicate | None:
    """A predicate over the fields of an object (given as a flat mapping of
    field path to its string value); 400-worthy SelectorError for an
    unsupported field or operator."""
    if text is None or not text.strip():
        return None
    predicates: list[Predicate] = []
    for part in _split(text):
        m = re.fullmatch(r"\s*([A-Za-z0-9_.]+)\s*(==|!=|=)\s*([^,]*?)\s*", part)
        if not m:
            raise SelectorError(f"invalid field selector: '{part.strip()}'")
        field, op, value = m.groups()
        if field not in supported:
            raise SelectorError(f'field label not supported: {field}; supported: {", ".join(sorted(supported))}')
        if op == "!=":
            predicates.append(lambda fields, f=field, v=value: fields.get(f, "") != v)
        else:
            predicates.append(lambda fields, f=field, v=value: fields.get(f, "") == v)
    return lambda fields: all(p(fields) for p in predicates)
