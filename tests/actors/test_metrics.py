"""The metrics helpers."""

from __future__ import annotations

import pytest

from actors.metrics import Metrics


@pytest.mark.parametrize("value", [0.0, 0.00001, 0.00003, 0.004, 0.5, 99.0])
def test_observe_many_is_observe_repeated(value):
    one_by_one, at_once = Metrics(), Metrics()
    for _ in range(7):
        one_by_one.scheduling_duration.observe(value)
    at_once.observe_many(at_once.scheduling_duration, value, 7)
    at_once.observe_many(at_once.scheduling_duration, value, 0)

    def samples(metrics):
        return sorted(
            (s.name, tuple(sorted(s.labels.items())), s.value)
            for family in metrics.registry.collect()
            if family.name == "orchestrator_scheduling_duration_seconds"
            for s in family.samples
            if not s.name.endswith("_created")
        )

    assert samples(at_once) == samples(one_by_one)
    assert any(s[0].endswith("_count") and s[2] == 7 for s in samples(at_once))
