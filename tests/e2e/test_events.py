"""Events, watches and metrics against a real server."""

from __future__ import annotations

import json
import time

import requests

from tests.e2e.watch import Watch


def post(cluster, path, body):
    response = cluster.post(path, body)
    assert response.status_code == 201, response.text
    return response.json()


def reasons(cluster, **params):
    return [(e["object"], e["reason"]) for e in cluster.get("/events", params=params).json()]


def test_a_scripted_scenario_tells_its_story(cluster):
    post(cluster, "/nodes", {"id": "a", "capacity": {"cpu": 1000}})
    post(cluster, "/tasks", {"id": "t1", "resources": {"cpu": 600}, "duration": 0.1})
    post(cluster, "/tasks", {"id": "t2", "resources": {"cpu": 600}})
    cluster.wait_for_status("t1", "succeeded")
    cluster.wait_for_status("t2", "running")
    cluster.put("/nodes/a", {"healthy": False})
    cluster.wait_until(lambda: cluster.task("t2")["status"] == "pending")
    assert reasons(cluster, object="t1") == [
        ("t1", "Created"), ("t1", "Scheduled"), ("t1", "Started"), ("t1", "Succeeded"),
    ]
    story = reasons(cluster, object="t2")
    assert story[:2] == [("t2", "Created"), ("t2", "FailedScheduling")]
    assert story[2:5] == [("t2", "Scheduled"), ("t2", "Started"), ("t2", "Rescheduled")]
    assert reasons(cluster, kind="node") == [("a", "Registered"), ("a", "Unhealthy")]
    events = cluster.get("/events").json()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    failed = next(e for e in events if e["reason"] == "FailedScheduling")
    assert failed["message"] == "0/1 nodes are available: 1 Insufficient cpu."
    assert failed["kind"] == "task" and failed["time"].endswith("Z")


def read_sse(response, count):
    """The first ``count`` events of a stream: (seq, event dict)."""
    got = []
    for line in response.iter_lines(decode_unicode=True):
        if line.startswith("data: "):
            event = json.loads(line[len("data: "):])
            got.append(event)
            if len(got) == count:
                return got
    raise AssertionError(f"stream ended after {len(got)} events")


def test_a_watch_resumes_without_missing_or_repeating(cluster):
    for i in range(3):
        post(cluster, "/nodes", {"id": f"n{i}"})
    with cluster.http.get(cluster.url + "/events", params={"watch": "true"}, stream=True, timeout=10) as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        first = read_sse(stream, 2)
    assert [e["seq"] for e in first] == [1, 2]
    for i in range(3, 5):
        post(cluster, "/nodes", {"id": f"n{i}"})
    with cluster.http.get(cluster.url + "/events", params={"watch": "true", "since": first[-1]["seq"]},
                          stream=True, timeout=10) as stream:
        rest = read_sse(stream, 3)
    assert [e["seq"] for e in rest] == [3, 4, 5]
    assert [e["object"] for e in first + rest] == [f"n{i}" for i in range(5)]
    with cluster.http.get(cluster.url + "/events", params={"watch": "true"}, headers={"Last-Event-ID": "4"},
                          stream=True, timeout=10) as stream:
        assert [e["seq"] for e in read_sse(stream, 1)] == [5]


def test_a_watch_sees_events_as_they_happen(cluster):
    with cluster.http.get(cluster.url + "/events", params={"watch": "true", "kind": "task"},
                          stream=True, timeout=10) as stream:
        post(cluster, "/nodes", {"id": "n1"})
        post(cluster, "/tasks", {"id": "t1"})
        assert [e["reason"] for e in read_sse(stream, 3)] == ["Created", "Scheduled", "Started"]


def test_a_start_no_longer_kept_is_410(cluster_factory):
    cluster = cluster_factory(reconcile_interval=3600.0, event_capacity=3)
    for i in range(6):
        post(cluster, "/nodes", {"id": f"n{i}"})
    for params in ({"since": 1}, {"since": 1, "watch": "true"}):
        gone = cluster.get("/events", params=params)
        assert gone.status_code == 410
        assert "oldest kept is 4" in gone.json()["description"]
    assert [e["seq"] for e in cluster.get("/events", params={"since": 3}).json()] == [4, 5, 6]


