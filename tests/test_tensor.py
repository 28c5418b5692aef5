"""What a tensor is: attributes, conversions to Python and NumPy, in-place operations that
keep identity and storage, ``.data`` / ``.detach()`` / views / ``.clone()``."""
import numpy as np
import pytest

import ember
from coreutil import assert_close, compare_with_torch


def test_attributes(torch):
    x = ember.zeros(2, 3, 4)
    t = torch.zeros(2, 3, 4)
    assert x.shape == t.shape and x.size() == t.size() and x.size(1) == t.size(1)
    assert x.numel() == t.numel() == 24 and x.dim() == x.ndim == 3
    assert isinstance(x.shape, tuple) and repr(x.shape) == "ember.Size([2, 3, 4])"
    assert str(x.device) == str(t.device) == "cpu" and x.device.type == "cpu"
    assert x.dtype == ember.float32 and repr(x.dtype) == "ember.float32"
    assert ember.float is ember.float32 and ember.double is ember.float64 and ember.long is ember.int64
    assert x.is_floating_point() and not ember.zeros(1, dtype=ember.int64).is_floating_point()
    assert x.element_size() == 4 and x.is_contiguous() and not x.transpose(0, 1).is_contiguous()
    assert x.stride() == t.stride() and x.transpose(0, 2).stride() == t.transpose(0, 2).stride()


def test_python_conversions(torch):
    a = ember.tensor([3.5])
    assert (a.item(), float(a), int(a)) == (3.5, 3.5, 3)
    assert isinstance(a.item(), float) and isinstance(ember.tensor(2).item(), int)
    assert isinstance(ember.tensor(True).item(), bool) and bool(ember.tensor([1.0]))
    assert ember.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert ember.tensor(2.5).tolist() == 2.5
    assert [1, 2, 3][ember.tensor(1)] == 2  # __index__
    loss = ember.tensor(0.123456)
    assert f"{loss:f}" == f"{torch.tensor(0.123456):f}" == "0.123456"
    assert f"{loss:.3f}" == "0.123" and f"{ember.tensor(3):d}" == "3"
    assert "{:.2e}".format(ember.tensor(12345.0)) == "1.23e+04"


def test_item_errors_like_torch(torch):
    with pytest.raises(RuntimeError) as want:
        torch.ones(2).item()
    with pytest.raises(RuntimeError) as got:
        ember.ones(2).item()
    assert str(got.value) == str(want.value)
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        float(ember.ones(2))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(ember.ones(2))
    with pytest.raises(RuntimeError, match="0 elements"):
        ember.zeros(0).item()
    assert ember.ones(1, 1, 1).item() == 1.0


def test_numpy_interop_shares_memory(torch):
    X = ember.arange(12, dtype=ember.float32).reshape(3, 4)
    A = X.numpy()
    assert type(A) is np.ndarray and A.dtype == np.float32
    A[0, 0] = 100.0
    assert X[0, 0].item() == 100.0
    B = ember.tensor(A)
    C = B.numpy()
    assert type(B) is ember.Tensor and type(C) is np.ndarray
    A[0, 1] = -1.0
    assert B[0, 1].item() == 1.0  # tensor() copied
    w = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        w.numpy()
    assert np.asarray(w.detach()).tolist() == [1.0, 1.0]
    assert np.array(ember.ones(2), dtype=np.float64).dtype == np.float64


def test_inplace_operators_keep_identity(torch):
    X = ember.arange(12, dtype=ember.float32).reshape(3, 4)
    Y = ember.ones(3, 4)
    before, storage = id(Y), Y.numpy()
    Y += X
    assert id(Y) == before and Y.numpy() is storage and Y[2, 3].item() == 12.0
    Y -= X
    Y *= 3
    Y /= 2
    assert id(Y) == before and Y.tolist() == [[1.5] * 4] * 3
    Y = Y + X
    assert id(Y) != before
    Z = ember.zeros_like(Y)
    zid = id(Z)
    Z[:] = X + Y
    assert id(Z) == zid


