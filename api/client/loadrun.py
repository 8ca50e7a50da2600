"""Scripted load runs against a running server (``scripts/load.py``).

A run registers nodes, submits tasks (mixed sizes, durations and node
selectors, drawn from a seed) with concurrent keep-alive clients at a fixed
rate or as fast as they go, optionally fails some nodes when half the tasks
are submitted, and waits until every task has *settled*: ``succeeded`` or
``failed``, or ``running`` for a task submitted without a duration
(``Scenario.endless``), which would otherwise never end.

Latencies after the create come from the server's own timestamps, so they do
not depend on how often the run polls: create-to-scheduled is
``scheduled_at - created_at`` (the last placement, for a rescheduled task),
-running is ``started_at - created_at``, -done is ``finished_at -
created_at`` (which includes the task's own duration). A task is *lost* when
its create was acknowledged (201) and it is later missing from ``GET
/tasks`` (a 404) or has not settled when the wait times out.

The pure parts are plain functions: the plan in :mod:`api.client.loadplan`,
the settling rule and the progress line here, the report and the timeline in
:mod:`api.client.loadreport`; :func:`run` does the HTTP with
:mod:`api.client.loadgen`.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import http.client
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from api.client.loadgen import Client, Pacer, run_clients
from api.client.loadplan import Plan, Scenario, make_plan

logger = logging.getLogger(__name__)

FINAL = ("succeeded", "failed")
OPEN = ("pending", "scheduled", "running")


class LoadRunError(Exception):
    """The run could not go on (server unreachable, nodes not registered)."""



def settled(record: Mapping[str, Any]) -> bool:
    """Ended, or running with no duration (it will not end by itself)."""
    status = record.get("status")
    return status in FINAL or (status == "running" and record.get("duration") is None)


def parse_time(value: str | None) -> float | None:
    """RFC 3339 (``2026-11-26T11:18:39.405Z``) to epoch seconds."""
    if value is None:
        return None
    return datetime.datetime.fromisoformat(value).timestamp()


@dataclasses.dataclass(frozen=True)
class Create:
    """One ``POST /tasks``: ``sent`` in epoch seconds (client clock),
    ``latency`` in seconds, ``status`` 0 when no answer came."""

    index: int
    task_id: str
    sent: float
    latency: float
    status: int


@dataclasses.dataclass(frozen=True)
class Progress:
    phase: str  # "nodes", "submit", "settle"
    done: int
    total: int
    elapsed: float  # seconds since the run began
    errors: int
    note: str = ""


def progress_line(p: Progress, width: int = 30) -> str:
    """One line for a progress bar (the caller adds ``\\r``)."""
    share = p.done / p.total if p.total else 1.0
    filled = min(width, int(share * width))
    bar = "#" * filled + "." * (width - filled)
    note = f"  {p.note}" if p.note else ""
    return f"{p.phase:<7}[{bar}] {p.done}/{p.total} {int(share * 100):3d}%{note}  errors {p.errors}  {p.elapsed:5.1f}s"


@dataclasses.dataclass
class Outcome:
    """What a run saw. Times are epoch seconds on the client's clock,
    except inside ``records`` (the server's final task records)."""

    scenario: Scenario
    url: str
    plan: Plan
    began: float
    submitted: float  # the last create answered
    ended: float  # the wait for settling ended
    creates: list[Create]
    records: dict[str, dict[str, Any]]  # acknowledged task id -> final record; a missing id is a 404
    requests: collections.Counter  # (route, status) -> count; status 0 = no answer
    failed_at: float | None = None
    timed_out: bool = False

    @property
    def acknowledged(self) -> list[str]:
        return [c.task_id for c in self.creates if c.status == 201]


def wait_settled(
    fetch: Callable[[str | None], list[dict[str, Any]] | None],
    acknowledged: Iterable[str],
    timeout: float,
    interval: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_progress: Callable[[int, collections.Counter], None] | None = None,
) -> tuple[dict[str, dict[str, Any]], bool]:
    """Poll until every acknowledged task has settled or ``timeout`` seconds
    passed; returns (the final record of each task still there, timed out).

    ``fetch(status)`` is ``GET /tasks?status=...`` (``None``: all tasks),
    returning None when the request failed. While tasks are open the run
    only asks for the open statuses (small lists); once none of ours is open
    it reads everything once to confirm, as a task can move back (its node
    failed) between two of those requests.
    """
    ours = set(acknowledged)
    deadline = clock() + timeout
    while True:
        open_count: collections.Counter = collections.Counter()
        complete = True
        for status in OPEN:
            found = fetch(status)
            if found is None:
                complete = False
                break
            open_count.update(r["status"] for r in found if r["id"] in ours and not settled(r))
        if on_progress and complete:
            on_progress(len(ours) - sum(open_count.values()), open_count)
        late = clock() >= deadline
        if (complete and not open_count) or late:
            everything = fetch(None)
            if everything is not None:
                records = {r["id"]: r for r in everything if r["id"] in ours}
                if all(settled(r) for r in records.values()):
                    return records, False
                if late:
                    return records, True
            elif late:
                raise LoadRunError("could not list the tasks at the end of the wait")
        sleep(max(0.0, min(interval, deadline - clock())))


def run(
    scenario: Scenario,
    url: str,
    on_progress: Callable[[Progress], None] | None = None,
    progress_interval: float = 0.2,
) -> Outcome:
    """Carry out the scenario against the server at ``url``."""
    plan = make_plan(scenario)
    lock = threading.Lock()
    requests: collections.Counter = collections.Counter()
    began = time.time()

    def call(client: Client, route: str, method: str, path: str, body: Any = None) -> tuple[int, Any, float, float]:
        sent = time.time()
        start = time.perf_counter()
        try:
            status, data = client.request(method, path, body)
        except (http.client.HTTPException, OSError) as exc:
            logger.debug("%s %s: %s", method, path, exc)
            status, data = 0, None
        latency = time.perf_counter() - start
        with lock:
            requests[(route, status)] += 1
        return status, data, sent, latency

    def errors() -> int:
        with lock:  # the clients add to it meanwhile
            return sum(n for (_, status), n in requests.items() if not 200 <= status < 300)

    def report(phase: str, done: int, total: int, note: str = "") -> None:
        if on_progress:
            on_progress(Progress(phase, done, total, time.time() - began, errors(), note))

    probe = Client(url, timeout=10)
    try:
        status, _, _, _ = call(probe, "GET /health", "GET", "/health")
    finally:
        probe.close()
    if status != 200:
        raise LoadRunError(f"{url} does not answer GET /health with 200 ({'no answer' if not status else status})")

    # Nodes.
    node_pacer = Pacer(len(plan.nodes))
    node_status: dict[str, int] = {}

    def register(client: Client) -> None:
        while (i := node_pacer.claim()) is not None:
            body = plan.nodes[i]
            node_status[body["id"]] = call(client, "POST /nodes", "POST", "/nodes", body)[0]

    with _ticker(progress_interval, lambda: report("nodes", len(node_status), len(plan.nodes))):
        run_clients(url, min(scenario.clients, len(plan.nodes)), register)
    report("nodes", len(node_status), len(plan.nodes))
    refused = collections.Counter(s for s in node_status.values() if s != 201)
    if refused:
        raise LoadRunError(
            f"registered {len(plan.nodes) - sum(refused.values())} of {len(plan.nodes)} nodes; the others got "
            + ", ".join(f"{n} x {s or 'no answer'}" for s, n in sorted(refused.items()))
            + (" (the prefix is taken: pick another with --prefix)" if 409 in refused else "")
        )

    # Tasks.
    creates: list[Create | None] = [None] * len(plan.tasks)
    pacer = Pacer(len(plan.tasks), scenario.rate)
    failed_at: list[float] = []
    answered = 0

    def submit(client: Client) -> None:
        nonlocal answered
        while (i := pacer.claim()) is not None:
            if i == plan.fail_before:
                for node in plan.fail:
                    call(client, "PUT /nodes/{id}", "PUT", f"/nodes/{node}", {"healthy": False})
                failed_at.append(time.time())
            body = plan.tasks[i]
            status, _, sent, latency = call(client, "POST /tasks", "POST", "/tasks", body)
            creates[i] = Create(i, body["id"], sent, latency, status)
            with lock:
                answered += 1

    submit_began = time.time()

    def submit_note() -> str:
        seconds = time.time() - submit_began
        return f"{answered / seconds:6.0f}/s" if seconds > 0 else ""

    with _ticker(progress_interval, lambda: report("submit", answered, len(plan.tasks), submit_note())):
        run_clients(url, scenario.clients, submit)
    submitted = time.time()
    report("submit", answered, len(plan.tasks), submit_note())
    done = [c for c in creates if c is not None]
    acknowledged = [c.task_id for c in done if c.status == 201]

    # Settling.
    poller = Client(url)

    def fetch(status: str | None) -> list[dict[str, Any]] | None:
        path = "/tasks" if status is None else f"/tasks?status={status}"
        code, data, _, _ = call(poller, "GET /tasks", "GET", path)
        return data if code == 200 and isinstance(data, list) else None

    def settle_progress(count: int, open_count: collections.Counter) -> None:
        note = " ".join(f"{s} {open_count[s]}" for s in OPEN)
        report("settle", count, len(acknowledged), note)

    try:
        records, timed_out = wait_settled(
            fetch, acknowledged, scenario.timeout, scenario.poll_interval, on_progress=settle_progress
        )
    finally:
        poller.close()
    return Outcome(
        scenario=scenario, url=url, plan=plan, began=began, submitted=submitted, ended=time.time(),
        creates=done, records=records, requests=requests,
        failed_at=failed_at[0] if failed_at else None, timed_out=timed_out,
    )


class _ticker:
    """Call ``tick`` every ``interval`` seconds in a thread while the block runs."""

    def __init__(self, interval: float, tick: Callable[[], None]) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(interval, tick), daemon=True)

    def _loop(self, interval: float, tick: Callable[[], None]) -> None:
        while not self._stop.wait(interval):
            tick()

    def __enter__(self) -> _ticker:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
