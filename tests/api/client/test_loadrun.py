"""The pure parts of a load run: scenario checks, the plan, the settling
rule and wait, the report, the timeline and the progress line."""

from __future__ import annotations

import collections
import dataclasses

import pytest

from actors.domain.models import Node, Task
from actors.scheduling.rules import Placement, place
from api.client import loadplan, loadreport, loadrun
from api.client.loadplan import Scenario
from api.client.loadrun import Create, Outcome, Progress
from api.native.serialize import rfc3339
from api.native.validation import node_spec, task_spec
from tests.helpers import START, FakeClock

# Scenario and arguments.


@pytest.mark.parametrize(
    ("changes", "flag"),
    [
        ({"nodes": 0}, "--nodes"),
        ({"tasks": 0}, "--tasks"),
        ({"rate": -1}, "--rate"),
        ({"rate": float("inf")}, "--rate"),
        ({"clients": 0}, "--clients"),
        ({"fail_nodes": -1}, "--fail-nodes"),
        ({"nodes": 3, "fail_nodes": 3}, "--fail-nodes"),  # no node left to run anything
        ({"duration_range": (2.0, 1.0)}, "--duration-range"),
        ({"duration_range": (-1.0, 1.0)}, "--duration-range"),
        ({"endless": 1.5}, "--endless"),
        ({"timeout": 0}, "--timeout"),
        ({"poll_interval": 0}, "--poll-interval"),
        ({"prefix": "Load"}, "--prefix"),  # upper case
        ({"prefix": "-load"}, "--prefix"),
        ({"prefix": ""}, "--prefix"),
        ({"prefix": "x" * 59, "tasks": 1000}, "--prefix"),  # x...x-t999 is 63 + 1 characters
    ],
)
def test_scenario_problems_name_the_flag(changes, flag):
    problems = Scenario(**changes).problems()
    assert len(problems) == 1 and problems[0].startswith(flag), problems


@pytest.mark.parametrize(
    "changes",
    [{}, {"prefix": "x" * 59, "tasks": 100, "nodes": 100}, {"prefix": "run.7"}, {"nodes": 2, "fail_nodes": 1},
     {"duration_range": (0.0, 0.0), "endless": 1.0, "rate": 50.0}],
)
def test_scenario_without_problems(changes):
    assert Scenario(**changes).problems() == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.05,0.2", (0.05, 0.2)), ("1, 3", (1.0, 3.0)), ("2", (2.0, 2.0)), ("0,0", (0.0, 0.0))],
)
def test_parse_range(text, expected):
    assert loadplan.parse_range(text) == expected


@pytest.mark.parametrize("text", ["", "a,b", "1,2,3", "3,1", "-1,2", "1,inf", "nan,1"])
def test_parse_range_refuses(text):
    with pytest.raises(ValueError):
        loadplan.parse_range(text)


def test_default_prefixes_are_valid_and_differ():
    prefixes = {loadplan.default_prefix() for _ in range(20)}
    assert len(prefixes) > 1
    assert all(Scenario(prefix=p).problems() == [] for p in prefixes)


# The plan.


def test_ids_are_zero_padded_so_they_sort_in_order():
    assert loadplan.node_id("p", 7, 100) == "p-n07"
    assert loadplan.task_id("p", 7, 1000) == "p-t007"
    assert loadplan.task_id("p", 0, 1) == "p-t0"


def test_the_same_scenario_gives_the_same_plan_and_another_seed_another():
    scenario = Scenario(nodes=10, tasks=200, fail_nodes=2)
    assert loadplan.make_plan(scenario) == loadplan.make_plan(scenario)
    assert loadplan.make_plan(scenario).tasks != loadplan.make_plan(dataclasses.replace(scenario, seed=2)).tasks


@pytest.mark.parametrize("fail_nodes", [0, 1, 4])
def test_every_request_passes_the_api_rules_and_every_task_fits_a_node_that_stays(fail_nodes):
    scenario = Scenario(nodes=5, tasks=500, fail_nodes=fail_nodes, duration_range=(0.05, 0.2), prefix="p")
    plan = loadplan.make_plan(scenario)
    assert len(plan.fail) == fail_nodes and len(set(plan.fail)) == fail_nodes
    assert plan.fail_before == (250 if fail_nodes else None)
    nodes = []
    for body in plan.nodes:
        spec = node_spec(body)
        nodes.append(Node(id=spec.id, capacity=spec.capacity, labels=spec.labels, healthy=spec.id not in plan.fail))
    assert len({n.id for n in nodes}) == 5
    ids = set()
    for body in plan.tasks:
        spec = task_spec(body)
        ids.add(spec.id)
        assert 0.05 <= spec.duration <= 0.2
        task = Task(id=spec.id, name=spec.id, resources=spec.resources, node_selector=spec.node_selector)
        assert isinstance(place(task, nodes), Placement), body
    assert len(ids) == 500


