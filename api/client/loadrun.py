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

The pure parts (plan, settling rule, report, timeline, progress line) are
plain functions; :func:`run` does the HTTP with :mod:`api.client.loadgen`.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import http.client
import logging
import math
import random
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from actors.domain.errors import ValidationError
from api.client.loadgen import Client, Pacer, percentile, run_clients
from api.native.validation import valid_id

logger = logging.getLogger(__name__)

NODE_CAPACITY = {"cpu": 4000, "memory": 8192}  # millicores, MiB
# (cpu millicores, memory MiB, weight): every size fits an empty node.
TASK_SIZES = ((100, 128, 6), (500, 512, 3), (2000, 2048, 1))
ZONES = ("a", "b", "c")
SELECTOR_SHARES = ((("zone",), 0.2), (("disk",), 0.1), (("zone", "disk"), 0.1))  # the rest select nothing
PERCENTILES = (50, 95, 99)
FINAL = ("succeeded", "failed")
OPEN = ("pending", "scheduled", "running")


class LoadRunError(Exception):
    """The run could not go on (server unreachable, nodes not registered)."""


@dataclasses.dataclass(frozen=True)
class Scenario:
    """What to do. Times in seconds, ``rate`` in tasks per second (0: as
    fast as the clients go), ``endless`` the share of tasks submitted
    without a duration (they settle once running and are left running)."""

    nodes: int = 10
    tasks: int = 1000
    rate: float = 0.0
    clients: int = 8
    fail_nodes: int = 0
    duration_range: tuple[float, float] = (0.5, 2.0)
    endless: float = 0.0
    seed: int = 1
    prefix: str = "load"
    timeout: float = 300.0
    poll_interval: float = 0.5

    def problems(self) -> list[str]:
        """What is wrong with it, one message per flag; empty when fine."""
        found = []
        if self.nodes < 1:
            found.append("--nodes must be at least 1")
        if self.tasks < 1:
            found.append("--tasks must be at least 1")
        if not (self.rate >= 0 and math.isfinite(self.rate)):
            found.append("--rate must be 0 (as fast as possible) or a positive number of tasks per second")
        if self.clients < 1:
            found.append("--clients must be at least 1")
        if not 0 <= self.fail_nodes < max(self.nodes, 1):
            found.append("--fail-nodes must be at least 0 and less than --nodes, so that tasks can still run")
        low, high = self.duration_range
        if not (0 <= low <= high and math.isfinite(high)):
            found.append("--duration-range must be A,B with 0 <= A <= B seconds")
        if not 0 <= self.endless <= 1:
            found.append("--endless must be a share between 0 and 1")
        if not (self.timeout > 0 and math.isfinite(self.timeout)):
            found.append("--timeout must be a positive number of seconds")
        if not (self.poll_interval > 0 and math.isfinite(self.poll_interval)):
            found.append("--poll-interval must be a positive number of seconds")
        if self.nodes >= 1 and self.tasks >= 1:
            try:  # ids differ only in the digits after the prefix: the longest of each kind decides
                valid_id(node_id(self.prefix, self.nodes - 1, self.nodes), "--prefix")
                valid_id(task_id(self.prefix, self.tasks - 1, self.tasks), "--prefix")
            except ValidationError as exc:
                found.append(f"--prefix: {exc.message} (ids are PREFIX-nN for nodes, PREFIX-tN for tasks)")
        return found


def parse_range(text: str) -> tuple[float, float]:
    """``"A,B"`` (or ``"A"`` for A,A) to (A, B) seconds; ValueError if not."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2:
        raise ValueError(f"expected A,B seconds, not {text!r}")
    low, high = float(parts[0]), float(parts[1])
    if not (0 <= low <= high and math.isfinite(high)):
        raise ValueError(f"expected 0 <= A <= B seconds, not {text!r}")
    return low, high


def default_prefix() -> str:
    """``load-`` and 6 random hex digits, so that runs on one server don't clash."""
    return f"load-{random.SystemRandom().getrandbits(24):06x}"


def _width(count: int) -> int:
    return len(str(max(count - 1, 0)))


def node_id(prefix: str, index: int, count: int) -> str:
    return f"{prefix}-n{index:0{_width(count)}d}"


