"""The JSON body reader's two ways of parsing give the same answers: the
quick one (strict UTF-8 without escapes) and the careful one (every string
checked for lone surrogates; UTF-16 and -32 allowed, as JSON is)."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import assert_error, send_raw


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"name": "\u00e9t\u00e9"}'.encode(), id="utf-8"),
        pytest.param(b'{"name": "\\u00e9t\\u00e9"}', id="utf-8-with-escapes"),
        pytest.param(b"\xef\xbb\xbf" + '{"name": "\u00e9t\u00e9"}'.encode(), id="utf-8-bom"),
        pytest.param('{"name": "\u00e9t\u00e9"}'.encode("utf-16-le"), id="utf-16-le"),
        pytest.param('{"name": "\u00e9t\u00e9"}'.encode("utf-32-be"), id="utf-32-be"),
    ],
)
def test_json_in_any_encoding_json_allows_is_read(client, body):
    resp = send_raw(client, "POST", "/tasks", body)

    assert resp.status_code == 201, resp.text
    assert resp.json["name"] == "\u00e9t\u00e9"


@pytest.mark.parametrize(
    ("body", "mention"),
    [
        pytest.param(b'{"id": "n2", "id": "n3"}', "duplicate key 'id'", id="duplicate-quick"),
        pytest.param(b'{"id": "n2", "labels": {"a": "\\u0041", "a": "b"}}', "duplicate key 'a'", id="duplicate-careful"),
        pytest.param(b'{"id": "n2", "labels": {"a": "\xed\xa0\x80"}}', "surrogate", id="raw-utf-8-surrogate"),
        pytest.param('{"id": "n2", "labels": {"a": "\\ud800"}}'.encode("utf-16-le"), "surrogate", id="utf-16-escape"),
    ],
)
def test_duplicates_and_lone_surrogates_are_refused_either_way(client, body, mention):
    assert_error(send_raw(client, "POST", "/nodes", body), 400, mention)


def test_answers_too_big_for_orjson_are_still_json():
    from api.app import _dumps

    assert json.loads(_dumps({"n": 2**70, "s": "\u00e9"})) == {"n": 2**70, "s": "\u00e9"}
    assert _dumps({"a": [1, None]}) == b'{"a":[1,null]}'
