"""Bearer tokens with two roles, from a token file.

Each line of the file is ``TOKEN ROLE`` (role ``admin`` may write, ``viewer``
may only read); ``#`` starts a comment; blank lines are skipped. With tokens
on, every route but ``/health`` needs ``Authorization: Bearer TOKEN`` (401
without a valid one) and a viewer writing gets 403. Tokens are compared in
constant time against every known token and are never logged or echoed.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

import falcon

from actors.domain.errors import OrchestratorError

ROLES = ("admin", "viewer")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_PATHS = frozenset({"/health"})
MIN_TOKEN_LENGTH = 16


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


class BearerAuth:
    """Falcon middleware enforcing the tokens."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self.tokens = dict(tokens)

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.path in OPEN_PATHS:
            return
        header = req.get_header("Authorization") or ""
        scheme, _, presented = header.partition(" ")
        role = role_of(presented.strip(), self.tokens) if scheme.lower() == "bearer" and presented else None
        if role is None:
            raise falcon.HTTPUnauthorized(
                title="Unauthorized",
                description="send a valid token: 'Authorization: Bearer TOKEN'",
                challenges=['Bearer realm="orchestrator"'],
            )
        if role != "admin" and req.method not in READ_METHODS:
            raise falcon.HTTPForbidden(title="Forbidden", description=f"role '{role}' may only read; {req.method} needs admin")
        req.context.role = role
