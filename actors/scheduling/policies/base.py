"""What a placement policy is: a small class with its filter, its score and
its choice of GPU device, run by :func:`choose` over :class:`GpuNodes`.

A policy's ``score`` gives whole numbers from 0 to 100 (truncated, as
kube-scheduler's are) to the feasible nodes; the best wins. Among nodes of
the best score, ``tie`` decides: ``"random"`` takes the node the run's
seeded random priority ranks first (a fixed order of the nodes per run, as
the paper's simulator does), ``"first"`` the first node in name order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from actors.scheduling.gpu import GpuNodes, Request


@dataclasses.dataclass
class Context:
    """What a policy may prepare from before the first task: the nodes, the
    workload's requests (``fgd`` takes its typical tasks from them) and the
    run's random numbers."""

    nodes: GpuNodes
    workload: Sequence[Request] | Mapping[Request, int]
    """The tasks, or how many of each request (the scheduler's count)."""
    rng: np.random.Generator


class Policy:
    """A placement policy. Subclasses set ``name`` and override ``score``,
    and may override ``filter``, ``device`` choice, ``prepare`` and
    ``booked``."""

    name = ""
    tie = "random"

    def prepare(self, context: Context) -> None:
        """Called once, before the first task."""
        self.rng = context.rng

    def filter(self, nodes: GpuNodes, request: Request) -> np.ndarray:
        """The nodes that may take the task (a boolean mask)."""
        return nodes.feasible(request)

    def score(self, nodes: GpuNodes, request: Request, candidates: np.ndarray) -> np.ndarray:
        """Whole scores from 0 to 100 for the nodes of ``candidates``."""
        raise NotImplementedError

    def devices(self, nodes: GpuNodes, request: Request, node: int) -> tuple[int, ...]:
        """The devices the task takes on the chosen node."""
        return nodes.default_devices(node, request)

    def booked(self, nodes: GpuNodes, node: int) -> None:
        """Told after a task was booked on (or released from) ``node``."""


@dataclasses.dataclass(frozen=True, slots=True)
class Choice:
    node: int
    devices: tuple[int, ...]
    score: int


def choose(policy: Policy, nodes: GpuNodes, request: Request, priority: np.ndarray,
           allowed: np.ndarray | None = None) -> Choice | None:
    """The node (and devices) ``policy`` picks for ``request``, None when
    none can take it. ``priority[n]`` is node n's rank for random ties
    (lower first); name order ranks the ``"first"`` ties. ``allowed``, when
    given, is a mask of the only nodes the task may use (ready, matching its
    selector and affinity: the scheduler's rules)."""
    mask = policy.filter(nodes, request)
    if allowed is not None:
        mask = mask & allowed
    candidates = np.flatnonzero(mask)
    if candidates.size == 0:
        return None
    scores = np.asarray(policy.score(nodes, request, candidates), dtype=np.int64)
    top = candidates[scores == scores.max()]
    if policy.tie == "random":
        node = int(top[np.argmin(priority[top])])
    else:
        node = int(top[0])
    return Choice(node, policy.devices(nodes, request, node), int(scores.max()))


def truncated(values: np.ndarray) -> np.ndarray:
    """Scores as whole numbers, truncated toward zero and held to 0-100."""
    return np.clip(np.trunc(values), 0, 100).astype(np.int64)
