"""One fault run: start the cluster, let the clients work while the
nemesis injects faults, heal, settle, read everything back, check.

:func:`run` returns a :class:`Result`: the history's size, the faults, and
the verdict with its problems (a key whose history is not linearizable, an
invariant broken at the end, an answer no server should give, a traceback
in a server's log). A failing run writes the history as JSON lines and, for
each key that failed, the smallest failing window the checker found.
``tests/faults/test_run.py`` runs a short one in the suite;
``scripts/faults.py`` runs long ones.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import os
import random
import threading
import time

import requests

from tests.faults.checker import Op, linearizable, smallest_failing_window
from tests.faults.clients import PUT_LABEL, Client, Keys
from tests.faults.cluster import ControlPlane
from tests.faults.history import Call, Recorder, to_ops, write_jsonl
from tests.faults.invariants import acknowledged_problems, agreement_problems, placement_problems
from tests.faults.nemesis import KINDS, Fault, Nemesis, schedule

WORKERS = 3  # nodes the tasks run on
INITIAL = "init"  # every register's value before the run


@dataclasses.dataclass
class Result:
    seed: int
    seconds: float
    calls: list[Call]
    faults: list[Fault]
    problems: list[str]
    windows: dict[str, list[Op]]
    history_path: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        outcomes = collections.Counter(c.outcome for c in self.calls)
        kinds = collections.Counter(f.kind for f in self.faults)
        lines = [
            f"seed {self.seed}: {len(self.calls)} operations in {self.seconds:.0f} s on "
            f"{len({c.key for c in self.calls})} keys ({outcomes['ok']} ok, {outcomes['failed']} failed, "
            f"{outcomes['unknown']} unknown)",
            f"faults: {len(self.faults)} (" + ", ".join(f"{k} {kinds[k]}" for k in KINDS) + ")",
        ]
        lines += [f"  {f.began:6.1f}-{f.healed:6.1f} s {f.kind} {f.target}" for f in self.faults]
        if self.ok:
            lines.append("verdict: linearizable, invariants hold")
        else:
            lines.append(f"verdict: FAILED, {len(self.problems)} problem(s)")
            lines += [f"  {p}" for p in self.problems[:50]]
            for key, window in self.windows.items():
                lines.append(f"  smallest failing window of {key}:")
                lines += [f"    {op}" for op in window]
            if self.history_path:
                lines.append(f"history: {self.history_path}")
        return "\n".join(lines)


def _retrying(method: str, url: str, want: tuple[int, ...], timeout: float = 30.0, **kw) -> requests.Response:
    """Setup and read-back, outside the history: retried through a settling cluster."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            answer = requests.request(method, url, timeout=5, **kw)
            if answer.status_code in want:
                return answer
            note = f"{answer.status_code} {answer.text[:200]}"
        except requests.RequestException as exc:
            note = str(exc)
        if time.monotonic() > deadline:
            raise AssertionError(f"{method} {url}: {note}")
        time.sleep(0.2)  # the cluster is another set of processes: nothing to wait on but its answer


def _set_up(plane: ControlPlane, keys: Keys, recorder: Recorder) -> None:
    url = plane.urls[0]
    for i in range(WORKERS):
        _retrying("POST", url + "/nodes", (201,), json={"id": f"w{i}", "capacity": {"cpu": 1_000_000,
                                                                                   "memory": 1_000_000}})
    for key in keys.all_registers():
        invoked = recorder.clock()
        answer = _retrying("POST", url + "/nodes", (201,), json={"id": key, "labels": {PUT_LABEL: INITIAL},
                                                                  "capacity": {"cpu": 0, "memory": 0}})
        # The creation's answer is the first observation of the register: INITIAL at this version.
        recorder.add(Call(-1, key, "read", value=INITIAL, version=answer.json()["version"], invoked=invoked,
                          completed=recorder.clock(), server=0, note="201 (setup)"))


