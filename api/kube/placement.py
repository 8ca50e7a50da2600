"""A pod spec's placement fields beyond ``nodeSelector``, required node
affinity and tolerations (those are in :mod:`api.kube.objects`): preferred
node affinity, inter-pod affinity and anti-affinity, topology spread
constraints and the priority fields, read into the domain's records
(:mod:`actors.domain.constraints`) and written back for a task that came
without a manifest. Pure functions.

Checked as Kubernetes checks them, with the same limits as the native API,
and each error names the Kubernetes field path. What Kubernetes has and we
do not implement is refused with a 422 naming the field rather than
ignored, since ignoring it would place pods where Kubernetes would not:
``namespaceSelector``, ``matchLabelKeys`` and ``mismatchLabelKeys`` of a pod
affinity term; ``minDomains``, ``matchLabelKeys`` and a ``nodeAffinityPolicy``
or ``nodeTaintsPolicy`` other than the default of a spread constraint. A
term or constraint without a ``labelSelector`` is refused too: Kubernetes
reads it as selecting no pod at all, which is never what was meant.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from actors.domain import affinity
from actors.domain.constraints import (
    Constraints,
    LabelSelector,
    PodAffinityTerm,
    Preference,
    SpreadConstraint,
    check_preemption_policy,
    check_priority,
    check_selector_requirement,
    check_weight,
    check_when_unsatisfiable,
)
from actors.domain.errors import ValidationError
from api.native.validation import MAX_TERMS, MAX_VALUES, label_key, label_value, max_skew, valid_id
from api.native.validation import labels as valid_labels

REQUIRED = "requiredDuringSchedulingIgnoredDuringExecution"
PREFERRED = "preferredDuringSchedulingIgnoredDuringExecution"
_NODE_PREFERRED = f"spec.affinity.nodeAffinity.{PREFERRED}"
_KINDS = (("podAffinity", "affinity", "preferred_affinity"),
          ("podAntiAffinity", "anti_affinity", "preferred_anti_affinity"))
SPREAD_DEFAULTS = {"nodeAffinityPolicy": "Honor", "nodeTaintsPolicy": "Ignore"}
"""What Kubernetes does when a spread constraint does not say, which is all we do."""


def _unsupported(field: str, why: str) -> ValidationError:
    return ValidationError(field, f"Unsupported value: not supported here ({why}); remove it")


def _list(value: object, field: str, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_TERMS:
        raise ValidationError(field, f"must be a list of at most {MAX_TERMS} {what}")
    return value


def _mapping(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(field, "must be an object")
    return value


def label_selector(value: object, field: str) -> LabelSelector:
    """A ``LabelSelector`` (``matchLabels``, ``matchExpressions`` with In,
    NotIn, Exists, DoesNotExist) over pods' labels; required here."""
    if value is None:
        raise ValidationError(field, "Required value: a labelSelector ({} selects every pod with labels; "
                              "Kubernetes reads a missing one as selecting no pod)")
    selector = _mapping(value, field)
    match = selector.get("matchLabels")
    match = valid_labels(match, f"{field}.matchLabels") if match is not None else {}
    expressions = []
    for j, expression in enumerate(_list(selector.get("matchExpressions"), f"{field}.matchExpressions",
                                         "expressions")):
        at = f"{field}.matchExpressions[{j}]"
        expression = _mapping(expression, at)
        key = label_key(expression.get("key"), f"{at}.key")
        values = expression.get("values") or []
        if not isinstance(values, list) or len(values) > MAX_VALUES or not all(isinstance(v, str) for v in values):
            raise ValidationError(f"{at}.values", f"must be a list of at most {MAX_VALUES} strings")
        for v, text in enumerate(values):
            label_value(text, f"{at}.values[{v}]")
        expressions.append(check_selector_requirement(
            affinity.Requirement(key, str(expression.get("operator")), tuple(values)), at))
    return LabelSelector(tuple(sorted(match.items())), tuple(expressions))


