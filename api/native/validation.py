"""Turn request bodies into the control plane's specs, or say what is wrong.

Pure functions, no Falcon: each raises :class:`ValidationError` naming the
field (a dotted path such as ``capacity.cpu``), which the API answers with 422.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from actors.domain import affinity, taints
from actors.domain.constraints import (
    Constraints,
    LabelSelector,
    PodAffinityTerm,
    Preference,
    SpreadConstraint,
    check_max_skew,
    check_preemption_policy,
    check_priority,
    check_selector_requirement,
    check_weight,
    check_when_unsatisfiable,
)
from actors.domain.errors import ValidationError
from actors.domain.models import (
    DEFAULT_CAPACITY,
    OUTCOMES,
    DeploymentChanges,
    DeploymentSpec,
    NodeChanges,
    NodeSpec,
    Resources,
    TaskSpec,
    TaskStatus,
    TaskTemplate,
)
from actors.domain.rollout import MAX_DEPLOYMENT_ID
from api.quantity import cpu_millicores, gpu_devices, gpu_milli, memory_mib

ID_RULE = "1-63 characters of lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
_ID = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$")
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$")
_LABEL_PREFIX = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$")
_STATUSES = frozenset(s.value for s in TaskStatus)
MAX_LABELS = 64
MAX_NAME = 253
MAX_DURATION = 10 * 365 * 24 * 3600.0  # seconds: ten years
MAX_REPLICAS = 10_000
MAX_BATCH = 1000  # tasks in one POST /tasks
TEMPLATE_FIELDS = ("resources", "node_selector", "duration", "outcome", "node_affinity", "tolerations", "labels",
                   "priority", "preemption_policy", "preferred_node_affinity", "pod_affinity", "pod_anti_affinity",
                   "topology_spread")
MAX_TAINTS = 32  # taints of a node, tolerations of a task
MAX_TERMS = 8  # node affinity terms, expressions in a term or a selector, pod affinity terms, spread constraints
MAX_VALUES = 16  # values of one expression, namespaces of a pod affinity term
MAX_SKEW = 2**31 - 1  # Kubernetes' int32
POD_TERM_FIELDS = ("label_selector", "topology_key", "namespaces", "weight")
SPREAD_FIELDS = ("max_skew", "topology_key", "when_unsatisfiable", "label_selector")


def valid_id(value: object, field: str = "id") -> str:
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string of {ID_RULE}")
    if not _ID.fullmatch(value):
        shown = value if len(value) <= 70 else value[:70] + "..."
        raise ValidationError(field, f"'{shown}' is not a valid id: use {ID_RULE}")
    return value


def _only(body: Mapping[str, Any], allowed: tuple[str, ...], where: str = "") -> None:
    """Refuse unknown fields, naming every one (``field`` is the first)."""
    if body.keys() <= _as_set(allowed):
        return
    unknown = [f"{where}{key}" for key in body if key not in allowed]
    shown = ", ".join(f"'{name[:80]}'" for name in unknown[:10]) + (", ..." if len(unknown) > 10 else "")
    noun = "field" if len(unknown) == 1 else "fields"
    raise ValidationError(unknown[0], f"unknown {noun} {shown}; allowed: {', '.join(allowed)}")


@functools.lru_cache(maxsize=64)
def _as_set(fields: tuple[str, ...]) -> frozenset[str]:
    return frozenset(fields)


def _object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(field, f"must be a JSON object, not {json_type_name(value)}")
    return value


def _bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(field, f"must be true or false, not {json_type_name(value)}")
    return value


def json_type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def labels(value: object, field: str = "labels") -> dict[str, str]:
    """Kubernetes label rules: ``[prefix/]name`` keys, short plain values."""
    mapping = _object(value, field)
    if len(mapping) > MAX_LABELS:
        raise ValidationError(field, f"at most {MAX_LABELS} labels, got {len(mapping)}")
    result = {}
    for key, val in mapping.items():
        prefix, slash, name = key.rpartition("/")
        if not _LABEL_NAME.fullmatch(name) or (slash and not _LABEL_PREFIX.fullmatch(prefix)):
            raise ValidationError(
                f"{field}.{key[:70]}",
                "label keys are an optional DNS prefix and '/', then 1-63 letters, digits, '-', '_' or '.', "
                "starting and ending with a letter or digit",
            )
        if not isinstance(val, str) or not _LABEL_VALUE.fullmatch(val):
            raise ValidationError(
                f"{field}.{key}",
                "label values are strings of at most 63 letters, digits, '-', '_' or '.', "
                "starting and ending with a letter or digit (or empty)",
            )
        result[key] = val
    return result


def resources(value: object, field: str, default: Resources, capacity: bool = False) -> Resources:
    """cpu, memory and gpu: a task's gpu in GPUs (0.5, 2), a node's capacity
    in whole devices (see :mod:`api.quantity`); milli-GPU inside."""
    mapping = _object(value, field)
    _only(mapping, ("cpu", "memory", "gpu"), f"{field}.")
    cpu = cpu_millicores(mapping["cpu"], f"{field}.cpu") if "cpu" in mapping else default.cpu
    memory = memory_mib(mapping["memory"], f"{field}.memory") if "memory" in mapping else default.memory
    gpu = default.gpu
    if "gpu" in mapping:
        gpu = gpu_devices(mapping["gpu"], f"{field}.gpu") * 1000 if capacity else gpu_milli(mapping["gpu"], f"{field}.gpu")
    return Resources(cpu=cpu, memory=memory, gpu=gpu)


def node_affinity(value: object, field: str = "node_affinity") -> affinity.Affinity:
    """Required node affinity: a list of terms (ORed), each a list of
    ``{"key", "operator", "values"}`` expressions (ANDed)."""
    if not isinstance(value, list) or len(value) > MAX_TERMS:
        raise ValidationError(field, f"must be a list of at most {MAX_TERMS} terms, each a list of "
                              "{\"key\", \"operator\", \"values\"} expressions")
    return tuple(_node_term(term, f"{field}[{i}]") for i, term in enumerate(value))


def _node_term(term: object, where: str) -> affinity.Term:
    """A node affinity term: 1 to MAX_TERMS expressions over a node's labels."""
    if not isinstance(term, list) or not term or len(term) > MAX_TERMS:
        raise ValidationError(where, f"a term is a list of 1 to {MAX_TERMS} expressions")
    requirements = []
    for j, expression in enumerate(term):
        at = f"{where}[{j}]"
        expression = _object(expression, at)
        _only(expression, ("key", "operator", "values"), f"{at}.")
        key = expression.get("key")
        if not isinstance(key, str):
            raise ValidationError(f"{at}.key", "is required: a label key")
        labels({key: ""}, f"{at}.key")
        values = expression.get("values", [])
        if not isinstance(values, list) or len(values) > MAX_VALUES or not all(
                isinstance(v, str) and len(v) <= 63 for v in values):
            raise ValidationError(f"{at}.values", f"must be a list of at most {MAX_VALUES} strings")
        requirements.append(affinity.requirement(key, expression.get("operator"), values, at))
    return tuple(requirements)


