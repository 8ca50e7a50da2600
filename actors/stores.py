"""Choose a datastore backend from a ``--store`` value."""

from __future__ import annotations

from actors.datastore import Backend, MemoryBackend
from actors.errors import StoreError

STORE_HELP = "memory, or sqlite:PATH"


def open_backend(spec: str, fsync: str = "normal") -> Backend:
    """``memory`` keeps nothing; ``sqlite:PATH`` keeps everything in PATH.
    Raises StoreError with the reason when the store cannot be used."""
    if spec == "memory":
        return MemoryBackend()
    if spec.startswith("sqlite:"):
        path = spec.removeprefix("sqlite:")
        if not path:
            raise StoreError("sqlite: needs a file path, e.g. sqlite:orchestrator.db")
        from actors.sqlite_backend import SqliteBackend

        return SqliteBackend(path, fsync=fsync)
    raise StoreError(f"unknown store '{spec}'; use {STORE_HELP}")
