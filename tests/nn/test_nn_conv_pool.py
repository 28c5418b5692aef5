"""Conv2d and pooling: against PyTorch over a grid of settings (odd sizes included), by
finite differences without PyTorch, and their errors."""
import numpy as np
import pytest

import ember
from ember import nn
from ember.nn import functional as F
from coreutil import assert_close, compare_with_torch, gradcheck

DTYPES = [np.float64, np.float32]

# (N, C, O, H, W, kernel, stride, padding, dilation, groups)
CONV_CASES = [
    (2, 3, 4, 7, 6, (3, 3), 1, 0, 1, 1),
    (2, 3, 4, 7, 6, (3, 2), 1, 1, 1, 1),
    (2, 4, 6, 9, 8, (3, 3), 2, 1, 1, 2),
    (1, 4, 4, 8, 7, (2, 3), (2, 1), (1, 0), (2, 1), 4),
    (2, 3, 6, 10, 9, (5, 5), 1, 2, 2, 3),
    (3, 2, 3, 5, 5, (1, 1), 1, 0, 1, 1),
    (2, 3, 4, 7, 7, (3, 3), 3, 0, 1, 1),
    (2, 2, 2, 6, 6, (3, 3), 1, "same", 2, 1),
    (2, 2, 2, 6, 5, (4, 4), 1, "same", 1, 1),
    (2, 2, 3, 6, 5, (3, 3), 1, "valid", 1, 1),
    (2, 6, 3, 9, 9, (3, 3), 1, 1, 1, 1),
    (2, 3, 2, 12, 12, (7, 7), 2, 3, 1, 1),
    (1, 1, 1, 3, 3, (3, 3), 1, 0, 1, 1),
    (2, 1, 5, 11, 11, (5, 5), 1, 0, 1, 1),
    (2, 8, 3, 5, 4, (3, 3), 1, 4, 1, 1),
]


@pytest.mark.parametrize("case", CONV_CASES, ids=[str(c) for c in CONV_CASES])
@pytest.mark.parametrize("dt", DTYPES)
def test_conv2d_matches_torch(torch, case, dt):
    N, C, O, H, W, k, s, p, d, g = case
    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, C, H, W)).astype(dt)
    w = rng.standard_normal((O, C // g) + k).astype(dt)
    b = rng.standard_normal(O).astype(dt)
    compare_with_torch(torch, lambda x, w, b: F.conv2d(x, w, b, s, p, d, g),
                       lambda x, w, b: torch.nn.functional.conv2d(x, w, b, s, p, d, g), [x, w, b])


def test_conv2d_no_bias_and_unbatched(torch):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 6, 5))
    w = rng.standard_normal((2, 3, 2, 2))
    compare_with_torch(torch, lambda x, w: F.conv2d(x, w, padding=1),
                       lambda x, w: torch.nn.functional.conv2d(x, w, padding=1), [x, w])


def test_conv2d_module_twin(torch):
    """The module with copied weights, in float32, including padding_mode='reflect'."""
    for kwargs in ({"stride": 2, "padding": 1}, {"padding": 2, "padding_mode": "reflect"},
                   {"padding": "same", "dilation": 2, "bias": False}):
        tm = torch.nn.Conv2d(4, 6, 3, groups=2, **kwargs)
        em = nn.Conv2d(4, 6, 3, groups=2, **kwargs)
        em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
        x = np.random.default_rng(3).standard_normal((2, 4, 9, 8)).astype(np.float32)
        xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ye, yt = em(xe), tm(xt)
        assert_close(ye, yt)
        ye.square().sum().backward()
        yt.square().sum().backward()
        assert_close(xe.grad, xt.grad)
        assert_close(em.weight.grad, tm.weight.grad)
        assert repr(em) == repr(tm)
        assert ye.dtype == ember.float32


def test_conv1d_matches_torch(torch):
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((2, 4, 11)), rng.standard_normal((6, 2, 3)), rng.standard_normal(6)
    compare_with_torch(torch, lambda x, w, b: F.conv1d(x, w, b, 2, 1, 1, 2),
                       lambda x, w, b: torch.nn.functional.conv1d(x, w, b, 2, 1, 1, 2), [x, w, b])


