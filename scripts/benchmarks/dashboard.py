"""The web dashboard in headless Chromium at 5,000 nodes and 50,000 tasks (issue #16).

A real ``orchestrator serve`` process (memory store) gets a busy cluster over
HTTP (:func:`fill`: 3 zones, a node in 10 with 4 GPUs, tasks of four sizes and
some GPU shares, a few that fit nowhere, a failed node and a cordoned one).
Then Debian's Chromium, driven by Selenium (nothing downloaded), opens
``/ui`` at 1280x800 and the page reports what it did on
``window.__dashboardStats.snapshot()``:

- first paint: milliseconds from navigation start to the end of the first
  frame that drew every node on the map (``firstPaintMs``; the browser's own
  first-contentful-paint too), and until the task list was in;
- keeping up: tasks are created through the API at 1,000 a second for 10 s
  (batches of 50 every 50 ms, each task lasting 3 s, so every task makes
  Created, Scheduled, Started and Succeeded events: about 3,000 events a
  second while it lasts); for each event the page draws, the lag from the
  event's time (the server's clock, same machine) to the end of the frame
  that applied and drew it; and how long after the burst the page had drawn
  the last event;
- ``GET /tasks/{id}/placement`` at 5,000 nodes from a plain client, one
  request at a time: pending tasks and placed ones (computed now: the fill
  places tasks in batches larger than the scheduler records), and a search
  by node name; the first call apart (p50 and p99 are of the others).

Checks: the map drew every node, the page drew every event of the burst,
the placement answers were 200 with every node accounted for, and the
browser's console logged no error. Quick: 200 nodes, 2,000 tasks, 2 s of
events. :func:`fill` and :func:`browser` also serve
``scripts/dashboard_screenshot.py``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
import urllib.request
from typing import Any

from api.client.loadgen import Client, Pacer, ServerProcess, percentile, run_clients

FULL = (5_000, 50_000, 10.0)  # nodes, tasks, seconds of events
QUICK = (200, 2_000, 2.0)
RATE = 1_000  # tasks created per second during the burst
BATCH = 50
BURST_DURATION = 3.0  # seconds each burst task runs
ZONES = ("a", "b", "c")
GPU_EVERY = 10  # one node in this many has GPUs
GPU_PRODUCTS = ("NVIDIA-A100", "Tesla-T4")
NODE_SIZES = ((4_000, 8_192), (8_000, 16_384), (16_000, 32_768), (32_000, 65_536))
TASK_SIZES = ((100, 128), (250, 512), (500, 1_024), (1_000, 2_048))
WIDTH, HEIGHT = 1280, 800
TARGET_FIRST_PAINT_MS = 3_000
TARGET_LAG_P99_MS = 1_000
TARGET_PLACEMENT_P99_MS = 250


def chromium_paths() -> tuple[str, str]:
    """(browser, driver): $CHROMIUM_BINARY and $CHROMEDRIVER_BINARY, else
    Debian's (scripts/_chromium.sh installs them)."""
    binary = os.environ.get("CHROMIUM_BINARY") or shutil.which("chromium") or "/usr/bin/chromium"
    driver = os.environ.get("CHROMEDRIVER_BINARY") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
    for path, package in ((binary, "chromium"), (driver, "chromium-driver")):
        if not os.path.exists(path):
            raise RuntimeError(f"{path} is missing: install Debian's {package} (scripts/_chromium.sh does)")
    return binary, driver