def test_the_plan_mixes_sizes_and_selectors():
    plan = loadplan.make_plan(Scenario(nodes=6, tasks=1000))
    sizes = collections.Counter(t["resources"]["cpu"] for t in plan.tasks)
    assert set(sizes) == {100, 500, 2000}
    assert sizes[100] > sizes[500] > sizes[2000]
    selectors = collections.Counter(tuple(sorted(t.get("node_selector", {}))) for t in plan.tasks)
    assert set(selectors) == {(), ("zone",), ("disk",), ("disk", "zone")}
    assert 500 < selectors[()] < 700  # 60% select nothing
    assert len({t["duration"] for t in plan.tasks}) > 100


@pytest.mark.parametrize(("endless", "low", "high"), [(0.0, 1000, 1000), (1.0, 0, 0), (0.25, 700, 800)])
def test_endless_share_of_tasks_gets_no_duration(endless, low, high):
    plan = loadplan.make_plan(Scenario(tasks=1000, endless=endless))
    with_duration = sum(1 for t in plan.tasks if "duration" in t)
    assert low <= with_duration <= high


# Settling.


@pytest.mark.parametrize(
    ("status", "duration", "expected"),
    [
        ("succeeded", 1.0, True),
        ("failed", 1.0, True),
        ("failed", None, True),
        ("running", None, True),  # an endless task: it will not end by itself
        ("running", 1.0, False),
        ("scheduled", None, False),
        ("pending", None, False),
        ("pending", 1.0, False),
    ],
)
def test_settled(status, duration, expected):
    assert loadrun.settled({"status": status, "duration": duration}) is expected


def test_parse_time_reads_the_api_format():
    assert loadrun.parse_time(rfc3339(START + 0.25)) == pytest.approx(START + 0.25)
    assert loadrun.parse_time(None) is None


class FakeServer:
    """``fetch`` for :func:`loadrun.wait_settled`: serves ``states``, a list
    of {id: status} maps, moving to the next one on every sleep."""

    def __init__(self, states, fail_fetches=0) -> None:
        self.states = states
        self.step = 0
        self.fetches: list[str | None] = []
        self.clock = FakeClock()
        self.fail_fetches = fail_fetches

    def fetch(self, status):
        self.fetches.append(status)
        if self.fail_fetches:
            self.fail_fetches -= 1
            return None
        state = self.states[min(self.step, len(self.states) - 1)]
        return [{"id": i, "status": s, "duration": 1.0} for i, s in state.items() if status in (None, s)]

    def sleep(self, seconds):
        self.step += 1
        self.clock.advance(seconds)

    def wait(self, acknowledged, timeout=10.0, interval=0.5, progress=None):
        return loadrun.wait_settled(self.fetch, acknowledged, timeout, interval, self.clock, self.sleep, progress)


def test_wait_polls_open_statuses_until_ours_settle_then_reads_all_once():
    server = FakeServer([
        {"a": "pending", "b": "running", "other": "pending"},
        {"a": "running", "b": "succeeded", "other": "pending"},  # "other" is not ours
        {"a": "failed", "b": "succeeded", "other": "pending"},
    ])
    seen = []
    records, timed_out = server.wait(["a", "b"], progress=lambda n, open_: seen.append((n, dict(open_))))
    assert not timed_out
    assert {i: r["status"] for i, r in records.items()} == {"a": "failed", "b": "succeeded"}
    assert seen == [(0, {"pending": 1, "running": 1}), (1, {"running": 1}), (2, {})]
    assert server.fetches == ["pending", "scheduled", "running"] * 3 + [None]
    assert server.clock() == START + 1.0


def test_wait_keeps_polling_when_the_full_read_finds_a_task_that_moved_back():
    # The open lists missed "a" (its node failed between two requests): the full read catches it.
    server = FakeServer([{"a": "succeeded"}, {"a": "succeeded"}, {"a": "succeeded"}])
    server.fetch = _missing_once(server.fetch, "a", {"id": "a", "status": "pending", "duration": 1.0})
    records, timed_out = server.wait(["a"])
    assert not timed_out and records["a"]["status"] == "succeeded"
    assert server.fetches.count(None) == 2


def _missing_once(fetch, task, record):
    """The first full read shows ``record``; everything else as the server has it."""
    shown = []

    def patched(status):
        found = fetch(status)
        if status is None and not shown:
            shown.append(True)
            return [record if r["id"] == task else r for r in found]
        return found

    return patched


def test_wait_gives_up_at_the_timeout_and_says_so():
    server = FakeServer([{"a": "running", "b": "succeeded"}])
    records, timed_out = server.wait(["a", "b"], timeout=2.0, interval=0.5)
    assert timed_out
    assert records["a"]["status"] == "running"
    assert START + 2.0 <= server.clock() <= START + 2.5


