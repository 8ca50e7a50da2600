"""Run etcd members on loopback for tests: a cluster in a temporary directory.

The tests start their own members (Debian's ``etcd-server``, ``/usr/bin/etcd``;
``.ci/run`` installs it) and stop them afterwards. A missing binary fails the
test with a message saying how to install it: nothing is skipped.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import requests

ETCD = os.environ.get("ETCD_BINARY") or shutil.which("etcd") or "/usr/bin/etcd"


def free_port() -> int:
    """A port free now, below Linux's ephemeral range (32768-60999) so that
    the suite's own outgoing connections cannot take it before etcd binds."""
    while True:
        port = random.randrange(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


class EtcdCluster:
    """``size`` members on free loopback ports, data in ``directory``
    (``/dev/shm`` when there is one: etcd fsyncs every commit)."""

    def __init__(self, size: int = 3, directory: str | None = None) -> None:
        if not os.access(ETCD, os.X_OK):
            raise RuntimeError(
                f"etcd not found at {ETCD}: install Debian's etcd-server (apt-get install etcd-server); "
                ".ci/run and scripts/test do it on a fresh machine"
            )
        base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
        self.directory = directory or tempfile.mkdtemp(prefix="etcd-test-", dir=base)
        self.names = [f"m{i}" for i in range(size)]
        self.client_ports = [free_port() for _ in range(size)]
        self.peer_ports = [free_port() for _ in range(size)]
        self.token = f"orchestrator-test-{os.getpid()}-{time.monotonic_ns()}"
        self.processes: list[subprocess.Popen | None] = [None] * size
        self._logs: list = [None] * size

    @property
    def endpoints(self) -> str:
        """``127.0.0.1:P,127.0.0.1:Q,...`` as ``--store etcd://`` takes it."""
        return ",".join(f"127.0.0.1:{p}" for p in self.client_ports)

    def store(self, prefix: str = "") -> str:
        return f"etcd://{self.endpoints}" + (f"/{prefix.strip('/')}" if prefix else "")

    def start(self, timeout: float = 30.0, attempts: int = 3) -> EtcdCluster:
        """Start every member; if one finds its port taken after all (another
        process bound it first), start the cluster afresh on other ports."""
        for attempt in range(attempts):
            for i in range(len(self.names)):
                self.start_member(i, wait=False)
            try:
                self.wait_healthy(timeout)
                return self
            except BaseException as exc:
                if "address already in use" not in str(exc) or attempt == attempts - 1:
                    self.stop()  # no member outlives a cluster that failed to start
                    raise
            for i in range(len(self.names)):
                self.stop_member(i)
                shutil.rmtree(os.path.join(self.directory, self.names[i]), ignore_errors=True)
            self.client_ports = [free_port() for _ in self.names]
            self.peer_ports = [free_port() for _ in self.names]
            self.token = f"orchestrator-test-{os.getpid()}-{time.monotonic_ns()}"
        raise AssertionError("unreachable")

    def start_member(self, i: int, wait: bool = True, timeout: float = 30.0) -> None:
        initial = ",".join(f"{n}=http://127.0.0.1:{p}" for n, p in zip(self.names, self.peer_ports))
        data = os.path.join(self.directory, self.names[i])
        log = open(os.path.join(self.directory, f"{self.names[i]}.log"), "ab")
        self._logs[i] = log
        self.processes[i] = subprocess.Popen(
            [
                ETCD, "--name", self.names[i], "--data-dir", data,
                "--listen-client-urls", f"http://127.0.0.1:{self.client_ports[i]}",
                "--advertise-client-urls", f"http://127.0.0.1:{self.client_ports[i]}",
                "--listen-peer-urls", f"http://127.0.0.1:{self.peer_ports[i]}",
                "--initial-advertise-peer-urls", f"http://127.0.0.1:{self.peer_ports[i]}",
                "--initial-cluster", initial, "--initial-cluster-token", self.token,
                "--initial-cluster-state", "new",
                # Quick elections on loopback: a stopped member's successor is chosen in well under a second.
                "--heartbeat-interval", "50", "--election-timeout", "500",
                # A deployment's replicas are created (and deleted) in one transaction: up to 10,000.
                "--max-txn-ops", "20000", "--max-request-bytes", "33554432",
                "--logger", "zap", "--log-level", "warn",
            ],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL,
        )
        if wait:
            self.wait_healthy(timeout, members=[i])

    def stop_member(self, i: int, signum: int = signal.SIGTERM) -> None:
        process = self.processes[i]
        if process is not None and process.poll() is None:
            process.send_signal(signum)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes[i] = None
        if self._logs[i] is not None:
            self._logs[i].close()
            self._logs[i] = None

    def wait_healthy(self, timeout: float = 30.0, members: list[int] | None = None) -> None:
        """Until every member (or those given) answers /health true: the
        cluster has a leader and serves reads. A member that exits meanwhile
        fails it at once (a quorum may never come without it)."""
        deadline = time.monotonic() + timeout
        waiting = list(members if members is not None else range(len(self.names)))
        while waiting:
            for i in waiting:
                process = self.processes[i]
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"etcd member {self.names[i]} exited: {self.log(i)[-2000:]}")
            i = waiting[0]
            try:
                answer = requests.get(f"http://127.0.0.1:{self.client_ports[i]}/health", timeout=1)
                if answer.status_code == 200 and answer.json().get("health") == "true":
                    waiting.pop(0)
                    continue
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"etcd member {self.names[i]} not healthy in {timeout} s: {self.log(i)[-2000:]}")
            time.sleep(0.05)  # polling a child process that has no other way to say it is ready

    def log(self, i: int) -> str:
        try:
            with open(os.path.join(self.directory, f"{self.names[i]}.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self) -> None:
        for i in range(len(self.names)):
            self.stop_member(i)
        shutil.rmtree(self.directory, ignore_errors=True)
