"""The ``orchestrator`` command."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import TextIO

import pykka

from actors import Settings, start_control_plane
from actors.domain.errors import StoreError
from actors.scheduler import known_policies
from actors.scheduling import policies
from actors.scheduling.rules import DEFAULT_POLICY, POLICIES
from actors.store.backends import STORE_HELP, open_backend
from api.client import commands as commands_module
from api.client import kubeconfig as kubeconfig_module
from api import simulate as simulate_module
from api.argtypes import non_negative_int, positive_int, positive_seconds, score_weight
from api.app import create_app
from api.auth import TokenFileError, load_token_file
from api.server import Server

logger = logging.getLogger("orchestrator")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orchestrator", description="A Kubernetes-like control plane simulator.")
    client = argparse.ArgumentParser(add_help=False)
    client.add_argument("--server", default=None, metavar="URL",
                        help=f"the API server (default $ORCHESTRATOR_URL, else {commands_module.DEFAULT_SERVER})")
    client.add_argument("--token", default=None,
                        help="bearer token for a server with --token-file (default $ORCHESTRATOR_TOKEN)")
    commands = parser.add_subparsers(dest="command", required=True)
    kinds = "nodes, tasks or deployments"
    get = commands.add_parser("get", parents=[client], help=f"list {kinds}")
    get.add_argument("kind", help=kinds)
    get.add_argument("names", nargs="*", help="only these")
    get.add_argument("-o", "--output", choices=["wide", "json", "yaml"], help="more columns, or the objects as JSON or YAML")
    get.add_argument("-w", "--watch", action="store_true", help="after listing, print each change as it happens")
    describe = commands.add_parser("describe", parents=[client], help="show one object and its recent events")
    describe.add_argument("kind", help=kinds)
    describe.add_argument("name")
    explain = commands.add_parser("explain", parents=[client],
                                  help="why a task is on its node, or why it waits: every node's verdict")
    explain.add_argument("kind", choices=["task"], help="task")
    explain.add_argument("name")
    explain.add_argument("--limit", type=positive_int, default=20, help="nodes shown of each kind (default 20)")
    explain.add_argument("--node", default=None, help="only the nodes whose name contains this")
    apply = commands.add_parser("apply", parents=[client], help="create or update objects from a YAML or JSON file")
    apply.add_argument("-f", "--filename", required=True, help="the file ('-' for standard input)")
    delete = commands.add_parser("delete", parents=[client], help="delete objects")
    delete.add_argument("kind", help=kinds)
    delete.add_argument("names", nargs="+")
    for name, help_text in (("cordon", "mark a node unschedulable"), ("uncordon", "mark a node schedulable")):
        command = commands.add_parser(name, parents=[client], help=help_text)
        command.add_argument("node")
    scale = commands.add_parser("scale", parents=[client], help="set a deployment's replicas")
    scale.add_argument("kind", help="deployment")
    scale.add_argument("name")
    scale.add_argument("--replicas", type=int, required=True)
    kubeconfig = commands.add_parser("kubeconfig", parents=[client],
                                     help="print a kubeconfig for kubectl pointing at the server")
    kubeconfig.add_argument("--namespace", default="default", help="the context's namespace (default default)")
    simulate_module.add_parser(commands)
    serve = commands.add_parser("serve", help="run the control plane and its HTTP API")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; others need --token-file or --insecure)")
    serve.add_argument("--token-file", metavar="FILE",
                       help="turn on bearer tokens: lines of 'TOKEN ROLE', role admin or viewer")
    serve.add_argument("--insecure", action="store_true",
                       help="allow a non-loopback --host without tokens (anyone who can connect may write)")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080; 0 picks a free one)")
    serve.add_argument("--store", default="sqlite:orchestrator.db", metavar="STORE",
                       help=f"where state is kept: {STORE_HELP} (default sqlite:orchestrator.db)")
    serve.add_argument("--fsync", default="normal", choices=["normal", "full"],
                       help="normal: acknowledged writes survive a crash of the server; "
                            "full: they survive power loss too, at the cost of an fsync per group commit")
    serve.add_argument("--reconcile-interval", type=positive_seconds, default=1.0, metavar="SECONDS",
                       help="seconds between periodic reconciles (default 1); changes trigger one at once")
    serve.add_argument("--node-timeout", type=positive_seconds, default=40.0, metavar="SECONDS",
                       help="seconds without a heartbeat before a non-simulated node is unhealthy (default 40)")
    serve.add_argument("--leader-ttl", type=positive_seconds, default=5.0, metavar="SECONDS",
                       help="with an etcd store: seconds of the leader election lease; when the leading "
                            "process dies another takes over within two of these (default 5)")
    serve.add_argument("--policy", default=DEFAULT_POLICY, metavar="POLICY",
                       help=f"placement policy: {', '.join(known_policies())}, or one a --policy-module "
                            f"registers (default {DEFAULT_POLICY})")
    serve.add_argument("--policy-module", action="append", default=[], metavar="FILE.py:Name",
                       help="load a policy class of your own (repeatable); --policy then names it")
    serve.add_argument("--seed", type=non_negative_int, default=0,
                       help="seeds a plug-in policy's random choices: its tie order, random's picks (default 0)")
    serve.add_argument("--score-weight", type=score_weight, action="append", default=[], metavar="NAME=WEIGHT",
                       help="with spread or binpack: change a score plug-in's weight, 0 turning it off "
                            "(repeatable; kube-scheduler's defaults: TaintToleration=3, NodeAffinity=2, "
                            "PodTopologySpread=2, InterPodAffinity=2, NodeResourcesFit=1, "
                            "NodeResourcesBalancedAllocation=1)")
    serve.add_argument("--threads", type=positive_int, default=8, help="HTTP worker threads (default 8)")
    serve.add_argument("--max-watches", type=positive_int, default=None, metavar="N",
                       help="event streams open at once, each holding a thread (default: half of --threads)")
    serve.add_argument("--max-events", type=positive_int, default=100_000, metavar="N",
                       help="events kept in memory for listing and watching (default 100000)")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"],
                       help="debug logs one line per scheduling decision (default info)")
    return parser


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(args: argparse.Namespace) -> int:
    try:
        for spec in args.policy_module:
            policies.load(spec)
    except policies.PolicyError as exc:
        print(f"orchestrator: {exc}", file=sys.stderr)
        return 2
    if args.policy not in known_policies():
        print(f"orchestrator: no policy '{args.policy}'; choose one of {', '.join(known_policies())}",
              file=sys.stderr)
        return 2
    if args.score_weight and args.policy not in POLICIES:
        print(f"orchestrator: --score-weight changes the spread and binpack profiles, not policy '{args.policy}'",
              file=sys.stderr)
        return 2
    tokens = None
    if args.token_file:
        try:
            tokens = load_token_file(args.token_file)
        except TokenFileError as exc:
            print(f"orchestrator: {exc}", file=sys.stderr)
            return 2
    if not _loopback(args.host) and tokens is None and not args.insecure:
        print(
            f"orchestrator: refusing to listen on {args.host} without access control; "
            "give --token-file FILE, or --insecure to accept writes from anyone who can connect",
            file=sys.stderr,
        )
        return 2
    try:
        backend = open_backend(args.store, args.fsync)
    except StoreError as exc:
        print(f"orchestrator: cannot use store {args.store}: {exc}", file=sys.stderr)
        return 2
    try:
        control_plane = start_control_plane(
            Settings(
                reconcile_interval=args.reconcile_interval, node_timeout=args.node_timeout, policy=args.policy,
                seed=args.seed, score_weights=dict(args.score_weight),
                event_capacity=args.max_events, leader_ttl=args.leader_ttl,
            ),
            backend,
        )
    except StoreError as exc:
        backend.close()
        print(f"orchestrator: cannot use store {args.store}: {exc}", file=sys.stderr)
        return 2
    try:
        max_watches = args.max_watches if args.max_watches is not None else max(1, args.threads // 2)
        server = Server(
            create_app(control_plane, max_watches=max_watches, tokens=tokens),
            host=args.host, port=args.port, threads=args.threads,
            on_stop=[control_plane.end_watches],
        )
    except BaseException:
        control_plane.stop()
        pykka.ActorRegistry.stop_all()
        raise

    def on_signal(signum: int, frame: object) -> None:
        logger.info("received %s; stopping", signal.Signals(signum).name)
        server.stop()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    logger.info("serving on %s", server.url)
    print(f"orchestrator serving on {server.url}", flush=True)
    try:
        server.serve_forever()
    finally:
        control_plane.stop()
        pykka.ActorRegistry.stop_all()
        logger.info("stopped")
    return 0


def run_client_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    c = commands_module
    if args.command == "kubeconfig":
        try:
            out.write(kubeconfig_module.kubeconfig(args.server or c.default_server(),
                                                   args.token or os.environ.get("ORCHESTRATOR_TOKEN"), args.namespace))
        except ValueError as exc:
            err.write(f"error: {exc}\n")
            return 1
        return 0
    try:
        api = c.Api(args.server or c.default_server(), token=args.token or os.environ.get("ORCHESTRATOR_TOKEN"))
        try:
            if args.command == "get":
                return c.get(api, args.kind, args.names, args.output, args.watch, out)
            if args.command == "describe":
                return c.describe(api, args.kind, args.name, out)
            if args.command == "explain":
                return c.explain(api, args.name, args.limit, args.node, out)
            if args.command == "apply":
                return c.apply(api, args.filename, out, err)
            if args.command == "delete":
                return c.delete(api, args.kind, args.names, out)
            if args.command in ("cordon", "uncordon"):
                return c.cordon(api, args.node, args.command == "uncordon", out)
            if args.command == "scale":
                return c.scale(api, args.kind, args.name, args.replicas, out)
        finally:
            api.close()
    except c.CommandError as exc:
        err.write(f"{exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    raise AssertionError(f"unhandled command {args.command}")


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "simulate":
        return simulate_module.run(args, out or sys.stdout, err or sys.stderr)
    if args.command != "serve":
        return run_client_command(args, out or sys.stdout, err or sys.stderr)
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return serve(args)
    except OSError as exc:
        print(f"orchestrator: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
