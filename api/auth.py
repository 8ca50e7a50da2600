"""Bearer tokens with two roles, from a token file; and browser sessions.

Each line of the file is ``TOKEN ROLE`` (role ``admin`` may write, ``viewer``
may only read); ``#`` starts a comment; blank lines are skipped. With tokens
on, every route but ``/health`` and the dashboard's page, files and login
needs ``Authorization: Bearer TOKEN`` (401 without a valid one) and a viewer
writing gets 403. Tokens are compared in constant time against every known
token and are never logged or echoed.

A browser cannot put a header on an ``EventSource``, and a token must never
sit in a URL (it would be logged), so the dashboard logs in instead:
``POST /ui/session`` with the token in a JSON body answers with a session
cookie (``HttpOnly``: no script reads it; ``SameSite=Strict``: no other site
sends it; ``Secure`` when the request came over HTTPS) that stands for the
token's role for 12 hours, and a CSRF token in the body. A request
authenticated by that cookie that writes must also send the CSRF token in
``X-CSRF-Token`` (two defences against cross-site writes: the cookie is not
sent cross-site, and another site cannot read the CSRF token). Sessions live
in the server's memory: a restart logs everyone out.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping

import falcon

from actors.domain.errors import OrchestratorError

ROLES = ("admin", "viewer")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_PATHS = frozenset({"/health", "/ui", "/ui/session"})
OPEN_PREFIXES = ("/ui/static/",)
MIN_TOKEN_LENGTH = 16
SESSION_COOKIE = "orchestrator_session"
SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 10_000


class TokenFileError(OrchestratorError):
    pass


def parse_token_file(text: str, source: str = "token file") -> dict[str, str]:
    """Tokens to roles. Errors name the line, never the token."""
    tokens: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2:
            raise TokenFileError(f"{source} line {number}: expected 'TOKEN ROLE'")
        token, role = parts
        if role not in ROLES:
            raise TokenFileError(f"{source} line {number}: role must be admin or viewer, not '{role[:20]}'")
        if len(token) < MIN_TOKEN_LENGTH:
            raise TokenFileError(f"{source} line {number}: a token needs at least {MIN_TOKEN_LENGTH} characters")
        if token in tokens:
            raise TokenFileError(f"{source} line {number}: the same token appears twice")
        tokens[token] = role
    if not tokens:
        raise TokenFileError(f"{source} holds no tokens")
    return tokens


def load_token_file(path: str) -> dict[str, str]:
    try:
        with open(path, encoding="utf-8") as f:
            return parse_token_file(f.read(), path)
    except OSError as exc:
        raise TokenFileError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise TokenFileError(f"{path} is not UTF-8 text") from None


def role_of(presented: str, tokens: Mapping[str, str]) -> str | None:
    """The role of ``presented``, comparing with every token in constant time."""
    found = None
    candidate = presented.encode()
    for token, role in tokens.items():
        if hmac.compare_digest(candidate, token.encode()):
            found = role
    return found


class Sessions:
    """Browser sessions: id -> (role, CSRF token, expiry), in memory."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, tuple[str, str, float]] = {}

    def open(self, role: str) -> tuple[str, str]:
        """A new session for ``role``: (its id, its CSRF token)."""
        session, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            if len(self._sessions) >= MAX_SESSIONS:
                self._sessions = {k: v for k, v in self._sessions.items() if v[2] > now}
                while len(self._sessions) >= MAX_SESSIONS:
                    del self._sessions[next(iter(self._sessions))]
            self._sessions[session] = (role, csrf, now + SESSION_SECONDS)
        return session, csrf

    def find(self, session: str | None) -> tuple[str, str] | None:
        """(role, CSRF token) of a live session."""
        if not session:
            return None
        with self._lock:
            found = self._sessions.get(session)
            if found is None:
                return None
            if found[2] <= self.clock():
                del self._sessions[session]
                return None
        return found[0], found[1]

    def close(self, session: str | None) -> None:
        with self._lock:
            self._sessions.pop(session or "", None)


def is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


class BearerAuth:
    """Falcon middleware enforcing the tokens (or a dashboard session)."""

    def __init__(self, tokens: Mapping[str, str], sessions: Sessions | None = None) -> None:
        self.tokens = dict(tokens)
        self.sessions = sessions or Sessions()

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if is_open(req.path):
            return
        header = req.get_header("Authorization") or ""
        scheme, _, presented = header.partition(" ")
        role = role_of(presented.strip(), self.tokens) if scheme.lower() == "bearer" and presented else None
        if role is None and not header:
            found = self.sessions.find(req.cookies.get(SESSION_COOKIE))
            if found is not None:
                role, csrf = found
                sent = req.get_header("X-CSRF-Token") or ""
                if req.method not in READ_METHODS and not hmac.compare_digest(sent.encode(), csrf.encode()):
                    raise falcon.HTTPForbidden(
                        title="Forbidden",
                        description="a write in a dashboard session needs its CSRF token in X-CSRF-Token")
        if role is None:
            raise falcon.HTTPUnauthorized(
                title="Unauthorized",
                description="send a valid token: 'Authorization: Bearer TOKEN'",
                challenges=['Bearer realm="orchestrator"'],
            )
        if role != "admin" and req.method not in READ_METHODS:
            raise falcon.HTTPForbidden(title="Forbidden", description=f"role '{role}' may only read; {req.method} needs admin")
        req.context.role = role
