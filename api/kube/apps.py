"""``apps/v1``: Deployments (with ``scale`` and ``status``) and the
ReplicaSets derived from them, over the native deployment manager.

A deployment's status changes when its tasks do; a watch on deployments
therefore also turns every change of a task a deployment owns into a
MODIFIED event of that deployment, with its status counted again, which is
what ``kubectl rollout status`` waits on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import falcon

from actors.domain import namespaces
from actors.domain.errors import NotFound, ValidationError
from actors.domain.models import Deployment as DeploymentRecord
from actors.domain.models import DeploymentChanges, DeploymentSpec, TaskTemplate, replace
from actors.domain.models import Task as TaskRecord
from actors.domain.retry import check_version
from actors.watch_log import Change
from api.kube import placement, priorityclasses, workloads
from api.kube.lists import Managed
from api.kube.requests import apply_patch_request, dry_run, name_of, read_manifest, version_of
from api.kube.status import StatusError, invalid

NAME_FIELDS = frozenset({"metadata.name", "metadata.namespace"})


def _fields_of(obj: Mapping[str, Any]) -> dict[str, str]:
    return {"metadata.name": obj["metadata"]["name"], "metadata.namespace": obj["metadata"]["namespace"]}


def deployment_spec(manifest: Mapping[str, Any], namespace: str = namespaces.DEFAULT) -> DeploymentSpec:
    """A Deployment manifest as a :class:`DeploymentSpec` of ``namespace``."""
    name = name_of(manifest, "Deployment")
    spec = manifest.get("spec")
    if not isinstance(spec, dict):
        raise invalid("Deployment", name, "spec", "Required value", group="apps", cause_type="FieldValueRequired")
    try:
        replicas = workloads.replicas_of(spec)
        template = workloads.template_of(spec)
    except ValidationError as exc:
        raise invalid("Deployment", name, exc.field, exc.message, group="apps") from None
    return DeploymentSpec(id=namespaces.key(namespace, name), replicas=replicas, template=template,
                          manifest=workloads.stored_manifest(manifest, name, namespace))


class _Apps(Managed):
    api_version = "apps/v1"
    fields = NAME_FIELDS
    fields_of = staticmethod(_fields_of)

    def watch_relevant(self, change: Change) -> bool:
        record = change.after if change.after is not None else change.before
        return type(record) is DeploymentRecord or (type(record) is TaskRecord and record.owner is not None)

    def _owned(self, deployment_id: str) -> tuple[DeploymentRecord, list[TaskRecord]]:
        found = self.ask(self.manager.with_tasks([deployment_id]))
        if not found:
            raise NotFound("deployment", deployment_id)
        return found[0]

    def _all_in(self, namespace: str | None) -> list[tuple[DeploymentRecord, list[TaskRecord]]]:
        return [(d, tasks) for d, tasks in self.ask(self.manager.with_tasks())
                if namespace is None or namespaces.in_namespace(d.id, namespace)]


class Deployments(_Apps):
    resource, kind = "deployments", "Deployment"
    priority_classes = priorityclasses.NO_PRIORITY_CLASSES  # api.kube.add_routes gives the app's own

    def prioritised(self, template: TaskTemplate, name: str) -> TaskTemplate:
        """The template with the priority its pod template resolves to, now:
        a deployment's pods take the priority of the class as it was when the
        template was given (see :mod:`api.kube.priorityclasses`); 403 when
        admission would refuse its pods."""
        pod_spec = (template.manifest or {}).get("spec") or {}
        try:
            found = self.priority_classes.resolve(*placement.priority_fields_of(pod_spec))
        except priorityclasses.Refused as exc:
            raise StatusError(403, f'deployments.apps "{name}" is forbidden: spec.template.{exc.field}: '
                              f"{exc.message}", "Forbidden", name=name, group="apps", kind="deployments") from None
        return replace(template, priority=found.value, preemption_policy=found.preemption_policy)

    def watch_render(self, record: Any) -> dict[str, Any] | None:
        """A deployment as it is now: a change of one of its tasks shows as a
        change of the deployment (its status)."""
        name = record.owner if type(record) is TaskRecord else record.id
        found = self.ask(self.manager.with_tasks([name]))
        if not found:
            return workloads.deployment(record, []) if type(record) is DeploymentRecord else None
        return workloads.deployment(*found[0])

    def render_record(self, record: Any) -> dict[str, Any]:
        return workloads.deployment(*record)

    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str | None = None) -> None:
        if namespace is not None:
            self.check_namespace(namespace)
        self.respond_list(req, resp, lambda: self._all_in(namespace), namespace)

    def on_post(self, req: falcon.Request, resp: falcon.Response, namespace: str | None = None) -> None:
        if namespace is None:
            raise falcon.HTTPMethodNotAllowed(["GET"])
        self.check_namespace(namespace)
        manifest = read_manifest(req, resp, "Deployment", "apps/v1")
        given = (manifest.get("metadata") or {}).get("namespace")
        if given not in (None, namespace):
            raise StatusError(400, f"the namespace of the object ({str(given)[:63]}) does not match the namespace "
                              f"on the request ({namespace})", "BadRequest")
        spec = deployment_spec(manifest, namespace)
        spec = replace(spec, template=self.prioritised(spec.template, namespaces.name_of(spec.id)))
        resp.status = falcon.HTTP_201
        if dry_run(req):
            resp.media = workloads.deployment(DeploymentRecord(id=spec.id, replicas=spec.replicas,
                                                               template=spec.template, manifest=spec.manifest), [])
            return
        created = self.ask(self.manager.create(spec))
        self.durable(created.version, self.timeout)
        resp.media = workloads.deployment(created, [])


class Deployment(Deployments):
    def _current(self, namespace: str, name: str) -> tuple[DeploymentRecord, list[TaskRecord]]:
        self.check_namespace(namespace)
        return self._owned(namespaces.key(namespace, name))

    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        self.respond_one(req, resp, workloads.deployment(*self._current(namespace, name)))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        current = workloads.deployment(*self._current(namespace, name))
        if not dry_run(req):
            self.durable(self.ask(self.manager.delete(namespaces.key(namespace, name))), self.timeout)  # and its tasks
        resp.media = current

    def on_patch(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        record, tasks = self._current(namespace, name)
        current = workloads.deployment(record, tasks)
        self._update(req, resp, record, tasks, current, apply_patch_request(req, current, "Deployment", name))

    def on_put(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        wanted = read_manifest(req, resp, "Deployment", "apps/v1")
        record, tasks = self._current(namespace, name)
        if (wanted.get("metadata") or {}).get("name") != name:
            raise StatusError(400, f"the name of the object does not match the name on the URL ({name})",
                              "BadRequest")
        self._update(req, resp, record, tasks, workloads.deployment(record, tasks), wanted)

    def _update(self, req: falcon.Request, resp: falcon.Response, record: DeploymentRecord, tasks: list,
                current: dict[str, Any], wanted: Any) -> None:
        namespace, name = namespaces.split(record.id)
        if not isinstance(wanted, dict) or not isinstance(wanted.get("spec"), dict):
            raise invalid("Deployment", name, "spec", "Required value", group="apps")
        if wanted["spec"].get("selector") != current["spec"]["selector"]:
            raise invalid("Deployment", name, "spec.selector", "Invalid value: field is immutable", group="apps")
        spec = deployment_spec({**wanted, "metadata": {**(wanted.get("metadata") or {}), "name": name}}, namespace)
        changed = spec.template.manifest != workloads.pod_template(record)
        changes = DeploymentChanges(
            replicas=spec.replicas if spec.replicas != record.replicas else None,
            template=self.prioritised(spec.template, name) if changed else None,
            manifest=spec.manifest if spec.manifest != record.manifest else None,
        )
        given = (wanted.get("metadata") or {}).get("resourceVersion")
        version = None if given == current["metadata"]["resourceVersion"] else version_of(given)
        if dry_run(req) or changes == DeploymentChanges():
            check_version(record, version)  # a stale version is a 409 even when nothing would change
            resp.media = current
            return
        updated = self.ask(self.manager.update(record.id, changes, version))
        self.durable(updated.version, self.timeout)
        resp.media = workloads.deployment(updated, tasks)


class DeploymentScale(Deployment):
    """``deployments/{name}/scale``: read and set the replicas (``kubectl scale``)."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        resp.media = workloads.scale(*self._current(namespace, name))

    def on_put(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        self._scale(req, resp, namespace, name, read_manifest(req, resp, "Scale", "autoscaling/v1"))

    def on_patch(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        record, tasks = self._current(namespace, name)
        self._scale(req, resp, namespace, name,
                    apply_patch_request(req, workloads.scale(record, tasks), "Scale", name))

    def _scale(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str, wanted: Any) -> None:
        record, tasks = self._current(namespace, name)
        try:
            replicas = workloads.replicas_of((wanted or {}).get("spec") or {})
        except ValidationError as exc:
            raise invalid("Scale", name, exc.field, exc.message, group="autoscaling") from None
        if not dry_run(req) and replicas != record.replicas:
            record = self.ask(self.manager.update(record.id, DeploymentChanges(replicas=replicas)))
            self.durable(record.version, self.timeout)
        resp.media = workloads.scale(record, tasks)


class DeploymentStatus(Deployment):
    """``deployments/{name}/status``: read only (the controller's to write)."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        resp.media = workloads.deployment(*self._current(namespace, name))


class ReplicaSets(_Apps):
    resource, kind = "replicasets", "ReplicaSet"

    def watch_render(self, record: Any) -> dict[str, Any] | None:
        return None  # replica sets are derived: a watch on them lists, then waits for its timeout

    def _sets_in(self, namespace: str | None) -> list[dict[str, Any]]:
        return [rs for d, tasks in self._all_in(namespace) for rs in workloads.replica_sets(d, tasks)]

    def render_record(self, record: Any) -> dict[str, Any]:
        return record  # derived, already an object

    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str | None = None) -> None:
        if namespace is not None:
            self.check_namespace(namespace)
        self.respond_list(req, resp, lambda: self._sets_in(namespace), namespace)


class ReplicaSet(ReplicaSets):
    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        self.check_namespace(namespace)
        deployment = name.rsplit("-", 1)[0]
        found = self.ask(self.manager.with_tasks([namespaces.key(namespace, deployment)]))
        for d, tasks in found:
            for rs in workloads.replica_sets(d, tasks):
                if rs["metadata"]["name"] == name:
                    self.respond_one(req, resp, rs)
                    return
        raise StatusError(404, f'replicasets.apps "{name}" not found', "NotFound", name=name, group="apps",
                          kind="replicasets")
