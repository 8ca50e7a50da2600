"""The server's rules for an applied document, carried by the client.

``apply`` decides between *created*, *configured* and *unchanged* by
comparing a document with the stored object, so it must read the document as
the server would: ``"500m"`` is 500 millicores, a missing ``capacity`` is the
default one, a bad id is refused with the server's own message. Like kubectl,
which carries its own copy of apimachinery's quantity parser, the client keeps
these rules here rather than importing the server (``api.native.validation``,
``api.quantity``, ``actors.domain``), so it runs with its own dependencies.

``tests/api/client/test_normalize.py`` holds this module to the server's
rules, on the results and on the error messages, so the two cannot drift.

Units as in :mod:`api.quantity`: cpu in millicores (an integer, or a quantity
string in cores: ``"2"`` = 2000, ``"500m"`` = 500), memory in MiB (an integer,
or a quantity string in bytes: ``"512Mi"`` = 512, ``"1G"`` = 954), rounded up;
GPU in GPUs (a task's: below 1 a share of one device, ``0.5`` or ``"500m"``,
else whole devices; a node's capacity: whole devices), shown only where
there is some; durations in seconds. Results are the JSON the server
answers with.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Any

MAX_CPU = 10**9  # millicores
MAX_MEMORY = 2**40  # MiB
MAX_GPUS = 64  # devices on a node, or asked by a task
MAX_TERMS = 8  # node affinity terms, expressions in a term or a selector, pod affinity terms, spread constraints
MAX_VALUES = 16  # values of one expression, namespaces of a pod affinity term
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
WHEN_UNSATISFIABLE = ("DoNotSchedule", "ScheduleAnyway")
PREEMPTION_POLICIES = ("PreemptLowerPriority", "Never")
MIN_WEIGHT, MAX_WEIGHT = 1, 100
MIN_PRIORITY, MAX_PRIORITY = -(2**31), 2**31 - 1
MAX_SKEW = 2**31 - 1
MAX_LABELS = 64
MAX_NAME = 253
MAX_DURATION = 10 * 365 * 24 * 3600.0  # seconds
MAX_REPLICAS = 10_000
MAX_DEPLOYMENT_ID = 57  # so that its tasks' '<id>-xxxxx' ids stay within 63
DEFAULT_CAPACITY = {"cpu": 4000, "memory": 8192}  # millicores, MiB
OUTCOMES = ("succeeded", "failed")
TEMPLATE_FIELDS = ("resources", "node_selector", "duration", "outcome", "node_affinity", "tolerations", "labels",
                   "priority", "preemption_policy", "preferred_node_affinity", "pod_affinity", "pod_anti_affinity",
                   "topology_spread")
POD_TERM_FIELDS = ("label_selector", "topology_key", "namespaces", "weight")
SPREAD_FIELDS = ("max_skew", "topology_key", "when_unsatisfiable", "label_selector")
MAX_TAINTS = 32  # taints of a node, tolerations of a task
EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
ID_RULE = "1-63 characters of lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"

_ID = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$")
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$")
_LABEL_PREFIX = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$")
_QUANTITY = re.compile(r"\+?([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?")
_SUFFIXES = {
    "": Fraction(1),
    "m": Fraction(1, 1000),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
}


class Invalid(ValueError):
    """The document breaks a rule; ``field`` names the field (a dotted path),
    and ``str()`` reads as the server's 422 does: ``field: message``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


# -- the documents apply sends -------------------------------------------------


def node(body: Mapping[str, Any]) -> dict[str, Any]:
    """A node's registration as the server stores it: id, capacity, labels, simulated."""
    _only(body, ("id", "capacity", "labels", "simulated", "taints"))
    if "id" not in body:
        raise Invalid("id", f"is required: {ID_RULE}")
    return _with_taints(body, {
        "id": valid_id(body["id"]),
        "capacity": resources(body["capacity"], "capacity", DEFAULT_CAPACITY, capacity=True) if "capacity" in body
        else dict(DEFAULT_CAPACITY),
        "labels": labels(body["labels"]) if "labels" in body else {},
        "simulated": _bool(body["simulated"], "simulated") if "simulated" in body else True,
    })


