"""Slow clients and bursts against a real server: the API keeps answering."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import urllib.parse

import requests


NORMAL_REQUEST_SECONDS = 1.0
"""A bound for one small request beside 150 trickling connections. Measured
here: a few milliseconds, as without them (the server's poll loop wakes at
least every 0.2 s). Locked out, as with waitress' default connection_limit
of 100, a request would wait for a slow client's channel_timeout (60 s here)
or its own timeout: the bound tells those apart with room for a loaded 2-core
machine."""


def _timed(call) -> tuple[requests.Response, float]:
    began = time.monotonic()
    response = call()
    return response, time.monotonic() - began


def test_150_trickling_connections_do_not_block_a_normal_request(cluster):
    host, port = urllib.parse.urlsplit(cluster.url).hostname, urllib.parse.urlsplit(cluster.url).port
    alone = min(_timed(lambda: requests.get(cluster.url + "/nodes", timeout=5))[1] for _ in range(3))
    slow = []
    try:
        for i in range(150):
            sock = socket.create_connection((host, port), timeout=5)
            # Half a request: the headers never end, the body never comes.
            sock.sendall(b"POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n")
            if i % 2:
                sock.sendall(b"\r\n{")  # this half sent headers and one byte of a 100-byte body
            slow.append(sock)
        listed, list_seconds = _timed(lambda: requests.get(cluster.url + "/nodes", timeout=5))
        assert listed.status_code == 200 and listed.json() == []
        created, create_seconds = _timed(lambda: requests.post(cluster.url + "/nodes", json={"id": "n1"}, timeout=5))
        assert created.status_code == 201
        assert max(list_seconds, create_seconds) < NORMAL_REQUEST_SECONDS, (
            f"GET {list_seconds:.3f} s, POST {create_seconds:.3f} s beside 150 slow clients ({alone:.3f} s alone)"
        )
    finally:
        for sock in slow:
            sock.close()


async def _post(host: str, port: int, body: dict) -> tuple[int, dict, float]:
    began = time.monotonic()
    reader, writer = await asyncio.open_connection(host, port)
    payload = json.dumps(body).encode()
    writer.write(
        b"POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
        + f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload
    )
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, data = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return status, {"headers": headers, "body": data}, time.monotonic() - began


async def _guarded(host: str, port: int, body: dict) -> tuple[int, dict, float]:
    try:
        return await _post(host, port, body)
    except OSError as exc:  # refused or reset: not a clear answer, reported as status 0
        return 0, {"headers": {}, "body": repr(exc).encode()}, 0.0


async def _burst(host: str, port: int, n: int) -> list[tuple[int, dict, float]]:
    return await asyncio.gather(*(_guarded(host, port, {"id": f"burst-{i}"}) for i in range(n)))


def test_a_burst_of_500_gets_only_quick_clear_answers_and_loses_nothing(cluster):
    parts = urllib.parse.urlsplit(cluster.url)
    results = asyncio.run(asyncio.wait_for(_burst(parts.hostname, parts.port, 500), timeout=60))
    statuses = [status for status, _, _ in results]
    assert set(statuses) <= {201, 429, 503}, [r for r in results if r[0] not in (201, 429, 503)][:3]
    for status, response, _ in results:
        if status in (429, 503):
            assert "Retry-After" in response["headers"]
    assert max(seconds for _, _, seconds in results) < 10
    acknowledged = {f"burst-{i}" for i, status in enumerate(statuses) if status == 201}
    stored = {t["id"] for t in cluster.get("/tasks").json()}
    assert acknowledged <= stored
    print(f"{statuses.count(201)} created, slowest answer {max(s for _, _, s in results):.2f} s")


def test_the_server_survives_descriptors_past_1024(cluster):
    """select() cannot watch a descriptor >= 1024; the server uses poll()."""
    import os

    spare = []
    try:
        while True:  # push this process's descriptors past 1024
            fd = os.open(os.devnull, os.O_RDONLY)
            spare.append(fd)
            if fd > 1100:
                break
        assert requests.get(cluster.url + "/health", timeout=5).json() == {"status": "ok", "leader": True, "store": "memory"}
        assert requests.post(cluster.url + "/nodes", json={"id": "n1"}, timeout=5).status_code == 201
    finally:
        for fd in spare:
            os.close(fd)
