"""Signs of zero and infinity, and nan placement, as PyTorch 2.13 gives them (issue 13's
value divergences): each program runs in ember and in PyTorch (``L``), and its results,
gradients included, must agree bit for bit in sign wherever they are zero or infinite."""
import numpy as np
import pytest

import ember
from coreutil import assert_close

inf, nan = float("inf"), float("nan")
SPECIAL = [-inf, -2.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 4.0, inf, nan]


def _leaf(L, values, dtype="float32", requires_grad=True):
    return L.tensor(np.array(values, dtype=dtype), requires_grad=requires_grad)


def _with_grad(f, values, dtype="float32"):
    """A program: ``f`` of a leaf holding ``values``, and the leaf's gradient after
    backward from the result's sum."""
    def program(L):
        x = _leaf(L, values, dtype)
        y = f(L, x)
        y.sum().backward()
        return [y, x.grad]
    return program


def _mm(a, b, dtype="float64"):
    def program(L):
        x, w = _leaf(L, a, dtype), _leaf(L, b, dtype)
        y = x @ w
        y.sum().backward()
        return [y, x.grad, w.grad]
    return program


PROGRAMS = {
    # PyTorch computes ** 0.5 as sqrt and ** -0.5 as rsqrt; the gradient of ** 0.5 is
    # 0.5 * x ** -0.5, so rsqrt again
    "pow 0.5": _with_grad(lambda L, x: x ** 0.5, SPECIAL),
    "pow -0.5": _with_grad(lambda L, x: x ** -0.5, SPECIAL),
    "pow -0.5 float64": _with_grad(lambda L, x: x ** -0.5, SPECIAL, "float64"),
    "pow 0.5 and -0.5 of 0-d tensors": lambda L: [
        y for v in SPECIAL for y in _with_grad(lambda L, x: x ** -0.5 + x ** 0.5, v)(L)],
    "pow 1.5 (its gradient takes ** 0.5)": _with_grad(lambda L, x: x ** 1.5, SPECIAL),
    "pow -1, -2, 3": _with_grad(lambda L, x: x ** -1 + x ** -2 + x ** 3, SPECIAL),
    # a tensor exponent is C's pow, even a single 0.5 (NumPy would take sqrt)
    "pow, a 0-d tensor exponent 0.5": _with_grad(
        lambda L, x: x ** L.tensor(0.5), SPECIAL),
    "pow, a tensor exponent 1.5 (its gradient takes ** 0.5)": _with_grad(
        lambda L, x: L.pow(x, L.tensor([1.5])), SPECIAL),
    "rsqrt": _with_grad(lambda L, x: L.rsqrt(x), SPECIAL),
    "reciprocal": _with_grad(lambda L, x: L.reciprocal(x), SPECIAL),
    "relu keeps -0.0": _with_grad(lambda L, x: L.relu(x), SPECIAL),
    "elu keeps -0.0": _with_grad(lambda L, x: L.nn.functional.elu(x), SPECIAL),
    "clamp(min=0) keeps -0.0": _with_grad(lambda L, x: L.clamp(x, min=0.0), SPECIAL),
    "clamp(max=-0.0) keeps +0.0": _with_grad(lambda L, x: L.clamp(x, max=-0.0), SPECIAL),
    "clamp(0, 0) keeps both zeros": _with_grad(lambda L, x: L.clamp(x, 0.0, 0.0), SPECIAL),
    "floor division of zeros and by zeros": _with_grad(
        lambda L, x: L.div(x, L.tensor([-0.0, 0.0, 3.0, -3.0] * 2 + [1.0] * 3),
                           rounding_mode="floor"), SPECIAL),
    "cumsum sums from +0.0": _with_grad(
        lambda L, x: L.cumsum(x.reshape(3, 4), dim=1) ** -1,
        [-0.0, -0.0, 0.0, -0.0, -0.0, 1.0, -1.0, -0.0, 0.0, -0.0, -0.0, -0.0]),
    "cumsum of one element per row passes the gradient through": _with_grad(
        lambda L, x: L.cumsum(x.reshape(2, 1), dim=1), [-0.0, 0.0]),
    # one product per element: gemm (a result of at least 2 x 2) keeps the product's
    # sign; gemv and dot add it to +0.0; inf * 0 is nan everywhere
    "mm, (2, 1) @ (1, 2)": _mm([[-0.5], [-1.5]], [[0.0, -0.0]]),
    "mm, (2, 1) @ (1, 1)": _mm([[-0.75], [inf]], [[0.0]]),
    "mm, (1, 1) @ (1, 3)": _mm([[-0.0]], [[1.0, -1.0, inf]]),
    "matmul, (2, 3, 1) @ (1, 2)": _mm([[[-0.0], [1.0], [inf]]] * 2, [[0.0, -1.0]]),
    "dot of one element": _mm([-0.0], [1.0]),
    "mv, (2, 1) @ (1,)": _mm([[-0.0], [inf]], [0.0]),
    "linear with an inf input and a zero weight": lambda L: [L.nn.functional.linear(
        _leaf(L, [[inf], [-2.0]]), _leaf(L, [[0.0]]), _leaf(L, [3.0]))],
    "linear, one input feature to four": lambda L: [L.nn.functional.linear(
        _leaf(L, [[-0.0], [1.0], [2.0]]), _leaf(L, [[1.0], [-0.0], [0.0], [-2.0]]))],
    "conv1d, one product per output": lambda L: [L.nn.functional.conv1d(
        _leaf(L, [[[0.0]]]), _leaf(L, [[[2.0]], [[-0.5]]]), None, padding=1)],
    "conv2d, one output channel per group": lambda L: [L.nn.functional.conv2d(
        _leaf(L, np.full((1, 2, 2, 2), -0.0)), _leaf(L, [[[[1.0]]], [[[2.0]]]]), groups=2)],
    "conv2d float64 batch, two channels, stride": lambda L: [L.nn.functional.conv2d(
        _leaf(L, np.full((2, 1, 3, 3), 0.0), "float64"),
        _leaf(L, [[[[-1.0]]], [[[1.0]]]], "float64"), stride=(1, 2), padding=1)],
    # dilated: PyTorch's dilated convolution adds the products to a zeroed output
    "conv1d, one product per output, dilated": lambda L: [L.nn.functional.conv1d(
        _leaf(L, [[[0.0, -1.0]]] * 2, "float64"), _leaf(L, [[[-0.5]], [[2.0]]], "float64"),
        None, padding=1, dilation=2)],
    "conv2d, one product per output, dilated in one dim": lambda L: [L.nn.functional.conv2d(
        _leaf(L, np.full((1, 1, 2, 2), -0.0)), _leaf(L, [[[[1.0]]], [[[-2.0]]]]),
        padding=1, dilation=(2, 1))],
}