def task(body: Mapping[str, Any]) -> dict[str, Any]:
    """A task as the server stores it: id (None: the server picks one), name
    (None: the server's default), and the template fields."""
    _only(body, ("id", "name", *TEMPLATE_FIELDS))
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME or "\x00" in name):
        raise Invalid("name", f"must be a string of 1-{MAX_NAME} characters")
    fields = _template_fields(body, "")
    return {"id": valid_id(body["id"]) if body.get("id") is not None else None, "name": name, **fields}


def deployment(body: Mapping[str, Any]) -> dict[str, Any]:
    """A deployment as the server stores it: id, replicas, template."""
    _only(body, ("id", "replicas", "template"))
    if "id" not in body:
        raise Invalid("id", f"is required: {ID_RULE}, at most {MAX_DEPLOYMENT_ID} characters")
    return {
        "id": deployment_id(body["id"]),
        "replicas": replicas(body["replicas"]) if "replicas" in body else 1,
        "template": task_template(body["template"]) if "template" in body else _template_fields({}, ""),
    }


# -- fields ----------------------------------------------------------------------


def valid_id(value: object, field: str = "id") -> str:
    if not isinstance(value, str):
        raise Invalid(field, f"must be a string of {ID_RULE}")
    if not _ID.fullmatch(value):
        shown = value if len(value) <= 70 else value[:70] + "..."
        raise Invalid(field, f"'{shown}' is not a valid id: use {ID_RULE}")
    return value


def deployment_id(value: object, field: str = "id") -> str:
    value = valid_id(value, field)
    if len(value) > MAX_DEPLOYMENT_ID:
        raise Invalid(
            field,
            f"'{value[:70]}' is {len(value)} characters; deployment ids are at most {MAX_DEPLOYMENT_ID}, "
            "so that the ids of its tasks ('<id>-' and 5 characters) stay within 63",
        )
    return value


def labels(value: object, field: str = "labels") -> dict[str, str]:
    mapping = _object(value, field)
    if len(mapping) > MAX_LABELS:
        raise Invalid(field, f"at most {MAX_LABELS} labels, got {len(mapping)}")
    result = {}
    for key, val in mapping.items():
        prefix, slash, name = key.rpartition("/")
        if not _LABEL_NAME.fullmatch(name) or (slash and not _LABEL_PREFIX.fullmatch(prefix)):
            raise Invalid(
                f"{field}.{key[:70]}",
                "label keys are an optional DNS prefix and '/', then 1-63 letters, digits, '-', '_' or '.', "
                "starting and ending with a letter or digit",
            )
        if not isinstance(val, str) or not _LABEL_VALUE.fullmatch(val):
            raise Invalid(
                f"{field}.{key}",
                "label values are strings of at most 63 letters, digits, '-', '_' or '.', "
                "starting and ending with a letter or digit (or empty)",
            )
        result[key] = val
    return result


def resources(value: object, field: str, default: Mapping[str, int], capacity: bool = False) -> dict[str, Any]:
    """``{"cpu": millicores, "memory": MiB}``, and ``"gpu"`` (GPUs) when
    there is some; a missing one takes ``default``'s."""
    mapping = _object(value, field)
    _only(mapping, ("cpu", "memory", "gpu"), f"{field}.")
    cpu = cpu_millicores(mapping["cpu"], f"{field}.cpu") if "cpu" in mapping else default["cpu"]
    memory = memory_mib(mapping["memory"], f"{field}.memory") if "memory" in mapping else default["memory"]
    result: dict[str, Any] = {"cpu": cpu, "memory": memory}
    if "gpu" in mapping:
        milli = gpu_devices(mapping["gpu"], f"{field}.gpu") * 1000 if capacity else gpu_milli(
            mapping["gpu"], f"{field}.gpu")
        if milli:
            result["gpu"] = milli // 1000 if milli % 1000 == 0 else milli / 1000
    return result


