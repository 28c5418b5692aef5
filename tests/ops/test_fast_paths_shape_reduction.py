"""The fast paths of view/reshape/permute/T, whole-tensor sum/mean and matmul: the same
values, dtypes, errors, storage and version counters as the general path and as PyTorch,
recorded or not."""
import numpy as np
import pytest

import ember


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type and words are what is compared
        return type(e), str(e)
    return None


def _same_error(torch, fn):
    got, want = _error(lambda: fn(ember)), _error(lambda: fn(torch))
    assert want is not None and got is not None, (got, want)
    assert issubclass(got[0], (RuntimeError, TypeError, IndexError, ValueError))
    return got, want


# ----- view / reshape --------------------------------------------------------------------
@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("args", [((-1, 1),), ((10, 1),), (((10, 1),),), (([2, 5],),),
                                  ((ember.Size([5, 2]),),), ((10,),), ((-1,),),
                                  ((np.int64(2), -1),)])
@pytest.mark.parametrize("op", ["view", "reshape"])
def test_view_and_reshape_argument_forms(torch, op, args, requires_grad):
    (args,) = args
    x = ember.arange(10.0).requires_grad_(requires_grad)
    xt = torch.arange(10.0).requires_grad_(requires_grad)
    targs = tuple(torch.Size(a) if isinstance(a, ember.Size) else a for a in args)
    got, want = getattr(x, op)(*args), getattr(xt, op)(*targs)
    assert got.shape == tuple(want.shape) and got.tolist() == want.tolist()
    assert (got.grad_fn is None) == (want.grad_fn is None)
    if requires_grad:
        assert got.grad_fn.name() == want.grad_fn.name()
        (got * ember.arange(10.0).reshape(got.shape)).sum().backward()
        assert x.grad.tolist() == list(np.arange(10.0))
    assert got._vc is x._vc  # a view: one version counter
    with ember.no_grad():
        got.add_(1)
    assert x._vc[0] == 1 and x[0].item() == 1.0


@pytest.mark.parametrize("shape", [(-2, 5), (0, -1), (-1, -1), (3, 3), (5, -3), (-1, -2),
                                   (), (None,)])
@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("op", ["view", "reshape"])
def test_view_and_reshape_refusals_in_pytorchs_words(torch, op, shape, requires_grad):
    got, want = _same_error(
        torch, lambda lib: getattr(lib.arange(10.0).requires_grad_(requires_grad), op)(*shape))
    if shape in ((), (None,)):  # PyTorch's argument parser words its TypeErrors its own way
        assert got[0] in (RuntimeError, TypeError)
    else:
        assert got == want


def test_view_dtype_and_non_contiguous(torch):
    with pytest.raises(RuntimeError, match="reinterpreting"):
        ember.zeros(4).view(ember.int32)
    x = ember.arange(6.0).reshape(2, 3).t()
    for requires_grad in (False, True):
        x.requires_grad_(requires_grad)
        got, want = _same_error(torch, lambda lib: lib.arange(6.0).reshape(2, 3).t().view(6))
        assert got == want
        y = x.reshape(6)  # a copy: its own storage and version counter
        assert y._vc is not x._vc and not np.shares_memory(y._data, x._data)
        z = x.reshape(3, 2)  # no copy needed: a view
        assert z._vc is x._vc and np.shares_memory(z._data, x._data)


def test_reshape_of_a_view_of_a_view_is_a_view():
    base = ember.arange(24.0)
    v = base.view(4, 6)[1:3]          # a non-owning view
    r = v.reshape(12)                 # contiguous: still a view of base
    assert r._vc is base._vc
    r.zero_()
    assert base[6:18].sum().item() == 0 and base[:6].sum().item() == 15


def test_view_of_leaf_requiring_grad_refuses_in_place():
    w = ember.ones(4, requires_grad=True)
    v = w.view(2, 2)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        v.add_(1)


# ----- permute / T / t / transpose -------------------------------------------------------
@pytest.mark.parametrize("dims", [(1, 0, 2), (-1, 0, 1), ((2, 1, 0),), ([0, 2, 1],),
                                  (np.int64(2), 0, 1)])
