"""PriorityClasses (``scheduling.k8s.io/v1``), and a pod's priority
resolved from them as Kubernetes' ``Priority`` admission plugin resolves it.

A PriorityClass of one's own is an object of the object manager
(:mod:`actors.object_manager`), ``priorityclasses/NAME``, like a ConfigMap:
``value`` (a whole number, required, at most 1,000,000,000),
``globalDefault`` (at most one class has it), ``preemptionPolicy``
(``PreemptLowerPriority``, the default, or ``Never``) and ``description``.
As in Kubernetes, ``value`` and ``preemptionPolicy`` cannot change once
made (422), and the ``system-`` prefix is kept for the two built-in
classes, ``system-cluster-critical`` (2,000,000,000) and
``system-node-critical`` (2,000,001,000): those are the server's, always
there, never stored, and cannot be changed or deleted (403).

A pod's priority (:meth:`PriorityClassIndex.resolve`): its
``priorityClassName`` must name a class (403 ``no PriorityClass with name X
was found`` otherwise); without one, the global default class's, else 0. The
priority is the class's ``value``, and a ``spec.priority`` that says
otherwise is refused (403), as Kubernetes refuses it. The preemption policy
is the pod's ``spec.preemptionPolicy`` where it gives one, else the class's,
else ``PreemptLowerPriority``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import falcon

from actors.domain.constraints import check_preemption_policy, check_priority
from actors.domain.errors import AlreadyExists, NotFound, ValidationError
from actors.domain.models import Object
from api.kube import objects
from api.kube.configmaps import object_metadata
from api.kube.lists import Managed
from api.kube.requests import apply_patch_request, dry_run, name_of, read_manifest, version_of
from api.kube.status import StatusError, invalid
from api.kube.watch import Watcher

GROUP = "scheduling.k8s.io"
API_VERSION = f"{GROUP}/v1"
PREFIX = "priorityclasses/"
DEFAULT_POLICY = "PreemptLowerPriority"
HIGHEST_USER_PRIORITY = 1_000_000_000
"""The highest value a class of one's own may have (Kubernetes' rule)."""
SYSTEM_PREFIX = "system-"
BUILTIN: dict[str, tuple[int, str]] = {
    "system-cluster-critical": (2_000_000_000, "Used for system critical pods that must run in the cluster, "
                                               "but can be moved to another node if necessary."),
    "system-node-critical": (2_000_001_000, "Used for system critical pods that must not be moved from their "
                                            "current node."),
}
NAME_FIELDS = frozenset({"metadata.name"})


@dataclasses.dataclass(frozen=True, slots=True)
class Priority:
    """What a pod's priority fields resolve to."""

    value: int = 0
    preemption_policy: str = DEFAULT_POLICY