def test_watches_are_capped_and_the_api_stays_available(cluster):
    # The e2e server allows 3 watches on 8 threads.
    streams = [requests.get(cluster.url + "/events", params={"watch": "true"}, stream=True, timeout=10)
               for _ in range(3)]
    try:
        third = requests.get(cluster.url + "/events", params={"watch": "true"}, timeout=10)
        assert third.status_code == 503 and third.headers["Retry-After"] == "5"
        assert cluster.get("/health").status_code == 200
        assert cluster.post("/nodes", {"id": "n1"}).status_code == 201
    finally:
        for stream in streams:
            stream.close()


def test_open_watches_end_when_the_server_stops(cluster_factory):
    """At once: well within a second (measured: a few ms), where a watch
    left to notice by itself would wait up to the 5 s keep-alive period."""
    cluster = cluster_factory(reconcile_interval=3600.0)
    watch = Watch(cluster.url)
    assert watch.opened.wait(timeout=10), watch.lines
    post(cluster, "/nodes", {"id": "n1"})
    assert watch.got_event.wait(timeout=10), watch.lines  # the stop must not overtake the event's delivery
    stopping = time.monotonic()
    cluster.server.stop(timeout=5)
    assert watch.ended.wait(timeout=10)
    watch.join()
    assert watch.ended_at - stopping < 1.0, f"the watch ended {watch.ended_at - stopping:.3f} s after the stop"
    assert any(line.startswith("data:") and '"n1"' in line for line in watch.lines), watch.lines


def test_bad_event_queries_are_400(cluster):
    for params in ({"since": "-1"}, {"since": "x"}, {"kind": "pod"}, {"limit": "0"}, {"watch": "maybe"}):
        response = cluster.get("/events", params=params)
        assert response.status_code == 400, params
        assert response.json()["description"]


def metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{") and line.split(" ")[0] == name:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in metrics")


def test_metrics_move_with_the_cluster(cluster):
    before = cluster.get("/metrics")
    assert before.headers["Content-Type"].startswith("text/plain")
    assert metric(before.text, "orchestrator_scheduling_attempts_total") == 0
    post(cluster, "/nodes", {"id": "n1", "capacity": {"cpu": 1000}})
    post(cluster, "/tasks", {"id": "t1", "resources": {"cpu": 500}})
    post(cluster, "/tasks", {"id": "t2", "resources": {"cpu": 5000}})
    cluster.wait_for_status("t1", "running")
    cluster.wait_until(lambda: cluster.task("t2")["message"] != "")
    text = cluster.get("/metrics").text
    assert metric(text, 'orchestrator_tasks{status="running"}') == 1
    assert metric(text, 'orchestrator_tasks{status="pending"}') == 1
    assert metric(text, 'orchestrator_nodes{health="healthy"}') == 1
    assert metric(text, "orchestrator_scheduling_attempts_total") >= 2
    assert metric(text, "orchestrator_scheduling_failures_total") >= 1
    assert metric(text, "orchestrator_task_create_to_scheduled_seconds_count") == 1
    assert metric(text, "orchestrator_reconcile_duration_seconds_count") >= 1
    assert metric(text, 'orchestrator_http_request_duration_seconds_count{method="POST",route="/tasks",status="201"}') == 2
    cluster.put("/nodes/n1", {"healthy": False})
    cluster.wait_until(lambda: 'orchestrator_nodes{health="unhealthy"} 1.0' in cluster.get("/metrics").text)


def test_metrics_show_the_clusters_gpus_and_what_each_device_holds(cluster):
    post(cluster, "/nodes", {"id": "g", "capacity": {"gpu": 2}})
    post(cluster, "/nodes", {"id": "cpu"})
    post(cluster, "/tasks", {"id": "half", "resources": {"gpu": 0.5}})
    cluster.wait_for_status("half", "running")
    text = cluster.get("/metrics").text
    assert metric(text, 'orchestrator_gpus{state="capacity"}') == 2
    assert metric(text, 'orchestrator_gpus{state="allocated"}') == 0.5
    assert metric(text, 'orchestrator_gpu_device_allocated{device="0",node="g"}') == 0.5
    assert metric(text, 'orchestrator_gpu_device_allocated{device="1",node="g"}') == 0
    assert 'node="cpu"' not in text
