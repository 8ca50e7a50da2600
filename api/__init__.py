"""The HTTP API: a Falcon app over the control plane's actors, and its clients.

Holds the app and its server (:mod:`api.app`, :mod:`api.server`,
:mod:`api.cli`), the HTTP plumbing shared by every route (``body``,
``errors``, ``auth``, ``params``, ``consistency``, ``metrics``, ``quantity``,
``baseline``), the native API (:mod:`api.native`) and the clients
(:mod:`api.client`).

May import: :mod:`actors`, the standard library and third-party packages.
:mod:`api.client` is the exception: it imports nothing of :mod:`actors` and
no :mod:`api` module outside itself (``tests/test_layout.py`` checks it).
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the load clients (api.client.rawload, api.client.loadgen) run
    # in processes of their own and need none of the app, Falcon or the actors.
    if name == "create_app":
        from api.app import create_app

        return create_app
    raise AttributeError(f"module 'api' has no attribute {name!r}")
