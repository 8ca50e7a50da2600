#!/usr/bin/env python3
"""A screenshot of the web dashboard on a busy cluster (issue #16).

    .venv/bin/python scripts/dashboard_screenshot.py                  # writes docs/dashboard.png
    .venv/bin/python scripts/dashboard_screenshot.py out.png --panel panel.png --nodes 500

Starts ``orchestrator serve`` (memory store), fills it as the dashboard
benchmark does (200 nodes in 3 zones, one in 10 with 4 GPUs, 2,000 tasks,
some pending, a failed node, a cordoned one, a real node, a deployment),
keeps a trickle of short tasks coming so the charts and the feed move,
opens /ui in headless Chromium (Debian's, through Selenium) at 1280x800
and saves the page. ``--panel`` also saves the page with a pending task's
panel open (its placement explained). Needs selenium and Debian's chromium
and chromium-driver (scripts/_chromium.sh installs those).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from api.client.loadgen import Client, ServerProcess  # noqa: E402
from scripts.benchmarks.dashboard import (  # noqa: E402
    HEIGHT, WIDTH, browser, console_errors, fill, open_dashboard, settle, task_body,
)

CHART_SAMPLES = 4  # the charts sample every 2 s: wait for this many


def trickle(url: str, stop: threading.Event, per_second: int = 40) -> None:
    """Short tasks until ``stop``: the feed and the charts have something to show."""
    client = Client(url)
    n = 0
    try:
        while not stop.wait(0.25):
            items = [task_body(n + i, "live", duration=2.0) for i in range(per_second // 4)]
            n += len(items)
            client.request("POST", "/tasks", items)
    finally:
        client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", default=os.path.join(ROOT, "docs", "dashboard.png"),
                        help="where to write the PNG (default: docs/dashboard.png)")
    parser.add_argument("--panel", metavar="PATH", help="also save the page with a pending task's panel open")
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=2_000)
    parser.add_argument("--width", type=int, default=WIDTH)
    parser.add_argument("--height", type=int, default=HEIGHT)
    args = parser.parse_args(argv)

    from selenium.webdriver.support.ui import WebDriverWait

    with ServerProcess("--store", "memory") as server:
        ids = fill(server.url, args.nodes, args.tasks, real_nodes=1, deployment=12)
        settle(server.url)
        stop = threading.Event()
        feeder = threading.Thread(target=trickle, args=(server.url, stop), daemon=True)
        feeder.start()
        driver = browser(args.width, args.height)
        try:
            open_dashboard(driver, server.url)
            WebDriverWait(driver, 30, poll_frequency=0.2).until(lambda d: d.execute_script(
                "return document.querySelectorAll('#charts .latest').length === 4 && "
                f"window.__dashboard.app.charts.times.length >= {CHART_SAMPLES};"))
            os.makedirs(os.path.dirname(os.path.abspath(args.path)), exist_ok=True)
            driver.save_screenshot(args.path)
            print(f"wrote {args.path}")
            if args.panel:
                driver.execute_script("window.__dashboard.panels.show('task', arguments[0]);", ids["too_big"])
                WebDriverWait(driver, 20, poll_frequency=0.1).until(
                    lambda d: d.execute_script("return !!document.querySelector('#panel .placement .summary');"))
                driver.save_screenshot(args.panel)
                print(f"wrote {args.panel}")
            errors = console_errors(driver)
        finally:
            stop.set()
            feeder.join(timeout=5)
            driver.quit()
    for message in errors:
        print(f"console: {message}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