def test_permute_forms_and_gradient(torch, dims):
    a = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    x, xt = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    got, want = x.permute(*dims), xt.permute(*dims)
    assert got.tolist() == want.tolist() and got.grad_fn.name() == want.grad_fn.name()
    w = np.arange(24.0, dtype=np.float32).reshape(got.shape)
    (got * ember.tensor(w)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    assert x.grad.tolist() == xt.grad.tolist()
    with ember.no_grad():
        plain = x.permute(*dims)
    assert plain.grad_fn is None and plain._vc is x._vc and plain.tolist() == got.tolist()


@pytest.mark.parametrize("dims", [(0, 1), (0, 0, 1), (3, 0, 1), (-4, 0, 1), (0, 1, 2, 3)])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_permute_refusals(torch, dims, requires_grad):
    got, want = _same_error(
        torch, lambda lib: lib.zeros(2, 3, 4).requires_grad_(requires_grad).permute(*dims))
    assert got == want


def test_permute_reads_floats_and_bools_as_ints_as_before():
    # NumPy refuses these; ember's general path reads them with int(), as it always has.
    assert ember.zeros(2, 3, 4).permute(1.0, 0, 2).shape == (3, 2, 4)
    assert ember.zeros(2, 3, 4).permute(True, False, 2).shape == (3, 2, 4)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4)])
def test_T_t_transpose(torch, shape):
    a = np.arange(float(np.prod(shape)), dtype=np.float32).reshape(shape)
    x, xt = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pairs = [(x.T, xt.T)]
    if len(shape) <= 2:
        pairs.append((x.t(), xt.t()))
    if len(shape) >= 2:
        pairs.append((x.transpose(0, -1), xt.transpose(0, -1)))
    for got, want in pairs:
        assert got.tolist() == want.tolist() and got._vc is x._vc
        assert got.grad_fn.name() == want.grad_fn.name()
    with ember.no_grad():
        assert x.T.grad_fn is None and x.T._vc is x._vc
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions"):
        ember.zeros(2, 2, 2).t()


# ----- sum / mean ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32", "int64", "bool"])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_whole_sum_and_mean_dtypes(torch, dtype, requires_grad):
    a = (np.arange(10) % 3).astype(dtype).reshape(10, 1)
    floating = a.dtype.kind == "f"
    x, xt = ember.tensor(a), torch.tensor(a)
    if requires_grad and floating:
        x.requires_grad_(), xt.requires_grad_()
    for kw in ({}, {"dim": None, "keepdim": True}):
        got, want = x.sum(**kw), xt.sum(**kw)
        assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
        assert got.shape == tuple(want.shape) and got.tolist() == want.tolist()
        assert type(got._data) is np.ndarray
        if floating:
            got, want = x.mean(**kw), xt.mean(**kw)
            assert got.dtype == getattr(ember, dtype) and got.shape == tuple(want.shape)
            assert abs(got.item() - want.item()) < 1e-3
        else:
            g, w = _same_error(torch, lambda lib: (x if lib is ember else xt).mean(**kw))
            assert g == w
    assert (x.sum().grad_fn is None) != (requires_grad and floating)


@pytest.mark.filterwarnings("error")  # an empty mean is nan, silently
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape", [(10, 1), (3,), (), (2, 0)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_whole_sum_and_mean_gradients(torch, shape, keepdim, dtype):
    a = np.linspace(-1, 1, int(np.prod(shape))).astype(dtype).reshape(shape)
    for op in ("sum", "mean"):
        x, xt = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        got = getattr(x, op)(keepdim=keepdim)
        # (PyTorch takes keepdim only with a dim, and names that overload's node "...1")
        want = getattr(xt, op)(dim=None, keepdim=True) if keepdim else getattr(xt, op)()
        if not keepdim:
            assert got.grad_fn.name() == want.grad_fn.name()
        (got * 3).sum().backward()
        (want * 3).sum().backward()
        assert x.grad.dtype == x.dtype and x.grad.shape == tuple(xt.grad.shape)
        np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())
        x.grad.add_(1)  # the accumulated .grad is the user's to change in place
        (getattr(x, op)() * 2).sum().backward()
        (getattr(xt, op)() * 2).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy() + 1, rtol=1e-6)


