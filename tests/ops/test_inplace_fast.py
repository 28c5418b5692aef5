"""The flat paths of unrecorded in-place writes (``t -= u``, ``t.add_(u, alpha=...)``,
``zero_``, ``fill_``, ``t[:] = v``), of ``F[idx]`` with an integer index tensor and of
``tensor([ints])``, checked against PyTorch on the cases they must hand to the general code:
other dtypes, broadcasting, 0-d operands, read-only views, leaves that require grad, grad
mode on and off. Each case compares values, dtype, the version bump and the error's words."""
import warnings

import numpy as np
import pytest

import ember
from coreutil import assert_close, compare_with_torch

DTYPES = ["float32", "float64", "float16", "int64", "int32", "uint8", "bool"]

# (name, operation on (lib, t)); every operation writes into t
OPS = {
    "isub_same": lambda L, t: t.__isub__(L.ones(2, 3, dtype=t.dtype)),
    "iadd_bcast_row": lambda L, t: t.__iadd__(L.ones(3, dtype=t.dtype)),
    "imul_col": lambda L, t: t.__imul__(L.ones(2, 1, dtype=t.dtype) * 2),
    "isub_float": lambda L, t: t.__isub__(0.5),
    "iadd_int": lambda L, t: t.__iadd__(3),
    "imul_float": lambda L, t: t.__imul__(0.5),
    "idiv_float": lambda L, t: t.__itruediv__(4.0),
    "idiv_tensor": lambda L, t: t.__itruediv__(L.full((2, 3), 2.0, dtype=t.dtype)),
    "iadd_other_float": lambda L, t: t.__iadd__(L.ones(2, 3, dtype=L.float64)),
    "iadd_long": lambda L, t: t.__iadd__(L.ones(2, 3, dtype=L.int64)),
    "iadd_0d": lambda L, t: t.__iadd__(L.tensor(2.0)),
    "iadd_0d_long": lambda L, t: t.__iadd__(L.tensor(2)),
    "iadd_bad_shape": lambda L, t: t.__iadd__(L.ones(4, dtype=t.dtype)),
    "iadd_grows": lambda L, t: t.__iadd__(L.ones(5, 2, 3, dtype=t.dtype)),
    "sub_alpha": lambda L, t: t.sub_(L.ones(2, 3, dtype=t.dtype), alpha=-0.25),
    "add_alpha_int": lambda L, t: t.add_(L.ones(2, 3, dtype=t.dtype), alpha=2),
    "add_alpha_float32_other": lambda L, t: t.add_(L.ones(2, 3), alpha=0.5),
    "add_alpha_long_other": lambda L, t: t.add_(L.ones(2, 3, dtype=L.int64), alpha=2),
    "add_alpha_scalar": lambda L, t: t.add_(2, alpha=3),
    "zero_": lambda L, t: t.zero_(),
    "fill_int": lambda L, t: t.fill_(7),
    "fill_float": lambda L, t: t.fill_(2.5),
    "fill_0d": lambda L, t: t.fill_(L.tensor(1.5)),
    "set_slice_tensor": lambda L, t: t.__setitem__(slice(None), L.ones(2, 3, dtype=t.dtype)),
    "set_slice_row": lambda L, t: t.__setitem__(slice(None), L.arange(3).to(t.dtype)),
    "set_slice_number": lambda L, t: t.__setitem__(slice(None), 0.5),
    "set_slice_float_into": lambda L, t: t.__setitem__(slice(None), L.full((2, 3), 2.75)),
    "set_int_row": lambda L, t: t.__setitem__(1, 4),
    "set_neg_int": lambda L, t: t.__setitem__(-1, L.ones(3, dtype=t.dtype)),
    "set_slice_step": lambda L, t: t.__setitem__(slice(0, 3, 2), 9),
    "set_slice_bad_shape": lambda L, t: t.__setitem__(slice(None), L.ones(4, dtype=t.dtype)),
    "set_int_out_of_range": lambda L, t: t.__setitem__(5, 1),
}


def _run(L, dtype, op, no_grad, base=None):
    data = np.array([[1, 0, 3], [4, 5, 6]]).astype(dtype)
    t = L.tensor(data)
    if base == "expanded":
        t = L.tensor(data[:1]).expand(2, 3)
    elif base == "transposed":
        t = L.tensor(data.T.copy()).t()
    version = (lambda: t._version) if L is not ember else (lambda: t._vc[0])
    before = version()
    ctx = L.no_grad() if no_grad else _Null()
    try:
        with ctx, warnings.catch_warnings():
            warnings.simplefilter("error")  # PyTorch warns of none of these
            out = op(L, t)
    except Exception as e:  # noqa: BLE001 - compared with PyTorch's
        return type(e), str(e)
    assert out is None or out is t
    return t.tolist(), str(t.dtype).split(".")[-1], version() - before


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("no_grad", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OPS))
def test_unrecorded_inplace_matches_torch(torch, name, dtype, no_grad):
    op = OPS[name]
    want = _run(torch, dtype, op, no_grad)
    got = _run(ember, dtype, op, no_grad)
    if isinstance(want[0], type):
        # Same kind of failure. The words are PyTorch's where ember promises them (the
        # cast and shape errors of arithmetic, read-only writes); NumPy's elsewhere.
        assert isinstance(got[0], type), (got, want)
        assert issubclass(got[0], (RuntimeError, IndexError, OverflowError, ValueError)), got
        return
    assert got[1] == want[1] and got[2] >= 1, (got, want)
    np.testing.assert_allclose(np.array(got[0], dtype=np.float64),
                               np.array(want[0], dtype=np.float64), rtol=1e-3)


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("name", ["isub_same", "isub_float", "iadd_other_float", "imul_float",
                                  "idiv_float", "sub_alpha", "add_alpha_int", "iadd_long"])
