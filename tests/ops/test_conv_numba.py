"""Conv2d's compiled (numba, blocked) path against its NumPy path and against PyTorch.

The blocked path runs over blocks of a few samples; the block size is shrunk here so that
small test inputs span several blocks (one sample each, or a few with a partial last one),
split between one or two threads."""
import contextlib

import numpy as np
import pytest

import ember
from ember import _numba, _threads
from ember.nn import functional as F
from ember.ops import conv as conv_ops
from coreutil import assert_close

pytestmark = pytest.mark.skipif(not _numba.enabled(), reason="numba kernels are off")

DTYPES = [np.float64, np.float32]

# (N, C, O, H, W, kernel, stride, padding, dilation, groups, bias)
CASES = [
    (5, 3, 4, 7, 9, (3, 3), 1, 1, 1, 1, True),           # padded-width rows
    (5, 4, 6, 10, 8, (3, 2), 2, 1, 1, 2, True),          # strided, grouped
    (3, 2, 4, 9, 12, (3, 3), (2, 3), (2, 1), (2, 1), 2, False),
    (4, 4, 4, 8, 8, (4, 4), 1, "same", 1, 1, True),      # asymmetric pads
    (3, 4, 8, 9, 7, (2, 3), 1, "same", (2, 3), 4, True),
    (3, 6, 4, 8, 7, (3, 3), 1, (2, 1), (1, 2), 2, True),  # input grad as a grouped conv
    (4, 6, 16, 12, 12, (5, 5), 1, 0, 1, 1, True),        # LeNet's second layer
    (3, 1, 6, 28, 28, (5, 5), 1, 0, 1, 1, False),        # LeNet's first layer
    (3, 4, 8, 9, 7, (1, 1), 1, 0, 1, 1, True),
    (3, 4, 8, 9, 7, (1, 1), 2, 0, 1, 1, False),
    (2, 2, 2, 5, 5, (3, 3), 1, 4, 1, 1, True),           # padding beyond the kernel
    (3, 3, 5, 12, 12, (7, 7), 2, 3, 1, 1, True),
    (4, 2, 3, 6, 30, (3, 3), 1, 0, 1, 1, True),          # wide input, narrow output rows
]
IDS = [str(c) for c in CASES]


@pytest.fixture(autouse=True, params=[(4096, 1), (1 << 15, 1), (4096, 2), (1 << 15, 2)],
                ids=["1/block", "some/block", "1/block-2threads", "some/block-2threads"])
def small_blocks(monkeypatch, request):
    """Blocks of one or a few samples, and one thread or two splitting them."""
    monkeypatch.setattr(conv_ops, "_BLOCK_BYTES", request.param[0])
    monkeypatch.setattr(conv_ops, "_MIN_COLUMNS", 1)
    monkeypatch.setattr(_threads, "_user", request.param[1])


def _run(x, w, b, s, p, d, g, needs=(True, True, True), x_view=None):
    """Output and the gradients of (x, w, b) for the same fixed output gradient."""
    xe = ember.tensor(x, requires_grad=needs[0])
    we = ember.tensor(w, requires_grad=needs[1])
    be = None if b is None else ember.tensor(b, requires_grad=needs[2])
    xin = xe if x_view is None else x_view(xe)
    y = F.conv2d(xin, we, be, s, p, d, g)
    gy = np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(x.dtype)
    if any(needs):
        y.backward(ember.tensor(gy))
    grads = [None if t is None or t.grad is None else t.grad.numpy() for t in (xe, we, be)]
    return [y.detach().numpy()] + grads, gy


