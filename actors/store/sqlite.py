"""A durable datastore backend on SQLite (standard library ``sqlite3``, WAL).

Durability and group commit: the datastore applies a transaction in memory
and hands its changes to this backend, which queues them; a writer thread
takes everything queued, writes it in *one* SQLite transaction and commits,
then publishes the newest durable revision. Callers that must not acknowledge
before the data is on disk wait for that revision
(:meth:`SqliteBackend.wait_durable`), so many concurrent writers share one
commit (and, with ``fsync="full"``, one fsync).

What survives what:

- ``fsync="normal"`` (the default; SQLite ``synchronous=NORMAL`` in WAL mode):
  a commit is in the WAL file, in the operating system's page cache, before it
  is acknowledged. It survives ``kill -9`` of the server at any moment. A power
  loss or kernel crash can lose the last commits (never corrupt the file).
- ``fsync="full"`` (``synchronous=FULL``): the WAL is fsynced at every commit
  before it is acknowledged, so acknowledged writes survive power loss too.

Either way the file after a crash holds a prefix of the history: every
transaction whole or not at all.

File format: tables ``meta`` (``schema_version``, ``revision``), ``nodes``,
``tasks`` and ``deployments`` (id, version, JSON data; tasks also their
creation order). ``deployments`` came later without a schema version bump:
it is created when missing, so older files open as they are. A file
that is not a SQLite database, or whose schema is newer than this program
knows, is refused with :class:`StoreError` before anything is written.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Sequence

from actors.store import codec
from actors.store.backend import Loaded, OnDurable
from actors.domain.errors import StoreError, Unavailable
from actors.domain.models import Deployment, Node, Object, Record, Task

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
LINGER_SECONDS = 0.001  # how long a busy writer waits for more changes to batch
BUSY_BATCH = 4  # changes in the last batch that mean "busy"
_HEADER = b"SQLite format 3\x00"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (id TEXT PRIMARY KEY, version INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY,
    created INTEGER NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deployments (id TEXT PRIMARY KEY, version INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (id TEXT PRIMARY KEY, version INTEGER NOT NULL, data TEXT NOT NULL);
"""
_TABLES = {"node": "nodes", "task": "tasks", "deployment": "deployments", "object": "objects"}


def _check_existing(path: str) -> None:
    """Refuse a file that is not ours, without writing a byte to it."""
    if not os.path.exists(path):
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise StoreError(f"directory {directory} does not exist")
        if not os.access(directory, os.W_OK | os.X_OK):
            raise StoreError(f"directory {directory} is not writable")
        return
    if os.path.isdir(path):
        raise StoreError(f"{path} is a directory")
    try:
        with open(path, "rb") as f:
            header = f.read(len(_HEADER))
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from None
    if header and header != _HEADER:
        raise StoreError(f"{path} is not a SQLite database")
    if not header:
        return  # an empty file: SQLite makes a new database in it
    try:
        probe = sqlite3.connect(f"file:{_uri_path(path)}?mode=ro", uri=True)
        try:
            has_meta = probe.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
            ).fetchone()
            if has_meta:
                row = probe.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                if row and row[0] > SCHEMA_VERSION:
                    raise StoreError(
                        f"{path} has schema version {row[0]}, newer than the {SCHEMA_VERSION} "
                        "this orchestrator knows; use a newer orchestrator"
                    )
        finally:
            probe.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} cannot be read as a database: {exc}") from None
    if not os.access(path, os.W_OK):
        raise StoreError(f"{path} is not writable")


def _uri_path(path: str) -> str:
    from urllib.parse import quote

    return quote(os.path.abspath(path))