@pytest.mark.parametrize("case", [CONV_CASES[2], CONV_CASES[3], CONV_CASES[8], CONV_CASES[10]])
def test_conv2d_finite_differences(case):
    N, C, O, H, W, k, s, p, d, g = case
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, C, min(H, 6), min(W, 6)))
    w = rng.standard_normal((O, C // g) + k)
    b = rng.standard_normal(O)
    gradcheck(lambda x, w, b: F.conv2d(x, w, b, s, p, d, g), [x, w, b])


def test_conv2d_float32_end_to_end():
    conv = nn.Conv2d(3, 4, 3, padding=1)
    x = ember.randn(2, 3, 5, 5, requires_grad=True)
    y = conv(x)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == conv.weight.grad.dtype == ember.float32


def test_conv2d_default_init_bounds():
    conv = nn.Conv2d(3, 8, 5)
    bound = 1 / np.sqrt(3 * 25)  # kaiming_uniform(a=sqrt(5)) == U(-1/sqrt(fan_in), ..)
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.8 * bound


def test_conv2d_errors():
    conv = nn.Conv2d(3, 5, 3)
    w_before = conv.weight.detach().numpy().copy()
    with pytest.raises(RuntimeError, match=r"Given groups=1, weight of size \[5, 3, 3, 3\], "
                       r"expected input\[2, 4, 8, 8\] to have 3 channels, but got 4 channels "
                       "instead"):
        conv(ember.ones(2, 4, 8, 8))
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input "
                       r"to conv2d, but got input of size: \[8, 8\]"):
        conv(ember.ones(8, 8))
    with pytest.raises(RuntimeError, match=r"Kernel size can't be greater than actual input"):
        conv(ember.ones(1, 3, 2, 2))
    with pytest.raises(RuntimeError, match="Input type \\(double\\) and bias type \\(float\\)"):
        conv(ember.ones(1, 3, 5, 5, dtype=ember.float64))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 6, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(3, 6, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string 'foo'"):
        nn.Conv2d(3, 6, 3, padding="foo")
    np.testing.assert_array_equal(conv.weight.detach().numpy(), w_before)


# ----- pooling -----------------------------------------------------------------------------
# (N, C, H, W, kernel, stride, padding, dilation, ceil_mode)
POOL_CASES = [
    (2, 3, 7, 6, 2, 2, 0, 1, False),
    (2, 3, 7, 6, 3, 2, 1, 1, True),
    (2, 3, 9, 8, 3, 1, 1, 2, False),
    (1, 2, 5, 5, 2, None, 0, 1, True),
    (2, 2, 8, 8, (3, 2), (2, 1), (1, 0), 1, True),
    (1, 1, 4, 4, 4, 4, 0, 1, False),
    (2, 2, 11, 9, 3, 3, 1, 1, True),
]


@pytest.mark.parametrize("case", POOL_CASES, ids=[str(c) for c in POOL_CASES])
@pytest.mark.parametrize("dt", DTYPES)
def test_max_pool2d_matches_torch(torch, case, dt):
    N, C, H, W, k, s, p, d, cm = case
    x = np.random.default_rng(6).standard_normal((N, C, H, W)).astype(dt)
    tf = torch.nn.functional
    for data in (x, np.maximum(x, 0)):  # the second has ties: the gradient must go where torch's goes
        compare_with_torch(torch, lambda x: F.max_pool2d(x, k, s, p, d, cm),
                           lambda x: tf.max_pool2d(x, k, s, p, d, cm), [data])
        oe, ie = F.max_pool2d(ember.tensor(data), k, s, p, d, cm, return_indices=True)
        ot, it = tf.max_pool2d(torch.tensor(data), k, s, p, d, cm, return_indices=True)
        np.testing.assert_array_equal(ie.numpy(), it.numpy())


@pytest.mark.parametrize("case", [c for c in POOL_CASES if c[7] == 1], ids=str)
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("dt", DTYPES)
def test_avg_pool2d_matches_torch(torch, case, count_include_pad, dt):
    N, C, H, W, k, s, p, _, cm = case
    x = np.random.default_rng(7).standard_normal((N, C, H, W)).astype(dt)
    compare_with_torch(torch, lambda x: F.avg_pool2d(x, k, s, p, cm, count_include_pad),
                       lambda x: torch.nn.functional.avg_pool2d(x, k, s, p, cm, count_include_pad),
                       [x])


def test_avg_pool2d_divisor_override(torch):
    x = np.random.default_rng(8).standard_normal((1, 2, 6, 6))
    compare_with_torch(torch, lambda x: F.avg_pool2d(x, 3, 2, 1, divisor_override=4),
                       lambda x: torch.nn.functional.avg_pool2d(x, 3, 2, 1, divisor_override=4), [x])


ADAPTIVE = [((7, 6), (3, 2)), ((8, 8), (4, 4)), ((5, 7), (1, 1)), ((5, 7), (2, 3)),
            ((6, 6), (4, 5)), ((9, 9), (None, 2)), ((4, 4), 4)]


@pytest.mark.parametrize("hw,out", ADAPTIVE, ids=str)
@pytest.mark.parametrize("dt", DTYPES)
def test_adaptive_pools_match_torch(torch, hw, out, dt):
    x = np.random.default_rng(9).standard_normal((2, 3) + hw).astype(dt)
    tf = torch.nn.functional
    compare_with_torch(torch, lambda x: F.adaptive_avg_pool2d(x, out),
                       lambda x: tf.adaptive_avg_pool2d(x, out), [x])
    for data in (x, np.maximum(x, 0)):
        compare_with_torch(torch, lambda x: F.adaptive_max_pool2d(x, out),
                           lambda x: tf.adaptive_max_pool2d(x, out), [data])
    _, ie = F.adaptive_max_pool2d(ember.tensor(x), out, return_indices=True)
    _, it = tf.adaptive_max_pool2d(torch.tensor(x), out, return_indices=True)
    np.testing.assert_array_equal(ie.numpy(), it.numpy())


def test_pool_modules_repr_and_unbatched(torch):
    pairs = [(nn.MaxPool2d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
             (nn.AvgPool2d(2), torch.nn.AvgPool2d(2)),
             (nn.AdaptiveAvgPool2d((1, 1)), torch.nn.AdaptiveAvgPool2d((1, 1))),
             (nn.AdaptiveMaxPool2d(2), torch.nn.AdaptiveMaxPool2d(2))]
    x = np.random.default_rng(10).standard_normal((3, 7, 7)).astype(np.float32)
    for em, tm in pairs:
        assert repr(em) == repr(tm)
        assert_close(em(ember.tensor(x)), tm(torch.tensor(x)))


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    lambda x: F.max_pool2d(x, 2, 1, 0, 2),
    lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda x: F.avg_pool2d(x, 2),
    lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
    lambda x: F.adaptive_max_pool2d(x, (3, 2)),
    lambda x: F.adaptive_avg_pool2d(x, 1),
])
def test_pooling_finite_differences(fn):
    # Distinct values so that no max is tied (finite differences need a smooth point).
    x = np.random.default_rng(11).permutation(2 * 5 * 6).reshape(1, 2, 5, 6) / 7.0
    gradcheck(fn, [x])


def test_pooling_errors():
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
        F.max_pool2d(ember.ones(1, 1, 8, 8), 4, padding=3)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        F.max_pool2d(ember.ones(1, 1, 2, 2), 4)
    with pytest.raises(RuntimeError, match="non-empty 3D or 4D"):
        nn.MaxPool2d(2)(ember.ones(2, 3))


def test_max_pool_keeps_float32_and_sends_tie_gradient_to_first():
    x = ember.zeros(1, 1, 2, 2, requires_grad=True)
    y = F.max_pool2d(x, 2)
    y.sum().backward()
    assert y.dtype == ember.float32
    np.testing.assert_array_equal(x.grad.numpy().ravel(), [1, 0, 0, 0])


@pytest.mark.parametrize("numpy_path", [False, True])
@pytest.mark.parametrize("kwargs", [dict(kernel_size=2, stride=1, padding=1),
                                    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)])
def test_max_pool_window_of_padding_and_minus_inf_points_inside(kwargs, numpy_path):
    """A window whose real elements are all -inf ties with its padding: PyTorch points at the
    first element inside the input, so the gradient reaches the input."""
    torch = pytest.importorskip("torch")
    from ember import _numba
    x = np.array([[[[-np.inf, 1.0, -np.inf], [-np.inf, -np.inf, 2.0], [-np.inf] * 3]]],
                 dtype=np.float32)
    xt = torch.tensor(x, requires_grad=True)
    yt, it = torch.nn.functional.max_pool2d(xt, return_indices=True, **kwargs)
    yt.sum().backward()
    xe = ember.tensor(x, requires_grad=True)
    if numpy_path:
        with _numba.disabled():
            ye, ie = F.max_pool2d(xe, return_indices=True, **kwargs)
            ye.sum().backward()
    else:
        ye, ie = F.max_pool2d(xe, return_indices=True, **kwargs)
        ye.sum().backward()
    np.testing.assert_array_equal(ye.detach().numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(ie.numpy(), it.numpy())
    np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())