def test_wait_reports_a_missing_task_by_leaving_it_out():
    server = FakeServer([{"b": "succeeded"}])
    records, timed_out = server.wait(["a", "b"])
    assert not timed_out and set(records) == {"b"}


def test_wait_rides_out_failed_polls():
    server = FakeServer([{"a": "succeeded"}], fail_fetches=2)
    records, timed_out = server.wait(["a"])
    assert not timed_out and records["a"]["status"] == "succeeded"


def test_wait_raises_when_the_tasks_cannot_be_read_at_the_end():
    server = FakeServer([{"a": "succeeded"}], fail_fetches=10_000)
    with pytest.raises(loadrun.LoadRunError):
        server.wait(["a"], timeout=1.0)


# The report.


def record(task_id, status="succeeded", created=0.0, scheduled=0.01, started=0.02, finished=1.02, attempts=1,
           duration=1.0):
    """A task record as the API returns it; times in seconds after START."""
    at = lambda s: None if s is None else rfc3339(START + s)  # noqa: E731
    return {"id": task_id, "status": status, "duration": duration, "attempts": attempts, "created_at": at(created),
            "scheduled_at": at(scheduled), "started_at": at(started), "finished_at": at(finished)}


def make_outcome(records, creates=None, requests=None, **changes) -> Outcome:
    scenario = Scenario(nodes=2, tasks=len(creates or records), prefix="p", fail_nodes=1)
    if creates is None:
        creates = [Create(i, task_id, START + i * 0.001 - 0.002, 0.004, 201) for i, task_id in enumerate(records)]
    fields = dict(
        scenario=scenario, url="http://127.0.0.1:1", plan=loadplan.make_plan(scenario), began=START - 1.0,
        submitted=START + 0.5, ended=START + 3.0, creates=creates, records=records,
        requests=collections.Counter(requests or {("POST /tasks", 201): len(creates)}), failed_at=START,
    )
    fields.update(changes)
    return Outcome(**fields)


def test_report_of_a_clean_run():
    records = {f"t{i}": record(f"t{i}", created=i * 0.1, scheduled=i * 0.1 + 0.01 * (i + 1),
                               started=i * 0.1 + 0.02 * (i + 1), finished=i * 0.1 + 1.0)
               for i in range(10)}
    records["t3"]["attempts"] = 2
    report = loadreport.build_report(make_outcome(records))
    assert report["ok"] and report["problems"] == []
    tasks = report["tasks"]
    assert (tasks["submitted"], tasks["acknowledged"], tasks["settled"], tasks["lost"]) == (10, 10, 10, 0)
    assert tasks["by_status"] == {"succeeded": 10}
    assert tasks["rescheduled"] == 1
    latency = report["latency_ms"]
    assert latency["create"] == {"count": 10, "p50": 4.0, "p95": 4.0, "p99": 4.0, "max": 4.0}
    assert latency["to_scheduled"] == {"count": 10, "p50": 50.0, "p95": 100.0, "p99": 100.0, "max": 100.0}
    assert latency["to_running"]["p50"] == 100.0
    assert latency["to_done"]["p99"] == 1000.0
    assert report["errors"] == {}
    assert report["requests"] == {"POST /tasks": {"201": 10}}
    # 10 answers between the first send (-2 ms) and the last answer (+ 11 ms).
    assert report["throughput"]["creates_per_s"] == pytest.approx(10 / 0.013, abs=0.05)
    assert report["throughput"]["done_per_s"] == pytest.approx(10 / 1.9, abs=0.05)
    assert report["failed_nodes"] == ["p-n0"] or report["failed_nodes"] == ["p-n1"]


def test_report_counts_missing_and_unsettled_tasks_as_lost():
    records = {"a": record("a"), "b": record("b", status="running", finished=None)}
    creates = [Create(0, "a", START, 0.001, 201), Create(1, "b", START, 0.001, 201),
               Create(2, "c", START, 0.001, 201), Create(3, "d", START, 0.001, 409)]
    report = loadreport.build_report(make_outcome(
        records, creates, {("POST /tasks", 201): 3, ("POST /tasks", 409): 1}, timed_out=True))
    tasks = report["tasks"]
    assert (tasks["acknowledged"], tasks["settled"], tasks["missing"], tasks["unsettled"], tasks["lost"]) == (
        3, 1, 1, 1, 2)
    assert tasks["lost_ids"] == ["c", "b"]
    assert not report["ok"]
    assert report["problems"] == ["1 acknowledged tasks are gone (404)", "1 tasks had not settled after 300 s"]
    assert report["errors"] == {"409": 1}


