"""The HTTP API: a Falcon app over the control plane's actors."""

from api.app import create_app

__all__ = ["create_app"]
