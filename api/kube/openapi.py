"""OpenAPI v3 for the Kubernetes API, as much as clients read.

kubectl (``create``, ``apply``, ``replace``) validates with the server when
the server says it can: it reads ``/openapi/v3``, then the document of the
object's group-version, and looks for a PATCH operation tagged with the
object's ``x-kubernetes-group-version-kind`` that takes the ``fieldValidation``
query parameter. Finding it, kubectl sends ``fieldValidation=Strict`` and
leaves validation to us (:mod:`api.kube.fields`) instead of downloading the
full schema. So each document lists every served path and operation with
its group-version-kind and parameters; schemas are left open (``object``):
the server, not the document, is the authority on fields.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import falcon

from api.kube.discovery import RESOURCES

_VERBS = {"get": "get", "list": "get", "create": "post", "update": "put", "patch": "patch", "delete": "delete",
          "deletecollection": "delete", "watch": "get"}
_COMMON = [
    {"name": "pretty", "in": "query", "schema": {"type": "string"}},
]
_WRITE = [
    {"name": "dryRun", "in": "query", "schema": {"type": "string"}},
    {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
    {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
]
_LIST = [
    {"name": name, "in": "query", "schema": {"type": kind}}
    for name, kind in (("labelSelector", "string"), ("fieldSelector", "string"), ("limit", "integer"),
                       ("continue", "string"), ("resourceVersion", "string"), ("watch", "boolean"),
                       ("allowWatchBookmarks", "boolean"), ("timeoutSeconds", "integer"))
]


def _path_prefix(group_version: str) -> str:
    return "/api/v1" if group_version == "v1" else f"/apis/{group_version}"


def group_version_document(group_version: str) -> dict[str, Any]:
    group, _, version = group_version.rpartition("/")
    paths: dict[str, Any] = {}
    for name, _singular, namespaced, kind, verbs, _short in RESOURCES[group_version]:
        if "/" in name:
            continue
        gvk = {"group": group, "version": version, "kind": kind}
        base = _path_prefix(group_version) + ("/namespaces/{namespace}" if namespaced else "") + f"/{name}"
        path_params = [{"name": "namespace", "in": "path", "required": True, "schema": {"type": "string"}}] \
            if namespaced else []
        collection: dict[str, Any] = {}
        item: dict[str, Any] = {}
        for verb in verbs:
            method = _VERBS.get(verb)
            if method is None:
                continue
            on_item = verb in ("get", "update", "patch", "delete")
            operation = {
                "operationId": f"{verb}{kind}",
                "x-kubernetes-action": verb,
                "x-kubernetes-group-version-kind": gvk,
                "parameters": _COMMON + (_WRITE if verb in ("create", "update", "patch", "delete") else [])
                + (_LIST if verb in ("list", "deletecollection") else []),
                "responses": {"200": {"description": "OK", "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{kind}"}}}}},
            }
            if verb in ("create", "update", "patch"):
                media = ["application/json"] if verb != "patch" else [
                    "application/json-patch+json", "application/merge-patch+json",
                    "application/strategic-merge-patch+json"]
                operation["requestBody"] = {"content": {
                    m: {"schema": {"$ref": f"#/components/schemas/{kind}"}} for m in media}}
            target = item if on_item else collection
            if method not in target:
                target[method] = operation
        if collection:
            paths[base] = {"parameters": path_params, **collection}
        if item:
            paths[base + "/{name}"] = {
                "parameters": path_params + [{"name": "name", "in": "path", "required": True,
                                              "schema": {"type": "string"}}],
                **item,
            }
    # Open schemas, deliberately without x-kubernetes-group-version-kind: kubectl apply then computes its
    # strategic merge patch from the types compiled into it (which know every merge key) instead of
    # warning that these schemas have no fields.
    schemas = {kind: {"type": "object"} for _name, _s, _n, kind, _v, _sh in RESOURCES[group_version]}
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.29.0-orchestrator"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _documents() -> dict[str, bytes]:
    return {gv: json.dumps(group_version_document(gv)).encode() for gv in RESOURCES}


class OpenAPIV3:
    """``/openapi/v3`` (the index) and ``/openapi/v3/{api|apis}/...``."""

    def __init__(self) -> None:
        self.documents = _documents()
        self.hashes = {gv: hashlib.sha512(doc).hexdigest()[:64].upper() for gv, doc in self.documents.items()}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"paths": {
            _path_prefix(gv).lstrip("/"): {"serverRelativeURL": f"/openapi/v3{_path_prefix(gv)}?hash={h}"}
            for gv, h in self.hashes.items()
        }}

    def on_get_group(self, req: falcon.Request, resp: falcon.Response, group: str, version: str) -> None:
        self._one(resp, f"{group}/{version}")

    def on_get_core(self, req: falcon.Request, resp: falcon.Response) -> None:
        self._one(resp, "v1")

    def _one(self, resp: falcon.Response, group_version: str) -> None:
        document = self.documents.get(group_version)
        if document is None:
            raise falcon.HTTPNotFound(description=f"no OpenAPI document for {group_version}")
        resp.content_type = falcon.MEDIA_JSON
        resp.data = document
