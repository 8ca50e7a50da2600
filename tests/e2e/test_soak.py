"""scripts/soak.py: its quick mode runs the whole mixed load on a real
server and samples it; the judgement of growth is checked on made-up
samples (15 seconds tell nothing about growth)."""

from __future__ import annotations

import json

import pytest

from scripts import soak
from scripts.soak import Sample, judge


@pytest.mark.long
def test_the_quick_soak_runs_every_kind_of_load_and_every_request_is_answered(tmp_path, capsys):
    assert soak.main(["--quick", "--json", str(tmp_path / "soak.json")]) == 0
    printed = capsys.readouterr().out
    assert "verdict: nothing grew, every request answered" in printed
    report = json.loads((tmp_path / "soak.json").read_text())
    assert report["problems"] == []
    samples = report["samples"]
    assert len(samples) == 3
    for sample in samples:
        assert sample["rss_mb"] > 20 and sample["fds"] > 3 and sample["threads"] > 5
        assert sample["requests"] > 20 and sample["p99_ms"] > 0 and sample["errors"] == 0


def sample(at, rss=100.0, fds=20, threads=23):
    return Sample(at, rss, fds, threads, requests=100, p99_ms=5.0, errors=0)


def test_growth_is_judged_against_the_sample_after_the_warm_up():
    flat = [sample(60, rss=50), sample(300, rss=100), sample(360, rss=104), sample(420, rss=109, fds=26)]
    assert judge(flat, warmup=300) == []  # the warm-up's own growth does not count
    assert judge(flat + [sample(480, rss=111)], warmup=300) == ["RSS grew from 100 MB to 111 MB (more than 10%)"]
    assert judge(flat + [sample(480, fds=40)], warmup=300) == ["descriptors grew from 20 to 40"]
    assert judge(flat + [sample(480, threads=30)], warmup=300) == ["threads grew from 23 to 30"]
    assert judge(flat[:2], warmup=300) == ["too few samples after the 300 s warm-up to judge growth"]
