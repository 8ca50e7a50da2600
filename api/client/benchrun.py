"""Run benchmark scenarios, each in its own process, and report (``scripts/bench.py``).

A *scenario* is a module of a package (``scripts.benchmarks`` unless told
otherwise) whose name does not start with ``_``, exposing::

    run(quick: bool) -> {"figures": {name: value}, "checks": {name: bool},
                         "target": str (optional), "met": bool | None (optional),
                         "setup": str (optional: what was run, one line)}

*Checks* are correctness (the run fails when one is false); *figures* and
*targets* are speed, reported but never a failure, as timings on a shared
machine are noise for a test. ``quick`` is the CI smoke test's mode: small
sizes, well under a minute in all.

Each scenario runs in a fresh interpreter (``python -m api.client.benchrun NAME``):
its memory use is its own, a thread or actor it leaves behind cannot slow the
next one, and a crash or a hang is reported (after a timeout) instead of
ending the whole run. Scenarios known from issue #4 but not written yet are
reported as missing, which is not a failure either.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import importlib
import json
import math
import os
import pkgutil
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the project's directory
DEFAULT_PACKAGE = "scripts.benchmarks"
KNOWN = ("scheduling", "http", "batch", "latency", "memory")
"""The scenarios of issue #4, in its order; others found in the package follow."""

OK, FAILED, ERROR, MISSING = "ok", "failed", "error", "missing"


class UsageError(ValueError):
    """A scenario was asked for that neither exists nor is known."""


def discover(package: str = DEFAULT_PACKAGE) -> dict[str, str]:
    """Scenario name -> module file, for every public module of ``package``."""
    module = importlib.import_module(package)
    found = {}
    for info in pkgutil.iter_modules(module.__path__):
        if not info.name.startswith("_") and not info.ispkg:
            found[info.name] = os.path.join(info.module_finder.path, info.name + ".py")
    return found


def select(requested: Sequence[str], available: Iterable[str], known: Sequence[str] = KNOWN) -> list[str]:
    """The scenarios to run, in order: the known ones first, then the rest
    by name. Nothing requested means all of them; a name neither available
    nor known is a :class:`UsageError`."""
    available = set(available)
    every = [n for n in known] + sorted(available - set(known))
    if not requested:
        return every
    unknown = [n for n in requested if n not in every]
    if unknown:
        raise UsageError(f"no scenario {', '.join(map(repr, unknown))}; choose from {', '.join(every)}")
    return [n for n in every if n in requested]


def summary_line(path: str) -> str:
    """The first line of a module's docstring, read without importing it."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = ast.get_docstring(ast.parse(f.read()))
    except (OSError, SyntaxError, ValueError):
        return ""
    return doc.strip().splitlines()[0] if doc else ""


def machine_info() -> dict[str, Any]:
    """Where the figures come from: cpu model, cores, memory, Python, date
    (UTC), and the load average over 1, 5 and 15 minutes when it started
    (other work on a shared machine slows every figure down)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory_gib = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    memory_gib = round(int(line.split()[1]) / 2**20, 1)
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": load,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


def result_problems(result: Any) -> list[str]:
    """What is wrong with the shape of what a scenario's ``run`` returned."""
    if not isinstance(result, Mapping):
        return [f"run() returned {type(result).__name__}, not a dict"]
    problems = []
    if not isinstance(result.get("figures"), Mapping):
        problems.append("'figures' is missing or not a dict")
    checks = result.get("checks")
    if not isinstance(checks, Mapping):
        problems.append("'checks' is missing or not a dict")
    else:
        problems += [f"check {name!r} is {value!r}, not true or false"
                     for name, value in checks.items() if not isinstance(value, bool)]
    if "met" in result and result["met"] is not None and not isinstance(result["met"], bool):
        problems.append(f"'met' is {result['met']!r}, not true, false or null")
    try:
        json.dumps(result, allow_nan=False)
    except (TypeError, ValueError) as exc:
        problems.append(f"not JSON: {exc}")
    return problems


def outcome_of(result: Mapping[str, Any], seconds: float) -> dict[str, Any]:
    """A scenario's entry in the report, from a well-formed result."""
    checks = dict(result["checks"])
    return {
        "status": OK if all(checks.values()) else FAILED,
        "seconds": round(seconds, 2),
        "figures": dict(result["figures"]),
        "checks": checks,
        "target": result.get("target"),
        "met": result.get("met"),
        "setup": result.get("setup"),
    }


