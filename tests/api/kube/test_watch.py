"""The watch stream's own rules, on a watch log fed by hand (no server)."""

from __future__ import annotations

import json
import threading

from actors.watch_log import WatchLog
from api.kube import objects
from api.kube.watch import Watcher
from tests.helpers import make_node


def lines(stream) -> list[dict]:
    return [json.loads(chunk) for chunk in stream if chunk.strip()]


def stream(log: WatchLog, *, start: int, timeout: float, bookmarks: bool, initial=(), keepalive: float = 0.02,
           matches=lambda obj: True):
    watcher = Watcher(log, threading.BoundedSemaphore(1), 1, keepalive=keepalive)
    return watcher._stream(list(initial), start, timeout, bookmarks,
                           lambda change: True, objects.node, matches, ("v1", "Node"), lambda obj: obj)


def test_a_quiet_stream_with_bookmarks_says_where_it_is_and_ends_at_its_timeout():
    log = WatchLog(start=7)
    got = lines(stream(log, start=7, timeout=0.1, bookmarks=True))
    assert got and all(e == {"type": "BOOKMARK", "object": {"kind": "Node", "apiVersion": "v1",
                                                             "metadata": {"resourceVersion": "7"}}} for e in got)
    assert lines(stream(log, start=7, timeout=0.1, bookmarks=False)) == []


def test_the_stream_opens_with_a_space_and_never_sends_a_blank_line():
    log = WatchLog(start=0)
    log.append([(None, make_node("n1", version=1))])
    chunks = list(stream(log, start=0, timeout=0.05, bookmarks=False))
    assert chunks[0] == b" " and all(chunk.strip() for chunk in chunks[1:])
    assert [json.loads(c)["type"] for c in chunks[1:]] == ["ADDED"]


def test_listed_objects_are_not_sent_again_and_selectors_apply_before_and_after():
    log = WatchLog(start=0)
    n1, n2 = make_node("n1", version=1), make_node("n2", version=2)
    log.append([(None, n1), (None, n2)])
    listed = [objects.node(n1)]  # n1 was listed at version 1: its change at 1 is not sent again
    relabelled = make_node("n2", version=3, labels={"zone": "a"})
    log.append([(n2, relabelled)])
    in_zone = stream(log, start=0, timeout=0.05, bookmarks=False, initial=listed,
                     matches=lambda obj: obj["metadata"]["labels"].get("zone") == "a")
    got = [(e["type"], e["object"]["metadata"]["name"]) for e in lines(in_zone)]
    assert got == [("ADDED", "n1"), ("ADDED", "n2")]  # n1 listed; n2 starts to match at version 3
