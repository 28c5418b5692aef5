"""Pooling and batch norm on the compiled (numba) path against the NumPy path and against
PyTorch: outputs, max-pool indices and gradients, float32 and float64, odd geometries
(stride, padding, dilation, ceil_mode), ties, NaNs and non-contiguous inputs."""
import numpy as np
import pytest

import ember
from ember import _numba, nn
from ember.nn import functional as F
from coreutil import assert_close

pytestmark = pytest.mark.skipif(not _numba.enabled(), reason="numba kernels are off")

DTYPES = [np.float64, np.float32]


def _run(lib, fn, x, view=None, loss="weighted"):
    """``fn``'s outputs and the gradient of its input in ``lib`` (ember or torch), for a fixed
    output gradient (``loss="sum"``: the gradient of ``y.sum()``, a broadcast view, reaches
    the op)."""
    xt = lib.tensor(x, requires_grad=True)
    y = fn(xt if view is None else view(xt))
    out = y[0] if isinstance(y, tuple) else y
    if loss == "sum":
        out.sum().backward()
    else:
        w = np.cos(np.arange(out.numel())).reshape(tuple(out.shape)).astype(x.dtype)
        out.backward(lib.tensor(w))
    rest = [r.numpy() for r in y[1:]] if isinstance(y, tuple) else []
    return [out.detach().numpy(), xt.grad.numpy()] + rest


def _compare(torch, fn_e, fn_t, x, view=None, loss="weighted", rtol=None):
    """The numba path against the NumPy path and against PyTorch."""
    fast = _run(ember, fn_e, x, view, loss)
    with _numba.disabled():
        slow = _run(ember, fn_e, x, view, loss)
    ref = _run(torch, fn_t, x, view, loss)
    for a, b, r in zip(fast, slow, ref):
        assert_close(a, b, rtol=rtol)
        assert_close(a, r, rtol=rtol)
    return fast, slow, ref


# ----- pooling -----------------------------------------------------------------------------
# (N, C, H, W, kernel, stride, padding, dilation, ceil_mode)
POOL_CASES = [
    (3, 4, 8, 8, 2, 2, 0, 1, False),            # LeNet's 2x2
    (2, 3, 11, 13, 3, 2, 1, 1, False),          # ResNet's stem pool, odd sizes
    (2, 3, 7, 6, 3, 2, 1, 1, True),
    (2, 3, 9, 8, 3, 1, 1, 2, False),            # overlapping, dilated
    (1, 2, 5, 5, 2, None, 0, 1, True),
    (2, 2, 8, 9, (3, 2), (2, 1), (1, 0), (2, 1), True),
    (1, 1, 4, 4, 4, 4, 0, 1, False),
    (2, 2, 11, 9, 3, 3, 1, 1, True),
    (2, 1, 3, 17, (1, 5), (1, 3), (0, 2), 1, True),
]
IDS = [str(c) for c in POOL_CASES]


def _pool_data(shape, dt, kind):
    x = np.random.default_rng(6).standard_normal(shape).astype(dt)
    if kind == "ties":
        x = np.round(np.maximum(x, 0))  # many equal maxima: the first in window order wins
    elif kind == "nan":
        x[x > 1.2] = np.nan  # windows with one NaN, some with several (the last wins)
    return x


@pytest.mark.parametrize("case", POOL_CASES, ids=IDS)
@pytest.mark.parametrize("kind", ["random", "ties", "nan"])
@pytest.mark.parametrize("dt", DTYPES)
def test_max_pool(torch, case, kind, dt):
    N, C, H, W, k, s, p, d, cm = case
    x = _pool_data((N, C, H, W), dt, kind)
    fast, slow, ref = _compare(
        torch, lambda t: F.max_pool2d(t, k, s, p, d, cm, return_indices=True),
        lambda t: torch.nn.functional.max_pool2d(t, k, s, p, d, cm, return_indices=True), x)
    np.testing.assert_array_equal(fast[2], slow[2])
    np.testing.assert_array_equal(fast[2], ref[2])


@pytest.mark.parametrize("dt", DTYPES)
def test_max_pool_all_minus_inf_window_takes_first_inside(torch, dt):
    # A window of padding and -inf only: PyTorch points at its first element inside the
    # input (the NumPy path, which pads with -inf, is not held to this corner).
    x = np.full((1, 2, 5, 5), -np.inf, dtype=dt)
    x[0, 1, 2, 2] = 1.0
    e = _run(ember, lambda t: F.max_pool2d(t, 3, 2, 1, return_indices=True), x)
    r = _run(torch, lambda t: torch.nn.functional.max_pool2d(t, 3, 2, 1, return_indices=True), x)
    for a, b in zip(e, r):
        np.testing.assert_array_equal(a, b)


VIEWS = {
    "transposed": lambda t: t.transpose(2, 3),
    "sliced": lambda t: t[:, ::2, 1:, :-1],
}


@pytest.mark.parametrize("view", VIEWS, ids=list(VIEWS))
@pytest.mark.parametrize("loss", ["weighted", "sum"])
@pytest.mark.parametrize("dt", DTYPES)
def test_pools_of_views(torch, view, loss, dt):
    x = np.random.default_rng(3).standard_normal((3, 4, 9, 10)).astype(dt)
    _compare(torch, lambda t: F.max_pool2d(t, 3, 2, 1),
             lambda t: torch.nn.functional.max_pool2d(t, 3, 2, 1), x, VIEWS[view], loss)
    _compare(torch, lambda t: F.avg_pool2d(t, 2),
             lambda t: torch.nn.functional.avg_pool2d(t, 2), x, VIEWS[view], loss)


