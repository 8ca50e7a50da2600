"""Run ``orchestrator serve`` as a real process for tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class ServerProcess:
    """``orchestrator serve --port 0 ARGS`` (memory store unless ARGS say)."""

    def __init__(self, *args: str) -> None:
        if not any(a.startswith("--store") for a in args):
            args = ("--store", "memory", *args)
        # The log goes to a file: a pipe nobody reads fills up and blocks the server.
        self._log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            cwd=ROOT,
        )
        line = self.process.stdout.readline()  # "orchestrator serving on http://127.0.0.1:PORT"
        if "serving on" not in line:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"server did not start: {line}{self.stderr()}")
        self.url = line.rsplit(" ", 1)[1].strip()

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 10) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stderr(self) -> str:
        self._log.seek(0)
        return self._log.read()


def run_cli(*args: str, timeout: float = 20, input_text: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        input=input_text,
    )
