"""Reads that see every acknowledged write, whichever server took it.

With several API servers on one etcd cluster, each serves from its own cache
fed by a watch. Before a request touches the managers, :class:`FreshReads`
waits until this server's cache holds everything etcd had acknowledged when
the request arrived (see :meth:`actors.store.etcd.EtcdBackend.read_barrier`),
so a client that wrote through one server and reads through another sees its
write, and a write is checked against current state rather than a stale copy.
Writes are compare-and-swaps in etcd anyway; the barrier saves them a
refused round and turns "not yet seen" into the right answer.

Routes that read no records (``/health``, ``/metrics``, ``/openapi.json``)
skip it. If etcd does not answer, the barrier raises Unavailable: a 503 with
``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Callable

import falcon

SKIPPED = frozenset({"/health", "/metrics", "/openapi.json"})


class FreshReads:
    def __init__(self, barrier: Callable[[float], None], timeout: float) -> None:
        self.barrier = barrier
        self.timeout = timeout

    def process_resource(self, req: falcon.Request, resp: falcon.Response, resource: object, params: dict) -> None:
        if resource is None or req.uri_template in SKIPPED:
            return
        self.barrier(min(self.timeout, 5.0))
