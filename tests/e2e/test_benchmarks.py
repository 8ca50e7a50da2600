"""The benchmark modules the harness runs (scripts/benchmarks/*.py): a quick
run of each is correct (every create acknowledged and stored). Their speed
is reported, never asserted here."""

from __future__ import annotations

import importlib.util
import pathlib

import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "benchmarks"


def _load(name: str):
    # By path, under a name of its own: "http" would shadow the standard library's.
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("name", "figures"),
    [
        ("http", ("bare: requests/s", "memory: requests/s", "sqlite: requests/s", "memory: share of bare",
                  "sqlite: share of bare", "memory: p99 (ms)")),
        ("batch", ("memory: tasks/s", "sqlite: tasks/s")),
    ],
)
def test_a_quick_run_passes_its_checks_and_reports_its_figures(name, figures):
    result = _load(name).run(quick=True)

    assert result["checks"] and all(result["checks"].values()), result["checks"]
    assert set(figures) <= set(result["figures"]), result["figures"]
    assert all(isinstance(v, (int, float)) for v in result["figures"].values()), result["figures"]  # one table row each
    assert result["target"] and result["met"] is None  # a quick run measures nothing worth a verdict
