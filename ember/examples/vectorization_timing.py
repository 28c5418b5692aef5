"""Vectorization: add two vectors of 10000 ones element by element in a Python loop, then
with one vectorized operation, and time both with d2l.Timer.

The notes' "矢量化加速" section.
"""
from _common import report, setup


def main():
    args = setup(__doc__)
    import ember as torch
    from ember import d2l

    n = 2000 if args.quick else 10000
    a = torch.ones([n])
    b = torch.ones([n])
    c = torch.zeros(n)
    timer = d2l.Timer()
    for i in range(n):
        c[i] = a[i] + b[i]
    loop = timer.stop()
    timer.start()
    d = a + b
    vectorized = timer.stop()
    report("n", n)
    report("loop sec", f"{loop:.5f}")
    report("vectorized sec", f"{vectorized:.6f}")
    report("same result", bool((c == d).all()))
    report("speed-up", f"{loop / max(vectorized, 1e-9):.0f}x")


if __name__ == "__main__":
    main()
