"""Elementwise operations: values, dtypes, shapes and gradients, against PyTorch and by
finite differences; broadcasting of the binary ops on hypothesis-generated shapes."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import ember
from coreutil import assert_close, compare_with_torch, gradcheck, threads

rng = np.random.default_rng(0)


def _any(shape):
    return rng.standard_normal(shape)


def _pos(shape):
    return rng.uniform(0.5, 2.0, shape)


def _away(shape):
    """Normal values kept away from 0 (where relu/abs/sign have a kink)."""
    x = rng.standard_normal(shape)
    return np.sign(x) * (0.1 + np.abs(x))


def _small(shape):
    return rng.uniform(-1.2, 1.2, shape)


# name -> (ember function, torch function name or callable, input domain)
UNARY = {
    "neg": (lambda x: -x, lambda x: -x, _any),
    "abs": (ember.abs, "abs", _away),
    "abs_op": (lambda x: abs(x), lambda x: abs(x), _away),
    "exp": (ember.exp, "exp", _any),
    "expm1": (ember.expm1, "expm1", _any),
    "log": (ember.log, "log", _pos),
    "log2": (ember.log2, "log2", _pos),
    "log10": (ember.log10, "log10", _pos),
    "log1p": (ember.log1p, "log1p", _pos),
    "sqrt": (ember.sqrt, "sqrt", _pos),
    "rsqrt": (ember.rsqrt, "rsqrt", _pos),
    "reciprocal": (ember.reciprocal, "reciprocal", _pos),
    "square": (ember.square, "square", _any),
    "sin": (ember.sin, "sin", _any),
    "cos": (ember.cos, "cos", _any),
    "tan": (ember.tan, "tan", _small),
    "tanh": (ember.tanh, "tanh", _any),
    "sinh": (ember.sinh, "sinh", _any),
    "cosh": (ember.cosh, "cosh", _any),
    "atan": (ember.atan, "atan", _any),
    "erf": (ember.erf, "erf", _any),
    "sigmoid": (ember.sigmoid, "sigmoid", _any),
    "relu": (ember.relu, "relu", _away),
    "sign": (ember.sign, "sign", _away),
    "floor": (ember.floor, "floor", _away),
    "ceil": (ember.ceil, "ceil", _away),
    "trunc": (ember.trunc, "trunc", _away),
    "round": (ember.round, "round", _away),
    "pow_int": (lambda x: x ** 3, lambda x: x ** 3, _any),
    "pow_float": (lambda x: x ** 1.5, lambda x: x ** 1.5, _pos),
    "pow_neg": (lambda x: x ** -2, lambda x: x ** -2, _pos),
    "pow_zero": (lambda x: x ** 0, lambda x: x ** 0, _any),
    "rpow": (lambda x: 2.0 ** x, lambda x: 2.0 ** x, _any),
    "clamp_min": (lambda x: ember.clamp(x, min=-0.5), lambda x: x.clamp(min=-0.5), _away),
    "clamp_max": (lambda x: x.clamp(max=0.5), lambda x: x.clamp(max=0.5), _away),
    "clamp_both": (lambda x: ember.clamp(x, -0.5, 0.5), lambda x: x.clamp(-0.5, 0.5), _away),
    "clip": (lambda x: ember.clip(x, -0.5, 0.5), lambda x: x.clip(-0.5, 0.5), _away),
    "method_exp": (lambda x: x.exp(), lambda x: x.exp(), _any),
    "method_sigmoid": (lambda x: x.sigmoid(), lambda x: x.sigmoid(), _any),
    "numpy_ufunc_exp": (lambda x: np.exp(x), lambda x: x.exp(), _any),
    "numpy_ufunc_sqrt": (lambda x: np.sqrt(x), lambda x: x.sqrt(), _pos),
}

# Ops whose values must avoid the exact jump points for finite differences.
_PIECEWISE = {"floor", "ceil", "trunc", "round", "sign"}


def _torch_fn(torch, spec):
    return getattr(torch, spec) if isinstance(spec, str) else spec


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_against_torch(torch, name, dtype):
    fe, ft, domain = UNARY[name]
    for shape in [(3, 4), ()]:
        x = np.asarray(domain(shape)).astype(dtype)
        compare_with_torch(torch, fe, _torch_fn(torch, ft), [x])


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradcheck(name):
    fe, _, domain = UNARY[name]
    x = np.asarray(domain((2, 3)))
    if name in _PIECEWISE:
        x = np.floor(x) + 0.3  # well inside a flat piece: the derivative is 0
    gradcheck(fe, [x])


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "tanh", "sigmoid", "rsqrt",
                                  "log1p", "reciprocal"])
def test_unary_of_integers_is_default_float(torch, name):
    fe, ft, _ = UNARY[name]
    x = np.array([1, 2, 3], dtype=np.int64)
    e, t = fe(ember.tensor(x)), _torch_fn(torch, ft)(torch.tensor(x))
    assert e.dtype == ember.float32 and str(t.dtype) == "torch.float32"
    assert_close(e, t)


def test_unary_keeps_float32_without_torch():
    x = ember.randn(5)
    for name, (fe, _, _) in UNARY.items():
        if name == "pow_zero":
            continue
        assert fe(x.abs() + 0.5).dtype == ember.float32, name


def test_integer_unary_ops_keep_integer_dtype():
    x = ember.tensor([-2, 0, 3])
    assert (-x).dtype == ember.int64 and (-x).tolist() == [2, 0, -3]
    assert x.abs().tolist() == [2, 0, 3] and x.abs().dtype == ember.int64
    assert (x ** 2).tolist() == [4, 0, 9] and (x ** 2).dtype == ember.int64
    assert x.relu().tolist() == [0, 0, 3]
    assert x.clamp(-1, 1).tolist() == [-1, 0, 1]


# ----- binary ops --------------------------------------------------------------------------
BINARY = {
    "add": (lambda a, b: a + b, _any, _any),
    "add_fn": (lambda a, b: ember.add(a, b) if isinstance(a, ember.Tensor) else None, _any, _any),
    "add_alpha": (lambda a, b: a.add(b, alpha=2.5), _any, _any),
    "sub": (lambda a, b: a - b, _any, _any),
    "sub_alpha": (lambda a, b: a.sub(b, alpha=0.5), _any, _any),
    "mul": (lambda a, b: a * b, _any, _any),
    "div": (lambda a, b: a / b, _any, _pos),
    "pow": (lambda a, b: a ** b, _pos, _any),
    "maximum": (lambda a, b: a.maximum(b), _any, _any),
    "minimum": (lambda a, b: a.minimum(b), _any, _any),
    "max_binary": (lambda a, b: a.max(b), _any, _any),
    "min_binary": (lambda a, b: a.min(b), _any, _any),
    "fmax": (lambda a, b: a.fmax(b), _any, _any),
    "fmin": (lambda a, b: a.fmin(b), _any, _any),
    "remainder": (lambda a, b: a % b, _any, _pos),
    "fmod": (lambda a, b: a.fmod(b), _any, _pos),
    "atan_div": (lambda a, b: (a / b).atan(), _any, _pos),
}
_TORCH_BINARY = {
    "add_fn": lambda torch: torch.add, "add_alpha": lambda torch: lambda a, b: a.add(b, alpha=2.5),
    "sub_alpha": lambda torch: lambda a, b: a.sub(b, alpha=0.5),
}


def _binary_pair(torch, name):
    fe, da, db = BINARY[name]
    if name in _TORCH_BINARY:
        return fe if name != "add_fn" else ember.add, _TORCH_BINARY[name](torch), da, db
    return fe, fe, da, db


@settings(max_examples=15, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       name=st.sampled_from(sorted(BINARY)), dtype=st.sampled_from(["float32", "float64"]))
def test_binary_broadcast_against_torch(torch, shapes, name, dtype):
    fe, ft, da, db = _binary_pair(torch, name)
    sa, sb = shapes.input_shapes
    a, b = np.asarray(da(sa)).astype(dtype), np.asarray(db(sb)).astype(dtype)
    compare_with_torch(torch, fe, ft, [a, b])


@settings(max_examples=20, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       name=st.sampled_from(["add", "sub", "mul", "div", "pow", "maximum", "remainder"]))
def test_binary_broadcast_gradcheck(shapes, name):
    fe, da, db = BINARY[name]
    sa, sb = shapes.input_shapes
    a, b = np.asarray(da(sa), dtype=np.float64), np.asarray(db(sb), dtype=np.float64)
    if name == "maximum":
        b = np.asarray(a.mean() + b)  # no ties (the derivative jumps there)
    if name == "remainder":
        a = np.floor(a / np.broadcast_to(b, np.broadcast_shapes(a.shape, b.shape)).max()) + a * 0.01
    ea = ember.tensor(a, requires_grad=True)
    eb = ember.tensor(b, requires_grad=True)
    out = fe(ea, eb)
    assert tuple(out.shape) == shapes.result_shape
    out.sum().backward()
    assert ea.grad.shape == ea.shape and eb.grad.shape == eb.shape
    gradcheck(fe, [a, b])


@settings(max_examples=20, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=4))
def test_add_broadcast_gradient_is_a_count(shapes):
    """d(sum(a + b))/da is how many times each element of a was used (no torch needed)."""
    sa, sb = shapes.input_shapes
    a = ember.zeros(sa, requires_grad=True)
    b = ember.zeros(sb, requires_grad=True)
    (a + b).sum().backward()
    out_n = int(np.prod(shapes.result_shape))
    np.testing.assert_array_equal(a.grad.numpy(), np.full(sa, out_n / max(int(np.prod(sa)), 1)))
    np.testing.assert_array_equal(b.grad.numpy(), np.full(sb, out_n / max(int(np.prod(sb)), 1)))


@pytest.mark.parametrize("scalar", [2, 2.5, True, -3])
@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**", "//", "%"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8"])
def test_tensor_scalar_both_orders(torch, op, scalar, dtype):
    """Tensor with a Python number on either side: values and PyTorch's result dtype."""
    if op in ("-",) and isinstance(scalar, bool):
        scalar = 1  # bool - tensor is refused by PyTorch too for bool tensors only
    x = np.array([[1, 2, 3], [4, 5, 6]]).astype(dtype)
    f = eval(f"lambda a, s: (a {op} s, s {op} a)")
    e, t = ember.tensor(x), torch.tensor(x)
    try:
        want = f(t, scalar)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            f(e, scalar)
        return
    got = f(e, scalar)
    for g, w in zip(got, want):
        assert str(g.dtype).split(".")[1] == str(w.dtype).split(".")[1], (g.dtype, w.dtype)
        assert_close(g, w, rtol=1e-6)


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
def test_scalar_operand_gradients(torch, op):
    x = np.array([0.5, 1.5, 2.5])
    f = eval(f"lambda a: (a {op} 1.5) * (2.0 {op} a)")
    compare_with_torch(torch, f, f, [x])
    compare_with_torch(torch, f, f, [x.astype(np.float32)])
    gradcheck(f, [x])