INPLACE = {
    "add_": (lambda t: t.add_(ember.ones(4)), lambda t, torch: t.add_(torch.ones(4))),
    "add_alpha": (lambda t: t.add_(ember.ones(4), alpha=-2), lambda t, torch: t.add_(torch.ones(4), alpha=-2)),
    "sub_": (lambda t: t.sub_(2.0), lambda t, torch: t.sub_(2.0)),
    "mul_": (lambda t: t.mul_(ember.arange(4.0)), lambda t, torch: t.mul_(torch.arange(4.0))),
    "div_": (lambda t: t.div_(4), lambda t, torch: t.div_(4)),
    "pow_": (lambda t: t.pow_(2), lambda t, torch: t.pow_(2)),
    "zero_": (lambda t: t.zero_(), lambda t, torch: t.zero_()),
    "fill_": (lambda t: t.fill_(3.5), lambda t, torch: t.fill_(3.5)),
    "copy_": (lambda t: t.copy_(ember.arange(4.0)), lambda t, torch: t.copy_(torch.arange(4.0))),
    "copy_bcast": (lambda t: t.copy_(ember.tensor([1.0, 2.0, 3.0, 4.0])),
                   lambda t, torch: t.copy_(torch.tensor([1.0, 2.0, 3.0, 4.0]))),
    "clamp_": (lambda t: t.clamp_(-0.5, 0.5), lambda t, torch: t.clamp_(-0.5, 0.5)),
    "clamp_min_only": (lambda t: t.clamp_(min=0), lambda t, torch: t.clamp_(min=0)),
    "neg_": (lambda t: t.neg_(), lambda t, torch: t.neg_()),
    "sqrt_abs": (lambda t: t.abs_().sqrt_(), lambda t, torch: t.abs_().sqrt_()),
    "addcmul_": (lambda t: t.addcmul_(ember.ones(4), ember.arange(4.0), value=0.5),
                 lambda t, torch: t.addcmul_(torch.ones(4), torch.arange(4.0), value=0.5)),
    "addcdiv_": (lambda t: t.addcdiv_(ember.ones(4), ember.arange(1.0, 5.0), value=2),
                 lambda t, torch: t.addcdiv_(torch.ones(4), torch.arange(1.0, 5.0), value=2)),
    "lerp_": (lambda t: t.lerp_(ember.ones(4), 0.25), lambda t, torch: t.lerp_(torch.ones(4), 0.25)),
    "iadd_int": (lambda t: t.__iadd__(1), lambda t, torch: t.__iadd__(1)),
    "sigmoid_": (lambda t: t.sigmoid_(), lambda t, torch: t.sigmoid_()),
    "exp_": (lambda t: t.exp_(), lambda t, torch: t.exp_()),
    "tanh_": (lambda t: t.tanh_(), lambda t, torch: t.tanh_()),
    "relu_": (lambda t: t.relu_(), lambda t, torch: t.relu_()),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_methods_keep_identity_and_match_torch(torch, name):
    fe, ft = INPLACE[name]
    x = np.array([[-1.5, 0.25, 2.0, 3.0], [0.5, -0.75, 1.0, -2.0]], dtype=np.float32)
    e, t = ember.tensor(x), torch.tensor(x)
    view = e[1]
    storage = e.numpy()
    out = fe(e)
    ft(t, torch)
    assert out is e and e.numpy() is storage
    assert_close(e, t)
    assert_close(view, t[1])  # a view taken before sees the change


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_on_a_non_leaf_is_differentiable(torch, name):
    """``y = x * 1; y.op_(...)`` records the in-place op: gradients agree with torch."""
    fe, ft = INPLACE[name]
    # (zero_, fill_ and copy_ give x a zero gradient through y: still worth checking)
    x = np.array([[-1.5, 0.25, 2.0, 3.0], [0.5, -0.75, 1.0, -2.0]], dtype=np.float32)

    def run(lib, f):
        def g(a):
            y = a * 1.0
            r = f(y) if lib is ember else f(y, lib)
            assert r is y
            return y * a
        return g
    compare_with_torch(torch, run(ember, fe), run(torch, ft), [x])


def test_inplace_int_with_float_result_errors_like_torch(torch):
    for f in (lambda t: t.__iadd__(1.5), lambda t: t.div_(2), lambda t: t.__itruediv__(2)):
        with pytest.raises(RuntimeError) as want:
            f(torch.ones(2, dtype=torch.int64))
        with pytest.raises(RuntimeError) as got:
            f(ember.ones(2, dtype=ember.int64))
        assert str(got.value) == str(want.value)


def test_inplace_broadcast_shape_error(torch):
    with pytest.raises(RuntimeError) as want:
        torch.ones(3).add_(torch.ones(2, 3))
    with pytest.raises(RuntimeError) as got:
        ember.ones(3).add_(ember.ones(2, 3))
    assert str(got.value) == str(want.value)


def test_random_inplace_fills():
    ember.manual_seed(3)
    x = ember.zeros(1000)
    assert x.normal_(1.0, 0.5) is x and abs(x.mean().item() - 1.0) < 0.1
    assert x.uniform_(2, 3) is x and 2 <= x.min().item() and x.max().item() <= 3
    assert x.dtype == ember.float32


def test_data_shares_storage_and_is_cut_from_graph(torch):
    w = ember.ones(3, requires_grad=True)
    d = w.data
    assert not d.requires_grad and d.grad_fn is None
    d[0] = 5.0  # allowed: not tracked
    assert w[0].item() == 5.0
    d.mul_(2)
    assert w.tolist() == [10.0, 2.0, 2.0]
    w.data = ember.zeros(3)  # assignment replaces the storage, keeps the leaf
    assert w.tolist() == [0.0, 0.0, 0.0] and w.requires_grad and w.is_leaf
    # the book's hand-written SGD
    w = ember.ones(3, requires_grad=True)
    (w * w).sum().backward()
    with ember.no_grad():
        w -= 0.1 * w.grad
    w.grad.zero_()
    assert w.tolist() == pytest.approx([0.8, 0.8, 0.8]) and w.grad.tolist() == [0.0, 0.0, 0.0]
    w.data.sub_(w.data * 0.5)
    assert w.tolist() == pytest.approx([0.4, 0.4, 0.4])


def test_detach_shares_storage_and_version(torch):
    x = ember.arange(4.0, requires_grad=True)
    y = x * x
    u = y.detach()
    assert not u.requires_grad and u.is_leaf
    u[0] = 42.0
    assert y[0].item() == 42.0
    z = ember.ones(2, requires_grad=True)
    e = z.exp()
    e.detach().zero_()  # changes a tensor exp saved for backward: PyTorch's error
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        e.sum().backward()


def test_clone_copies_and_is_differentiable(torch):
    x = ember.arange(3.0, requires_grad=True)
    c = x.clone()
    assert c.grad_fn.name() == "CloneBackward0"
    with ember.no_grad():
        c[0] = 10.0
    assert x[0].item() == 0.0
    (c * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_requires_grad_flags(torch):
    x = ember.tensor([1.0, 2.0])
    assert not x.requires_grad and x.is_leaf and x.grad is None and x.grad_fn is None
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    y = ember.ones(2, requires_grad=True) * 2
    assert not y.is_leaf and y.requires_grad
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        ember.tensor([1, 2]).requires_grad_()


def test_tensor_constructor_class():
    assert ember.Tensor([1, 2]).dtype == ember.float32
    assert ember.Tensor(2, 3).shape == (2, 3)
    assert isinstance(ember.ones(1), ember.Tensor) and ember.is_tensor(ember.ones(1))
    assert not ember.is_tensor(np.ones(1))


def test_copy_and_pickle_roundtrip():
    import copy
    import pickle
    w = ember.ones(2, requires_grad=True)
    (w * 3).sum().backward()
    c = copy.deepcopy(w)
    assert c is not w and c.tolist() == w.tolist() and c.requires_grad and c.grad.tolist() == [3.0, 3.0]
    p = pickle.loads(pickle.dumps(w))
    assert p.tolist() == [1.0, 1.0] and p.requires_grad
    with pytest.raises(RuntimeError, match="Only Tensors created explicitly by the user"):
        copy.deepcopy(w * 2)


def test_base_names_the_tensor_a_view_shares_storage_with():
    """``_base`` (PyTorch's): None for a tensor that owns its storage, else the owner, also
    through a view of a view."""
    t = ember.zeros(2, 3)
    v = t[0]
    assert t._base is None and v._base is t and v[1:]._base is t
    assert t.detach()._base is None and ember.zeros(2).reshape(2)._base is not None
