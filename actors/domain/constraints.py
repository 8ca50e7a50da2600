"""Placement constraints that look past a node's own labels, with
Kubernetes' meaning: preferred node affinity, inter-pod affinity and
anti-affinity, and topology spread constraints.

A *label selector* matches a task's labels: every ``match_labels`` pair and
every ``match_expressions`` requirement (``In``, ``NotIn``, ``Exists``,
``DoesNotExist``; see :mod:`actors.domain.affinity`) must hold. An empty
selector matches every task that has labels. (Kubernetes' empty selector
matches every pod; here tasks without labels are not looked at by these
constraints at all, which keeps a cluster that uses none of them as fast as
before.)

A *pod affinity term* says: tasks matching ``selector`` in ``namespaces``
(empty: the task's own namespace) run in the same *topology domain* as this
node, a domain being the nodes that share a value of the label
``topology_key`` (``kubernetes.io/hostname`` style keys make each node its own
domain; a node without the label is in no domain). Required terms filter,
preferred ones (``weight`` 1 to 100) add to a node's score.

A *topology spread constraint* keeps the tasks matching its selector (in the
task's own namespace) within ``max_skew`` of each other across the domains
of ``topology_key``: ``DoNotSchedule`` filters, ``ScheduleAnyway`` scores.

Pure: the scheduling plug-ins (:mod:`actors.scheduling.plugins`) apply them.
Every record has a JSON form (``to_json``/``from_json``): the native API's
fields, which the store and the template hash keep too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from actors.domain import affinity
from actors.domain.errors import ValidationError

SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
WHEN_UNSATISFIABLE = ("DoNotSchedule", "ScheduleAnyway")
MIN_WEIGHT, MAX_WEIGHT = 1, 100
PREEMPTION_POLICIES = ("PreemptLowerPriority", "Never")
MIN_PRIORITY, MAX_PRIORITY = -(2**31), 2**31 - 1  # Kubernetes' int32


@dataclasses.dataclass(frozen=True, slots=True)
class LabelSelector:
    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[affinity.Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        for key, value in self.match_labels:
            if labels.get(key) != value:
                return False
        return all(r.matches(labels) for r in self.match_expressions)

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.match_labels:
            found["match_labels"] = dict(self.match_labels)
        if self.match_expressions:
            found["match_expressions"] = [{"key": r.key, "operator": r.operator, "values": list(r.values)}
                                          for r in self.match_expressions]
        return found

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LabelSelector:
        return cls(tuple(sorted(data.get("match_labels", {}).items())),
                   tuple(affinity.Requirement(e["key"], e["operator"], tuple(e.get("values", ())))
                         for e in data.get("match_expressions", ())))


@dataclasses.dataclass(frozen=True, slots=True)
class PodAffinityTerm:
    selector: LabelSelector
    topology_key: str
    namespaces: tuple[str, ...] = ()
    """Where the tasks it selects live; empty: the namespace of the task
    that carries the term."""
    weight: int = 0
    """1 to 100 for a preferred term; 0 for a required one."""

    def covers(self, own_namespace: str, namespace: str, labels: Mapping[str, str]) -> bool:
        """Whether a task in ``namespace`` with ``labels`` is one this term
        selects, for a term carried by a task of ``own_namespace``."""
        if self.namespaces:
            if namespace not in self.namespaces:
                return False
        elif namespace != own_namespace:
            return False
        return self.selector.matches(labels)

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"label_selector": self.selector.to_json(), "topology_key": self.topology_key}
        if self.namespaces:
            found["namespaces"] = list(self.namespaces)
        if self.weight:
            found["weight"] = self.weight
        return found

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PodAffinityTerm:
        return cls(LabelSelector.from_json(data.get("label_selector", {})), data["topology_key"],
                   tuple(data.get("namespaces", ())), int(data.get("weight", 0)))


@dataclasses.dataclass(frozen=True, slots=True)
class SpreadConstraint:
    max_skew: int
    topology_key: str
    when_unsatisfiable: str = "DoNotSchedule"
    selector: LabelSelector = LabelSelector()

    @property
    def hard(self) -> bool:
        return self.when_unsatisfiable == "DoNotSchedule"

    def to_json(self) -> dict[str, Any]:
        return {"max_skew": self.max_skew, "topology_key": self.topology_key,
                "when_unsatisfiable": self.when_unsatisfiable, "label_selector": self.selector.to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SpreadConstraint:
        return cls(int(data["max_skew"]), data["topology_key"], data.get("when_unsatisfiable", "DoNotSchedule"),
                   LabelSelector.from_json(data.get("label_selector", {})))


Preference = tuple[int, affinity.Term]
"""A preferred node affinity term: its weight (1 to 100) and its expressions."""


@dataclasses.dataclass(frozen=True, slots=True)
class Constraints:
    """A task's placement constraints besides its node selector, required
    node affinity and tolerations; all empty by default."""

    preferred_node_affinity: tuple[Preference, ...] = ()
    affinity: tuple[PodAffinityTerm, ...] = ()
    preferred_affinity: tuple[PodAffinityTerm, ...] = ()
    anti_affinity: tuple[PodAffinityTerm, ...] = ()
    preferred_anti_affinity: tuple[PodAffinityTerm, ...] = ()
    topology_spread: tuple[SpreadConstraint, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.preferred_node_affinity or self.affinity or self.preferred_affinity
                    or self.anti_affinity or self.preferred_anti_affinity or self.topology_spread)

    @property
    def pod_terms(self) -> bool:
        """Whether it has inter-pod (anti-)affinity terms: other tasks may
        then have to be kept away from it, or drawn to it."""
        return bool(self.affinity or self.preferred_affinity or self.anti_affinity or self.preferred_anti_affinity)

    @property
    def looks_at_pods(self) -> bool:
        """Whether placing it depends on where other tasks run."""
        return self.pod_terms or bool(self.topology_spread)

    def to_json(self) -> dict[str, Any]:
        """The native API's fields (only those set): ``preferred_node_affinity``,
        ``pod_affinity`` and ``pod_anti_affinity`` (``required`` and
        ``preferred`` lists) and ``topology_spread``."""
        found: dict[str, Any] = {}
        if self.preferred_node_affinity:
            found["preferred_node_affinity"] = [
                {"weight": weight, "preference": affinity.to_json_term(term)}
                for weight, term in self.preferred_node_affinity]
        for name, required, preferred in (("pod_affinity", self.affinity, self.preferred_affinity),
                                          ("pod_anti_affinity", self.anti_affinity, self.preferred_anti_affinity)):
            if required or preferred:
                found[name] = {"required": [t.to_json() for t in required],
                               "preferred": [t.to_json() for t in preferred]}
        if self.topology_spread:
            found["topology_spread"] = [c.to_json() for c in self.topology_spread]
        return found

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Constraints:
        """Read back what :meth:`to_json` wrote (trusted: no checks)."""
        pod = data.get("pod_affinity", {})
        anti = data.get("pod_anti_affinity", {})
        return cls(
            tuple((int(p["weight"]), affinity.from_json_term(p["preference"]))
                  for p in data.get("preferred_node_affinity", ())),
            tuple(PodAffinityTerm.from_json(t) for t in pod.get("required", ())),
            tuple(PodAffinityTerm.from_json(t) for t in pod.get("preferred", ())),
            tuple(PodAffinityTerm.from_json(t) for t in anti.get("required", ())),
            tuple(PodAffinityTerm.from_json(t) for t in anti.get("preferred", ())),
            tuple(SpreadConstraint.from_json(c) for c in data.get("topology_spread", ())),
        )


NO_CONSTRAINTS = Constraints()


def scheduling_fields(record: Any) -> dict[str, Any]:
    """A task's or template's ``labels``, ``constraints``, ``priority`` and
    ``preemption_policy`` as plain data, each only when not the default:
    what the store keeps and the template hash covers (records without them
    stay as they were)."""
    found: dict[str, Any] = {}
    if record.labels:
        found["labels"] = dict(record.labels)
    if record.constraints:
        found["constraints"] = record.constraints.to_json()
    if record.priority:
        found["priority"] = record.priority
    if record.preemption_policy != "PreemptLowerPriority":
        found["preemption_policy"] = record.preemption_policy
    return found


# -- checks, shared by both APIs (the field names are the caller's) ---------


def check_selector_requirement(requirement: affinity.Requirement, field: str) -> affinity.Requirement:
    """A label selector's expression: ``In``, ``NotIn``, ``Exists`` or ``DoesNotExist``."""
    if requirement.operator not in SELECTOR_OPERATORS:
        raise ValidationError(f"{field}.operator",
                              f"must be one of {', '.join(SELECTOR_OPERATORS)}, not {requirement.operator!r}")
    problem = affinity.check(requirement)
    if problem:
        raise ValidationError(f"{field}.values", problem)
    return requirement


def check_weight(weight: object, field: str) -> int:
    if isinstance(weight, bool) or not isinstance(weight, int) or not MIN_WEIGHT <= weight <= MAX_WEIGHT:
        raise ValidationError(field, f"must be a whole number from {MIN_WEIGHT} to {MAX_WEIGHT}")
    return weight


def check_max_skew(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(field, "must be a whole number greater than zero")
    return value


def check_when_unsatisfiable(value: object, field: str) -> str:
    if value not in WHEN_UNSATISFIABLE:
        raise ValidationError(field, f"must be DoNotSchedule or ScheduleAnyway, not {value!r}")
    return str(value)


def check_priority(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_PRIORITY <= value <= MAX_PRIORITY:
        raise ValidationError(field, f"must be a whole number from {MIN_PRIORITY} to {MAX_PRIORITY}")
    return value


def check_preemption_policy(value: object, field: str) -> str:
    if value not in PREEMPTION_POLICIES:
        raise ValidationError(field, f"must be PreemptLowerPriority or Never, not {value!r}")
    return str(value)
