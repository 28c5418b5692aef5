"""ember._buffers: large results reuse the storage of dead ones, never of live ones, and
the arithmetic that uses it gives NumPy's results bit for bit."""
import gc

import numpy as np
import pytest

import ember
from ember import _buffers

BIG = (512, 1024)  # 2 MB of float32: reused storage
F32 = np.dtype(np.float32)


def _block(a):
    return a.base if a.base is not None else a


@pytest.fixture(autouse=True)
def empty_pool():
    """Each test starts with no blocks kept: a free block of the same size left by earlier
    tests would be handed out first, ahead of the one a test frees. Dropping blocks is
    always safe: one still in use lives on as its result's ordinary storage."""
    gc.collect()
    with _buffers._lock:
        _buffers._blocks.clear()
        _buffers._kept[0] = 0


def test_a_dead_result_storage_is_reused_a_live_one_never():
    a = _buffers.empty(BIG, F32)
    a.fill(1)
    b = _buffers.empty(BIG, F32)
    assert not np.shares_memory(a, b)  # a is alive
    keep = a.T[::2]  # a view keeps the storage alive too
    del a
    gc.collect()
    c = _buffers.empty(BIG, F32)
    assert not np.shares_memory(c, keep) and not np.shares_memory(c, b)
    assert (keep == 1).all()
    block = id(_block(keep))  # (its id: a reference would keep it in use)
    del keep
    d = _buffers.empty(BIG, F32)
    assert id(_block(d)) == block  # free again: handed out again
    assert d.shape == BIG and d.dtype == F32 and d.flags.c_contiguous and d.flags.writeable


def test_small_and_huge_results_are_plain_arrays():
    for shape in ((10,), (1 << 30,)):
        dtype = np.dtype(np.uint8)
        if shape[0] > _buffers.MIN_BYTES:  # too large to keep: not even allocated here
            assert shape[0] > _buffers._LARGEST
            continue
        a = _buffers.empty(shape, dtype)
        assert a.base is None


def test_other_shapes_and_dtypes_of_the_same_byte_size_share_blocks():
    a = _buffers.empty((1 << 18,), F32)
    block = id(_block(a))
    del a
    b = _buffers.empty((1 << 17,), np.dtype(np.float64))
    assert id(_block(b)) == block and b.dtype == np.float64 and b.shape == (1 << 17,)


def test_the_blocks_kept_are_bounded():
    live = [_buffers.empty(BIG, F32) for _ in range(40)]  # 80 MB in use
    assert _buffers._kept[0] <= _buffers._MAX_BYTES
    sizes = [(1 << 20) + 4096 * i for i in range(40)]  # 40 sizes of just over 1 MB
    more = [_buffers.empty((n,), np.dtype(np.uint8)) for n in sizes for _ in range(2)]
    assert _buffers._kept[0] <= _buffers._MAX_BYTES
    assert _buffers._kept[0] == sum(n * len(b) for n, b in _buffers._blocks.items())
    for x in live + more:  # every array, dropped from the pool or not, kept its own storage
        x.fill(7)
    assert all((x == 7).all() for x in live + more)


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
@pytest.mark.parametrize("other", ["tensor", "number", "row"])
def test_large_arithmetic_matches_numpy_bit_for_bit(op, other):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(BIG, dtype=np.float32)
    b = {"tensor": rng.standard_normal(BIG, dtype=np.float32) + 3,
         "number": 1.7, "row": rng.standard_normal(BIG[1], dtype=np.float32) + 3}[other]
    x = ember.tensor(a, requires_grad=True)
    y = ember.tensor(b, requires_grad=True) if other != "number" else b
    fn = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide}[op]
    outs = []
    for _ in range(3):  # the second and third reuse the first's freed storage
        z = {"+": x + y, "-": x - y, "*": x * y, "/": x / y}[op]
        outs.append(z)
        np.testing.assert_array_equal(z.detach().numpy(), fn(a, b))
        assert z.dtype == ember.float32
        z = None
    # and the reflected order (number / tensor is the reciprocal times the number, as in
    # PyTorch)
    z = {"+": y + x, "-": y - x, "*": y * x, "/": y / x}[op]
    want = (1 / a) * b if op == "/" and other == "number" else fn(b, a)
    np.testing.assert_array_equal(z.detach().numpy(), want)
    for o in outs:  # results still alive were not overwritten
        np.testing.assert_array_equal(o.detach().numpy(), fn(a, b))


def test_large_step_forward_and_backward_match_numpy_bit_for_bit():
    data = np.random.default_rng(1).random((1000, 1000), dtype=np.float32)
    x = ember.tensor(data, requires_grad=True)
    for step in range(3):
        y = (x * x + x).sum()
        y.backward()
        np.testing.assert_array_equal(y.detach().numpy(), np.add.reduce(data * data + data, axis=None))
        # dy/dx = 2x + 1, accumulated: as PyTorch's AccumulateGrad, the engine sums a leaf's
        # uses (g from the add, then g * x twice) and adds that sum to .grad once per step
        want = np.zeros_like(data)
        for _ in range(step + 1):
            want += (np.ones_like(data) + data) + data
        np.testing.assert_array_equal(x.grad.detach().numpy(), want)


def test_large_mul_backward_under_create_graph_matches():
    data = np.random.default_rng(2).random(BIG, dtype=np.float32)
    x = ember.tensor(data, requires_grad=True)
    (g,) = ember.autograd.grad((x * x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), data + data)
    (h,) = ember.autograd.grad(g.sum(), x)
    np.testing.assert_array_equal(h.detach().numpy(), np.full(BIG, 2, np.float32))


def test_large_mul_backward_by_a_number_and_a_row_matches_numpy():
    rng = np.random.default_rng(3)
    data = rng.standard_normal(BIG, dtype=np.float32)
    row = rng.standard_normal(BIG[1], dtype=np.float32)
    x = ember.tensor(data, requires_grad=True)
    r = ember.tensor(row, requires_grad=True)
    g = rng.standard_normal(BIG, dtype=np.float32)
    (x * 1.7 * r).backward(ember.tensor(g))
    # (x * 1.7) * r: d/dx = (g * r) * 1.7, d/dr = sum over rows of g * (x * 1.7)
    np.testing.assert_array_equal(x.grad.numpy(), (g * row) * np.float32(1.7))
    np.testing.assert_array_equal(r.grad.numpy(),
                                  np.add.reduce(g * (data * np.float32(1.7)), axis=0))