def test_numpy_array_operands_on_either_side(torch):
    x = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    arr = np.array([2.0, 4.0, 8.0], dtype=np.float32)
    e = ember.tensor(x, requires_grad=True)
    for out in (e * arr, arr * e, e + arr, arr - e, arr / e):
        assert isinstance(out, ember.Tensor) and out.dtype == ember.float32
        assert out.requires_grad
    (arr * e).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), arr)
    np.testing.assert_allclose((arr - e).detach().numpy(), arr - x)


def test_bool_arithmetic_errors_like_torch(torch):
    b = ember.tensor([True, False])
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool"):
        b - b
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        -b
    assert (b + b).dtype == ember.bool and (b + b).tolist() == [True, False]
    assert (b * 2).dtype == ember.int64


def test_int_pow_negative_exponent_errors():
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        ember.tensor([1, 2]) ** -1


def test_floor_divide_and_remainder_follow_python_signs(torch):
    a = np.array([-7, -3, 3, 7])
    b = np.array([2, -2, -2, 2])
    for dtype in ("int64", "float32"):
        e1, e2 = ember.tensor(a.astype(dtype)), ember.tensor(b.astype(dtype))
        t1, t2 = torch.tensor(a.astype(dtype)), torch.tensor(b.astype(dtype))
        assert_close(e1 // e2, t1 // t2)
        assert_close(e1 % e2, t1 % t2)
        assert_close(ember.fmod(e1, e2), torch.fmod(t1, t2))
        assert_close(ember.div(e1, e2, rounding_mode="trunc"),
                     torch.div(t1, t2, rounding_mode="trunc"))
        assert_close(ember.div(e1, e2, rounding_mode="floor"),
                     torch.div(t1, t2, rounding_mode="floor"))


def test_maximum_ties_split_the_gradient(torch):
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([1.0, 0.0, 5.0])
    compare_with_torch(torch, ember.maximum, torch.maximum, [x, y])
    compare_with_torch(torch, ember.minimum, torch.minimum, [x, y])
    a, b = ember.tensor(x, requires_grad=True), ember.tensor(y, requires_grad=True)
    ember.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 1.0, 0.0] and b.grad.tolist() == [0.5, 0.0, 1.0]


