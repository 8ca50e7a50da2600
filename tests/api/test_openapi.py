"""The OpenAPI document (``GET /openapi.json``) is valid and describes
exactly the routes the app serves."""

from __future__ import annotations

import json

import falcon
import falcon.testing
import pytest
from openapi_spec_validator import validate

from api import openapi
from api.app import create_app

OPERATIONS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def app(control_plane) -> falcon.App:
    return create_app(control_plane)


@pytest.fixture
def served(app) -> dict:
    resp = falcon.testing.TestClient(app).simulate_get("/openapi.json")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    return resp.json


def documented_routes(doc: dict) -> dict[str, set[str]]:
    return {path: {m.upper() for m in item if m in OPERATIONS} for path, item in doc["paths"].items()}


# -- the document --------------------------------------------------------------------------


def test_the_full_document_is_valid_openapi():
    validate(openapi.document())


def test_the_served_document_is_valid_openapi(served):
    validate(served)
    assert served["openapi"].startswith("3.1")


def test_every_route_the_app_serves_is_documented_with_its_methods_and_nothing_else(app, served):
    assert documented_routes(served) == openapi.served_routes(app)


def test_the_served_document_is_the_full_one_cut_to_the_served_routes(app, served):
    full = openapi.document()
    assert served == json.loads(json.dumps(openapi.document(openapi.served_routes(app))))
    for path, item in served["paths"].items():
        for method, operation in item.items():
            assert operation == json.loads(json.dumps(full["paths"][path][method])), (method, path)


def test_routes_the_app_lacks_are_left_out():
    doc = openapi.document({"/health": {"GET"}, "/nodes": {"GET"}, "/nowhere": {"GET"}})
    assert documented_routes(doc) == {"/health": {"GET"}, "/nodes": {"GET"}}
    assert "/deployments" in openapi.document()["paths"]  # documented, served only where routed


def test_every_operation_documents_its_error_answers():
    """The answers the server gives beyond 2xx, per kind of operation."""
    doc = openapi.document()
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method not in OPERATIONS:
                continue
            codes = set(operation["responses"])
            if "{" in path:
                assert {"404", "503"} <= codes, (method, path)
            if "requestBody" in operation:
                assert {"400", "413", "415", "422"} <= codes, (method, path)
            if method in ("put", "delete"):
                assert "409" in codes and any(p.get("name") == "If-Match" for p in operation["parameters"])
