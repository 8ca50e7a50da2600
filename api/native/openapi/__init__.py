"""The OpenAPI 3.1 document of the HTTP API, and ``GET /openapi.json``.

The document is plain Python data built by :func:`document`; README.md is the
contract it follows, and ``tests/api/native/test_openapi.py`` keeps the two true to
the server: every route the app serves is documented and nothing else, and
generated requests get only documented answers.

Some routes exist only on some builds (``/metrics`` and ``/events`` need the
control plane's recorder and metrics; ``/deployments`` comes with the
deployments feature), so the served document keeps only the paths and methods
the app really routes (:func:`served_routes`).

The package, by idea: :mod:`~api.native.openapi.schemas` (the components:
bodies, shared answers, headers; the validation rules as JSON Schema),
:mod:`~api.native.openapi.paths` (the operations of every route), and
:mod:`~api.native.openapi.served` (the document for the routes an app
serves, and its Falcon resource). It may import :mod:`api.native`'s rules and
limits and :mod:`api.quantity`; nothing of the actors.
"""

from api.native.openapi.served import API_VERSION, OPENAPI_VERSION, OpenAPIDocument, document, served_routes

__all__ = ["API_VERSION", "OPENAPI_VERSION", "OpenAPIDocument", "document", "served_routes"]
