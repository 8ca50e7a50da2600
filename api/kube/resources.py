"""The Kubernetes REST resources: each turns a request into asks of the same
managers the native API uses (no second control plane).

Objects are rendered by :mod:`api.kube.objects`; lists honour
``labelSelector``, ``fieldSelector`` and ``limit``/``continue``, and answer
a ``Table`` when the client asks for one (:mod:`api.kube.tables`).
Domain errors become ``Status`` objects in :mod:`api.errors`.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import string
import time
from collections.abc import Callable, Mapping
from typing import Any

import falcon

from actors.domain.errors import Conflict, NotFound, ValidationError
from actors.domain.models import Node as NodeRecord
from actors.domain.models import NodeChanges, NodeSpec, Resources, TaskSpec
from actors.domain.models import Task as TaskRecord
from actors.reply import Reply
from api import body
from api.kube import fields, objects, patch, selectors, tables
from api.kube.status import StatusError, invalid
from api.kube.watch import Watcher
from api.native.validation import valid_id

PROTOBUF = "application/vnd.kubernetes.protobuf"
MAX_LIMIT = 100_000

POD_FIELDS = frozenset({"metadata.name", "metadata.namespace", "spec.nodeName", "status.phase"})
NODE_FIELDS = frozenset({"metadata.name", "spec.unschedulable"})
NAMESPACE_FIELDS = frozenset({"metadata.name", "status.phase"})


def read_manifest(req: falcon.Request, resp: falcon.Response, kind: str, api_version: str = "v1") -> dict[str, Any]:
    """A manifest of ``kind``: a JSON object whose ``kind`` and ``apiVersion``
    (where given) match the route, with unknown fields handled as the
    request's ``fieldValidation`` says (:mod:`api.kube.fields`)."""
    try:
        how = fields.directive(req.get_param("fieldValidation"))
    except ValueError as exc:
        raise StatusError(400, str(exc), "BadRequest") from None
    manifest = read_object(req)
    given_kind, given_version = manifest.get("kind"), manifest.get("apiVersion")
    if given_kind not in (None, kind) or given_version not in (None, api_version):
        raise StatusError(400, f"the object is a {str(given_kind)[:40]} of {str(given_version)[:40]}; "
                          f"this path takes a {kind} of {api_version}", "BadRequest")
    unknown = fields.unknown_fields(kind, manifest)
    if unknown and how == fields.STRICT:
        listed = ", ".join(f'unknown field "{path.lstrip(".")}"' for path in unknown[:20])
        raise StatusError(422, f'{kind} in version "{api_version}" cannot be handled as a {kind}: '
                          f"strict decoding error: {listed}", "Invalid",
                          causes=[{"reason": "FieldValueInvalid", "message": "unknown field",
                                   "field": path.lstrip(".")} for path in unknown[:20]])
    if unknown and how == fields.WARN:
        for path in unknown[:20]:
            resp.append_header("Warning", f'299 - "unknown field \\"{path.lstrip(".")}\\""')
    return manifest


def read_object(req: falcon.Request) -> dict[str, Any]:
    """A JSON object body; protobuf is refused with 415 naming what works."""
    media = (req.content_type or "").split(";", 1)[0].strip().lower()
    if media == PROTOBUF:
        raise StatusError(
            415, "this server reads JSON bodies only, not protobuf: kubectl 1.32 and later send protobuf from "
            "typed commands such as 'kubectl create deployment'; write the object to a file and use "
            "'kubectl apply -f FILE' (or 'kubectl create -f FILE'), which send JSON", "UnsupportedMediaType")
    return body.read_json_object(req)


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


