"""The datastore on an etcd cluster: several processes, one consistent state.

etcd holds the truth; each process's datastore actor keeps a cache of it, the
same in-memory state and indexes as with the other stores, so reads, the
controller's views and the scheduler cost what they cost there.

Keys (``PREFIX`` is ``/orchestrator`` unless the store names another)::

    PREFIX/nodes/ID  PREFIX/tasks/ID  PREFIX/deployments/ID   a record as JSON (actors.store.codec)
    PREFIX/revision                                           touched by every transaction
    PREFIX/leader                                             the elected controller (actors.leader)

Writes. A transaction is checked against the cache as usual, then sent as one
etcd transaction that compares every touched key's ``mod_revision`` with the
cached version (``create_revision == 0`` for a create; the node's key for a
"node ready" guard) and only then writes. A record's ``version`` *is* the
etcd revision of its last change, so a compare-and-swap on a version is a
compare on etcd. If a compare fails, the same transaction's failure branch
reads the touched keys: the cache takes them, the check runs again and reports
the usual NotFound, AlreadyExists or VersionConflict (or, when the fresh state
allows it, the transaction is sent again). Only a transaction etcd accepted is
applied to the cache, at etcd's revision; etcd has it on a quorum's disk by
then, so it is durable at once.

Other processes' writes reach the cache through a watch on ``PREFIX/``: a
thread reads the stream and tells the datastore actor, which applies each
change unless it already holds that key at the same or a newer revision (its
own writes, or keys a failed compare refreshed). Deletions leave a tombstone
until the watch has passed them, so a late event cannot bring a record back.

Reads. Before a request is served, :meth:`EtcdBackend.read_barrier` reads the
revision of ``PREFIX/revision`` (one small linearizable read) and waits until
the watch has applied it: whatever any process acknowledged before the request
arrived is in the cache by then. The marker key is why this works with deletes
and with other users of the same etcd: every transaction of ours writes it.

Call graph: the datastore actor calls etcd (never another actor); the watch
thread tells the datastore actor; HTTP threads wait in the read barrier on a
condition the datastore actor signals.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import pykka

from actors.store import codec
from actors.datastore import Datastore
from actors.store.backend import DurableOnCommit, Loaded
from actors.domain.errors import Conflict, OrchestratorError, StoreError, Unavailable
from actors.store.etcd_client import DEFAULT_TIMEOUT, EtcdClient, WatchStream, b64, key_value, parse_endpoints, prefix_end
from actors.domain.models import Record, Task, kind_of, replace
from actors.reply import Reply
from actors.store.ops import Create, Delete, Op, Patch, RequireGpuRoom, RequireNodeReady, RequireVersion, Update

logger = logging.getLogger(__name__)

DEFAULT_PREFIX = "/orchestrator"
MAX_ATTEMPTS = 5
GROUP_OPS = 120  # operations of one kind in a group sent as one: etcd takes 128 a transaction by default  # transactions sent again after a refresh, before giving up with Conflict
WATCH_IDLE = 1.0  # seconds a watch stream may be silent before it is opened again
BARRIER_TIMEOUT = 5.0  # seconds a request waits for the watch to catch up before a 503

_DIRS = {"node": "nodes", "task": "tasks", "deployment": "deployments", "object": "objects"}
_KINDS = {v: k for k, v in _DIRS.items()}
_DECODE = {"node": codec.decode_node, "task": codec.decode_task, "deployment": codec.decode_deployment,
           "object": codec.decode_object}


class Change(NamedTuple):
    """One key's state at ``revision``: the record, or None when deleted."""

    kind: str
    id: str
    record: Record | None
    revision: int
    created: int = 0
    """The key's create_revision: tasks are listed in its order."""


SLOTS = 1 << 20
"""Tasks are kept in creation order, the same on every process: by the etcd
revision that created them, then (for tasks created in one transaction, a
deployment's replicas) by id. The order key is ``create_revision * SLOTS +
rank``."""


