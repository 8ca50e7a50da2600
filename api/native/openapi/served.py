"""The document as this build serves it: :func:`document` keeps only the
routes the app has, and :class:`OpenAPIDocument` answers ``GET /openapi.json``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import falcon
from falcon.inspect import inspect_app

from api.native.openapi.paths import all_paths
from api.native.openapi.schemas import components

OPENAPI_VERSION = "3.1.0"
API_VERSION = "0.1.0"


_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def document(routes: Mapping[str, Iterable[str]] | None = None) -> dict[str, Any]:
    """The OpenAPI document. With ``routes`` (URI template -> HTTP methods the
    app serves, as :func:`served_routes` gives), only those paths and methods
    are kept, so the document describes exactly what this build serves."""
    paths = all_paths()
    if routes is not None:
        served = {path: {m.lower() for m in methods} for path, methods in routes.items()}
        kept = {}
        for path, item in paths.items():
            if path not in served:
                continue
            item = {key: value for key, value in item.items() if key not in _METHODS or key in served[path]}
            if any(key in _METHODS for key in item):
                kept[path] = item
        paths = kept
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "orchestrator",
            "version": API_VERSION,
            "description": (
                "A small Kubernetes-like control plane. JSON in and out, snake_case keys, times in RFC 3339 UTC, "
                "cpu in millicores and memory in MiB. Every error is JSON `{title, description}` (422 adds "
                "`field`). A path the server does not route gets 404 and a method it does not take there 405 "
                "with `Allow`, both as `Error`."
            ),
        },
        "tags": [{"name": name} for name in ("nodes", "tasks", "deployments", "events", "meta")],
        "paths": paths,
        "components": components(),
    }


def served_routes(app: falcon.App) -> dict[str, set[str]]:
    """URI template -> the HTTP methods ``app`` has responders for (not
    Falcon's own OPTIONS and 405 responders). The Kubernetes API's routes
    (``/version``, ``/api``, ``/apis``, ``/openapi/v3``) are the other front
    end's, described by its own discovery, not here; ``/ui`` is the
    dashboard's page (HTML), not part of the API."""
    return {
        route.path: {method.method for method in route.methods if not method.internal}
        for route in inspect_app(app).routes
        if not (route.path in ("/version", "/api", "/apis", "/ui")
                or route.path.startswith(("/api/", "/apis/", "/openapi/v")))
    }


class OpenAPIDocument:
    """``GET /openapi.json``: :func:`document` for the routes ``app`` serves,
    built on the first request (after every route is added) and kept."""

    def __init__(self, app: falcon.App) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._data: bytes | None = None

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        with self._lock:
            if self._data is None:
                self._data = json.dumps(document(served_routes(self._app)), separators=(",", ":")).encode()
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._data
