"""``arange`` and ``linspace`` bit for bit against PyTorch (issue 13): random draws over
dtypes, signs and lengths, the notes' prints digit for digit, and the errors."""
import math

import numpy as np
import pytest

import ember

FLOATS = ["float32", "float64", "float16"]
INTS = ["int64", "int32", "int16", "int8", "uint8"]


def _bits(a):
    """The values as raw bits (so -0.0 differs from 0.0 and every NaN is compared)."""
    a = np.ascontiguousarray(a)
    return a.view(f"u{a.itemsize}") if a.dtype.kind == "f" else a


def _outcome(fn, lib, *args, **kw):
    try:
        t = fn(lib)(*args, **kw)
    except Exception as e:  # noqa: BLE001 - the class and words are what is compared
        return type(e).__name__, str(e)
    return str(t.dtype).split(".")[1], _bits(t.numpy()).tolist()


def _same(torch, fn, *args, dtype=None):
    kw = {} if dtype is None else {"dtype": getattr(ember, dtype)}
    tkw = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    assert _outcome(fn, ember, *args, **kw) == _outcome(fn, torch, *args, **tkw), (args, dtype)


def _arange_draws(rng, n):
    """(start, end, step): decimal steps, awkward fractions, negative steps, integer and
    mixed arguments, lengths past the kernel's vector blocks."""
    for _ in range(n):
        step = float(rng.choice([0.1, 0.3, 1 / 3, 0.7, 0.05, 2.5, float(rng.uniform(1e-3, 3))]))
        step = -step if rng.random() < 0.35 else step
        start = float(rng.choice([round(float(rng.uniform(-20, 20)), 1),
                                  float(rng.uniform(-20, 20)), float(rng.integers(-20, 20))]))
        end = start + step * float(rng.integers(0, 150)) + float(rng.uniform(-0.5, 0.5)) * step
        yield start, end, step