class Lister:
    """What every collection shares: selectors, pages and tables."""

    resource: str
    kind: str
    fields: frozenset[str]
    fields_of: Callable[[Mapping[str, Any]], dict[str, str]]

    record_type: type | None = None  # the stored record a watch follows (None: nothing changes)
    render: Callable[[Any], dict[str, Any]]

    def __init__(self, revision: Callable[[], int], timeout: float, watcher: Watcher) -> None:
        self.revision = revision
        self.timeout = timeout
        self.watcher = watcher

    api_version = "v1"

    def in_scope(self, obj: Mapping[str, Any], namespace: str | None) -> bool:
        return namespace is None or obj["metadata"].get("namespace") == namespace

    def watch_relevant(self, change: Any) -> bool:
        """Whether a stored change is one of this collection's (a watch's filter)."""
        record = change.after if change.after is not None else change.before
        return type(record) is self.record_type

    def watch_render(self, record: Any) -> dict[str, Any] | None:
        """The object a changed record is, as a watch shows it (None: none)."""
        return self.render_record(record)

    def respond_one(self, req: falcon.Request, resp: falcon.Response, obj: dict[str, Any]) -> None:
        """One object, or a one-row Table when the client asks for one
        (``kubectl get pod NAME``)."""
        if tables.wants_table(req.get_header("Accept")):
            resp.media = tables.table(self.resource, [obj], {"resourceVersion": obj["metadata"]["resourceVersion"]})
            return
        resp.media = obj

    def describe(self, record: Any) -> tuple[str, Mapping[str, str], Mapping[str, str]]:
        """A stored record's key (what a continue token holds), labels and
        selectable fields, without rendering the whole object."""
        obj = self.render_record(record)
        return obj["metadata"]["name"], obj["metadata"].get("labels") or {}, type(self).fields_of(obj)

    def render_record(self, record: Any) -> dict[str, Any]:
        return type(self).render(record)

    def table_rows(self, records: list) -> list[tuple[list[Any], dict[str, Any]]] | None:
        """Table rows made straight from the records, where a kind can do
        that cheaper than rendering each object (None: render them)."""
        return None

    def respond_list(self, req: falcon.Request, resp: falcon.Response, records: Callable[[], list],
                     namespace: str | None = None,
                     page: Callable[[int | None, str | None], tuple[list, bool]] | None = None) -> None:
        """A list (or a Table) of the ``records()`` the request's selectors
        choose, a page at a time; with ``?watch=true``, a watch stream instead.

        Only the page is rendered. ``page(limit, after)`` (the store's own
        paging, in its order) serves a list without selectors in O(page): so
        ``kubectl get pods -A``, which asks 500 at a time, costs each request
        its page, not the whole list."""
        try:
            by_label = selectors.label_selector(req.get_param("labelSelector"))
            by_field = selectors.field_selector(req.get_param("fieldSelector"), self.fields)
        except selectors.SelectorError as exc:
            raise StatusError(400, f"unable to parse requirement: {exc}", "BadRequest") from None
        render = self.render_record
        if req.get_param("watch") in ("true", "1"):
            def matches(item: Mapping[str, Any]) -> bool:
                return (self.in_scope(item, namespace)
                        and (by_label is None or by_label(item["metadata"].get("labels") or {}))
                        and (by_field is None or by_field(type(self).fields_of(item))))

            self.watcher.respond(
                req, resp, list_now=lambda: [render(r) for r in records()], render=self.watch_render,
                matches=matches, relevant=self.watch_relevant, bookmark_kind=(self.api_version, self.kind),
                present=(lambda obj: tables.table(self.resource, [obj], {
                    "resourceVersion": obj["metadata"]["resourceVersion"]}))
                if tables.wants_table(req.get_header("Accept")) else (lambda obj: obj),
            )
            return
        limit, after = self._page_params(req)
        revision = str(self.revision())
        if namespace not in (None, objects.DEFAULT_NAMESPACE):
            found, more = [], False  # everything this server keeps is in default
        elif page is not None and by_label is None and by_field is None:
            found, more = page(limit, after)
        else:
            chosen = []
            for record in records():
                key, labels, fields = self.describe(record)
                if (by_label is None or by_label(labels)) and (by_field is None or by_field(fields)):
                    chosen.append((key, record))
            start = 0
            if after is not None:
                start = next((i + 1 for i, (key, _) in enumerate(chosen) if key == after), None)
                if start is None:
                    raise _expired_token(after)
            found = [record for _, record in chosen[start:start + limit] if True] if limit else \
                [record for _, record in chosen[start:]]
            more = bool(limit) and start + limit < len(chosen)
        meta: dict[str, Any] = {"resourceVersion": revision}
        if more and found:
            meta["continue"] = base64.urlsafe_b64encode(json.dumps([self.describe(found[-1])[0]]).encode()).decode()
        if tables.wants_table(req.get_header("Accept")):
            rows = self.table_rows(found)
            resp.media = tables.table(self.resource, [render(r) for r in found] if rows is None else [], meta, rows)
            return
        objs = [render(r) for r in found]
        resp.media = {"kind": f"{self.kind}List", "apiVersion": self.api_version, "metadata": meta, "items": objs}

    @staticmethod
    def _page_params(req: falcon.Request) -> tuple[int | None, str | None]:
        """``limit`` and ``continue``. The token holds the key of the last
        object given, so the next page starts after it in the store's order
        (creation order for pods, names for the rest); unlike
        kube-apiserver's, it does not pin the list's version, and a token
        whose object has since been deleted is 410 ``Expired``: list again."""
        text = req.get_param("limit")
        try:
            limit = int(text) if text else None
        except ValueError:
            raise StatusError(400, "limit must be a whole number", "BadRequest") from None
        if limit is not None and limit <= 0:
            limit = None
        if limit is not None:
            limit = min(limit, MAX_LIMIT)
        token = req.get_param("continue")
        after = None
        if token:
            try:
                (after,) = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
                after = str(after)
            except (ValueError, binascii.Error, TypeError, UnicodeDecodeError):
                raise StatusError(400, "the continue token is not one this server gave", "BadRequest") from None
        return limit, after