def _arrays(case, dt, seed=0):
    N, C, O, H, W, k, s, p, d, g, bias = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W)).astype(dt)
    w = rng.standard_normal((O, C // g) + k).astype(dt)
    b = rng.standard_normal(O).astype(dt) if bias else None
    return x, w, b, (s, p, d, g)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("dt", DTYPES)
def test_blocked_matches_numpy_path(case, dt):
    x, w, b, args = _arrays(case, dt)
    got, _ = _run(x, w, b, *args)
    with _numba.disabled():
        want, _ = _run(x, w, b, *args)
    for a, e in zip(got, want):
        assert (a is None) == (e is None)
        if a is not None:
            assert a.dtype == e.dtype
            assert_close(a, e)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("dt", DTYPES)
def test_blocked_matches_torch(torch, case, dt):
    x, w, b, (s, p, d, g) = _arrays(case, dt, seed=1)
    got, gy = _run(x, w, b, s, p, d, g)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = None if b is None else torch.tensor(b, requires_grad=True)
    yt = torch.nn.functional.conv2d(xt, wt, bt, s, p, d, g)
    yt.backward(torch.tensor(gy))
    for a, t in zip(got, [yt, xt.grad, wt.grad, None if bt is None else bt.grad]):
        if t is not None:
            assert_close(a, t)


@pytest.mark.parametrize("needs", [(True, False, False), (False, True, False),
                                   (False, False, True), (False, True, True)])
def test_only_the_gradients_asked_for(needs):
    x, w, b, args = _arrays(CASES[1], np.float64)
    got, _ = _run(x, w, b, *args, needs=needs)
    with _numba.disabled():
        want, _ = _run(x, w, b, *args, needs=needs)
    for i, (a, e) in enumerate(zip(got[1:], want[1:])):
        assert (a is None) == (not needs[i]) == (e is None)
        if a is not None:
            assert_close(a, e)


@pytest.mark.parametrize("dt", DTYPES)
def test_non_contiguous_input(dt):
    """A transposed view as input (the kernels read a contiguous copy)."""
    x, w, b, args = _arrays(CASES[0], dt)
    x = np.ascontiguousarray(x.transpose(0, 1, 3, 2))
    w = np.ascontiguousarray(w.transpose(0, 1, 3, 2))
    view = lambda t: t.transpose(2, 3)  # noqa: E731
    got, _ = _run(x, w, b, *args, x_view=view)
    with _numba.disabled():
        want, _ = _run(x, w, b, *args, x_view=view)
    for a, e in zip(got, want):
        assert_close(a, e)


def test_integer_input_takes_the_numpy_path():
    assert conv_ops._kernels_for(np.zeros(1, dtype=np.int64)) is None
    assert conv_ops._kernels_for(np.zeros(1, dtype=np.float32)) is not None


def test_create_graph_marks_conv_gradient_once_differentiable_on_both_paths():
    """Conv2d's backward works on arrays (array_backward): under create_graph its gradient
    requires grad, as PyTorch's does (its backward reads x and w), and differentiating it
    again raises rather than give a wrong second derivative, on both paths."""
    def second_order():
        rng = np.random.default_rng(4)
        x = ember.tensor(rng.standard_normal((3, 2, 6, 6)), requires_grad=True)
        w = ember.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
        y = F.conv2d(x, w, padding=1)
        (gx,) = ember.autograd.grad((y * y).sum(), [x], create_graph=True)
        with pytest.raises(RuntimeError, match="once_differentiable"):
            (gx * x).sum().backward()
        return gx.detach().numpy(), gx.requires_grad
    got = second_order()
    with _numba.disabled():
        want = second_order()
    assert_close(got[0], want[0])
    assert got[1] is want[1] is True


@pytest.mark.parametrize("case", [CASES[0], CASES[1], CASES[6]], ids=IDS[:2] + IDS[6:7])
def test_same_bits_for_any_thread_count(monkeypatch, case):
    """Threads take chunks of blocks in any order, but the weight gradient is summed in
    the chunks' order: one thread and two give the same bits."""
    x, w, b, args = _arrays(case, np.float32)
    runs = []
    for threads in (1, 2):
        monkeypatch.setattr(_threads, "_user", threads)
        runs.append(_run(x, w, b, *args)[0])
    for a, e in zip(*runs):
        if a is not None:
            np.testing.assert_array_equal(a, e)


# ----- edge shapes (issue 13): the kernels stay inside their arrays ------------------------
def _edge_conv_cases(n=24, seed=21):
    """Random geometries at the edges: empty and size-1 batches, 1x1 and tiny planes,
    padding far beyond the kernel, dilation, strides beyond the input, groups;
    (N, C, O, H, W, kernel, stride, padding, dilation, groups, bias)."""
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < n:
        g = int(rng.choice([1, 2]))
        k = tuple(int(v) for v in rng.integers(1, 4, 2))
        s = tuple(int(v) for v in rng.choice([1, 2, 5, 9], 2))
        p = tuple(int(v) for v in rng.choice([0, 1, 3, 7], 2))
        d = tuple(int(v) for v in rng.integers(1, 4, 2))
        H, W = (int(v) for v in rng.integers(1, 6, 2))
        if any(size + 2 * pad < dil * (kk - 1) + 1
               for size, pad, dil, kk in zip((H, W), p, d, k)):
            continue
        cases.append((int(rng.choice([0, 1, 3])), g * int(rng.integers(1, 3)),
                      g * int(rng.integers(1, 3)), H, W, k, s, p, d, g, bool(rng.integers(2))))
    return cases


EDGE_CASES = _edge_conv_cases()
LAYOUTS = [None, "transposed", "negative strides"]


def _edge_run(lib, x, w, b, args, layout):
    if layout == "transposed":
        leaf = lib.tensor(np.ascontiguousarray(x.transpose(0, 1, 3, 2)), requires_grad=True)
        xin = leaf.transpose(2, 3)
    elif layout == "negative strides" and lib is ember:
        leaf = xin = ember.from_numpy(x[..., ::-1, ::-1].copy()[..., ::-1, ::-1])
        leaf.requires_grad_()
    else:
        leaf = xin = lib.tensor(x, requires_grad=True)
    wt = lib.tensor(w, requires_grad=True)
    bt = None if b is None else lib.tensor(b, requires_grad=True)
    y = lib.nn.functional.conv2d(xin, wt, bt, *args)
    gy = np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(x.dtype)
    y.backward(lib.tensor(gy))
    gx = leaf.grad.numpy()
    if layout == "transposed":
        gx = gx.transpose(0, 1, 3, 2)
    return [y.detach().numpy(), gx, wt.grad.numpy()] + ([] if b is None else [bt.grad.numpy()])


@pytest.mark.parametrize("case", EDGE_CASES, ids=str)
@pytest.mark.parametrize("dt", DTYPES)
def test_edge_shapes_against_numpy_path_and_torch(torch, case, dt):
    x, w, b, args = _arrays(case, dt, seed=3)
    layout = LAYOUTS[EDGE_CASES.index(case) % 3]
    got = _edge_run(ember, x, w, b, args, layout)
    with _numba.disabled():
        slow = _edge_run(ember, x, w, b, args, layout)
    ref = _edge_run(torch, x, w, b, args, layout)
    for a, e, r in zip(got, slow, ref):
        assert a.shape == e.shape == tuple(r.shape) and a.dtype == e.dtype == r.dtype
        assert_close(a, e)
        assert_close(a, r)


@pytest.mark.parametrize("dt", DTYPES)
def test_no_input_channels_gives_the_bias(dt):
    """An input with no channels sums nothing: the output is the bias, on both paths.
    (PyTorch returns a (N, 0, OH, OW) tensor here, whatever the weight's O: a deliberate
    difference.)"""
    x, w, b = np.zeros((2, 0, 5, 5), dt), np.zeros((3, 0, 3, 3), dt), np.arange(3).astype(dt)
    gy = np.cos(np.arange(54)).reshape(2, 3, 3, 3).astype(dt)
    for ctx in (contextlib.nullcontext, _numba.disabled):
        with ctx():
            got = _edge_run(ember, x, w, b, (1, 0, 1, 1), None)
        np.testing.assert_array_equal(got[0], np.broadcast_to(b.reshape(3, 1, 1), (2, 3, 3, 3)))
        assert got[1].shape == (2, 0, 5, 5) and got[2].shape == (3, 0, 3, 3)
        assert_close(got[3], gy.sum(axis=(0, 2, 3)))


BAD_CONV = [dict(stride=0), dict(stride=(1, -1)), dict(dilation=0), dict(dilation=(2, -1)),
            dict(groups=0), dict(groups=-1), dict(padding=-1), dict(padding=(0, -2))]


@pytest.mark.parametrize("kw", BAD_CONV, ids=str)
def test_bad_arguments_raise_as_torch(torch, kw):
    def outcome(lib):
        try:
            return tuple(lib.nn.functional.conv2d(lib.zeros(2, 2, 5, 5), lib.zeros(3, 2, 3, 3),
                                                  **kw).shape)
        except Exception as e:  # noqa: BLE001 - the class and words are what is compared
            return type(e).__name__, str(e)
    assert outcome(ember) == outcome(torch)


@pytest.mark.parametrize("wshape", [(0, 2, 3, 3), (3, 2, 0, 3), (3, 2, 2, 0)], ids=str)
def test_empty_weights_raise_as_torch(torch, wshape):
    """No output channel, or a kernel of size 0 (float64: PyTorch's float32 path answers
    with a oneDNN message instead of its own)."""
    def outcome(lib):
        try:
            x = lib.zeros(2, 2, 5, 5, dtype=lib.float64)
            return tuple(lib.nn.functional.conv2d(x, lib.zeros(wshape, dtype=lib.float64)).shape)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
    assert outcome(ember) == outcome(torch)


def test_a_hook_that_changes_the_gradient_never_reaches_a_kernel():
    x = ember.randn(2, 2, 5, 5, requires_grad=True)
    w = ember.randn(3, 2, 3, 3, requires_grad=True)
    y = F.conv2d(x, w)
    y.register_hook(lambda g: ember.ones(4, 4, 9, 9))
    with pytest.raises(RuntimeError):
        y.sum().backward()


# ----- Winograd F(2x2, 3x3): stride-1 3x3 convolutions -----------------------------------------
# (N, C, O, H, W, kernel, stride, padding, dilation, groups, bias): odd and even output sides
# (tiles cut by the edge), no padding and padding beyond the kernel's reach, asymmetric
# ("same" with an even side needs none here, so explicit pads), more outputs than inputs (the
# input gradient then runs as Winograd too), a size-1 batch.
WINOGRAD_CASES = [
    (3, 4, 5, 7, 9, (3, 3), 1, 1, 1, 1, True),
    (2, 3, 6, 8, 8, (3, 3), 1, 0, 1, 1, False),
    (2, 5, 3, 6, 11, (3, 3), 1, (2, 3), 1, 1, True),
    (1, 2, 2, 3, 3, (3, 3), 1, 1, 1, 1, True),
    (4, 6, 2, 9, 4, (3, 3), 1, 2, 1, 1, True),
]


@pytest.fixture
def winograd_everywhere(monkeypatch):
    """Winograd for any channel count and output side (the tests' shapes are small)."""
    monkeypatch.setattr(conv_ops, "_WINOGRAD_CHANNELS", 1)
    monkeypatch.setattr(conv_ops, "_WINOGRAD_SIDE", 1)
    monkeypatch.setattr(conv_ops, "_DIRECT_TERMS", 0)


@pytest.mark.parametrize("case", WINOGRAD_CASES, ids=str)
@pytest.mark.parametrize("dt", DTYPES)
def test_winograd_matches_numpy_path_and_torch(torch, winograd_everywhere, case, dt):
    """Within float tolerance of the direct products (Winograd adds and scales the inputs
    and weights before multiplying: its rounding differs, not by more)."""
    x, w, b, args = _arrays(case, dt, seed=5)
    ph, pw = (args[1], args[1]) if isinstance(args[1], int) else args[1]
    assert conv_ops._Plan(x.shape, w.shape, (1, 1), (ph, ph, pw, pw), (1, 1), 1,
                          x.itemsize).winograd
    got, gy = _run(x, w, b, *args)
    with _numba.disabled():
        want, _ = _run(x, w, b, *args)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = None if b is None else torch.tensor(b, requires_grad=True)
    yt = torch.nn.functional.conv2d(xt, wt, bt, *args)
    yt.backward(torch.tensor(gy))
    for a, e, t in zip(got, want, [yt, xt.grad, wt.grad, None if bt is None else bt.grad]):
        if e is not None:
            assert a.dtype == e.dtype and a.shape == e.shape
            assert_close(a, e)
            assert_close(a, t)


def test_winograd_same_bits_for_any_thread_count(monkeypatch, winograd_everywhere):
    x, w, b, args = _arrays(WINOGRAD_CASES[0], np.float32)
    runs = []
    for threads in (1, 2):
        monkeypatch.setattr(_threads, "_user", threads)
        runs.append(_run(x, w, b, *args)[0])
    for a, e in zip(*runs):
        if a is not None:
            np.testing.assert_array_equal(a, e)


def test_winograd_only_where_it_pays():
    """Stride 1, no dilation, one group, 3x3, enough channels and a large enough output."""
    def plan(xshape, wshape, stride=(1, 1), dilation=(1, 1), groups=1):
        return conv_ops._Plan(xshape, wshape, stride, (1, 1, 1, 1), dilation, groups, 4)
    assert plan((8, 64, 28, 28), (64, 64, 3, 3)).winograd
    assert not plan((8, 64, 28, 28), (64, 64, 3, 3), stride=(2, 2)).winograd
    assert not plan((8, 64, 28, 28), (64, 64, 3, 3), dilation=(2, 2)).winograd
    assert not plan((8, 64, 28, 28), (64, 32, 3, 3), groups=2).winograd
    assert not plan((8, 64, 28, 28), (64, 64, 5, 5)).winograd
    assert not plan((8, 1, 28, 28), (64, 1, 3, 3)).winograd      # ResNet's stem
    assert not plan((8, 256, 7, 7), (256, 256, 3, 3)).winograd   # small planes


def test_winograd_kernels_refuse_shapes_they_were_not_given():
    """The kernels check their arrays' shapes before touching them (memory safety)."""
    from ember._kernels import conv as k
    xp = np.zeros((2, 3, 6, 6), np.float32)
    with pytest.raises(ValueError):
        k.winograd_input(xp, 3, 2, np.zeros((16, 3, 12), np.float32))   # needs 8 rows
    with pytest.raises(ValueError):
        k.winograd_input(xp, 2, 2, np.zeros((16, 3, 7), np.float32))    # 8 tiles
    with pytest.raises(ValueError):
        k.winograd_output(np.zeros((16, 4, 8), np.float32), 2, 2, np.zeros(0, np.float32),
                          np.zeros((2, 4, 5, 4), np.float32))            # 5 rows: 3 tiles
    with pytest.raises(ValueError):
        k.winograd_output(np.zeros((16, 4, 8), np.float32), 2, 2, np.zeros(3, np.float32),
                          np.zeros((2, 4, 4, 4), np.float32))            # bias of 3
    with pytest.raises(ValueError):
        k.winograd_grad_output(np.zeros((2, 4, 4, 4), np.float32), 2, 2,
                               np.zeros((16, 5, 8), np.float32))
    with pytest.raises(ValueError):
        k.winograd_weights(np.zeros((4, 3, 3, 3), np.float32), np.zeros((16, 3, 4), np.float32))
    with pytest.raises(ValueError):
        k.winograd_weight_grad(np.zeros((16, 4, 3), np.float32), np.zeros((4, 3, 3, 2), np.float32))


# ----- direct loops: few terms per output (LeNet's first layer) ------------------------------
def test_direct_loops_where_few_terms():
    def plan(xshape, wshape, stride=(1, 1), dilation=(1, 1), groups=1):
        return conv_ops._Plan(xshape, wshape, stride, (0, 0, 0, 0), dilation, groups, 4)
    assert plan((8, 1, 28, 28), (6, 1, 5, 5)).direct
    assert not plan((8, 1, 28, 28), (64, 1, 3, 3)).direct       # ResNet's stem: 64 wide
    assert not plan((8, 6, 12, 12), (16, 6, 5, 5)).direct      # 150 terms: the product
    assert not plan((8, 1, 28, 28), (6, 1, 5, 5), stride=(2, 2)).direct
    assert not plan((8, 2, 28, 28), (6, 1, 5, 5), groups=2).direct


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_direct_weight_gradient_with_non_finite_input(torch, value):
    """The weight gradient's dot products run over the padded width with zeros in the extra
    columns: a non-finite input there would turn them into NaN, so such input takes the
    product instead, and agrees with PyTorch."""
    x, w, b, args = _arrays(CASES[7], np.float64, seed=6)
    x[0, 0, 3, 0] = value  # column 0: read by the extra columns of the row above
    got, gy = _run(x, w, b, *args)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    torch.nn.functional.conv2d(xt, wt, None, *args).backward(torch.tensor(gy))
    np.testing.assert_allclose(got[2], wt.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_direct_kernels_refuse_shapes_they_were_not_given():
    from ember._kernels import conv as k
    w = np.zeros((6, 1, 5, 5), np.float32)
    with pytest.raises(ValueError):   # no spare row
        k.direct_forward(np.zeros((2, 1, 28, 28), np.float32), w, np.zeros(0, np.float32),
                         np.zeros((2, 6, 24, 24), np.float32))
    with pytest.raises(ValueError):   # bias of 5
        k.direct_forward(np.zeros((2, 1, 29, 28), np.float32), w, np.zeros(5, np.float32),
                         np.zeros((2, 6, 24, 24), np.float32))
    with pytest.raises(ValueError):   # 3 samples of gradient for 2 of input
        k.direct_weight_grad(np.zeros((2, 1, 29, 28), np.float32),
                             np.zeros((3, 6, 24, 24), np.float32), np.zeros_like(w))


@pytest.mark.parametrize("geometry", [(5, 5, 1, 1, 1, 1), (3, 3, 2, 2, 1, 1), (3, 2, 1, 2, 2, 1),
                                      (2, 3, 2, 1, 1, 2)], ids=str)
def test_scatter_adds_each_term_in_kernel_order(geometry):
    """The scatter (both of its loop orders: stride 1 along rows and not) is gather's
    adjoint, each position summing its terms kernel row by kernel row, column by column:
    the bits of the same additions done one kernel offset at a time."""
    k = _numba.kernels("conv")
    kh, kw, sh, sw, dh, dw = geometry
    nb, C, Hp, Wp = 3, 2, 11, 12
    OH, OW = (Hp - dh * (kh - 1) - 1) // sh + 1, (Wp - dw * (kw - 1) - 1) // sw + 1
    gcols = np.random.default_rng(1).standard_normal((C * kh * kw, nb * OH * OW)).astype(
        np.float32)
    got = np.full((nb, C, Hp, Wp), np.nan, np.float32)
    k.scatter(gcols, kh, kw, sh, sw, dh, dw, OH, OW, got)
    want = np.zeros_like(got)
    terms = gcols.reshape(C, kh, kw, nb, OH, OW)
    for i in range(kh):
        for j in range(kw):
            want[:, :, i * dh: i * dh + sh * (OH - 1) + 1: sh,
                 j * dw: j * dw + sw * (OW - 1) + 1: sw] += terms[:, i, j].transpose(1, 0, 2, 3)
    assert np.array_equal(got, want)
