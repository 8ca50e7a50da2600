"""``orchestrator kubeconfig``: a kubeconfig for kubectl and the client
libraries, pointing at a running server (with its bearer token, if any).

Print it to a file and point ``KUBECONFIG`` at it::

    orchestrator kubeconfig > orchestrator.kubeconfig
    KUBECONFIG=orchestrator.kubeconfig kubectl get nodes
"""

from __future__ import annotations

import urllib.parse

import yaml

NAME = "orchestrator"


def kubeconfig(server: str, token: str | None = None, namespace: str = "default") -> str:
    """The kubeconfig as YAML: one cluster, one user, one current context."""
    parsed = urllib.parse.urlsplit(server)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"--server must be an http:// or https:// URL, not '{server[:80]}'")
    user: dict[str, str] = {"token": token} if token else {}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": NAME, "cluster": {"server": server.rstrip("/")}}],
        "users": [{"name": NAME, "user": user}],
        "contexts": [{"name": NAME, "context": {"cluster": NAME, "user": NAME, "namespace": namespace}}],
        "current-context": NAME,
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)
