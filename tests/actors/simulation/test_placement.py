"""The paper's placement experiment on small synthetic traces: the
workload's padding, the curve, determinism and the summary."""

from __future__ import annotations

import numpy as np
import pytest

from actors.simulation import openb, placement
from tests.actors.simulation.trace_files import small_cluster


@pytest.fixture
def trace(tmp_path):
    nodes, pods = small_cluster(tmp_path)
    return openb.read_nodes(nodes), openb.read_pods(pods)


def test_the_workload_is_shuffled_then_padded_to_the_fill(trace):
    nodes, pods = trace
    capacity = sum(n.gpus for n in nodes) * 1000
    tasks = placement.workload(pods, capacity, 1.3, np.random.default_rng(3))
    assert sorted(p.name for p in tasks[:len(pods)]) == sorted(p.name for p in pods)
    assert [p.name for p in tasks[:len(pods)]] != sorted(p.name for p in pods)
    total = sum(p.gpu for p in tasks)
    assert total <= 1.3 * capacity < total + max(p.gpu for p in pods)
    assert [p.name for p in tasks] == [p.name for p in placement.workload(pods, capacity, 1.3,
                                                                           np.random.default_rng(3))]


def test_a_run_is_the_same_for_the_same_seed_and_accounts_for_every_task(trace):
    nodes, pods = trace
    first = placement.run(nodes, pods, "fgd", 7)
    assert first == placement.run(nodes, pods, "fgd", 7)
    assert first != placement.run(nodes, pods, "fgd", 8)
    assert 0 < first.failed < first.tasks
    xs = [p.arrived for p in first.curve]
    assert xs == sorted(xs) and xs[-1] >= 100
    for p in first.curve:
        assert 0 <= p.allocated <= min(p.arrived + 1, 100) and 0 <= p.fragmented <= 100
    assert 0 < first.unallocated_at_100 < 100


def test_every_built_in_policy_runs_and_fills_the_cluster(trace):
    nodes, pods = trace
    for summary in placement.study(nodes, pods, ["random", "dotprod", "gpu-clustering", "gpu-packing", "bestfit",
                                                 "fgd"], range(2)):
        assert len(summary.runs) == 2 and 0 <= summary.mean < 50 and summary.sd >= 0, summary.policy


def test_the_curve_averages_the_records_at_each_rounded_arrived_percent():
    records = np.array([[0.4, 0.4, 1.0], [1.4, 1.0, 2.0], [1.6, 1.6, 3.0], [2.4, 2.0, 4.0]])
    assert placement.curve(records) == (placement.Point(0, 0.4, 1.0), placement.Point(1, 1.0, 2.0),
                                        placement.Point(2, 1.8, 3.5))
    points = (placement.Point(99, 90.0, 1.0), placement.Point(101, 94.0, 1.0))
    assert placement.allocated_at(points, 100) == 92.0  # none at 100: its neighbours
    with pytest.raises(ValueError, match="never reached 100%"):
        placement.allocated_at(points[:1][:0], 100)


def test_the_json_document_keeps_the_issues_keys(trace):
    nodes, pods = trace
    document = placement.as_json(placement.study(nodes, pods, ["bestfit"], [1]))
    (summary,) = document["summary"]
    assert summary["policy"] == "bestfit" and set(summary["unallocated_gpu_percent_at_100"]) == {"mean", "sd"}
    (one,) = document["runs"]
    assert {"policy", "seed", "failed", "curve"} <= set(one)
    assert set(one["curve"][0]) == {"arrived_gpu_percent", "allocated_gpu_percent", "fragmented_gpu_percent"}


def test_a_cluster_without_gpus_is_refused(trace):
    nodes, pods = trace
    with pytest.raises(ValueError, match="no GPUs"):
        placement.run([openb.TraceNode("cpu", 8000, 1024, 0, "")], pods, "bestfit", 1)
