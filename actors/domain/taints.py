"""Taints and tolerations, with Kubernetes' meaning.

A node's taint ``key=value:effect`` keeps off the tasks that do not tolerate
it: ``NoSchedule`` (no new task is placed there), ``PreferNoSchedule`` (the
scheduler avoids the node when it can) and ``NoExecute`` (no new task, and
running ones that do not tolerate it leave, after their
``toleration_seconds`` when they give one). A toleration matches a taint
when their effects match (a toleration without an effect matches every
effect) and: with operator ``Exists``, its key is the taint's or empty (an
empty key tolerates every taint); with ``Equal`` (the default), key and
value are the taint's. Pure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from actors.domain.errors import ValidationError

EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
OPERATORS = ("Equal", "Exists")


@dataclasses.dataclass(frozen=True, slots=True)
class Taint:
    key: str
    value: str = ""
    effect: str = "NoSchedule"

    def __str__(self) -> str:
        """As kube-scheduler names it in a message: ``{dedicated: gpu}``."""
        return f"{{{self.key}: {self.value}}}"


@dataclasses.dataclass(frozen=True, slots=True)
class Toleration:
    key: str = ""
    operator: str = "Equal"
    value: str = ""
    effect: str = ""  # empty: every effect
    seconds: float | None = None  # NoExecute only: how long a running task stays once tainted

    def tolerates(self, taint: Taint) -> bool:
        if self.effect and self.effect != taint.effect:
            return False
        if self.operator == "Exists":
            return not self.key or self.key == taint.key
        return self.key == taint.key and self.value == taint.value


def tolerations_to_lists(tolerations: Sequence[Toleration]) -> list[list[Any]]:
    """As plain lists of ``[key, operator, value, effect, seconds]`` (what is
    stored and hashed); ``Toleration(*item)`` reads one back."""
    return [[t.key, t.operator, t.value, t.effect, t.seconds] for t in tolerations]


def tolerated(taint: Taint, tolerations: Sequence[Toleration]) -> bool:
    return any(t.tolerates(taint) for t in tolerations)


def untolerated(taints: Sequence[Taint], tolerations: Sequence[Toleration],
                effects: tuple[str, ...] = ("NoSchedule", "NoExecute")) -> Taint | None:
    """The first taint of ``effects`` the tolerations leave untolerated
    (what keeps a new task off the node), None when there is none."""
    for taint in taints:
        if taint.effect in effects and not tolerated(taint, tolerations):
            return taint
    return None


def check_taint(taint: Taint, field: str) -> Taint:
    if taint.effect not in EFFECTS:
        raise ValidationError(f"{field}.effect", f"must be one of {', '.join(EFFECTS)}, not {taint.effect!r}")
    return taint


def check_toleration(toleration: Toleration, field: str, seconds_field: str = "toleration_seconds") -> Toleration:
    """``seconds_field`` names the seconds as the caller's API does
    (``tolerationSeconds`` in Kubernetes')."""
    if toleration.operator not in OPERATORS:
        raise ValidationError(f"{field}.operator", f"must be Equal or Exists, not {toleration.operator!r}")
    if toleration.effect and toleration.effect not in EFFECTS:
        raise ValidationError(f"{field}.effect", f"must be empty or one of {', '.join(EFFECTS)}, "
                              f"not {toleration.effect!r}")
    if toleration.operator == "Exists" and toleration.value:
        raise ValidationError(f"{field}.value", "must be empty when operator is Exists")
    if not toleration.key and toleration.operator != "Exists":
        raise ValidationError(f"{field}.operator", "must be Exists when the key is empty")
    if toleration.seconds is not None and toleration.effect != "NoExecute":
        raise ValidationError(f"{field}.{seconds_field}", "is only for effect NoExecute")
    return toleration