def _signs(a):
    """Sign bits of the zeros and infinities of ``a`` (elsewhere False)."""
    return np.signbit(a) & ((a == 0) | np.isinf(a))


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_signs_as_pytorch(torch, name):
    got, want = PROGRAMS[name](ember), PROGRAMS[name](torch)
    for g, w in zip(got, want):
        a, e = g.detach().numpy(), w.detach().numpy()
        assert_close(g, w)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(e))
        np.testing.assert_array_equal(_signs(a), _signs(e), err_msg=f"{a} != {e}")


def test_a_bool_exponent_has_no_gradient(torch):
    """PyTorch's pow gradient takes exponent - 1, which a bool tensor refuses."""
    for L in (ember, torch):
        x = L.zeros((2, 3), requires_grad=True)
        y = L.pow(x, L.tensor(True))
        with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool"):
            y.sum().backward()


@pytest.mark.parametrize("threads", [1, 2])
def test_single_product_conv_signs_follow_the_thread_count(torch, threads):
    """PyTorch convolves a float32 batch with a 1 x 1 kernel through oneDNN (-0.0 becomes
    +0.0) with several threads, through its gemm (the sign kept) with one; ember reads its
    own set_num_threads as PyTorch does."""
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(threads)
        ember.set_num_threads(threads)
        for N, groups, stride in [(2, 1, 1), (1, 2, 1), (2, 1, 2), (16, 1, 1), (1, 1, 1)]:
            def program(L):
                x = L.tensor(np.full((N, 2, 1, 6), -1.0, "float32"))
                w = L.tensor(np.zeros((4, 2 // groups, 1, 1), "float32"))
                return L.nn.functional.conv2d(x, w, stride=stride, groups=groups).numpy()
            np.testing.assert_array_equal(_signs(program(ember)), _signs(program(torch)),
                                          err_msg=f"N={N} groups={groups} stride={stride}")
    finally:
        torch.set_num_threads(before)
        ember.set_num_threads(None)