class Refused(Exception):
    """Priority admission refuses the pod: a 403, as in Kubernetes; ``field``
    is the pod spec's field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- objects -------------------------------------------------------------


def _shown(name: str, body: Mapping[str, Any], uid: str, version: str, created: float) -> dict[str, Any]:
    metadata = dict(body.get("metadata") or {})
    metadata.update({"name": name, "uid": uid, "resourceVersion": version,
                     "creationTimestamp": objects.timestamp(created)})
    shown: dict[str, Any] = {"kind": "PriorityClass", "apiVersion": API_VERSION, "metadata": metadata,
                             "value": body["value"], "preemptionPolicy": body.get("preemptionPolicy", DEFAULT_POLICY)}
    if body.get("globalDefault"):
        shown["globalDefault"] = True
    if body.get("description"):
        shown["description"] = body["description"]
    return shown


def priority_class(o: Object) -> dict[str, Any]:
    name = o.id.removeprefix(PREFIX)
    return _shown(name, o.body, objects.uid("priorityclass", name, o.created_at), str(o.version), o.created_at)


def builtin_class(name: str, started: float) -> dict[str, Any]:
    value, description = BUILTIN[name]
    return _shown(name, {"value": value, "description": description}, objects.uid("priorityclass", name, 0.0),
                  "1", started)


def class_body(manifest: Mapping[str, Any], name: str) -> dict[str, Any]:
    """What of a PriorityClass manifest is kept, checked as Kubernetes checks it."""
    if name.startswith(SYSTEM_PREFIX):
        raise invalid("PriorityClass", name, "metadata.name", f"Forbidden: the {SYSTEM_PREFIX} prefix is kept for "
                      f"the built-in classes ({', '.join(BUILTIN)})", group=GROUP, cause_type="FieldValueForbidden")
    body: dict[str, Any] = {"metadata": object_metadata(manifest, "PriorityClass", name)}
    if manifest.get("value") is None:
        raise invalid("PriorityClass", name, "value", "Required value", group=GROUP, cause_type="FieldValueRequired")
    try:
        body["value"] = check_priority(manifest["value"], "value")
        body["preemptionPolicy"] = check_preemption_policy(manifest.get("preemptionPolicy") or DEFAULT_POLICY,
                                                           "preemptionPolicy")
    except ValidationError as exc:
        raise invalid("PriorityClass", name, exc.field, exc.message, group=GROUP) from None
    if body["value"] > HIGHEST_USER_PRIORITY:
        raise invalid("PriorityClass", name, "value", f"Invalid value: {body['value']}: maximum allowed value of a "
                      f"user defined priority is {HIGHEST_USER_PRIORITY}", group=GROUP)
    default = manifest.get("globalDefault")
    if default is not None and not isinstance(default, bool):
        raise invalid("PriorityClass", name, "globalDefault", "must be true or false", group=GROUP)
    if default:
        body["globalDefault"] = True
    description = manifest.get("description")
    if description is not None and not isinstance(description, str):
        raise invalid("PriorityClass", name, "description", "must be a string", group=GROUP)
    if description:
        body["description"] = description
    return body


# --- resolving a pod's priority ------------------------------------------


class PriorityClassIndex:
    """Which PriorityClasses exist: the built-in ones, and those kept by the
    object manager (``manager`` None: the built-in ones only)."""

    def __init__(self, manager: Any = None, timeout: float = 10.0) -> None:
        self.manager = manager
        self.timeout = timeout

    def stored(self) -> list[Object]:
        return [] if self.manager is None else self.manager.list(PREFIX).get(timeout=self.timeout)

    def get(self, name: str) -> Priority | None:
        if name in BUILTIN:
            return Priority(BUILTIN[name][0])
        if self.manager is None:
            return None
        try:
            body = self.manager.get(PREFIX + name).get(timeout=self.timeout).body
        except NotFound:
            return None
        return Priority(body["value"], body.get("preemptionPolicy", DEFAULT_POLICY))

    def default(self) -> Priority | None:
        """The global default class's (None when no class is one)."""
        for o in self.stored():
            if o.body.get("globalDefault"):
                return Priority(o.body["value"], o.body.get("preemptionPolicy", DEFAULT_POLICY))
        return None

    def resolve(self, class_name: str | None, priority: int | None, policy: str | None) -> Priority:
        """A pod's priority from its ``priorityClassName``, ``priority`` and
        ``preemptionPolicy`` (checked already: :func:`api.kube.placement.priority_fields_of`);
        :class:`Refused` when admission refuses the pod."""
        if class_name:
            found = self.get(class_name)
            if found is None:
                raise Refused("spec.priorityClassName", f"no PriorityClass with name {class_name} was found")
        else:
            found = self.default() or Priority(0)
        if priority is not None and priority != found.value:
            raise Refused("spec.priority", f"the integer value of priority ({priority}) must not be provided in pod "
                          f"spec; priority admission controller computed {found.value} from the given "
                          "PriorityClass name")
        return Priority(found.value, policy or found.preemption_policy)


NO_PRIORITY_CLASSES = PriorityClassIndex()
"""The built-in classes only: what a resource resolves with until
:func:`api.kube.add_routes` gives it the app's own index."""


# --- the resource --------------------------------------------------------


def _fields_of(obj: Mapping[str, Any]) -> dict[str, str]:
    return {"metadata.name": obj["metadata"]["name"]}


