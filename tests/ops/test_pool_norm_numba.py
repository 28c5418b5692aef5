"""Pooling and batch norm on the compiled (numba) path against the NumPy path and against
PyTorch: outputs, max-pool indices and gradients, float32 and float64, odd geometries
(stride, padding, dilation, ceil_mode), ties, NaNs and non-contiguous inputs."""
import contextlib

import numpy as np
import pytest

import ember
from ember import _numba, nn
from ember.nn import functional as F
from ember.ops.pooling import _first_inside, pool_out_size
from coreutil import assert_close, threads

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
    (2, 3, 7, 9, 2, 2, 0, 1, False),            # MaxPool2d(2)'s kernels, odd sizes
    (2, 3, 6, 7, 2, 2, 0, 1, True),             # ceil_mode's last column hangs over
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


@pytest.mark.parametrize("shape,ceil_mode", [((3, 2, 8, 8), False), ((2, 3, 7, 9), False),
                                              ((2, 3, 7, 9), True), ((1, 1, 2, 3), False)])
@pytest.mark.parametrize("kind", ["random", "ties", "nan"])
@pytest.mark.parametrize("dt", DTYPES)
def test_max_pool_2x2_kernels_agree_with_the_numpy_path(shape, ceil_mode, kind, dt):
    """MaxPool2d(2) of an input without NaNs runs on kernels of its own
    (ops/pooling._halves): the same maxima, offsets and gradient as the NumPy path."""
    x = _pool_data(shape, dt, kind)
    x[0, 0, :2, :2] = -np.inf  # a window of -inf alone: its first element
    fn = lambda t: F.max_pool2d(t, 2, 2, 0, 1, ceil_mode, return_indices=True)  # noqa: E731
    def run():  # an output gradient of -0.0 too: the sign of the zeros it leaves
        t = ember.tensor(x, requires_grad=True)
        y, i = fn(t)
        g = np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(dt)
        g.ravel()[::3] = -0.0
        y.backward(ember.tensor(g))
        return y.detach().numpy(), i.numpy(), t.grad.numpy()

    fast = run()
    with _numba.disabled():
        slow = run()
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


def test_max_pool_2x2_kernels_refuse_shapes_that_do_not_agree():
    k = _numba.kernels("pool")
    x, g = np.zeros((2, 3, 5, 4), np.float32), np.zeros((2, 3, 2, 2), np.float32)
    arg = np.zeros((2, 3, 2, 2), np.uint8)
    for call in (lambda: k.max_pool_2x2_forward(x, np.zeros((2, 3, 3, 2), np.float32),
                                                np.zeros((2, 3, 3, 2), np.uint8)),
                 lambda: k.max_pool_2x2_forward(x, g[:1], arg[:1].copy()),
                 lambda: k.max_pool_2x2_forward(x, g, arg[:, :, :1].copy()),
                 lambda: k.max_pool_2x2_backward(g, arg, x[:, :, :3]),
                 lambda: k.max_pool_2x2_backward(g, arg[:1].copy(), x),
                 lambda: k.max_pool_2x2_backward(g, arg, x[:1])):
        with pytest.raises(ValueError, match="shapes do not agree"):
            call()


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


@pytest.mark.parametrize("pool", ["max", "avg"])
def test_pools_split_among_threads_give_the_same_bits(monkeypatch, pool):
    """A large pass splits its samples among threads (_threads.split_pass); each
    sample's planes are computed alike whoever computes them."""
    from ember import _threads
    x = np.random.default_rng(3).standard_normal((7, 3, 10, 9)).astype(np.float32)
    fn = (lambda t: F.max_pool2d(t, 3, 2, 1, ceil_mode=True)) if pool == "max" else \
        (lambda t: F.avg_pool2d(t, 3, 2, 1, ceil_mode=True))
    one = _run(ember, fn, x)
    monkeypatch.setattr(_threads, "PASS_SPLIT", 1)
    with threads(2):
        split = _run(ember, fn, x)
    for a, b in zip(one, split):
        np.testing.assert_array_equal(a, b)


