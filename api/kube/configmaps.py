"""ConfigMaps and namespaces of a user's own: kept, listed and watched, and
acted on by nothing, as applications and operators expect them to be.

Both are objects of the object manager (:mod:`actors.object_manager`):
a ConfigMap is ``configmaps/NAMESPACE/NAME``, a namespace
``namespaces/NAME``; the body is the manifest as sent, without its status
and the fields the server owns. A ConfigMap takes ``data`` (strings),
``binaryData`` (base64 strings) and ``immutable`` (after which its data
cannot change: 422). Deleting a namespace deletes the ConfigMaps in it, in
the same transaction; the four built-in namespaces cannot be deleted (403).
The namespace's pods and deployments go in the same transaction
(:class:`~actors.store.ops.DeleteNamespaced`).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

import falcon

from actors.domain.models import Object
from api.kube import objects
from api.kube.lists import Managed
from api.kube.requests import apply_patch_request, dry_run, labels_of, name_of, read_manifest, version_of
from api.kube.status import StatusError, invalid

_DATA_KEY = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")
NAME_FIELDS = frozenset({"metadata.name", "metadata.namespace"})


def _fields_of(obj: Mapping[str, Any]) -> dict[str, str]:
    return {"metadata.name": obj["metadata"]["name"], "metadata.namespace": obj["metadata"].get("namespace", "")}


def configmap(o: Object) -> dict[str, Any]:
    _, namespace, name = o.id.split("/", 2)
    metadata = dict(o.body.get("metadata") or {})
    metadata.update({"name": name, "namespace": namespace, "uid": objects.uid("configmap", o.id, o.created_at),
                     "resourceVersion": str(o.version), "creationTimestamp": objects.timestamp(o.created_at)})
    obj: dict[str, Any] = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": metadata}
    for key in ("data", "binaryData", "immutable"):
        if key in o.body:
            obj[key] = o.body[key]
    return obj


def user_namespace(o: Object) -> dict[str, Any]:
    name = o.id.split("/", 1)[1]
    ns = objects.namespace(name, o.created_at)
    labels = {**((o.body.get("metadata") or {}).get("labels") or {}), "kubernetes.io/metadata.name": name}
    ns["metadata"].update({"labels": labels, "resourceVersion": str(o.version),
                           "uid": objects.uid("namespace", name, o.created_at)})
    annotations = (o.body.get("metadata") or {}).get("annotations")
    if annotations:
        ns["metadata"]["annotations"] = annotations
    return ns


def object_metadata(manifest: Mapping[str, Any], kind: str, name: str) -> dict[str, Any]:
    """What of a kept object's metadata is stored: labels and annotations
    (checked) and the like, without its name and the server's fields."""
    metadata = {k: v for k, v in (manifest.get("metadata") or {}).items()
                if k not in objects.SERVER_METADATA and k not in ("name", "namespace")}
    labels = labels_of(metadata.pop("labels", None), kind, name)
    if labels:
        metadata["labels"] = labels
    annotations = metadata.get("annotations") or {}
    if not isinstance(annotations, dict) or not all(isinstance(v, str) for v in annotations.values()):
        raise invalid(kind, name, "metadata.annotations", "must be an object of strings")
    return metadata


def configmap_body(manifest: Mapping[str, Any], name: str) -> dict[str, Any]:
    """What of a ConfigMap manifest is kept, checked as Kubernetes checks it."""
    body: dict[str, Any] = {"metadata": object_metadata(manifest, "ConfigMap", name)}
    for key, binary in (("data", False), ("binaryData", True)):
        value = manifest.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise invalid("ConfigMap", name, key, "must be an object of strings")
        for k, v in value.items():
            if not _DATA_KEY.match(k):
                raise invalid("ConfigMap", name, f"{key}[{k[:60]}]", "a valid config key must consist of "
                              "alphanumeric characters, '-', '_' or '.'")
            if not isinstance(v, str):
                raise invalid("ConfigMap", name, f"{key}[{k}]", "must be a string")
            if binary:
                try:
                    base64.b64decode(v, validate=True)
                except (binascii.Error, ValueError):
                    raise invalid("ConfigMap", name, f"{key}[{k}]", "must be base64") from None
        body[key] = dict(value)
    both = set(body.get("data", {})) & set(body.get("binaryData", {}))
    if both:
        raise invalid("ConfigMap", name, f"data[{sorted(both)[0]}]", "duplicate of key present in binaryData")
    immutable = manifest.get("immutable")
    if immutable is not None:
        if not isinstance(immutable, bool):
            raise invalid("ConfigMap", name, "immutable", "must be true or false")
        body["immutable"] = immutable
    return body


