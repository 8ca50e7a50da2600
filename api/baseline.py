"""The yardstick for create throughput: a bare Falcon app on our waitress setup.

``POST /tasks`` parses the JSON body with Falcon's own media handler and
answers 201 with it; nothing else happens. It runs behind
:class:`api.server.Server` with the same settings as ``orchestrator serve``
(threads, connection limit, channel timeout, poll loop), so that the gap
between it and the real server is what the control plane costs, not a
different HTTP setup. ``scripts/benchmarks/http.py`` measures both.

    python -m api.baseline serve --port 0 [--threads 8]
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

import falcon

from api.server import Server


class Echo:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = req.get_media()
        resp.status = falcon.HTTP_201


class Health:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"status": "ok"}


def create_app() -> falcon.App:
    app = falcon.App()
    app.add_route("/tasks", Echo())
    app.add_route("/health", Health())
    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.baseline", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--threads", type=int, default=8, help="as orchestrator serve (default 8)")
    serve.add_argument("--log-level", default="warning", help="accepted for the same command line; unused")
    args = parser.parse_args(argv)
    server = Server(create_app(), host=args.host, port=args.port, threads=args.threads)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: server.stop())
    print(f"baseline serving on {server.url}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
