"""The replay's sampler: its columns, kept up to date from the nodes that
changed, must say what columns built afresh from every node say."""

from __future__ import annotations

import dataclasses
import random

import pytest

from actors.domain.models import GPU_MODEL_LABEL, Resources
from actors.domain.views import ClusterView
from actors.scheduling.fragmentation import Fragmentation
from actors.scheduling.gpu import Request
from actors.scheduling.fragmentation import typical_tasks
from actors.scheduling.plugin_index import columns
from actors.simulation.sampling import ClusterSampler
from tests.helpers import make_node

TYPICAL = typical_tasks([Request(1000, 0, 1, 500)] * 3 + [Request(8000, 0, 2, 1000)] * 2 + [Request(500, 0, 1, 250)])


def _view(nodes, removed=(), complete=False, revision=1):
    return ClusterView(nodes=list(nodes), pending=[], stranded=[], removed=list(removed), complete=complete,
                       revision=revision)


def _used(node, rng):
    """``node`` with some of its cpu, memory and devices taken."""
    gpu_used = tuple(rng.choice((0, 250, 500, 1000)) for _ in range(node.gpus))
    kinds = ((0, rng.randint(0, 3)),) if any(gpu_used) else ()
    return dataclasses.replace(node, allocated=Resources(rng.randrange(0, 32_000, 250), rng.randrange(0, 65_536, 512),
                                                         sum(gpu_used)), gpu_used=gpu_used, gpu_kinds=kinds)


def _fresh(nodes):
    nodes = sorted(nodes, key=lambda n: n.id)
    cap = sum((n.capacity for n in nodes), Resources(0, 0, 0))
    alloc = sum((n.allocated for n in nodes), Resources(0, 0, 0))
    return cap, alloc, Fragmentation(columns(nodes), TYPICAL).total


@pytest.mark.parametrize("seed", range(5))
def test_the_sampler_fed_changes_says_what_a_fresh_look_at_every_node_says(seed):
    rng = random.Random(seed)
    nodes = {f"n{i:02d}": make_node(f"n{i:02d}", cpu=32_000, memory=65_536, gpus=rng.choice((0, 2, 4, 8)),
                                    labels={GPU_MODEL_LABEL: rng.choice(("A100", "T4"))}) for i in range(12)}
    sampler = ClusterSampler(TYPICAL)
    sampler.apply(_view(nodes.values(), complete=True, revision=1))
    for revision in range(2, 40):
        changed, removed = [], []
        for _ in range(rng.randint(0, 4)):
            node_id = rng.choice(sorted(nodes))
            roll = rng.random()
            if roll < 0.08:  # deleted
                del nodes[node_id]
                removed.append(node_id)
                continue
            node = _used(nodes[node_id], rng)
            if roll < 0.15:  # its capacity changed
                node = dataclasses.replace(node, capacity=Resources(64_000, 65_536, node.capacity.gpu),
                                           allocated=Resources(0, 0, node.allocated.gpu))
            nodes[node_id] = node
            changed.append(node)
        if rng.random() < 0.1:  # one added
            node = make_node(f"m{revision:02d}", cpu=16_000, memory=32_768, gpus=4)
            nodes[node.id] = node
            changed.append(node)
        changed = list({n.id: n for n in changed if n.id in nodes}.values())
        sampler.apply(_view(changed, [r for r in removed if r not in nodes], revision=revision))
        cap, alloc, fragmentation = _fresh(nodes.values())
        assert (sampler.capacity, sampler.allocated) == (cap, alloc)
        assert sampler.fragmentation == pytest.approx(fragmentation)
        assert sampler.revision == revision


def test_without_typical_tasks_there_is_no_fragmentation():
    sampler = ClusterSampler(None)
    sampler.apply(_view([make_node("a", gpus=2)], complete=True))
    assert sampler.fragmentation == 0.0 and sampler.capacity == Resources(4000, 8192, 2000)
