"""Printing tensors: ``repr``/``str``/``format`` must read exactly as PyTorch's.

Two kinds of checks: literal expected strings (PyTorch's output for these values, written
out, so the suite means something without PyTorch), and side-by-side comparisons with
PyTorch over a random grid of shapes, values, dtypes and print options. The only allowed
difference is the module name in ``dtype=ember.float64``, normalized before comparing.
"""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember
from ember import _tensor_str


def text(t):
    return repr(t).replace("ember.", "torch.")


@pytest.fixture(autouse=True)
def _default_printoptions():
    """Every test starts and ends with default options, in ember and (if loaded) in torch."""
    ember.set_printoptions(profile="default")
    yield
    ember.set_printoptions(profile="default")
    import sys
    if "torch" in sys.modules:
        sys.modules["torch"].set_printoptions(profile="default")


# --------------------------------------------------------------------------------------
# Literal expectations (PyTorch 2.13's output for the same values)
# --------------------------------------------------------------------------------------
nan, inf = math.nan, math.inf

LITERALS = [
    (lambda: ember.tensor([1., 2., 3.]), "tensor([1., 2., 3.])"),
    (lambda: ember.tensor(3.5), "tensor(3.5000)"),
    (lambda: ember.tensor(7), "tensor(7)"),
    (lambda: ember.tensor(0.), "tensor(0.)"),
    (lambda: ember.tensor([1.5, -2.25, 10.0]), "tensor([ 1.5000, -2.2500, 10.0000])"),
    (lambda: ember.tensor([1e-5, 1.]), "tensor([1.0000e-05, 1.0000e+00])"),
    (lambda: ember.tensor([1e9, 2.]), "tensor([1.0000e+09, 2.0000e+00])"),
    (lambda: ember.tensor([0.01, 20.5]), "tensor([1.0000e-02, 2.0500e+01])"),
    (lambda: ember.tensor([0., -0.]), "tensor([0., -0.])"),
    (lambda: ember.tensor([nan, inf, -inf, 1.]), "tensor([nan, inf, -inf, 1.])"),
    (lambda: ember.tensor([nan, 0.5, -inf]), "tensor([   nan, 0.5000,   -inf])"),
    (lambda: ember.arange(-3, 12),
     "tensor([-3, -2, -1,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11])"),
    (lambda: ember.tensor([True, False, True]), "tensor([ True, False,  True])"),
    (lambda: ember.tensor([0, 255, 7], dtype=ember.uint8),
     "tensor([  0, 255,   7], dtype=torch.uint8)"),
    (lambda: ember.tensor([[1, -20], [300, 4]], dtype=ember.int32),
     "tensor([[  1, -20],\n"
     "        [300,   4]], dtype=torch.int32)"),
    (lambda: ember.tensor([0.1, 0.2], dtype=ember.float64),
     "tensor([0.1000, 0.2000], dtype=torch.float64)"),
    (lambda: ember.tensor([]), "tensor([])"),
    (lambda: ember.zeros(0, 3), "tensor([], size=(0, 3))"),
    (lambda: ember.tensor([], dtype=ember.int64), "tensor([], dtype=torch.int64)"),
    (lambda: ember.zeros(2, 0, 1, dtype=ember.bool),
     "tensor([], size=(2, 0, 1), dtype=torch.bool)"),
    (lambda: ember.arange(30.) / 7,
     "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n"
     "        1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n"
     "        2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n"
     "        3.8571, 4.0000, 4.1429])"),
    (lambda: ember.arange(0, 3000, 100),
     "tensor([   0,  100,  200,  300,  400,  500,  600,  700,  800,  900, 1000, 1100,\n"
     "        1200, 1300, 1400, 1500, 1600, 1700, 1800, 1900, 2000, 2100, 2200, 2300,\n"
     "        2400, 2500, 2600, 2700, 2800, 2900])"),
    (lambda: ember.arange(6.).reshape(2, 3) - 2.5,
     "tensor([[-2.5000, -1.5000, -0.5000],\n"
     "        [ 0.5000,  1.5000,  2.5000]])"),
    (lambda: ember.arange(12).reshape(2, 3, 2),
     "tensor([[[ 0,  1],\n"
     "         [ 2,  3],\n"
     "         [ 4,  5]],\n"
     "\n"
     "        [[ 6,  7],\n"
     "         [ 8,  9],\n"
     "         [10, 11]]])"),
    (lambda: ember.arange(8.).reshape(2, 1, 2, 2),
     "tensor([[[[0., 1.],\n"
     "          [2., 3.]]],\n"
     "\n"
     "\n"
     "        [[[4., 5.],\n"
     "          [6., 7.]]]])"),
    (lambda: ember.arange(24.).reshape(2, 12) * 1.25,
     "tensor([[ 0.0000,  1.2500,  2.5000,  3.7500,  5.0000,  6.2500,  7.5000,  8.7500,\n"
     "         10.0000, 11.2500, 12.5000, 13.7500],\n"
     "        [15.0000, 16.2500, 17.5000, 18.7500, 20.0000, 21.2500, 22.5000, 23.7500,\n"
     "         25.0000, 26.2500, 27.5000, 28.7500]])"),
    (lambda: ember.arange(2000), "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"),
    # Summarized: only the edges choose the format (here sci, from 0 < 1 ... 1199).
    (lambda: ember.arange(1200.).reshape(40, 30),
     "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 2.7000e+01, 2.8000e+01,\n"
     "         2.9000e+01],\n"
     "        [3.0000e+01, 3.1000e+01, 3.2000e+01,  ..., 5.7000e+01, 5.8000e+01,\n"
     "         5.9000e+01],\n"
     "        [6.0000e+01, 6.1000e+01, 6.2000e+01,  ..., 8.7000e+01, 8.8000e+01,\n"
     "         8.9000e+01],\n"
     "        ...,\n"
     "        [1.1100e+03, 1.1110e+03, 1.1120e+03,  ..., 1.1370e+03, 1.1380e+03,\n"
     "         1.1390e+03],\n"
     "        [1.1400e+03, 1.1410e+03, 1.1420e+03,  ..., 1.1670e+03, 1.1680e+03,\n"
     "         1.1690e+03],\n"
     "        [1.1700e+03, 1.1710e+03, 1.1720e+03,  ..., 1.1970e+03, 1.1980e+03,\n"
     "         1.1990e+03]])"),
    (lambda: ember.tensor([1., 2.], requires_grad=True),
     "tensor([1., 2.], requires_grad=True)"),
    (lambda: ember.tensor([1., 2.], requires_grad=True) * 2,
     "tensor([2., 4.], grad_fn=<MulBackward0>)"),
    (lambda: (ember.tensor([1., 2.], requires_grad=True) * 2).sum(),
     "tensor(6., grad_fn=<SumBackward0>)"),
    # A suffix that would pass 80 columns goes on its own line, under "tensor(".
    (lambda: ember.arange(10, dtype=ember.float64).reshape(2, 5) * 1000.5,
     "tensor([[   0.0000, 1000.5000, 2001.0000, 3001.5000, 4002.0000],\n"
     "        [5002.5000, 6003.0000, 7003.5000, 8004.0000, 9004.5000]],\n"
     "       dtype=torch.float64)"),
    (lambda: ember.arange(10, dtype=ember.float64).reshape(1, 10).requires_grad_(),
     "tensor([[0., 1., 2., 3., 4., 5., 6., 7., 8., 9.]], dtype=torch.float64,\n"
     "       requires_grad=True)"),
]