def task_id(prefix: str, index: int, count: int) -> str:
    return f"{prefix}-t{index:0{_width(count)}d}"


def node_labels(index: int) -> dict[str, str]:
    return {"zone": ZONES[index % len(ZONES)], "disk": "ssd" if index % 2 == 0 else "hdd"}


@dataclasses.dataclass(frozen=True)
class Plan:
    """The requests of a run, decided before it starts: ``nodes`` and
    ``tasks`` are POST bodies, ``fail`` the node ids to set unhealthy just
    before task number ``fail_before`` is submitted (the middle one)."""

    nodes: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    fail: list[str]
    fail_before: int | None


def make_plan(scenario: Scenario) -> Plan:
    """The same scenario (seed included) always gives the same plan. A node
    selector is always a subset of the labels of a node that will not be
    failed, and every size fits an empty node, so every task can run."""
    rng = random.Random(scenario.seed)
    nodes = [
        {"id": node_id(scenario.prefix, i, scenario.nodes), "capacity": dict(NODE_CAPACITY), "labels": node_labels(i)}
        for i in range(scenario.nodes)
    ]
    failing = set(rng.sample(range(scenario.nodes), scenario.fail_nodes))
    survivors = [n for i, n in enumerate(nodes) if i not in failing]
    low, high = scenario.duration_range
    sizes = [(cpu, memory) for cpu, memory, _ in TASK_SIZES]
    weights = [weight for _, _, weight in TASK_SIZES]
    tasks = []
    for i in range(scenario.tasks):
        cpu, memory = rng.choices(sizes, weights)[0]
        body: dict[str, Any] = {"id": task_id(scenario.prefix, i, scenario.tasks),
                                "resources": {"cpu": cpu, "memory": memory}}
        draw, keys = rng.random(), ()
        for selector_keys, share in SELECTOR_SHARES:
            if draw < share:
                keys = selector_keys
                break
            draw -= share
        if keys:
            labels = rng.choice(survivors)["labels"]
            body["node_selector"] = {k: labels[k] for k in keys}
        if rng.random() >= scenario.endless:
            body["duration"] = round(rng.uniform(low, high), 3)
        tasks.append(body)
    fail = [nodes[i]["id"] for i in sorted(failing)]
    return Plan(nodes, tasks, fail, scenario.tasks // 2 if fail else None)


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


# Reports.


def latency_summary(seconds: Sequence[float]) -> dict[str, Any]:
    """count, p50, p95, p99 and max in milliseconds (None without values)."""
    ordered = sorted(seconds)
    summary: dict[str, Any] = {"count": len(ordered)}
    for p in PERCENTILES:
        value = percentile(ordered, p)
        summary[f"p{p}"] = None if value is None else round(value * 1000, 1)
    summary["max"] = round(ordered[-1] * 1000, 1) if ordered else None
    return summary


def _since_created(records: Iterable[Mapping[str, Any]], field: str) -> list[float]:
    found = []
    for record in records:
        created, moment = parse_time(record.get("created_at")), parse_time(record.get(field))
        if created is not None and moment is not None:
            found.append(moment - created)
    return found


def build_report(outcome: Outcome) -> dict[str, Any]:
    """The figures of a run as a JSON-ready dict; ``ok`` is False when a
    task was lost or a request got a 5xx or no answer at all."""
    s, records = outcome.scenario, outcome.records
    acknowledged = outcome.acknowledged
    missing = [t for t in acknowledged if t not in records]
    unsettled = [t for t in acknowledged if t in records and not settled(records[t])]
    by_status = collections.Counter(r["status"] for r in records.values())
    finished = [r for r in records.values() if r.get("finished_at")]
    first_send = min((c.sent for c in outcome.creates), default=outcome.began)
    last_answer = max((c.sent + c.latency for c in outcome.creates), default=first_send)
    create_span = last_answer - first_send
    done_span = 0.0
    if finished:
        done_span = (max(parse_time(r["finished_at"]) for r in finished)
                     - min(parse_time(r["created_at"]) for r in records.values()))

    requests: dict[str, dict[str, int]] = {}
    errors: collections.Counter = collections.Counter()
    for (route, status), n in sorted(outcome.requests.items()):
        requests.setdefault(route, {})[str(status) if status else "no answer"] = n
        if not 200 <= status < 300:
            errors[str(status) if status else "no answer"] += n
    server_errors = sum(n for (_, status), n in outcome.requests.items() if status >= 500)
    unanswered = sum(n for (_, status), n in outcome.requests.items() if status == 0)

    problems = []
    if missing:
        problems.append(f"{len(missing)} acknowledged tasks are gone (404)")
    if unsettled:
        problems.append(f"{len(unsettled)} tasks had not settled after {s.timeout:g} s")
    if server_errors:
        problems.append(f"{server_errors} requests got a 5xx")
    if unanswered:
        problems.append(f"{unanswered} requests got no answer")

    return {
        "server": outcome.url,
        "prefix": s.prefix,
        "scenario": {
            "nodes": s.nodes, "tasks": s.tasks, "rate": s.rate, "clients": s.clients,
            "fail_nodes": s.fail_nodes, "duration_range": list(s.duration_range), "endless": s.endless,
            "seed": s.seed, "timeout": s.timeout,
        },
        "failed_nodes": outcome.plan.fail,
        "failed_before_task": outcome.plan.fail_before,
        "tasks": {
            "submitted": len(outcome.creates),
            "acknowledged": len(acknowledged),
            "settled": sum(1 for r in records.values() if settled(r)),
            "by_status": dict(sorted(by_status.items())),
            "rescheduled": sum(1 for r in records.values() if r.get("attempts", 0) > 1),
            "lost": len(missing) + len(unsettled),
            "missing": len(missing),
            "unsettled": len(unsettled),
            "lost_ids": (missing + unsettled)[:20],
        },
        "throughput": {
            "creates_per_s": round(len(acknowledged) / create_span, 1) if create_span > 0 else None,
            "done_per_s": round(len(finished) / done_span, 1) if done_span > 0 else None,
            "submit_seconds": round(create_span, 3),
            "settle_seconds": round(outcome.ended - outcome.submitted, 3),
            "total_seconds": round(outcome.ended - outcome.began, 3),
        },
        "latency_ms": {
            "create": latency_summary([c.latency for c in outcome.creates if c.status == 201]),
            "to_scheduled": latency_summary(_since_created(records.values(), "scheduled_at")),
            "to_running": latency_summary(_since_created(records.values(), "started_at")),
            "to_done": latency_summary(_since_created(records.values(), "finished_at")),
        },
        "requests": requests,
        "errors": dict(sorted(errors.items())),
        "ok": not problems,
        "problems": problems,
    }


def format_report(report: Mapping[str, Any]) -> str:
    """The report as text for people."""
    s, t, th = report["scenario"], report["tasks"], report["throughput"]
    pace = "as fast as possible" if not s["rate"] else f"{s['rate']:g} tasks/s"
    low, high = s["duration_range"]
    failed = (f", {len(report['failed_nodes'])} failed before task {report['failed_before_task']}"
              if report["failed_nodes"] else "")
    endless = f", {s['endless']:.0%} without a duration" if s["endless"] else ""
    statuses = ", ".join(f"{n} {status}" for status, n in t["by_status"].items()) or "none"

    def num(value: Any, unit: str = "") -> str:
        return "-" if value is None else f"{value:,.1f}{unit}"

    lines = [
        f"load run {report['prefix']} against {report['server']}",
        f"  {s['nodes']} nodes{failed}; {s['tasks']} tasks, {s['clients']} clients, {pace}, "
        f"durations {low:g}-{high:g} s{endless}, seed {s['seed']}",
        "",
        f"tasks        {t['submitted']} submitted, {t['acknowledged']} acknowledged, {t['settled']} settled "
        f"({statuses}), {t['lost']} lost",
        f"rescheduled  {t['rescheduled']} (placed more than once)",
        f"throughput   {num(th['creates_per_s'], ' creates/s')} (submitted in {th['submit_seconds']:.2f} s), "
        f"{num(th['done_per_s'], ' done/s')} (first create to last end); settled {th['settle_seconds']:.2f} s "
        f"after the last create",
        "",
        f"{'latency (ms)':<16}{'p50':>10}{'p95':>10}{'p99':>10}{'max':>10}{'count':>8}",
    ]
    names = {"create": "create", "to_scheduled": "to scheduled", "to_running": "to running", "to_done": "to done"}
    for key, name in names.items():
        figures = report["latency_ms"][key]
        cells = "".join(f"{num(figures[k]):>10}" for k in ("p50", "p95", "p99", "max"))
        lines.append(f"  {name:<14}{cells}{figures['count']:>8}")
    lines.append("")
    lines.append("requests     " + "; ".join(
        f"{route} " + ", ".join(f"{n} x {status}" for status, n in statuses.items())
        for route, statuses in report["requests"].items()))
    lines.append("errors       " + (", ".join(f"{n} x {code}" for code, n in report["errors"].items()) or "none"))
    if t["lost_ids"]:
        lines.append("lost         " + ", ".join(t["lost_ids"]) + (" ..." if t["lost"] > len(t["lost_ids"]) else ""))
    lines.append("result       " + ("ok" if report["ok"] else "FAILED: " + "; ".join(report["problems"])))
    return "\n".join(lines)


# Timeline for the plot.


def clock_offset(outcome: Outcome) -> float:
    """Seconds the server's clock is ahead of the client's: the median of
    ``created_at`` minus the middle of its create request (0 on one host)."""
    gaps = [
        parse_time(outcome.records[c.task_id]["created_at"]) - (c.sent + c.latency / 2)
        for c in outcome.creates
        if c.task_id in outcome.records
    ]
    return statistics.median(gaps) if gaps else 0.0


def bin_width(span: float, bins: int = 60) -> float:
    """A round bin width (0.1, 0.2, 0.5, 1, 2, 5, ... s) giving about ``bins`` bins."""
    target = max(span / bins, 0.1)
    scale = 10 ** math.floor(math.log10(target))
    for step in (1, 2, 5, 10):
        if step * scale >= target - 1e-12:
            return step * scale
    return 10 * scale


def timeline(outcome: Outcome, width: float | None = None) -> dict[str, Any]:
    """Per time bin (seconds since the run began, client clock): creates,
    schedulings and ends per second, and create and create-to-scheduled
    latency (p50, p99, ms) of the tasks sent or created in the bin."""
    offset = clock_offset(outcome)
    span = outcome.ended - outcome.began
    width = width or bin_width(span)
    count = max(1, math.ceil(span / width))

    def index(moment: float) -> int:
        return min(count - 1, max(0, int((moment - outcome.began) // width)))

    creates = [0] * count
    scheduled = [0] * count
    ended = [0] * count
    create_latency: list[list[float]] = [[] for _ in range(count)]
    to_scheduled: list[list[float]] = [[] for _ in range(count)]
    for c in outcome.creates:
        if c.status == 201:
            creates[index(c.sent + c.latency)] += 1
            create_latency[index(c.sent)].append(c.latency)
    for record in outcome.records.values():
        created = parse_time(record["created_at"])
        if record.get("scheduled_at"):
            moment = parse_time(record["scheduled_at"])
            scheduled[index(moment - offset)] += 1
            to_scheduled[index(created - offset)].append(moment - created)
        if record.get("finished_at"):
            ended[index(parse_time(record["finished_at"]) - offset)] += 1

    def pct(values: list[float], p: float) -> float | None:
        value = percentile(sorted(values), p)
        return None if value is None else value * 1000

    return {
        "bin_seconds": width,
        "time": [i * width for i in range(count)],
        "creates_per_s": [n / width for n in creates],
        "scheduled_per_s": [n / width for n in scheduled],
        "done_per_s": [n / width for n in ended],
        "create_p50_ms": [pct(v, 50) for v in create_latency],
        "create_p99_ms": [pct(v, 99) for v in create_latency],
        "to_scheduled_p50_ms": [pct(v, 50) for v in to_scheduled],
        "to_scheduled_p99_ms": [pct(v, 99) for v in to_scheduled],
        "failed_at": None if outcome.failed_at is None else outcome.failed_at - outcome.began,
        "clock_offset": offset,
    }