def creation_orders(created: list[tuple[int, str]]) -> dict[str, int]:
    """Order keys of tasks given as (create_revision, id): all the tasks of
    one revision must be among them."""
    orders: dict[str, int] = {}
    rank = 0
    previous = None
    for revision, task_id in sorted(created):
        rank = rank + 1 if revision == previous else 0
        previous = revision
        orders[task_id] = revision * SLOTS + rank
    return orders


def parse_store(spec: str) -> tuple[list[tuple[str, int]], str]:
    """``etcd://HOST:PORT[,HOST:PORT...][/PREFIX]`` -> (endpoints, key prefix)."""
    rest = spec.removeprefix("etcd://")
    hosts, slash, path = rest.partition("/")
    prefix = "/" + path.strip("/") if slash and path.strip("/") else DEFAULT_PREFIX
    return parse_endpoints(hosts), prefix


class EtcdBackend(DurableOnCommit):
    """The etcd side of the datastore: keys, loading, the watch and the read
    barrier. The datastore actor (:class:`EtcdDatastoreActor`) does the writes."""

    kind = "etcd"

    def __init__(
        self,
        endpoints: Sequence[tuple[str, int]],
        prefix: str = DEFAULT_PREFIX,
        timeout: float = DEFAULT_TIMEOUT,
        barrier_timeout: float = BARRIER_TIMEOUT,
    ) -> None:
        self.client = EtcdClient(endpoints, timeout)
        self.prefix = prefix.rstrip("/")
        self.marker_key = f"{self.prefix}/revision"
        self.leader_key = f"{self.prefix}/leader"
        self.barrier_timeout = barrier_timeout
        self._cond = threading.Condition()
        self._applied = 0  # the watch has applied every change up to here
        self._loaded = 0
        self._stopping = threading.Event()
        self.load_orders: dict[str, int] = {}  # task id -> creation order, of the tasks loaded
        self._watch: threading.Thread | None = None
        self._stream: WatchStream | None = None

    @property
    def datastore_actor(self) -> type[EtcdDatastoreActor]:
        return EtcdDatastoreActor

    def key(self, kind: str, record_id: str) -> str:
        return f"{self.prefix}/{_DIRS[kind]}/{record_id}"

    def parse_key(self, key: str) -> tuple[str, str] | None:
        """(kind, id) of a record's key; None for other keys (leader, marker)."""
        directory, _, record_id = key.removeprefix(self.prefix + "/").partition("/")
        kind = _KINDS.get(directory)
        return None if kind is None or not record_id else (kind, record_id)

    def decode(self, kind: str, value: bytes, revision: int) -> Record:
        return dataclasses.replace(_DECODE[kind](value.decode()), version=revision)

    # -- Backend protocol ----------------------------------------------------

    def load(self) -> Loaded:
        try:
            revision, kvs = self.client.range(self.prefix + "/", prefix_end(self.prefix + "/"))
        except Unavailable as exc:
            raise StoreError(str(exc)) from None
        nodes, tasks, deployments, kept = [], [], [], []
        created: list[tuple[int, str]] = []
        for kv in sorted(kvs, key=lambda kv: (kv.create_revision, kv.key)):
            parsed = self.parse_key(kv.key)
            if parsed is None:
                continue
            record = self.decode(parsed[0], kv.value, kv.mod_revision)
            {"node": nodes, "task": tasks, "deployment": deployments, "object": kept}[parsed[0]].append(record)
            if parsed[0] == "task":
                created.append((kv.create_revision, record.id))
        self.load_orders = creation_orders(created)
        nodes.sort(key=lambda n: n.id)
        deployments.sort(key=lambda d: d.id)
        kept.sort(key=lambda o: o.id)
        self._loaded = self._applied = revision
        logger.info("loaded %d nodes, %d tasks and %d deployments from etcd at %s%s (revision %d)",
                    len(nodes), len(tasks), len(deployments), self.client.describe(), self.prefix, revision)
        return Loaded(nodes, tasks, deployments, revision, kept)

    def close(self) -> None:
        self._stopping.set()
        if self._stream is not None:
            self._stream.close()
        if self._watch is not None:
            self._watch.join(timeout=WATCH_IDLE + self.client.timeout + 1)

    # -- the read barrier ----------------------------------------------------

    def read_barrier(self, timeout: float | None = None) -> None:
        """Return once this process's cache holds every change etcd had
        when called; Unavailable if etcd does not answer or the watch does
        not catch up within ``timeout`` seconds."""
        _, kvs = self.client.range(self.marker_key)
        target = kvs[0].mod_revision if kvs else 0
        with self._cond:
            if self._applied >= target:
                return
            if not self._cond.wait_for(lambda: self._applied >= target, timeout or self.barrier_timeout):
                raise Unavailable(f"this server has not caught up with etcd revision {target}; try again")

    def mark_applied(self, revision: int) -> None:
        with self._cond:
            if revision > self._applied:
                self._applied = revision
                self._cond.notify_all()

    @property
    def applied_revision(self) -> int:
        return self._applied

    # -- the watch -----------------------------------------------------------

    def start_watch(self, deliver: Callable[[list[Change], int], object],
                    resync: Callable[[list[Change], int], object]) -> None:
        """Follow etcd from the loaded revision on: ``deliver(changes,
        revision)`` for each batch, ``resync(everything, revision)`` if etcd
        compacted the history the watch needed."""
        self._watch = threading.Thread(
            target=self._watch_loop, args=(deliver, resync), name="EtcdWatch", daemon=True
        )
        self._watch.start()

    def _watch_loop(self, deliver: Callable[[list[Change], int], object],
                    resync: Callable[[list[Change], int], object]) -> None:
        start, end = self.prefix + "/", prefix_end(self.prefix + "/")
        next_revision = self._loaded + 1
        while not self._stopping.is_set():
            try:
                self._stream = stream = self.client.watch(start, end, next_revision, WATCH_IDLE)
                if self._stopping.is_set():
                    stream.close()
                for result in stream:
                    if int(result.get("compact_revision", 0)) > 0:
                        logger.warning("etcd compacted past revision %d: reloading everything", next_revision)
                        next_revision = self._resync(resync) + 1
                        break
                    events = result.get("events")
                    if events:
                        changes, last = self._changes(events)
                        deliver(changes, last)
                        next_revision = last + 1
                    if self._stopping.is_set():
                        return
            except Unavailable as exc:
                logger.debug("watch: %s", exc)
                self._stopping.wait(0.2)
            except Exception:
                if self._stopping.is_set():
                    return
                logger.exception("the etcd watch failed; watching again")
                self._stopping.wait(0.5)

    def _changes(self, events: list[dict[str, Any]]) -> tuple[list[Change], int]:
        changes = []
        last = 0
        for event in events:
            kv = key_value(event["kv"])
            last = max(last, kv.mod_revision)
            parsed = self.parse_key(kv.key)
            if parsed is None:
                continue
            if event.get("type") == "DELETE":
                changes.append(Change(parsed[0], parsed[1], None, kv.mod_revision))
            else:
                record = self.decode(parsed[0], kv.value, kv.mod_revision)
                changes.append(Change(parsed[0], parsed[1], record, kv.mod_revision, kv.create_revision))
        return changes, last

    def _resync(self, resync: Callable[[list[Change], int], object]) -> int:
        loaded = self.load()
        orders = {task_id: order // SLOTS for task_id, order in self.load_orders.items()}
        everything = [Change(kind_of(r), r.id, r, r.version, orders.get(r.id, 0) if isinstance(r, Task) else 0)
                      for r in (*loaded.nodes, *loaded.tasks, *loaded.deployments)]
        self.load_orders = {}
        resync(everything, loaded.revision)
        return loaded.revision


class EtcdDatastore(Datastore):
    """The datastore whose writes go to etcd first (see the module docstring)."""

    backend: EtcdBackend

    def __init__(self, backend: EtcdBackend, *args: Any, **kwargs: Any) -> None:
        self._tombstones: dict[tuple[str, str], int] = {}  # (kind, id) -> revision deleted at
        self._creation: dict[str, int] = {}  # task id -> creation order, for tasks about to be inserted
        self._queued: list[tuple[Sequence[Op], Reply]] = []  # submitted, not yet committed
        self._me: Any = None  # the actor's own proxy, to tell itself to commit what was submitted
        super().__init__(backend, *args, **kwargs)
        self.on_remote_change: Callable[..., object] | None = None
        """The controller's ``request_reconcile`` (it reconciles if this
        process leads): told when another process's changes arrived, and
        when submitted creates were committed."""

    def set_on_remote_change(self, listener: Callable[[], object]) -> None:
        self.on_remote_change = listener

    def commit(
        self,
        ops: Sequence[Op],
        on_durable: Callable[[list[Record], BaseException | None], None] | None = None,
    ) -> list[Record]:
        for _ in range(MAX_ATTEMPTS):
            expanded = self._expand(ops)
            self._check(expanded)
            compare, success, touched = self._txn(expanded)
            if not success:  # only guards: nothing to write
                return self._apply_at(expanded, self._revision, on_durable)
            answer, revision = self._send(compare, success, touched)
            if answer.get("succeeded"):
                self._committed(expanded, revision)
                return self._apply_at(expanded, revision, on_durable)
            self._refresh(touched, answer, revision)
        raise Conflict("the records changed in etcd while committing; try again")

    def commit_each(self, transactions: Sequence[Sequence[Op]]) -> list[list[Record] | OrchestratorError]:
        """Independent transactions (the controller's bindings, the
        kubelet's status changes), sent to etcd many at a time (see
        :meth:`_commit_many`)."""
        return self._commit_many([(ops, None) for ops in transactions])

    def submit(self, ops: Sequence[Op], reply: Reply) -> None:
        """Like :meth:`Datastore.submit`, with group commit: the transaction
        waits for the ones already queued behind it in the actor's inbox
        (concurrent creates), and they go to etcd together."""
        self._queued.append((ops, reply))
        if len(self._queued) == 1:
            if self._me is not None:
                self._me.flush_submitted()  # behind what is queued now
            else:
                self.flush_submitted()

    def flush_submitted(self) -> None:
        """Commit what :meth:`submit` queued (public only so the actor can tell itself)."""
        queued, self._queued = self._queued, []
        try:
            results = self._commit_many([(ops, functools.partial(_settle, reply)) for ops, reply in queued])
        except Exception as exc:  # never leave a client waiting for its timeout
            logger.exception("group commit failed")
            results = [exc] * len(queued)
        for (_, reply), result in zip(queued, results):
            if isinstance(result, BaseException):
                reply.set_exception((type(result), result, result.__traceback__))
        if self.on_remote_change is not None and any(isinstance(r, list) for r in results):
            # Whoever submitted told the controller at once, and its reconcile
            # may have read the store before this flush: ask for another.
            self.on_remote_change(capacity_changed=False)

    def _commit_many(
        self, items: Sequence[tuple[Sequence[Op], Callable[[list[Record], BaseException | None], None] | None]],
    ) -> list[list[Record] | OrchestratorError]:
        """Commit independent transactions, each with its ``on_durable``;
        each result is the stored records or the error that stopped it.
        Those that touch different keys go to etcd as one transaction with
        all their compares, up to :data:`GROUP_OPS` operations; if a compare
        fails, that group is committed again one transaction at a time, so
        each still succeeds or fails on its own."""
        results: list[list[Record] | OrchestratorError | None] = [None] * len(items)
        group: list[tuple[int, Sequence[Op], list[dict], list[dict], list[tuple[str, str]]]] = []
        written: set[tuple[str, str]] = set()
        read: set[tuple[str, str]] = set()
        grouped = 0  # the most operations of one kind (compares, writes) the group sends
        for index, (ops, _) in enumerate(items):
            try:
                expanded = self._expand(ops)
                self._check(expanded)
            except OrchestratorError as exc:
                results[index] = exc
                continue
            compare, success, touched = self._txn(expanded)
            writes = {k for k, op in zip(touched, expanded) if not isinstance(op, (RequireNodeReady, RequireVersion))}
            reads = set(touched) - writes
            size = max(len(compare), len(success) + 1)
            if writes & (written | read) or reads & written or grouped + size > GROUP_OPS:
                self._commit_group(group, results, items)
                group, written, read, grouped = [], set(), set(), 0
            group.append((index, expanded, compare, success, touched))
            grouped += size
            written |= writes
            read |= reads
        self._commit_group(group, results, items)
        return results  # type: ignore[return-value]

    def _commit_group(self, group, results, items) -> None:
        if not group:
            return
        if len(group) == 1:
            index = group[0][0]
            results[index] = self._one(*items[index])
            return
        compare = [c for *_, cs, _, _ in group for c in cs]
        success = [w for *_, ws, _ in group for w in ws]
        touched = [k for *_, ks in group for k in ks]
        try:
            answer, revision = self._send(compare, success, touched)
        except OrchestratorError as exc:
            for index, *_ in group:
                results[index] = exc
            return
        if answer.get("succeeded"):
            self._committed([op for _, expanded, *_ in group for op in expanded], revision)
            for index, expanded, *_ in group:
                results[index] = self._apply_at(expanded, revision, items[index][1])
            return
        self._refresh(touched, answer, revision)
        for index, *_ in group:
            results[index] = self._one(*items[index])

    def _one(self, ops: Sequence[Op], on_durable=None) -> list[Record] | OrchestratorError:
        try:
            return self.commit(ops, on_durable)
        except OrchestratorError as exc:
            return exc

    def _send(self, compare: list[dict], success: list[dict],
              touched: list[tuple[str, str]]) -> tuple[dict[str, Any], int]:
        """Send one etcd transaction that also touches the marker key and,
        if a compare fails, reads the touched keys; (answer, its revision)."""
        failure = [{"request_range": {"key": b64(self.backend.key(*k))}} for k in dict.fromkeys(touched)]
        success = [*success, {"request_put": {"key": b64(self.backend.marker_key), "value": ""}}]
        answer = self.backend.client.txn(compare, success, failure)
        return answer, int(answer["header"]["revision"])

    def _committed(self, ops: Sequence[Op], revision: int) -> None:
        """What etcd's acceptance of ``ops`` at ``revision`` means here beyond
        the records: tombstones for deletes, creation order for new tasks."""
        created = []
        for op in ops:
            if isinstance(op, Delete):
                self._tombstones[(op.kind, op.id)] = revision
            elif isinstance(op, Create) and isinstance(op.record, Task):
                created.append((revision, op.record.id))
        if created:
            self._creation.update(creation_orders(created))

    def _txn(self, ops: Sequence[Op]) -> tuple[list[dict], list[dict], list[tuple[str, str]]]:
        """The compares and writes of ``ops`` (already checked against the
        cache), and the keys they touch."""
        compare: list[dict] = []
        success: list[dict] = []
        touched: list[tuple[str, str]] = []
        key = self.backend.key
        for op in ops:
            if isinstance(op, Create):
                k = (kind_of(op.record), op.record.id)
                compare.append({"key": b64(key(*k)), "result": "EQUAL", "target": "CREATE", "create_revision": 0})
                success.append({"request_put": {"key": b64(key(*k)), "value": b64(codec.encode(op.record))}})
            elif isinstance(op, Update):
                k = (kind_of(op.record), op.record.id)
                current = self._current(*k)
                compare.append(_same_revision(key(*k), current.version))
                success.append({"request_put": {"key": b64(key(*k)), "value": b64(codec.encode(op.record))}})
            elif isinstance(op, Patch):
                k = (op.kind, op.id)
                current = self._current(*k)
                compare.append(_same_revision(key(*k), current.version))
                patched = replace(current, **op.changes)
                success.append({"request_put": {"key": b64(key(*k)), "value": b64(codec.encode(patched))}})
            elif isinstance(op, Delete):
                k = (op.kind, op.id)
                compare.append(_same_revision(key(*k), self._current(*k).version))
                success.append({"request_delete_range": {"key": b64(key(*k))}})
            elif isinstance(op, RequireNodeReady):
                k = ("node", op.node_id)
                compare.append(_same_revision(key(*k), self._current(*k).version))
            elif isinstance(op, RequireVersion):
                k = (op.kind, op.id)
                compare.append(_same_revision(key(*k), op.expected_version))
            elif isinstance(op, RequireGpuRoom):
                # Checked against this process's cache (the leader binds, and sees every binding it made); a
                # device's use is derived from tasks, so etcd has no single key to compare for it.
                continue
            else:
                raise TypeError(f"unknown operation {op!r}")
            touched.append(k)
        return compare, success, touched

    def _refresh(self, touched: list[tuple[str, str]], answer: dict[str, Any], revision: int) -> None:
        """Take what the failed transaction read of the touched keys."""
        changes = []
        for (kind, record_id), response in zip(dict.fromkeys(touched), answer.get("responses", ())):
            kvs = response.get("response_range", {}).get("kvs", ())
            if kvs:
                kv = key_value(kvs[0])
                changes.append(Change(kind, record_id, self.backend.decode(kind, kv.value, kv.mod_revision),
                                      kv.mod_revision, kv.create_revision))
            else:
                changes.append(Change(kind, record_id, None, revision))
        if self.apply_remote(changes) and self.on_remote_change is not None:
            self.on_remote_change()  # the watch will find these already here

    def apply_remote(self, changes: Sequence[Change]) -> int:
        """Apply changes read from etcd, each only if newer than what the
        cache holds for its key; returns how many applied."""
        applied: list[tuple[Record | None, Record | None]] = []
        self._creation.update(creation_orders([(c.created, c.id) for c in changes if c.kind == "task" and c.created]))
        for kind, record_id, record, revision, _ in changes:
            k = (kind, record_id)
            current = self._current(kind, record_id)
            if revision <= self._tombstones.get(k, 0) or (current is not None and current.version >= revision):
                continue
            self._revision = max(self._revision, revision)
            if record is None:
                self._tombstones[k] = revision
                if current is not None:
                    self._remove(kind, record_id)
                    applied.append((replace(current, version=revision), None))  # the delete's revision
            else:
                self._tombstones.pop(k, None)
                self._store(record)
                applied.append((current, record))
        if applied:
            self.feed.publish(self._revision)
            if self.on_commit is not None:
                self.on_commit(applied)
        return len(applied)

    def _insert_task(self, task: Task) -> None:
        order = self._creation.pop(task.id, None)
        if order is None:
            order = self.backend.load_orders.pop(task.id, None)
        if order is not None:
            while order in self._by_order:  # a refreshed task whose siblings are not here yet
                order += 1
            self._next_order = order
        super()._insert_task(task)

    def apply_watched(self, changes: list[Change], revision: int) -> None:
        """A batch from the watch, complete up to ``revision``."""
        try:
            if self.apply_remote(changes) and self.on_remote_change is not None:
                self.on_remote_change()
        except Exception:
            logger.exception("applying watched changes failed")
        if len(self._tombstones) > 256:
            self._tombstones = {k: r for k, r in self._tombstones.items() if r > revision}
        self.backend.mark_applied(revision)

    def apply_snapshot(self, everything: list[Change], revision: int) -> None:
        """Everything etcd holds at ``revision`` (after a compaction): what
        the cache has and etcd has not is deleted."""
        present = {(c.kind, c.id) for c in everything}
        gone = [
            Change(kind, record_id, None, revision)
            for kind in ("task", "node", "deployment", "object")
            for record_id in list(self._records[kind])
            if (kind, record_id) not in present
        ]
        self.apply_watched([*everything, *gone], revision)


def _settle(reply: Reply, records: list[Record], error: BaseException | None) -> None:
    if error is None:
        reply.set(records)
    else:
        reply.set_exception((type(error), error, error.__traceback__))


def _same_revision(key: str, revision: int) -> dict[str, Any]:
    return {"key": b64(key), "result": "EQUAL", "target": "MOD", "mod_revision": revision}


class EtcdDatastoreActor(pykka.ThreadingActor, EtcdDatastore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:  # the arguments of EtcdDatastore
        pykka.ThreadingActor.__init__(self)
        EtcdDatastore.__init__(self, *args, **kwargs)

    def on_start(self) -> None:
        self._me = me = self.actor_ref.proxy()
        self.backend.start_watch(me.apply_watched, me.apply_snapshot)

    def on_stop(self) -> None:
        self.backend.close()