# ----- edge geometries (issue 13): the kernels never step outside their arrays ------------
def _edge_pool_cases(n, seed, dilated):
    """Random pooling geometries at the edges: size-1 and empty batches, tiny planes,
    strides beyond the kernel, dilated windows that step over the input (wholly in the
    padding), ceil_mode; (shape, kernel, stride, padding, dilation, ceil_mode)."""
    rng = np.random.default_rng(seed)
    # The reproducer first.
    cases = [((2, 1, 1, 4), (2, 2), (2, 1), (1, 1), (2, 2), True)] if dilated else []
    while len(cases) < n:
        k, s, d = ([int(v) for v in rng.integers(1, hi, 2)] for hi in (5, 6, 4 if dilated else 2))
        p = [int(rng.integers(0, kk // 2 + 1)) for kk in k]
        shape = (int(rng.choice([0, 1, 2])), int(rng.choice([1, 3])),
                 int(rng.integers(1, 6)), int(rng.integers(1, 6)))
        cm = bool(rng.integers(2))
        if min(pool_out_size(shape[2 + a], k[a], s[a], p[a], d[a], cm) for a in (0, 1)) >= 1:
            cases.append((shape, tuple(k), tuple(s), tuple(p), tuple(d), cm))
    return cases


EDGE_POOLS = _edge_pool_cases(40, 13, dilated=True)
LAYOUTS = ["contiguous", "transposed", "negative strides"]


def _edge_run(lib, x, layout, fn, backward=True):
    """Outputs and input gradient of ``fn`` on ``x`` laid out as ``layout`` (ember gets the
    strided array itself; PyTorch, which has no negative strides, a copy)."""
    if layout == "transposed":
        leaf = lib.tensor(np.ascontiguousarray(x.transpose(0, 1, 3, 2)), requires_grad=True)
        t = leaf.transpose(2, 3)
    elif layout == "negative strides" and lib is ember:
        leaf = t = ember.from_numpy(x[:, :, ::-1, ::-1].copy()[:, :, ::-1, ::-1])
        t.requires_grad_()
    else:
        leaf = t = lib.tensor(x, requires_grad=True)
    y = fn(t)
    outs = list(y) if isinstance(y, tuple) else [y]
    if not backward:
        return [o.detach().numpy() for o in outs]
    w = np.cos(np.arange(outs[0].numel())).reshape(tuple(outs[0].shape)).astype(x.dtype)
    outs[0].backward(lib.tensor(w))
    g = leaf.grad.numpy()
    if layout == "transposed":
        g = g.transpose(0, 1, 3, 2)
    return [o.detach().numpy() for o in outs] + [g]


def _edge_compare(torch, x, layout, fn_e, fn_t, exact, grad_vs_torch=True):
    fast = _edge_run(ember, x, layout, fn_e)
    with _numba.disabled():
        slow = _edge_run(ember, x, layout, fn_e)
    ref = _edge_run(torch, x, layout, fn_t, backward=grad_vs_torch)
    for i, (a, b) in enumerate(zip(fast, slow)):
        r = ref[i] if i < len(ref) else b
        assert a.shape == b.shape == r.shape and a.dtype == b.dtype == r.dtype
        if exact and i < len(fast) - 1:
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(a, r)
        else:
            assert_close(a, b)
            assert_close(a, r)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", EDGE_POOLS, ids=str)
@pytest.mark.parametrize("dt", DTYPES)
def test_max_pool_edges(torch, case, layout, dt):
    shape, k, s, p, d, cm = case
    x = np.random.default_rng(5).standard_normal(shape).astype(dt)
    OH, OW = (pool_out_size(shape[2 + a], k[a], s[a], p[a], d[a], cm) for a in (0, 1))
    # A window wholly in the padding has no element to send its gradient to: ember drops
    # it, PyTorch adds it at the index it reports, which lies outside the plane (in the
    # next plane's memory, or past the tensor's end: its backward may then abort).
    empty = any(_first_inside(O, shape[2 + a], k[a], s[a], p[a], d[a])[1].any()
                for a, O in enumerate((OH, OW)))
    _edge_compare(torch, x, layout,
                  lambda t: F.max_pool2d(t, k, s, p, d, cm, return_indices=True),
                  lambda t: torch.nn.functional.max_pool2d(t, k, s, p, d, cm,
                                                           return_indices=True),
                  exact=True, grad_vs_torch=not empty)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", _edge_pool_cases(20, 14, dilated=False), ids=str)
@pytest.mark.parametrize("dt", DTYPES)
def test_avg_pool_edges(torch, case, layout, dt):
    shape, k, s, p, _, cm = case
    x = np.random.default_rng(5).standard_normal(shape).astype(dt)
    for cip, div in [(True, None), (False, None), (False, 3)]:
        _edge_compare(torch, x, layout, lambda t: F.avg_pool2d(t, k, s, p, cm, cip, div),
                      lambda t: torch.nn.functional.avg_pool2d(t, k, s, p, cm, cip, div),
                      exact=False)


def test_windows_wholly_in_padding_as_torch(torch):
    """The issue's reproducer: every window misses the input (dilation 2 over one row).
    Both paths give PyTorch's -inf and indices, and a zero gradient (see above)."""
    def run():
        x = ember.arange(8.).reshape(2, 1, 1, 4).requires_grad_()
        out, idx = F.max_pool2d(x, 2, stride=(2, 1), padding=1, ceil_mode=True, dilation=2,
                                return_indices=True)
        out.sum().backward()
        return out.detach().numpy(), idx.numpy(), x.grad.numpy()

    xt = torch.arange(8.).reshape(2, 1, 1, 4)
    ref, ref_idx = torch.nn.functional.max_pool2d(xt, 2, stride=(2, 1), padding=1,
                                                  ceil_mode=True, dilation=2,
                                                  return_indices=True)
    for got in (run(), _numba_off(run)):
        np.testing.assert_array_equal(got[0], ref.numpy())
        np.testing.assert_array_equal(got[1], ref_idx.numpy())
        np.testing.assert_array_equal(got[2], np.zeros((2, 1, 1, 4), np.float32))


def _numba_off(fn):
    with _numba.disabled():
        return fn()


GEOMETRY_ERRORS = [dict(kernel_size=0), dict(kernel_size=(2, 0)), dict(kernel_size=-1),
                   dict(kernel_size=2, stride=0), dict(kernel_size=2, stride=-1),
                   dict(kernel_size=2, stride=(2, 0)), dict(kernel_size=2, dilation=0),
                   dict(kernel_size=2, dilation=-2), dict(kernel_size=2, padding=-1),
                   dict(kernel_size=2, padding=2), dict(kernel_size=(3, 1), padding=(1, 1)),
                   dict(kernel_size=3, padding=2, dilation=2)]


@pytest.mark.parametrize("shape", [(1, 2, 5, 5), (0, 2, 5, 5), (1, 0, 5, 5), (2, 5, 0),
                                   (0, 5, 5)], ids=str)
@pytest.mark.parametrize("kw", GEOMETRY_ERRORS, ids=str)
@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
def test_bad_geometry_raises_as_torch(torch, name, kw, shape):
    """Checked before any kernel runs, in PyTorch's order and words (a zero stride would
    divide by zero, a negative padding or dilation would index outside the input)."""
    if name == "avg_pool2d" and "dilation" in kw:
        return
    def outcome(lib):
        try:
            return tuple(getattr(lib.nn.functional, name)(lib.zeros(shape), **kw).shape)
        except Exception as e:  # noqa: BLE001 - the class and words are what is compared
            return type(e).__name__, str(e)
    assert outcome(ember) == outcome(torch)


@pytest.mark.parametrize("dt", ["int64", "int32", "uint8", "bool"])
def test_integer_avg_pool_as_torch(torch, dt):
    """int64 averages divide as C does (toward zero); other integer types are refused."""
    x = np.random.default_rng(2).integers(-50, 50, (2, 3, 7, 6)).astype(dt)

    def outcome(lib):
        try:
            return lib.nn.functional.avg_pool2d(lib.tensor(x), 3, 2, 1, True, False).numpy()
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
    got, ref = outcome(ember), outcome(torch)
    if isinstance(ref, tuple):
        assert got == ref
    else:
        np.testing.assert_array_equal(got, ref)
        assert got.dtype == ref.dtype


@pytest.mark.parametrize("name", ["max", "avg"])
def test_a_hook_that_changes_the_gradient_never_reaches_a_kernel(name):
    """The compiled backward sizes its loops from the output gradient; one of another shape
    or dtype (returned by a hook) takes the NumPy path, which raises for it."""
    x = ember.randn(1, 1, 4, 4, requires_grad=True)
    pool = F.max_pool2d if name == "max" else F.avg_pool2d
    for bad in (ember.ones(3, 3, 9, 9), ember.ones(2, dtype=ember.float64)):
        y = pool(x, 2)
        y.register_hook(lambda g, bad=bad: bad)
        with pytest.raises((RuntimeError, ValueError)):
            y.sum().backward()


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
    # one value per plane: PyTorch's channels-last loop (_kernels/norm.row_grad_sums)
    "1d rows": ("BatchNorm1d", (37, 5)),
}


@pytest.mark.parametrize("case", BN_CASES, ids=list(BN_CASES))
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("dt", DTYPES)
def test_batch_norm(torch, case, train, dt):
    cls, shape = BN_CASES[case]
    # An offset well above the spread: the variance must not cancel.
    x = (np.random.default_rng(9).standard_normal(shape) * 2 + 50).astype(dt)
    _bn_compare(torch, x, cls, train=train)


@pytest.mark.parametrize("threads", [1, 2])
def test_batch_norm_of_rows_rounds_as_torch_for_its_thread_count(torch, threads):
    """An (N, C) batch's statistics as PyTorch's channels-last loop rounds them (row chunks
    per thread summed in float32: _kernels/norm.row_stats): on a constant batch the mean
    misses the value by an ulp for some N and thread counts, and 1 / sqrt(eps) amplifies
    it; the running statistics' update in PyTorch's order too."""
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(threads)
        ember.set_num_threads(threads)
        for n, value in [(3, -790.56946), (16, -790.56946), (17, 3.1), (40, 0.7)]:
            out = []
            for lib in (ember, torch):
                x = lib.full((n, 3), value)
                rm, rv = lib.full((3,), 0.3), lib.full((3,), 0.7)
                y = lib.nn.functional.batch_norm(x, rm, rv, lib.ones(3), lib.zeros(3),
                                                 training=True, momentum=0.1, eps=1e-5)
                out.append([t.numpy() for t in (y, rm, rv)])
            for a, b in zip(*out):
                np.testing.assert_array_equal(a, b, err_msg=f"N={n}")
    finally:
        torch.set_num_threads(before)
        ember.set_num_threads(None)


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


# ----- batch norm at the edges (issue 13) --------------------------------------------------
BN_EDGE_SHAPES = [(1, 3, 1, 1), (1, 3), (2, 3), (1, 3, 2), (4, 2, 1, 1), (2, 3, 1, 5),
                  (1, 1, 1, 1, 1), (0, 3, 4, 4), (0, 3), (3, 2, 0, 4), (2, 0, 4, 4), (2, 0)]


def _bn_edge(lib, x, train, negative_strides):
    """F.batch_norm's outcome: the output, the gradients of input, weight and bias, and the
    running statistics after; or the exception's class and words."""
    C = x.shape[1]
    if negative_strides and lib is ember:
        xt = ember.from_numpy(x[:, ::-1].copy()[:, ::-1]).requires_grad_()
    else:
        xt = lib.tensor(x, requires_grad=True)
    dt = xt.dtype
    rm = lib.tensor(np.linspace(-1, 1, C), dtype=dt)
    rv = lib.tensor(np.linspace(0.5, 2, C), dtype=dt)
    w = lib.tensor(np.linspace(0.5, 1.5, C), dtype=dt, requires_grad=True)
    b = lib.tensor(np.linspace(-1, 1, C), dtype=dt, requires_grad=True)
    try:
        y = lib.nn.functional.batch_norm(xt, rm, rv, w, b, training=train)
    except Exception as e:  # noqa: BLE001 - the class and words are what is compared
        return type(e).__name__, str(e)
    y.backward(lib.tensor(np.cos(np.arange(y.numel())).reshape(x.shape).astype(x.dtype)))
    return [a.detach().numpy() for a in (y, xt.grad, w.grad, b.grad, rm, rv)]


@pytest.mark.parametrize("negative_strides", [False, True], ids=["contiguous", "negative"])
@pytest.mark.parametrize("shape", BN_EDGE_SHAPES, ids=str)
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("dt", DTYPES)
def test_batch_norm_edges(torch, shape, train, dt, negative_strides):
    """One value per channel (refused in training), empty batches and planes (the running
    statistics stay as they were), no channels (refused), size-1 dims, negative strides."""
    x = (np.random.default_rng(4).standard_normal(shape) * 3 + 7).astype(dt)
    fast = _bn_edge(ember, x, train, negative_strides)
    with _numba.disabled():
        slow = _bn_edge(ember, x, train, negative_strides)
    ref = _bn_edge(torch, x, train, negative_strides)
    if isinstance(ref, tuple):
        assert fast == slow == ref
        return
    for a, b, r in zip(fast, slow, ref):
        assert a.shape == b.shape == r.shape and a.dtype == b.dtype == r.dtype
        assert_close(a, b)
        assert_close(a, r)


def test_batch_norm_statistics_must_be_vectors(torch):
    """The kernels index weight, bias and statistics per channel: a (C, 1) one is refused
    as PyTorch refuses it, on both paths, before the running statistics change."""
    for lib in (ember, torch):
        for off in (False, True):
            rm = lib.zeros(3, 1)
            with (_numba.disabled() if off and lib is ember else contextlib.nullcontext()):
                with pytest.raises(RuntimeError, match="TensorAccessor expected 1 dims but "
                                                       "tensor has 2"):
                    lib.nn.functional.batch_norm(lib.ones(4, 3, 2, 2), rm, lib.ones(3),
                                                 training=True)
            assert not rm.any()


def test_batch_norm_op_checks_lengths_itself():
    """The op indexes per channel whoever calls it: statistics of the wrong length are
    refused there too, not only by F.batch_norm."""
    from ember.ops import nn_ops
    x = ember.ones(4, 3, 2, 2)
    for train in (True, False):
        with pytest.raises(RuntimeError, match="running_mean should contain 3 elements not 2"):
            nn_ops.batch_norm(x, ember.zeros(2), ember.ones(3), None, None, train, 0.1, 1e-5)


@pytest.mark.parametrize("fill", [-np.inf, np.inf, np.nan], ids=str)
@pytest.mark.parametrize("dt", DTYPES)
def test_batch_norm_statistics_of_non_finite_planes(torch, fill, dt):
    """A channel whose planes hold an inf: the running mean is that inf, as the plain mean
    gives it (the kernel's pairwise merge of plane means would make inf - inf, nan)."""
    x = np.random.default_rng(5).standard_normal((3, 2, 1, 3)).astype(dt)
    x[:, 0] = fill
    x[1, 1, 0, 2] = fill
    fast = _bn_edge(ember, x, True, False)
    with _numba.disabled():
        slow = _bn_edge(ember, x, True, False)
    ref = _bn_edge(torch, x, True, False)
    for a, b, r in zip(fast[4:], slow[4:], ref[4:]):  # the running statistics
        assert_close(a, b)
        assert_close(a, r)


# ----- ReLU's backward --------------------------------------------------------------------------
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_relu_backward_matches_numpy_path_bit_for_bit(dt):
    """Zero where the output is <= 0 (even for an infinite gradient), the gradient where it
    is positive or NaN; large enough for the compiled pass, and a view that is not."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, 8, 16, 16)).astype(dt)
    x[0, 0, 0, :4] = [np.nan, 0.0, -0.0, np.inf]
    gy = rng.standard_normal(x.shape).astype(dt)
    gy[0, 0, 1, :3] = [np.inf, -np.inf, np.nan]
    x[0, 0, 1, :3] = [-1.0, 2.0, -3.0]

    def run(view):
        t = ember.tensor(x, requires_grad=True)
        y = (t[:, :, ::2] if view else t).relu()
        y.backward(ember.tensor(gy[:, :, ::2] if view else gy))
        return t.grad.numpy()
    for view in (False, True):
        got = run(view)
        with _numba.disabled():
            want = run(view)
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype


@pytest.mark.parametrize("layer", ["batch_norm_train", "batch_norm_eval", "relu"])
def test_large_passes_split_among_threads_give_the_same_bits(monkeypatch, layer):
    """Batch norm's compiled passes split by channels (statistics, sums) and by samples
    (normalisation, input gradient), ReLU by elements, once large; every channel, plane
    and element is computed alike whoever computes it."""
    from ember import _threads
    x = np.random.default_rng(4).standard_normal((5, 7, 16, 8)).astype(np.float32)
    if layer == "relu":
        fn = ember.relu
    else:
        bn = nn.BatchNorm2d(7)
        bn.train(layer == "batch_norm_train")
        fn = bn

    def run():
        t = ember.tensor(x, requires_grad=True)
        y = fn(t)
        y.backward(ember.tensor(np.cos(np.arange(y.numel())).reshape(x.shape).astype(x.dtype)))
        return [y.detach().numpy(), t.grad.numpy()] + [p.grad.numpy() for p in (
            () if layer == "relu" else bn.parameters())]

    one = run()
    monkeypatch.setattr(_threads, "PASS_SPLIT", 1)
    with threads(2):
        if layer != "relu":
            for p in bn.parameters():
                p.grad = None
        split = run()
    for a, b in zip(one, split):
        np.testing.assert_array_equal(a, b)


def test_norm_kernels_refuse_arrays_that_do_not_agree():
    k = _numba.kernels("norm")
    x = np.zeros((2, 3, 4), np.float32)
    v3, v2 = np.zeros(3), np.zeros(2)
    for call in (lambda: k.channel_stats(x, v2, v3, 0, 2), lambda: k.channel_stats(x, v3, v3, 0, 4),
                 lambda: k.grad_sums(x, x, v3, 16, v3, v3, 2, 1),
                 lambda: k.grad_sums(x[:1], x, v3, 16, v3, v3, 0, 3),
                 lambda: k.normalize(x, v3, v3, v3, x[:, :2]),
                 lambda: k.normalize(x, v2, v3, v3, x),
                 lambda: k.grad_input(x, x, v3, v3, v3, v3, v2, x)):
        with pytest.raises(ValueError, match="sizes do not agree"):
            call()


def test_batch_norm_backward_rounds_as_pytorch(torch):
    """Training-mode batch norm's input gradient where the batch cancels (a plane near a
    pole of what follows): PyTorch's sums per plane in the dtype, then in float64, and its
    fused (g - mean(g)) - (x - mean) * k; the same bits, kernels on (found by the fuzzer:
    a conv bias's gradient through batch norm and tan)."""
    x = np.array([-0.25, -0.5, -0.25, -0.5, -1.25, -2.75, -1.25, -2.75], np.float32)
    g = np.array([3.0598161, 1.7258823, 3.0598161, 1.7258823, 1.0041265, 921.6178, 1.0041265,
                  921.6178], np.float32)
    # (planes shorter than a vector; on longer ones the forward's statistics can differ by
    # an ulp from PyTorch's already: see _kernels/norm.grad_sums)
    for xs, gs, shape in ((x, g, (2, 2, 2)),):
        grads = []
        for lib in (ember, torch):
            t = lib.tensor(xs.reshape(shape), requires_grad=True)
            y = lib.nn.functional.batch_norm(t, None, None, lib.ones(shape[1]), None,
                                             training=True)
            y.backward(lib.tensor(gs.reshape(shape)))
            grads.append(t.grad.numpy())
        np.testing.assert_array_equal(*grads)
