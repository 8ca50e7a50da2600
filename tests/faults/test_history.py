"""The harness's parts that need no cluster: recorded calls turned into the
checker's operations, the end-of-run invariants, the nemesis's schedule and
how an HTTP exchange is classified."""

from __future__ import annotations

import http.server
import random
import socket
import threading

import pytest

from tests.faults.clients import exchange
from tests.faults.harness import check
from tests.faults.history import Call, read_calls, to_ops, write_jsonl
from tests.faults.invariants import acknowledged_problems, agreement_problems, placement_problems
from tests.faults.nemesis import KINDS, schedule


def read(process, key, value, version, at):
    return Call(process, key, "read", value=value, version=version, invoked=at, completed=at + 0.5)


def swap(process, key, expected_version, new, swapped, at, version=None):
    return Call(process, key, "cas", [expected_version, new], swapped, version=version, invoked=at, completed=at + 0.5)


# -- versions into values ------------------------------------------------------


def test_an_expected_version_becomes_the_value_it_was_seen_with():
    calls = [read(1, "r", "init", 5, 0), swap(1, "r", 5, "a", True, 1, version=9), read(2, "r", "a", 9, 2)]
    ops, problems = to_ops(calls)
    assert problems == []
    assert ops["r"][1].arg == ("init", "a")
    assert check(calls, {"r": "init"}) == ([], {})


def test_a_lost_update_over_http_is_caught():
    # two swaps on version 5 both answered 200: the second overwrote the first unseen
    calls = [read(1, "r", "init", 5, 0), read(2, "r", "init", 5, 0),
             swap(1, "r", 5, "a", True, 1, version=9), swap(2, "r", 5, "b", True, 1.2, version=10)]
    problems, windows = check(calls, {"r": "init"})
    assert problems == ["r: not linearizable (4 operations)"]
    assert [op.kind for op in windows["r"]] == ["cas", "cas"]


def test_a_stale_read_over_http_is_caught():
    calls = [read(1, "r", "init", 5, 0), Call(1, "r", "write", "a", version=9, invoked=1, completed=1.5),
             read(2, "r", "init", 5, 2)]  # after a's write was acknowledged
    problems, _ = check(calls, {"r": "init"})
    assert problems == ["r: not linearizable (3 operations)"]


def test_a_version_seen_with_two_values_is_a_problem_of_its_own():
    _, problems = to_ops([read(1, "r", "a", 7, 0), read(2, "r", "b", 7, 1)])
    assert problems == ["r: version 7 seen with 'a' and with 'b'"]


def test_the_history_round_trips_through_json_lines(tmp_path):
    calls = [read(1, "r", "init", 5, 0), swap(1, "r", 5, "a", True, 1, version=9),
             Call(3, "task-0-1", "delete", outcome="unknown", invoked=2, completed=7, note="timeout")]
    write_jsonl(str(tmp_path / "h.jsonl"), calls)
    assert read_calls(str(tmp_path / "h.jsonl")) == calls


# -- the end of a run ----------------------------------------------------------


def task(id, node="w0", attempts=1, status="running", cpu=100):
    return {"id": id, "node": node, "attempts": attempts, "status": status, "resources": {"cpu": cpu, "memory": 0}}


def node(id, cpu):
    return {"id": id, "allocated": {"cpu": cpu, "memory": 0}}


def test_placement_problems():
    assert placement_problems([task("a"), task("b")], [node("w0", 200)]) == []
    assert placement_problems([task("a", attempts=2)], [node("w0", 100)]) == ["task a was bound 2 times"]
    assert placement_problems([task("a")], [node("w0", 300)]) == ["node w0 has 300 cpu allocated, its tasks ask 100"]
    assert placement_problems([task("a", node=None, status="pending")], [node("w0", 0)]) == [
        "task a is pending on None, not running on a node"]
    assert placement_problems([task("a", node="gone")], [node("w0", 0)]) == [
        "task a is bound to gone, which does not exist"]


def test_agreement_problems():
    assert agreement_problems([("s0", [1]), ("s1", [1])]) == []
    assert agreement_problems([("s0", [1]), ("s1", [2])]) == ["s1 answers [2] where s0 answers [1]"]


def test_acknowledged_creates_stay_and_acknowledged_deletes_stay_gone():
    create = swap(1, "task-0-0", None, "c1-1", True, 0)
    delete = Call(2, "task-0-0", "delete", value=True, invoked=2, completed=2.5)
    assert acknowledged_problems([create], {"task-0-0"}) == []
    assert acknowledged_problems([create], set()) == [
        "task-0-0: created (acknowledged at 0.50) and never deleted, but missing"]
    assert acknowledged_problems([create, delete], set()) == []
    assert acknowledged_problems([create, delete], {"task-0-0"}) == [
        "task-0-0: deleted (acknowledged at 2.50) and never created again, but present"]
    # a delete whose answer was lost may have happened: the task may be gone
    maybe = Call(2, "task-0-0", "delete", outcome="unknown", invoked=0.2, completed=5)
    assert acknowledged_problems([create, maybe], set()) == []
    # a create refused with 409 created nothing: it cannot explain a deleted task being back
    refused = swap(3, "task-0-0", None, "c3-1", False, 3)
    assert acknowledged_problems([create, delete, refused], {"task-0-0"}) != []


# -- the nemesis's schedule --------------------------------------------------------


def test_each_round_of_the_schedule_has_every_kind_once_in_a_seeded_order():
    order = schedule(random.Random(4), rounds=3)
    assert len(order) == 3 * len(KINDS)
    for n in range(3):
        assert sorted(order[n * len(KINDS):(n + 1) * len(KINDS)]) == sorted(KINDS)
    assert order == schedule(random.Random(4), rounds=3)
    assert order != schedule(random.Random(5), rounds=3)


# -- classifying an exchange ---------------------------------------------------------


@pytest.fixture
def answering():
    """A server that answers 503 to everything."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(503)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_503_is_unknown(answering):
    answer = exchange("GET", answering + "/x", timeout=5)
    assert (answer.status, answer.outcome) == (503, "unknown")


def test_a_refused_connection_failed_and_a_silent_server_is_unknown():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    assert exchange("GET", f"http://127.0.0.1:{port}/x", timeout=5).outcome == "failed"  # nothing listens
    with socket.socket() as silent:  # accepts (the kernel's backlog) but never answers, as a paused server
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        answer = exchange("GET", f"http://127.0.0.1:{silent.getsockname()[1]}/x", timeout=0.3)
    assert (answer.outcome, answer.note) == ("unknown", "timeout")
