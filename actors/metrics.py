"""The control plane's Prometheus metrics, in a registry of their own.

Each control plane gets its own ``CollectorRegistry`` (a metric registered
twice in one registry raises, and tests start many control planes).
Counters and histograms are updated where things happen (the controller, the
HTTP middleware); gauges of tasks by status and nodes by health are read from
the datastore's running counts at scrape time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.scheduling_attempts = Counter(
            "orchestrator_scheduling_attempts", "Placement decisions made for pending tasks", registry=r
        )
        self.scheduling_failures = Counter(
            "orchestrator_scheduling_failures", "Placement decisions that found no node with room", registry=r
        )
        self.scheduling_duration = Histogram(
            "orchestrator_scheduling_duration_seconds",
            "Time the scheduler took to decide, per task (a batch's time over its size)",
            buckets=(0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.1),
            registry=r,
        )
        self.create_to_scheduled = Histogram(
            "orchestrator_task_create_to_scheduled_seconds",
            "From a task's creation to its binding to a node (first placement only)",
            buckets=LATENCY_BUCKETS, registry=r,
        )
        self.reconcile_duration = Histogram(
            "orchestrator_reconcile_duration_seconds", "Time one reconcile took", buckets=LATENCY_BUCKETS, registry=r
        )
        self.actor_restarts = Counter(
            "orchestrator_actor_restarts", "Actors the supervisor restarted after a crash", ["actor"], registry=r
        )
        self.http_duration = Histogram(
            "orchestrator_http_request_duration_seconds",
            "HTTP request latency by route template, method and status code",
            ["route", "method", "status"], buckets=LATENCY_BUCKETS, registry=r,
        )

    @staticmethod
    def observe_many(histogram: Histogram, value: float, count: int) -> None:
        """``histogram.observe(value)`` ``count`` times, at the cost of one:
        the scheduler times a batch and gives each task its share."""
        if count <= 0:
            return
        for bucket, bound in zip(histogram._buckets, histogram._upper_bounds):
            if value <= bound:
                bucket.inc(count)
                break
        histogram._sum.inc(value * count)

    def watch_counts(self, counts: Callable[[], dict[str, Any]]) -> None:
        """Read tasks by status, nodes by health and GPU use from ``counts``
        at scrape."""
        self.registry.register(_Counts(counts))


class _Counts(Collector):
    def __init__(self, counts: Callable[[], dict[str, Any]]) -> None:
        self._counts = counts

    def describe(self) -> list:
        return []  # unknown until scraped; keeps registration from calling collect()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = self._counts()
        tasks = GaugeMetricFamily("orchestrator_tasks", "Tasks by status", labels=["status"])
        for status, n in counts["tasks"].items():
            tasks.add_metric([status], n)
        nodes = GaugeMetricFamily("orchestrator_nodes", "Nodes by health", labels=["health"])
        for health, n in counts["nodes"].items():
            nodes.add_metric([health], n)
        yield tasks
        yield nodes
        gpus = GaugeMetricFamily("orchestrator_gpus", "GPUs of the cluster: capacity, and allocated to active tasks",
                                 labels=["state"])
        for state, milli in counts.get("gpu", {}).items():
            gpus.add_metric([state], milli / 1000)
        yield gpus
        devices = GaugeMetricFamily("orchestrator_gpu_device_allocated",
                                    "The share of each GPU device in use (0 to 1), on nodes with GPUs",
                                    labels=["node", "device"])
        for node, device, used in counts.get("gpu_devices", ()):
            devices.add_metric([node, str(device)], used / 1000)
        yield devices