def node_selector_term(term: Mapping[str, Any], where: str) -> affinity.Term:
    """A ``NodeSelectorTerm``'s ``matchExpressions`` (ANDed), checked as
    Kubernetes checks them; ``matchFields`` is not served (a 422 says so)."""
    if term.get("matchFields"):
        raise ValidationError(f"{where}.matchFields", "Unsupported value: matchFields is not served here; "
                              "use matchExpressions on the node's labels")
    expressions = term.get("matchExpressions") or []
    if not isinstance(expressions, list) or len(expressions) > MAX_TERMS:
        raise ValidationError(f"{where}.matchExpressions", f"must be a list of at most {MAX_TERMS} expressions")
    requirements = []
    for j, expression in enumerate(expressions):
        at = f"{where}.matchExpressions[{j}]"
        if not isinstance(expression, Mapping) or not isinstance(expression.get("key"), str):
            raise ValidationError(f"{at}.key", "Required value")
        values = expression.get("values") or []
        if not isinstance(values, list) or len(values) > MAX_VALUES or not all(
                isinstance(v, str) and len(v) <= 63 for v in values):
            raise ValidationError(f"{at}.values", f"must be a list of at most {MAX_VALUES} strings")
        valid_labels({expression["key"]: ""}, f"{at}.key")
        requirements.append(affinity.requirement(expression["key"], expression.get("operator"), values, at))
    return tuple(requirements)


def _pod_term(term: object, where: str, weight: int = 0) -> PodAffinityTerm:
    term = _mapping(term, where)
    if term.get("namespaceSelector") is not None:
        raise _unsupported(f"{where}.namespaceSelector", "list the namespaces in namespaces instead")
    for name in ("matchLabelKeys", "mismatchLabelKeys"):
        if term.get(name):
            raise _unsupported(f"{where}.{name}", "write the labels into labelSelector instead")
    selector = label_selector(term.get("labelSelector"), f"{where}.labelSelector")
    key = label_key(term.get("topologyKey"), f"{where}.topologyKey")
    found = term.get("namespaces") or []
    if not isinstance(found, list) or len(found) > MAX_VALUES:
        raise ValidationError(f"{where}.namespaces", f"must be a list of at most {MAX_VALUES} namespaces")
    for i, namespace in enumerate(found):
        valid_id(namespace, f"{where}.namespaces[{i}]")
    return PodAffinityTerm(selector, key, tuple(found), weight)


def _pod_terms(spec: Mapping[str, Any], where: str) -> tuple[tuple[PodAffinityTerm, ...], tuple[PodAffinityTerm, ...]]:
    """``(required, preferred)`` of a ``podAffinity`` or ``podAntiAffinity``."""
    required = tuple(_pod_term(term, f"{where}.{REQUIRED}[{i}]")
                     for i, term in enumerate(_list(spec.get(REQUIRED), f"{where}.{REQUIRED}", "terms")))
    preferred = []
    for i, item in enumerate(_list(spec.get(PREFERRED), f"{where}.{PREFERRED}", "terms")):
        at = f"{where}.{PREFERRED}[{i}]"
        item = _mapping(item, at)
        weight = check_weight(item.get("weight"), f"{at}.weight")
        preferred.append(_pod_term(item.get("podAffinityTerm"), f"{at}.podAffinityTerm", weight))
    return required, tuple(preferred)


def _preferred_node_affinity(node_affinity: Mapping[str, Any]) -> tuple[Preference, ...]:
    found = []
    for i, item in enumerate(_list(node_affinity.get(PREFERRED), _NODE_PREFERRED, "preferences")):
        at = f"{_NODE_PREFERRED}[{i}]"
        item = _mapping(item, at)
        weight = check_weight(item.get("weight"), f"{at}.weight")
        term = node_selector_term(_mapping(item.get("preference"), f"{at}.preference"), f"{at}.preference")
        if term:  # an empty preference is a no-op in Kubernetes ("matches all objects with implicit weight 0")
            found.append((weight, term))
    return tuple(found)


def _spread(spec: Mapping[str, Any]) -> tuple[SpreadConstraint, ...]:
    found = []
    for i, item in enumerate(_list(spec.get("topologySpreadConstraints"), "spec.topologySpreadConstraints",
                                   "constraints")):
        at = f"spec.topologySpreadConstraints[{i}]"
        item = _mapping(item, at)
        if item.get("minDomains") is not None:
            raise _unsupported(f"{at}.minDomains", "every domain counts, however few there are")
        if item.get("matchLabelKeys"):
            raise _unsupported(f"{at}.matchLabelKeys", "write the labels into labelSelector instead")
        for name, default in SPREAD_DEFAULTS.items():
            if item.get(name) not in (None, default):
                raise _unsupported(f"{at}.{name}", f"only {default}, the default, is")
        skew = max_skew(item.get("maxSkew"), f"{at}.maxSkew")
        key = label_key(item.get("topologyKey"), f"{at}.topologyKey")
        if item.get("whenUnsatisfiable") is None:
            raise ValidationError(f"{at}.whenUnsatisfiable", "Required value: DoNotSchedule or ScheduleAnyway")
        when = check_when_unsatisfiable(item["whenUnsatisfiable"], f"{at}.whenUnsatisfiable")
        found.append(SpreadConstraint(skew, key, when, label_selector(item.get("labelSelector"), f"{at}.labelSelector")))
    return tuple(found)


