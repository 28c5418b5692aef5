"""How many BLAS threads ember's matrix products use.

OpenBLAS's worker threads spin while they wait for each other. On a machine whose cores
are all busy (a shared 2-core box running tests, a laptop compiling), a product split over
two threads waits for a descheduled one most of the time: measured here under a load
average of ~6.5 on 2 cores, one LeNet training step took 0.17 s with 1 BLAS thread and
0.32 s with 2, a ResNet-18 step (batch 16) 1.8 s against 3.7 s. On idle cores the threads
pay off for large products. So by default ember's products use every core only while the
machine has idle cores (the 1-minute load average, less ember's own share of it, below the
core count; checked at most once a second), and one thread otherwise. ``set_num_threads(n)`` fixes the count instead;
so does an ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` / ``MKL_NUM_THREADS`` setting
(then ember leaves BLAS alone).

Controlling BLAS needs the optional ``threadpoolctl`` package; without it BLAS keeps the
thread count it started with and ``blas_threads()`` changes nothing.
"""
import concurrent.futures
import contextlib
import contextvars
import math
import os
import time

import numpy as np

_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

_user = None           # set_num_threads(n), or None for the load-aware default
_blas = None           # threadpoolctl controllers of the loaded BLAS libraries ([] if none)
# The load-aware default: [time of the last check, process CPU time then, thread count
# chosen, this process's own share of the load average (cores, averaged like it)].
_auto = [0.0, 0.0, _CORES, 0.0]
_LOADAVG_WINDOW = 60.0  # seconds: the time constant of the 1-minute load average


def _controllers():
    global _blas
    if _blas is None:
        if any(os.environ.get(v) for v in _ENV_VARS):
            _blas = []
        else:
            try:
                from threadpoolctl import ThreadpoolController
                _blas = list(ThreadpoolController().select(user_api="blas").lib_controllers)
            except Exception:  # absent, or it cannot inspect this BLAS: leave BLAS alone
                _blas = []
    return _blas


def get_num_threads():
    """The thread count ember's products use now."""
    if _user is not None:
        return _user
    now = time.monotonic()
    elapsed = now - _auto[0]
    if elapsed > 1.0:
        cpu = time.process_time()
        # The load average counts ember's own threads too; judge by everyone else's load,
        # or ember's two threads would make the machine look busy and switch themselves off.
        own_rate = (cpu - _auto[1]) / elapsed if _auto[0] else 0.0
        decay = math.exp(-elapsed / _LOADAVG_WINDOW)
        _auto[3] = _auto[3] * decay + own_rate * (1.0 - decay)
        _auto[0], _auto[1] = now, cpu
        try:
            busy = os.getloadavg()[0] - _auto[3] >= _CORES - 0.5
        except OSError:
            busy = False
        _auto[2] = 1 if busy else _CORES
    return _auto[2]


def torch_threads():
    """The thread count PyTorch would run with here: ``set_num_threads``'s, else
    ``OMP_NUM_THREADS``, else the cores. Some of its kernel choices depend on it, and with
    them the sign of a zero (ops/conv.py, _single_products)."""
    if _user is not None:
        return _user
    env = os.environ.get("OMP_NUM_THREADS", "")
    return int(env) if env.isdigit() and int(env) > 0 else _CORES


def set_num_threads(n):
    """Use ``n`` threads for ember's matrix products (``None``: the load-aware default)."""
    global _user
    if n is not None:
        n = int(n)
        if n < 1:
            raise ValueError(f"set_num_threads expects a positive integer, got {n}")
    _user = n


def cores():
    """The cores this process may run on."""
    return _CORES


def controllable():
    """Whether ember can set BLAS's thread count (threadpoolctl present, and no
    OMP/OPENBLAS/MKL_NUM_THREADS of the user's to respect)."""
    return bool(_controllers())


_synced = [None]  # the count sync_blas last gave BLAS

# Products of fewer multiply-adds (m*n*k of one BLAS call) run on one thread whatever the
# count: a recurrent network's per-step (32 x 256) @ (256 x 256) takes ~35 us on one
# thread, about what handing half of it to a second thread costs, and that thread is
# often elsewhere. Measured on 2 cores beside niced background work: the book's scratch RNN
# step took 9 ms with these products on one thread and 23-27 ms on two; in a tight loop on
# idle cores two threads gain ~5% at 2M multiply-adds, 15% at 4M, 30% at 8M.
SPLIT_MIN = 2 ** 22


def sync_blas(work):
    """Give BLAS the thread count for a product of ``work`` multiply-adds (m*n*k of one
    BLAS call): one thread below ``SPLIT_MIN``, else what ``get_num_threads()`` chooses
    now (re-judged at most once a second); BLAS is called only when the count changes.
    What ember's matrix products call before a product large enough for BLAS to split
    over threads, forward and backward."""
    n = 1 if work < SPLIT_MIN else get_num_threads()
    if n != _synced[0]:
        for lib in _controllers():
            lib.set_num_threads(n)
        _synced[0] = n


