"""``?limit=N&after=ID``: lists come in pages with the next one in a Link header."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import assert_error, post_node, post_task
from tests.helpers import settle


def next_link(response) -> str | None:
    link = response.headers.get("link")
    if link is None:
        return None
    match = re.fullmatch(r'<([^>]+)>; rel="next"', link)  # quoted, as the README shows
    assert match, link
    return match.group(1)


def walk(client, path: str) -> list[list[str]]:
    pages = []
    while path:
        route, _, query = path.partition("?")
        response = client.simulate_get(route, query_string=query)
        assert response.status_code == 200, response.text
        pages.append([o["id"] for o in response.json])
        path = next_link(response)
    return pages


def test_tasks_page_in_creation_order(client):
    for i in range(7):
        post_task(client, id=f"t{6 - i}")
    assert walk(client, "/tasks?limit=3") == [["t6", "t5", "t4"], ["t3", "t2", "t1"], ["t0"]]
    assert walk(client, "/tasks?limit=7") == [["t6", "t5", "t4", "t3", "t2", "t1", "t0"]]
    assert walk(client, "/tasks") == [["t6", "t5", "t4", "t3", "t2", "t1", "t0"]]


def test_nodes_page_by_id_with_filters_kept(client, control_plane):
    for name in ("c", "a", "e", "b", "d"):
        post_node(client, id=name)
    assert walk(client, "/nodes?limit=2") == [["a", "b"], ["c", "d"], ["e"]]
    client.simulate_put("/nodes/b", json={"healthy": False})
    client.simulate_put("/nodes/d", json={"healthy": False})
    assert walk(client, "/nodes?healthy=true&limit=2") == [["a", "c"], ["e"]]
    response = client.simulate_get("/nodes", query_string="healthy=true&limit=2")
    assert "healthy=true" in next_link(response)


def test_a_filtered_task_page_walks_only_matching_tasks(client, control_plane):
    post_node(client, id="n1", capacity={"cpu": 1000})
    for i in range(6):
        post_task(client, id=f"t{i}", resources={"cpu": 400})
    settle(control_plane)
    assert walk(client, "/tasks?status=pending&limit=2") == [["t2", "t3"], ["t4", "t5"]]
    assert walk(client, "/tasks?node=n1&limit=1") == [["t0"], ["t1"]]


def test_after_a_deleted_task_says_to_start_again(client):
    post_task(client, id="t1")
    post_task(client, id="t2")
    client.simulate_delete("/tasks/t1")
    response = client.simulate_get("/tasks", query_string="after=t1&limit=5")
    assert response.status_code == 422
    assert "t1" in response.json["description"] and response.json["field"] == "after"


@pytest.mark.parametrize(
    ("query", "status", "mention"),
    [
        # limit is a malformed query parameter (400, like healthy and watch);
        # after is an id, checked like every id (422 naming the field, as
        # for a deleted task above).
        ("limit=0", 400, "limit"),
        ("limit=-1", 400, "limit"),
        ("limit=x", 400, "limit"),
        ("limit=100001", 400, "limit"),
        ("after=BAD", 422, "after"),
    ],
)
@pytest.mark.parametrize("path", ["/tasks", "/nodes"])
def test_bad_paging_parameters_are_refused(client, path, query, status, mention):
    error = assert_error(client.simulate_get(path, query_string=query), status, mention)
    if status == 422:
        assert error["field"] == mention
