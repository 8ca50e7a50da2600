"""The domain errors. The API maps each to one HTTP status in one place."""

from __future__ import annotations


class OrchestratorError(Exception):
    """Base of every error the control plane raises on purpose."""


class ValidationError(OrchestratorError, ValueError):
    """Input breaks a rule; ``field`` names the offending field (dotted path)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class NotFound(OrchestratorError, LookupError):
    def __init__(self, kind: str, id: str) -> None:
        super().__init__(f"{kind} '{id}' not found")
        self.kind = kind
        self.id = id


class AlreadyExists(OrchestratorError):
    def __init__(self, kind: str, id: str, detail: str = "") -> None:
        super().__init__(f"{kind} '{id}' already exists{detail}")
        self.kind = kind
        self.id = id


class Conflict(OrchestratorError):
    """The change does not apply to the current state (stale version,
    illegal status transition, node no longer ready)."""


class VersionConflict(Conflict):
    def __init__(self, kind: str, id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"{kind} '{id}' has version {actual}, not the expected {expected}; "
            "read it again and retry"
        )
        self.kind = kind
        self.id = id
        self.expected = expected
        self.actual = actual


class Unavailable(OrchestratorError):
    """The control plane cannot answer now (an actor timed out or is gone)."""


class StoreError(OrchestratorError):
    """The store cannot be opened or used; the message says why."""