def _items(value: object, field: str, most: int, what: str,
           keys: tuple[str, ...]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(field[i], item)`` for each object of a list of at most ``most``
    ``what`` holding only ``keys`` (a ValidationError naming the first at fault)."""
    if not isinstance(value, list) or len(value) > most:
        raise ValidationError(field, f"must be a list of at most {most} {what}")
    for i, item in enumerate(value):
        at = f"{field}[{i}]"
        item = _object(item, at)
        _only(item, keys, f"{at}.")
        yield at, item


def node_taints(value: object, field: str = "taints") -> tuple[taints.Taint, ...]:
    """``[{"key", "value", "effect"}]``: a label key, a label value (empty by
    default), NoSchedule (the default), PreferNoSchedule or NoExecute."""
    found = []
    for at, item in _items(value, field, MAX_TAINTS, "taints", ("key", "value", "effect")):
        key, val = item.get("key"), item.get("value", "")
        if not isinstance(key, str) or not isinstance(val, str):
            raise ValidationError(f"{at}.key", "is required: a label key, and value a label value")
        labels({key: val}, at)
        found.append(taints.check_taint(taints.Taint(key, val, str(item.get("effect", "NoSchedule"))), at))
    return tuple(found)


def task_tolerations(value: object, field: str = "tolerations") -> tuple[taints.Toleration, ...]:
    """``[{"key", "operator", "value", "effect", "toleration_seconds"}]``
    with Kubernetes' rules (see :mod:`actors.domain.taints`)."""
    found = []
    for at, item in _items(value, field, MAX_TAINTS, "tolerations",
                           ("key", "operator", "value", "effect", "toleration_seconds")):
        key, val = item.get("key", ""), item.get("value", "")
        if not isinstance(key, str) or not isinstance(val, str):
            raise ValidationError(f"{at}.key", "key and value must be strings")
        if key:
            labels({key: val}, at)
        seconds = item.get("toleration_seconds")
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                    or not 0 <= seconds <= MAX_DURATION):
            raise ValidationError(f"{at}.toleration_seconds", "must be a number of seconds")
        found.append(taints.check_toleration(taints.Toleration(
            key, str(item.get("operator", "Equal")), val, str(item.get("effect", "")),
            None if seconds is None else float(seconds)), at))
    return tuple(found)