class PriorityClasses(Managed):
    """``/apis/scheduling.k8s.io/v1/priorityclasses``: the built-in classes
    and those of one's own (cluster-scoped)."""

    resource, kind, fields = "priorityclasses", "PriorityClass", NAME_FIELDS
    api_version = API_VERSION
    fields_of = staticmethod(_fields_of)
    record_type = Object

    def __init__(self, manager: Any, revision: Callable[[], int], timeout: float, watcher: Watcher,
                 durable: Callable[[int, float], None], started: float) -> None:
        super().__init__(manager, revision, timeout, watcher, durable)
        self.started = started

    def _all(self) -> list:
        return sorted([*BUILTIN, *self.ask(self.manager.list(PREFIX))],
                      key=lambda r: r if isinstance(r, str) else r.id.removeprefix(PREFIX))

    def render_record(self, record: Any) -> dict[str, Any]:
        if isinstance(record, str):
            return builtin_class(record, self.started)
        return priority_class(record)

    def watch_relevant(self, change: Any) -> bool:
        record = change.after if change.after is not None else change.before
        return type(record) is Object and record.id.startswith(PREFIX)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.respond_list(req, resp, self._all)

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        manifest = read_manifest(req, resp, "PriorityClass", API_VERSION)
        name = name_of(manifest, "PriorityClass")
        if name in BUILTIN:
            raise AlreadyExists("object", PREFIX + name)
        body = class_body(manifest, name)
        self._one_default(name, body)
        resp.status = falcon.HTTP_201
        if dry_run(req):
            resp.media = priority_class(Object(PREFIX + name, body))
            return
        created = self.ask(self.manager.create(PREFIX + name, body))
        self.durable(created.version, self.timeout)
        resp.media = priority_class(created)

    def _one_default(self, name: str, body: Mapping[str, Any]) -> None:
        """At most one class is the global default (403 otherwise, as
        Kubernetes' admission answers). Checked before the write, as
        Kubernetes checks it: two classes made default at the same instant
        may both be."""
        if not body.get("globalDefault"):
            return
        for o in self.ask(self.manager.list(PREFIX)):
            other = o.id.removeprefix(PREFIX)
            if other != name and o.body.get("globalDefault"):
                raise StatusError(403, f'priorityclasses.{GROUP} "{name}" is forbidden: PriorityClass {other} is '
                                  "already marked as default. Only one default can exist", "Forbidden", name=name,
                                  group=GROUP, kind="priorityclasses")


class PriorityClass(PriorityClasses):
    """``/apis/scheduling.k8s.io/v1/priorityclasses/{name}``."""

    def _stored(self, name: str) -> Object:
        return self.ask(self.manager.get(PREFIX + name))

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        self.respond_one(req, resp, builtin_class(name, self.started) if name in BUILTIN
                         else priority_class(self._stored(name)))

    def on_put(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        self._change(req, resp, name, lambda current: read_manifest(req, resp, "PriorityClass", API_VERSION))

    def on_patch(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        self._change(req, resp, name, lambda current: apply_patch_request(req, current, "PriorityClass", name))

    def _change(self, req: falcon.Request, resp: falcon.Response, name: str, wanted_of) -> None:
        if name in BUILTIN:
            current = builtin_class(name, self.started)
            wanted = wanted_of(current)
            if not isinstance(wanted, dict) or any(
                    wanted.get(key) != current.get(key) for key in ("value", "globalDefault", "preemptionPolicy",
                                                                    "description")) or \
                    (wanted.get("metadata") or {}).get("labels") or (wanted.get("metadata") or {}).get("annotations"):
                raise self._builtin(name, "changed")
            resp.media = current
            return
        stored = self._stored(name)
        current = priority_class(stored)
        wanted = wanted_of(current)
        if not isinstance(wanted, dict) or (wanted.get("metadata") or {}).get("name", name) != name:
            raise StatusError(400, f"the name of the object does not match the name on the URL ({name})",
                              "BadRequest")
        body = class_body(wanted, name)
        for key in ("value", "preemptionPolicy"):
            if body[key] != stored.body[key]:
                raise invalid("PriorityClass", name, key, "Forbidden: may not be changed in an update.",
                              group=GROUP, cause_type="FieldValueForbidden")
        self._one_default(name, body)
        given = (wanted.get("metadata") or {}).get("resourceVersion")
        version = None if given == current["metadata"]["resourceVersion"] else version_of(given)
        if dry_run(req):
            resp.media = priority_class(Object(stored.id, body, stored.created_at, stored.version))
            return
        updated = self.ask(self.manager.update(stored.id, body, version))
        self.durable(updated.version, self.timeout)
        resp.media = priority_class(updated)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        if name in BUILTIN:
            raise self._builtin(name, "deleted")
        stored = self._stored(name)
        if not dry_run(req):
            self.durable(self.ask(self.manager.delete([stored.id])), self.timeout)
        resp.media = priority_class(stored)

    @staticmethod
    def _builtin(name: str, what: str) -> StatusError:
        return StatusError(403, f'priorityclasses.{GROUP} "{name}" is forbidden: a built-in priority class cannot '
                           f"be {what}", "Forbidden", name=name, group=GROUP, kind="priorityclasses")
