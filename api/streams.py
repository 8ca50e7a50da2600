"""A streaming response body that gives its watch slot back.

A watch holds one of the ``--max-watches`` slots for as long as its stream
is open. waitress calls the body's ``close()`` when the stream ends, when the
client has left (seen at the next write) and when the server stops; that is
where the slot comes back, once, whether or not the stream ever started
(a generator's ``finally`` would not run if it never took a first step).
Both front ends' watches (the native event stream, the Kubernetes API's
watches) are such bodies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator


class ReleasingStream:
    def __init__(self, chunks: Iterator[bytes], release: Callable[[], None]) -> None:
        self._chunks = chunks
        self._release: Callable[[], None] | None = release

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        try:
            self._chunks.close()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()
