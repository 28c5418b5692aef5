"""PyTorch's type promotion: dimensioned tensors, 0-dim tensors, Python numbers, bool;
the whole table of dtype pairs is checked against torch, plus the notes' cases by hand."""
import itertools

import numpy as np
import pytest

import ember

DTYPES = ["float32", "float64", "int64", "int32", "uint8", "bool"]
OPS = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
       "maximum": lambda a, b: ember.maximum(a, b) if isinstance(a, ember.Tensor) else None,
       "where": None, "eq": lambda a, b: a == b}


def _name(t):
    return str(t.dtype).split(".")[-1]


def _make(lib, dtype, zero_dim):
    shape = () if zero_dim else (2,)
    return lib.ones(shape, dtype=getattr(lib, dtype))


@pytest.mark.parametrize("op", ["add", "mul", "div", "maximum", "eq", "cat", "where"])
def test_promotion_table_matches_torch(torch, op):
    def run(lib, a, b):
        if op == "maximum":
            return lib.maximum(a, b)
        if op == "cat":
            return lib.cat([a.reshape(-1), b.reshape(-1)])
        if op == "where":
            return lib.where(lib.ones((), dtype=lib.bool), a, b)
        return OPS[op](a, b)

    mismatches = []
    for da, db in itertools.product(DTYPES, repeat=2):
        for za, zb in itertools.product([False, True], repeat=2):
            a_t, b_t = _make(torch, da, za), _make(torch, db, zb)
            try:
                want = run(torch, a_t, b_t)
            except RuntimeError:
                continue
            got = run(ember, _make(ember, da, za), _make(ember, db, zb))
            if _name(got) != _name(want) or tuple(got.shape) != tuple(want.shape):
                mismatches.append((da, za, db, zb, _name(got), _name(want)))
    assert not mismatches


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**", "//", "%", "<"])
def test_python_and_numpy_scalars_match_torch(torch, op):
    scalars = [2, 2.5, True, np.float64(2.5), np.float32(2.5), np.int64(2), np.int32(2)]
    mismatches = []
    for d in DTYPES:
        for s in scalars:
            for reflected in (False, True):
                f = eval(f"lambda a, s: s {op} a") if reflected else eval(f"lambda a, s: a {op} s")
                try:
                    want = f(_make(torch, d, False), s)
                except (RuntimeError, TypeError):
                    continue
                got = f(_make(ember, d, False), s)
                if _name(got) != _name(want):
                    mismatches.append((d, repr(s), reflected, _name(got), _name(want)))
    assert not mismatches


def test_notes_promotion_cases_by_hand():
    x = ember.tensor([1.0, 2, 4, 8])
    y = ember.tensor([2, 2, 2, 2])
    assert x.dtype == ember.float32 and y.dtype == ember.int64
    for r in (x + y, x - y, x * y, x / y, x ** y):
        assert r.dtype == ember.float32
    assert (y / y).dtype == ember.float32           # int / int is float
    assert (y + 1.5).dtype == ember.float32         # int + Python float: default float
    assert (y * 2).dtype == ember.int64
    assert (y > 1).dtype == ember.bool               # comparisons give bool
    assert (ember.tensor(3.0) + ember.tensor(2.0)).dtype == ember.float32
    i32 = ember.tensor([1, 2], dtype=ember.int32)
    assert (i32 + ember.tensor(5)).dtype == ember.int32        # 0-dim of the same category
    assert (i32 + ember.tensor(5.0)).dtype == ember.float32    # 0-dim of a higher category
    assert (i32 + ember.tensor(5.0, dtype=ember.float64)).dtype == ember.float64
    f32 = ember.ones(2)
    assert (f32 + ember.tensor(1.0, dtype=ember.float64)).dtype == ember.float32
    assert (f32 + ember.ones(2, dtype=ember.float64)).dtype == ember.float64
    b = ember.tensor([True, False])
    assert (b + b).dtype == ember.bool and (b + 1).dtype == ember.int64
    assert (b * 1.5).dtype == ember.float32
    assert (ember.tensor([1, 2], dtype=ember.uint8) + ember.tensor([1], dtype=ember.int32)).dtype \
        == ember.int32
    assert (ember.tensor([200], dtype=ember.uint8) + 100).tolist() == [44]  # wraps, like torch


def test_promotion_keeps_float32_end_to_end():
    """No silent float64: Python floats, NumPy float64 scalars and math stay float32."""
    x = ember.randn(4, requires_grad=True)
    y = ((x * 0.5 + np.float64(1.5)) ** 2 / 3.0).exp().log().sum() * np.float64(2.0)
    assert y.dtype == ember.float32
    y.backward()
    assert x.grad.dtype == ember.float32


def test_default_dtype_switch():
    assert ember.get_default_dtype() == ember.float32
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.tensor([1.0]).dtype == ember.float64
        assert (ember.tensor([1]) * 1.5).dtype == ember.float64
        assert ember.zeros(2).dtype == ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    assert ember.tensor([1.0]).dtype == ember.float32
    assert (ember.tensor([1]) / 2).dtype == ember.float32
    with pytest.raises(TypeError, match="only floating-point types"):
        ember.set_default_dtype(ember.int64)


@pytest.mark.parametrize("conv,dtype", [("float", "float32"), ("double", "float64"),
                                         ("long", "int64"), ("int", "int32"), ("bool", "bool")])
def test_conversions_and_their_gradients(torch, conv, dtype):
    x = np.array([0.0, 1.5, -2.5])
    e, t = getattr(ember.tensor(x), conv)(), getattr(torch.tensor(x), conv)()
    assert _name(e) == _name(t) == dtype and e.tolist() == t.tolist()
    assert ember.tensor(x).to(getattr(ember, dtype)).dtype == getattr(ember, dtype)
    if dtype.startswith("float"):
        w = ember.tensor(x, requires_grad=True)
        out = getattr(w, conv)()
        assert out.grad_fn.name() == getattr(torch.tensor(x, requires_grad=True), conv)().grad_fn.name() \
            if dtype != "float64" else out is w
        (out * 2).sum().backward()
        assert w.grad.dtype == ember.float64 and w.grad.tolist() == [2.0, 2.0, 2.0]


def test_to_forms():
    x = ember.ones(2)
    assert x.to(ember.float64).dtype == ember.float64
    assert x.to("cpu") is x and x.to(device="cpu", dtype=ember.int64).dtype == ember.int64
    assert x.to(ember.ones(1, dtype=ember.int32)).dtype == ember.int32
    assert x.to(x.device, ember.float64).dtype == ember.float64
    assert x.type_as(ember.ones(1, dtype=ember.int64)).dtype == ember.int64
    assert x.type() == "torch.FloatTensor"
