"""Indexing and assignment through every kind of index (ints, negative ints, slices with
steps, None, ..., tuples, boolean masks, integer tensors / lists / range objects), their
gradients, views sharing storage, and gather/index_select/masked ops."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ember
from coreutil import assert_close, compare_with_torch, gradcheck

rng = np.random.default_rng(4)
MASK = rng.random((3, 4)) > 0.5
MASK[0, 0] = True


def _keys(lib):
    """The same index written for ember or for torch (tensors are made by ``lib``)."""
    T = lib.tensor
    return {
        "int": 1,
        "neg_int": -1,
        "int_int": (1, -2),
        "slice": slice(1, 3),
        "slice_step": slice(None, None, 2),
        "slice_neg_step_start": (slice(-2, None), slice(0, 4, 3)),
        "ellipsis": (Ellipsis, 1),
        "none": (None, 1),
        "none_mid": (slice(None), None, slice(1, 3)),
        "tuple_mixed": (0, slice(None), 1),
        "bool_mask_full": T(MASK),
        "bool_mask_rows": T([True, False, True]),
        "bool_mask_dim1": (slice(None), T([True, False, True, True])),
        "int_tensor": T([2, 0, 2]),
        "int_tensor_2d": T([[0, 1], [2, 2]]),
        "list": [0, 2],
        "list_repeat": [1, 1, 1],
        "range": range(0, 3, 2),
        "pairs_range_tensor": (range(3), T([0, 3, 1])),
        "pairs_lists": ([0, 1, 2], [3, 2, 1]),
        "adv_then_slice": (T([2, 0]), slice(1, None)),
        "slice_then_adv": (slice(None), [3, 0]),
        "int32_index": T(np.array([1, 2], dtype=np.int32)),
        "zero_dim_index": T(1),
        "int_slice_list": (1, slice(None), [0, 1]),
        "zero_dim_slice_list": (T(0), slice(None), T([1, 0])),
        "list_slice_int": ([2, 0], slice(None), -1),
        "none_int_slice_list": (None, 2, slice(1, None), [1, 0]),
    }


NAMES = sorted(_keys(ember))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_getitem_against_torch(torch, name, dtype):
    x = rng.standard_normal((3, 4, 2)).astype(dtype)
    if name in ("bool_mask_full",):
        x = x[..., 0].copy()
    ke, kt = _keys(ember)[name], _keys(torch)[name]
    compare_with_torch(torch, lambda t: t[ke], lambda t: t[kt], [x])


@pytest.mark.parametrize("name", NAMES)
def test_getitem_gradcheck(name):
    x = rng.standard_normal((3, 4, 2))
    if name == "bool_mask_full":
        x = x[..., 0].copy()
    key = _keys(ember)[name]
    gradcheck(lambda t: t[key], [x])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_setitem_against_torch(torch, name, dtype):
    """``y = x * 1; y[key] = v`` differentiates to both x and v; values and grads agree."""
    x = rng.standard_normal((3, 4, 2)).astype(dtype)
    if name == "bool_mask_full":
        x = x[..., 0].copy()
    ke, kt = _keys(ember)[name], _keys(torch)[name]
    target_shape = tuple(torch.tensor(x)[kt].shape)
    if name in ("list_repeat",):
        v = np.full(target_shape, 2.5, dtype=dtype)  # repeated targets: same value each time
    else:
        v = rng.standard_normal(target_shape).astype(dtype)

    def fn(setitem_key):
        def f(a, b):
            y = a * 1
            y[setitem_key] = b
            return y * y
        return f
    compare_with_torch(torch, fn(ke), fn(kt), [x, v])


# With repeated targets the last write wins, so the value's gradient (PyTorch's too: every
# copy gets one) is not the derivative finite differences see.
@pytest.mark.parametrize("name", [n for n in NAMES
                                  if n not in ("list_repeat", "int_tensor", "int_tensor_2d")])
def test_setitem_gradcheck(name):
    x = rng.standard_normal((3, 4, 2))
    if name == "bool_mask_full":
        x = x[..., 0].copy()
    key = _keys(ember)[name]
    v = rng.standard_normal(tuple(ember.zeros(x.shape)[key].shape))

    def f(a, b):
        y = a * 1
        y[key] = b
        return y * y
    gradcheck(f, [x, v])


@pytest.mark.parametrize("name", NAMES)
def test_setitem_values_without_grad(torch, name):
    x = np.arange(24.0).reshape(3, 4, 2)
    if name == "bool_mask_full":
        x = x[..., 0].copy()
    ke, kt = _keys(ember)[name], _keys(torch)[name]
    for value_e, value_t in ((7.0, 7.0), (ember.tensor(-1.0, dtype=ember.float64),
                                           torch.tensor(-1.0, dtype=torch.float64))):
        e, t = ember.tensor(x), torch.tensor(x)
        e[ke] = value_e
        t[kt] = value_t
        assert_close(e, t)


def test_notes_style_assignment(torch):
    X = ember.arange(12, dtype=ember.float32).reshape(3, 4)
    X[0:2, :] = 12
    assert X.tolist() == [[12.0] * 4, [12.0] * 4, [8.0, 9.0, 10.0, 11.0]]
    X[1, 2] = 9
    assert X[1, 2].item() == 9.0
    Z = ember.zeros_like(X)
    before = id(Z)
    Z[:] = X + X
    assert id(Z) == before and Z.tolist() == (X * 2).tolist()


def test_assignment_casts_to_the_target_dtype(torch):
    e, t = ember.zeros(3, dtype=ember.int64), torch.zeros(3, dtype=torch.int64)
    e[0], t[0] = 2.7, 2.7
    e[1:] = ember.tensor([1.9, -1.9])
    t[1:] = torch.tensor([1.9, -1.9])
    assert e.tolist() == t.tolist() and e.dtype == ember.int64


def test_assignment_shape_mismatch_leaves_tensor_unchanged(torch):
    e = ember.zeros(2, 3)
    with pytest.raises(RuntimeError, match="shape mismatch|must match"):
        e[0] = ember.ones(4)
    assert e.tolist() == [[0.0] * 3] * 2


def test_basic_index_is_a_view(torch):
    x = ember.arange(12.0).reshape(3, 4)
    row = x[1]
    row[0] = 100.0
    assert x[1, 0].item() == 100.0
    col = x[:, 1]
    col += 1
    assert x[:, 1].tolist() == [2.0, 6.0, 10.0]
    assert x[None, ..., ::2].shape == (1, 3, 2)


def test_advanced_index_is_a_copy(torch):
    x = ember.arange(12.0).reshape(3, 4)
    sel = x[[0, 1]]
    sel[0, 0] = -5.0
    assert x[0, 0].item() == 0.0
    masked = x[x > 5]
    masked.zero_()
    assert x.sum().item() == 66.0


def test_repeated_indices_accumulate_gradient(torch):
    x = np.arange(4.0)
    compare_with_torch(torch, lambda t: t[[0, 0, 2, 0]] * ember.tensor([1.0, 2.0, 3.0, 4.0])
                       if isinstance(t, ember.Tensor) else t[[0, 0, 2, 0]] * torch.tensor(
                           [1.0, 2.0, 3.0, 4.0], dtype=torch.float64), None or (
                           lambda t: t[[0, 0, 2, 0]] * torch.tensor([1.0, 2.0, 3.0, 4.0],
                                                                    dtype=torch.float64)), [x])
    e = ember.tensor(x, requires_grad=True)
    (e[[0, 0, 2, 0]] * ember.tensor([1.0, 2.0, 3.0, 4.0], dtype=ember.float64)).sum().backward()
    assert e.grad.tolist() == [7.0, 0.0, 3.0, 0.0]


def test_cross_entropy_style_pick(torch):
    """``y_hat[range(len(y_hat)), y]`` from the notes."""
    y_hat = np.array([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    y = [0, 2]
    compare_with_torch(torch, lambda t: -(t[range(len(t)), ember.tensor(y)]).log(),
                       lambda t: -(t[range(len(t)), torch.tensor(y)]).log(), [y_hat])
    e = ember.tensor(y_hat)
    assert e[range(len(e)), y].tolist() == [0.1, 0.5]
    assert e[[0, 1], ember.tensor(y)].tolist() == [0.1, 0.5]


def test_index_errors_like_torch(torch):
    for key in (5, (0, 7), -4):
        with pytest.raises(IndexError) as want:
            torch.zeros(3, 4)[key]
        with pytest.raises(IndexError) as got:
            ember.zeros(3, 4)[key]
        assert str(got.value) == str(want.value)
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool"):
        ember.zeros(3)[ember.tensor([0.0])]


def test_iteration_and_len(torch):
    x = ember.arange(6).reshape(3, 2)
    assert len(x) == 3 and [r.tolist() for r in x] == [[0, 1], [2, 3], [4, 5]]
    rows = list(ember.arange(6.0).reshape(3, 2))
    rows[0][0] = 9.0  # rows are views
    a, b = ember.tensor([1.0, 2.0])
    assert (a.item(), b.item()) == (1.0, 2.0)
    w = ember.ones(3, 2, requires_grad=True)
    sum(r.sum() * i for i, r in enumerate(w)).backward()
    assert w.grad[:, 0].tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ember.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(ember.tensor(1.0))
    assert len(ember.zeros(0, 3)) == 0 and list(ember.zeros(0, 3)) == []


GATHER = {
    "gather": (lambda t: t.gather(1, ember.tensor([[0, 0], [1, 0], [3, 2]])),
               lambda torch: lambda t: t.gather(1, torch.tensor([[0, 0], [1, 0], [3, 2]]))),
    "index_select": (lambda t: t.index_select(1, ember.tensor([3, 0, 3])),
                     lambda torch: lambda t: t.index_select(1, torch.tensor([3, 0, 3]))),
    "masked_fill": (lambda t: t.masked_fill(ember.tensor(MASK), -1.0),
                    lambda torch: lambda t: t.masked_fill(torch.tensor(MASK), -1.0)),
    "masked_select": (lambda t: t.masked_select(ember.tensor(MASK)),
                      lambda torch: lambda t: t.masked_select(torch.tensor(MASK))),
    "take_along_dim": (lambda t: ember.take_along_dim(t, ember.tensor([[1], [0], [2]]), 1),
                       lambda torch: lambda t: torch.take_along_dim(t, torch.tensor([[1], [0], [2]]), 1)),
    "topk_values": (lambda t: t.topk(2).values, lambda torch: lambda t: t.topk(2).values),
    "sort_values": (lambda t: t.sort(dim=0, descending=True).values,
                    lambda torch: lambda t: t.sort(dim=0, descending=True).values),
}


@pytest.mark.parametrize("name", sorted(GATHER))
def test_gather_family(torch, name):
    fe, ft = GATHER[name]
    x = rng.permutation(12).reshape(3, 4) / 3.0
    compare_with_torch(torch, fe, ft(torch), [x])
    compare_with_torch(torch, fe, ft(torch), [x.astype(np.float32)])
    gradcheck(fe, [x])


def test_sort_argsort_topk_indices(torch):
    x = rng.permutation(12).reshape(3, 4).astype(np.float32)
    for f in (lambda t: t.sort().indices, lambda t: t.argsort(dim=0),
              lambda t: t.topk(3, dim=1).indices, lambda t: t.argsort(descending=True)):
        assert f(ember.tensor(x)).tolist() == f(torch.tensor(x)).tolist()


def test_nonzero(torch):
    x = np.array([[0, 1, 0], [2, 0, 3]])
    assert ember.tensor(x).nonzero().tolist() == torch.tensor(x).nonzero().tolist()
    got = ember.nonzero(ember.tensor(x), as_tuple=True)
    want = torch.nonzero(torch.tensor(x), as_tuple=True)
    assert [g.tolist() for g in got] == [w.tolist() for w in want]


@st.composite
def _basic_index(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    key = []
    for s in shape:
        kind = draw(st.sampled_from(["int", "slice", "list", "all"]))
        if kind == "int":
            key.append(draw(st.integers(-s, s - 1)))
        elif kind == "slice":
            key.append(slice(draw(st.integers(-s, s)), draw(st.integers(-s, s)),
                             draw(st.sampled_from([1, 2, 3]))))
        elif kind == "list" and not any(isinstance(k, list) for k in key):
            key.append(draw(st.lists(st.integers(-s, s - 1), min_size=1, max_size=3)))
        else:
            key.append(slice(None))
    return shape, tuple(key)


@settings(max_examples=40, deadline=None)
@given(case=_basic_index())
def test_hypothesis_indexing_matches_numpy(case):
    """Reading and writing through random keys agree with NumPy (no torch needed), and the
    gradient of a read is the count of how often each element was read."""
    shape, key = case
    base = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    # PyTorch's reading beside a list: the ints select first, NumPy's key the rest
    ints = tuple(k if isinstance(k, int) else slice(None) for k in key) + (Ellipsis,)
    rest = tuple(k for k in key if not isinstance(k, int))
    x = ember.tensor(base, requires_grad=True)
    out = x[key]
    np.testing.assert_array_equal(out.detach().numpy(), base[ints][rest])
    out.sum().backward()
    counts = np.zeros(shape)
    np.add.at(counts[ints], rest, 1.0)
    np.testing.assert_array_equal(x.grad.numpy(), counts)
    y = ember.tensor(base)
    y[key] = -1.0
    expect = base.copy()
    expect[ints][rest] = -1.0
    np.testing.assert_array_equal(y.numpy(), expect)


def test_an_index_into_a_dim_of_size_0_is_named_as_pytorch_names_it():
    """PyTorch's AdvancedIndex refuses an index array into a dim of size 0 before anything
    else, unless the index arrays broadcast to an empty shape (nothing read or written)."""
    a = ember.zeros(2, 0, 2, dtype=ember.int64)
    empty = ember.tensor([], dtype=ember.int64)
    for key in ((slice(None), [-1]), (0, [-1]), (None, [1, 0], [0])):
        with pytest.raises(IndexError, match="^index is out of bounds for dimension with size 0$"):
            a[key]
        with pytest.raises(IndexError, match="^index is out of bounds for dimension with size 0$"):
            a[key] = 5
    with pytest.raises(IndexError, match="^index is out of bounds for dimension with size 0$"):
        ember.zeros(0, 3)[ember.tensor([0, 1])]
    assert a[empty, [-1]].shape == (0, 2)
    a[empty, [-1]] = 5  # nothing to write
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes"):
        a[empty, [-1]] = ember.tensor(-0.5, dtype=ember.float64)


def test_masked_fill_result_is_c_contiguous():
    """PyTorch fills a C-contiguous clone of the input, whatever the input's layout
    (permuted, transposed, channels-last); masked_fill_ keeps the tensor's own."""
    a = ember.arange(24.0).reshape(2, 3, 4)
    for x in (a.permute(2, 0, 1), a.transpose(1, 2), a.permute(1, 0, 2),
              ember.zeros(3, 1, 2, 2, dtype=ember.int32).permute(1, 3, 2, 0)):
        r = x.masked_fill(x > 5, -1.5)
        assert r.is_contiguous() and r.dtype == x.dtype
        assert (r == ember.where(x > 5, ember.tensor(-1.5).to(x.dtype), x)).all()
    t = a.transpose(1, 2)
    t.masked_fill_(t > 5, 0.0)
    assert t.stride() == (12, 1, 4)
