"""Serve the API with waitress, and stop cleanly.

waitress's ``server.close()`` alone leaves worker threads and keep-alive
connections behind. :class:`Server` runs the asyncore loop one poll at a time
so that :meth:`Server.stop` (callable from any thread or a signal handler)
ends it within a fraction of a second; the loop's own thread then shuts the
task dispatcher down and closes every channel.
"""

from __future__ import annotations

import logging
import threading

import waitress.server
import waitress.wasyncore

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.2


class Server:
    def __init__(
        self, app, host: str = "127.0.0.1", port: int = 8080, threads: int = 8, on_stop=(), **adjustments
    ) -> None:
        """``on_stop``: callables run first when stopping, e.g. to end open
        event streams so that their threads come back."""
        self._on_stop = list(on_stop)
        adjustments.setdefault("connection_limit", 1000)
        adjustments.setdefault("channel_timeout", 60)
        adjustments.setdefault("max_request_body_size", 8 * 1024 * 1024)
        adjustments.setdefault("ident", "orchestrator")
        # poll(), not select(): select() fails outright on descriptors >= 1024,
        # which a thousand connections (or a busy process) reach.
        adjustments.setdefault("asyncore_use_poll", True)
        # waitress warns "Task queue depth is N" each time a request waits for
        # a thread: under load that is on most requests, and the logging
        # costs more CPU than the request. Queueing is normal under load.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        self._server = waitress.server.create_server(
            app, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True, **adjustments
        )
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.effective_port

    @property
    def host(self) -> str:
        return self._server.effective_host

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop`."""
        server = self._server
        try:
            while not self._stopping.is_set():
                waitress.wasyncore.loop(
                    timeout=POLL_SECONDS, map=server._map, use_poll=server.adj.asyncore_use_poll, count=1
                )
        finally:
            for callback in self._on_stop:
                callback()
            server.task_dispatcher.shutdown(timeout=5)
            server.close()
            waitress.wasyncore.close_all(server._map)
            self._stopped.set()

    def start_in_thread(self) -> Server:
        self._thread = threading.Thread(target=self.serve_forever, name="HTTPServer", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the loop to end; when running in a thread, wait for it."""
        self._stopping.set()
        try:
            self._server.trigger.pull_trigger()
        except OSError:
            pass
        if self._thread is not None:
            self._thread.join(timeout)