@pytest.mark.parametrize(
    ("requests", "ok", "errors"),
    [
        ({("POST /tasks", 201): 1, ("POST /nodes", 409): 2}, True, {"409": 2}),  # a 4xx is reported, not fatal
        ({("POST /tasks", 201): 1, ("GET /tasks", 503): 1}, False, {"503": 1}),
        ({("POST /tasks", 201): 1, ("PUT /nodes/{id}", 0): 1}, False, {"no answer": 1}),
    ],
)
def test_report_fails_on_5xx_and_unanswered_requests(requests, ok, errors):
    report = loadreport.build_report(make_outcome({"a": record("a")}, requests=requests))
    assert report["ok"] is ok
    assert report["errors"] == errors


def test_report_of_endless_tasks_has_no_end_latency_for_them():
    records = {"a": record("a", status="running", finished=None, duration=None), "b": record("b")}
    report = loadreport.build_report(make_outcome(records))
    assert report["ok"]
    assert report["tasks"]["settled"] == 2
    assert report["latency_ms"]["to_done"]["count"] == 1
    assert report["latency_ms"]["to_running"]["count"] == 2


def test_format_report_shows_the_figures():
    records = {"a": record("a", attempts=3), "b": record("b")}
    text = loadreport.format_report(loadreport.build_report(make_outcome(
        records, requests={("POST /tasks", 201): 2, ("GET /tasks", 503): 1})))
    assert "load run p against http://127.0.0.1:1" in text
    assert "2 nodes, 1 failed before task 1; 2 tasks" in text
    assert "2 submitted, 2 acknowledged, 2 settled (2 succeeded), 0 lost" in text
    assert "rescheduled  1 " in text
    assert "to scheduled" in text and "p99" in text
    assert "errors       1 x 503" in text
    assert text.endswith("result       FAILED: 1 requests got a 5xx")


def test_latency_summary_without_values():
    assert loadreport.latency_summary([]) == {"count": 0, "p50": None, "p95": None, "p99": None, "max": None}


# Timeline and progress.


@pytest.mark.parametrize(
    ("span", "expected"),
    [(0.5, 0.1), (6.0, 0.1), (7.0, 0.2), (20.0, 0.5), (60.0, 1.0), (61.0, 2.0), (250.0, 5.0), (3600.0, 100.0)],
)
def test_bin_width_is_round(span, expected):
    assert loadreport.bin_width(span) == pytest.approx(expected)


def test_timeline_bins_events_on_the_client_clock():
    # The server's clock is 10 s ahead: its times are moved back onto the client's.
    records = {
        "a": record("a", created=10.0, scheduled=10.05, started=10.05, finished=11.05),
        "b": record("b", created=10.5, scheduled=10.6, started=10.6, finished=11.6),
    }
    creates = [Create(0, "a", START - 0.001, 0.002, 201), Create(1, "b", START + 0.499, 0.002, 201),
               Create(2, "c", START + 0.499, 0.002, 500)]
    outcome = make_outcome(records, creates, began=START, ended=START + 2.0, failed_at=START + 0.25)
    line = loadreport.timeline(outcome, width=0.5)
    assert line["clock_offset"] == pytest.approx(10.0)
    assert line["time"] == [0.0, 0.5, 1.0, 1.5]
    assert line["creates_per_s"] == [2.0, 2.0, 0.0, 0.0]
    assert line["scheduled_per_s"] == [2.0, 2.0, 0.0, 0.0]
    assert line["done_per_s"] == [0.0, 0.0, 2.0, 2.0]
    assert line["create_p50_ms"][0] == pytest.approx(2.0)
    assert line["to_scheduled_p99_ms"][:2] == [pytest.approx(50.0), pytest.approx(100.0)]
    assert line["create_p50_ms"][2] is None
    assert line["failed_at"] == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("progress", "expected"),
    [
        (Progress("submit", 0, 200, 0.0, 0), "submit [..........] 0/200   0%  errors 0    0.0s"),
        (Progress("submit", 199, 200, 1.25, 3, "900/s"), "submit [#########.] 199/200  99%  900/s  errors 3    1.2s"),
        (Progress("settle", 5, 5, 12.0, 0), "settle [##########] 5/5 100%  errors 0   12.0s"),
        (Progress("nodes", 0, 0, 0.0, 0), "nodes  [##########] 0/0 100%  errors 0    0.0s"),
    ],
)
def test_progress_line(progress, expected):
    assert loadrun.progress_line(progress, width=10) == expected


def test_plot_writes_a_png(tmp_path):
    from api.client.loadplot import (
        plot,  # matplotlib is in the test extra so that this runs everywhere
    )

    records = {f"t{i}": record(f"t{i}", created=i * 0.1, scheduled=i * 0.1 + 0.01, started=i * 0.1 + 0.01,
                               finished=i * 0.1 + 1.0) for i in range(20)}
    path = tmp_path / "run.png"
    plot(make_outcome(records, began=START - 0.1, ended=START + 4.0), str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