@pytest.mark.parametrize("dtype", FLOATS)
def test_arange_floats_bit_for_bit(torch, dtype):
    rng = np.random.default_rng(["float32", "float64", "float16"].index(dtype))
    for start, end, step in _arange_draws(rng, 400):
        _same(torch, lambda m: m.arange, start, end, step, dtype=dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_arange_exact_integers_in_floats(torch, dtype):
    # Integer start and step with every value exact in the type: the direct fast path,
    # signed zeros included, and the general path just past the exact range.
    limit = {"float16": 2 ** 11, "float32": 2 ** 24, "float64": 2 ** 53}[dtype]
    cases = [(10,), (0.0, 10.0), (-0.0, 5.0), (-0.0, -5.0, -1.0), (0.0, -5.0, -1.0),
             (-3.0, 3.0), (5.0, -70.0, -2.0), (-40.0, 40.0, 7.0), (0.0, 1000.0, 3.0),
             (limit - 100.0, limit), (limit - 100.0, limit + 3.0), (-limit, -limit + 50.0, 3.0),
             (-limit - 2.0, -limit + 50.0, 3.0)]
    rng = np.random.default_rng(3)
    for _ in range(100):
        start, step = float(rng.integers(-300, 300)), float(rng.integers(-9, 10) or 1)
        cases.append((start, start + step * float(rng.integers(0, 150)) + 0.4 * step, step))
    for args in cases:
        _same(torch, lambda m: m.arange, *args, dtype=dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_arange_from_negative_zero_with_a_fractional_step(torch, dtype):
    # The general path: its first value is start + step * 0, -0.0 + -0.0 = -0.0 (an exact
    # sum of zeros keeps the sign; the rounding check once rebuilt it as +0.0).
    for args in [(-0.0, -1.0, -0.5), (-0.0, 2.0, 0.5), (0.0, -1.0, -0.5), (-0.0, -90.0, -0.3)]:
        _same(torch, lambda m: m.arange, *args, dtype=dtype)


@pytest.mark.parametrize("dtype", INTS)
def test_arange_integers_as_torch(torch, dtype):
    rng = np.random.default_rng(7)
    for start, end, step in _arange_draws(rng, 150):
        _same(torch, lambda m: m.arange, start, end, step, dtype=dtype)
    for args in [(10,), (-3, 40, 7), (40, -3, -7), (0.5, 5), (2, -7, -2.5), (0, 300)]:
        _same(torch, lambda m: m.arange, *args, dtype=dtype)


def test_arange_default_dtypes_and_long_ranges(torch):
    for args in [(5,), (2.5,), (1, 10, 3), (1, 10.0), (0, 1000, 0.37), (-8.0, 8.0, 0.1),
                 (0, 16000, 0.5), (1e6, 1e6 + 4000, 0.25), (-1e-3, 1e-3, 1e-6)]:
        _same(torch, lambda m: m.arange, *args)


@pytest.mark.parametrize("dtype", FLOATS + INTS)
def test_linspace_bit_for_bit(torch, dtype):
    rng = np.random.default_rng(11)
    for _ in range(300):
        if dtype in INTS:
            lo, hi = (-100, 100) if dtype != "uint8" else (0, 255)
            start, end = (int(v) for v in rng.integers(lo, hi, 2))
        else:
            start, end = (float(v) for v in rng.choice(
                [rng.uniform(-10, 10, 2), rng.integers(-5, 5, 2).astype(float),
                 np.array([-1.0, 1.0]), rng.uniform(-1e4, 1e4, 2)]))
        _same(torch, lambda m: m.linspace, start, end, int(rng.integers(0, 200)), dtype=dtype)


def test_linspace_edges_as_torch(torch):
    for args, dtype in [((0, 1, 0), None), ((0, 1, 1), None), ((3.5, -2, 2), None),
                        ((0, math.inf, 3), None), ((-math.inf, 0, 4), None),
                        ((0, math.nan, 3), None), ((2.7, 5, 1), "int64"),
                        ((-1, 1, 5), "uint8"), ((0, 300, 3), "uint8"), ((0, 1, 5), "bool"),
                        ((0, 1, -1), None), ((1e39, 0, 3), "float32"), ((0, 1e5, 3), "float16"),
                        ((-100, 100, 100), None), ((1, 1, 7), "float64")]:
        _same(torch, lambda m: m.linspace, *args, dtype=dtype)


def test_arange_errors_as_torch(torch):
    for args, dtype in [((0, 10, 0), None), ((0, math.inf), None), ((math.nan,), None),
                        ((10, 0), None), ((0, 10, -1), None), ((0, 10, 0.3), "int64"),
                        ((3,), "bool"), ((0, 1e20, 1e-5), None), ((5, 5), None),
                        ((0, 10, math.nan), None), ((-0.5, 0.5, 0.25), "float16")]:
        _same(torch, lambda m: m.arange, *args, dtype=dtype)


def test_the_notes_prints_digit_for_digit(torch):
    """The notes print these (sigmoid, tanh and ReLU plots): PyTorch's -2.98e-09 and
    4.44e-16 where the naive formulas give 0, so every digit of the repr matters."""
    for make in (lambda m: m.linspace(-1, 1, 10, requires_grad=True),
                 lambda m: m.linspace(-100, 100, 100, requires_grad=True),
                 lambda m: m.linspace(-1, 1, 21),
                 lambda m: m.arange(-8.0, 8.0, 0.1, requires_grad=True),
                 lambda m: m.arange(-8.0, 8.0, 0.1, dtype=m.float64),
                 lambda m: m.arange(0.0, 1.0, 0.1)):
        e, t = make(ember), make(torch)
        np.testing.assert_array_equal(_bits(e.detach().numpy()), _bits(t.detach().numpy()))
        assert repr(e).replace("ember", "torch") == repr(t)
        assert repr(e.detach()[75:85]).replace("ember", "torch") == repr(t.detach()[75:85])
    assert ember.arange(-8.0, 8.0, 0.1)[80].item() == torch.arange(-8.0, 8.0, 0.1)[80].item() \
        == 4.440892098500626e-16


def test_fused_multiply_add_rounds_once():
    """The emulated FMA (a step times integer indices, plus a start) against exact
    arithmetic, with ties, powers of two and float32 double roundings among the cases."""
    from fractions import Fraction
    from ember.ops._ranges import _fma, _round
    rng = np.random.default_rng(3)
    b = np.concatenate([rng.integers(-(1 << 30), 1 << 30, 300), np.arange(-40, 40)]).astype(float)
    cases = [(float(a), c) for a in rng.uniform(-10, 10, 6)
             for c in (0.0, float(rng.uniform(-1e3, 1e3)), rng.uniform(-1, 1, b.size))]
    cases += [(1 / 3, -1.0), (1 - 2 ** -53, 1.0), (2 ** -30, 2 ** -60), (0.1, -8.0),
              (2 ** -24, 1.0), (3.0, 2.0 ** 53), (1.5, -0.75)]
    for dtype in (np.dtype(np.float64), np.dtype(np.float32)):
        for a, c in cases:
            got = _fma(a, b, c, dtype)
            cs = np.broadcast_to(c, b.shape)
            want = [_round(Fraction(a) * Fraction(y) + Fraction(float(z)), dtype)
                    for y, z in zip(b, cs)]
            np.testing.assert_array_equal(_bits(got), _bits(np.array(want, dtype=dtype)))
