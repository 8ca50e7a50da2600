"""The command-line argument types shared by the ``orchestrator`` commands."""

from __future__ import annotations

import argparse

import pytest

from actors import Settings, start_control_plane
from actors.domain.affinity import Requirement
from actors.domain.constraints import Constraints
from actors.domain.models import NodeSpec, Resources, TaskSpec
from api.argtypes import score_weight
from tests.helpers import settle


@pytest.mark.parametrize(("text", "expected"), [
    ("NodeAffinity=0", ("NodeAffinity", 0)),
    ("NodeResourcesFit=100", ("NodeResourcesFit", 100)),
    ("TaintToleration=3", ("TaintToleration", 3)),
])
def test_score_weight_reads_name_and_weight(text, expected):
    assert score_weight(text) == expected


@pytest.mark.parametrize(("text", "says"), [
    ("NodeAffinity", "must be NAME=WEIGHT"),
    ("ImageLocality=1", "NAME one of TaintToleration"),
    ("NodeAffinity=-1", "WEIGHT a whole number from 0 to 100"),
    ("NodeAffinity=x", "WEIGHT a whole number from 0 to 100"),
    ("NodeAffinity=101", "from 0 to 100, not 101"),
])
def test_score_weight_names_what_is_wrong(text, says):
    with pytest.raises(argparse.ArgumentTypeError, match=says):
        score_weight(text)


@pytest.mark.parametrize(("weights", "expected"), [({}, "small-a"), ({"NodeAffinity": 0}, "big")])
def test_the_control_plane_schedules_with_the_weights_it_is_given(weights, expected, clock):
    cp = start_control_plane(Settings(start_timer=False, clock=clock, score_weights=weights))
    try:
        cp.node_manager.register(NodeSpec("small-a", capacity=Resources(1000, 1024), labels={"zone": "a"})).get(timeout=5)
        cp.node_manager.register(NodeSpec("big", capacity=Resources(64000, 65536))).get(timeout=5)
        prefers_a = Constraints(preferred_node_affinity=((100, (Requirement("zone", "In", ("a",)),)),))
        cp.task_manager.create(TaskSpec(id="t", resources=Resources(500, 512), constraints=prefers_a)).get(timeout=5)
        settle(cp)
        assert cp.task_manager.get("t").get(timeout=5).node == expected
    finally:
        cp.stop()