def label_key(value: object, field: str) -> str:
    """A label key (``[prefix/]name``) that is a field of its own, such as
    a topology key."""
    if not isinstance(value, str) or not value:
        raise ValidationError(field, "is required: a label key")
    try:
        labels({value: ""}, field)
    except ValidationError as exc:
        raise ValidationError(field, exc.message) from None
    return value


def label_value(value: object, field: str) -> str:
    """A label value that is a field of its own, such as a selector's."""
    if not isinstance(value, str) or not _LABEL_VALUE.fullmatch(value):
        raise ValidationError(field, "label values are strings of at most 63 letters, digits, '-', '_' or '.', "
                              "starting and ending with a letter or digit (or empty)")
    return value


def preferred_node_affinity(value: object, field: str = "preferred_node_affinity") -> tuple[Preference, ...]:
    """``[{"weight": 1-100, "preference": [expression, ...]}]``: a preference
    is a term of :func:`node_affinity`; a node matching it scores its weight."""
    found = []
    for at, item in _items(value, field, MAX_TERMS, "weighted preferences", ("weight", "preference")):
        weight = check_weight(item.get("weight"), f"{at}.weight")
        found.append((weight, _node_term(item.get("preference"), f"{at}.preference")))
    return tuple(found)


def label_selector(value: object, field: str) -> LabelSelector:
    """``{"match_labels": {...}, "match_expressions": [{"key", "operator",
    "values"}]}`` over tasks' labels: operators In, NotIn, Exists,
    DoesNotExist (see :mod:`actors.domain.constraints`)."""
    mapping = _object(value, field)
    _only(mapping, ("match_labels", "match_expressions"), f"{field}.")
    match = labels(mapping["match_labels"], f"{field}.match_labels") if "match_labels" in mapping else {}
    expressions = []
    for at, item in _items(mapping.get("match_expressions", []), f"{field}.match_expressions", MAX_TERMS,
                           "expressions", ("key", "operator", "values")):
        key = label_key(item.get("key"), f"{at}.key")
        values = item.get("values", [])
        if not isinstance(values, list) or len(values) > MAX_VALUES or not all(
                isinstance(v, str) and _LABEL_VALUE.fullmatch(v) for v in values):
            raise ValidationError(f"{at}.values", f"must be a list of at most {MAX_VALUES} label values")
        expressions.append(check_selector_requirement(
            affinity.Requirement(key, str(item.get("operator")), tuple(values)), at))
    return LabelSelector(tuple(sorted(match.items())), tuple(expressions))


