#!/usr/bin/env python3
"""Create throughput by store: memory against SQLite (fsync normal and full),
and etcd with ``--etcd HOST:PORT,...`` (a running cluster).

    .venv/bin/python scripts/bench_store.py [--seconds 10] [--clients 8] [--etcd 127.0.0.1:2379] [--json out.json]

Each store gets a fresh server process; C keep-alive clients POST /tasks back
to back. Prints requests/s, latency, and SQLite's share of memory's rate (the
target is at least 80%).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from api.client.loadgen import ServerProcess, hammer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--threads", type=int, default=8, help="server worker threads (same for every store)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per store, interleaved; the median counts")
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--etcd", metavar="HOST:PORT[,HOST:PORT...]",
                        help="also measure an etcd store on these members (a fresh key prefix per run)")
    args = parser.parse_args()

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        stores = {
            "memory": ["--store", "memory"],
            "sqlite": ["--store", f"sqlite:{tmp}/normal.db"],
            "sqlite --fsync full": ["--store", f"sqlite:{tmp}/full.db", "--fsync", "full"],
        }
        if args.etcd:
            stores["etcd"] = ["--store", f"etcd://{args.etcd}"]
        runs: dict[str, list] = {name: [] for name in stores}
        for attempt in range(args.repeat):
            for name, flags in stores.items():
                if name == "etcd":  # each run starts from an empty prefix
                    flags = ["--store", f"etcd://{args.etcd}/bench-{os.getpid()}-{attempt}"]
                elif name != "memory":  # each run starts from an empty file
                    for suffix in ("", "-wal", "-shm"):
                        with contextlib.suppress(FileNotFoundError):
                            os.unlink(flags[1].removeprefix("sqlite:") + suffix)
                with ServerProcess(*flags, "--threads", str(args.threads)) as server:
                    body = {"resources": {"cpu": 1, "memory": 1}}
                    hammer(server.url, args.clients, 1.0, lambda c, n: ("POST", "/tasks", body))  # warm up
                    run = hammer(server.url, args.clients, args.seconds, lambda c, n: ("POST", "/tasks", body))
                runs[name].append(run)
                print(f"{name:22} {run.rate:8.0f} creates/s  p50 {run.percentile(50) * 1000:6.2f} ms  "
                      f"p99 {run.percentile(99) * 1000:6.2f} ms  statuses {dict(run.statuses)}", flush=True)
        for name, done in runs.items():
            median = sorted(done, key=lambda r: r.rate)[len(done) // 2]
            results[name] = median.summary()
    base = results["memory"]["rate"]
    for name in [n for n in results if n != "memory"]:
        share = results[name]["rate"] / base if base else 0.0
        results[name]["share_of_memory"] = round(share, 3)
        print(f"{name} reaches {share:.0%} of memory's rate (target >= 80%)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"clients": args.clients, "seconds": args.seconds, "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