def browser(width: int = WIDTH, height: int = HEIGHT) -> Any:
    """Headless Chromium through Selenium, its console log kept (read it with
    ``driver.get_log("browser")``). Selenium Manager downloads nothing: the
    driver's path and the browser's are given."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-extensions", "--hide-scrollbars", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    # --window-size is the window's: make the page's viewport exactly width x height.
    chrome.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    return chrome


def console_errors(driver: Any) -> list[str]:
    """The SEVERE entries of the browser's console since the last call."""
    return [entry["message"] for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


def node_body(i: int, real: bool = False) -> dict[str, Any]:
    cpu, memory = NODE_SIZES[(i * 7) % len(NODE_SIZES)]
    body: dict[str, Any] = {"id": f"node-{i:05d}", "capacity": {"cpu": cpu, "memory": memory},
                            "labels": {"zone": ZONES[i % len(ZONES)]}}
    if i % GPU_EVERY == GPU_EVERY - 1:
        body["capacity"]["gpu"] = 4
        body["labels"]["nvidia.com/gpu.product"] = GPU_PRODUCTS[(i // GPU_EVERY) % len(GPU_PRODUCTS)]
    if real:
        body["simulated"] = False
    return body


def task_body(i: int, prefix: str = "task", duration: float | None = None) -> dict[str, Any]:
    """Four sizes; one in 40 a GPU share or a whole GPU of a model; one in 250
    too big for any node; one in 400 selecting a label no node has."""
    cpu, memory = TASK_SIZES[(i * 3) % len(TASK_SIZES)]
    body: dict[str, Any] = {"id": f"{prefix}-{i:06d}", "resources": {"cpu": cpu, "memory": memory}}
    if i % 250 == 125:
        body["resources"]["cpu"] = 48_000
    elif i % 400 == 201:
        body["node_selector"] = {"disk": "nvme"}
    elif i % 40 == 7:
        body["resources"]["gpu"] = 0.5 if i % 80 == 7 else 1
        body["node_affinity"] = [[{"key": "nvidia.com/gpu.product", "operator": "In",
                                   "values": [GPU_PRODUCTS[(i // 40) % 2]]}]]
    if duration is not None:
        body["duration"] = duration
    return body


def fill(url: str, nodes: int, tasks: int, *, clients: int = 8, real_nodes: int = 0,
         deployment: int = 0) -> dict[str, Any]:
    """Register ``nodes`` and submit ``tasks`` (in batches of 1,000) through
    the API, then fail node 1 and cordon node 2; ``real_nodes`` of the first
    nodes are real (they will turn unhealthy without heartbeats after the
    node timeout); ``deployment`` replicas of a deployment "web".
    Returns the ids worth looking at."""
    def register(client: Client) -> None:
        while (i := pacer.claim()) is not None:
            status, body = client.request("POST", "/nodes", node_body(i, real=i >= 3 and i < 3 + real_nodes))
            if status != 201:
                raise RuntimeError(f"POST /nodes: {status} {body}")

    pacer = Pacer(nodes)
    run_clients(url, clients, register)
    batches = Pacer((tasks + 999) // 1000)

    def submit(client: Client) -> None:
        while (b := batches.claim()) is not None:
            items = [task_body(i) for i in range(b * 1000, min(tasks, (b + 1) * 1000))]
            status, body = client.request("POST", "/tasks", items)
            if status != 201:
                raise RuntimeError(f"POST /tasks: {status} {str(body)[:300]}")

    run_clients(url, min(clients, 4), submit)
    client = Client(url)
    try:
        for node, change in (("node-00001", {"healthy": False}), ("node-00002", {"schedulable": False})):
            status, body = client.request("PUT", f"/nodes/{node}", change)
            if status != 200:
                raise RuntimeError(f"PUT /nodes/{node}: {status} {body}")
        if deployment:
            status, body = client.request("POST", "/deployments", {
                "id": "web", "replicas": deployment,
                "template": {"resources": {"cpu": "250m", "memory": "256Mi"}, "labels": {"app": "web"}}})
            if status != 201:
                raise RuntimeError(f"POST /deployments: {status} {body}")
    finally:
        client.close()
    return {"failed": "node-00001", "cordoned": "node-00002", "too_big": "task-000125",
            "placed": "task-000000"}


def settle(url: str, timeout: float = 120.0) -> int:
    """Wait until the scheduler is through the backlog (the pending and
    scheduled counts hold still for a second); the number still pending."""
    client = Client(url)
    try:
        last, since = None, time.monotonic()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, text = client.request("GET", "/metrics")
            pending = scheduled = 0
            for line in str(text).splitlines():
                if line.startswith('orchestrator_tasks{status="pending"}'):
                    pending = int(float(line.split()[-1]))
                elif line.startswith('orchestrator_tasks{status="scheduled"}'):
                    scheduled = int(float(line.split()[-1]))
            if (pending, scheduled) != last:
                last, since = (pending, scheduled), time.monotonic()
            elif time.monotonic() - since >= 1.0:  # (tasks on a real node stay scheduled)
                return pending
            time.sleep(0.2)
        return last[0] if last else -1
    finally:
        client.close()


def head_seq(url: str) -> int:
    """The newest event's seq: the X-Last-Seq header of a list that starts
    past it (one from 0 is a 410 once the oldest events were dropped)."""
    with urllib.request.urlopen(f"{url}/events?since=999999999999999&limit=1", timeout=30) as response:
        return int(response.headers.get("X-Last-Seq") or 0)


def snapshot(driver: Any) -> dict[str, Any]:
    return driver.execute_script("return window.__dashboardStats ? window.__dashboardStats.snapshot() : null;")


def open_dashboard(driver: Any, url: str, timeout: float = 120.0) -> dict[str, Any]:
    """Load /ui and wait until the map and the task list are in; the page's snapshot."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{url}/ui")
    WebDriverWait(driver, timeout, poll_frequency=0.1).until(
        lambda d: (s := snapshot(d)) and s["firstPaintMs"] is not None and s["tasksLoadedMs"] is not None)
    return snapshot(driver)


def burst(url: str, seconds: float, rate: int = RATE, prefix: str = "burst") -> int:
    """Create ``rate`` tasks a second for ``seconds`` (batches of :data:`BATCH`); the tasks created."""
    count = int(rate * seconds) // BATCH
    pacer = Pacer(count, rate / BATCH)
    failures: list[str] = []

    def send(client: Client) -> None:
        while (b := pacer.claim()) is not None:
            items = [task_body(b * BATCH + i, prefix, BURST_DURATION) for i in range(BATCH)]
            status, body = client.request("POST", "/tasks", items)
            if status != 201:
                failures.append(f"{status} {str(body)[:200]}")

    run_clients(url, 4, send)
    if failures:
        raise RuntimeError(f"{len(failures)} batches refused, e.g. {failures[0]}")
    return count * BATCH


def placement_latency(url: str, ids: list[str], search: str | None = None) -> tuple[list[float], bool]:
    """Milliseconds of each GET /tasks/{id}/placement, in order, and whether
    every answer was a 200 that accounts for every node."""
    client = Client(url)
    times, good = [], True
    try:
        for task_id in ids:
            path = f"/tasks/{task_id}/placement?limit=20" + (f"&node={search}" if search else "")
            began = time.perf_counter()
            status, body = client.request("GET", path)
            times.append((time.perf_counter() - began) * 1000)
            if status != 200 or not isinstance(body, dict):
                good = False
                continue
            counts = body["nodes"]
            good = good and counts["feasible"] + counts["rejected"] == counts["total"]
    finally:
        client.close()
    return times, good


def run(quick: bool) -> dict[str, Any]:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    node_count, task_count, seconds = QUICK if quick else FULL
    figures: dict[str, Any] = {}
    checks: dict[str, bool] = {}
    with ServerProcess("--store", "memory") as server:
        url = server.url
        began = time.perf_counter()
        fill(url, node_count, task_count)
        still_pending = settle(url)
        figures["fill (s)"] = round(time.perf_counter() - began, 1)
        figures["tasks pending after fill"] = still_pending

        driver = browser()
        try:
            stats = open_dashboard(driver, url)
            paint = driver.execute_script(
                "const e = performance.getEntriesByName('first-contentful-paint')[0]; return e ? e.startTime : null;")
            figures["first paint, every node drawn (ms)"] = round(stats["firstPaintMs"])
            figures["first contentful paint (ms)"] = round(paint) if paint is not None else -1
            figures["tasks loaded (ms)"] = round(stats["tasksLoadedMs"])
            figures["full map draw (ms)"] = round(stats["mapLastFullMs"], 1)
            checks["the map drew every node"] = stats["nodesDrawn"] == node_count
            checks["the page holds every task"] = stats["tasks"] == task_count

            WebDriverWait(driver, 30, poll_frequency=0.1).until(lambda d: snapshot(d)["stream"] == "live")
            driver.execute_script("window.__dashboardStats.resetLag();")
            before = head_seq(url)
            began = time.perf_counter()
            created = burst(url, seconds)
            burst_seconds = time.perf_counter() - began
            after = head_seq(url)
            ended = time.perf_counter()
            caught_up = True
            try:
                WebDriverWait(driver, 60, poll_frequency=0.05).until(lambda d: snapshot(d)["lastSeq"] >= after)
            except TimeoutException:
                caught_up = False
            catch_up = time.perf_counter() - ended
            stats = snapshot(driver)
            figures["tasks created/s"] = round(created / burst_seconds)
            figures["events/s during the burst"] = round((after - before) / burst_seconds)
            figures["event lag p50 (ms)"] = round(stats["lagP50Ms"] or 0)
            figures["event lag p95 (ms)"] = round(stats["lagP95Ms"] or 0)
            figures["event lag p99 (ms)"] = round(stats["lagP99Ms"] or 0)
            figures["event lag max (ms)"] = round(stats["lagMaxMs"] or 0)
            figures["frame p95 (ms)"] = round(stats["frameP95Ms"] or 0, 1)
            figures["longest frame (ms)"] = round(stats["longestFrameMs"] or 0)
            figures["caught up after the burst (s)"] = round(catch_up, 2)
            figures["task list reads during the burst"] = stats["refreshes"]["tasks"]["count"] - 1
            checks["the page drew every event of the burst"] = caught_up
            errors = console_errors(driver)
            for message in errors[:5]:
                print(f"dashboard: console: {message}", flush=True)
            checks["no error in the browser console"] = not errors
        finally:
            driver.quit()

        pending = [task_body(i)["id"] for i in range(task_count) if i % 250 == 125][:25]
        placed = [f"task-{i:06d}" for i in range(0, task_count, max(1, task_count // 50))
                  if i % 250 != 125 and i % 400 != 201 and i % 40 != 7][:50]
        times, good_pending = placement_latency(url, pending)
        placed_times, good_placed = placement_latency(url, placed)
        search_times, good_search = placement_latency(url, placed[:20], search="node-001")
        every = sorted(times[1:] + placed_times)
        figures["placement, first call (ms)"] = round(times[0], 1)
        figures["placement p50 (ms)"] = round(statistics.median(every), 1)
        figures["placement p99 (ms)"] = round(percentile(every, 99), 1)
        figures["placement, pending task p50 (ms)"] = round(statistics.median(times), 1)
        figures["placement, with node search p50 (ms)"] = round(statistics.median(search_times), 1)
        checks["placement answers account for every node"] = good_pending and good_placed and good_search

    slow = (figures["first paint, every node drawn (ms)"] > TARGET_FIRST_PAINT_MS
            or figures["event lag p99 (ms)"] > TARGET_LAG_P99_MS
            or figures["placement p99 (ms)"] > TARGET_PLACEMENT_P99_MS)
    return {
        "figures": figures,
        "checks": checks,
        "target": (f"first paint <= {TARGET_FIRST_PAINT_MS:,} ms, event lag p99 <= {TARGET_LAG_P99_MS:,} ms at "
                   f"{RATE:,} creates/s, placement p99 <= {TARGET_PLACEMENT_P99_MS} ms"),
        "met": None if quick else not slow,
        "setup": (f"{node_count:,} nodes (3 zones, 1 in {GPU_EVERY} with 4 GPUs), {task_count:,} tasks, then "
                  f"{RATE:,} creates/s for {seconds:g} s; orchestrator serve (memory store) and headless Chromium "
                  f"{WIDTH}x{HEIGHT} on this machine"),
    }