@pytest.mark.parametrize("case", [c for c in POOL_CASES if c[7] == 1], ids=str)
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("dt", DTYPES)
def test_avg_pool(torch, case, count_include_pad, dt):
    N, C, H, W, k, s, p, _, cm = case
    x = np.random.default_rng(7).standard_normal((N, C, H, W)).astype(dt)
    _compare(torch, lambda t: F.avg_pool2d(t, k, s, p, cm, count_include_pad),
             lambda t: torch.nn.functional.avg_pool2d(t, k, s, p, cm, count_include_pad), x)


@pytest.mark.parametrize("dt", DTYPES)
def test_avg_pool_divisor_override(torch, dt):
    x = np.random.default_rng(8).standard_normal((2, 3, 7, 8)).astype(dt)
    _compare(torch, lambda t: F.avg_pool2d(t, 3, 2, 1, True, divisor_override=4),
             lambda t: torch.nn.functional.avg_pool2d(t, 3, 2, 1, True, divisor_override=4), x)


def test_integer_max_pool_stays_on_numpy_path():
    x = ember.tensor(np.arange(2 * 3 * 6 * 6).reshape(2, 3, 6, 6) % 7)
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    with _numba.disabled():
        ref, ref_idx = F.max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())


# ----- batch norm --------------------------------------------------------------------------
def _bn_run(lib, x, cls, train=True, view=None, steps=2, **kw):
    """Two steps of a batch-norm layer in ``lib``: per step the output and the gradients
    of input, weight and bias, and at the end the buffers."""
    C = (x if view is None else view(lib.tensor(x))).shape[1]
    m = getattr(lib.nn, cls)(C, **kw).to(dtype=getattr(lib, x.dtype.name))
    if m.weight is not None:
        with lib.no_grad():
            m.weight.copy_(lib.tensor(np.linspace(0.5, 1.5, C), dtype=m.weight.dtype))
            m.bias.copy_(lib.tensor(np.linspace(-1.0, 1.0, C), dtype=m.bias.dtype))
    if not train:
        with lib.no_grad():
            m.running_mean.copy_(lib.tensor(np.linspace(4.0, 6.0, C), dtype=m.weight.dtype))
            m.running_var.copy_(lib.tensor(np.linspace(0.5, 9.0, C), dtype=m.weight.dtype))
    m.train(train)
    got = []
    for step in range(steps):
        xt = lib.tensor(x + step, requires_grad=True)
        y = m(xt if view is None else view(xt))
        w = np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(x.dtype)
        y.backward(lib.tensor(w))
        got += [y.detach().numpy(), xt.grad.numpy()]
        if m.weight is not None:
            got += [m.weight.grad.numpy(), m.bias.grad.numpy()]
            m.weight.grad = m.bias.grad = None
    return got + [b.numpy() for b in m.buffers()]


def _bn_compare(torch, x, cls, **kw):
    fast = _bn_run(ember, x, cls, **kw)
    with _numba.disabled():
        slow = _bn_run(ember, x, cls, **kw)
    ref = _bn_run(torch, x, cls, **kw)
    assert len(fast) == len(slow) == len(ref)
    for a, b, r in zip(fast, slow, ref):
        assert_close(a, b)
        assert_close(a, r)


BN_CASES = {
    "2d odd": ("BatchNorm2d", (3, 5, 7, 9)),
    "2d one sample": ("BatchNorm2d", (1, 4, 3, 5)),
    "1d sequence": ("BatchNorm1d", (6, 3, 11)),
}


@pytest.mark.parametrize("case", BN_CASES, ids=list(BN_CASES))
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("dt", DTYPES)
def test_batch_norm(torch, case, train, dt):
    cls, shape = BN_CASES[case]
    # An offset well above the spread: the variance must not cancel.
    x = (np.random.default_rng(9).standard_normal(shape) * 2 + 50).astype(dt)
    _bn_compare(torch, x, cls, train=train)


@pytest.mark.parametrize("kw", [dict(affine=False), dict(momentum=None),
                                dict(track_running_stats=False)], ids=str)
@pytest.mark.parametrize("dt", DTYPES)
def test_batch_norm_options(torch, kw, dt):
    x = np.random.default_rng(10).standard_normal((4, 3, 5, 6)).astype(dt)
    _bn_compare(torch, x, "BatchNorm2d", **kw)


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("dt", DTYPES)
def test_batch_norm_of_a_view(torch, train, dt):
    x = np.random.default_rng(11).standard_normal((4, 6, 5, 3)).astype(dt)
    _bn_compare(torch, x, "BatchNorm2d", train=train, view=lambda t: t.permute(0, 3, 2, 1))


def test_batch_norm_input_changed_in_place_is_caught():
    # The compiled path keeps the input for the backward, as PyTorch does.
    x = ember.tensor(np.random.default_rng(12).standard_normal((2, 3, 4, 4)), requires_grad=True)
    h = x * 1
    y = nn.BatchNorm2d(3).double()(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_compiled_paths_are_taken_where_meant():
    from ember.ops import nn_ops, pooling
    f32 = np.zeros((2, 3, 4, 4), dtype=np.float32)
    assert pooling._compiled(f32) is not None and nn_ops._norm_kernels(f32) is not None
    assert pooling._compiled(f32.astype(np.int64)) is None
    assert nn_ops._norm_kernels(f32[:, :, 0, 0]) is None  # (N, C) rows stay on NumPy
    with _numba.disabled():
        assert pooling._compiled(f32) is None and nn_ops._norm_kernels(f32) is None
