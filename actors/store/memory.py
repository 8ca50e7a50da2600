"""The memory backend: the datastore's own state is all there is."""

from __future__ import annotations

from actors.store.backend import DurableOnCommit, Loaded


class MemoryBackend(DurableOnCommit):
    """Keeps nothing: state lives as long as the process."""

    kind = "memory"

    def load(self) -> Loaded:
        return Loaded([], [], [], 0)

    def close(self) -> None:
        pass