def test_fmax_fmin_skip_nans_and_give_a_tie_to_the_first(torch):
    # fmax/fmin are not maximum/minimum: a nan loses to a number, and a tie's gradient
    # goes whole to the first operand (PyTorch's formula), as does a nan second operand's
    nan = np.nan
    x = np.array([nan, 1.0, 2.0, 2.0, nan, 0.0])
    y = np.array([1.0, nan, 2.0, 1.0, nan, -0.0])
    for fe, ft in ((ember.fmax, torch.fmax), (ember.fmin, torch.fmin)):
        compare_with_torch(torch, fe, ft, [x, y])
        compare_with_torch(torch, fe, ft, [x.astype(np.float32), 2.0 * y[:1]])
    assert ember.fmax(ember.tensor([1, 5]), ember.tensor([2.5])).tolist() == [2.5, 5.0]
    assert np.fmax(ember.tensor([nan]), ember.tensor([1.0])).tolist() == [1.0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clamp_with_tensor_bounds(torch, dtype):
    x = _away((3, 4)).astype(dtype)
    lo = np.full((4,), -0.3, dtype=dtype) + rng.uniform(-0.05, 0.05, 4).astype(dtype)
    hi = lo + 0.8
    compare_with_torch(torch, lambda a, l, h: ember.clamp(a, l, h),
                       lambda a, l, h: torch.clamp(a, l, h), [x, lo, hi])


def test_clamp_needs_a_bound():
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        ember.clamp(ember.ones(2))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_where(torch, dtype):
    c = rng.standard_normal((3, 4)) > 0
    a, b = _any((3, 4)).astype(dtype), _any((4,)).astype(dtype)
    es, ts = compare_with_torch(torch, lambda x, y: ember.where(ember.tensor(c), x, y),
                                lambda x, y: torch.where(torch.tensor(c), x, y), [a, b])
    gradcheck(lambda x, y: ember.where(ember.tensor(c), x, y), [a, b])
    # scalars on either side, and the one-argument form
    x = ember.tensor(a)
    assert_close(ember.where(x > 0, x, 0.0), torch.where(torch.tensor(a) > 0, torch.tensor(a), 0.0))
    idx = ember.where(ember.tensor(c))
    want = torch.where(torch.tensor(c))
    assert len(idx) == 2 and all(assert_close(i, w) is None for i, w in zip(idx, want))


COMPARE = ["==", "!=", "<", "<=", ">", ">="]


@pytest.mark.parametrize("op", COMPARE)
def test_comparisons_give_bool(torch, op):
    a = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]], dtype=np.float32)
    b = np.array([2.0, 2.0, 2.0], dtype=np.float32)
    f = eval(f"lambda x, y: x {op} y")
    for other_e, other_t in ((ember.tensor(b), torch.tensor(b)), (2, 2), (2.0, 2.0),
                             (ember.tensor(2), torch.tensor(2))):
        got, want = f(ember.tensor(a), other_e), f(torch.tensor(a), other_t)
        assert got.dtype == ember.bool
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    # int tensor against a float tensor compares values, not truncated ones
    got = f(ember.tensor([1, 2, 3]), ember.tensor([1.5, 2.0, 2.5]))
    want = f(torch.tensor([1, 2, 3]), torch.tensor([1.5, 2.0, 2.5]))
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_comparison_methods_and_functions():
    a, b = ember.tensor([1, 2, 3]), ember.tensor([3, 2, 1])
    assert ember.eq(a, b).tolist() == [False, True, False]
    assert a.ne(b).tolist() == [True, False, True]
    assert ember.lt(a, b).tolist() == [True, False, False]
    assert a.ge(2).tolist() == [False, True, True]
    assert ember.greater(a, b).tolist() == [False, False, True]
    assert ember.equal(a, a.clone()) and not ember.equal(a, b)
    assert (a == "x") is False  # unlike types: Python's fallback, not an error


