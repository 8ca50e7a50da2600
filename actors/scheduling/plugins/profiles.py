"""Profiles: which score plug-ins count, and how much.

``spread`` is kube-scheduler's default profile (NodeResourcesFit with
LeastAllocated); ``binpack`` the same with MostAllocated. The weights are
kube-scheduler's defaults: TaintToleration 3, NodeAffinity 2,
PodTopologySpread 2, InterPodAffinity 2, NodeResourcesFit 1,
NodeResourcesBalancedAllocation 1. A weight of 0 turns a score off
(``orchestrator serve --score-weight NAME=W`` changes one).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from actors.domain.errors import ValidationError
from actors.scheduling.plugins.base import ScorePlugin
from actors.scheduling.plugins.inter_pod_affinity import InterPodAffinityScore
from actors.scheduling.plugins.node_affinity import NodeAffinityScore
from actors.scheduling.plugins.taint_toleration import TaintTolerationScore
from actors.scheduling.plugins.topology_spread import TopologySpreadScore

FIT = "NodeResourcesFit"
BALANCED = "NodeResourcesBalancedAllocation"
DEFAULT_WEIGHTS: Mapping[str, int] = {
    "TaintToleration": 3,
    "NodeAffinity": 2,
    "PodTopologySpread": 2,
    "InterPodAffinity": 2,
    FIT: 1,
    BALANCED: 1,
}
EXTRA_SCORES: tuple[ScorePlugin, ...] = (TaintTolerationScore(), NodeAffinityScore(), TopologySpreadScore(),
                                         InterPodAffinityScore())
"""The scores besides the resource ones, in the order they are added."""
MAX_WEIGHT = 100


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    fit: str
    """NodeResourcesFit's strategy: LeastAllocated or MostAllocated."""
    weights: Mapping[str, int] = dataclasses.field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    @property
    def fit_weight(self) -> int:
        return self.weights.get(FIT, 0)

    @property
    def balanced_weight(self) -> int:
        return self.weights.get(BALANCED, 0)

    def extra_scores(self) -> list[tuple[ScorePlugin, int]]:
        return [(p, self.weights.get(p.name, 0)) for p in EXTRA_SCORES if self.weights.get(p.name, 0)]


PROFILES: Mapping[str, Profile] = {
    "spread": Profile("spread", "LeastAllocated"),
    "binpack": Profile("binpack", "MostAllocated"),
}


def profile(name: str, weights: Mapping[str, int] | None = None) -> Profile:
    """The profile ``name`` with ``weights`` changing some of its weights."""
    base = PROFILES[name]
    if not weights:
        return base
    for plugin, weight in weights.items():
        if plugin not in DEFAULT_WEIGHTS:
            raise ValidationError("score-weight", f"no score plug-in {plugin!r}; known: {', '.join(DEFAULT_WEIGHTS)}")
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= MAX_WEIGHT:
            raise ValidationError("score-weight", f"{plugin}'s weight must be a whole number from 0 to {MAX_WEIGHT}")
    return Profile(base.name, base.fit, {**base.weights, **weights})
