#!/usr/bin/env python3
"""Drive a running server with a scripted load run, then report.

    .venv/bin/python scripts/load.py --nodes 100 --tasks 5000 --clients 16 --fail-nodes 5

Registers N nodes, submits M tasks (mixed sizes, durations and node
selectors, drawn from --seed) with C keep-alive clients at --rate tasks/s or
as fast as they go, sets --fail-nodes nodes unhealthy when half the tasks are
submitted, and waits until every task has settled. Every task gets a duration
from --duration-range unless --endless gives a share that gets none: those
count as settled once running, and are left running.

Prints a report (--json: as JSON) and exits 0 if all went well, 1 if a task
was lost (acknowledged, then gone or not settled within --timeout) or a
request got a 5xx or no answer, 2 if the run could not be carried out (bad
arguments, server unreachable, nodes refused, matplotlib missing for --plot).
The logic is in api/client/loadplan.py, loadrun.py and loadreport.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from api.client import loadplan, loadreport, loadrun  # noqa: E402


def _range(text: str) -> tuple[float, float]:
    try:
        return loadplan.parse_range(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    d = loadplan.Scenario()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=os.environ.get("ORCHESTRATOR_URL", "http://127.0.0.1:8080"),
                        help="the server's URL (default $ORCHESTRATOR_URL, else http://127.0.0.1:8080)")
    parser.add_argument("--nodes", type=int, default=d.nodes, help=f"nodes to register (default {d.nodes})")
    parser.add_argument("--tasks", type=int, default=d.tasks, help=f"tasks to submit (default {d.tasks})")
    parser.add_argument("--rate", type=float, default=d.rate,
                        help="tasks per second; 0 submits as fast as the clients go (default 0)")
    parser.add_argument("--clients", type=int, default=d.clients,
                        help=f"concurrent keep-alive clients (default {d.clients})")
    parser.add_argument("--fail-nodes", type=int, default=d.fail_nodes, metavar="K",
                        help="nodes set unhealthy when half the tasks are submitted (default 0)")
    parser.add_argument("--duration-range", type=_range, default=d.duration_range, metavar="A,B",
                        help="task durations in seconds, drawn uniformly (default %s,%s)" % d.duration_range)
    parser.add_argument("--endless", type=float, default=d.endless, metavar="SHARE",
                        help="share of tasks (0-1) without a duration: settled once running, left running (default 0)")
    parser.add_argument("--seed", type=int, default=d.seed, help=f"seed for the task mix (default {d.seed})")
    parser.add_argument("--gpus-per-node", type=int, default=d.gpus, metavar="N",
                        help=f"GPU devices on each node (default {d.gpus})")
    parser.add_argument("--gpu-tasks", type=float, default=d.gpu_tasks, metavar="SHARE",
                        help="this share of the tasks asks for GPU: a quarter or a half of a device, or one "
                             f"whole device, 2:2:1 (default {d.gpu_tasks}; needs --gpus-per-node)")
    parser.add_argument("--prefix", help="node and task ids start with this (default load- and 6 random hex digits)")
    parser.add_argument("--timeout", type=float, default=d.timeout,
                        help=f"seconds to wait for settling after the last create (default {d.timeout:g})")
    parser.add_argument("--poll-interval", type=float, default=d.poll_interval, metavar="SECONDS",
                        help=f"seconds between polls of GET /tasks while settling (default {d.poll_interval:g})")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--plot", metavar="FILE.png", help="draw throughput and latency over time (needs matplotlib)")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bar (it is drawn on stderr only when stderr is a terminal)")
    return parser


class ProgressBar:
    """Redraw one line on stderr, at most every 0.1 s, then end it."""

    def __init__(self) -> None:
        self._last = 0.0
        self._shown = False

    def __call__(self, progress: loadrun.Progress) -> None:
        now = time.monotonic()
        if now - self._last < 0.1 and progress.done < progress.total:
            return
        self._last = now
        sys.stderr.write("\r" + loadrun.progress_line(progress) + "\033[K")
        sys.stderr.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    scenario = loadplan.Scenario(
        nodes=args.nodes, tasks=args.tasks, rate=args.rate, clients=args.clients, fail_nodes=args.fail_nodes,
        duration_range=args.duration_range, endless=args.endless, seed=args.seed, gpus=args.gpus_per_node,
        gpu_tasks=args.gpu_tasks,
        prefix=args.prefix or loadplan.default_prefix(), timeout=args.timeout, poll_interval=args.poll_interval,
    )
    problems = scenario.problems()
    if problems:
        parser.error("; ".join(problems))
    if args.plot:
        try:
            from api.client import loadplot
        except ImportError as exc:
            print(f"load.py: --plot needs matplotlib ({exc}); install it with: "
                  ".venv/bin/pip install -e '.[plot]'", file=sys.stderr)
            return 2

    bar = ProgressBar() if sys.stderr.isatty() and not args.no_progress else None
    try:
        outcome = loadrun.run(scenario, args.server.rstrip("/"), on_progress=bar)
    except loadrun.LoadRunError as exc:
        print(f"load.py: {exc}", file=sys.stderr)
        return 2
    finally:
        if bar:
            bar.close()
    report = loadreport.build_report(outcome)
    print(json.dumps(report, indent=2) if args.json else loadreport.format_report(report), flush=True)
    if args.plot:
        loadplot.plot(outcome, args.plot)
        print(f"load.py: plot written to {args.plot}", file=sys.stderr)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
