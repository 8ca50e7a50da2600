"""A picture of a load run: throughput and latency over time.

Imports matplotlib at once: import this module only when a plot is asked
for (``pip install -e .[plot]``); :mod:`api.client.loadreport` makes the numbers.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only, no display needed

import matplotlib.pyplot as plt  # noqa: E402

from api.client.loadreport import timeline  # noqa: E402
from api.client.loadrun import Outcome  # noqa: E402


def plot(outcome: Outcome, path: str) -> None:
    """Write a PNG with two panels sharing the time axis (seconds since
    the run began): tasks per second, and latency in ms on a log scale."""
    line = timeline(outcome)
    t = line["time"]
    figure, (rates, latency) = plt.subplots(2, 1, sharex=True, figsize=(10, 7), constrained_layout=True)
    try:
        rates.step(t, line["creates_per_s"], where="post", label="created")
        rates.step(t, line["scheduled_per_s"], where="post", label="scheduled")
        rates.step(t, line["done_per_s"], where="post", label="done")
        rates.set_ylabel(f"tasks/s (bins of {line['bin_seconds']:g} s)")
        rates.set_title(f"load run {outcome.scenario.prefix}: {outcome.scenario.tasks} tasks on "
                        f"{outcome.scenario.nodes} nodes")
        for name, key in (("create p50", "create_p50_ms"), ("create p99", "create_p99_ms"),
                          ("to scheduled p50", "to_scheduled_p50_ms"), ("to scheduled p99", "to_scheduled_p99_ms")):
            points = [(x, y) for x, y in zip(t, line[key]) if y is not None]
            if points:
                latency.plot([x for x, _ in points], [y for _, y in points], marker=".", label=name)
        latency.set_yscale("log")
        latency.set_ylabel("latency (ms)")
        latency.set_xlabel("seconds since the run began")
        for axes in (rates, latency):
            if line["failed_at"] is not None:
                axes.axvline(line["failed_at"], color="red", linestyle="--",
                             label=f"{len(outcome.plan.fail)} nodes failed")
            axes.grid(alpha=0.3)
            axes.legend(loc="upper right", fontsize="small")
        figure.savefig(path, dpi=100)
    finally:
        plt.close(figure)
