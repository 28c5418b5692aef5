"""The benchmark command still runs: its smallest workload, quick. ember alone (importing
PyTorch takes most of 20 s on a loaded 2-core machine); the side-by-side path runs in
every real benchmark run."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_benchmarks_quick_linreg(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "linreg", "--no-memory",
         "--no-torch", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    record = json.loads((tmp_path / "latest.json").read_text())
    assert record["machine"]["matmul_gflops"] > 0 and record["machine"]["copy_gbps"] > 0
    (row,) = record["rows"]
    assert row["name"].startswith("linreg") and row["ember_s"] > 0
    assert row["torch_s"] is None and row["ratio"] is None
    assert row["target"] == 0.5
    assert "| linreg" in out.stdout
    assert len(list(tmp_path.glob("*.json"))) == 2  # latest and the timestamped copy
