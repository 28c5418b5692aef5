"""Data parallelism on this machine: does training run faster as 2 MPI processes of 1
thread each than as 1 process with 2 threads, and how close does the all-reduce of
ResNet-18's gradients come to the memory-bandwidth floor?

    python -m benchmarks.bench_distributed            # (about a minute)
    python -m benchmarks.bench_distributed --quick

ember alone (there is no PyTorch twin to race: the comparison is between ember's own
configurations). Each configuration runs in fresh processes with its thread count fixed
(``ember.set_num_threads``), the best of several rounds kept:

* training throughput of the notes' LeNet-BN at a global batch of 256 on random images
  (the arithmetic of Fashion-MNIST without its loading): 1 process × 1 thread, 1 process ×
  2 threads, and 2 processes × 1 thread under DistributedDataParallel (128 each);
* the all-reduce of ResNet-18's 11.2 M float32 gradients (44.7 MB) between 2 processes:
  one ``dist.all_reduce`` of the flat vector, and DDP's whole gradient synchronization (its
  25 MiB buckets: copy in, all-reduce, average, copy back into ``.grad``). The floor: each
  rank must at least read its gradients and the other rank's and write the sum, 3 × 44.7 MB
  at the single-core copy bandwidth measured at start, both ranks in parallel.

The table is printed and written to ``benchmarks/results/distributed.json``.
"""
import argparse
import json
import os
import subprocess
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    __package__ = "benchmarks"

from . import _harness as H  # noqa: E402

GLOBAL_BATCH = 256


def _env(threads):
    """One thread: OMP_NUM_THREADS=1, every BLAS call included (what ``ember.distributed.
    launch`` gives each of 2 ranks on 2 cores). More: ember's own setting
    (``set_num_threads``) with BLAS's default pool, what a user gets without variables."""
    env = dict(os.environ, PYTHONPATH=H.REPO_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(var, None)
    if threads == 1:
        env["OMP_NUM_THREADS"] = "1"
    env["EMBER_BENCH_THREADS"] = str(threads)
    return env


def _child(nproc, threads, *args):
    """One worker run (an MPI job when nproc > 1); rank 0's JSON line."""
    argv = [sys.executable, "-m", "benchmarks.bench_distributed", "--worker"]
    argv += [str(a) for a in args]
    env = _env(threads)
    if nproc > 1:
        from ember.distributed import launch
        proc = launch.run(nproc, argv, env=env, cwd=H.REPO_ROOT, capture_output=True,
                          text=True, timeout=900)
    else:
        proc = subprocess.run(argv, env=env, cwd=H.REPO_ROOT, capture_output=True, text=True,
                              timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1])


# --- the workers (run in the child processes) ------------------------------------------

