"""The HTTP API: a Falcon app over the control plane's actors."""

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