def _expired_token(after: str) -> StatusError:
    return StatusError(410, f"the continue token's object ({after[:80]}) is gone; list again from the start",
                       "Expired")


def _check_namespace(namespace: str) -> None:
    if namespace not in objects.BUILTIN_NAMESPACES:
        raise StatusError(404, f'namespaces "{namespace}" not found', "NotFound", name=namespace, kind="namespaces")


class Namespaces(Lister):
    resource, kind, fields = "namespaces", "Namespace", NAMESPACE_FIELDS
    fields_of = staticmethod(_fields_of_namespace)

    def __init__(self, revision: Callable[[], int], timeout: float, watcher: Watcher, started: float) -> None:
        super().__init__(revision, timeout, watcher)
        self.started = started

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.respond_list(req, resp, lambda: list(objects.BUILTIN_NAMESPACES))

    def render_record(self, record: Any) -> dict[str, Any]:
        return objects.namespace(record, self.started)


class Namespace(Namespaces):
    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str) -> None:
        _check_namespace(namespace)
        self.respond_one(req, resp, objects.namespace(namespace, self.started))


class Managed(Lister):
    """A collection over one of the managers: asks it with the request's
    timeout, and waits for what it wrote to be durable before answering."""

    def __init__(self, manager: Any, revision: Callable[[], int], timeout: float, watcher: Watcher,
                 durable: Callable[[int, float], None]) -> None:
        super().__init__(revision, timeout, watcher)
        self.manager = manager
        self.durable = durable

    def ask(self, future: Any) -> Any:
        return future.get(timeout=self.timeout)


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
            raise _expired_token(after or "") from None

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
        changes = node_changes(node, current, patched)
        expected = patched.get("metadata", {}).get("resourceVersion") if isinstance(patched, dict) else None
        version = _version(expected) if expected != current["metadata"]["resourceVersion"] else None
        updated = self.ask(self.manager.update(name, changes, version)) if changes != NodeChanges() else node
        self.durable(updated.version, self.timeout)
        resp.media = objects.node(updated)


def _version(value: object) -> int | None:
    if value is None:
        return None
    try:
        return int(str(value))
    except ValueError:
        raise StatusError(400, f"metadata.resourceVersion: '{str(value)[:30]}' is not a version", "BadRequest") from None


def node_spec(manifest: Mapping[str, Any]) -> tuple[NodeSpec, bool]:
    """A Node manifest as a :class:`NodeSpec`, and whether it is cordoned."""
    name = _name(manifest, "Node")
    metadata = manifest.get("metadata") or {}
    labels = _labels(metadata.get("labels"), "Node", name)
    status = manifest.get("status") or {}
    capacity = status.get("capacity") or status.get("allocatable") or {}
    try:
        from api.quantity import cpu_millicores, memory_mib

        cpu = cpu_millicores(objects._quantity_text(capacity.get("cpu", "4")), "status.capacity.cpu")
        memory = memory_mib(objects._quantity_text(capacity.get("memory", "8Gi")), "status.capacity.memory")
    except ValidationError as exc:
        raise invalid("Node", name, exc.field, exc.message) from None
    annotations = metadata.get("annotations") or {}
    simulated = annotations.get("orchestrator.dev/simulated", "true") != "false"
    spec = manifest.get("spec") or {}
    return NodeSpec(id=name, capacity=Resources(cpu, memory), labels=labels, simulated=simulated), bool(
        spec.get("unschedulable"))


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
    if unschedulable == node.schedulable:
        changes["schedulable"] = not unschedulable
    labels = _labels(meta.get("labels"), "Node", name)
    defaults = objects.node_labels(type(node)(id=node.id))
    labels = {k: v for k, v in labels.items() if k in node.labels or defaults.get(k) != v}
    if labels != dict(node.labels):
        changes["labels"] = labels
    return NodeChanges(**changes)