class ConfigMaps(Managed):
    """``/api/v1/configmaps`` and ``/api/v1/namespaces/{namespace}/configmaps``."""

    resource, kind, fields = "configmaps", "ConfigMap", NAME_FIELDS
    fields_of = staticmethod(_fields_of)
    record_type, render = Object, staticmethod(configmap)

    def watch_relevant(self, change: Any) -> bool:
        record = change.after if change.after is not None else change.before
        return type(record) is Object and record.id.startswith("configmaps/")

    def describe(self, record: Any) -> tuple[str, Mapping[str, str], Mapping[str, str]]:
        _, namespace, name = record.id.split("/", 2)
        return (f"{namespace}/{name}", (record.body.get("metadata") or {}).get("labels") or {},
                {"metadata.name": name, "metadata.namespace": namespace})

    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str | None = None) -> None:
        if namespace is not None:
            self.check_namespace(namespace)
        prefix = "configmaps/" if namespace is None else f"configmaps/{namespace}/"
        self.respond_list(req, resp, lambda: self.ask(self.manager.list(prefix)), namespace)

    def on_post(self, req: falcon.Request, resp: falcon.Response, namespace: str | None = None) -> None:
        if namespace is None:
            raise falcon.HTTPMethodNotAllowed(["GET"])
        self.check_namespace(namespace)
        manifest = read_manifest(req, resp, "ConfigMap")
        given = (manifest.get("metadata") or {}).get("namespace")
        if given not in (None, namespace):
            raise StatusError(400, "the namespace of the object does not match the namespace on the request",
                              "BadRequest")
        name = name_of(manifest, "ConfigMap")
        body = configmap_body(manifest, name)
        resp.status = falcon.HTTP_201
        if dry_run(req):
            resp.media = configmap(Object(f"configmaps/{namespace}/{name}", body))
            return
        created = self.ask(self.manager.create(f"configmaps/{namespace}/{name}", body))
        self.durable(created.version, self.timeout)
        resp.media = configmap(created)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, namespace: str | None = None) -> None:
        """``deletecollection``: the ConfigMaps the selectors choose."""
        if namespace is None:
            raise falcon.HTTPMethodNotAllowed(["GET"])
        self.check_namespace(namespace)
        from api.kube import selectors

        try:
            by_label = selectors.label_selector(req.get_param("labelSelector"))
        except selectors.SelectorError as exc:
            raise StatusError(400, f"unable to parse requirement: {exc}", "BadRequest") from None
        chosen = [o for o in self.ask(self.manager.list(f"configmaps/{namespace}/"))
                  if by_label is None or by_label((o.body.get("metadata") or {}).get("labels") or {})]
        if chosen and not dry_run(req):
            self.durable(self.ask(self.manager.delete([o.id for o in chosen])), self.timeout)
        resp.media = {"kind": "ConfigMapList", "apiVersion": "v1", "metadata": {"resourceVersion": str(
            self.revision())}, "items": [configmap(o) for o in chosen]}


class ConfigMap(ConfigMaps):
    def _current(self, namespace: str, name: str) -> Object:
        self.check_namespace(namespace)
        return self.ask(self.manager.get(f"configmaps/{namespace}/{name}"))

    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        self.respond_one(req, resp, configmap(self._current(namespace, name)))

    def on_put(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        wanted = read_manifest(req, resp, "ConfigMap")
        if (wanted.get("metadata") or {}).get("name") != name:
            raise StatusError(400, f"the name of the object does not match the name on the URL ({name})",
                              "BadRequest")
        current = self._current(namespace, name)
        self._update(req, resp, current, wanted, version_of((wanted.get("metadata") or {}).get("resourceVersion")))

    def on_patch(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        current = self._current(namespace, name)
        shown = configmap(current)
        patched = apply_patch_request(req, shown, "ConfigMap", name)
        if not isinstance(patched, dict):
            raise invalid("ConfigMap", name, "", "the patched object is not an object")
        given = (patched.get("metadata") or {}).get("resourceVersion")
        version = None if given == shown["metadata"]["resourceVersion"] else version_of(given)
        self._update(req, resp, current, patched, version)

    def _update(self, req: falcon.Request, resp: falcon.Response, current: Object, wanted: Mapping[str, Any],
                version: int | None) -> None:
        name = current.id.rsplit("/", 1)[1]
        body = configmap_body(wanted, name)
        if current.body.get("immutable"):
            for key in ("data", "binaryData", "immutable"):
                if body.get(key) != current.body.get(key):
                    raise invalid("ConfigMap", name, key, "field is immutable when `immutable` is set",
                                  cause_type="FieldValueForbidden")
        if dry_run(req):
            resp.media = configmap(Object(current.id, body, current.created_at, current.version))
            return
        updated = self.ask(self.manager.update(current.id, body, version))
        self.durable(updated.version, self.timeout)
        resp.media = configmap(updated)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        current = self._current(namespace, name)
        if not dry_run(req):
            self.durable(self.ask(self.manager.delete([current.id])), self.timeout)
        resp.media = configmap(current)


def namespace_body(manifest: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    name = name_of(manifest, "Namespace")
    return name, {"metadata": object_metadata(manifest, "Namespace", name)}

