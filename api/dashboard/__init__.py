"""The dashboard: ``GET /ui`` (one page), its files under ``/ui/static/``
(plain HTML, CSS and JavaScript modules, no build step; a vendored chart
library with its version, licence and sha256 beside it), and the browser's
login, ``/ui/session`` (see :mod:`api.auth`).

The page talks to the same API as any client: the native routes, the event
stream (``GET /events?watch=true``, resumed with ``Last-Event-ID``) and
``GET /tasks/{id}/placement``.
"""

from __future__ import annotations

from pathlib import Path

import falcon

from actors.domain.errors import ValidationError
from api import body
from api.auth import SESSION_COOKIE, SESSION_SECONDS, Sessions, role_of

STATIC = Path(__file__).resolve().parent / "static"


class Page:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        index = STATIC / "index.html"
        if not index.is_file():
            raise falcon.HTTPNotFound(title="No dashboard", description="the dashboard's files are not installed")
        resp.content_type = falcon.MEDIA_HTML
        resp.cache_control = ["no-cache"]
        resp.data = index.read_bytes()


class Session:
    """``GET``: who the browser is (``{"auth": bool, "role": ...}``);
    ``POST {"token": ...}``: log in; ``DELETE``: log out."""

    def __init__(self, tokens: dict[str, str] | None, sessions: Sessions) -> None:
        self.tokens = tokens
        self.sessions = sessions

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        if not self.tokens:
            resp.media = {"auth": False, "role": "admin", "csrf": ""}
            return
        found = self.sessions.find(req.cookies.get(SESSION_COOKIE))
        resp.media = {"auth": True, "role": found[0] if found else None, "csrf": found[1] if found else ""}

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = body.read_json_object(req)
        token = data.get("token")
        unknown = sorted(set(data) - {"token"})
        if unknown:
            raise ValidationError(unknown[0], "unknown field; a login takes {\"token\": \"...\"} only")
        if not isinstance(token, str) or not token:
            raise ValidationError("token", "is required: the token, a string")
        if not self.tokens:
            resp.media = {"auth": False, "role": "admin", "csrf": ""}
            return
        role = role_of(token, self.tokens)
        if role is None:
            raise falcon.HTTPUnauthorized(title="Unauthorized", description="that token is not known",
                                          challenges=['Bearer realm="orchestrator"'])
        session, csrf = self.sessions.open(role)
        resp.set_cookie(SESSION_COOKIE, session, max_age=SESSION_SECONDS, path="/", http_only=True,
                        secure=req.scheme == "https", same_site="Strict")
        resp.media = {"auth": True, "role": role, "csrf": csrf}

    def on_delete(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.sessions.close(req.cookies.get(SESSION_COOKIE))
        resp.unset_cookie(SESSION_COOKIE, path="/", same_site="Strict")
        resp.status = falcon.HTTP_204


def add_routes(app: falcon.App, tokens: dict[str, str] | None, sessions: Sessions) -> None:
    app.add_route("/ui", Page())
    app.add_route("/ui/session", Session(tokens, sessions))
    app.add_static_route("/ui/static", str(STATIC), fallback_filename=None)