def _name(manifest: Mapping[str, Any], kind: str) -> str:
    metadata = manifest.get("metadata")
    if not isinstance(metadata, dict):
        raise invalid(kind, "", "metadata", "Required value: an object with a name", cause_type="FieldValueRequired")
    name = metadata.get("name")
    if name is None and isinstance(metadata.get("generateName"), str):
        name = metadata["generateName"] + "".join(secrets.choice(string.ascii_lowercase + string.digits)
                                                  for _ in range(5))
    if name is None:
        raise invalid(kind, "", "metadata.name", "Required value: name or generateName is required",
                      cause_type="FieldValueRequired")
    try:
        return valid_id(name, "metadata.name")
    except ValidationError as exc:
        raise invalid(kind, str(name)[:63], exc.field, exc.message) from None


def _labels(value: object, kind: str, name: str) -> dict[str, str]:
    from api.native.validation import labels as valid_labels

    if value is None:
        return {}
    try:
        return valid_labels(value, "metadata.labels")
    except ValidationError as exc:
        raise invalid(kind, name, exc.field, exc.message) from None


class Pods(Managed):
    resource, kind, fields = "pods", "Pod", POD_FIELDS
    fields_of = staticmethod(_fields_of_pod)
    record_type, render = TaskRecord, staticmethod(objects.pod)

    def __init__(self, manager: Any, submitter: Any, revision: Callable[[], int], timeout: float, watcher: Watcher,
                 durable: Callable[[int, float], None]) -> None:
        super().__init__(manager, revision, timeout, watcher, durable)
        self.submitter = submitter

    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str | None = None) -> None:
        if namespace is not None:
            _check_namespace(namespace)
        self.respond_list(req, resp, lambda: self.ask(self.manager.list()), namespace,
                          page=lambda limit, after: self._page(limit, after))

    def _page(self, limit: int | None, after: str | None) -> tuple[list, bool]:
        try:
            return self.ask(self.manager.page(None, None, limit, after))
        except ValidationError:
            raise _expired_token(after or "") from None

    def table_rows(self, records: list) -> list[tuple[list[Any], dict[str, Any]]]:
        now = time.time()
        return [tables.pod_row(t, now) for t in records]

    def describe(self, record: Any) -> tuple[str, Mapping[str, str], Mapping[str, str]]:
        return record.id, objects.pod_labels(record), {
            "metadata.name": record.id, "metadata.namespace": objects.DEFAULT_NAMESPACE,
            "spec.nodeName": record.node or "", "status.phase": objects.phase(record)}

    def on_post(self, req: falcon.Request, resp: falcon.Response, namespace: str | None = None) -> None:
        if namespace is None:
            raise falcon.HTTPMethodNotAllowed(["GET"])
        _check_namespace(namespace)
        manifest = read_manifest(req, resp, "Pod")
        given = (manifest.get("metadata") or {}).get("namespace")
        if given not in (None, namespace):
            raise StatusError(400, f"the namespace of the object ({str(given)[:63]}) does not match the namespace "
                              f"on the request ({namespace})", "BadRequest")
        if namespace != objects.DEFAULT_NAMESPACE:
            raise StatusError(403, f"pods are kept in the namespace 'default' only, not '{namespace}'", "Forbidden")
        spec = task_spec(manifest)
        node_name = (manifest.get("spec") or {}).get("nodeName")
        resp.status = falcon.HTTP_201
        if dry_run(req):
            resp.media = objects.pod(TaskRecord(id=spec.id, name=spec.id, resources=spec.resources,
                                                manifest=spec.manifest, scheduler=spec.scheduler))
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


    def on_delete(self, req: falcon.Request, resp: falcon.Response, namespace: str | None = None) -> None:
        """``deletecollection``: every pod the selectors choose (all without
        one), one delete each; answers the list of what was deleted."""
        if namespace is None:
            raise falcon.HTTPMethodNotAllowed(["GET"])
        _check_namespace(namespace)
        try:
            by_label = selectors.label_selector(req.get_param("labelSelector"))
            by_field = selectors.field_selector(req.get_param("fieldSelector"), self.fields)
        except selectors.SelectorError as exc:
            raise StatusError(400, f"unable to parse requirement: {exc}", "BadRequest") from None
        chosen = [] if namespace != objects.DEFAULT_NAMESPACE else [
            t for t in self.ask(self.manager.list())
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
        _check_namespace(namespace)
        binding = read_manifest(req, resp, "Binding")
        target = binding.get("target")
        if not isinstance(target, dict) or not isinstance(target.get("name"), str) or not target["name"]:
            raise invalid("Binding", name, "target.name", "Required value: the node to bind to",
                          cause_type="FieldValueRequired")
        if target.get("kind", "Node") != "Node":
            raise invalid("Binding", name, "target.kind", "must be Node")
        if namespace != objects.DEFAULT_NAMESPACE:
            raise NotFound("task", name)
        task = self.ask(self.manager.bind(name, target["name"]))
        self.durable(task.version, self.timeout)
        resp.status = falcon.HTTP_201
        resp.media = {"kind": "Binding", "apiVersion": "v1",
                      "metadata": {"name": name, "namespace": namespace, "uid": objects.uid("pod", name, task.created_at)},
                      "target": {"kind": "Node", "apiVersion": "v1", "name": target["name"]}}


class Pod(Pods):
    def _task(self, namespace: str, name: str) -> Any:
        _check_namespace(namespace)
        if namespace != objects.DEFAULT_NAMESPACE:
            raise NotFound("task", name)
        return self.ask(self.manager.get(name))

    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        self.respond_one(req, resp, objects.pod(self._task(namespace, name)))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        task = self._task(namespace, name)
        if not dry_run(req):
            self.durable(self.ask(self.manager.delete(name)), self.timeout)
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
        task_spec({**wanted, "metadata": {**wanted["metadata"], "name": name}})  # the same rules as a create
        given = wanted["metadata"].get("resourceVersion")
        # A patch that does not name a version carries the current one: then it is unconditional, as in
        # Kubernetes (a race is retried, not refused); a version the client gave is checked.
        version = None if given == current["metadata"]["resourceVersion"] else _version(given)
        manifest = objects.stored_manifest(wanted, name)
        if dry_run(req):
            from actors.domain.models import replace

            resp.media = objects.pod(replace(task, manifest=manifest))
            return
        updated = self.ask(self.manager.update_manifest(name, manifest, version))
        self.durable(updated.version, self.timeout)
        resp.media = objects.pod(updated)


def dry_run(req: falcon.Request) -> bool:
    """``dryRun=All``: check everything, store nothing (the only value
    Kubernetes defines; any other is a 400)."""
    value = req.get_param("dryRun")
    if value is None:
        return False
    if value != "All":
        raise StatusError(400, f'dryRun must be "All", not "{value[:30]}"', "BadRequest")
    return True


def apply_patch_request(req: falcon.Request, current: dict[str, Any], kind: str, name: str) -> Any:
    """The object as the request's patch (by its Content-Type) makes it."""
    content_type = (req.content_type or "").split(";", 1)[0].strip().lower()
    if content_type == patch.APPLY:
        raise StatusError(415, "server-side apply (application/apply-patch+yaml) is not served; use client-side "
                          "'kubectl apply' (the default, without --server-side)", "UnsupportedMediaType")
    if content_type not in patch.PATCH_TYPES:
        raise StatusError(415, f"the patch type '{content_type[:60]}' is not supported; use one of "
                          f"{', '.join(patch.PATCH_TYPES)}", "UnsupportedMediaType")
    document = body.read_json(req)
    try:
        return patch.apply_patch(content_type, current, document)
    except patch.PatchError as exc:
        raise StatusError(422, f'{kind} "{name}" is invalid: {exc}', "Invalid", name=name,
                          kind=f"{kind.lower()}s") from None


def task_spec(manifest: Mapping[str, Any]) -> TaskSpec:
    """A Pod manifest as a :class:`TaskSpec` (see :mod:`api.kube.objects`)."""
    name = _name(manifest, "Pod")
    metadata = manifest["metadata"]
    annotations = metadata.get("annotations") or {}
    spec = manifest.get("spec")
    if not isinstance(spec, dict):
        raise invalid("Pod", name, "spec", "Required value", cause_type="FieldValueRequired")
    node_selector = spec.get("nodeSelector") or {}
    try:
        if not isinstance(annotations, dict):
            raise ValidationError("metadata.annotations", "must be an object of strings")
        cpu, memory = objects.requests_of(spec)
        if not isinstance(node_selector, dict) or not all(isinstance(v, str) for v in node_selector.values()):
            raise ValidationError("spec.nodeSelector", "must be an object of strings")
        duration = objects.duration_of(annotations)
        outcome = objects.outcome_of(annotations)
    except ValidationError as exc:
        raise invalid("Pod", name, exc.field, exc.message) from None
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
    return TaskSpec(id=name, name=name, resources=Resources(cpu, memory), node_selector=node_selector,
                    duration=duration, outcome=outcome, manifest=objects.stored_manifest(manifest, name),
                    scheduler=scheduler)
