"""Choose a datastore backend from a ``--store`` value."""

from __future__ import annotations

from actors.store.backend import Backend
from actors.store.memory import MemoryBackend
from actors.domain.errors import StoreError

STORE_HELP = "memory, sqlite:PATH, or etcd://HOST:PORT[,HOST:PORT...]"


def open_backend(spec: str, fsync: str = "normal") -> Backend:
    """``memory`` keeps nothing; ``sqlite:PATH`` keeps everything in PATH;
    ``etcd://HOST:PORT,...`` in an etcd cluster shared by several processes
    (an optional ``/PREFIX`` after the members names the key prefix).
    Raises StoreError with the reason when the store cannot be used."""
    if spec == "memory":
        return MemoryBackend()
    if spec.startswith("sqlite:"):
        path = spec.removeprefix("sqlite:")
        if not path:
            raise StoreError("sqlite: needs a file path, e.g. sqlite:orchestrator.db")
        from actors.store.sqlite import SqliteBackend

        return SqliteBackend(path, fsync=fsync)
    if spec.startswith("etcd://"):
        from actors.store.etcd import EtcdBackend, parse_store

        endpoints, prefix = parse_store(spec)
        return EtcdBackend(endpoints, prefix)
    raise StoreError(f"unknown store '{spec}'; use {STORE_HELP}")