def test_inplace_errors_keep_pytorchs_words(torch, name, dtype):
    want = _run(torch, dtype, OPS[name], False)
    got = _run(ember, dtype, OPS[name], False)
    if isinstance(want[0], type):
        assert got == want
    else:
        assert not isinstance(got[0], type), got


@pytest.mark.parametrize("name", ["isub_same", "isub_float", "idiv_float", "sub_alpha",
                                  "zero_", "fill_float", "set_slice_tensor", "set_int_row"])
def test_writes_into_an_expanded_view_as_pytorch(torch, name):
    # refused with PyTorch's words where elements sharing memory would be written with
    # different values; zero_/fill_ and a write into a row that shares nothing go through
    for no_grad in (False, True):
        got = _run(ember, "float32", OPS[name], no_grad, base="expanded")
        want = _run(torch, "float32", OPS[name], no_grad, base="expanded")
        assert got == want


@pytest.mark.parametrize("name", ["isub_same", "iadd_bcast_row", "isub_float", "sub_alpha",
                                  "zero_", "fill_float", "set_slice_row", "set_int_row"])
def test_writes_through_a_transposed_view(torch, name):
    for no_grad in (False, True):
        assert (_run(ember, "float32", OPS[name], no_grad, base="transposed")
                == _run(torch, "float32", OPS[name], no_grad, base="transposed"))


@pytest.mark.parametrize("op", [lambda t: t.__isub__(1.0), lambda t: t.sub_(t.detach(), alpha=2),
                                lambda t: t.zero_(), lambda t: t.fill_(1), lambda t: t.mul_(0.5),
                                lambda t: t.__itruediv__(2.0)])
def test_leaf_that_requires_grad(torch, op):
    def run(L):
        p = L.ones(3, requires_grad=True)
        try:
            op(p)
        except RuntimeError as e:
            grad_mode_error = str(e)
        with L.no_grad():
            op(p)  # the optimizer's update: allowed, and p stays a leaf that requires grad
        return grad_mode_error, p.tolist(), p.requires_grad, p.grad_fn is None
    assert run(ember) == run(torch)


def test_leaf_that_requires_grad_setitem(torch):
    p = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable that requires grad"):
        p[:] = 0.0  # PyTorch says "a leaf Variable ..." here; ember words it as x[i] = v
    with ember.no_grad():
        p[:] = 2.0
    assert p.tolist() == [2.0, 2.0, 2.0] and p.requires_grad and p.is_leaf


