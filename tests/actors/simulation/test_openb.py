"""Reading the openb trace format: records as the files mean them, and a
clear error naming the file, the line and the field for a bad one."""

from __future__ import annotations

import pytest

from actors.simulation import openb
from tests.actors.simulation.trace_files import write_nodes, write_pods


def test_nodes_and_pods_read_as_the_trace_means_them(tmp_path):
    nodes = openb.read_nodes(write_nodes(tmp_path / "n.csv", [("a", 96000, 393216, 8, "G2"), ("b", 64000, 1024, 0, "")]))
    assert nodes == [openb.TraceNode("a", 96000, 393216, 8, "G2"), openb.TraceNode("b", 64000, 1024, 0, "")]
    pods = openb.read_pods(write_pods(tmp_path / "p.csv", [
        ("share", 6000, 12288, 1, 460, ""), ("two", 12000, 1, 2, 1000, "V100M16|V100M32"), ("cpu", 1000, 1, 0, 0, "")]))
    share, two, cpu = pods
    assert (share.gpu, share.gpu_count, share.gpu_share, share.models) == (460, 1, 460, frozenset())
    assert (two.gpu, two.gpu_count, two.gpu_share, two.models) == (2000, 2, 1000, {"V100M16", "V100M32"})
    assert (cpu.gpu, cpu.gpu_count, cpu.gpu_share) == (0, 0, 0)
    assert (share.creation, share.deletion, share.scheduled, share.phase) == (0.0, 100.0, 0.0, "Running")


def test_a_pod_list_of_the_five_first_columns_reads_with_no_times_or_models(tmp_path):
    path = tmp_path / "multigpu.csv"
    path.write_text("name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,8000,1024,4,1000\n")
    (pod,) = openb.read_pods(path)
    assert (pod.gpu, pod.models, pod.deletion, pod.scheduled) == (4000, frozenset(), None, None)


@pytest.mark.parametrize(("text", "says"), [
    ("name,cpu_milli\np,1\n", "the header lacks memory_mib, num_gpu, gpu_milli"),
    ("name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,lots,1,0,0\n", ":2: cpu_milli must be a whole number, not 'lots'"),
    ("name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1,1,2,500\n", ":2: gpu_milli must be 1000 for a pod of 2 GPUs"),
    ("name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1,1,1,0\n", ":2: gpu_milli must be 1 to 1000"),
    ("name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1,1,1,1500\n", ":2: gpu_milli must be from 0 to 1000"),
    ("name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,-1,1,0,0\n", ":2: cpu_milli must be at least 0, not -1"),
    ("name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1,1,0,0\np,1,1,0,0\n", ":3: name must be a name of its own"),
    ("name,cpu_milli,memory_mib,num_gpu,gpu_milli\n", "holds no pods"),
    ("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time\np,1,1,0,0,,LS,Running,soon\n",
     ":2: creation_time must be a number of seconds"),
])
def test_a_bad_pod_list_is_refused_naming_the_line_and_field(tmp_path, text, says):
    path = tmp_path / "pods.csv"
    path.write_text(text)
    with pytest.raises(openb.TraceError, match=None) as caught:
        openb.read_pods(path)
    assert says in str(caught.value) and str(path) in str(caught.value)


@pytest.mark.parametrize(("text", "says"), [
    ("sn,cpu_milli,memory_mib,gpu\na,1,1,1\n", "the header lacks model"),
    ("sn,cpu_milli,memory_mib,gpu,model\na,1,1,100,G2\n", ":2: gpu must be from 0 to 64, not 100"),
    ("sn,cpu_milli,memory_mib,gpu,model\n,1,1,1,G2\n", ":2: sn must be a name of its own"),
])
def test_a_bad_node_list_is_refused_naming_the_line_and_field(tmp_path, text, says):
    path = tmp_path / "nodes.csv"
    path.write_text(text)
    with pytest.raises(openb.TraceError) as caught:
        openb.read_nodes(path)
    assert says in str(caught.value)


def test_a_missing_file_is_an_error_naming_it(tmp_path):
    with pytest.raises(openb.TraceError, match="nowhere.csv: cannot be read"):
        openb.read_nodes(tmp_path / "nowhere.csv")
