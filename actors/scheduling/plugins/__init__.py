"""kube-scheduler's default profile as plug-ins, each a filter and/or a
score with its rule for one node and its vector form for all nodes at once.

Filters, in kube-scheduler's order (a node is reported under the first that
rejects it): :mod:`node_state` (ready, not cordoned), :mod:`taint_toleration`,
:mod:`node_affinity` (selector and required terms), :mod:`resources`
(NodeResourcesFit), :mod:`topology_spread` (``DoNotSchedule``),
:mod:`inter_pod_affinity` (required terms, and the running tasks' required
anti-affinity). Scores (:mod:`profiles` weighs them): NodeResourcesFit
(LeastAllocated for ``spread``, MostAllocated for ``binpack``),
NodeResourcesBalancedAllocation, TaintToleration (``PreferNoSchedule``),
NodeAffinity (preferred terms), PodTopologySpread (``ScheduleAnyway``) and
InterPodAffinity (preferred terms, both ways).

Every score is a whole number from 0 to 100 once normalised, computed with
kube-scheduler's formulas; a node's total is the weighted sum, and the best
total wins, ties to the smallest node id. Pure: no threads, no clock.
"""

from __future__ import annotations

from actors.scheduling.plugins.base import Cluster, ScorePlugin
from actors.scheduling.plugins.profiles import DEFAULT_WEIGHTS, PROFILES, Profile, profile

__all__ = ["Cluster", "DEFAULT_WEIGHTS", "PROFILES", "Profile", "ScorePlugin", "profile"]
