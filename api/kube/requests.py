"""Reading a Kubernetes request: its body as a manifest of the route's kind
(JSON only, with ``fieldValidation`` applied), a patch by its content type,
``dryRun``, and the name, labels and ``resourceVersion`` a manifest gives,
each refused with the Status kube-apiserver would answer.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from typing import Any

import falcon

from actors.domain.errors import ValidationError
from api import body
from api.kube import fields, patch
from api.kube.status import KIND_TO_RESOURCE, StatusError, invalid
from api.native.validation import labels as valid_labels
from api.native.validation import valid_id

PROTOBUF = "application/vnd.kubernetes.protobuf"


def read_manifest(req: falcon.Request, resp: falcon.Response, kind: str, api_version: str = "v1") -> dict[str, Any]:
    """A manifest of ``kind``: a JSON object whose ``kind`` and ``apiVersion``
    (where given) match the route, with unknown fields handled as the
    request's ``fieldValidation`` says (:mod:`api.kube.fields`)."""
    try:
        how = fields.directive(req.get_param("fieldValidation"))
    except ValueError as exc:
        raise StatusError(400, str(exc), "BadRequest") from None
    manifest = read_object(req)
    given_kind, given_version = manifest.get("kind"), manifest.get("apiVersion")
    if given_kind not in (None, kind) or given_version not in (None, api_version):
        raise StatusError(400, f"the object is a {str(given_kind)[:40]} of {str(given_version)[:40]}; "
                          f"this path takes a {kind} of {api_version}", "BadRequest")
    for part in ("metadata", "spec", "status"):
        if part in manifest and not isinstance(manifest[part], dict):
            name = (manifest.get("metadata") or {}).get("name") if isinstance(manifest.get("metadata"), dict) else ""
            raise invalid(kind, str(name or "")[:63], part, "must be an object")
    unknown = fields.unknown_fields(kind, manifest)
    if unknown and how == fields.STRICT:
        listed = ", ".join(f'unknown field "{path.lstrip(".")}"' for path in unknown[:20])
        raise StatusError(422, f'{kind} in version "{api_version}" cannot be handled as a {kind}: '
                          f"strict decoding error: {listed}", "Invalid",
                          causes=[{"reason": "FieldValueInvalid", "message": "unknown field",
                                   "field": path.lstrip(".")} for path in unknown[:20]])
    if unknown and how == fields.WARN:
        for path in unknown[:20]:
            resp.append_header("Warning", f'299 - "unknown field \\"{path.lstrip(".")}\\""')
    return manifest


def read_object(req: falcon.Request) -> dict[str, Any]:
    """A JSON object body; protobuf is refused with 415 naming what works."""
    media = (req.content_type or "").split(";", 1)[0].strip().lower()
    if media == PROTOBUF:
        raise StatusError(
            415, "this server reads JSON bodies only, not protobuf: kubectl 1.32 and later send protobuf from "
            "typed commands such as 'kubectl create deployment'; write the object to a file and use "
            "'kubectl apply -f FILE' (or 'kubectl create -f FILE'), which send JSON", "UnsupportedMediaType")
    return body.read_json_object(req)

def version_of(value: object) -> int | None:
    if value is None:
        return None
    try:
        return int(str(value))
    except ValueError:
        raise StatusError(400, f"metadata.resourceVersion: '{str(value)[:30]}' is not a version", "BadRequest") from None

def name_of(manifest: Mapping[str, Any], kind: str) -> str:
    metadata = manifest.get("metadata")
    if not isinstance(metadata, dict):
        raise invalid(kind, "", "metadata", "Required value: an object with a name", cause_type="FieldValueRequired")
    name = metadata.get("name")
    if name is None and isinstance(metadata.get("generateName"), str):
        name = metadata["generateName"] + "".join(secrets.choice(string.ascii_lowercase + string.digits)
                                                  for _ in range(5))
    if name is None:
        raise invalid(kind, "", "metadata.name", "Required value: name or generateName is required",
                      cause_type="FieldValueRequired")
    try:
        return valid_id(name, "metadata.name")
    except ValidationError as exc:
        raise invalid(kind, str(name)[:63], exc.field, exc.message) from None


def labels_of(value: object, kind: str, name: str) -> dict[str, str]:
    if value is None:
        return {}
    try:
        return valid_labels(value, "metadata.labels")
    except ValidationError as exc:
        raise invalid(kind, name, exc.field, exc.message) from None

def dry_run(req: falcon.Request) -> bool:
    """``dryRun=All``: check everything, store nothing (the only value
    Kubernetes defines; any other is a 400)."""
    value = req.get_param("dryRun")
    if value is None:
        return False
    if value != "All":
        raise StatusError(400, f'dryRun must be "All", not "{value[:30]}"', "BadRequest")
    return True


def apply_patch_request(req: falcon.Request, current: dict[str, Any], kind: str, name: str) -> Any:
    """The object as the request's patch (by its Content-Type) makes it:
    still an object whose metadata, spec and status are objects (422
    otherwise), its metadata still naming it."""
    content_type = (req.content_type or "").split(";", 1)[0].strip().lower()
    if content_type == patch.APPLY:
        raise StatusError(415, "server-side apply (application/apply-patch+yaml) is not served; use client-side "
                          "'kubectl apply' (the default, without --server-side)", "UnsupportedMediaType")
    if content_type not in patch.PATCH_TYPES:
        raise StatusError(415, f"the patch type '{content_type[:60]}' is not supported; use one of "
                          f"{', '.join(patch.PATCH_TYPES)}", "UnsupportedMediaType")
    document = body.read_json(req)
    try:
        patched = patch.apply_patch(content_type, current, document)
    except patch.PatchError as exc:
        raise StatusError(422, f'{kind} "{name}" is invalid: {exc}', "Invalid", name=name,
                          kind=KIND_TO_RESOURCE.get(kind, f"{kind.lower()}s")) from None
    if not isinstance(patched, dict):
        raise invalid(kind, name, "", "the patched object is not an object")
    for part in ("metadata", "spec", "status"):
        if part in current and not isinstance(patched.get(part), dict):
            raise invalid(kind, name, part, "must be an object")
    if patched["metadata"].get("name", name) != name:
        raise invalid(kind, name, "metadata.name", "field is immutable", cause_type="FieldValueForbidden")
    return patched
