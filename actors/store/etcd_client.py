"""A small client of an etcd cluster over its JSON gateway, through ``etcd3gw``.

Why not plain ``etcd3gw``: it talks to one endpoint and takes whatever its
caller's timeout is. A control plane must never hang on its store, so every
call here has a short deadline (``timeout`` seconds per attempt, over every
endpoint in turn) and ends as :class:`~actors.domain.errors.Unavailable` (503 with
``Retry-After`` at the API) when no member answers. After a failure the
client fails fast for ``cooldown`` seconds instead of making each queued
caller wait out its own timeout; the first call after that tries again, so
the client recovers by itself when etcd returns.

Each thread gets its own ``etcd3gw.Etcd3Client`` (and so its own
``requests`` session): the datastore thread, the watch thread, the leader
election thread and the HTTP threads never share a connection.

Keys and values are bytes on the wire (base64 in the JSON); revisions are
etcd's 64-bit integers, sent by the gateway as strings and returned here as
ints.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import etcd3gw
import requests
from etcd3gw import exceptions as etcd_exceptions

from actors.domain.errors import StoreError, Unavailable

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 1.5
"""Seconds one request to one member may take before the next is tried."""
COOLDOWN = 0.5
"""Seconds to fail fast after every member failed."""

_FAILURES = (
    etcd_exceptions.ConnectionFailedError,
    etcd_exceptions.ConnectionTimeoutError,
    etcd_exceptions.InternalServerError,
    requests.exceptions.RequestException,
)


def b64(data: str | bytes) -> str:
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def prefix_end(prefix: str) -> str:
    """The end of the key range holding every key that starts with ``prefix``."""
    raw = bytearray(prefix.encode())
    raw[-1] += 1
    return raw.decode()


class RequestRefused(Unavailable):
    """etcd refused the request itself (too many operations in one
    transaction, or too large): trying again will not help until etcd's
    ``--max-txn-ops`` or ``--max-request-bytes`` is raised."""


def _error_text(detail: str) -> str:
    try:
        return json.loads(detail).get("error", detail)
    except ValueError:
        return detail


@dataclasses.dataclass(frozen=True, slots=True)
class KeyValue:
    key: str
    value: bytes
    mod_revision: int
    create_revision: int
    lease: int = 0


def key_value(kv: dict[str, Any]) -> KeyValue:
    return KeyValue(
        key=unb64(kv["key"]).decode(),
        value=unb64(kv.get("value", "")),
        mod_revision=int(kv.get("mod_revision", 0)),
        create_revision=int(kv.get("create_revision", 0)),
        lease=int(kv.get("lease", 0)),
    )


def parse_endpoints(text: str) -> list[tuple[str, int]]:
    """``HOST:PORT[,HOST:PORT...]`` -> [(host, port)]; StoreError names what is wrong."""
    endpoints = []
    for part in text.split(","):
        host, sep, port = part.strip().rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise StoreError(f"'{part}' is not HOST:PORT (e.g. etcd://127.0.0.1:2379,127.0.0.1:22379)")
        endpoints.append((host.strip("[]"), int(port)))
    return endpoints


class EtcdClient:
    """The calls the control plane makes, each bounded in time."""

    def __init__(
        self,
        endpoints: Sequence[tuple[str, int]],
        timeout: float = DEFAULT_TIMEOUT,
        cooldown: float = COOLDOWN,
    ) -> None:
        if not endpoints:
            raise StoreError("etcd needs at least one HOST:PORT")
        self.endpoints = list(endpoints)
        self.timeout = timeout
        self.cooldown = cooldown
        self._local = threading.local()
        self._preferred = 0  # index of the member that answered last
        self._down_until = 0.0
        self._lock = threading.Lock()

    def describe(self) -> str:
        return ",".join(f"{h}:{p}" for h, p in self.endpoints)

    # -- the calls -----------------------------------------------------------

    def range(self, key: str, end: str | None = None, **options: Any) -> tuple[int, list[KeyValue]]:
        """(header revision, key-values) of ``key`` or of ``[key, end)``."""
        body: dict[str, Any] = {"key": b64(key), **options}
        if end is not None:
            body["range_end"] = b64(end)
        result = self.call("/kv/range", body)
        return int(result["header"]["revision"]), [key_value(kv) for kv in result.get("kvs", ())]

    def txn(self, compare: list[dict], success: list[dict], failure: list[dict]) -> dict[str, Any]:
        """One transaction; the raw answer (``succeeded`` is missing when false)."""
        return self.call("/kv/txn", {"compare": compare, "success": success, "failure": failure})

    def grant(self, ttl: int) -> int:
        return int(self.call("/lease/grant", {"TTL": ttl, "ID": 0})["ID"])

    def keepalive(self, lease_id: int) -> int:
        """The lease's remaining TTL in seconds; 0 or less when it is gone."""
        result = self.call("/lease/keepalive", {"ID": lease_id})
        return int(result.get("result", {}).get("TTL", 0))

    def revoke(self, lease_id: int) -> None:
        self.call("/kv/lease/revoke", {"ID": lease_id})

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` to ``path`` on the first member that answers in
        time; Unavailable when none does."""
        if time.monotonic() < self._down_until:
            raise Unavailable(f"etcd at {self.describe()} is not answering; try again shortly")
        last: BaseException | None = None
        start = self._preferred
        for i in range(len(self.endpoints)):
            index = (start + i) % len(self.endpoints)
            client = self._client(index)
            try:
                result = client.post(client.get_url(path), json=body)
            except _FAILURES as exc:
                last = exc
                continue
            except etcd_exceptions.Etcd3Exception as exc:
                detail = exc.detail_text or ""
                if '"code":3' in detail.replace(" ", ""):  # InvalidArgument: the request itself is refused
                    raise RequestRefused(_error_text(detail)) from None
                # An answer, but an error (e.g. no leader yet, request timed out
                # inside etcd): another member may do better.
                last = exc
                continue
            self._preferred = index
            return result
        with self._lock:
            self._down_until = time.monotonic() + self.cooldown
        detail = getattr(last, "detail_text", None) or str(last) or type(last).__name__
        logger.warning("etcd at %s did not answer %s: %s", self.describe(), path, detail[:200])
        raise Unavailable(f"etcd at {self.describe()} is not answering; try again shortly")

    def _client(self, index: int) -> etcd3gw.Etcd3Client:
        clients = getattr(self._local, "clients", None)
        if clients is None:
            clients = self._local.clients = {}
        client = clients.get(index)
        if client is None:
            host, port = self.endpoints[index]
            # api_path given: etcd 3.4 and later serve /v3/, and discovering it
            # would cost a round trip per new thread.
            client = clients[index] = etcd3gw.Etcd3Client(host=host, port=port, timeout=self.timeout, api_path="/v3/")
        return client

    def watch(self, key: str, end: str, start_revision: int, idle: float) -> WatchStream:
        """Watch responses (``result`` objects) for ``[key, end)`` from
        ``start_revision`` on. Ends after ``idle`` seconds without a message
        (so a caller can check whether to stop, then watch again from where
        it got to); raises Unavailable when no member takes the watch."""
        body = {"create_request": {"key": b64(key), "range_end": b64(end), "start_revision": start_revision}}
        last: BaseException | None = None
        for i in range(len(self.endpoints)):
            index = (self._preferred + i) % len(self.endpoints)
            client = self._client(index)
            try:
                response = client.session.post(
                    client.get_url("/watch"), json=body, stream=True, timeout=(self.timeout, idle),
                )
            except requests.exceptions.RequestException as exc:
                last = exc
                continue
            if response.status_code != 200:
                last = RuntimeError(f"watch answered {response.status_code}")
                response.close()
                continue
            return WatchStream(response)
        raise Unavailable(f"etcd at {self.describe()} does not take a watch: {last}")


class WatchStream:
    """The messages of one watch request; :meth:`close` from another thread
    ends a read that is waiting for the next one."""

    def __init__(self, response: requests.Response) -> None:
        self.response = response

    def close(self) -> None:
        try:
            sock = self.response.raw._connection.sock  # urllib3 2: the connection stays with a streamed response
            sock.shutdown(socket.SHUT_RDWR)
        except (AttributeError, OSError):
            pass

    def __iter__(self) -> Iterator[dict[str, Any]]:
        response = self.response
        try:
            for line in response.iter_lines(chunk_size=None):
                if line.strip():
                    message = json.loads(line)
                    if "error" in message:
                        raise Unavailable(f"the watch failed: {message['error']}")
                    yield message["result"]
        except requests.exceptions.ConnectionError as exc:
            if "Read timed out" in str(exc):
                return  # idle: the caller watches again
            raise Unavailable(f"the watch broke: {exc}") from None
        except requests.exceptions.RequestException as exc:
            raise Unavailable(f"the watch broke: {exc}") from None
        finally:
            response.close()

