"""The paper's six policies, scored by hand on a small cluster; the choice
of node and device; and policies as plug-ins."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from actors.scheduling import policies
from actors.scheduling.fragmentation import TypicalTasks
from actors.scheduling.gpu import WHOLE, GpuNodes, Request
from actors.scheduling.policies import PolicyError, choose

ROOT = Path(__file__).resolve().parents[3]
SHARE = Request(2000, 0, 1, 300)
TWO = Request(2000, 0, 2, WHOLE)
CPU_ONLY = Request(2000, 0, 0, 0)


def cluster() -> GpuNodes:
    """a: idle, 2 GPUs, 8 cores; b: 4 GPUs, a share of 600 on device 1 and a
    whole GPU on device 2, 4 cores used; c: 4 GPUs, shares of 700 on devices
    0 and 1. The largest node: 16 cores, 4 GPUs."""
    state = GpuNodes(["a", "b", "c"], [8000, 16000, 16000], [1 << 20] * 3, [2, 4, 4], ["T4", "T4", "T4"])
    state.book(1, Request(3000, 0, 1, 600), (1,))
    state.book(1, Request(1000, 0, 1, WHOLE), (2,))
    state.book(2, Request(0, 0, 1, 700), (0,))
    state.book(2, Request(0, 0, 1, 700), (1,))
    return state


def scores(name: str, request: Request, state: GpuNodes | None = None) -> list[int]:
    state = state or cluster()
    policy = policies.make(name)
    policy.prepare(policies.Context(state, [request], np.random.default_rng(0)))
    return policy.score(state, request, np.arange(len(state))).tolist()


@pytest.mark.parametrize(("name", "request_", "expected"), [
    # 100 * (1 - (cpu_free/16000 * 2000/16000 + gpu_free/4000 * gpu/4000) / 2)
    ("dotprod", SHARE, [95, 93, 91]),
    # 100 * (1 - (0.5 * (cpu_free - 2000)/16000 + 0.5 * (gpu_free - gpu)/4000))
    ("bestfit", SHARE, [60, 42, 27]),
    ("bestfit", CPU_ONLY, [56, 38, 23]),
    # 25 * used/4000, plus 25 (no GPU task), 50 (shares among others), 75 (only shares)
    ("gpu-clustering", SHARE, [37, 60, 83]),
    ("gpu-clustering", TWO, [37, 10, 8]),
    ("gpu-clustering", CPU_ONLY, [0, 0, 0]),
    # idle node: 33 - its 2 GPUs; b: its 400 device, 100 - 40/10; c: its 300 devices, 100 - 30/10
    ("gpu-packing", SHARE, [31, 96, 97]),
    ("gpu-packing", TWO, [31, 48, 48]),
    ("gpu-packing", CPU_ONLY, [0, 0, 0]),
])
def test_each_policy_scores_as_the_paper_defines_it(name, request_, expected):
    assert scores(name, request_) == expected


def test_fgd_puts_a_share_where_the_fragmentation_grows_least():
    state = GpuNodes(["n"], [16000], [1 << 20], [2], ["T4"])
    state.book(0, Request(0, 0, 1, 400), (0,))  # devices 600 and 1000 free
    policy = policies.make("fgd")
    typical_share = Request(0, 0, 1, 500)
    policy.prepare(policies.Context(state, [typical_share], np.random.default_rng(0)))
    assert policy.fragmentation.shapes == (typical_share,)
    # on device 0, 300 would be left where a 500 cannot go (+300); on device 1, 600 and 700 both take one (+0)
    choice = choose(policy, state, Request(0, 0, 1, 300), np.zeros(1, dtype=np.int64))
    assert (choice.node, choice.devices, choice.score) == (0, (1,), 50)
    assert policies.make("gpu-packing").devices(state, Request(0, 0, 1, 300), 0) == (0,)  # the tightest


def test_fgd_prefers_the_node_that_stays_usable_for_the_typical_tasks():
    state = GpuNodes(["a", "b"], [16000, 16000], [1 << 20] * 2, [1, 1], ["T4", "T4"])
    state.book(1, Request(0, 0, 1, 500), (0,))
    policy = policies.make("fgd")
    policy.prepare(policies.Context(state, [Request(0, 0, 1, 500)], np.random.default_rng(0)))
    # a 500 share on b fills its device (no fragment); on a it leaves 500, still usable: both +0
    # a 600 share: on b it does not fit; on a it leaves 400 that a 500 cannot use: +400
    assert policy.score(state, Request(0, 0, 1, 500), np.arange(2)).tolist() == [50, 50]
    assert policy.score(state, Request(0, 0, 1, 600), np.array([0])).tolist() == [40]


def test_random_picks_feasible_nodes_uniformly_and_the_same_with_the_same_seed():
    def picks(seed: int) -> list[int]:
        state = cluster()
        policy = policies.make("random")
        policy.prepare(policies.Context(state, [], np.random.default_rng(seed)))
        return [choose(policy, state, SHARE, np.arange(3)).node for _ in range(300)]

    first = picks(1)
    assert first == picks(1) and first != picks(2)
    assert all(80 <= first.count(n) <= 120 for n in range(3))


def test_ties_go_to_the_runs_node_priority_or_to_the_first_node():
    state = GpuNodes(["a", "b", "c"], [8000] * 3, [1024] * 3, [1] * 3, ["T4"] * 3)
    policy = policies.make("bestfit")
    policy.prepare(policies.Context(state, [], np.random.default_rng(0)))
    assert choose(policy, state, SHARE, np.array([2, 0, 1])).node == 1
    policy.tie = "first"
    assert choose(policy, state, SHARE, np.array([2, 0, 1])).node == 0


def test_a_task_that_fits_nowhere_has_no_choice():
    policy = policies.make("bestfit")
    state = cluster()
    policy.prepare(policies.Context(state, [], np.random.default_rng(0)))
    assert choose(policy, state, Request(0, 0, 5, WHOLE), np.arange(3)) is None


def test_whole_gpus_take_the_lowest_free_devices_under_every_policy():
    for name in sorted(policies.POLICIES):
        state = cluster()
        policy = policies.make(name)
        policy.prepare(policies.Context(state, [TWO], np.random.default_rng(0)))
        choice = choose(policy, state, TWO, np.arange(3))
        assert choice.devices == state.whole_devices(choice.node, 2), name


def test_a_user_policy_loads_from_a_file_and_places():
    cls = policies.load(f"{ROOT / 'scripts' / 'example_policy.py'}:WorstFit")
    assert policies.POLICIES["worst-fit"] is cls
    assert scores("worst-fit", SHARE) == [40, 57, 72]  # what bestfit leaves, times 100


@pytest.mark.parametrize(("spec", "says"), [
    ("no-colon.py", "path/to/file.py:ClassName"),
    ("missing.py:X", "no file 'missing.py'"),
    ("{example}:Nothing", "has no 'Nothing'"),
    ("{broken}:X", "failed to load: SyntaxError"),
    ("{example}:TypicalTasks", "is not a Policy class"),
])
def test_a_policy_module_that_cannot_be_used_is_refused_saying_why(tmp_path, spec, says):
    broken = tmp_path / "broken.py"
    broken.write_text("def (:\n")
    example = tmp_path / "example.py"
    example.write_text("from actors.scheduling.fragmentation import TypicalTasks\n")
    with pytest.raises(PolicyError, match=None) as caught:
        policies.load(spec.format(example=example, broken=broken))
    assert says in str(caught.value)


def test_an_unknown_policy_name_lists_the_known_ones():
    with pytest.raises(PolicyError, match="no policy 'fastest'; known: .*bestfit.*fgd"):
        policies.make("fastest")


def test_typical_tasks_type_is_not_mistaken_for_a_policy():
    with pytest.raises(PolicyError):
        policies.register(TypicalTasks)  # type: ignore[arg-type]
