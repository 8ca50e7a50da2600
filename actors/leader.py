"""Leader election on an etcd lease: one process runs the controller.

Like Kubernetes' controller-manager and scheduler with ``--leader-elect``:
every process campaigns; the one that creates the leader key (a transaction
that puts it only if its ``create_revision`` is 0, i.e. nobody holds it) with
its lease attached leads, and keeps the lease alive every third of the TTL.
The key goes when the lease does, so when the leader dies the others, who
retry every third of the TTL (at most every second), take over within
TTL + TTL/3 + one request: within two TTLs. A leader that stops cleanly
revokes its lease, and another takes over within a second.

A leader must stop before anyone else can start. The lease can expire in etcd
no earlier than ``ttl`` seconds after the last keep-alive that etcd answered
was *sent*; :meth:`LeaderElector.is_leader` turns false by itself at that
moment (minus a margin), even if this thread is stuck in a request, and the
controller and kubelet ask it before every step. Safety does not rest on this
alone: every binding is a compare-and-swap on the task's etcd revision, so two
overlapping leaders could not bind one task twice.

Call graph: a plain thread; it calls etcd and the two callables it was given
(which only tell actors). The controller and the kubelet read
:meth:`is_leader` (a flag and a clock read, no lock, no I/O).
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from actors.domain.errors import Unavailable
from actors.store.etcd_client import EtcdClient, b64, key_value

logger = logging.getLogger(__name__)

DEFAULT_TTL = 5.0
CAMPAIGN_EVERY = 1.0  # seconds between campaigns at most, whatever the TTL
MARGIN = 0.25  # share of the TTL given up, against clock rate differences and the request's own time


def _noop() -> None:
    pass


class LeaderElector:
    def __init__(
        self,
        client: EtcdClient,
        key: str,
        ttl: float = DEFAULT_TTL,
        on_elected: Callable[[], object] = _noop,
        on_lost: Callable[[], object] = _noop,
        identity: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.key = key
        self.ttl = max(1, math.ceil(ttl))  # etcd leases are whole seconds
        self.interval = self.ttl / 3  # keep-alives
        self.retry = min(self.interval, CAMPAIGN_EVERY)  # campaigns: soon after a leader steps down
        self.on_elected = on_elected
        self.on_lost = on_lost
        self.identity = identity or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.clock = clock
        self._lease: int | None = None
        self._leading = False
        self._deadline = 0.0  # leadership ends here unless a keep-alive moves it on
        self._stop = threading.Event()
        self._elected = threading.Event()  # set while leading, for callers that wait for it
        self._thread = threading.Thread(target=self._run, name="LeaderElector", daemon=True)

    def is_leader(self) -> bool:
        return self._leading and self.clock() < self._deadline

    def wait_elected(self, timeout: float) -> bool:
        """Block until this process leads, at most ``timeout`` seconds."""
        return self._elected.wait(timeout) and self.is_leader()

    def start(self) -> LeaderElector:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Step down and give the lease back, so another process takes over
        at once instead of after the TTL."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._step_down("stopping")
        if self._lease is not None:
            try:
                self.client.revoke(self._lease)
            except Unavailable:
                pass
            self._lease = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._leading:
                    self._keep()
                else:
                    self._campaign()
            except Unavailable as exc:
                logger.debug("leader election: %s", exc)
            except Exception:
                logger.exception("leader election step failed")
            if self._leading and not self.is_leader():
                self._step_down("the lease could not be kept alive")
            self._stop.wait(self.interval if self._leading else self.retry)

    def _campaign(self) -> None:
        sent = self.clock()
        if self._lease is None or self.client.keepalive(self._lease) <= 0:
            self._lease = self.client.grant(self.ttl)
        answer = self.client.txn(
            [{"key": b64(self.key), "result": "EQUAL", "target": "CREATE", "create_revision": 0}],
            [{"request_put": {"key": b64(self.key), "value": b64(self.identity), "lease": self._lease}}],
            [{"request_range": {"key": b64(self.key)}}],
        )
        if not answer.get("succeeded"):
            # Still ours from before a glitch (same lease, alive): lead again
            # rather than keep a lease alive that locks everyone out.
            kvs = answer["responses"][0].get("response_range", {}).get("kvs", [])
            holder = key_value(kvs[0]) if kvs else None
            if holder is None or holder.value.decode() != self.identity or holder.lease != self._lease:
                return
        if not self._stop.is_set():
            self._deadline = sent + self.ttl * (1 - MARGIN)
            self._leading = True
            self._elected.set()
            logger.info("elected leader (%s, lease TTL %d s)", self.identity, self.ttl)
            self.on_elected()

    def _keep(self) -> None:
        sent = self.clock()
        if self.client.keepalive(self._lease) > 0:
            self._deadline = sent + self.ttl * (1 - MARGIN)
        else:
            self._lease = None
            self._step_down("the lease expired")

    def _step_down(self, why: str) -> None:
        if self._leading:
            self._leading = False
            self._elected.clear()
            logger.warning("no longer leader: %s", why)
            self.on_lost()