def test_logical_and_bitwise_ops(torch):
    p = np.array([True, True, False, False])
    q = np.array([True, False, True, False])
    ep, eq_ = ember.tensor(p), ember.tensor(q)
    tp, tq = torch.tensor(p), torch.tensor(q)
    for f in (lambda x, y: x & y, lambda x, y: x | y, lambda x, y: x ^ y,
              lambda x, y: ~x, lambda x, y: x.logical_and(y), lambda x, y: x.logical_or(y),
              lambda x, y: x.logical_xor(y), lambda x, y: x.logical_not()):
        got, want = f(ep, eq_), f(tp, tq)
        assert got.dtype == ember.bool
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    i, j = np.array([12, 10, -3]), np.array([10, 6, 5])
    for f in (lambda x, y: x & y, lambda x, y: x | y, lambda x, y: x ^ y, lambda x, y: ~x):
        got, want = f(ember.tensor(i), ember.tensor(j)), f(torch.tensor(i), torch.tensor(j))
        assert got.dtype == ember.int64
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    # logical ops of numbers: nonzero is true
    assert ember.logical_and(ember.tensor([0.0, 2.0]), ember.tensor([1.0, 1.0])).tolist() == [
        False, True]


def test_isnan_isinf_isfinite():
    x = ember.tensor([1.0, float("nan"), float("inf"), -float("inf")])
    assert ember.isnan(x).tolist() == [False, True, False, False]
    assert x.isinf().tolist() == [False, False, True, True]
    assert ember.isfinite(x).tolist() == [True, False, False, False]


