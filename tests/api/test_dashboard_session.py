"""The dashboard's page and its login: a session cookie that stands for a
token's role, never readable by scripts nor sent by other sites, and a CSRF
token every write made with it must carry."""

from __future__ import annotations

import falcon.testing
import pytest

from api.app import create_app
from api.auth import SESSION_COOKIE, Sessions

ADMIN = "admin-token-0123456789"
VIEWER = "viewer-token-0123456789"


@pytest.fixture
def client(control_plane):
    return falcon.testing.TestClient(create_app(control_plane, tokens={ADMIN: "admin", VIEWER: "viewer"}))


def login(client, token):
    response = client.simulate_post("/ui/session", json={"token": token})
    assert response.status_code == 200, response.text
    return response.cookies[SESSION_COOKIE].value, response.json["csrf"], response


def test_the_page_and_its_files_need_no_token(client):
    page = client.simulate_get("/ui")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert client.simulate_get("/ui/static/index.html").status_code == 200
    assert client.simulate_get("/ui/session").json == {"auth": True, "role": None, "csrf": ""}
    assert client.simulate_get("/ui/static/../../auth.py").status_code == 404


def test_login_sets_an_httponly_strict_cookie_standing_for_the_role(client):
    session, csrf, response = login(client, VIEWER)
    header = response.headers["set-cookie"]
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/" in header
    assert VIEWER not in header and VIEWER not in response.text
    assert client.simulate_get("/ui/session", cookies={SESSION_COOKIE: session}).json == {
        "auth": True, "role": "viewer", "csrf": csrf}
    assert client.simulate_get("/nodes", cookies={SESSION_COOKIE: session}).status_code == 200
    written = client.simulate_post("/nodes", json={"id": "n1"}, cookies={SESSION_COOKIE: session},
                                   headers={"X-CSRF-Token": csrf})
    assert written.status_code == 403 and "viewer" in written.json["description"]


def test_a_write_in_a_session_needs_the_csrf_token(client):
    session, csrf, _ = login(client, ADMIN)
    cookies = {SESSION_COOKIE: session}
    for headers in ({}, {"X-CSRF-Token": "guess"}, {"X-CSRF-Token": csrf + "x"}):
        refused = client.simulate_post("/nodes", json={"id": "n1"}, cookies=cookies, headers=headers)
        assert refused.status_code == 403 and "X-CSRF-Token" in refused.json["description"]
    assert client.simulate_post("/nodes", json={"id": "n1"}, cookies=cookies,
                                headers={"X-CSRF-Token": csrf}).status_code == 201


@pytest.mark.parametrize(("body", "status"), [({"token": "wrong-token-0123456789"}, 401), ({}, 422),
                                              ({"token": 5}, 422), ({"token": ADMIN, "role": "admin"}, 422)])
def test_a_bad_login_is_refused_and_sets_nothing(client, body, status):
    response = client.simulate_post("/ui/session", json=body)
    assert response.status_code == status and SESSION_COOKIE not in response.cookies


def test_logout_and_unknown_or_expired_sessions_are_nobody(client, clock):
    session, _, _ = login(client, ADMIN)
    assert client.simulate_delete("/ui/session", cookies={SESSION_COOKIE: session}).status_code == 204
    assert client.simulate_get("/nodes", cookies={SESSION_COOKIE: session}).status_code == 401
    assert client.simulate_get("/nodes", cookies={SESSION_COOKIE: "made-up"}).status_code == 401
    sessions = Sessions(clock)
    old, _ = sessions.open("admin")
    clock.advance(12 * 3600)
    assert sessions.find(old) is None


def test_without_tokens_everyone_is_admin_and_no_login_is_asked(control_plane):
    client = falcon.testing.TestClient(create_app(control_plane))
    assert client.simulate_get("/ui/session").json == {"auth": False, "role": "admin", "csrf": ""}
    assert client.simulate_post("/ui/session", json={"token": "anything"}).json["auth"] is False
