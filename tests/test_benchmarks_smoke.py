"""The benchmark command still runs: its smallest workload, quick. ember alone (importing
PyTorch takes most of 20 s on a loaded 2-core machine); the side-by-side path runs in
every real benchmark run."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_benchmarks_quick_linreg_and_core(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "linreg,core", "--no-memory",
         "--no-torch", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    record = json.loads((tmp_path / "latest.json").read_text())
    machine = record["machine"]
    assert machine["matmul_gflops"] > 0 and all(v > 0 for v in machine["bandwidth_gbps"].values())
    row, tiny, large = record["rows"]
    assert row["name"].startswith("linreg") and row["ember_s"] > 0
    assert row["torch_s"] is None and row["ratio"] is None
    assert row["target"] == 0.5
    assert "| linreg" in out.stdout
    # the core rows, the large one against the bandwidth measured at its own footprint
    assert tiny["name"].startswith("core: tiny") and tiny["target"] == 0.4
    assert large["ceiling"] == "memory" and large["ember_ceiling_pct"] > 0
    assert f"{large['footprint_bytes'] / 1e6:.0f} MB" in machine["bandwidth_gbps"]
    # the ceilings line names the BLAS that ran
    blas = [lib for lib in machine["blas"] if lib["library"] == "openblas"]
    assert not blas or f"({blas[0]['architecture']} kernels" in record["table"]
    assert len(list(tmp_path.glob("*.json"))) == 2  # latest and the timestamped copy


def test_race_alternates_in_stretches_and_sums_steps():
    """Each run keeps the turn for a stretch of steps (so neither steps on caches the other
    just filled), then hands it on; a run's time is the sum of its own steps."""
    sys.path.insert(0, ROOT)
    from benchmarks import _harness as H
    order = []

    def run(name, steps):
        def make():
            for _ in range(steps):
                order.append(name)
                yield
        return make
    best = H.race({"a": run("a", 10), "b": run("b", 3)}, warmup=0, stretch=1e9)
    assert order == ["a"] * 10 + ["b"] * 3
    order.clear()
    H.race({"a": run("a", 3), "b": run("b", 2)}, warmup=0, stretch=0.0)
    assert order == ["a", "b", "a", "b", "a"]
    assert set(best) == {"a", "b"} and all(0 <= t < 1 for t in best.values())
