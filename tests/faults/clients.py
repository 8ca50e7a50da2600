"""Clients that keep the control plane busy and record every call.

Each client is a thread with a seeded random stream; each call goes to any
of the servers. The keys:

- **registers**: nodes ``reg-G-I`` made before the run with the label
  ``reg=init`` and no room for any task (nothing but the clients writes
  them). A client reads the label, writes it (``PUT /nodes/ID`` with a new
  token) or swaps it (the same with ``If-Match`` on the version it last read);
- **tasks**: ``task-G-I``, created (``POST /tasks`` with a token in a label),
  read (``GET /tasks/ID``: the token, or absent) and deleted; the controller
  binds what exists to the worker nodes.

``G`` is the generation: the clients move to fresh keys every ``period``
seconds so that each key's history stays small enough for an exhaustive
check however long the run.

Outcomes: a 2xx, or a 404/409 that answers the question (absent, taken, a
version moved on), is ``ok``; a refused connection is ``failed`` (nothing was
sent); a timeout, a dropped connection or a 503 is ``unknown`` (the write
may still land). Any other answer is ``unknown`` too, and also goes into
:attr:`Client.errors`: a 500 or a 4xx the harness did not ask for is a bug
whatever the history says.
"""

from __future__ import annotations

import dataclasses
import random
import threading

import requests
import urllib3

from tests.faults.history import Call, Recorder

TASK_CPU = 100
PUT_LABEL = "reg"


@dataclasses.dataclass(frozen=True)
class Keys:
    generations: int
    period: float = 10.0
    registers: int = 2
    tasks: int = 3

    def registers_of(self, generation: int) -> list[str]:
        return [f"reg-{generation}-{i}" for i in range(self.registers)]

    def tasks_of(self, generation: int) -> list[str]:
        return [f"task-{generation}-{i}" for i in range(self.tasks)]

    def all_registers(self) -> list[str]:
        return [k for g in range(self.generations) for k in self.registers_of(g)]

    def all_tasks(self) -> list[str]:
        return [k for g in range(self.generations) for k in self.tasks_of(g)]

    def generation_at(self, elapsed: float) -> int:
        return min(int(elapsed / self.period), self.generations - 1)


class Answer:
    """One HTTP exchange, classified."""

    def __init__(self, status: int | None = None, body: dict | None = None, outcome: str = "ok", note: str = "") -> None:
        self.status = status
        self.body = body
        self.outcome = outcome
        self.note = note or str(status)


def exchange(method: str, url: str, timeout: float, **kw) -> Answer:
    """A request on a connection of its own (a pooled one to a killed
    server would turn a refusal into a dropped request: unknown)."""
    try:
        answer = requests.request(method, url, timeout=timeout, **kw)
    except requests.ConnectTimeout as exc:
        return Answer(outcome="failed", note=f"connect timeout: {exc}")
    except requests.ConnectionError as exc:
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        if isinstance(reason, urllib3.exceptions.NewConnectionError):
            return Answer(outcome="failed", note="connection refused")
        return Answer(outcome="unknown", note=f"connection dropped: {exc}")
    except requests.Timeout:
        return Answer(outcome="unknown", note="timeout")
    body = None
    if answer.content:
        try:
            body = answer.json()
        except ValueError:
            body = {"text": answer.text[:200]}
    outcome = "unknown" if answer.status_code == 503 or answer.status_code >= 500 else "ok"
    return Answer(answer.status_code, body, outcome, f"{answer.status_code}")


