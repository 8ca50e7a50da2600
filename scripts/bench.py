#!/usr/bin/env python3
"""Run the benchmarks of issue #4 ("Scale and speed"), print a table, write JSON.

    .venv/bin/python scripts/bench.py                        # every scenario, full size
    .venv/bin/python scripts/bench.py --quick --json out.json  # the CI smoke test's run
    .venv/bin/python scripts/bench.py --scenario scheduling --scenario memory
    .venv/bin/python scripts/bench.py --list

Scenarios are the modules of scripts/benchmarks/ (each has run(quick) ->
figures, checks and a target); each runs in its own process. Exit status: 0
when every check passed (a missed speed target or a scenario not written
yet is reported, not a failure), 1 when a check failed or a scenario could
not run, 2 for bad arguments. The logic is in api/client/benchrun.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from api.client import benchrun  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", action="append", default=[], metavar="NAME",
                        help="run this scenario (repeatable; default: all)")
    parser.add_argument("--quick", action="store_true", help="small sizes: checks correctness in well under a minute")
    parser.add_argument("--json", metavar="PATH", help="also write the figures, checks and machine here")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="give up on a scenario after this long (default 300 quick, 3600 full)")
    parser.add_argument("--package", default=benchrun.DEFAULT_PACKAGE, help=argparse.SUPPRESS)  # for tests
    args = parser.parse_args(argv)

    available = benchrun.discover(args.package)
    try:
        names = benchrun.select(args.scenario, available)
    except benchrun.UsageError as exc:
        parser.error(str(exc))
    if args.list:
        for name in names:
            about = benchrun.summary_line(available[name]) if name in available else "(missing: not written yet)"
            print(f"{name:<12} {about}")
        return 0

    timeout = args.timeout or (300.0 if args.quick else 3600.0)
    report = {
        "command": " ".join(["scripts/bench.py", *(argv if argv is not None else sys.argv[1:])]),
        "quick": args.quick,
        "machine": benchrun.machine_info(),
        "scenarios": {},
    }
    for name in names:
        if name not in available:
            report["scenarios"][name] = benchrun.missing(name, args.package)
            print(f"bench: {name} is missing", file=sys.stderr, flush=True)
            continue
        print(f"bench: running {name}{' (quick)' if args.quick else ''} ...", file=sys.stderr, flush=True)
        outcome = benchrun.run_in_child(name, args.quick, args.package, timeout)
        report["scenarios"][name] = outcome
        print(f"bench: {name} {outcome['status']} in {outcome['seconds']:.1f} s", file=sys.stderr, flush=True)
        if outcome["status"] != benchrun.OK and outcome.get("log"):
            print(outcome["log"], file=sys.stderr, flush=True)
    report["ok"] = benchrun.exit_code(report) == 0
    print(benchrun.format_table(report), flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
    return benchrun.exit_code(report)


if __name__ == "__main__":
    sys.exit(main())
