"""The three patch forms of the Kubernetes API, as pure functions.

- JSON merge patch (RFC 7386, ``application/merge-patch+json``): objects
  merge key by key, ``null`` deletes, anything else replaces.
- Strategic merge patch (``application/strategic-merge-patch+json``): a
  merge patch in which lists of objects with a known merge key (containers
  by ``name``, conditions by ``type``, ...) merge item by item instead of
  being replaced, and ``$patch: delete`` in such an item removes it.
- JSON patch (RFC 6902, ``application/json-patch+json``): a list of
  ``add``, ``remove``, ``replace``, ``move``, ``copy`` and ``test`` operations
  on JSON pointers.

Each raises :class:`PatchError` (a 422 or 400 for the caller) saying which
operation or path failed.
"""

from __future__ import annotations

import copy
from typing import Any

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE, STRATEGIC)

# list field name -> the key its items merge on (strategic merge patch)
MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name",
    "env": "name", "ports": "containerPort", "volumes": "name", "volumeMounts": "mountPath",
    "conditions": "type", "tolerations": "key", "taints": "key", "imagePullSecrets": "name",
    "ownerReferences": "uid", "hostAliases": "ip", "topologySpreadConstraints": "topologyKey",
    "addresses": "type", "containerStatuses": "name",
}


class PatchError(ValueError):
    """The patch does not apply; the message names the operation or path."""


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target: Any, patch: Any, field: str = "") -> Any:
    """A merge patch that merges keyed lists (see :data:`MERGE_KEYS`)."""
    if isinstance(patch, list) and field in MERGE_KEYS and isinstance(target, list):
        return _merge_list(target, patch, MERGE_KEYS[field], field)
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue  # directives such as $setElementOrder: the order is kept as it is
        if value is None:
            result.pop(key, None)
        else:
            result[key] = strategic_merge_patch(result.get(key), value, key)
    return result


def _merge_list(target: list, patch: list, key: str, field: str) -> list:
    result = [copy.deepcopy(item) for item in target]
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise PatchError(f"{field}: every item of a strategic merge patch needs its merge key '{key}'")
        at = next((i for i, old in enumerate(result) if isinstance(old, dict) and old.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if at is not None:
                del result[at]
            continue
        if at is None:
            result.append({k: v for k, v in item.items() if not k.startswith("$")})
        else:
            result[at] = strategic_merge_patch(result[at], item, "")
    return result


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"path '{path}' must start with '/'")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _parent(doc: Any, parts: list[str], path: str) -> tuple[Any, str]:
    node = doc
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise PatchError(f"path '{path}' does not exist")
    return node, parts[-1]


def _get(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        return doc
    parent, last = _parent(doc, parts, path)
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent[int(last)]
    raise PatchError(f"path '{path}' does not exist")


def _add(doc: Any, path: str, value: Any) -> Any:
    parts = _pointer(path)
    if not parts:
        return value
    parent, last = _parent(doc, parts, path)
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise PatchError(f"index '{last}' of '{path}' is out of range")
    else:
        raise PatchError(f"path '{path}' does not exist")
    return doc


def _remove(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        raise PatchError("cannot remove the whole document")
    parent, last = _parent(doc, parts, path)
    if isinstance(parent, dict) and last in parent:
        del parent[last]
    elif isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        del parent[int(last)]
    else:
        raise PatchError(f"path '{path}' does not exist")
    return doc


def json_patch(doc: Any, operations: Any) -> Any:
    """RFC 6902; ``doc`` is not changed."""
    if not isinstance(operations, list):
        raise PatchError("a JSON patch is a list of operations")
    result = copy.deepcopy(doc)
    for i, op in enumerate(operations):
        if not isinstance(op, dict) or not isinstance(op.get("op"), str) or not isinstance(op.get("path"), str):
            raise PatchError(f"operation [{i}] needs 'op' and 'path' strings")
        kind, path = op["op"], op["path"]
        try:
            if kind in ("add", "replace", "test") and "value" not in op:
                raise PatchError("needs a 'value'")
            if kind == "add":
                result = _add(result, path, copy.deepcopy(op["value"]))
            elif kind == "remove":
                result = _remove(result, path)
            elif kind == "replace":
                _get(result, path)
                result = _add(_remove(result, path) if _pointer(path) else result, path, copy.deepcopy(op["value"]))
            elif kind in ("move", "copy"):
                source = op.get("from")
                if not isinstance(source, str):
                    raise PatchError("needs a 'from' string")
                value = copy.deepcopy(_get(result, source))
                if kind == "move":
                    result = _remove(result, source)
                result = _add(result, path, value)
            elif kind == "test":
                if _get(result, path) != op["value"]:
                    raise PatchError(f"test failed: '{path}' is not the given value")
            else:
                raise PatchError(f"unknown op '{kind[:20]}'")
        except PatchError as exc:
            raise PatchError(f"operation [{i}] ({kind} {path}): {exc}") from None
    return result


def apply_patch(content_type: str, doc: Any, patch: Any) -> Any:
    """The patched document, by the request's content type (no parameters)."""
    if content_type == JSON_PATCH:
        return json_patch(doc, patch)
    if not isinstance(patch, dict):
        raise PatchError("a merge patch must be a JSON object")
    if content_type == MERGE:
        return merge_patch(doc, patch)
    return strategic_merge_patch(doc, patch)