class Client(threading.Thread):
    def __init__(self, process: int, urls: list[str], keys: Keys, recorder: Recorder, seed: int,
                 stop: threading.Event, started_at: float, think: float = 0.3, timeout: float = 5.0) -> None:
        super().__init__(name=f"fault-client-{process}", daemon=True)
        self.process = process
        self.urls = urls
        self.keys = keys
        self.recorder = recorder
        self.rng = random.Random(seed * 1000 + process)
        self.stop = stop
        self.started_at = started_at
        self.think = think
        self.timeout = timeout
        self.errors: list[str] = []
        self._seen_version: dict[str, int] = {}
        self._tokens = 0
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.wait(self.rng.expovariate(1 / self.think)):
                generation = self.keys.generation_at(self.recorder.clock() - self.started_at)
                self.one(generation)
        except BaseException as exc:  # a bug in the harness: the run reports it rather than hanging
            self.failure = exc

    def one(self, generation: int) -> None:
        """One call; after a write, half the time a read of the same key
        at once, through whichever server comes up: a client that wrote
        through one server and reads through another must see its write
        (the window in which a server that serves from a stale cache would
        be caught is milliseconds wide)."""
        if self.rng.random() < 0.5:
            key = self.rng.choice(self.keys.registers_of(generation))
            choice, read = self.rng.random(), self.read_register
            if choice < 0.35 or (choice >= 0.55 and key not in self._seen_version):
                read(key)
                return
            (self.write_register if choice < 0.55 else self.swap_register)(key)
        else:
            key = self.rng.choice(self.keys.tasks_of(generation))
            choice, read = self.rng.random(), self.read_task
            if 0.4 <= choice < 0.7:
                read(key)
                return
            (self.create_task if choice < 0.4 else self.delete_task)(key)
        if self.rng.random() < 0.5:
            read(key)

    # -- one call ------------------------------------------------------------

    def _token(self) -> str:
        self._tokens += 1
        return f"c{self.process}-{self._tokens}"

    def _call(self, key: str, kind: str, method: str, path: str, arg=None, expect=(), server: int | None = None,
              **kw) -> tuple[Call, Answer]:
        server = self.rng.randrange(len(self.urls)) if server is None else server
        invoked = self.recorder.clock()
        answer = exchange(method, self.urls[server] + path, self.timeout, **kw)
        completed = self.recorder.clock()
        if answer.status is not None and answer.status not in expect and answer.status != 503:
            self.errors.append(f"{method} {path} on server {server}: {answer.status} {answer.body}")
            answer.outcome = "unknown"
        call = Call(self.process, key, kind, arg, invoked=invoked, completed=completed, outcome=answer.outcome,
                    server=server, note=answer.note)
        return call, answer

    def read_register(self, key: str, server: int | None = None) -> None:
        call, answer = self._call(key, "read", "GET", f"/nodes/{key}", expect=(200,), server=server)
        if answer.status == 200:
            call.value, call.version = answer.body["labels"].get(PUT_LABEL), answer.body["version"]
            self._seen_version[key] = call.version
        self.recorder.add(call)

    def write_register(self, key: str) -> None:
        token = self._token()
        call, answer = self._call(key, "write", "PUT", f"/nodes/{key}", arg=token, expect=(200,),
                                  json={"labels": {PUT_LABEL: token}})
        if answer.status == 200:
            call.version = answer.body["version"]
        self.recorder.add(call)

    def swap_register(self, key: str) -> None:
        token, expected = self._token(), self._seen_version.pop(key)
        call, answer = self._call(key, "cas", "PUT", f"/nodes/{key}", arg=[expected, token], expect=(200, 409),
                                  json={"labels": {PUT_LABEL: token}}, headers={"If-Match": f'"{expected}"'})
        if answer.status in (200, 409):
            call.value = answer.status == 200
            if call.value:
                call.version = answer.body["version"]
        self.recorder.add(call)

    def create_task(self, key: str) -> None:
        token = self._token()
        call, answer = self._call(key, "cas", "POST", "/tasks", arg=[None, token], expect=(201, 409),
                                  json={"id": key, "resources": {"cpu": TASK_CPU}, "labels": {"token": token}})
        if answer.status in (201, 409):
            call.value = answer.status == 201
        self.recorder.add(call)

    def read_task(self, key: str, server: int | None = None) -> None:
        call, answer = self._call(key, "read", "GET", f"/tasks/{key}", expect=(200, 404), server=server)
        if answer.status in (200, 404):
            call.value = answer.body["labels"]["token"] if answer.status == 200 else None
        self.recorder.add(call)

    def delete_task(self, key: str) -> None:
        call, answer = self._call(key, "delete", "DELETE", f"/tasks/{key}", expect=(204, 404))
        if answer.status in (204, 404):
            call.value = answer.status == 204
        self.recorder.add(call)