def gpu_milli(value: object, field: str = "gpu") -> int:
    """A task's GPU request in thousandths of a device."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Invalid(field, f"must be a number of GPUs (0.5 for half of one, 2 for two) or a quantity "
                      f"string such as '500m', not {type(value).__name__}")
    if isinstance(value, str):
        amount = parse_quantity(value, field)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid(field, f"must be a finite number of GPUs, not {value}")
        amount = Fraction(value)
    else:
        amount = Fraction(value)
    if amount < 0:
        raise Invalid(field, f"must not be negative, got {value}")
    if amount > MAX_GPUS:
        raise Invalid(field, f"must be at most {MAX_GPUS} GPUs, got {value}")
    if 0 < amount < 1:  # a share: rounded up to whole thousandths (at least one), as cpu is to millicores
        amount = Fraction(max(math.ceil(round(amount * 1000, 9)), 1), 1000)
    milli = amount * 1000
    if amount > 1 and amount.denominator != 1:
        raise Invalid(field, f"must be a share of one GPU (below 1) or whole GPUs, not {value}: "
                      "a share never spans devices")
    if milli.denominator != 1:  # not reached: whole amounts are checked above, shares rounded
        raise Invalid(field, f"must be a whole number of thousandths of a GPU (0.001 at least), not {value}")
    return int(milli)


def gpu_devices(value: object, field: str = "gpu") -> int:
    """A node's GPU capacity: whole devices."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 3:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_GPUS:
        raise Invalid(field, f"must be a whole number of GPU devices from 0 to {MAX_GPUS}, not {value!r}")
    return value