@contextlib.contextmanager
def blas_threads(n=None):
    """Run the enclosed BLAS calls with ``n`` threads (default ``get_num_threads()``),
    then restore the previous count."""
    libs = _controllers()
    if not libs:
        yield
        return
    if n is None:
        n = get_num_threads()
    before = [lib.num_threads for lib in libs]
    changed = [n != b for b in before]
    for lib, c in zip(libs, changed):
        if c:
            lib.set_num_threads(n)
    try:
        yield
    finally:
        for lib, c, b in zip(libs, changed, before):
            if c:
                lib.set_num_threads(b)


# [executor, its worker count, the pid that made it]: a forked child has no such threads.
_pool = [None, 0, None]


def run_shared(work, parts, threads):
    """``[work(part) for part in parts]``, the parts shared among ``threads`` threads.

    Each thread takes the next part not yet taken until none is left, so a thread slowed
    down (its core busy elsewhere for a while) takes fewer. ``work`` runs compiled or NumPy
    code that releases the GIL, in the caller's context. The results come back in the parts' order whoever computed
    them, so a sum over them is the same, bit for bit, for any thread count."""
    if threads <= 1 or len(parts) <= 1:
        return [work(part) for part in parts]
    threads = min(threads, len(parts))
    results = [None] * len(parts)
    todo = iter(range(len(parts)))  # shared: next() on it is atomic (GIL)

    def drain():
        for i in todo:
            results[i] = work(parts[i])

    if _pool[2] != os.getpid() or _pool[1] < threads - 1:
        _pool[:] = [concurrent.futures.ThreadPoolExecutor(threads - 1, "ember-worker"),
                    threads - 1, os.getpid()]
    # (each worker runs in a copy of the caller's context: NumPy's error settings are
    # context variables, so ``quiet()`` holds in the workers too)
    futures = [_pool[0].submit(contextvars.copy_context().run, drain)
               for _ in range(threads - 1)]
    try:
        drain()
    finally:
        concurrent.futures.wait(futures)
    for f in futures:
        f.result()  # re-raises a worker's exception
    return results


def run_split(run, n, threads):
    """``run(i0, i1)`` over ``[0, n)``: in one call, or with ``threads`` > 1 in twice as many
    parts (a thread slowed down by a busy core takes fewer), shared by ``run_shared``.
    For passes whose every element (or channel) is computed alike whoever computes it, so
    that the results do not depend on the thread count."""
    parts = min(n, 2 * threads) if threads > 1 else 1
    if parts <= 1:
        run(0, n)
        return
    run_shared(lambda bounds: run(*bounds),
               [(n * i // parts, n * (i + 1) // parts) for i in range(parts)], threads)


# A memory-bound compiled pass or copy over this many elements or more splits its work
# among threads; below it, handing a part to a thread costs about what it saves (tens of
# microseconds). Measured on 2 idle cores, forward + backward, one thread / split:
# MaxPool2d(2) of 256x6x24x24 2.5 / 2.0 ms, of 64x64x28x28 8.3-9.3 / 5.7; AvgPool2d(2) of
# 64x128x28x28 24-25 / 13; BatchNorm2d in training of 64x64x28x28 5.4-5.7 / 4.1-4.3, of
# 64x128x14x14 3.3 / 2.7; ReLU of 64x64x28x28 3.4 / 2.6, of 64x128x14x14 1.7 / 1.5. Split
# from 2**18 instead, BatchNorm2d of 256x6x24x24 (0.9M) went 1.7 -> 1.9-2.1 and of
# 256x16x8x8 0.7 -> 1.2; ReLU of 256x16x8x8 0.28 -> 0.55.
PASS_SPLIT = 1 << 20


def split_pass(run, n, elements):
    """``run(i0, i1)`` over ``[0, n)`` for a memory-bound pass over ``elements``: shared
    among ``get_num_threads()`` threads from ``PASS_SPLIT`` elements on, else in one call.
    For passes whose every element, plane or channel is computed alike whoever computes
    it (never a reduction whose order would change), so the result is the same bits for
    any thread count."""
    run_split(run, n, get_num_threads() if elements >= PASS_SPLIT else 1)


# Results of this many elements or more split their rows among threads (NumPy's ufuncs
# release the GIL), for the ufuncs whose every element is correctly rounded whoever
# computes it (so the result does not depend on the thread count). Measured on 2 idle
# cores, float32 multiply into kept storage: 1M elements 414 us on one thread, 404 split
# (handing a part to a thread costs tens of microseconds); 3.2M 1404 / 953; 6.4M 3333 / 1680.
UFUNC_SPLIT = 1 << 21
_EXACT = (np.add, np.subtract, np.multiply, np.true_divide)


def exact_ufunc(ufunc, a, b, out):
    """``ufunc(a, b, out=out)``, for a large ``out`` of an exact ufunc (+ - * /) its rows
    (first axis) shared among threads; ``a`` or ``b`` may broadcast along them."""
    ndim = out.ndim
    if out.size < UFUNC_SPLIT or ufunc not in _EXACT or ndim == 0 or out.shape[0] < 2:
        return ufunc(a, b, out=out)

    def rows(x, s):  # x's rows in s, or all of x where it broadcasts along the rows
        return x[s] if type(x) is np.ndarray and x.ndim == ndim and x.shape[0] != 1 else x

    def run(i0, i1):
        s = slice(i0, i1)
        ufunc(rows(a, s), rows(b, s), out=out[s])

    run_split(run, out.shape[0], get_num_threads())
    return out