def constraints_of(spec: Mapping[str, Any]) -> Constraints:
    """The placement constraints of a pod spec (its required node affinity
    is :func:`api.kube.objects.node_affinity_of`'s)."""
    found: dict[str, Any] = {}
    affinity_spec = spec.get("affinity")
    if affinity_spec is not None:
        affinity_spec = _mapping(affinity_spec, "spec.affinity")
        node_affinity = affinity_spec.get("nodeAffinity")
        if node_affinity is not None:
            found["preferred_node_affinity"] = _preferred_node_affinity(
                _mapping(node_affinity, "spec.affinity.nodeAffinity"))
        for name, required, preferred in _KINDS:
            if affinity_spec.get(name) is not None:
                where = f"spec.affinity.{name}"
                found[required], found[preferred] = _pod_terms(_mapping(affinity_spec[name], where), where)
    return Constraints(**found, topology_spread=_spread(spec))


def priority_fields_of(spec: Mapping[str, Any]) -> tuple[str | None, int | None, str | None]:
    """A pod spec's ``priorityClassName``, ``priority`` and
    ``preemptionPolicy``, each None where not given (see
    :mod:`api.kube.priorityclasses` for what they resolve to)."""
    name = spec.get("priorityClassName")
    if name is not None and not isinstance(name, str):
        raise ValidationError("spec.priorityClassName", "must be a string: the name of a PriorityClass")
    priority = spec.get("priority")
    if priority is not None:
        check_priority(priority, "spec.priority")
    policy = spec.get("preemptionPolicy")
    if policy is not None:
        check_preemption_policy(policy, "spec.preemptionPolicy")
    return name or None, priority, policy


# --- a task's, as a pod spec's ---------------------------------------------


def selector_manifest(selector: LabelSelector) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    if selector.match_labels:
        shown["matchLabels"] = dict(selector.match_labels)
    if selector.match_expressions:
        shown["matchExpressions"] = [{"key": r.key, "operator": r.operator, **({"values": list(r.values)}
                                                                             if r.values else {})}
                                     for r in selector.match_expressions]
    return shown


def _term_manifest(term: PodAffinityTerm) -> dict[str, Any]:
    shown: dict[str, Any] = {"labelSelector": selector_manifest(term.selector), "topologyKey": term.topology_key}
    if term.namespaces:
        shown["namespaces"] = list(term.namespaces)
    return shown


def affinity_manifest(node_affinity: affinity.Affinity, constraints: Constraints) -> dict[str, Any]:
    """A pod spec's ``affinity`` for a task's node affinity and constraints
    (empty when it has neither)."""
    shown: dict[str, Any] = {}
    node: dict[str, Any] = {}
    if node_affinity:
        node[REQUIRED] = {"nodeSelectorTerms": [{"matchExpressions": _expressions(term)} for term in node_affinity]}
    if constraints.preferred_node_affinity:
        node[PREFERRED] = [{"weight": weight, "preference": {"matchExpressions": _expressions(term)}}
                           for weight, term in constraints.preferred_node_affinity]
    if node:
        shown["nodeAffinity"] = node
    for name, required_name, preferred_name in _KINDS:
        required, preferred = getattr(constraints, required_name), getattr(constraints, preferred_name)
        terms: dict[str, Any] = {}
        if required:
            terms[REQUIRED] = [_term_manifest(t) for t in required]
        if preferred:
            terms[PREFERRED] = [{"weight": t.weight, "podAffinityTerm": _term_manifest(t)} for t in preferred]
        if terms:
            shown[name] = terms
    return shown


def _expressions(term: affinity.Term) -> list[dict[str, Any]]:
    return [{"key": r.key, "operator": r.operator, **({"values": list(r.values)} if r.values else {})}
            for r in term]


def spread_manifest(constraints: Constraints) -> list[dict[str, Any]]:
    return [{"maxSkew": c.max_skew, "topologyKey": c.topology_key, "whenUnsatisfiable": c.when_unsatisfiable,
             "labelSelector": selector_manifest(c.selector)} for c in constraints.topology_spread]


def placement_manifest(node_affinity: affinity.Affinity, constraints: Constraints) -> dict[str, Any]:
    """The pod spec fields (``affinity``, ``topologySpreadConstraints``) of
    a task that came without a manifest."""
    shown: dict[str, Any] = {}
    found = affinity_manifest(node_affinity, constraints)
    if found:
        shown["affinity"] = found
    if constraints.topology_spread:
        shown["topologySpreadConstraints"] = spread_manifest(constraints)
    return shown
