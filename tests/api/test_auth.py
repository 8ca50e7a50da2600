from __future__ import annotations

import falcon.testing
import pytest

from api.app import create_app
from api.auth import TokenFileError, parse_token_file, role_of

ADMIN = "admin-token-0123456789"
VIEWER = "viewer-token-0123456789"


@pytest.fixture
def client(control_plane):
    return falcon.testing.TestClient(create_app(control_plane, tokens={ADMIN: "admin", VIEWER: "viewer"}))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_health_needs_no_token(client):
    assert client.simulate_get("/health").status_code == 200


@pytest.mark.parametrize("path", ["/nodes", "/tasks", "/events", "/metrics", "/nodes/x", "/nope"])
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Bearer wrong-token-0123456789"},
     {"Authorization": f"Basic {ADMIN}"}, {"Authorization": ADMIN}, {"Authorization": f"Bearer {ADMIN}x"}],
)
def test_everything_else_needs_a_valid_token(client, path, headers):
    response = client.simulate_get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["description"] == "send a valid token: 'Authorization: Bearer TOKEN'"
    assert ADMIN not in response.text


def test_a_viewer_reads_but_may_not_write(client):
    assert client.simulate_get("/nodes", headers=bearer(VIEWER)).status_code == 200
    for method, path in (("POST", "/nodes"), ("PUT", "/nodes/n1"), ("DELETE", "/tasks/t1"), ("POST", "/tasks")):
        response = client.simulate_request(method, path, json={"id": "n1"}, headers=bearer(VIEWER))
        assert response.status_code == 403, (method, path)
        assert "viewer" in response.json["description"]
    assert client.simulate_get("/nodes", headers=bearer(ADMIN)).json == []


def test_an_admin_writes(client):
    assert client.simulate_post("/nodes", json={"id": "n1"}, headers=bearer(ADMIN)).status_code == 201
    assert [n["id"] for n in client.simulate_get("/nodes", headers=bearer(VIEWER)).json] == ["n1"]


def test_token_files_are_read_strictly():
    text = f"# who may do what\n{ADMIN} admin\n\n  {VIEWER}   viewer  # read-only\n"
    assert parse_token_file(text) == {ADMIN: "admin", VIEWER: "viewer"}
    for bad, why in (
        (f"{ADMIN}\n", "line 1: expected 'TOKEN ROLE'"),
        (f"{ADMIN} root\n", "line 1: role must be admin or viewer"),
        ("short admin\n", "at least 16"),
        (f"{ADMIN} admin\n{ADMIN} viewer\n", "line 2: the same token appears twice"),
        ("# nothing\n", "holds no tokens"),
    ):
        with pytest.raises(TokenFileError, match=why) as info:
            parse_token_file(bad)
        assert ADMIN not in str(info.value)


def test_roles_are_found_by_full_comparison():
    tokens = {ADMIN: "admin", VIEWER: "viewer"}
    assert role_of(ADMIN, tokens) == "admin"
    assert role_of(VIEWER, tokens) == "viewer"
    assert role_of(ADMIN[:-1], tokens) is None
    assert role_of("", tokens) is None
