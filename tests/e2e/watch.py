"""An event stream read in a thread, for tests that stop the server under it."""

from __future__ import annotations

import threading
import time

import requests


class Watch:
    """``GET /events?watch=true`` read in a thread: ``opened`` is set at
    its first frame, ``got_event`` at its first event, ``ended`` when the
    server ends the stream."""

    def __init__(self, url: str) -> None:
        self.opened, self.ended, self.got_event = threading.Event(), threading.Event(), threading.Event()
        self.ended_at = 0.0
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(url,), daemon=True)
        self._thread.start()

    def _read(self, url: str) -> None:
        try:
            with requests.get(url + "/events", params={"watch": "true"}, stream=True, timeout=30) as stream:
                for line in stream.iter_lines(decode_unicode=True):
                    self.lines.append(line)
                    self.opened.set()
                    if line.startswith("data:"):
                        self.got_event.set()
        except requests.RequestException as exc:
            self.lines.append(repr(exc))
        self.ended_at = time.monotonic()
        self.ended.set()

    def join(self) -> None:
        self._thread.join(timeout=10)
        assert not self._thread.is_alive()