def _required_selector(item: Mapping[str, Any], field: str) -> LabelSelector:
    if "label_selector" not in item:
        raise ValidationError(field, "is required: a label selector ({} selects every task with labels)")
    return label_selector(item["label_selector"], field)


def _pod_term(item: Mapping[str, Any], at: str, preferred: bool) -> PodAffinityTerm:
    """One term of ``pod_affinity`` or ``pod_anti_affinity``: a weight of 1
    to 100 in a preferred term, none in a required one."""
    weight = 0
    if preferred:
        weight = check_weight(item.get("weight"), f"{at}.weight")
    elif "weight" in item:
        raise ValidationError(f"{at}.weight", "is only for preferred terms")
    selector = _required_selector(item, f"{at}.label_selector")
    key = label_key(item.get("topology_key"), f"{at}.topology_key")
    found = item.get("namespaces", [])
    if not isinstance(found, list) or len(found) > MAX_VALUES:
        raise ValidationError(f"{at}.namespaces", f"must be a list of at most {MAX_VALUES} namespaces")
    for i, namespace in enumerate(found):
        valid_id(namespace, f"{at}.namespaces[{i}]")
    return PodAffinityTerm(selector, key, tuple(found), weight)


def pod_affinity(value: object, field: str) -> tuple[tuple[PodAffinityTerm, ...], tuple[PodAffinityTerm, ...]]:
    """``{"required": [term, ...], "preferred": [term, ...]}`` (both
    optional), as ``(required, preferred)``."""
    mapping = _object(value, field)
    _only(mapping, ("required", "preferred"), f"{field}.")
    required = tuple(_pod_term(item, at, False) for at, item in _items(
        mapping.get("required", []), f"{field}.required", MAX_TERMS, "terms", POD_TERM_FIELDS))
    preferred = tuple(_pod_term(item, at, True) for at, item in _items(
        mapping.get("preferred", []), f"{field}.preferred", MAX_TERMS, "terms", POD_TERM_FIELDS))
    return required, preferred


