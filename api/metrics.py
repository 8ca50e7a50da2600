"""``GET /metrics`` in Prometheus text format, and the middleware that times
every request by route template, method and status code."""

from __future__ import annotations

import time
from typing import Any

import falcon
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from actors.metrics import Metrics


class MetricsResource:
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = CONTENT_TYPE_LATEST
        resp.data = generate_latest(self.metrics.registry)


class RequestTimer:
    """Falcon middleware: one histogram observation per request."""

    def __init__(self, metrics: Metrics) -> None:
        self.histogram = metrics.http_duration
        self._children: dict[tuple[str, str, int], Any] = {}
        """The histogram of each label set seen: ``labels()`` costs more
        than the observation itself, on every request."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.perf_counter()

    def process_response(self, req: falcon.Request, resp: falcon.Response, resource: object, req_succeeded: bool) -> None:
        started = getattr(req.context, "started", None)
        if started is None:
            return
        route = req.uri_template or "unmatched"  # never the raw path: ids would explode the label set
        key = (route, req.method, resp.status_code)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.histogram.labels(route, req.method, str(resp.status_code))
        child.observe(time.perf_counter() - started)
