"""Small synthetic trace files in the openb format (the real trace is never
copied into the repository): written by the tests that need them."""

from __future__ import annotations

from pathlib import Path

NODE_HEADER = "sn,cpu_milli,memory_mib,gpu,model"
POD_HEADER = ("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,"
              "scheduled_time")


def write_nodes(path: Path, rows: list[tuple]) -> Path:
    path.write_text("\n".join([NODE_HEADER, *(",".join(str(v) for v in row) for row in rows)]) + "\n")
    return path


def write_pods(path: Path, rows: list[tuple]) -> Path:
    """Rows of (name, cpu, memory, num_gpu, gpu_milli, gpu_spec); the rest is filled in."""
    lines = [POD_HEADER]
    for i, (name, cpu, memory, num_gpu, gpu_milli, spec) in enumerate(rows):
        lines.append(f"{name},{cpu},{memory},{num_gpu},{gpu_milli},{spec},LS,Running,{i},{i + 100},{i}")
    path.write_text("\n".join(lines) + "\n")
    return path


def small_cluster(tmp_path: Path) -> tuple[Path, Path]:
    """8 nodes (2 models, 2-8 GPUs) and 60 tasks of the trace's usual kinds."""
    nodes = write_nodes(tmp_path / "nodes.csv", [
        (f"node-{i}", 32000 if i % 2 else 96000, 131072, (2, 8, 4, 8)[i % 4], "T4" if i < 4 else "V100")
        for i in range(8)])
    shapes = [(4000, 8192, 1, 500, ""), (8000, 16384, 1, 1000, ""), (2000, 4096, 0, 0, ""),
              (6000, 12288, 1, 250, ""), (16000, 32768, 2, 1000, ""), (4000, 8192, 1, 1000, "T4"),
              (6000, 8192, 1, 700, "V100|T4")]
    pods = write_pods(tmp_path / "pods.csv", [
        (f"pod-{i:03d}", *shapes[(i * 7) % len(shapes)]) for i in range(60)])
    return nodes, pods
