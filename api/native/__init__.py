"""The native HTTP API: the resources of ``/nodes``, ``/tasks``,
``/deployments`` and ``/events``, and what they need at the boundary.

Holds the Falcon resources (:mod:`~api.native.resources`,
:mod:`~api.native.events`), request validation that names the field
(:mod:`~api.native.validation`), records as JSON (:mod:`~api.native.serialize`)
and the OpenAPI document (:mod:`api.native.openapi`).

May import: :mod:`actors` (the control plane it serves), :mod:`api` (the
shared HTTP plumbing: body, errors, params, quantity), the standard library
and third-party packages. Not :mod:`api.client`.
"""