def _worker_train(steps, rounds):
    import numpy as np
    import ember
    from ember import models, nn
    ember.set_num_threads(int(os.environ["EMBER_BENCH_THREADS"]))
    dist, rank, world = _maybe_init()
    ember.manual_seed(0)
    model = models.lenet_batchnorm()
    net = model
    if dist is not None:
        from ember.nn.parallel import DistributedDataParallel
        net = DistributedDataParallel(model)
    batch = GLOBAL_BATCH // world
    rng = np.random.default_rng(rank)
    X = ember.tensor(rng.random((batch, 1, 28, 28), dtype=np.float32))
    y = ember.tensor(rng.integers(0, 10, batch))
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        loss = loss_fn(net(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    step()
    best = float("inf")
    for _ in range(rounds):
        if dist is not None:
            dist.barrier()
        t = time.perf_counter()
        for _ in range(steps):
            step()
        if dist is not None:
            dist.barrier()
        best = min(best, time.perf_counter() - t)
    if rank == 0:
        print(json.dumps({"samples_per_s": GLOBAL_BATCH * steps / best,
                          "step_s": best / steps}))


def _worker_allreduce(rounds):
    import numpy as np
    import ember
    from ember import models
    from ember.nn.parallel import DistributedDataParallel
    dist, rank, _ = _maybe_init()
    model = models.resnet18()
    n = sum(p.numel() for p in model.parameters())
    flat = ember.ones(n)
    best_flat = best_ddp = float("inf")
    net = DistributedDataParallel(model)
    reducer = net._reducer
    for p in model.parameters():
        p.grad = ember.ones(p.shape)
    for _ in range(rounds):
        dist.barrier()
        t = time.perf_counter()
        dist.all_reduce(flat)
        best_flat = min(best_flat, time.perf_counter() - t)
        # DDP's synchronization as the end of a backward runs it: every gradient arrived
        reducer.prepare(None)
        reducer.arrived[:] = 1
        for b in reducer.buckets:
            b.pending = 0
        dist.barrier()
        t = time.perf_counter()
        reducer._finalize()
        best_ddp = min(best_ddp, time.perf_counter() - t)
    assert all(np.all(p.grad.numpy() == 1.0) for p in model.parameters())  # the average
    if rank == 0:
        print(json.dumps({"params": n, "bytes": 4 * n, "all_reduce_s": best_flat,
                          "ddp_sync_s": best_ddp, "buckets": len(reducer.buckets)}))


def _maybe_init():
    from ember.distributed.launch import job_size
    if job_size() is None:
        return None, 0, 1
    import ember.distributed as dist
    dist.init_process_group("mpi")
    return dist, dist.get_rank(), dist.get_world_size()


# --- the table -------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, *rest = args.worker
        if kind == "train":
            return _worker_train(int(rest[0]), int(rest[1]))
        return _worker_allreduce(int(rest[0]))

    start = time.time()
    steps, rounds = (3, 2) if args.quick else (10, 3)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    copy_bps = H.copy_bandwidth(64 * 2 ** 20 if args.quick else 256 * 2 ** 20)
    runs = {
        "1 process x 1 thread": _child(1, 1, "train", steps, rounds),
        "1 process x 2 threads": _child(1, 2, "train", steps, rounds),
        "2 processes x 1 thread (DDP)": _child(2, 1, "train", steps, rounds),
    }
    comm = _child(2, 1, "allreduce", 2 if args.quick else 5)
    floor = 3 * comm["bytes"] / copy_bps
    base = runs["1 process x 1 thread"]["samples_per_s"]
    lines = [(f"load average at start {load:.1f}; single-core copy bandwidth "
              f"{copy_bps / 1e9:.1f} GB/s (read + write)"), "",
             "| LeNet-BN training, global batch 256 | samples/s | step | vs 1 x 1 |",
             "|---|---|---|---|"]
    for name, r in runs.items():
        lines.append(f"| {name} | {r['samples_per_s']:,.0f} | {r['step_s'] * 1e3:.1f} ms | "
                     f"{r['samples_per_s'] / base:.2f}x |")
    mb = comm["bytes"] / 1e6
    lines += ["", (f"| ResNet-18 gradients ({comm['params'] / 1e6:.1f} M float32, {mb:.1f} "
                   "MB), 2 processes | time | floor | floor / time |"), "|---|---|---|---|"]
    for name, key in (("dist.all_reduce of the flat vector", "all_reduce_s"),
                      (f"DDP gradient sync ({comm['buckets']} buckets, copies, average)",
                       "ddp_sync_s")):
        lines.append(f"| {name} | {comm[key] * 1e3:.1f} ms | {floor * 1e3:.1f} ms | "
                     f"{floor / comm[key]:.0%} |")
    table = "\n".join(lines)
    print(table)
    record = {"command": "python -m benchmarks.bench_distributed"
              + (" --quick" if args.quick else ""), "load_average_at_start": load,
              "copy_bytes_per_s": copy_bps, "training": runs, "allreduce": comm,
              "floor_s": floor, "seconds": time.time() - start, "table": table}
    os.makedirs(H.RESULTS_DIR, exist_ok=True)
    path = os.path.join(H.RESULTS_DIR, "distributed.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1)
    print(f"results: {path} ({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
