"""``python -m tests.fuzz --minutes 30``: fuzz ember against PyTorch on fresh seeds for as
long as asked, then print the figures and a shrunk reproducer of each failure found.

``--seed S`` replays one program (a seed printed by an earlier run); ``--programs N`` stops
after N programs; ``--out FILE`` writes every reproducer to FILE.
"""
import argparse
import random
import sys
import time

from .runner import fuzz


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=1.0)
    ap.add_argument("--programs", type=int, default=None)
    ap.add_argument("--seed", type=int, action="append", help="replay these seeds only")
    ap.add_argument("--show", type=int, default=10, help="reproducers printed (default 10)")
    ap.add_argument("--out", help="write every reproducer to this file")
    ap.add_argument("--no-shrink", action="store_true")
    args = ap.parse_args(argv)

    if args.seed:
        seeds = args.seed
    else:
        fresh = random.SystemRandom()
        seeds = iter(lambda: fresh.getrandbits(48), None)
    if args.programs:
        seeds = (s for _, s in zip(range(args.programs), seeds))
    deadline = time.monotonic() + args.minutes * 60
    last = [time.monotonic()]

    def progress(figs):
        if time.monotonic() - last[0] > 60:
            last[0] = time.monotonic()
            print(f"... {figs.programs} programs, {sum(figs.kinds.values())} failures",
                  file=sys.stderr, flush=True)

    figs = fuzz(seeds, deadline=None if args.seed else deadline,
                do_shrink=not args.no_shrink, progress=progress)
    print(figs.report())
    for f in figs.findings[:args.show]:
        print("\n" + f.reproducer())
    if args.out:
        with open(args.out, "w") as fh:
            fh.write("\n\n".join(f.reproducer() for f in figs.findings) + "\n")
    return 1 if figs.findings else 0


if __name__ == "__main__":
    sys.exit(main())
