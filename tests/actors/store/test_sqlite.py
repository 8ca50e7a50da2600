from __future__ import annotations

import dataclasses
import os
import sqlite3

import pytest

from actors.datastore import Datastore
from actors.domain.errors import StoreError
from actors.domain.models import Resources, TaskStatus
from actors.store.sqlite import SCHEMA_VERSION, SqliteBackend
from actors.store.ops import Create, Delete, DeleteOwnedTasks, Update
from tests.helpers import make_deployment, make_node, make_task, make_template


@pytest.fixture
def path(tmp_path) -> str:
    return str(tmp_path / "state.db")


def reopen(path: str) -> Datastore:
    return Datastore(SqliteBackend(path))


def test_everything_comes_back_after_a_reopen(path):
    store = reopen(path)
    store.commit([Create(make_node("n1", labels={"zone": "a"}))])
    for task_id in ("t3", "t1", "t2"):
        store.commit([Create(make_task(task_id, cpu=100, memory=10, duration=5.0))])
    t1 = store.get_task("t1")
    store.commit([Update(dataclasses.replace(t1, status=TaskStatus.RUNNING, node="n1", started_at=12.5), t1.version)])
    store.commit([Delete("task", "t2")])
    revision = store.revision
    store.backend.wait_durable(revision, timeout=5)
    store.backend.close()

    again = reopen(path)
    try:
        assert again.revision == revision
        assert [t.id for t in again.list_tasks()] == ["t3", "t1"]
        assert again.get_task("t1") == store.get_task("t1")
        assert again.get_node("n1").labels == {"zone": "a"}
        assert again.get_node("n1").allocated == Resources(100, 10)
        (t4,) = again.commit([Create(make_task("t4"))])
        assert t4.version == revision + 1
    finally:
        again.backend.close()


def test_deployments_and_their_tasks_come_back_after_a_reopen(path):
    store = reopen(path)
    store.commit([Create(make_node("n1"))])
    (web,) = store.commit([Create(make_deployment("web", replicas=2, template=make_template(cpu=100)))])
    (api,) = store.commit([Create(make_deployment("api"))])
    store.commit([Create(make_task("web-a", owner="web", template_hash=web.template_hash,
                                   status=TaskStatus.RUNNING, node="n1"))])
    store.commit([Create(make_task("api-a", owner="api"))])
    store.commit([Update(dataclasses.replace(web, replicas=4), web.version)])
    store.commit([Delete("deployment", "api", api.version), DeleteOwnedTasks("api")])
    store.backend.close()

    again = reopen(path)
    try:
        assert [d.id for d in again.list_deployments()] == ["web"]
        assert again.get_deployment("web") == store.get_deployment("web")
        assert (again.get_deployment("web").replicas, again.get_deployment("web").ready) == (4, 1)
        assert [(t.id, t.owner) for t in again.list_tasks()] == [("web-a", "web")]
        assert [d.id for d, _ in again.deployment_view(since=None).deployments] == ["web"]
    finally:
        again.backend.close()


def test_a_file_from_before_deployments_opens_and_gains_the_table(path):
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE nodes (id TEXT PRIMARY KEY, version INTEGER NOT NULL, data TEXT NOT NULL);
        CREATE TABLE tasks (id TEXT PRIMARY KEY, created INTEGER NOT NULL, version INTEGER NOT NULL,
                            data TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', 1), ('revision', 1);
    """)
    old_task = '{"id": "t1", "name": "t1", "status": "pending", "node": null, "resources": {"cpu": 0, "memory": 0}, ' \
        '"node_selector": {}, "duration": null, "outcome": "succeeded", "attempts": 0, "message": "", ' \
        '"created_at": 1.0, "scheduled_at": null, "started_at": null, "finished_at": null, "version": 1}'
    db.execute("INSERT INTO tasks VALUES ('t1', 1, 1, ?)", (old_task,))
    db.commit()
    db.close()
    store = reopen(path)
    try:
        assert store.get_task("t1").owner is None
        assert store.list_deployments() == []
        store.commit([Create(make_deployment("web"))])
    finally:
        store.backend.close()
    again = reopen(path)
    assert [d.id for d in again.list_deployments()] == ["web"]
    again.backend.close()


def test_close_writes_what_is_queued(path):
    store = reopen(path)
    for i in range(200):
        store.commit([Create(make_task(f"t{i}"))])
    store.backend.close()
    again = reopen(path)
    assert len(again.list_tasks()) == 200
    again.backend.close()


def test_wait_durable_returns_once_written(path):
    store = reopen(path)
    (task,) = store.commit([Create(make_task("t1"))])
    store.backend.wait_durable(task.version, timeout=5)
    assert store.backend.durable_revision >= task.version
    row = sqlite3.connect(path).execute("SELECT version FROM tasks WHERE id='t1'").fetchone()
    assert row == (task.version,)
    store.backend.close()


def test_the_file_uses_wal_and_records_its_schema(path):
    reopen(path).backend.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (SCHEMA_VERSION,)


def _bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def test_a_file_that_is_not_a_database_is_refused_untouched(path):
    with open(path, "wb") as f:
        f.write(b"hello, this is not a database at all" * 100)
    before = _bytes(path)
    with pytest.raises(StoreError, match="not a SQLite database"):
        SqliteBackend(path)
    assert _bytes(path) == before
    assert not os.path.exists(path + "-wal")


def test_a_newer_schema_is_refused_untouched(path):
    reopen(path).backend.close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION + 1,))
    db.commit()
    db.close()
    before = _bytes(path)
    with pytest.raises(StoreError, match="newer"):
        SqliteBackend(path)
    assert _bytes(path) == before


def test_a_missing_directory_is_refused(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        SqliteBackend(str(tmp_path / "nope" / "state.db"))


def test_an_unwritable_directory_is_refused(tmp_path):
    if os.geteuid() == 0:
        # Permissions do not stop root; /proc refuses new files to everyone.
        with pytest.raises(StoreError, match="not writable|cannot open"):
            SqliteBackend("/proc/self/state.db")
        return
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="not writable"):
            SqliteBackend(str(locked / "state.db"))
    finally:
        locked.chmod(0o700)


def test_a_directory_is_not_a_store(tmp_path):
    with pytest.raises(StoreError, match="is a directory"):
        SqliteBackend(str(tmp_path))


def test_a_bad_fsync_mode_is_refused(path):
    with pytest.raises(StoreError, match="fsync"):
        SqliteBackend(path, fsync="sometimes")


@pytest.mark.parametrize(("fsync", "level"), [("normal", 1), ("full", 2)])
def test_fsync_sets_sqlite_synchronous(path, fsync, level):
    backend = SqliteBackend(path, fsync=fsync)
    try:
        assert backend._db.execute("PRAGMA synchronous").fetchone() == (level,)
    finally:
        backend.close()


def test_a_failed_write_is_never_acknowledged_and_stops_further_writes(path, monkeypatch):
    from actors.domain.errors import Unavailable

    store = reopen(path)

    def broken(batch):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store.backend, "_write", broken)
    (task,) = store.commit([Create(make_task("t1"))])
    with pytest.raises(Unavailable, match="disk I/O error"):
        store.backend.wait_durable(task.version, timeout=5)
    with pytest.raises(Unavailable):
        store.commit([Create(make_task("t2"))])
    store.backend.close()
    assert [t.id for t in reopen(path).list_tasks()] == []