@pytest.mark.parametrize("make, expected", LITERALS)
def test_repr_literal(make, expected):
    assert text(make()) == expected


def test_summarized_3d_separates_slices_and_rows_with_ellipses():
    lines = text(ember.arange(1024).reshape(8, 8, 16)).split("\n")
    assert lines[0] == "tensor([[[   0,    1,    2,  ...,   13,   14,   15],"
    assert lines[3] == "         ...,"
    assert lines[7:10] == ["", "        [[ 128,  129,  130,  ...,  141,  142,  143],",
                           "         [ 144,  145,  146,  ...,  157,  158,  159],"]
    assert lines.count("        ...,") == 1
    assert lines[-1] == "         [1008, 1009, 1010,  ..., 1021, 1022, 1023]]])"


def test_str_and_print_match_repr(capsys):
    t = ember.tensor([[1.5, 2.0], [3.0, -4.25]])
    assert str(t) == repr(t)
    print(t)
    assert capsys.readouterr().out == repr(t) + "\n"


def test_detached_and_no_grad_results_have_no_suffix():
    x = ember.tensor([1., 2.], requires_grad=True)
    assert text(x.detach()) == "tensor([1., 2.])"
    with ember.no_grad():
        assert text(x * 2) == "tensor([2., 4.])"


def test_default_dtype_decides_which_float_dtype_is_shown():
    ember.set_default_dtype(ember.float64)
    try:
        assert text(ember.tensor([0.5], dtype=ember.float64)) == "tensor([0.5000])"
        assert text(ember.tensor([0.5], dtype=ember.float32)) == (
            "tensor([0.5000], dtype=torch.float32)")
        assert text(ember.tensor([])) == "tensor([])"
        assert text(ember.tensor([], dtype=ember.float32)) == (
            "tensor([], dtype=torch.float32)")
    finally:
        ember.set_default_dtype(ember.float32)