def max_skew(value: object, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_SKEW:
        raise ValidationError(field, f"must be at most {MAX_SKEW}")
    return check_max_skew(value, field)


def topology_spread(value: object, field: str = "topology_spread") -> tuple[SpreadConstraint, ...]:
    """``[{"max_skew", "topology_key", "when_unsatisfiable", "label_selector"}]``."""
    found = []
    for at, item in _items(value, field, MAX_TERMS, "constraints", SPREAD_FIELDS):
        skew = max_skew(item.get("max_skew"), f"{at}.max_skew")
        key = label_key(item.get("topology_key"), f"{at}.topology_key")
        when = check_when_unsatisfiable(item.get("when_unsatisfiable", "DoNotSchedule"), f"{at}.when_unsatisfiable")
        found.append(SpreadConstraint(skew, key, when, _required_selector(item, f"{at}.label_selector")))
    return tuple(found)


def constraints(body: Mapping[str, Any], where: str = "") -> Constraints:
    """The placement constraints of a task or template body, read in the
    order of TEMPLATE_FIELDS (``where`` prefixes the field names in errors)."""
    preferences = preferred_node_affinity(body["preferred_node_affinity"], f"{where}preferred_node_affinity") \
        if "preferred_node_affinity" in body else ()
    required, preferred = pod_affinity(body["pod_affinity"], f"{where}pod_affinity") \
        if "pod_affinity" in body else ((), ())
    anti, preferred_anti = pod_affinity(body["pod_anti_affinity"], f"{where}pod_anti_affinity") \
        if "pod_anti_affinity" in body else ((), ())
    spread = topology_spread(body["topology_spread"], f"{where}topology_spread") if "topology_spread" in body else ()
    return Constraints(preferred_node_affinity=preferences, affinity=required, preferred_affinity=preferred,
                       anti_affinity=anti, preferred_anti_affinity=preferred_anti, topology_spread=spread)


def node_spec(body: Mapping[str, Any]) -> NodeSpec:
    _only(body, ("id", "capacity", "labels", "simulated", "taints"))
    if "id" not in body:
        raise ValidationError("id", f"is required: {ID_RULE}")
    return NodeSpec(
        id=valid_id(body["id"]),
        capacity=resources(body["capacity"], "capacity", DEFAULT_CAPACITY, capacity=True) if "capacity" in body
        else DEFAULT_CAPACITY,
        labels=labels(body["labels"]) if "labels" in body else {},
        simulated=_bool(body["simulated"], "simulated") if "simulated" in body else True,
        taints=node_taints(body["taints"]) if body.get("taints") is not None else (),
    )


def expected_version(body: Mapping[str, Any], if_match: str | None) -> int | None:
    """The version a writer expects, from the body's ``version`` or If-Match."""
    version = None
    if "version" in body:
        version = _version(body["version"], "version")
    if if_match is not None and if_match.strip() != "*":
        header = _version(if_match.strip().removeprefix("W/").strip('"'), "If-Match", from_header=True)
        if version is not None and header != version:
            raise ValidationError("If-Match", f"says version {header} but the body says {version}")
        version = header
    return version


def _version(value: object, field: str, from_header: bool = False) -> int:
    if from_header and isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise ValidationError(field, "must be a non-negative integer version")
    return value


def node_changes(body: Mapping[str, Any]) -> NodeChanges:
    _only(body, ("healthy", "schedulable", "labels", "taints", "version"))
    return NodeChanges(
        healthy=_bool(body["healthy"], "healthy") if "healthy" in body else None,
        schedulable=_bool(body["schedulable"], "schedulable") if "schedulable" in body else None,
        labels=labels(body["labels"]) if "labels" in body else None,
        taints=node_taints(body["taints"]) if body.get("taints") is not None else None,
    )


def task_spec(body: Mapping[str, Any]) -> TaskSpec:
    _only(body, ("id", "name", *TEMPLATE_FIELDS))
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME or "\x00" in name):
        raise ValidationError("name", f"must be a string of 1-{MAX_NAME} characters")
    template = _template_fields(body, "")
    return TaskSpec(
        id=valid_id(body["id"]) if body.get("id") is not None else None,
        name=name,
        resources=template.resources,
        node_selector=template.node_selector,
        duration=template.duration,
        outcome=template.outcome,
        node_affinity=template.node_affinity,
        tolerations=template.tolerations,
        labels=template.labels,
        constraints=template.constraints,
        priority=template.priority,
        preemption_policy=template.preemption_policy,
    )


def task_specs(items: list[Any]) -> list[TaskSpec]:
    """A batch of tasks, every item checked by :func:`task_spec` before any
    is created; an error names the item's index first (``[3].resources.cpu``).
    Two items with the same id are refused too: one batch is one transaction,
    and no transaction creates a task twice. The batch's length is the
    caller's to check (``MAX_BATCH``; an empty batch)."""
    specs = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        where = f"[{index}]"
        if not isinstance(item, dict):
            raise ValidationError(where, f"each item must be a JSON object (a task), not {json_type_name(item)}")
        try:
            spec = task_spec(item)
        except ValidationError as exc:
            raise ValidationError(f"{where}.{exc.field}", exc.message) from None
        if spec.id is not None:
            if spec.id in seen:
                raise ValidationError(f"{where}.id", f"'{spec.id}' is also the id of item [{seen[spec.id]}]")
            seen[spec.id] = index
        specs.append(spec)
    return specs


def _template_fields(body: Mapping[str, Any], where: str) -> TaskTemplate:
    """The fields a task and a deployment's template share, by the same
    rules; ``where`` prefixes the field names in errors."""
    return TaskTemplate(
        resources=resources(body["resources"], f"{where}resources", Resources()) if "resources" in body else Resources(),
        node_selector=labels(body["node_selector"], f"{where}node_selector") if "node_selector" in body else {},
        duration=duration(body.get("duration"), f"{where}duration"),
        outcome=outcome(body["outcome"], f"{where}outcome") if body.get("outcome") is not None else TaskStatus.SUCCEEDED,
        node_affinity=node_affinity(body["node_affinity"], f"{where}node_affinity")
        if body.get("node_affinity") is not None else (),
        tolerations=task_tolerations(body["tolerations"], f"{where}tolerations")
        if body.get("tolerations") is not None else (),
        labels=labels(body["labels"], f"{where}labels") if "labels" in body else {},
        priority=check_priority(body["priority"], f"{where}priority") if "priority" in body else 0,
        preemption_policy=check_preemption_policy(body["preemption_policy"], f"{where}preemption_policy")
        if "preemption_policy" in body else "PreemptLowerPriority",
        constraints=constraints(body, where),
    )


