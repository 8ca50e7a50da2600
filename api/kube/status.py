"""Errors as Kubernetes ``Status`` objects (``meta/v1``).

kubectl and client-go read ``reason`` to decide what happened (NotFound,
AlreadyExists, Conflict ...) and print ``message``; ``details`` names the
object (and, for ``Invalid``, each field at fault in ``causes``). The codes
and reasons are those of k8s.io/apimachinery's ``StatusReason``.
"""

from __future__ import annotations

from typing import Any

import falcon

# HTTP status -> the reason kube-apiserver gives it when nothing more precise applies
REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


def status(
    code: int,
    message: str,
    reason: str | None = None,
    *,
    name: str | None = None,
    group: str | None = None,
    kind: str | None = None,
    causes: list[dict[str, str]] | None = None,
    retry_after: int | None = None,
) -> dict[str, Any]:
    """A ``Status`` of ``Failure``; ``kind`` is the plural resource (``pods``),
    as kube-apiserver writes it in ``details``."""
    details: dict[str, Any] = {}
    if name is not None:
        details["name"] = name
    if group is not None:
        details["group"] = group
    if kind is not None:
        details["kind"] = kind
    if causes:
        details["causes"] = causes
    if retry_after is not None:
        details["retryAfterSeconds"] = retry_after
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason or REASONS.get(code, ""),
        "code": code,
    }
    if details:
        body["details"] = details
    return body


def success(name: str, kind: str, group: str = "", uid: str | None = None) -> dict[str, Any]:
    """What a DELETE of a kind without a final state answers."""
    details: dict[str, Any] = {"name": name, "group": group, "kind": kind}
    if uid:
        details["uid"] = uid
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}


class StatusError(falcon.HTTPError):
    """An error whose body is already a ``Status``: raised by the Kubernetes
    resources, rendered as it is by :func:`api.errors.http_error`."""

    def __init__(self, code: int, message: str, reason: str | None = None, **details: Any) -> None:
        super().__init__(getattr(falcon, f"HTTP_{code}"), title=reason or REASONS.get(code, ""), description=message)
        self.body = status(code, message, reason, **details)


def invalid(kind: str, name: str, field: str, message: str, group: str = "", cause_type: str = "FieldValueInvalid") -> StatusError:
    """422 ``Invalid`` naming the field path, as kube-apiserver's validation does:
    ``Pod "web" is invalid: spec.containers[0].resources.requests.cpu: ...``."""
    resource_kind = kind[:1].upper() + kind[1:]
    return StatusError(
        422, f'{resource_kind} "{name}" is invalid: {field}: {message}', "Invalid",
        name=name, group=group, kind=KIND_TO_RESOURCE.get(kind, kind),
        causes=[{"reason": cause_type, "message": message, "field": field}],
    )


KIND_TO_RESOURCE = {
    "Pod": "pods", "Node": "nodes", "Namespace": "namespaces", "Deployment": "deployments",
    "ConfigMap": "configmaps", "Event": "events", "ReplicaSet": "replicasets", "Lease": "leases",
    "PriorityClass": "priorityclasses",
}