def test_reduction_backward_spread_is_read_only_and_matches_broadcast():
    from ember.ops.reduction import broadcast_view, expand_back, spread
    g = np.array(2.5, np.float32)
    s = spread(g, (3, 2))
    assert s.tolist() == [[2.5] * 2] * 3 and not s.flags.writeable and s.dtype == np.float32
    g = np.arange(3.0).reshape(3, 1)
    b = broadcast_view(g, (3, 4))
    np.testing.assert_array_equal(b, np.broadcast_to(g, (3, 4)))
    assert not b.flags.writeable
    out = expand_back(np.arange(4.0), (3, 4), (0,), False)
    np.testing.assert_array_equal(out, np.broadcast_to(np.arange(4.0), (3, 4)))
    # create_graph: the same gradients through Tensors
    x = ember.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    (gx,) = ember.autograd.grad(x.mean() * x.sum(), [x], create_graph=True)
    np.testing.assert_allclose(gx.detach().numpy(), np.full((2, 3), 15 / 6 + 15 / 6))


def test_sum_and_mean_with_dims_unchanged(torch):
    a = np.random.default_rng(1).standard_normal((2, 3, 4)).astype(np.float32)
    for kw in ({"dim": 1}, {"axis": (0, 2)}, {"dim": -1, "keepdim": True}, {"dim": []},
               {"dtype": ember.float64}):
        tkw = {("dim" if k == "axis" else k): v for k, v in kw.items()}
        if "dtype" in tkw:
            tkw["dtype"] = torch.float64
        for op in ("sum", "mean"):
            x, xt = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
            got, want = getattr(x, op)(**kw), getattr(xt, op)(**tkw)
            np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5)
            assert got.grad_fn.name() == want.grad_fn.name()
            got.sum().backward()
            want.sum().backward()
            np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6)
    g, w = _same_error(torch, lambda lib: lib.zeros(2, 3).sum(2))
    assert g == w


# ----- matmul ----------------------------------------------------------------------------
@pytest.mark.parametrize("sa,sb", [((), (3,)), ((3,), ()), ((3,), (4,)), ((2, 3), (4, 5)),
                                   ((3,), (4, 5)), ((2, 3), (4,)), ((2, 2, 3), (3, 4, 5)),
                                   ((2, 2, 3), (3, 3, 5)), ((2, 3, 4), (3, 4, 5))])
def test_matmul_errors_in_pytorchs_words(torch, sa, sb):
    got, want = _same_error(torch, lambda lib: lib.matmul(lib.ones(sa), lib.ones(sb)))
    assert got == want
    with pytest.raises(RuntimeError, match="same dtype"):
        ember.ones(2, 2) @ ember.ones(2, 2, dtype=ember.float64)


@pytest.mark.parametrize("sa,sb", [((5,), (5,)), ((3, 5), (5,)), ((5,), (5, 2)),
                                   ((3, 5), (5, 2)), ((4, 3, 5), (4, 5, 2)),
                                   ((2, 3, 5), (5,)), ((4, 3, 5), (5, 2))])
@pytest.mark.parametrize("needs", [(True, True), (True, False), (False, True)])
def test_matmul_gradients_and_names(torch, sa, sb, needs):
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    xa, xb = ember.tensor(a, requires_grad=needs[0]), ember.tensor(b, requires_grad=needs[1])
    ta, tb = torch.tensor(a, requires_grad=needs[0]), torch.tensor(b, requires_grad=needs[1])
    got, want = xa @ xb, ta @ tb
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12)
    if len(sa) <= 2 and len(sb) <= 2 and not (len(sa) == 1 and len(sb) == 2):
        assert got.grad_fn.name() == want.grad_fn.name()  # (PyTorch names the rest by the
        # reshapes it wraps the product in)
    w = rng.standard_normal(got.shape)
    (got * ember.tensor(w)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    for x, t in ((xa, ta), (xb, tb)):
        assert (x.grad is None) == (t.grad is None)
        if x.grad is not None:
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10)


def test_matmul_saves_only_what_a_gradient_needs(torch):
    for lib in (ember, torch):
        # w alone requires grad: X is needed (changing it is an error), w is not
        X, w = lib.ones(4, 3), lib.ones(3, 1, requires_grad=True)
        y = X @ w
        with lib.no_grad():
            w.add_(1)
        y.sum().backward()
        assert w.grad.tolist() == [[4.0]] * 3
        y = X @ w
        X.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
    with ember.no_grad():
        assert (ember.ones(2, 3, requires_grad=True) @ ember.ones(3)).grad_fn is None
