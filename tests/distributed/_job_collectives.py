"""Every collective of ember.distributed against NumPy computing the same result from every
rank's data (each rank can make everyone's: the data is a function of the rank)."""
import datetime
import os
import time

import numpy as np

import ember
import ember.distributed as dist
from ember.distributed import ReduceOp

checks = [0]


def data(rank, shape=(3, 4), dtype=np.float32):
    rng = np.random.default_rng(100 + rank)
    if np.dtype(dtype).kind == "f":
        return rng.uniform(0.5, 2.0, shape).astype(dtype)
    if np.dtype(dtype).kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    return rng.integers(-5, 6, shape).astype(dtype)


def same(got, want, exact=False):
    got = got.numpy() if isinstance(got, ember.Tensor) else np.asarray(got)
    want = np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got, want)
    if exact or want.dtype.kind in "biu":
        assert np.array_equal(got, want), (got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=2e-6 if want.dtype == np.float32 else 1e-12)
    checks[0] += 1


def raises(cls, text, fn):
    try:
        fn()
    except cls as e:
        assert text in str(e), (text, str(e))
        checks[0] += 1
        return str(e)
    raise AssertionError(f"{fn} did not raise {cls.__name__}")


def main():
    # env:// values must agree with the MPI launcher's
    os.environ["WORLD_SIZE"] = "99"
    raises(RuntimeError, "MPI launcher started", lambda: dist.init_process_group("mpi"))
    del os.environ["WORLD_SIZE"]
    dist.init_process_group("mpi", init_method="env://")
    raises(ValueError, "twice", lambda: dist.init_process_group("mpi"))
    r, n = dist.get_rank(), dist.get_world_size()
    assert dist.is_initialized() and os.environ["RANK"] == str(r)
    assert os.environ["WORLD_SIZE"] == str(n) and "LOCAL_RANK" in os.environ
    everyone = range(n)

    reduce_np = {ReduceOp.SUM: np.sum, ReduceOp.MAX: np.max, ReduceOp.MIN: np.min,
                 ReduceOp.PRODUCT: np.prod}
    for dtype in (np.float32, np.float64, np.int64, np.int32):
        for shape in ((3, 4), (), (5,)):
            for op, f in reduce_np.items():
                t = ember.from_numpy(data(r, shape, dtype).copy())
                buf = t._data
                dist.all_reduce(t, op=op)
                want = f(np.stack([data(k, shape, dtype) for k in everyone]), axis=0)
                same(t, want.astype(dtype))
                assert t._data is buf  # in place, in the tensor's own buffer
    for dtype in (np.float32, np.float64):
        t = ember.from_numpy(data(r, (2, 5), dtype))
        dist.all_reduce(t, ReduceOp.AVG)
        same(t, (np.sum([data(k, (2, 5), dtype) for k in everyone], axis=0) / n).astype(dtype))
    raises(ValueError, "AVG needs a floating-point", lambda: dist.all_reduce(
        ember.ones(2, dtype=ember.int64), ReduceOp.AVG))
    t = ember.from_numpy(data(r, (4,), np.int64))
    dist.all_reduce(t, ReduceOp.BXOR)
    same(t, np.bitwise_xor.reduce([data(k, (4,), np.int64) for k in everyone]))
    for op, f in ((ReduceOp.MAX, np.any), (ReduceOp.MIN, np.all)):
        t = ember.from_numpy(data(r, (6,), bool))
        dist.all_reduce(t, op)
        same(t, f(np.stack([data(k, (6,), bool) for k in everyone]), axis=0))
    t = ember.from_numpy(data(r, (3,), np.float16))
    dist.all_reduce(t)
    same(t, np.sum([data(k, (3,), np.float16).astype(np.float32) for k in everyone],
                   axis=0).astype(np.float16))
    # async: the work handle completes it
    t = ember.from_numpy(data(r))
    work = dist.all_reduce(t, async_op=True)
    assert work.wait() is True and work.is_completed() and work.result() == [t]
    same(t, np.sum([data(k) for k in everyone], axis=0))
    # the version counter moves, so autograd's saved-tensor checks see the write
    t = ember.ones(3)
    v = t._vc[0]
    dist.all_reduce(t)
    assert t._vc[0] > v
    same(t, np.full(3, n, np.float32))

    # reduce to the last rank
    t = ember.from_numpy(data(r))
    dist.reduce(t, dst=n - 1, op=ReduceOp.MAX)
    if r == n - 1:
        same(t, np.max([data(k) for k in everyone], axis=0))
    # broadcast from every rank in turn, async too
    for src in everyone:
        t = ember.from_numpy(data(r, (2, 3), np.float64))
        dist.broadcast(t, src=src)
        same(t, data(src, (2, 3), np.float64), exact=True)
    t = ember.from_numpy(data(r, (2,), np.int64))
    dist.broadcast(t, src=0, async_op=True).wait()
    same(t, data(0, (2,), np.int64))
    # all_gather, into a list and into one tensor
    out = [ember.zeros(3, 4) for _ in everyone]
    dist.all_gather(out, ember.from_numpy(data(r)))
    for k in everyone:
        same(out[k], data(k), exact=True)
    flat = ember.zeros(n * 3, 4)
    buf = flat._data
    dist.all_gather_into_tensor(flat, ember.from_numpy(data(r)))
    same(flat, np.concatenate([data(k) for k in everyone]), exact=True)
    assert flat._data is buf
    objs = [None] * n
    dist.all_gather_object(objs, {"rank": r, "name": f"p{r}", "sq": [r * r]})
    assert objs == [{"rank": k, "name": f"p{k}", "sq": [k * k]} for k in everyone]
    items = [f"from {r}", r] if r == 0 else [None, None]
    dist.broadcast_object_list(items, src=0)
    assert items == ["from 0", 0]
    # gather to rank 1 (or 0), scatter from the last rank
    dst = 1 % n
    lst = [ember.zeros(3, 4) for _ in everyone] if r == dst else None
    dist.gather(ember.from_numpy(data(r)), lst, dst=dst)
    if r == dst:
        for k in everyone:
            same(lst[k], data(k), exact=True)
    t = ember.zeros(2, 2, dtype=ember.float64)
    parts = [ember.from_numpy(np.full((2, 2), 10.0 * k + 1)) for k in everyone]
    dist.scatter(t, parts if r == n - 1 else None, src=n - 1)
    same(t, np.full((2, 2), 10.0 * r + 1), exact=True)
    # reduce_scatter: rank i gets the reduction of everyone's i-th input
    mine = [ember.from_numpy(data(r * n + i, (2, 3))) for i in everyone]
    out = ember.zeros(2, 3)
    dist.reduce_scatter(out, mine)
    same(out, np.sum([data(k * n + r, (2, 3)) for k in everyone], axis=0))
    dist.reduce_scatter(out, [ember.from_numpy(data(r * n + i, (2, 3))) for i in everyone],
                        op=ReduceOp.MAX)
    same(out, np.max([data(k * n + r, (2, 3)) for k in everyone], axis=0))
    out = ember.zeros(4)
    dist.reduce_scatter_tensor(out, ember.from_numpy(data(r, (n * 4,))))
    same(out, np.sum([data(k, (n * 4,)) for k in everyone], axis=0)[r * 4:(r + 1) * 4])
    # point to point: a ring, then a receive from whoever sends
    send_buf = ember.from_numpy(data(r, (5,), np.float64))
    work = dist.isend(send_buf, dst=(r + 1) % n)
    got = ember.zeros(5, dtype=ember.float64)
    assert dist.recv(got, src=(r - 1) % n) == (r - 1) % n
    work.wait()
    same(got, data((r - 1) % n, (5,), np.float64), exact=True)
    if r == 0:
        for _ in range(1, n):
            t = ember.zeros(2, dtype=ember.int64)
            sender = dist.recv(t, tag=3)
            same(t, np.array([sender, 7]))
    else:
        dist.send(ember.tensor([r, 7]), dst=0, tag=3)
    dist.barrier()

    # disagreements: every rank gets the same clear error, nobody hangs
    if n > 1:
        msg = raises(RuntimeError, "Detected mismatch between collectives",
                     lambda: dist.all_reduce(ember.ones(2 + (r == 1))))
        assert "float32 tensor of shape (2,)" in msg and "shape (3,)" in msg
        raises(RuntimeError, "Detected mismatch", lambda: dist.all_reduce(
            ember.ones(2, dtype=ember.float64 if r == 1 else ember.float32)))
        raises(RuntimeError, "Detected mismatch", lambda: dist.broadcast(ember.ones(2), 0)
               if r == 0 else dist.all_reduce(ember.ones(2)))
        raises(RuntimeError, "Detected mismatch", lambda: dist.broadcast(ember.ones(2), src=r))
        if r == 0:  # a bad argument on one rank: it says what, the others say who
            raises(ValueError, "must be specified on destination rank",
                   lambda: dist.gather(ember.ones(2), None, dst=0))
        else:
            raises(ValueError, "rank 0 called it with invalid arguments",
                   lambda: dist.gather(ember.ones(2), None, dst=0))
        # a receive into a tensor that does not fit the one sent
        if r == 0:
            dist.send(ember.ones(3), dst=1, tag=5)
        elif r == 1:
            raises(RuntimeError, "rank 0 sent a float32 tensor of shape (3,)",
                   lambda: dist.recv(ember.zeros(4), src=0, tag=5))
        # what no exchange can see ends in the timeout: rank 0 waits alone for a second
        dist.destroy_process_group()
        dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=1))
        if r == 0:
            raises(dist.DistBackendError, "timed out", lambda: dist.barrier())
        else:  # late: this barrier completes rank 0's abandoned one, in the old group
            time.sleep(2)
            dist.barrier()
        dist.destroy_process_group()
        dist.init_process_group("mpi")
    raises(TypeError, "Expected parameter `tensor`", lambda: dist.all_reduce([1.0]))
    dist.barrier()
    dist.destroy_process_group()
    assert not dist.is_initialized()
    raises(ValueError, "has not been initialized", dist.get_rank)
    print(f"rank {r} passed {checks[0]} checks", flush=True)


if __name__ == "__main__":
    main()
