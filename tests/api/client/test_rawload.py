"""The raw keep-alive load clients: answer parsing, and a short run from two
processes against the bare endpoint served in this process."""

from __future__ import annotations

import json

import pytest

from api import baseline
from api.client.rawload import Plan, _answer, run, task_batch_body, task_body
from api.server import Server


@pytest.mark.parametrize(
    ("buffer", "expected"),
    [
        (b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}", (201, b"{}", 45)),
        (b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\nX: y\r\n\r\n{}NEXT", (201, b"{}", 51)),
        (b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", (404, b"", 45)),
        (b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\n{}", None),  # body not all here yet
        (b"HTTP/1.1 201 Created\r\nContent-Len", None),  # head not all here yet
    ],
)
def test_answer_is_parsed_once_whole(buffer, expected):
    assert _answer(bytearray(buffer)) == expected


def test_an_answer_without_content_length_is_an_error():
    with pytest.raises(ValueError):
        _answer(bytearray(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))


def test_bodies_carry_their_ids():
    body, ids = task_body("c1", 7)
    assert ids == ["c1-7"] and json.loads(body)["id"] == "c1-7"
    body, ids = task_batch_body("c1", 7, 3)
    assert ids == ["c1-7-0", "c1-7-1", "c1-7-2"] and [t["id"] for t in json.loads(body)] == ids


@pytest.fixture
def bare_url():
    server = Server(baseline.create_app(), port=0, threads=2).start_in_thread()
    yield server.url
    server.stop()


def test_a_short_run_from_two_processes_sees_every_answer(bare_url):
    result = run(Plan(bare_url, connections=3, processes=2, seconds=0.3, warmup=0.1, prefix="x"))

    answered = sum(result.statuses.values())
    assert set(result.statuses) == {201} and not result.errors
    assert 0 < result.requests <= answered == len(result.acked) == len(set(result.acked))
    assert len(result.latencies) == result.requests and len(result.client_cpu) == 2
    assert len(result.samples) == 3
    for sent, status, answer in result.samples:
        assert status == 201 and json.loads(answer) == json.loads(sent)


def test_process_cpu_seconds_grows_with_work():
    import os

    from api.client.rawload import process_cpu_seconds

    before = process_cpu_seconds(os.getpid())
    assert before is not None
    for _ in range(1000):  # the clock ticks every 10 ms or so: work until it has
        sum(i * i for i in range(100_000))
        if process_cpu_seconds(os.getpid()) > before:
            break
    assert process_cpu_seconds(os.getpid()) > before
    assert process_cpu_seconds(2**22 + 12345) is None  # no such process
