"""Domain errors to HTTP, in one place.

Every error body is JSON ``{"title", "description"}``; the description names
the field or id at fault.
"""

from __future__ import annotations

import logging

import falcon
import pykka

from actors.domain.errors import (
    AlreadyExists,
    Conflict,
    NotFound,
    Unavailable,
    ValidationError,
)
from actors.event_recorder import Expired

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1


def _respond(resp: falcon.Response, status: str, title: str, description: str, **extra: object) -> None:
    resp.status = status
    resp.media = {"title": title, "description": description, **extra}


def validation_error(req: falcon.Request, resp: falcon.Response, ex: ValidationError, params: dict) -> None:
    _respond(resp, falcon.HTTP_422, "Invalid input", str(ex), field=ex.field)


def not_found(req: falcon.Request, resp: falcon.Response, ex: NotFound, params: dict) -> None:
    _respond(resp, falcon.HTTP_404, "Not found", str(ex))


def already_exists(req: falcon.Request, resp: falcon.Response, ex: AlreadyExists, params: dict) -> None:
    _respond(resp, falcon.HTTP_409, "Already exists", str(ex))


def conflict(req: falcon.Request, resp: falcon.Response, ex: Conflict, params: dict) -> None:
    _respond(resp, falcon.HTTP_409, "Conflict", str(ex))


def gone(req: falcon.Request, resp: falcon.Response, ex: Exception, params: dict) -> None:
    _respond(resp, falcon.HTTP_410, "Gone", str(ex))


def unavailable(req: falcon.Request, resp: falcon.Response, ex: Exception, params: dict) -> None:
    logger.warning("%s %s: control plane unavailable: %r", req.method, req.path, ex)
    resp.set_header("Retry-After", str(RETRY_AFTER_SECONDS))
    # A store's refusal says why (a failed disk, etcd's limits); a timeout
    # or a dead actor has nothing more to say to the client.
    why = str(ex) if isinstance(ex, Unavailable) and str(ex) else "the control plane did not answer in time"
    _respond(resp, falcon.HTTP_503, "Service unavailable", f"{why}; retry shortly")


def http_error(req: falcon.Request, resp: falcon.Response, ex: falcon.HTTPError, params: dict) -> None:
    """Falcon's own errors, with a description wherever Falcon gives none."""
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
    _respond(resp, ex.status, ex.title or str(ex.status), description)


def unexpected(req: falcon.Request, resp: falcon.Response, ex: Exception, params: dict) -> None:
    logger.exception("%s %s failed", req.method, req.path)
    _respond(resp, falcon.HTTP_500, "Internal error", "the server failed to handle the request; see its log")


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
