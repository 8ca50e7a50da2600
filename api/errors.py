"""Domain errors to HTTP, in one place.

Every error body of the native API is JSON ``{"title", "description"}``; the
description names the field or id at fault. Under the Kubernetes API's paths
(``/api``, ``/apis``, see :mod:`api.kube`) the same errors are ``Status``
objects with Kubernetes' reasons and messages, as kubectl and client-go
expect.
"""

from __future__ import annotations

import logging

import falcon
import pykka

from actors.domain import namespaces
from actors.domain.errors import (
    AlreadyExists,
    Conflict,
    NotFound,
    Unavailable,
    ValidationError,
    VersionConflict,
)
from actors.event_recorder import Expired
from api.kube.status import StatusError, status as kube_status

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1


# the record kinds as the Kubernetes API names them, in messages and details
_KUBE_KINDS = {"task": "pods", "node": "nodes", "deployment": "deployments"}
_KUBE_GROUPS = {"deployments": "apps", "priorityclasses": "scheduling.k8s.io"}


def is_kube(req: falcon.Request) -> bool:
    path = req.path
    return path == "/api" or path.startswith(("/api/", "/apis", "/openapi/v")) or path == "/version"


def _respond(
    req: falcon.Request, resp: falcon.Response, status: str, title: str, description: str,
    kube: dict | None = None, **extra: object,
) -> None:
    """``kube``: what the Status form says instead (message, reason, details)."""
    resp.status = status
    if is_kube(req):
        code = int(status.split()[0])
        resp.media = kube_status(code, **(kube or {"message": description}))
        return
    resp.media = {"title": title, "description": description, **extra}


def _named(ex: NotFound | AlreadyExists, message: str) -> dict:
    resource, name = _KUBE_KINDS.get(ex.kind, ex.kind), ex.id
    if ex.kind == "object":  # kept for a client: its id is "PLURAL/[NAMESPACE/]NAME"
        resource, name = ex.id.split("/", 1)[0], ex.id.rsplit("/", 1)[-1]
    elif ex.kind == "namespace":
        resource = "namespaces"
    else:  # a task or deployment outside default is "NAMESPACE/NAME" (see actors.domain.namespaces)
        name = namespaces.name_of(ex.id)
    group = _KUBE_GROUPS.get(resource, "")
    qualified = f"{resource}.{group}" if group else resource  # as kube-apiserver names a group's resource
    return {"message": f'{qualified} "{name}" {message}', "name": name, "kind": resource, "group": group}


def validation_error(req: falcon.Request, resp: falcon.Response, ex: ValidationError, params: dict) -> None:
    _respond(req, resp, falcon.HTTP_422, "Invalid input", str(ex), field=ex.field, kube={
        "message": str(ex), "reason": "Invalid",
        "causes": [{"reason": "FieldValueInvalid", "message": ex.message, "field": ex.field}]})


def not_found(req: falcon.Request, resp: falcon.Response, ex: NotFound, params: dict) -> None:
    _respond(req, resp, falcon.HTTP_404, "Not found", str(ex), kube=_named(ex, "not found"))


def already_exists(req: falcon.Request, resp: falcon.Response, ex: AlreadyExists, params: dict) -> None:
    _respond(req, resp, falcon.HTTP_409, "Already exists", str(ex),
             kube={**_named(ex, "already exists"), "reason": "AlreadyExists"})


def conflict(req: falcon.Request, resp: falcon.Response, ex: Conflict, params: dict) -> None:
    message = str(ex)
    if isinstance(ex, VersionConflict):
        resource = _KUBE_KINDS.get(ex.kind, ex.kind)
        message = (f'Operation cannot be fulfilled on {resource} "{ex.id}": the object has been modified; '
                   "please apply your changes to the latest version and try again")
    _respond(req, resp, falcon.HTTP_409, "Conflict", str(ex), kube={"message": message, "reason": "Conflict"})


def gone(req: falcon.Request, resp: falcon.Response, ex: Exception, params: dict) -> None:
    _respond(req, resp, falcon.HTTP_410, "Gone", str(ex), kube={"message": str(ex), "reason": "Expired"})


def unavailable(req: falcon.Request, resp: falcon.Response, ex: Exception, params: dict) -> None:
    logger.warning("%s %s: control plane unavailable: %r", req.method, req.path, ex)
    resp.set_header("Retry-After", str(RETRY_AFTER_SECONDS))
    # A store's refusal says why (a failed disk, etcd's limits); a timeout
    # or a dead actor has nothing more to say to the client.
    why = str(ex) if isinstance(ex, Unavailable) and str(ex) else "the control plane did not answer in time"
    description = f"{why}; retry shortly"
    _respond(req, resp, falcon.HTTP_503, "Service unavailable", description,
             kube={"message": description, "retry_after": RETRY_AFTER_SECONDS})


def http_error(req: falcon.Request, resp: falcon.Response, ex: falcon.HTTPError, params: dict) -> None:
    """Falcon's own errors, with a description wherever Falcon gives none."""
    if isinstance(ex, StatusError):
        resp.status = ex.status
        resp.media = ex.body
        return
    description = ex.description
    if description is None:
        if ex.status_code == 404:
            description = f"no resource at {req.path}"
        elif ex.status_code == 405:
            allowed = (ex.headers or {}).get("Allow", "")
            description = f"{req.method} is not allowed on {req.path}; allowed: {allowed}"
        else:
            description = ex.title or str(ex.status)
    for name, value in (ex.headers or {}).items():
        resp.set_header(name, value)
    _respond(req, resp, ex.status, ex.title or str(ex.status), description)


def unexpected(req: falcon.Request, resp: falcon.Response, ex: Exception, params: dict) -> None:
    logger.exception("%s %s failed", req.method, req.path)
    _respond(req, resp, falcon.HTTP_500, "Internal error", "the server failed to handle the request; see its log")


def register(app: falcon.App) -> None:
    app.add_error_handler(Exception, unexpected)
    app.add_error_handler(falcon.HTTPError, http_error)
    app.add_error_handler(ValidationError, validation_error)
    app.add_error_handler(NotFound, not_found)
    app.add_error_handler(AlreadyExists, already_exists)
    app.add_error_handler(Conflict, conflict)
    app.add_error_handler(Unavailable, unavailable)
    app.add_error_handler(Expired, gone)
    app.add_error_handler(pykka.Timeout, unavailable)
    app.add_error_handler(pykka.ActorDeadError, unavailable)