# --------------------------------------------------------------------------------------
# Print options
# --------------------------------------------------------------------------------------
def test_set_printoptions_precision_threshold_and_profiles():
    ember.set_printoptions(precision=2)
    assert text(ember.tensor([1.12345])) == "tensor([1.12])"
    ember.set_printoptions(threshold=5)
    assert text(ember.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    ember.set_printoptions(profile="default")
    assert text(ember.tensor([1.12345])) == "tensor([1.1235])"
    assert text(ember.arange(10)) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"
    ember.set_printoptions(profile="short")
    assert text(ember.arange(1001)) == "tensor([   0,    1,  ...,  999, 1000])"
    ember.set_printoptions(profile="full")
    assert "..." not in text(ember.arange(5000))


def test_get_printoptions_round_trips():
    assert ember.get_printoptions() == dict(precision=4, threshold=1000, edgeitems=3,
                                            linewidth=80, sci_mode=None)
    ember.set_printoptions(precision=6, linewidth=100, sci_mode=True)
    saved = ember.get_printoptions()
    ember.set_printoptions(profile="short")
    # sci_mode is reset by any call that leaves it out, as in PyTorch.
    assert ember.get_printoptions()["sci_mode"] is None
    ember.set_printoptions(**saved)
    assert ember.get_printoptions() == saved


def test_printoptions_context_manager_restores():
    with _tensor_str.printoptions(precision=1):
        assert text(ember.tensor([0.25, 1.5])) == "tensor([0.2, 1.5])"
    assert text(ember.tensor([0.25, 1.5])) == "tensor([0.2500, 1.5000])"


def test_sci_mode_forced_and_disabled():
    ember.set_printoptions(sci_mode=True)
    assert text(ember.tensor([1.5, 2.])) == "tensor([1.5000e+00, 2.0000e+00])"
    # With nothing finite and nonzero there is nothing to choose a notation for.
    assert text(ember.tensor([0., nan])) == "tensor([0., nan])"
    ember.set_printoptions(sci_mode=False)
    assert text(ember.tensor([1e-5, 1e9])) == "tensor([         0.0000, 1000000000.0000])"


def test_linewidth_and_edgeitems_zero():
    ember.set_printoptions(linewidth=20)
    assert text(ember.arange(6)) == "tensor([0, 1, 2, 3,\n        4, 5])"
    ember.set_printoptions(linewidth=80, edgeitems=0, threshold=3)
    assert text(ember.arange(6)) == "tensor([...], size=(6,))"


# --------------------------------------------------------------------------------------
# format()
# --------------------------------------------------------------------------------------
def test_format_zero_dim_delegates_to_python_number():
    loss = ember.tensor(0.123456)
    assert f"{loss:f}" == f"{float(np.float32(0.123456)):f}" == "0.123456"
    assert f"{loss:.3f}" == "0.123"
    assert f"{ember.tensor(42):5d}" == "   42"
    assert f"{ember.tensor(True)}" == "True"
    assert format(ember.tensor(2.5, requires_grad=True) * 2, ".1f") == "5.0"


def test_format_of_non_scalar():
    t = ember.tensor([1., 2.])
    assert f"{t}" == str(t) == "tensor([1., 2.])"
    with pytest.raises(TypeError, match="unsupported format string passed to Tensor.__format__"):
        f"{t:.2f}"


# --------------------------------------------------------------------------------------
# Side by side with PyTorch
# --------------------------------------------------------------------------------------
DTYPES = ["float32", "float64", "int64", "int32", "uint8", "bool"]


def _random_values(rng, shape, dtype):
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype in ("int64", "int32", "uint8"):
        hi = int(rng.choice([9, 1000, 2**31 - 1]))
        lo = 0 if dtype == "uint8" else -hi
        info = np.iinfo(dtype)
        return rng.integers(max(lo, info.min), min(hi, info.max), size=shape,
                            endpoint=True).astype(dtype)
    scale = 10.0 ** int(rng.integers(-12, 14))
    kind = int(rng.integers(0, 7))
    if kind == 0:
        x = rng.standard_normal(shape)
    elif kind == 1:      # integer-valued floats
        x = np.round(rng.standard_normal(shape) * 100)
    elif kind == 2:      # one magnitude, small or large
        x = rng.standard_normal(shape) * scale
    elif kind == 3:      # many magnitudes at once
        x = rng.standard_normal(shape) * 10.0 ** rng.integers(-8, 9, size=shape)
    elif kind == 4:      # the special values
        x = rng.choice([0.0, -0.0, nan, inf, -inf, 1.0, -2.5, 1e-5, 1e9], size=shape)
    elif kind == 5:      # large integer-valued floats
        x = np.round(rng.standard_normal(shape) * scale)
    else:                # values that round up to a wider number (9.99999 -> 10.0000)
        x = rng.random(shape) * 9.99999
    with np.errstate(over="ignore"):
        return np.asarray(x).astype(dtype)


def _random_shape(rng):
    r = rng.random()
    if r < 0.1:
        return ()
    if r < 0.15:
        return tuple(int(n) for n in rng.integers(0, 3, size=int(rng.integers(1, 4))))
    if r < 0.2:
        return (int(rng.integers(1001, 2500)),)
    if r < 0.25:
        return (int(rng.integers(30, 50)), int(rng.integers(30, 50)))
    if r < 0.3:
        return tuple(int(n) for n in rng.integers(1, 30, size=int(rng.integers(1, 4))))
    return tuple(int(n) for n in rng.integers(1, 6, size=int(rng.integers(1, 5))))


def _pair(torch, arr, grad):
    """The same tensor in ember and torch; grad: 0 none, 1 leaf requiring grad, 2 result."""
    e, t = ember.tensor(arr), torch.tensor(arr)
    if grad:
        e.requires_grad_()
        t.requires_grad_()
    if grad == 2:
        e, t = e * 1, t * 1
    return e, t


def test_random_grid_matches_torch(torch):
    rng = np.random.default_rng(2024)
    for _ in range(400):
        dtype = DTYPES[int(rng.integers(0, len(DTYPES)))]
        arr = _random_values(rng, _random_shape(rng), dtype)
        grad = int(rng.integers(0, 3)) if dtype.startswith("float") else 0
        e, t = _pair(torch, arr, grad)
        assert text(e) == repr(t), (dtype, arr.shape)


def test_random_grid_with_printoptions_matches_torch(torch):
    rng = np.random.default_rng(7)
    for _ in range(300):
        if rng.random() < 0.2:
            opts = dict(profile=str(rng.choice(["default", "short", "full"])))
        else:
            opts = dict(precision=int(rng.integers(0, 9)),
                        threshold=[0, 1, 5, 20, 1000, math.inf][int(rng.integers(0, 6))],
                        edgeitems=int(rng.integers(0, 4)), linewidth=int(rng.integers(5, 120)),
                        sci_mode=[None, True, False][int(rng.integers(0, 3))])
        ember.set_printoptions(**opts)
        torch.set_printoptions(**opts)
        dtype = DTYPES[int(rng.integers(0, len(DTYPES)))]
        arr = _random_values(rng, _random_shape(rng), dtype)
        grad = int(rng.integers(0, 3)) if dtype.startswith("float") else 0
        e, t = _pair(torch, arr, grad)
        assert text(e) == repr(t), (opts, dtype, arr.shape)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hnp.arrays(dtype=st.sampled_from([np.float32, np.float64]),
                  shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=12)))
def test_hypothesis_floats_match_torch(torch, arr):
    assert text(ember.tensor(arr)) == repr(torch.tensor(arr))


def test_format_matches_torch(torch):
    for value in (0.123456, -3.0, 1e-7, 12345.678):
        for spec in ("", "f", ".3f", "e", "10.2g", ">12"):
            assert format(ember.tensor(value), spec) == format(torch.tensor(value), spec)
