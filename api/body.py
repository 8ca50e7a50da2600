"""Read JSON request bodies safely.

Falcon's own JSON handler reads bodies of any size, answers 500 for deep
nesting, and accepts NaN, Infinity and duplicate keys. This reader caps the
size (413), refuses other content types (415), and turns every kind of bad
JSON into a 400 that says what is wrong.
"""

from __future__ import annotations

import json
from typing import Any

import falcon

from api.native.validation import json_type_name

MAX_BODY_BYTES = 1024 * 1024


class _BadJSON(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _BadJSON(f"{name} is not allowed in JSON")


def _check_text(value: Any) -> None:
    """Refuse lone surrogates (``"\\ud800"``): valid JSON, but not text that
    can be stored or sent back as UTF-8."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _BadJSON("a string holds a lone surrogate (\\ud800-\\udfff), which is not valid text") from None
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        _check_text(key)
        _check_text(value)
        if key in result:
            raise _BadJSON(f"duplicate key '{key[:80]}'")
        result[key] = value
    return result


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Refuse duplicate keys (see :func:`_parse`)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        return _no_duplicates(pairs)  # raises, naming the key
    return result


def _parse(data: bytes) -> Any:
    """Strict UTF-8 without a ``\\u`` escape holds no lone surrogate, so
    only duplicate keys need a look at each object (the common, cheaper
    case); anything else (UTF-16 or -32, which JSON allows, a BOM, escapes)
    is checked string by string. As ``json.loads`` reads bytes, with decoders
    made once rather than per call."""
    encoding = json.detect_encoding(data)
    if encoding == "utf-8":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and "\\u" not in text:
            return _QUICK.decode(text)
    return _CAREFUL.decode(data.decode(encoding, "surrogatepass"))


_QUICK = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
_CAREFUL = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)


def read_json(req: falcon.Request) -> Any:
    """The request body as parsed JSON (any top-level value)."""
    if req.content_type is not None:
        media_type = req.content_type.split(";", 1)[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise falcon.HTTPUnsupportedMediaType(
                title="Unsupported media type",
                description=f"Content-Type must be application/json, not '{media_type[:80]}'",
            )
    if req.content_length is not None and req.content_length > MAX_BODY_BYTES:
        raise _too_large()
    data = req.bounded_stream.read(MAX_BODY_BYTES + 1)
    if len(data) > MAX_BODY_BYTES:
        raise _too_large()
    if not data.strip():
        raise falcon.HTTPBadRequest(title="Empty body", description="the request body is empty; send a JSON object")
    try:
        return _parse(data)
    except UnicodeDecodeError:
        raise falcon.HTTPBadRequest(title="Malformed JSON", description="the body is not UTF-8 text") from None
    except RecursionError:
        raise falcon.HTTPBadRequest(title="Malformed JSON", description="the JSON is nested too deeply") from None
    except ValueError as exc:  # json.JSONDecodeError and _BadJSON
        raise falcon.HTTPBadRequest(title="Malformed JSON", description=f"the body is not valid JSON: {exc}") from None


def read_json_object(req: falcon.Request) -> dict[str, Any]:
    value = read_json(req)
    if not isinstance(value, dict):
        raise falcon.HTTPBadRequest(
            title="Not a JSON object",
            description=f"the body must be a JSON object, not {json_type_name(value)}",
        )
    return value


def read_optional_object(req: falcon.Request) -> dict[str, Any]:
    """A JSON object body, or {} when there is no body (DELETE, heartbeat)."""
    if req.content_length == 0 or (req.content_length is None and req.get_header("Transfer-Encoding") is None):
        return {}
    return read_json_object(req)


def _too_large() -> falcon.HTTPError:
    return falcon.HTTPContentTooLarge(
        title="Body too large",
        description=f"the request body is larger than {MAX_BODY_BYTES} bytes",
    )
