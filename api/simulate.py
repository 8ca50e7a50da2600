"""``orchestrator simulate``: simulations that run the control plane's own
policy code, from the command line.

``simulate replay`` replays a workload (the openb trace, our YAML or JSON
lines format, or a synthetic one) through the real control plane on a
virtual clock (:mod:`actors.simulation.replay`), once per ``--policy``, and
reports each run: tasks placed, never placed and withdrawn, waits, makespan,
the event log's hash; ``--json``, ``--plot`` and ``--events`` write it all.

``simulate placement`` is the placement experiment of "Beware of
Fragmentation" (:mod:`actors.simulation.placement`): every ``--policy``
with every seed from ``--seed`` to ``--seed + --repeat - 1``, a table of the
unallocated GPU % at 100% of the cluster's GPU arrived (mean and standard
deviation over the seeds), ``--json`` for the whole curves and ``--plot``
for the paper's figure (allocated against arrived GPU %, one line per
policy: the mean over the seeds).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import TextIO

from actors.scheduling import policies
from actors.simulation import openb, placement
from api.argtypes import non_negative_int, positive_int, positive_seconds

FORMATS = ("openb",)


def add_parser(commands: argparse._SubParsersAction) -> None:
    simulate = commands.add_parser("simulate", help="run a simulation on the control plane's policy code")
    kinds = simulate.add_subparsers(dest="simulation", required=True)
    p = kinds.add_parser(
        "placement", help="the paper's placement experiment: how much GPU each policy allocates",
        description="Place a trace's tasks one at a time with each policy, padded to --fill times the "
        "cluster's GPU capacity, and report the unallocated GPU %% when 100%% has arrived "
        "(Weng et al., USENIX ATC 2023).")
    p.add_argument("--nodes", required=True, metavar="FILE", help="the node list (openb: sn,cpu_milli,memory_mib,gpu,model)")
    p.add_argument("--tasks", required=True, metavar="FILE", help="the task list (openb: name,cpu_milli,...,gpu_spec)")
    p.add_argument("--format", default="openb", choices=FORMATS, help="the files' format (default openb)")
    p.add_argument("--policy", action="append", required=True, metavar="P",
                   help="a policy to run (repeat for several): " + ", ".join(sorted(policies.POLICIES))
                   + ", or a name from --policy-module")
    p.add_argument("--policy-module", action="append", default=[], metavar="FILE.py:Name",
                   help="load a policy class of your own (repeatable); --policy then names it")
    p.add_argument("--seed", type=non_negative_int, default=42, help="the first seed (default 42)")
    p.add_argument("--repeat", type=positive_int, default=10, help="how many seeds, from --seed up (default 10)")
    p.add_argument("--fill", type=_fill, default=placement.DEFAULT_FILL,
                   help=f"pad the tasks to this many times the GPU capacity (default {placement.DEFAULT_FILL})")
    p.add_argument("--json", metavar="OUT", help="write the summary and every run's curve as JSON")
    p.add_argument("--plot", metavar="OUT.png", help="draw allocated against arrived GPU %% per policy")


    r = kinds.add_parser(
        "replay", help="replay a workload through the real control plane on a virtual clock",
        description="Replay a workload through the real actors on a virtual clock, faster than real time and "
        "the same every time, once per --policy, and compare the runs. Give --nodes and --workload "
        "(openb CSV files, or our YAML / JSON lines format), or --synthetic.")
    r.add_argument("--nodes", metavar="FILE", help="the node list: openb CSV, or YAML / JSON lines with nodes")
    r.add_argument("--workload", metavar="FILE", help="the tasks: openb CSV, or YAML / JSON lines "
                   "(scripts/example-workload.yaml)")
    r.add_argument("--format", choices=("openb", "yaml"), help="the files' format (default: openb for .csv "
                   "files, yaml otherwise)")
    r.add_argument("--synthetic", action="store_true",
                   help="a seeded synthetic workload instead of files: Poisson arrivals, the size mix and "
                   "durations of actors/simulation/workload.py")
    r.add_argument("--tasks", type=positive_int, default=10_000, help="with --synthetic: tasks (default 10000)")
    r.add_argument("--node-count", type=positive_int, default=100, help="with --synthetic: nodes (default 100)")
    r.add_argument("--load", type=_load, default=0.8,
                   help="with --synthetic: the cpu share the arrivals keep requested on average (default 0.8)")
    r.add_argument("--mean-duration", type=positive_seconds, default=600.0,
                   help="with --synthetic: mean task duration, seconds (default 600)")
    r.add_argument("--policy", action="append", default=[], metavar="P",
                   help="a policy (repeat to compare several on the same arrivals; default spread)")
    r.add_argument("--policy-module", action="append", default=[], metavar="FILE.py:Name",
                   help="load a policy class of your own (repeatable); --policy then names it")
    r.add_argument("--seed", type=non_negative_int, default=0,
                   help="seeds the synthetic workload and a policy's random choices (default 0)")
    r.add_argument("--node-timeout", type=positive_seconds, default=40.0,
                   help="seconds without a heartbeat before a real node is unhealthy (default 40)")
    r.add_argument("--samples", type=positive_int, default=200,
                   help="samples of utilisation and queue length over the replay (default 200)")
    r.add_argument("--json", metavar="OUT", help="write every run's report as JSON")
    r.add_argument("--plot", metavar="OUT.png", help="draw utilisation and queue length over virtual time")
    r.add_argument("--events", metavar="OUT.jsonl", help="write the event log as JSON lines (as GET /events "
                   "gives them); with several policies, one file each: OUT.POLICY.jsonl")


def _load(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text}") from None
    if not 0 < value <= 10:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 10, not {text}")
    return value


def _fill(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text}") from None
    if not 1.0 <= value <= 10.0:
        raise argparse.ArgumentTypeError(f"must be from 1 to 10 (the figure is read at 100%% arrived), not {text}")
    return value


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.simulation == "replay":
        from api import replay_command

        return replay_command.run(args, out, err)
    try:
        for spec in args.policy_module:
            policies.load(spec)
        for name in args.policy:
            policies.make(name)
        nodes = openb.read_nodes(args.nodes)
        pods = openb.read_pods(args.tasks)
    except (policies.PolicyError, openb.TraceError) as exc:
        err.write(f"error: {exc}\n")
        return 2
    seeds = range(args.seed, args.seed + args.repeat)
    started = time.perf_counter()

    def progress(one: placement.Run) -> None:
        err.write(f"{one.policy} seed {one.seed}: {one.unallocated_at_100:.2f}% unallocated, "
                  f"{one.failed} of {one.tasks} tasks failed ({time.perf_counter() - started:.0f} s)\n")

    try:
        summaries = placement.study(nodes, pods, args.policy, seeds, args.fill, progress)
    except ValueError as exc:
        err.write(f"error: {exc}\n")
        return 2
    out.write(table(summaries, len(nodes), sum(n.gpus for n in nodes), len(pods), args))
    out.write(f"{time.perf_counter() - started:.0f} s\n")
    if args.json:
        Path(args.json).write_text(json.dumps(placement.as_json(summaries), indent=1) + "\n")
    if args.plot:
        plot(summaries, args.plot, Path(args.tasks).name)
    return 0


def table(summaries: list[placement.Summary], nodes: int, gpus: int, tasks: int, args: argparse.Namespace) -> str:
    lines = [f"{Path(args.tasks).name} on {nodes} nodes ({gpus} GPUs), {tasks} tasks, fill {args.fill:g}, "
             f"seeds {args.seed}-{args.seed + args.repeat - 1}",
             f"{'policy':<16} {'unallocated GPU % at 100% arrived':>34} {'failed tasks':>13}"]
    for s in summaries:
        failed = sum(r.failed for r in s.runs) / len(s.runs)
        lines.append(f"{s.policy:<16} {f'{s.mean:.2f} ± {s.sd:.2f}':>34} {failed:>13.0f}")
    return "\n".join(lines) + "\n"


def plot(summaries: list[placement.Summary], path: str, title: str) -> None:
    """The paper's figure: mean allocated GPU % against arrived %, per policy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    for s in summaries:
        by_x: dict[int, list[float]] = {}
        for r in s.runs:
            for p in r.curve:
                by_x.setdefault(p.arrived, []).append(p.allocated)
        xs = sorted(x for x, values in by_x.items() if len(values) == len(s.runs))
        axes.plot(xs, [sum(by_x[x]) / len(by_x[x]) for x in xs], label=f"{s.policy} ({s.mean:.2f}% unallocated)")
    axes.plot([0, 100], [0, 100], color="grey", linewidth=0.5, linestyle=":")
    axes.set_xlim(left=0)
    axes.set_xlabel("arrived GPU (% of capacity)")
    axes.set_ylabel("allocated GPU (% of capacity)")
    axes.set_title(title)
    axes.legend(loc="upper left", fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