def run_in_child(name: str, quick: bool, package: str = DEFAULT_PACKAGE, timeout: float = 600.0) -> dict[str, Any]:
    """Run scenario ``name`` in a fresh interpreter; its report entry. The
    child's output is kept (the last 4,000 characters) when it did not go well."""
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.json")
        command = [sys.executable, "-m", "api.client.benchrun", name, "--package", package, "--out", out]
        if quick:
            command.append("--quick")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))}
        # A session of its own: on a timeout the scenario's own children
        # (a server, a measuring process) are killed with it.
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True, start_new_session=True)
        try:
            log, _ = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            log, _ = child.communicate()
            return _error(f"did not finish within {timeout:g} s", began, log)
        if child.returncode != 0 or not os.path.exists(out):
            last = log.strip().splitlines()[-1] if log.strip() else f"exit code {child.returncode}"
            return _error(last, began, log)
        with open(out, encoding="utf-8") as f:
            result = json.load(f)
    problems = result_problems(result)
    if problems:
        return _error("; ".join(problems), began, log)
    outcome = outcome_of(result, time.monotonic() - began)
    if outcome["status"] != OK:
        outcome["log"] = log[-4000:]
    return outcome


def _error(message: str, began: float, log: str) -> dict[str, Any]:
    return {"status": ERROR, "seconds": round(time.monotonic() - began, 2), "error": message, "log": log[-4000:]}


def missing(name: str, package: str = DEFAULT_PACKAGE) -> dict[str, Any]:
    where = package.replace(".", "/") + f"/{name}.py"
    return {"status": MISSING, "error": f"{where} is not there (yet)"}


def exit_code(report: Mapping[str, Any]) -> int:
    """1 when a scenario failed a check or could not run; 0 otherwise (a
    missed speed target or a missing scenario included)."""
    return 1 if any(s["status"] in (FAILED, ERROR) for s in report["scenarios"].values()) else 0


def format_value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.3g}"
    return str(value)


def format_met(met: Any) -> str:
    return "-" if met is None else ("yes" if met else "NO")


def format_table(report: Mapping[str, Any]) -> str:
    """Scenario, figure, value, target, met: one row per figure (the target
    on the scenario's first row), then one row for its checks."""
    rows: list[tuple[str, str, str, str, str]] = []
    notes = []
    for name, s in report["scenarios"].items():
        if s["status"] in (MISSING, ERROR):
            rows.append((name, f"({s['status']}: {s['error']})", "", "", ""))
            continue
        first = True
        for figure, value in s["figures"].items():
            rows.append((name if first else "", figure, format_value(value),
                         (s.get("target") or "") if first else "", format_met(s.get("met")) if first else ""))
            first = False
        passed = sum(1 for ok in s["checks"].values() if ok)
        failed = [c for c, ok in s["checks"].items() if not ok]
        text = f"{passed}/{len(s['checks'])} passed" + (f"; FAILED: {', '.join(failed)}" if failed else "")
        rows.append((name if first else "", "checks", text, "", ""))
        if s.get("setup"):
            notes.append(f"{name}: {s['setup']}")
    header = ("scenario", "figure", "value", "target", "met")
    measured = [r for r in rows if r[2]]  # a missing or broken scenario's one line does not set the widths
    widths = [max(len(r[i]) for r in [header, *measured]) for i in range(5)]

    def line(cells: Sequence[str]) -> str:
        name, figure, value, target, met = cells
        if not value:
            return f"{name:<{widths[0]}}  {figure}"
        return (f"{name:<{widths[0]}}  {figure:<{widths[1]}}  {value:>{widths[2]}}  "
                f"{target:<{widths[3]}}  {met}").rstrip()

    machine = report["machine"]
    load = machine.get("load_average")
    out = [
        f"{'quick' if report['quick'] else 'full'} run on {machine['cpu']}, {machine['cores']} cores, "
        f"Python {machine['python']}, {machine['date']}"
        + (f", load average {load[0]:g} at start" if load else ""),
        "",
        line(header),
        line(["-" * w for w in widths]),
        *(line(r) for r in rows),
    ]
    if notes:
        out += ["", *notes]
    verdict = "ok" if exit_code(report) == 0 else "FAILED (a check failed or a scenario could not run)"
    out += ["", f"result: {verdict}"]
    return "\n".join(out)


def run_one(name: str, quick: bool, package: str, out: str) -> int:
    """The child's side: import the scenario, run it, write its result."""
    module = importlib.import_module(f"{package}.{name}")
    result = module.run(quick)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one benchmark scenario (the child of scripts/bench.py).")
    parser.add_argument("name")
    parser.add_argument("--package", default=DEFAULT_PACKAGE)
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    return run_one(args.name, args.quick, args.package, args.out)


if __name__ == "__main__":
    sys.exit(main())
