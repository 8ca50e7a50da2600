"""``orchestrator simulate replay``: reads the workload, replays it once per
policy (:func:`actors.simulation.replay.replay`), and writes the reports:
a table on stdout, ``--json``, ``--plot``, ``--events``. A progress bar of
virtual time goes to stderr when it is a terminal."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import TextIO

import orjson

from actors.scheduler import known_policies
from actors.scheduling import policies
from actors.simulation import openb, workload as workloads
from actors.simulation.replay import Report, ReplayError, replay
from api import workload_file
from api.native import serialize


def event_line(event) -> bytes:
    """An event as ``GET /events`` shows it, on one line."""
    return orjson.dumps(serialize.event(event))


def read_workload(args: argparse.Namespace) -> workloads.Workload:
    if args.synthetic:
        if args.nodes or args.workload:
            raise workload_file.WorkloadError("--synthetic makes its own nodes and tasks: give no --nodes or --workload")
        return workloads.synthetic(args.tasks, args.node_count, args.seed, args.load, args.mean_duration)
    if not args.workload:
        raise workload_file.WorkloadError("give --workload FILE (and --nodes FILE), or --synthetic")
    kind = args.format or ("openb" if Path(args.workload).suffix == ".csv" else "yaml")
    if kind == "openb":
        if not args.nodes:
            raise workload_file.WorkloadError("the openb format needs --nodes FILE (the node list)")
        try:
            return workloads.from_openb(openb.read_nodes(args.nodes), openb.read_pods(args.workload),
                                        Path(args.workload).stem)
        except openb.TraceError as exc:
            raise workload_file.WorkloadError(str(exc)) from None
    return workload_file.read(args.workload, args.nodes)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    names = args.policy or ["spread"]
    try:
        for spec in args.policy_module:
            policies.load(spec)
        unknown = [n for n in names if n not in known_policies()]
        if unknown:
            raise policies.PolicyError(f"no policy '{unknown[0]}'; choose one of {', '.join(known_policies())}")
        work = read_workload(args)
    except (policies.PolicyError, workload_file.WorkloadError) as exc:
        err.write(f"error: {exc}\n")
        return 2
    if not work.nodes and not any(isinstance(e, workloads.NodeEvent) for _, e in work.events):
        err.write("error: the workload has no nodes\n")
        return 2
    reports: list[Report] = []
    for name in names:
        bar = _ProgressBar(err, name) if err.isatty() else None
        handle = open(_events_path(args.events, name, len(names)), "wb") if args.events else None
        try:
            report = replay(work, name, args.seed, node_timeout=args.node_timeout, samples=args.samples,
                            event_line=event_line, write=(lambda line: handle.write(line + b"\n")) if handle else None,
                            progress=bar.update if bar else None)
        except ReplayError as exc:
            err.write(f"\nerror: {exc}\n")
            return 1
        finally:
            if handle is not None:
                handle.close()
            if bar is not None:
                bar.close()
        reports.append(report)
        err.write(f"{name}: {report.tasks['placed']} of {report.tasks['total']} placed, "
                  f"{workloads.seconds(report.virtual_seconds)} of virtual time in {report.wall_seconds:.1f} s\n")
    out.write(table(work, reports))
    if args.json:
        Path(args.json).write_text(json.dumps({"workload": work.name, "runs": [r.as_json() for r in reports]},
                                              indent=1) + "\n")
    if args.plot:
        plot(reports, args.plot, work.name)
    return 0


def _events_path(path: str, policy: str, runs: int) -> str:
    if runs == 1:
        return path
    p = Path(path)
    return str(p.with_name(f"{p.stem}.{policy}{p.suffix or '.jsonl'}"))


def table(work: workloads.Workload, reports: list[Report]) -> str:
    lines = [f"{work.name}: {len(work.nodes)} nodes, {work.arrivals} task arrivals over "
             f"{workloads.seconds(work.span)}",
             f"{'policy':<14} {'placed':>8} {'never':>6} {'withdrawn':>9} {'wait p50/p95/p99/max (s)':>28} "
             f"{'makespan':>9} {'resched.':>8} {'virtual/wall':>13}  events_sha256"]
    for r in reports:
        w = r.wait_seconds
        waits = "/".join("-" if w[k] is None else f"{w[k]:g}" for k in ("p50", "p95", "p99", "max"))
        lines.append(f"{r.policy:<14} {r.tasks['placed']:>8} {r.tasks['never_placed']:>6} {r.tasks['withdrawn']:>9} "
                     f"{waits:>28} {workloads.seconds(r.makespan_seconds):>9} {r.rescheduled:>8} "
                     f"{r.speedup:>12,.0f}x  {r.events_sha256[:16]}")
    production = reports[0].production_wait_seconds if reports else None
    if production is not None:
        lines.append("production wait p50/p95/p99/max (s), from the trace: "
                     + "/".join("-" if production[k] is None else f"{production[k]:g}"
                                for k in ("p50", "p95", "p99", "max")))
    return "\n".join(lines) + "\n"


def plot(reports: list[Report], path: str, title: str) -> None:
    """Requested share of the cluster (GPU when it has any, else cpu) and
    queue length over virtual time, one line per policy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    resource = "gpu" if any(s.gpu for r in reports for s in r.samples) else "cpu"
    for r in reports:
        days = [s.at / 86_400 for s in r.samples]
        top.plot(days, [100 * getattr(s, resource) for s in r.samples], label=r.policy)
        bottom.plot(days, [s.pending for s in r.samples], label=r.policy)
    top.set_ylabel(f"{resource} requested (% of capacity)")
    bottom.set_ylabel("pending tasks")
    bottom.set_xlabel("virtual time (days)")
    top.set_title(title)
    top.legend(loc="upper right", fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


class _ProgressBar:
    WIDTH = 30

    def __init__(self, err: TextIO, name: str) -> None:
        self.err = err
        self.name = name
        self.last = 0.0

    def update(self, at: float, span: float) -> None:
        now = time.monotonic()
        if now - self.last < 0.2:
            return
        self.last = now
        done = min(at / span, 1.0) if span else 1.0
        filled = int(done * self.WIDTH)
        self.err.write(f"\r{self.name}: [{'#' * filled}{' ' * (self.WIDTH - filled)}] {done:4.0%} "
                       f"virtual {workloads.seconds(at)} of {workloads.seconds(span)}")
        self.err.flush()

    def close(self) -> None:
        self.err.write("\r" + " " * (self.WIDTH + 60) + "\r")
