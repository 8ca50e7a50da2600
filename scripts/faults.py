#!/usr/bin/env python3
"""Fault runs on the etcd control plane, checked for linearizability.

    .venv/bin/python scripts/faults.py --minutes 10 --seed 1
    .venv/bin/python scripts/faults.py --seconds 40 --seeds 1-5

Starts three etcd members and three ``orchestrator serve --store etcd://``
processes on loopback, runs concurrent clients against all three while a
seeded nemesis kills, pauses and restarts servers and etcd members (quorum
loss included), then heals everything, checks each key's history against a
compare-and-set register model and the end state against the invariants,
and prints the history's size, the faults and the verdict. A failing run
writes its history (JSON lines) and the smallest failing window of each
failing key to --out. Exits 0 when every run passed, 1 when one failed.

Needs Debian's etcd-server (scripts/test installs it). The harness itself is
tests/faults/ (the suite runs a 30-second run, tests/faults/test_run.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.faults.harness import Result, run  # noqa: E402


def seeds(text: str) -> list[int]:
    """``7`` or ``1-5``."""
    low, _, high = text.partition("-")
    try:
        first, last = int(low), int(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seed or a range of seeds (1-5)") from None
    if first < 0 or last < first:
        raise argparse.ArgumentTypeError(f"{text!r}: seeds are non-negative, the range low-high")
    return list(range(first, last + 1))


def positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    length = p.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=positive, help="length of each run's faults (default 10)")
    length.add_argument("--seconds", type=positive, help="the same in seconds")
    p.add_argument("--seed", "--seeds", dest="seeds", type=seeds, default=[1], help="a seed or a range: 1-5 (default 1)")
    p.add_argument("--clients", type=int, default=6, help="concurrent clients (default 6)")
    p.add_argument("--think", type=positive, default=0.3, help="mean seconds between a client's calls (default 0.3)")
    p.add_argument("--out", default="faults-out", help="where a failing run writes its history (default faults-out)")
    p.add_argument("--keep-history", action="store_true", help="write the history of passing runs too")
    return p


def execute(argv: list[str] | None = None) -> list[Result]:
    args = parser().parse_args(argv)
    seconds = args.seconds or 60 * (args.minutes or 10)
    results = []
    for seed in args.seeds:
        began = time.monotonic()
        result = run(seconds=seconds, seed=seed, clients=args.clients, out_dir=args.out, think=args.think,
                     keep_history=args.keep_history)
        print(result.summary())
        print(f"run took {time.monotonic() - began:.0f} s of wall time", flush=True)
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    results = execute(argv)
    failed = [r.seed for r in results if not r.ok]
    if len(results) > 1:
        print(f"{len(results) - len(failed)} of {len(results)} runs passed" + (f"; failed: seeds {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
