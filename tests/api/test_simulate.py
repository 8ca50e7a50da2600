"""``orchestrator simulate placement`` from the command line, on small
synthetic traces."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from api.cli import main
from tests.actors.simulation.trace_files import small_cluster

EXAMPLE = Path(__file__).resolve().parents[2] / "scripts" / "example_policy.py"


def simulate(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["simulate", "placement", *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_placement_prints_each_policys_table_row_and_writes_json_and_a_plot(tmp_path):
    nodes, pods = small_cluster(tmp_path)
    code, out, err = simulate("--nodes", str(nodes), "--tasks", str(pods), "--policy", "fgd", "--policy", "random",
                              "--seed", "5", "--repeat", "2", "--json", str(tmp_path / "r.json"),
                              "--plot", str(tmp_path / "r.png"))
    assert code == 0, err
    assert "pods.csv on 8 nodes (44 GPUs), 60 tasks, fill 1.3, seeds 5-6" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[2:4]}
    assert set(rows) == {"fgd", "random"} and rows["fgd"][2] == "±"
    assert err.count("seed 5:") == 2 and err.count("seed 6:") == 2
    document = json.loads((tmp_path / "r.json").read_text())
    assert [s["policy"] for s in document["summary"]] == ["fgd", "random"]
    assert [(r["policy"], r["seed"]) for r in document["runs"]] == [("fgd", 5), ("fgd", 6), ("random", 5),
                                                                     ("random", 6)]
    assert float(rows["fgd"][1]) == pytest.approx(document["summary"][0]["unallocated_gpu_percent_at_100"]["mean"],
                                                  abs=0.005)
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_policy_of_ones_own_runs_beside_the_built_in_ones(tmp_path):
    nodes, pods = small_cluster(tmp_path)
    code, out, err = simulate("--nodes", str(nodes), "--tasks", str(pods), "--repeat", "1",
                              "--policy-module", f"{EXAMPLE}:WorstFit", "--policy", "worst-fit",
                              "--policy", "bestfit")
    assert code == 0, err
    assert [line.split()[0] for line in out.splitlines()[2:4]] == ["worst-fit", "bestfit"]


@pytest.mark.parametrize(("change", "says"), [
    ({"--policy": "fastest"}, "error: no policy 'fastest'; known:"),
    ({"--nodes": "missing.csv"}, "missing.csv: cannot be read"),
    ({"--policy-module": "nowhere.py:X"}, "no file 'nowhere.py'"),
])
def test_what_cannot_run_is_an_error_naming_it(tmp_path, change, says):
    nodes, pods = small_cluster(tmp_path)
    args = {"--nodes": str(nodes), "--tasks": str(pods), "--policy": "bestfit", **change}
    code, out, err = simulate(*[part for pair in args.items() for part in pair])
    assert code == 2 and says in err and out == ""


@pytest.mark.parametrize("args", [["--fill", "0.5"], ["--repeat", "0"], ["--format", "csv"]])
def test_flags_out_of_range_are_refused_by_the_parser(tmp_path, args, capsys):
    nodes, pods = small_cluster(tmp_path)
    with pytest.raises(SystemExit) as caught:
        simulate("--nodes", str(nodes), "--tasks", str(pods), "--policy", "bestfit", *args)
    assert caught.value.code == 2 and args[0] in capsys.readouterr().err