def test_broadcast_error_names_both_sizes(torch):
    a, b = ember.ones(2, 3), ember.ones(4)
    msg = str(pytest.raises(RuntimeError, lambda: a + b).value)
    with pytest.raises(RuntimeError) as want:
        torch.ones(2, 3) + torch.ones(4)
    assert msg == str(want.value)
    for f in (lambda: a * b, lambda: a / b, lambda: a - b, lambda: ember.maximum(a, b)):
        with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of "
                                               r"tensor b \(4\) at non-singleton dimension 1"):
            f()


def test_ops_on_results_keep_requires_grad_flags():
    x = ember.ones(3, requires_grad=True)
    c = ember.ones(3)
    assert (x * c).requires_grad and not (c * c).requires_grad
    assert (x * c).grad_fn.name() == "MulBackward0"
    assert (c + 1).grad_fn is None and (c + 1).is_leaf


@pytest.mark.parametrize("name,expected", [
    (lambda x: x + 1, "AddBackward0"), (lambda x: x - 1, "SubBackward0"),
    (lambda x: x * x, "MulBackward0"), (lambda x: x / 2, "DivBackward0"),
    (lambda x: x ** 2, "PowBackward0"), (lambda x: x ** x, "PowBackward1"),
    (lambda x: x.exp(), "ExpBackward0"), (lambda x: x.sigmoid(), "SigmoidBackward0"),
    (lambda x: x.relu(), "ReluBackward0"), (lambda x: x.tanh(), "TanhBackward0"),
    (lambda x: -x, "NegBackward0"), (lambda x: x.abs(), "AbsBackward0"),
])
def test_grad_fn_names_match_torch(torch, name, expected):
    e = name(ember.ones(2, requires_grad=True))
    t = name(torch.ones(2, requires_grad=True))
    assert e.grad_fn.name() == expected == t.grad_fn.name()


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
@pytest.mark.parametrize("other", ["same", "rows", "channels", "number"])
def test_large_arithmetic_split_among_threads_gives_the_same_bits(monkeypatch, op, other):
    """A large result's rows are shared among threads (_threads.exact_ufunc); each
    element is correctly rounded whoever computes it, so the bits are those of one call,
    and NumPy's warnings stay off in the workers where the op turns them off."""
    import warnings
    from ember import _threads
    from ember.ops import elementwise
    rng = np.random.default_rng(5)
    a = rng.standard_normal((7, 3, 5, 4)).astype(np.float32)
    a[0, 0, 0] = 0
    b = {"same": rng.standard_normal(a.shape).astype(np.float32),
         "rows": rng.standard_normal((1, 3, 5, 4)).astype(np.float32),
         "channels": rng.standard_normal((3, 1, 1)).astype(np.float32),
         "number": 0.0}[other]
    if isinstance(b, np.ndarray):
        b[..., 0] = 0  # 0 / 0 and x / 0: no warning, as in PyTorch
    monkeypatch.setattr(elementwise, "_LARGE", 1)
    x = ember.tensor(a, requires_grad=True)
    y = ember.tensor(b) if isinstance(b, np.ndarray) else b
    f = {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y, "/": lambda: x / y}[op]
    one = f().detach().numpy().copy()
    monkeypatch.setattr(_threads, "UFUNC_SPLIT", 1)
    with threads(2):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            split = f()
    np.testing.assert_array_equal(split.detach().numpy(), one)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_split_among_threads_gives_the_same_bits(monkeypatch, dtype):
    """A large sigmoid shares its elements among threads (elementwise._sigmoid_array), in
    place too; exp's overflow gives 0 without a warning, as on one thread."""
    import warnings

    from ember.ops import elementwise
    a = np.random.default_rng(5).standard_normal(1001).astype(dtype) * 50
    a[:3] = [-np.inf, np.nan, np.inf]
    one = ember.tensor(a).sigmoid().numpy()
    inplace_one = ember.tensor(a).sigmoid_().numpy()
    monkeypatch.setattr(elementwise, "_SIGMOID_SPLIT", 1)
    with threads(2):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            split = ember.tensor(a).sigmoid().numpy()
            inplace_split = ember.tensor(a).sigmoid_().numpy()
    np.testing.assert_array_equal(split, one)
    np.testing.assert_array_equal(inplace_split, inplace_one)
    np.testing.assert_array_equal(one, inplace_one)