def test_division_by_zero_in_place_is_silent(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = ember.tensor([1.0, 0.0, -1.0])
        t /= 0
        u = ember.tensor([1.0, 0.0, -1.0])
        u /= ember.zeros(3)
        u.div_(0.0)
    want = torch.tensor([1.0, 0.0, -1.0]) / 0
    assert_close(t, want)


def test_inplace_on_non_leaf_still_recorded(torch):
    def f(lib):
        def g(a, b):
            y = a * 1.0
            y -= b
            y.add_(b, alpha=-0.5)
            y *= 2.0
            y[:] = y.detach() * 0 + b * a
            z = a * 1.0
            z.zero_()
            z.fill_(b.sum())
            return y + z
        return g
    x = np.array([[1.5, -2.0, 0.5], [0.25, 3.0, -1.0]], np.float32)
    compare_with_torch(torch, f(ember), f(torch), [x, x[::-1].copy()])


def test_optimizer_state_updates_like_the_book(torch):
    """``v[:] = beta1 * v + (1 - beta1) * p.grad`` and friends, as d2l's Adam writes them."""
    def run(L):
        L.manual_seed(0)
        p = L.tensor(np.linspace(-1, 1, 5, dtype=np.float32).reshape(5, 1), requires_grad=True)
        v, s = L.zeros(5, 1), L.zeros(5, 1)
        for step in range(1, 4):
            loss = (p * p * p).sum()
            loss.backward()
            with L.no_grad():
                v[:] = 0.9 * v + 0.1 * p.grad
                s[:] = 0.999 * s + 0.001 * p.grad ** 2
                p[:] -= 0.01 * (v / (1 - 0.9 ** step)) / ((s / (1 - 0.999 ** step)).sqrt() + 1e-6)
                p -= 0.01 * p.grad / 10
                p.data -= 0.001 * p.grad
            p.grad.data.zero_()
            p.grad.zero_()
        return p.detach().numpy().copy(), v.numpy().copy(), s.numpy().copy()
    for a, b in zip(run(ember), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_data_is_a_fresh_untracked_tensor_on_the_same_storage(torch):
    p = ember.ones(3, requires_grad=True)
    d = p.data
    assert type(d) is ember.Tensor and not d.requires_grad and d.grad_fn is None
    assert d.numpy() is p.detach().numpy() and d._vc is not p._vc
    d -= ember.ones(3)
    assert p.tolist() == [0.0, 0.0, 0.0] and p.requires_grad and p.is_leaf
    p.data -= ember.ones(3)
    assert p.tolist() == [-1.0, -1.0, -1.0] and p.grad_fn is None
    with pytest.raises(TypeError):
        p.data = np.zeros(3)


INDEX_DTYPES = ["int64", "int32"]  # (PyTorch refuses int16; ember takes it as int32)


@pytest.mark.parametrize("index_dtype", INDEX_DTYPES)
@pytest.mark.parametrize("index", [[1, 2, 3], [0, -1, 0, 2], [[1, 0], [2, 2]], []])
def test_row_index_tensor_matches_torch(torch, index, index_dtype):
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    compare_with_torch(
        torch,
        lambda a: a[ember.tensor(np.array(index, dtype=index_dtype).reshape(np.shape(index)))] * a[0],
        lambda a: a[torch.tensor(np.array(index, dtype=index_dtype).reshape(np.shape(index)))] * a[0],
        [x])


@pytest.mark.parametrize("index", [[4], [-5], [0, 7]])
def test_row_index_out_of_bounds_is_pytorchs_error(torch, index):
    with pytest.raises(IndexError) as want:
        torch.zeros(4, 3)[torch.tensor(index)]
    with pytest.raises(IndexError) as got:
        ember.zeros(4, 3)[ember.tensor(index)]
    assert str(got.value).split(" for dimension")[0] == str(want.value).split(" for dimension")[0]


def test_row_index_results_are_fresh_and_contiguous(torch):
    F = ember.arange(8.0).reshape(2, 4).t()  # a non-contiguous base
    r = F[ember.tensor([3, 0])]
    assert r.is_contiguous() and r.tolist() == [[3.0, 7.0], [0.0, 4.0]]
    r[0, 0] = -1.0
    assert F[3, 0].item() == 3.0
    assert r.grad_fn is None
    with ember.no_grad():
        Fg = ember.ones(5, 2, requires_grad=True)
        assert Fg[ember.tensor([1, 1])].grad_fn is None
    Fg = ember.ones(5, 2, requires_grad=True)
    out = Fg[ember.tensor([1, 1, 4])]
    assert out.grad_fn.name() == "IndexBackward0"
    out.sum().backward()
    assert Fg.grad[:, 0].tolist() == [0.0, 2.0, 0.0, 0.0, 1.0]


def test_zero_dim_tensor_indexed_by_a_tensor_errors(torch):
    with pytest.raises(IndexError):
        torch.tensor(1.0)[torch.tensor([0])]
    with pytest.raises(IndexError):
        ember.tensor(1.0)[ember.tensor([0])]


@pytest.mark.parametrize("data", [[1, 2, 3], [1, 2.5], [True, 1], [2 ** 40, 1], [[1], [2]],
                                  [[1, 2], [3, 4]], [1.0, 2.0], [], [1, ember.tensor(2)]])
def test_tensor_from_list_matches_torch(torch, data):
    def conv(L, x):
        if isinstance(x, list):
            return [conv(L, i) for i in x]
        return L.tensor(x.item()) if isinstance(x, ember.Tensor) else x
    try:
        want = torch.tensor(conv(torch, data))
    except (ValueError, TypeError, RuntimeError) as e:
        with pytest.raises(type(e)):
            ember.tensor(data)
        return
    got = ember.tensor(data)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    assert got.tolist() == want.tolist()


def test_tensor_from_list_still_checks_device_and_dtype(torch):
    with pytest.raises(RuntimeError, match="ember computes on the CPU only"):
        ember.tensor([1, 2], device="cuda")
    assert ember.tensor([1, 2], dtype=ember.float32).dtype == ember.float32
    assert ember.tensor([1, 2], device="cpu").dtype == ember.int64
    t = ember.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf


def test_inplace_writes_that_do_not_fit_raise_torchs_errors(torch):
    """One helper (ops/elementwise.write_error) for every in-place write whose operand does
    not fit the destination: add_, copy_, lerp_, and the engine's accumulation."""
    for make in (lambda L, a: a.add_(L.ones(3, 3)), lambda L, a: a.add_(L.ones(2, 2, 3)),
                 lambda L, a: a.copy_(L.ones(4, 3)), lambda L, a: a.lerp_(L.ones(2, 2, 3), 0.5)):
        msgs = []
        for L in (ember, torch):
            with pytest.raises(RuntimeError) as e:
                make(L, L.zeros(2, 3))
            msgs.append(str(e.value))
        assert msgs[0] == msgs[1]
