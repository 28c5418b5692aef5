"""Every benchmark, ember vs PyTorch in one run; the table goes to stdout and, as JSON, to
benchmarks/results/latest.json (plus a timestamped copy).

    python -m benchmarks                      # everything (several minutes)
    python -m benchmarks --quick              # a smoke-sized version of everything
    python -m benchmarks --only fashion,nn    # a selection

``--only`` takes training groups (linreg, ch11, fashion, conv, rnn), any part of a training
workload's name (lenet_bn, adam b10, ...), or a per-area benchmark (core, nn, optim).
"""
import argparse
import os
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    __package__ = "benchmarks"

from . import _harness as H  # noqa: E402
from . import bench_core, bench_nn, bench_optim, bench_training  # noqa: E402

AREAS = {"core": bench_core.run, "nn": bench_nn.run, "optim": bench_optim.run}
TRAINING_GROUPS = ("linreg", "ch11", "fashion", "conv", "rnn")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    parser.add_argument("--only", default=None, help="comma-separated selection")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory probes")
    parser.add_argument("--out", default=H.RESULTS_DIR, help="where the JSON goes")
    parser.add_argument("--no-torch", action="store_true", help="time ember alone")
    parser.add_argument("--full", action="store_true",
                        help="whole 60,000-image training epochs (default: the first 60 batches)")
    args = parser.parse_args(argv)
    if args.full:
        os.environ["EMBER_BENCH_FULL_EPOCH"] = "1"
        bench_training.FULL_EPOCH = True
    if args.no_torch:
        os.environ["EMBER_BENCH_NO_TORCH"] = "1"  # also seen by the memory-probe children
    only = [o.strip() for o in args.only.split(",")] if args.only else None

    start = time.time()
    torch = H.import_torch()
    info = H.machine(torch, args.quick)
    print(H.ceilings_line(info), flush=True)
    rows = []
    training_only = None if only is None else [o for o in only if o not in AREAS]
    if only is None or training_only:
        rows += bench_training.run(args.quick, training_only, memory=not args.no_memory,
                                   info=info)
    for area, run in AREAS.items():
        if only is None or area in only:
            print(f"-- {area}", flush=True)
            rows += run(quick=args.quick, info=info)
    table = H.format_table(rows, info)
    print(table)
    command = "python -m benchmarks" + "".join(f" {a}" for a in (argv or sys.argv[1:]))
    path = H.write_results({"command": command, "quick": args.quick, "machine": info,
                            "seconds": time.time() - start, "rows": rows, "table": table},
                           args.out)
    print(f"results: {path} ({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
