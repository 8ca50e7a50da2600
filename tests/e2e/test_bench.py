"""``scripts/bench.py``: the CI smoke test (every scenario, quick) and the
runner's behaviour with scenarios that pass, fail, crash, hang or are missing."""

from __future__ import annotations

import collections
import json
import os
import random
import subprocess
import sys
import textwrap
import time

import pytest

from api.client.benchrun import KNOWN
from tests.e2e.processes import ROOT

SCRIPT = os.path.join(ROOT, "scripts", "bench.py")
MY_SCENARIOS = ("scheduling", "latency", "memory")


def bench(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def squeezed(text: str) -> list[str]:
    """The lines of a table with each run of spaces made one."""
    return [" ".join(line.split()) for line in text.splitlines()]


@pytest.mark.long
@pytest.mark.timeout(150)
def test_the_quick_run_passes_every_check_within_a_minute(tmp_path):
    out = tmp_path / "bench.json"
    began = time.monotonic()
    result = bench("--quick", "--json", str(out), timeout=120)
    seconds = time.monotonic() - began
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(out.read_text())
    assert report["quick"] is True and report["ok"] is True
    assert {"cpu", "cores", "python", "date"} <= set(report["machine"])
    assert list(report["scenarios"])[:len(KNOWN)] == list(KNOWN)
    for name, scenario in report["scenarios"].items():
        written = os.path.exists(os.path.join(ROOT, "scripts", "benchmarks", f"{name}.py"))
        if not written:  # written in parallel by others: reported, not a failure
            assert scenario["status"] == "missing", name
            continue
        assert scenario["status"] == "ok", (name, scenario)
        assert scenario["checks"] and all(scenario["checks"].values()), (name, scenario["checks"])
        assert scenario["figures"], name
        assert name in result.stdout
    for name in MY_SCENARIOS:
        assert report["scenarios"][name]["status"] == "ok"
    assert report["scenarios"]["scheduling"]["figures"]["spread: placed"] > 0
    assert report["scenarios"]["memory"]["figures"]["bytes per task"] > 0
    assert report["scenarios"]["kube"]["figures"]["list: pages"] > 0
    http, batch = report["scenarios"]["http"], report["scenarios"]["batch"]
    for store in ("bare", "memory", "sqlite"):
        assert http["figures"][f"{store}: requests/s"] > 0 and http["figures"][f"{store}: p99 (ms)"] > 0
    assert {"memory: share of bare", "sqlite: share of bare"} <= set(http["figures"])
    assert batch["figures"]["memory: tasks/s"] > 0 and batch["figures"]["sqlite: tasks/s"] > 0
    for scenario in report["scenarios"].values():  # one table row a figure
        assert all(isinstance(v, (int, float)) for v in scenario["figures"].values()), scenario["figures"]
        assert scenario["met"] is None  # a quick run measures nothing worth a verdict
    assert "result: ok" in result.stdout
    assert seconds < 60, f"the quick run took {seconds:.0f} s; CI allows a minute"


FAKES = {
    "good": """
        \"\"\"Passes its checks, misses its target.\"\"\"
        def run(quick):
            return {"figures": {"rate": 5 if quick else 50}, "checks": {"right": True},
                    "target": ">= 100", "met": False}
    """,
    "bad": """
        def run(quick):
            return {"figures": {"rate": 1}, "checks": {"right": True, "counts add up": False}}
    """,
    "boom": """
        def run(quick):
            raise RuntimeError("the cluster caught fire")
    """,
    "shape": """
        def run(quick):
            return {"figures": {}, "checks": {"right": "yes"}}
    """,
    "hang": """
        import threading
        def run(quick):
            threading.Event().wait()
    """,
    "_helper": """
        raise SystemExit("a module starting with _ is not a scenario and is never imported")
    """,
}


@pytest.fixture
def fakes(tmp_path):
    package = tmp_path / "fakebench"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, source in FAKES.items():
        (package / f"{name}.py").write_text(textwrap.dedent(source))
    return {"PYTHONPATH": str(tmp_path)}


def fake_bench(env, *args, tmp_path):
    out = tmp_path / "out.json"
    result = bench("--package", "fakebench", "--json", str(out), *args, env=env)
    return result, json.loads(out.read_text())


def test_a_missed_target_and_a_missing_scenario_do_not_fail_the_run(fakes, tmp_path):
    result, report = fake_bench(fakes, "--scenario", "good", "--scenario", "http", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(report["scenarios"]) == ["http", "good"]
    assert report["scenarios"]["http"] == {"status": "missing", "error": "fakebench/http.py is not there (yet)"}
    good = report["scenarios"]["good"]
    assert good["status"] == "ok" and good["met"] is False
    assert (good["figures"], good["checks"]) == ({"rate": 50}, {"right": True})
    assert "good rate 50 >= 100 NO" in squeezed(result.stdout)
    assert "http      (missing: fakebench/http.py is not there (yet))" in result.stdout


def test_quick_is_passed_on_to_the_scenario(fakes, tmp_path):
    result, report = fake_bench(fakes, "--scenario", "good", "--quick", tmp_path=tmp_path)
    assert result.returncode == 0 and report["quick"] is True
    assert report["scenarios"]["good"]["figures"] == {"rate": 5}


def test_failed_checks_and_broken_scenarios_fail_the_run_and_the_others_still_run(fakes, tmp_path):
    names = ("bad", "boom", "shape", "good")
    result, report = fake_bench(fakes, *(f"--scenario={n}" for n in names), tmp_path=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    scenarios = report["scenarios"]
    assert report["ok"] is False and list(scenarios) == ["bad", "boom", "good", "shape"]
    assert {n: s["status"] for n, s in scenarios.items()} == {
        "bad": "failed", "boom": "error", "good": "ok", "shape": "error"}
    assert scenarios["bad"]["checks"] == {"right": True, "counts add up": False}
    assert "checks 1/2 passed; FAILED: counts add up" in squeezed(result.stdout)
    assert scenarios["boom"]["error"] == "RuntimeError: the cluster caught fire"
    assert "Traceback" in scenarios["boom"]["log"]  # the child's output, to find out why
    assert scenarios["shape"]["error"] == "check 'right' is 'yes', not true or false"
    assert "result: FAILED" in result.stdout


def test_a_scenario_that_hangs_is_stopped_after_the_timeout(fakes, tmp_path):
    result, report = fake_bench(fakes, "--scenario", "hang", "--timeout", "1", tmp_path=tmp_path)
    assert result.returncode == 1
    assert report["scenarios"]["hang"]["status"] == "error"
    assert report["scenarios"]["hang"]["error"] == "did not finish within 1 s"
    assert report["scenarios"]["hang"]["seconds"] < 10


def test_list_names_every_scenario_from_its_docstring(fakes):
    result = bench("--package", "fakebench", "--list", env=fakes)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["scheduling", "(missing:", "not", "written", "yet)"]
    assert "good         Passes its checks, misses its target." in lines
    assert not any(line.startswith("_helper") for line in lines)


def test_an_unknown_scenario_is_a_usage_error(fakes):
    result = bench("--package", "fakebench", "--scenario", "nope", env=fakes)
    assert result.returncode == 2
    assert "no scenario 'nope'; choose from scheduling, http, batch, latency, memory, bad, boom" in result.stderr


# The scenarios' own parts, without running them at size.


def test_the_scheduling_workload_mixes_sizes_labels_and_selectors():
    from scripts.benchmarks import scheduling

    nodes = scheduling.make_nodes(5_000, now=0.0)
    assert len({n.id for n in nodes}) == 5_000
    assert {(n.capacity.cpu, n.capacity.memory) for n in nodes} == {(c, m) for c, m, _ in scheduling.NODE_SIZES}
    assert {(n.labels["zone"], n.labels["disk"]) for n in nodes} == {
        (z, d) for z in scheduling.ZONES for d in ("ssd", "hdd")}
    tasks = scheduling.make_tasks(100_000, now=0.0)
    assert {(t.resources.cpu, t.resources.memory) for t in tasks} == {(c, m) for c, m, _ in scheduling.TASK_SIZES}
    impossible = [t for t in tasks if t.node_selector == scheduling.IMPOSSIBLE]
    assert len(impossible) == 10
    selecting = [t for t in tasks if t.node_selector]
    assert 0.19 < len(selecting) / len(tasks) < 0.21  # a fifth
    labels = {(k, v) for n in nodes for k, v in n.labels.items()}
    assert all(set(t.node_selector.items()) <= labels for t in selecting if t not in impossible)
    assert len(scheduling.make_tasks(4_000, now=0.0)) == 4_000
    assert sum(t.node_selector == scheduling.IMPOSSIBLE for t in scheduling.make_tasks(4_000, now=0.0)) == 1


def test_the_memory_scenarios_page_checks_catch_a_page_that_skips_a_task():
    from actors.datastore import Datastore
    from actors.store.ops import Create, Delete
    from scripts.benchmarks import memory

    store = Datastore()
    store.commit([Create(memory.make_node(i, 0.0)) for i in range(300)])
    store.commit([Create(memory.make_task(i, 300, random.Random(1), 0.0)) for i in range(1_000)])
    assert all(memory.page_checks(store, 300, 1_000).values())
    store.commit([Delete("task", "task-" + format(503, "016x"))])  # in the page after the middle task
    checks = memory.page_checks(store, 300, 1_000)
    assert not checks["a page after a task is the next 100"]
    assert checks["the first page is the first 100"]


def test_the_memory_scenarios_mix_of_statuses():
    from scripts.benchmarks import memory

    counts = collections.Counter(memory.status_of(i).value for i in range(1_000))
    assert counts == {"succeeded": 600, "failed": 100, "running": 200, "pending": 100}