class SqliteBackend:
    kind = "sqlite"

    def __init__(self, path: str, fsync: str = "normal") -> None:
        if fsync not in ("normal", "full"):
            raise StoreError(f"fsync must be 'normal' or 'full', not '{fsync}'")
        self.path = path
        self.fsync = fsync
        _check_existing(path)
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={fsync.upper()}")
            self._db.execute("PRAGMA wal_autocheckpoint=10000")
            self._db.executescript(_SCHEMA)
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?), ('revision', 0)",
                (SCHEMA_VERSION,),
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {path}: {exc}") from None
        # Wake-ups are C-level SimpleQueues, not Conditions: a thread wake per
        # request is the hot path of group commit, and Condition.notify is
        # Python code that holds the GIL while it wakes each waiter.
        self._lock = threading.Lock()
        self._doorbell: queue.SimpleQueue[None] = queue.SimpleQueue()  # rung when the writer idles
        self._writer_idle = False
        self._waiters: list[tuple[int, int, queue.SimpleQueue[bool]]] = []  # heap by revision
        self._seq = itertools.count()
        self._queue: list[_Change] = []
        self._durable = 0
        self._failed: Exception | None = None
        self._closing = False
        self._writer: threading.Thread | None = None

    # -- Backend protocol ----------------------------------------------------

    def load(self) -> Loaded:
        db = self._db
        try:
            revision = db.execute("SELECT value FROM meta WHERE key='revision'").fetchone()[0]
            nodes = [codec.decode_node(data) for (data,) in db.execute("SELECT data FROM nodes ORDER BY id")]
            tasks = [
                codec.decode_task(data)
                for (data,) in db.execute("SELECT data FROM tasks ORDER BY created, rowid")
            ]
            deployments = [
                codec.decode_deployment(data) for (data,) in db.execute("SELECT data FROM deployments ORDER BY id")
            ]
            kept = [codec.decode_object(data) for (data,) in db.execute("SELECT data FROM objects ORDER BY id")]
        except (sqlite3.Error, ValueError, TypeError, KeyError) as exc:
            raise StoreError(f"cannot load {self.path}: {exc}") from None
        self._durable = revision
        self._writer = threading.Thread(target=self._write_loop, name="SqliteWriter", daemon=True)
        self._writer.start()
        # SQLite's own reading of the setting, so the log shows what --fsync did.
        synchronous = {1: "NORMAL", 2: "FULL"}.get(db.execute("PRAGMA synchronous").fetchone()[0], "other")
        logger.info("loaded %d nodes, %d tasks and %d deployments from %s (revision %d, synchronous %s)",
                    len(nodes), len(tasks), len(deployments), self.path, revision, synchronous)
        return Loaded(nodes, tasks, deployments, revision, kept)

    def persist(
        self,
        puts: Sequence[Record],
        deletes: Sequence[tuple[str, str]],
        revision: int,
        on_durable: OnDurable | None = None,
    ) -> None:
        """Queue one commit's changes; the writer makes them durable."""
        with self._lock:
            if self._failed is not None:
                raise Unavailable(f"the store failed: {self._failed}")
            self._queue.append((puts, deletes, revision, on_durable))
            ring = self._writer_idle  # a busy writer comes back for it anyway
            self._writer_idle = False
        if ring:
            self._doorbell.put(None)

    def wait_durable(self, revision: int, timeout: float) -> None:
        """Return once every change up to ``revision`` is on disk."""
        with self._lock:
            if self._durable >= revision:
                return
            if self._failed is not None:
                raise Unavailable(f"the store failed: {self._failed}")
            bell: queue.SimpleQueue[bool] = queue.SimpleQueue()
            heapq.heappush(self._waiters, (revision, next(self._seq), bell))
        try:
            written = bell.get(timeout=timeout)
        except queue.Empty:
            raise Unavailable(f"revision {revision} not durable within {timeout} s") from None
        if not written:
            raise Unavailable(f"the store failed: {self._failed}")

    @property
    def durable_revision(self) -> int:
        return self._durable

    def close(self) -> None:
        """Write what is queued, stop the writer, close the file."""
        with self._lock:
            self._closing = True
        self._doorbell.put(None)
        if self._writer is not None:
            self._writer.join(timeout=10)
        self._db.close()

    # -- the writer thread ---------------------------------------------------

    def _write_loop(self) -> None:
        last_size = 0
        while True:
            with self._lock:
                batch, self._queue = self._queue, []
                closing = self._closing
                self._writer_idle = not batch and not closing
            if not batch:
                if closing:
                    return
                self._doorbell.get()
                if last_size >= BUSY_BATCH:
                    # Busy: let a few more changes queue up so that one
                    # commit (and fsync) serves them all; idle: write at once.
                    time.sleep(LINGER_SECONDS)
                continue
            last_size = len(batch)
            try:
                self._write(batch)
            except Exception as exc:  # disk full, I/O error: fail loudly, keep nothing half-done
                logger.exception("writing to %s failed; the store refuses further writes", self.path)
                with self._lock:
                    self._failed = exc
                    waiters, self._waiters = self._waiters, []
                    batch += self._queue
                    self._queue = []
                for _, _, bell in waiters:
                    bell.put(False)
                # Unavailable, as wait_durable raises: the API answers it with
                # 503 and Retry-After (a bare sqlite3 error would be a 500).
                failure = Unavailable(f"the store failed: {exc}")
                failure.__cause__ = exc
                _call_back(batch, failure)
                return
            with self._lock:
                self._durable = batch[-1][2]
                ready = []
                while self._waiters and self._waiters[0][0] <= self._durable:
                    ready.append(heapq.heappop(self._waiters)[2])
            for bell in ready:
                bell.put(True)
            _call_back(batch, None)

    def _write(self, batch: list[_Change]) -> None:
        """One SQLite transaction for the whole batch, in commit order."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            for puts, deletes, revision, _ in batch:
                for kind, record_id in deletes:
                    db.execute(f"DELETE FROM {_TABLES[kind]} WHERE id = ?", (record_id,))
                tasks = [(r.id, revision, r.version, codec.encode(r)) for r in puts if isinstance(r, Task)]
                if tasks:
                    db.executemany(_UPSERT_TASK, tasks)
                if len(tasks) < len(puts):
                    nodes = [(r.id, r.version, codec.encode(r)) for r in puts if isinstance(r, Node)]
                    deployments = [(r.id, r.version, codec.encode(r)) for r in puts if isinstance(r, Deployment)]
                    kept = [(r.id, r.version, codec.encode(r)) for r in puts if isinstance(r, Object)]
                    if nodes:
                        db.executemany(_UPSERT_NODE, nodes)
                    if deployments:
                        db.executemany(_UPSERT_DEPLOYMENT, deployments)
                    if kept:
                        db.executemany(_UPSERT_OBJECT, kept)
            db.execute("UPDATE meta SET value = ? WHERE key = 'revision'", (batch[-1][2],))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


_Change = tuple[Sequence[Record], Sequence[tuple[str, str]], int, "OnDurable | None"]


def _call_back(batch: list[_Change], error: BaseException | None) -> None:
    for *_, on_durable in batch:
        if on_durable is not None:
            try:
                on_durable(error)
            except Exception:
                logger.exception("a durability callback failed")


_UPSERT_NODE = (
    "INSERT INTO nodes (id, version, data) VALUES (?, ?, ?) "
    "ON CONFLICT(id) DO UPDATE SET version = excluded.version, data = excluded.data"
)
_UPSERT_DEPLOYMENT = (
    "INSERT INTO deployments (id, version, data) VALUES (?, ?, ?) "
    "ON CONFLICT(id) DO UPDATE SET version = excluded.version, data = excluded.data"
)
_UPSERT_OBJECT = (
    "INSERT INTO objects (id, version, data) VALUES (?, ?, ?) "
    "ON CONFLICT(id) DO UPDATE SET version = excluded.version, data = excluded.data"
)
_UPSERT_TASK = (
    "INSERT INTO tasks (id, created, version, data) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(id) DO UPDATE SET version = excluded.version, data = excluded.data"
)