def _with_taints(body: Mapping[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """The node's fields, then its taints (read last, as the server reads them)."""
    found = taints(body["taints"]) if body.get("taints") is not None else []
    return {**node, "taints": found} if found else node


def _items(value: object, field: str, most: int, what: str,
           keys: tuple[str, ...]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(field[i], item)`` for each object of a list of at most ``most``
    ``what`` holding only ``keys`` (a Invalid naming the first at fault)."""
    if not isinstance(value, list) or len(value) > most:
        raise Invalid(field, f"must be a list of at most {most} {what}")
    for i, item in enumerate(value):
        at = f"{field}[{i}]"
        item = _object(item, at)
        _only(item, keys, f"{at}.")
        yield at, item


def taints(value: object, field: str = "taints") -> list[dict[str, str]]:
    found = []
    for at, item in _items(value, field, MAX_TAINTS, "taints", ("key", "value", "effect")):
        key, val = item.get("key"), item.get("value", "")
        if not isinstance(key, str) or not isinstance(val, str):
            raise Invalid(f"{at}.key", "is required: a label key, and value a label value")
        labels({key: val}, at)
        effect = str(item.get("effect", "NoSchedule"))
        if effect not in EFFECTS:
            raise Invalid(f"{at}.effect", f"must be one of {', '.join(EFFECTS)}, not {effect!r}")
        found.append({"key": key, "value": val, "effect": effect})
    return found


def tolerations(value: object, field: str = "tolerations") -> list[dict[str, Any]]:
    found = []
    for at, item in _items(value, field, MAX_TAINTS, "tolerations",
                           ("key", "operator", "value", "effect", "toleration_seconds")):
        key, val = item.get("key", ""), item.get("value", "")
        if not isinstance(key, str) or not isinstance(val, str):
            raise Invalid(f"{at}.key", "key and value must be strings")
        if key:
            labels({key: val}, at)
        seconds = item.get("toleration_seconds")
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                    or not 0 <= seconds <= MAX_DURATION):
            raise Invalid(f"{at}.toleration_seconds", "must be a number of seconds")
        operator, effect = str(item.get("operator", "Equal")), str(item.get("effect", ""))
        if operator not in ("Equal", "Exists"):
            raise Invalid(f"{at}.operator", f"must be Equal or Exists, not {operator!r}")
        if effect and effect not in EFFECTS:
            raise Invalid(f"{at}.effect", f"must be empty or one of {', '.join(EFFECTS)}, not {effect!r}")
        if operator == "Exists" and val:
            raise Invalid(f"{at}.value", "must be empty when operator is Exists")
        if not key and operator != "Exists":
            raise Invalid(f"{at}.operator", "must be Exists when the key is empty")
        if seconds is not None and effect != "NoExecute":
            raise Invalid(f"{at}.toleration_seconds", "is only for effect NoExecute")
        shown: dict[str, Any] = {"key": key, "operator": operator, "value": val, "effect": effect}
        if seconds is not None:
            shown["toleration_seconds"] = float(seconds)
        found.append(shown)
    return found


def node_affinity(value: object, field: str = "node_affinity") -> list[list[dict[str, Any]]]:
    """Terms (ORed) of ``{"key", "operator", "values"}`` expressions (ANDed)."""
    if not isinstance(value, list) or len(value) > MAX_TERMS:
        raise Invalid(field, f"must be a list of at most {MAX_TERMS} terms, each a list of "
                      '{"key", "operator", "values"} expressions')
    return [_node_term(term, f"{field}[{i}]") for i, term in enumerate(value)]


def _node_term(term: object, where: str) -> list[dict[str, Any]]:
    if not isinstance(term, list) or not term or len(term) > MAX_TERMS:
        raise Invalid(where, f"a term is a list of 1 to {MAX_TERMS} expressions")
    expressions = []
    for j, expression in enumerate(term):
        at = f"{where}[{j}]"
        expression = _object(expression, at)
        _only(expression, ("key", "operator", "values"), f"{at}.")
        key = expression.get("key")
        if not isinstance(key, str):
            raise Invalid(f"{at}.key", "is required: a label key")
        labels({key: ""}, f"{at}.key")
        values = expression.get("values", [])
        if not isinstance(values, list) or len(values) > MAX_VALUES or not all(
                isinstance(v, str) and len(v) <= 63 for v in values):
            raise Invalid(f"{at}.values", f"must be a list of at most {MAX_VALUES} strings")
        operator = str(expression.get("operator"))
        problem = _requirement_problem(operator, values)
        if problem:
            raise Invalid(f"{at}.operator" if "operator" in problem else f"{at}.values", problem)
        expressions.append({"key": key, "operator": operator, "values": list(values)})
    return expressions


def label_key(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise Invalid(field, "is required: a label key")
    try:
        labels({value: ""}, field)
    except Invalid as exc:
        raise Invalid(field, exc.message) from None
    return value


def preferred_node_affinity(value: object, field: str = "preferred_node_affinity") -> list[dict[str, Any]]:
    """``[{"weight": 1-100, "preference": [expression, ...]}]``."""
    found = []
    for at, item in _items(value, field, MAX_TERMS, "weighted preferences", ("weight", "preference")):
        weight = _weight(item.get("weight"), f"{at}.weight")
        found.append({"weight": weight, "preference": _node_term(item.get("preference"), f"{at}.preference")})
    return found


def _weight(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_WEIGHT <= value <= MAX_WEIGHT:
        raise Invalid(field, f"must be a whole number from {MIN_WEIGHT} to {MAX_WEIGHT}")
    return value


def label_selector(value: object, field: str) -> dict[str, Any]:
    """``{"match_labels", "match_expressions"}``, shown as the server shows
    it: only the parts that hold something."""
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
            raise Invalid(f"{at}.values", f"must be a list of at most {MAX_VALUES} label values")
        operator = str(item.get("operator"))
        if operator not in SELECTOR_OPERATORS:
            raise Invalid(f"{at}.operator", f"must be one of {', '.join(SELECTOR_OPERATORS)}, not {operator!r}")
        problem = _requirement_problem(operator, values)
        if problem:
            raise Invalid(f"{at}.values", problem)
        expressions.append({"key": key, "operator": operator, "values": list(values)})
    return ({"match_labels": dict(sorted(match.items()))} if match else {}) | (
        {"match_expressions": expressions} if expressions else {})


def _required_selector(item: Mapping[str, Any], field: str) -> dict[str, Any]:
    if "label_selector" not in item:
        raise Invalid(field, "is required: a label selector ({} selects every task with labels)")
    return label_selector(item["label_selector"], field)


def _pod_term(item: Mapping[str, Any], at: str, preferred: bool) -> dict[str, Any]:
    weight = 0
    if preferred:
        weight = _weight(item.get("weight"), f"{at}.weight")
    elif "weight" in item:
        raise Invalid(f"{at}.weight", "is only for preferred terms")
    selector = _required_selector(item, f"{at}.label_selector")
    key = label_key(item.get("topology_key"), f"{at}.topology_key")
    found = item.get("namespaces", [])
    if not isinstance(found, list) or len(found) > MAX_VALUES:
        raise Invalid(f"{at}.namespaces", f"must be a list of at most {MAX_VALUES} namespaces")
    for i, namespace in enumerate(found):
        valid_id(namespace, f"{at}.namespaces[{i}]")
    return {"label_selector": selector, "topology_key": key} | ({"namespaces": list(found)} if found else {}) | (
        {"weight": weight} if weight else {})


def pod_affinity(value: object, field: str) -> dict[str, list[dict[str, Any]]]:
    """``{"required": [term, ...], "preferred": [term, ...]}``, both shown."""
    mapping = _object(value, field)
    _only(mapping, ("required", "preferred"), f"{field}.")
    return {kind: [_pod_term(item, at, kind == "preferred") for at, item in _items(
        mapping.get(kind, []), f"{field}.{kind}", MAX_TERMS, "terms", POD_TERM_FIELDS)]
        for kind in ("required", "preferred")}


def topology_spread(value: object, field: str = "topology_spread") -> list[dict[str, Any]]:
    found = []
    for at, item in _items(value, field, MAX_TERMS, "constraints", SPREAD_FIELDS):
        skew = item.get("max_skew")
        if isinstance(skew, int) and not isinstance(skew, bool) and skew > MAX_SKEW:
            raise Invalid(f"{at}.max_skew", f"must be at most {MAX_SKEW}")
        if isinstance(skew, bool) or not isinstance(skew, int) or skew < 1:
            raise Invalid(f"{at}.max_skew", "must be a whole number greater than zero")
        key = label_key(item.get("topology_key"), f"{at}.topology_key")
        when = item.get("when_unsatisfiable", "DoNotSchedule")
        if when not in WHEN_UNSATISFIABLE:
            raise Invalid(f"{at}.when_unsatisfiable", f"must be DoNotSchedule or ScheduleAnyway, not {when!r}")
        found.append({"max_skew": skew, "topology_key": key, "when_unsatisfiable": when,
                      "label_selector": _required_selector(item, f"{at}.label_selector")})
    return found


def priority(value: object, field: str = "priority") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_PRIORITY <= value <= MAX_PRIORITY:
        raise Invalid(field, f"must be a whole number from {MIN_PRIORITY} to {MAX_PRIORITY}")
    return value


def preemption_policy(value: object, field: str = "preemption_policy") -> str:
    if value not in PREEMPTION_POLICIES:
        raise Invalid(field, f"must be PreemptLowerPriority or Never, not {value!r}")
    return str(value)


def _constraint_fields(body: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The placement constraints, in the order of TEMPLATE_FIELDS, shown
    only when they hold something (a pod_affinity with no terms is not)."""
    preferences = preferred_node_affinity(body["preferred_node_affinity"], f"{where}preferred_node_affinity") \
        if "preferred_node_affinity" in body else []
    found: dict[str, Any] = {"preferred_node_affinity": preferences} if preferences else {}
    for name in ("pod_affinity", "pod_anti_affinity"):
        terms = pod_affinity(body[name], f"{where}{name}") if name in body else {}
        if any(terms.values()):
            found[name] = terms
    spread = topology_spread(body["topology_spread"], f"{where}topology_spread") if "topology_spread" in body else []
    return found | ({"topology_spread": spread} if spread else {})


def _requirement_problem(operator: str, values: list[str]) -> str | None:
    if operator not in OPERATORS:
        return f"operator must be one of {', '.join(OPERATORS)}, not {operator!r}"
    if operator in ("In", "NotIn") and not values:
        return f"values must be non-empty for {operator}"
    if operator in ("Exists", "DoesNotExist") and values:
        return f"values must be empty for {operator}"
    if operator in ("Gt", "Lt"):
        if len(values) != 1:
            return f"values must hold exactly one integer for {operator}"
        try:
            int(values[0])
        except ValueError:
            return f"the value for {operator} must be an integer, not {values[0]!r}"
    return None


def cpu_millicores(value: object, field: str = "cpu") -> int:
    return _integer(value, field, "millicores", MAX_CPU, lambda text: math.ceil(parse_quantity(text, field) * 1000))


def memory_mib(value: object, field: str = "memory") -> int:
    return _integer(value, field, "MiB", MAX_MEMORY, lambda text: math.ceil(parse_quantity(text, field) / 2**20))


def parse_quantity(text: str, field: str) -> Fraction:
    """A Kubernetes quantity (no exponents) as an exact fraction of base units."""
    match = _QUANTITY.fullmatch(text) if len(text) <= 64 else None
    if match is None:
        raise Invalid(field, f"'{text[:64]}' is not a quantity like '500m', '2', '512Mi' or '8Gi'")
    number, suffix = match.groups()
    return Fraction(number) * _SUFFIXES[suffix or ""]


def task_template(value: object, field: str = "template") -> dict[str, Any]:
    mapping = _object(value, field)
    _only(mapping, TEMPLATE_FIELDS, f"{field}.")
    return _template_fields(mapping, f"{field}.")


def replicas(value: object, field: str = "replicas") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(field, f"must be an integer from 0 to {MAX_REPLICAS}, not {json_type_name(value)}")
    if not 0 <= value <= MAX_REPLICAS:
        raise Invalid(field, f"must be an integer from 0 to {MAX_REPLICAS}, got {str(value)[:40]}")
    return value


def duration(value: object, field: str = "duration") -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
        isinstance(value, float) and not math.isfinite(value)
    ):
        raise Invalid(field, "must be a number of seconds")
    if not 0 <= value <= MAX_DURATION:
        raise Invalid(field, f"must be between 0 and {MAX_DURATION:.0f} seconds, got {str(value)[:40]}")
    return float(value)


def outcome(value: object, field: str = "outcome") -> str:
    if value not in OUTCOMES:
        raise Invalid(field, f"must be 'succeeded' or 'failed', not {value!r}"[:200])
    return str(value)


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


def _template_fields(body: Mapping[str, Any], where: str) -> dict[str, Any]:
    return {
        "resources": resources(body["resources"], f"{where}resources", {"cpu": 0, "memory": 0})
        if "resources" in body else {"cpu": 0, "memory": 0},
        "node_selector": labels(body["node_selector"], f"{where}node_selector") if "node_selector" in body else {},
        "duration": duration(body.get("duration"), f"{where}duration"),
        "outcome": outcome(body["outcome"], f"{where}outcome") if body.get("outcome") is not None else "succeeded",
    } | _affinity_field(body, where) | {
        "labels": labels(body["labels"], f"{where}labels") if "labels" in body else {},
        "priority": priority(body["priority"], f"{where}priority") if "priority" in body else 0,
        "preemption_policy": preemption_policy(body["preemption_policy"], f"{where}preemption_policy")
        if "preemption_policy" in body else "PreemptLowerPriority",
    } | _constraint_fields(body, where)


def _affinity_field(body: Mapping[str, Any], where: str) -> dict[str, Any]:
    terms = node_affinity(body["node_affinity"], f"{where}node_affinity") if body.get(
        "node_affinity") is not None else []
    found = tolerations(body["tolerations"], f"{where}tolerations") if body.get(
        "tolerations") is not None else []
    return ({"node_affinity": terms} if terms else {}) | ({"tolerations": found} if found else {})


def _integer(value: object, field: str, unit: str, maximum: int, from_text: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise Invalid(field, f"must be an integer ({unit}) or a quantity string, not {type(value).__name__}")
    amount = value if isinstance(value, int) else from_text(value)
    if amount < 0:
        raise Invalid(field, f"must not be negative, got {value}")
    if amount > maximum:
        raise Invalid(field, f"must be at most {maximum} {unit}, got {value}")
    return amount


def _only(body: Mapping[str, Any], allowed: tuple[str, ...], where: str = "") -> None:
    """Refuse unknown fields, naming every one (``field`` is the first)."""
    if body.keys() <= frozenset(allowed):
        return
    unknown = [f"{where}{key}" for key in body if key not in allowed]
    shown = ", ".join(f"'{name[:80]}'" for name in unknown[:10]) + (", ..." if len(unknown) > 10 else "")
    noun = "field" if len(unknown) == 1 else "fields"
    raise Invalid(unknown[0], f"unknown {noun} {shown}; allowed: {', '.join(allowed)}")


def _object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(field, f"must be a JSON object, not {json_type_name(value)}")
    return value


def _bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(field, f"must be true or false, not {json_type_name(value)}")
    return value