def _wait_all_running(url: str, timeout: float = 60.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        tasks = _retrying("GET", url + "/tasks", (200,)).json()
        if all(t["status"] == "running" for t in tasks) or time.monotonic() > deadline:
            return tasks
        time.sleep(0.2)


def check(calls: list[Call], keys_initial: dict[str, object]) -> tuple[list[str], dict[str, list[Op]]]:
    """The linearizability of every key's history, and the version problems."""
    per_key, problems = to_ops(calls)
    windows = {}
    for key, ops in sorted(per_key.items()):
        initial = keys_initial.get(key)
        if not linearizable(ops, initial):
            problems.append(f"{key}: not linearizable ({len(ops)} operations)")
            windows[key] = smallest_failing_window(ops, initial)
    return problems, windows


def run(seconds: float = 60.0, seed: int = 0, clients: int = 6, out_dir: str = ".", period: float = 10.0,
        think: float = 0.3, keep_history: bool = False, log=print) -> Result:
    rng = random.Random(seed)
    keys = Keys(generations=max(1, math.ceil(seconds / period)), period=period)
    recorder = Recorder()
    plane = ControlPlane().start()
    stop_clients = threading.Event()
    workers: list[Client] = []
    nemesis = Nemesis(plane, rng, lambda: recorder.clock() - started_at)
    problems: list[str] = []
    try:
        plane.wait_for_one_leader(20)
        _set_up(plane, keys, recorder)
        started_at = recorder.clock()
        log(f"cluster up: etcd on {plane.etcd.endpoints}, servers {plane.urls}; {seconds:.0f} s of faults, seed {seed}")
        workers = [Client(p, plane.urls, keys, recorder, seed, stop_clients, started_at, think) for p in range(clients)]
        for worker in workers:
            worker.start()

        # Every kind at least once (the first round), then more rounds while there is time.
        for n, kind in enumerate(schedule(rng, rounds=max(1, math.ceil(seconds / 15)))):
            if n >= len(KINDS) and nemesis.elapsed() >= seconds - 5:
                break
            nemesis.stop.wait(rng.uniform(1.0, 3.0))  # a calm spell between faults
            fault = nemesis.inject(kind)
            log(f"  {fault.began:6.1f} s {fault.kind} {fault.target} ({fault.healed - fault.began:.1f} s)")
            nemesis.settle()
        nemesis.settle()
        # Some traffic on the healed cluster, then the clients stop.
        stop_clients.wait(max(2.0, seconds - nemesis.elapsed()))
        stop_clients.set()
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive() or worker.failure is not None:
                problems.append(f"client {worker.process} did not finish cleanly: {worker.failure!r}")
            problems.extend(worker.errors)

        # Read every key back through every server: the history's last word.
        reader = Client(len(workers), plane.urls, keys, recorder, seed, stop_clients, started_at)
        used = sorted({c.key for c in recorder.calls})
        for server in range(len(plane.urls)):
            for key in used:
                (reader.read_register if key.startswith("reg-") else reader.read_task)(key, server=server)
        problems.extend(f"final read: {e}" for e in reader.errors)

        tasks = _wait_all_running(plane.urls[0])
        nodes = _retrying("GET", plane.urls[0] + "/nodes", (200,)).json()
        problems.extend(placement_problems(tasks, nodes))
        for path in ("/tasks", "/nodes"):
            answers = [(f"server {i}", _retrying("GET", url + path, (200,)).json()) for i, url in enumerate(plane.urls)]
            problems.extend(agreement_problems(answers))
        problems.extend(acknowledged_problems(recorder.calls, {t["id"] for t in tasks}))
    finally:
        stop_clients.set()
        plane.stop()
    problems.extend(f"a server logged a traceback: ...{log_text[log_text.index('Traceback'):][:1500]}"
                    for log_text in plane.server_logs() if "Traceback" in log_text)

    calls = recorder.calls
    initial = {key: INITIAL for key in keys.all_registers()}
    found, windows = check(calls, initial)
    problems.extend(found)
    result = Result(seed, recorder.clock() - started_at, calls, nemesis.faults, problems, windows)
    if problems or keep_history:
        os.makedirs(out_dir, exist_ok=True)
        result.history_path = os.path.join(out_dir, f"faults-history-seed{seed}.jsonl")
        write_jsonl(result.history_path, sorted(calls, key=lambda c: c.invoked))
        if windows:
            write_jsonl(os.path.join(out_dir, f"faults-windows-seed{seed}.jsonl"),
                        [op for window in windows.values() for op in window])
    return result
