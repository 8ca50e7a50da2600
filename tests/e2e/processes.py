"""Run ``orchestrator serve`` as a real process for tests."""

from __future__ import annotations

import os
import subprocess
import sys

from api.client import loadgen

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class ServerProcess(loadgen.ServerProcess):
    """The load runs' server process, logging at info (tests read the log),
    on the memory store unless ARGS name one."""

    def __init__(self, *args: str) -> None:
        if not any(a.startswith("--store") for a in args):
            args = ("--store", "memory", *args)
        super().__init__(*args, quiet=False)


def run_cli(*args: str, timeout: float = 20, input_text: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        input=input_text,
    )
