"""The core group's resources (namespaces, nodes, pods, pods/binding):
each turns a request into asks of the same managers the native API uses (no
second control plane).

Objects are rendered by :mod:`api.kube.objects`; what lists share is in
:mod:`api.kube.lists`, what reading a request takes in
:mod:`api.kube.requests`. Domain errors become ``Status`` objects in
:mod:`api.errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import falcon

from actors.domain import namespaces
from actors.domain.errors import AlreadyExists, Conflict, NotFound, ValidationError
from actors.domain.models import Node as NodeRecord
from actors.domain.models import NodeChanges, NodeSpec, Resources, TaskSpec, replace
from actors.domain.models import Object as ObjectRecord
from actors.domain.models import Task as TaskRecord
from actors.domain.retry import check_version
from actors.reply import Reply
from api.kube import configmaps, objects, placement, priorityclasses, selectors, tables
from api.kube.lists import Managed, expired_token
from api.kube.requests import (
    apply_patch_request,
    dry_run,
    labels_of,
    name_of,
    read_manifest,
    version_of,
)
from api.kube.status import StatusError, invalid
from api.kube.watch import Watcher

POD_FIELDS = frozenset({"metadata.name", "metadata.namespace", "spec.nodeName", "status.phase"})
NODE_FIELDS = frozenset({"metadata.name", "spec.unschedulable"})
NAMESPACE_FIELDS = frozenset({"metadata.name", "status.phase"})



def _fields_of_pod(pod: Mapping[str, Any]) -> dict[str, str]:
    return {
        "metadata.name": pod["metadata"]["name"],
        "metadata.namespace": pod["metadata"]["namespace"],
        "spec.nodeName": pod["spec"].get("nodeName", ""),
        "status.phase": pod["status"]["phase"],
    }


def _fields_of_node(node: Mapping[str, Any]) -> dict[str, str]:
    return {"metadata.name": node["metadata"]["name"],
            "spec.unschedulable": "true" if node["spec"].get("unschedulable") else "false"}


def _fields_of_namespace(ns: Mapping[str, Any]) -> dict[str, str]:
    return {"metadata.name": ns["metadata"]["name"], "status.phase": ns["status"]["phase"]}



class Namespaces(Managed):
    """The four built-in namespaces (always there, never deleted) and those
    a user made, kept by the object manager (see :mod:`api.kube.configmaps`)."""

    resource, kind, fields = "namespaces", "Namespace", NAMESPACE_FIELDS
    fields_of = staticmethod(_fields_of_namespace)
    record_type = ObjectRecord

    def __init__(self, manager: Any, revision: Callable[[], int], timeout: float, watcher: Watcher,
                 durable: Callable[[int, float], None], started: float) -> None:
        super().__init__(manager, revision, timeout, watcher, durable)
        self.started = started

    def _all(self) -> list:
        return sorted([*objects.BUILTIN_NAMESPACES, *self.ask(self.manager.list("namespaces/"))],
                      key=lambda r: r if isinstance(r, str) else r.id.split("/", 1)[1])

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.respond_list(req, resp, self._all)

    def render_record(self, record: Any) -> dict[str, Any]:
        if isinstance(record, str):
            return objects.namespace(record, self.started)
        return configmaps.user_namespace(record)

    def watch_relevant(self, change: Any) -> bool:
        record = change.after if change.after is not None else change.before
        return type(record) is ObjectRecord and record.id.startswith("namespaces/")

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        name, body = configmaps.namespace_body(read_manifest(req, resp, "Namespace"))
        if name in objects.BUILTIN_NAMESPACES:
            raise AlreadyExists("namespace", name)
        resp.status = falcon.HTTP_201
        if dry_run(req):
            resp.media = configmaps.user_namespace(ObjectRecord(f"namespaces/{name}", body))
            return
        created = self.ask(self.manager.create(f"namespaces/{name}", body))
        self.durable(created.version, self.timeout)
        resp.media = configmaps.user_namespace(created)


class Namespace(Namespaces):
    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str) -> None:
        if namespace in objects.BUILTIN_NAMESPACES:
            self.respond_one(req, resp, objects.namespace(namespace, self.started))
            return
        self.check_namespace(namespace)
        self.respond_one(req, resp, configmaps.user_namespace(self.ask(self.manager.get(f"namespaces/{namespace}"))))

    def on_patch(self, req: falcon.Request, resp: falcon.Response, namespace: str) -> None:
        self._change(req, resp, namespace, lambda current: apply_patch_request(req, current, "Namespace", namespace))

    def on_put(self, req: falcon.Request, resp: falcon.Response, namespace: str) -> None:
        self._change(req, resp, namespace, lambda current: read_manifest(req, resp, "Namespace"))

    def _change(self, req: falcon.Request, resp: falcon.Response, namespace: str, wanted_of) -> None:
        """Labels and annotations of a namespace of one's own; a built-in one
        takes only a change that changes nothing (403 otherwise)."""
        if namespace in objects.BUILTIN_NAMESPACES:
            current = objects.namespace(namespace, self.started)
            wanted = wanted_of(current)
            meta = (wanted.get("metadata") or {}) if isinstance(wanted, dict) else {}
            if meta.get("labels", current["metadata"]["labels"]) != current["metadata"]["labels"] or meta.get(
                    "annotations"):
                raise StatusError(403, f'namespaces "{namespace}" is forbidden: a built-in namespace cannot be '
                                  "changed here", "Forbidden", name=namespace, kind="namespaces")
            resp.media = current
            return
        self.check_namespace(namespace)
        stored = self.ask(self.manager.get(f"namespaces/{namespace}"))
        current = configmaps.user_namespace(stored)
        wanted = wanted_of(current)
        if not isinstance(wanted, dict) or (wanted.get("metadata") or {}).get("name", namespace) != namespace:
            raise StatusError(400, f"the name of the object does not match the name on the URL ({namespace})",
                              "BadRequest")
        _, body = configmaps.namespace_body({**wanted, "metadata": {**wanted["metadata"], "name": namespace}})
        body["metadata"].get("labels", {}).pop("kubernetes.io/metadata.name", None)
        given = wanted["metadata"].get("resourceVersion")
        version = None if given == current["metadata"]["resourceVersion"] else version_of(given)
        if dry_run(req):
            resp.media = configmaps.user_namespace(ObjectRecord(stored.id, body, stored.created_at, stored.version))
            return
        updated = self.ask(self.manager.update(stored.id, body, version))
        self.durable(updated.version, self.timeout)
        resp.media = configmaps.user_namespace(updated)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, namespace: str) -> None:
        """A namespace goes with every ConfigMap, pod and deployment in it,
        in one transaction."""
        if namespace in objects.BUILTIN_NAMESPACES:
            raise StatusError(403, f'namespaces "{namespace}" is forbidden: this namespace may not be deleted',
                              "Forbidden", name=namespace, kind="namespaces")
        self.check_namespace(namespace)
        current = self.ask(self.manager.get(f"namespaces/{namespace}"))
        inside = [o.id for o in self.ask(self.manager.list(f"configmaps/{namespace}/"))]
        if not dry_run(req):
            self.durable(self.ask(self.manager.delete([current.id, *inside], namespace=namespace)), self.timeout)
        shown = configmaps.user_namespace(current)
        shown["status"] = {"phase": "Terminating"}
        resp.media = shown



class Nodes(Managed):
    resource, kind, fields = "nodes", "Node", NODE_FIELDS
    fields_of = staticmethod(_fields_of_node)
    record_type, render = NodeRecord, staticmethod(objects.node)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.respond_list(req, resp, lambda: self.ask(self.manager.list()),
                          page=lambda limit, after: self._page(limit, after))

    def _page(self, limit: int | None, after: str | None) -> tuple[list, bool]:
        try:
            return self.ask(self.manager.page(None, limit, after))
        except ValidationError:
            raise expired_token(after or "") from None

    def describe(self, record: Any) -> tuple[str, Mapping[str, str], Mapping[str, str]]:
        return record.id, objects.node_labels(record), {
            "metadata.name": record.id, "spec.unschedulable": "false" if record.schedulable else "true"}

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        manifest = read_manifest(req, resp, "Node")
        spec, unschedulable = node_spec(manifest)
        node = self.ask(self.manager.register(spec))
        if unschedulable:
            node = self.ask(self.manager.update(node.id, NodeChanges(schedulable=False), node.version))
        self.durable(node.version, self.timeout)
        resp.status = falcon.HTTP_201
        resp.media = objects.node(node)


class Node(Nodes):
    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        self.respond_one(req, resp, objects.node(self.ask(self.manager.get(name))))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        node = self.ask(self.manager.get(name))
        self.durable(self.ask(self.manager.delete(name)), self.timeout)
        resp.media = objects.node(node)

    def on_patch(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        node = self.ask(self.manager.get(name))
        current = objects.node(node)
        patched = apply_patch_request(req, current, "Node", name)
        expected = patched.get("metadata", {}).get("resourceVersion") if isinstance(patched, dict) else None
        self._update(req, resp, node, current, patched,
                     version_of(expected) if expected != current["metadata"]["resourceVersion"] else None)

    def on_put(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        """``kubectl replace``: the whole object, whose labels and
        ``spec.unschedulable`` may differ (anything else is a 422); a
        ``resourceVersion`` it gives is checked."""
        wanted = read_manifest(req, resp, "Node")
        if (wanted.get("metadata") or {}).get("name") != name:
            raise StatusError(400, f"the name of the object does not match the name on the URL ({name})",
                              "BadRequest")
        node = self.ask(self.manager.get(name))
        current = objects.node(node)
        given = wanted["metadata"].get("resourceVersion")
        wanted = {**current, **wanted, "metadata": {**current["metadata"], **wanted["metadata"]},
                  "status": wanted.get("status") or current["status"]}
        self._update(req, resp, node, current, wanted, version_of(given))

    def _update(self, req: falcon.Request, resp: falcon.Response, node: Any, current: dict[str, Any],
                wanted: Any, version: int | None) -> None:
        changes = node_changes(node, current, wanted)
        if dry_run(req) or changes == NodeChanges():
            check_version(node, version)  # a stale version is a 409 even when nothing would change
            resp.media = current
            return
        updated = self.ask(self.manager.update(node.id, changes, version))
        self.durable(updated.version, self.timeout)
        resp.media = objects.node(updated)



def node_spec(manifest: Mapping[str, Any]) -> tuple[NodeSpec, bool]:
    """A Node manifest as a :class:`NodeSpec`, and whether it is cordoned."""
    name = name_of(manifest, "Node")
    metadata = manifest.get("metadata") or {}
    labels = labels_of(metadata.get("labels"), "Node", name)
    status = manifest.get("status") or {}
    capacity = status.get("capacity") or status.get("allocatable") or {}
    try:
        from api.quantity import cpu_millicores, gpu_devices, memory_mib

        cpu = cpu_millicores(objects._quantity_text(capacity.get("cpu", "4")), "status.capacity.cpu")
        memory = memory_mib(objects._quantity_text(capacity.get("memory", "8Gi")), "status.capacity.memory")
        gpus = gpu_devices(objects._quantity_text(capacity.get(objects.GPU_RESOURCE, "0")),
                           f"status.capacity[{objects.GPU_RESOURCE}]")
    except ValidationError as exc:
        raise invalid("Node", name, exc.field, exc.message) from None
    annotations = _annotations(metadata.get("annotations"), name)
    simulated = annotations.pop(objects.SIMULATED_ANNOTATION, "true") != "false"
    spec = manifest.get("spec") or {}
    try:
        found_taints = objects.taints_of(spec) if isinstance(spec, dict) else ()
    except ValidationError as exc:
        raise invalid("Node", name, exc.field, exc.message) from None
    return NodeSpec(id=name, capacity=Resources(cpu, memory, gpus * 1000), labels=labels, simulated=simulated,
                    annotations=annotations, taints=found_taints), bool(spec.get("unschedulable"))


def _annotations(value: object, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise invalid("Node", name, "metadata.annotations", "must be an object of strings")
    kept = dict(value)
    kept.pop(objects.GPU_ALLOCATION_ANNOTATION, None)  # the server's, shown, never stored
    return kept


def node_changes(node: Any, current: Mapping[str, Any], patched: Any) -> NodeChanges:
    """What a patch changed that a node can change: ``metadata.labels`` and
    ``spec.unschedulable``. Any other field changed is a 422 naming it."""
    name = current["metadata"]["name"]
    if not isinstance(patched, dict):
        raise invalid("Node", name, "", "the patched object is not an object")
    for part in ("status",):
        if patched.get(part) != current.get(part):
            raise invalid("Node", name, part, "cannot be changed here (patch nodes/status instead)",
                          cause_type="FieldValueForbidden")
    for key in ("apiVersion", "kind"):
        if patched.get(key) != current.get(key):
            raise invalid("Node", name, key, "cannot be changed", cause_type="FieldValueForbidden")
    meta, old_meta = patched.get("metadata") or {}, current["metadata"]
    for key in set(meta) | set(old_meta):
        if key not in ("labels", "resourceVersion", "annotations") and meta.get(key) != old_meta.get(key):
            raise invalid("Node", name, f"metadata.{key}", "cannot be changed", cause_type="FieldValueForbidden")
    spec, old_spec = patched.get("spec") or {}, current["spec"]
    for key in set(spec) | set(old_spec):
        if key not in ("unschedulable", "taints") and spec.get(key) != old_spec.get(key):
            raise invalid("Node", name, f"spec.{key}", "cannot be changed on a simulated node",
                          cause_type="FieldValueForbidden")
    unschedulable = spec.get("unschedulable", False)
    if not isinstance(unschedulable, bool):
        raise invalid("Node", name, "spec.unschedulable", "must be true or false")
    changes: dict[str, Any] = {}
    try:
        found_taints = objects.taints_of(spec)
    except ValidationError as exc:
        raise invalid("Node", name, exc.field, exc.message) from None
    if found_taints != node.taints:
        changes["taints"] = found_taints
    if unschedulable == node.schedulable:
        changes["schedulable"] = not unschedulable
    labels = labels_of(meta.get("labels"), "Node", name)
    defaults = objects.node_labels(type(node)(id=node.id))
    labels = {k: v for k, v in labels.items() if k in node.labels or defaults.get(k) != v}
    if labels != dict(node.labels):
        changes["labels"] = labels
    annotations = _annotations(meta.get("annotations"), name)
    if annotations.pop(objects.SIMULATED_ANNOTATION, None) not in (None, old_meta["annotations"][
            objects.SIMULATED_ANNOTATION]):
        raise invalid("Node", name, f"metadata.annotations[{objects.SIMULATED_ANNOTATION}]",
                      "cannot be changed: a node is simulated or not from its registration",
                      cause_type="FieldValueForbidden")
    if annotations != dict(node.annotations):
        changes["annotations"] = annotations
    return NodeChanges(**changes)



class Pods(Managed):
    resource, kind, fields = "pods", "Pod", POD_FIELDS
    fields_of = staticmethod(_fields_of_pod)
    record_type, render = TaskRecord, staticmethod(objects.pod)
    priority_classes = priorityclasses.NO_PRIORITY_CLASSES  # api.kube.add_routes gives the app's own

    def __init__(self, manager: Any, submitter: Any, revision: Callable[[], int], timeout: float, watcher: Watcher,
                 durable: Callable[[int, float], None]) -> None:
        super().__init__(manager, revision, timeout, watcher, durable)
        self.submitter = submitter

    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str | None = None) -> None:
        if namespace is not None:
            self.check_namespace(namespace)
        self.respond_list(req, resp, lambda: self.ask(self.manager.list(namespace=namespace)), namespace,
                          page=lambda limit, after: self._page(limit, after, namespace))

    def _page(self, limit: int | None, after: str | None, namespace: str | None) -> tuple[list, bool]:
        try:
            return self.ask(self.manager.page(None, None, limit, after, namespace))
        except ValidationError:
            raise expired_token(after or "") from None

    def table_rows(self, records: list) -> list[tuple[list[Any], dict[str, Any]]]:
        now = self.clock()
        return [tables.pod_row(t, now) for t in records]

    def describe(self, record: Any) -> tuple[str, Mapping[str, str], Mapping[str, str]]:
        namespace, name = namespaces.split(record.id)
        return record.id, objects.pod_labels(record), {
            "metadata.name": name, "metadata.namespace": namespace,
            "spec.nodeName": record.node or "", "status.phase": objects.phase(record)}

    def on_post(self, req: falcon.Request, resp: falcon.Response, namespace: str | None = None) -> None:
        if namespace is None:
            raise falcon.HTTPMethodNotAllowed(["GET"])
        self.check_namespace(namespace)
        manifest = read_manifest(req, resp, "Pod")
        given = (manifest.get("metadata") or {}).get("namespace")
        if given not in (None, namespace):
            raise StatusError(400, f"the namespace of the object ({str(given)[:63]}) does not match the namespace "
                              f"on the request ({namespace})", "BadRequest")
        spec = self._prioritised(task_spec(manifest, namespace), manifest["spec"])
        node_name = (manifest.get("spec") or {}).get("nodeName")
        resp.status = falcon.HTTP_201
        if dry_run(req):
            resp.media = objects.pod(TaskRecord(id=spec.id, name=spec.name or spec.id, resources=spec.resources,
                                                manifest=spec.manifest, scheduler=spec.scheduler,
                                                labels=spec.labels, constraints=spec.constraints,
                                                priority=spec.priority, preemption_policy=spec.preemption_policy))
            return
        reply = Reply()
        self.submitter.submit([spec], reply)
        (task,) = reply.get(timeout=self.timeout)
        if node_name:
            try:
                task = self.ask(self.manager.bind(task.id, node_name))
            except (NotFound, Conflict):
                pass  # the node is not there or not ready: the pod waits, as in Kubernetes
        resp.media = objects.pod(task)


    def _prioritised(self, spec: TaskSpec, pod_spec: Mapping[str, Any]) -> TaskSpec:
        """``spec`` with the priority its pod resolves to (see
        :mod:`api.kube.priorityclasses`); 403 when admission refuses it."""
        name = namespaces.name_of(spec.id or "")
        try:
            found = self.priority_classes.resolve(*placement.priority_fields_of(pod_spec))
        except priorityclasses.Refused as exc:
            raise StatusError(403, f'pods "{name}" is forbidden: {exc.message}', "Forbidden", name=name,
                              kind="pods") from None
        return replace(spec, priority=found.value, preemption_policy=found.preemption_policy)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, namespace: str | None = None) -> None:
        """``deletecollection``: every pod the selectors choose (all without
        one), one delete each; answers the list of what was deleted."""
        if namespace is None:
            raise falcon.HTTPMethodNotAllowed(["GET"])
        self.check_namespace(namespace)
        try:
            by_label = selectors.label_selector(req.get_param("labelSelector"))
            by_field = selectors.field_selector(req.get_param("fieldSelector"), self.fields)
        except selectors.SelectorError as exc:
            raise StatusError(400, f"unable to parse requirement: {exc}", "BadRequest") from None
        chosen = [
            t for t in self.ask(self.manager.list(namespace=namespace))
            if (lambda key, labels, fields: (by_label is None or by_label(labels))
                and (by_field is None or by_field(fields)))(*self.describe(t))]
        deleted, revision = [], 0
        for task in chosen:
            if dry_run(req):
                deleted.append(task)
                continue
            try:
                revision = self.ask(self.manager.delete(task.id))
            except NotFound:
                continue  # deleted meanwhile: not ours to report
            deleted.append(task)
        if revision:
            self.durable(revision, self.timeout)
        resp.media = {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": str(self.revision())},
                      "items": [objects.pod(t) for t in deleted]}


class PodBinding(Pods):
    """``pods/{name}/binding``: a scheduler of the client's own places a pod
    (one whose ``schedulerName`` is its own) by naming the node."""

    def on_post(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        self.check_namespace(namespace)
        binding = read_manifest(req, resp, "Binding")
        target = binding.get("target")
        if not isinstance(target, dict) or not isinstance(target.get("name"), str) or not target["name"]:
            raise invalid("Binding", name, "target.name", "Required value: the node to bind to",
                          cause_type="FieldValueRequired")
        if target.get("kind", "Node") != "Node":
            raise invalid("Binding", name, "target.kind", "must be Node")
        task = self.ask(self.manager.bind(namespaces.key(namespace, name), target["name"]))
        self.durable(task.version, self.timeout)
        resp.status = falcon.HTTP_201
        resp.media = {"kind": "Binding", "apiVersion": "v1",
                      "metadata": {"name": name, "namespace": namespace,
                                   "uid": objects.uid("pod", task.id, task.created_at)},
                      "target": {"kind": "Node", "apiVersion": "v1", "name": target["name"]}}


_PHASES = {"Running": "running", "Succeeded": "succeeded", "Failed": "failed"}


class PodStatus(Pods):
    """``pods/{name}/status``: how the agent of a real (non-simulated) node
    reports progress, as a kubelet does: ``status.phase`` ``Running``,
    ``Succeeded`` or ``Failed`` is the native status report (``PUT /tasks/{id}``,
    with its transitions: scheduled -> running -> succeeded or failed, or
    failed from any status not final; 409 otherwise). A write that leaves the
    phase as it is changes nothing; the rest of the status is the server's."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        self.check_namespace(namespace)
        resp.media = objects.pod(self.ask(self.manager.get(namespaces.key(namespace, name))))

    def on_put(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        self._report(req, resp, namespace, name, lambda current: read_manifest(req, resp, "Pod"))

    def on_patch(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        self._report(req, resp, namespace, name, lambda current: apply_patch_request(req, current, "Pod", name))

    def _report(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str, wanted_of) -> None:
        self.check_namespace(namespace)
        task = self.ask(self.manager.get(namespaces.key(namespace, name)))
        current = objects.pod(task)
        wanted = wanted_of(current)
        phase = ((wanted.get("status") or {}) if isinstance(wanted, dict) else {}).get("phase")
        if phase == current["status"]["phase"]:
            resp.media = current
            return
        if phase not in _PHASES:
            raise invalid("Pod", name, "status.phase", f"an agent may report Running, Succeeded or Failed, not "
                          f"'{str(phase)[:30]}'", cause_type="FieldValueNotSupported")
        given = (wanted.get("metadata") or {}).get("resourceVersion")
        version = None if given == current["metadata"]["resourceVersion"] else version_of(given)
        if dry_run(req):
            resp.media = current
            return
        from actors.domain.models import TaskStatus

        updated = self.ask(self.manager.update_status(task.id, TaskStatus(_PHASES[phase]), version))
        self.durable(updated.version, self.timeout)
        resp.media = objects.pod(updated)


class Pod(Pods):
    def _task(self, namespace: str, name: str) -> Any:
        self.check_namespace(namespace)
        return self.ask(self.manager.get(namespaces.key(namespace, name)))

    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        self.respond_one(req, resp, objects.pod(self._task(namespace, name)))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        task = self._task(namespace, name)
        if not dry_run(req):
            self.durable(self.ask(self.manager.delete(task.id)), self.timeout)
        resp.media = objects.pod(task)

    def on_patch(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        task = self._task(namespace, name)
        current = objects.pod(task)
        patched = apply_patch_request(req, current, "Pod", name)
        self._update(req, resp, name, task, current, patched)

    def on_put(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        wanted = read_manifest(req, resp, "Pod")
        task = self._task(namespace, name)
        given = (wanted.get("metadata") or {}).get("name")
        if given != name:
            raise StatusError(400, f"the name of the object ({str(given)[:63]}) does not match the name on the "
                              f"URL ({name})", "BadRequest")
        self._update(req, resp, name, task, objects.pod(task), wanted)

    def _update(self, req: falcon.Request, resp: falcon.Response, name: str, task: Any,
                current: dict[str, Any], wanted: Any) -> None:
        """Store ``wanted``'s labels, annotations and the few spec fields a
        pod may change, checking its ``resourceVersion`` (409 when stale)."""
        if not isinstance(wanted, dict):
            raise invalid("Pod", name, "", "the object must be a JSON object")
        errors = objects.pod_update_errors(current, wanted)
        if errors:
            field, message = errors[0]
            raise invalid("Pod", name, field, message, cause_type="FieldValueForbidden")
        namespace = namespaces.namespace_of(task.id)
        checked = task_spec({**wanted, "metadata": {**wanted["metadata"], "name": name}}, namespace)  # a create's rules
        given = wanted["metadata"].get("resourceVersion")
        # A patch that does not name a version carries the current one: then it is unconditional, as in
        # Kubernetes (a race is retried, not refused); a version the client gave is checked.
        version = None if given == current["metadata"]["resourceVersion"] else version_of(given)
        manifest = objects.stored_manifest(wanted, name, namespace)
        if dry_run(req):
            resp.media = objects.pod(replace(task, manifest=manifest, labels=checked.labels))
            return
        updated = self.ask(self.manager.update_manifest(task.id, manifest, version, labels=checked.labels))
        self.durable(updated.version, self.timeout)
        resp.media = objects.pod(updated)



def task_spec(manifest: Mapping[str, Any], namespace: str = namespaces.DEFAULT) -> TaskSpec:
    """A Pod manifest as a :class:`TaskSpec` of ``namespace`` (see
    :mod:`api.kube.objects`, :mod:`api.kube.placement` and
    :mod:`actors.domain.namespaces`): its labels are the task's, its
    priority fields checked but not resolved (the default priority; see
    :meth:`Pods._prioritised`)."""
    name = name_of(manifest, "Pod")
    metadata = manifest["metadata"]
    annotations = metadata.get("annotations") or {}
    spec = manifest.get("spec")
    if not isinstance(spec, dict):
        raise invalid("Pod", name, "spec", "Required value", cause_type="FieldValueRequired")
    node_selector = spec.get("nodeSelector") or {}
    try:
        if not isinstance(annotations, dict):
            raise ValidationError("metadata.annotations", "must be an object of strings")
        cpu, memory, gpu = objects.requests_of(spec)
        if not isinstance(node_selector, dict) or not all(isinstance(v, str) for v in node_selector.values()):
            raise ValidationError("spec.nodeSelector", "must be an object of strings")
        node_affinity = objects.node_affinity_of(spec)
        tolerations = objects.tolerations_of(spec)
        constraints = placement.constraints_of(spec)
        placement.priority_fields_of(spec)  # checked here; resolved on create (Pods._prioritised)
        duration = objects.duration_of(annotations)
        outcome = objects.outcome_of(annotations)
    except ValidationError as exc:
        raise invalid("Pod", name, exc.field, exc.message) from None
    labels = labels_of(metadata.get("labels"), "Pod", name)
    scheduler = spec.get("schedulerName")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler):
        raise invalid("Pod", name, "spec.schedulerName", "must be a non-empty string")
    node_name = spec.get("nodeName")
    if node_name is not None and not isinstance(node_name, str):
        raise invalid("Pod", name, "spec.nodeName", "must be a string")
    if scheduler == objects.DEFAULT_SCHEDULER:
        scheduler = None
    if node_name:  # bound at once, as a kubelet takes such a pod: no scheduler looks at it
        scheduler = scheduler or objects.NODE_NAME_SCHEDULER
    return TaskSpec(id=namespaces.key(namespace, name), name=name, resources=Resources(cpu, memory, gpu),
                    node_selector=node_selector, node_affinity=node_affinity, tolerations=tolerations,
                    labels=labels, constraints=constraints, duration=duration, outcome=outcome,
                    manifest=objects.stored_manifest(manifest, name, namespace),
                    scheduler=scheduler)
