"""Query parameters read strictly, as README documents them.

Falcon's ``get_param_as_bool`` also takes ``yes``, ``on``, ``1``, ``t`` and
more, and reads a blank value (``?healthy=``) as true; the API documents
``true`` and ``false`` only, and a client that sends anything else has made a
mistake it should hear about.
"""

from __future__ import annotations

import falcon


def bool_param(req: falcon.Request, name: str, default: bool | None = None) -> bool | None:
    """``true`` or ``false``; ``default`` when absent; 400 for anything else
    (blank, another spelling, or given more than once)."""
    value = req.params.get(name)
    if value is None:
        return default
    if value == "true":
        return True
    if value == "false":
        return False
    raise falcon.HTTPInvalidParam('The value must be "true" or "false", given once.', name)