def task_template(value: object, field: str = "template") -> TaskTemplate:
    """A deployment's template: a task's fields without ``id`` and ``name``
    (its tasks are named after the deployment)."""
    mapping = _object(value, field)
    _only(mapping, TEMPLATE_FIELDS, f"{field}.")
    return _template_fields(mapping, f"{field}.")


def deployment_id(value: object, field: str = "id") -> str:
    """A valid id of at most 57 characters, so that its tasks'
    ``<id>-<5 characters>`` ids are valid too."""
    value = valid_id(value, field)
    if len(value) > MAX_DEPLOYMENT_ID:
        raise ValidationError(
            field,
            f"'{value[:70]}' is {len(value)} characters; deployment ids are at most {MAX_DEPLOYMENT_ID}, "
            "so that the ids of its tasks ('<id>-' and 5 characters) stay within 63",
        )
    return value


def replicas(value: object, field: str = "replicas") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"must be an integer from 0 to {MAX_REPLICAS}, not {json_type_name(value)}")
    if not 0 <= value <= MAX_REPLICAS:
        raise ValidationError(field, f"must be an integer from 0 to {MAX_REPLICAS}, got {str(value)[:40]}")
    return value


def deployment_spec(body: Mapping[str, Any]) -> DeploymentSpec:
    _only(body, ("id", "replicas", "template"))
    if "id" not in body:
        raise ValidationError("id", f"is required: {ID_RULE}, at most {MAX_DEPLOYMENT_ID} characters")
    return DeploymentSpec(
        id=deployment_id(body["id"]),
        replicas=replicas(body["replicas"]) if "replicas" in body else 1,
        template=task_template(body["template"]) if "template" in body else TaskTemplate(),
    )


def deployment_changes(body: Mapping[str, Any]) -> DeploymentChanges:
    """``replicas`` and/or a whole new ``template`` (fields left out of it
    take their defaults, as on creation)."""
    _only(body, ("replicas", "template", "version"))
    return DeploymentChanges(
        replicas=replicas(body["replicas"]) if "replicas" in body else None,
        template=task_template(body["template"]) if "template" in body else None,
    )


def duration(value: object, field: str = "duration") -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
        isinstance(value, float) and not math.isfinite(value)
    ):
        raise ValidationError(field, "must be a number of seconds")
    if not 0 <= value <= MAX_DURATION:  # exact for ints of any size
        raise ValidationError(field, f"must be between 0 and {MAX_DURATION:.0f} seconds, got {str(value)[:40]}")
    return float(value)


def outcome(value: object, field: str = "outcome") -> TaskStatus:
    if value not in OUTCOMES:
        raise ValidationError(field, f"must be 'succeeded' or 'failed', not {value!r}"[:200])
    return TaskStatus(value)


def task_status(value: object, field: str = "status") -> TaskStatus:
    if not isinstance(value, str) or value not in _STATUSES:
        allowed = ", ".join(s.value for s in TaskStatus)
        raise ValidationError(field, f"must be one of {allowed}, not {str(value)[:80]!r}")
    return TaskStatus(value)


def status_update(body: Mapping[str, Any]) -> TaskStatus:
    _only(body, ("status", "version"))
    if "status" not in body:
        raise ValidationError("status", "is required")
    return task_status(body["status"])


def only_version(body: Mapping[str, Any]) -> None:
    """A DELETE body may carry only the expected ``version``."""
    _only(body, ("version",))
