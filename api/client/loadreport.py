"""The report of a load run (``scripts/load.py``): latency percentiles, what
was lost, and the timeline the plot draws (:mod:`api.client.loadplot`).

Pure functions of the :class:`~api.client.loadrun.Outcome` a run returns.
"""

from __future__ import annotations

import collections
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from api.client.loadgen import percentile
from api.client.loadrun import Outcome, parse_time, settled

PERCENTILES = (50, 95, 99)


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
