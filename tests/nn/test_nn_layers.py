"""Linear, normalisation, dropout, reshaping and activation layers against their PyTorch
twins with copied weights, plus finite differences and bad-input errors."""
import numpy as np
import pytest

import ember
from ember import nn
from ember.nn import functional as F
from coreutil import assert_close, compare_with_torch, gradcheck

DTYPES = [np.float64, np.float32]


def _loss(y, lib):
    """A fixed random projection of y plus a square: no gradient cancels out to noise
    (as a plain sum or sum of squares does after a normalisation)."""
    r = np.random.default_rng(99).standard_normal(tuple(y.shape))
    r = lib.tensor(r.astype(str(y.dtype).split(".")[-1]))
    return (y * r).sum() + 0.1 * (y * y).sum()


def twin(torch, em, tm, x, steps=1):
    """Copy tm's state into em, run both on x (as float x.dtype) ``steps`` times in the
    current mode, compare outputs, input and parameter gradients and the state."""
    em.load_state_dict({k: ember.tensor(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})
    for _ in range(steps):
        xe = ember.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        ye, yt = em(xe), tm(xt)
        assert_close(ye, yt)
        assert str(ye.dtype).split(".")[-1] == str(yt.dtype).split(".")[-1]
        if yt.requires_grad:
            _loss(ye, ember).backward()
            _loss(yt, torch).backward()
            assert_close(xe.grad, xt.grad)
    for (n, pe), (_, pt) in zip(em.named_parameters(), tm.named_parameters()):
        assert_close(pe.grad, pt.grad)
    for k, v in tm.state_dict().items():
        assert_close(em.state_dict()[k], v)
    return ye, yt


@pytest.mark.parametrize("dt", DTYPES)
def test_linear_twin(torch, dt):
    em, tm = nn.Linear(5, 3), torch.nn.Linear(5, 3)
    if dt == np.float64:
        em.double(), tm.double()
    x = np.random.default_rng(0).standard_normal((4, 2, 5)).astype(dt)
    twin(torch, em, tm, x)
    assert repr(em) == repr(tm)
    assert repr(nn.Linear(2, 1, bias=False)) == repr(torch.nn.Linear(2, 1, bias=False))


def test_linear_default_init_like_torch():
    lin = nn.Linear(400, 30)
    bound = 1 / np.sqrt(400)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert lin.weight.dtype == ember.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.05 * bound  # uniform's std
    assert np.abs(b).max() <= bound


def test_linear_errors():
    lin = nn.Linear(4, 5)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(2x3 and 4x5\)"):
        lin(ember.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"\(14x3 and 4x5\)"):
        lin(ember.ones(2, 7, 3))
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype, but got "
                                           "Double and Float"):
        lin(ember.ones(2, 4, dtype=ember.float64))


def test_linear_finite_differences():
    rng = np.random.default_rng(1)
    gradcheck(lambda x, w, b: F.linear(x, w, b),
              [rng.standard_normal((3, 4)), rng.standard_normal((2, 4)), rng.standard_normal(2)])


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("kind", ["2d", "1d", "1d3"])
def test_batchnorm_twin_running_stats(torch, dt, kind):
    rng = np.random.default_rng(2)
    if kind == "2d":
        em, tm, shape = nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3), (4, 3, 5, 3)
    elif kind == "1d":
        em, tm, shape = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3), (6, 3)
    else:
        em, tm, shape = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3), (4, 3, 5)
    if dt == np.float64:
        em.double(), tm.double()
    with torch.no_grad():
        tm.weight.uniform_(0.5, 1.5)
        tm.bias.uniform_(-1, 1)
    x = (rng.standard_normal(shape) * 3 + 1).astype(dt)
    twin(torch, em, tm, x, steps=3)
    assert int(em.num_batches_tracked) == 3
    em.eval(), tm.eval()
    twin(torch, em, tm, (rng.standard_normal(shape)).astype(dt))
    assert repr(em) == repr(tm)


@pytest.mark.parametrize("kwargs", [{"momentum": None}, {"affine": False},
                                    {"track_running_stats": False}, {"momentum": 0.3, "eps": 1e-3},
                                    {"bias": False}])
def test_batchnorm_options_twin(torch, kwargs):
    em, tm = nn.BatchNorm2d(2, **kwargs).double(), torch.nn.BatchNorm2d(2, **kwargs).double()
    rng = np.random.default_rng(3)
    for _ in range(3):
        twin(torch, em, tm, rng.standard_normal((3, 2, 4, 4)) * 2 + 0.5)
    em.eval(), tm.eval()
    twin(torch, em, tm, rng.standard_normal((3, 2, 4, 4)))
    assert repr(em) == repr(tm)


def test_batchnorm_finite_differences():
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((3, 2, 2, 3)), rng.standard_normal(2), rng.standard_normal(2)
    gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [x, w, b])
    rm, rv = ember.tensor(rng.standard_normal(2)), ember.tensor(rng.random(2) + 0.5)
    gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), [x, w, b])


def test_batchnorm_running_stats_by_hand():
    """running = (1 - m) * running + m * batch, with the unbiased batch variance."""
    bn = nn.BatchNorm1d(1, momentum=0.25)
    x = ember.tensor([[1.0], [2.0], [6.0]])
    bn(x)
    np.testing.assert_allclose(bn.running_mean.numpy(), [0.75 * 0 + 0.25 * 3.0], rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), [0.75 * 1 + 0.25 * 7.0], rtol=1e-6)


def test_batchnorm_errors():
    bn2 = nn.BatchNorm2d(3)
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        bn2(ember.ones(2, 3, 4))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(ember.ones(2, 3, 4, 5))
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        bn2(ember.ones(2, 4, 4, 4))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(ember.ones(1, 3))


@pytest.mark.parametrize("dt", DTYPES)
def test_layernorm_twin(torch, dt):
    rng = np.random.default_rng(5)
    for shape, kwargs in (((4, 3), {}), ((3, 4), {"elementwise_affine": False}),
                          ((3, 4), {"bias": False})):
        em, tm = nn.LayerNorm(shape, **kwargs), torch.nn.LayerNorm(shape, **kwargs)
        if dt == np.float64:
            em.double(), tm.double()
        if tm.weight is not None:
            with torch.no_grad():
                tm.weight.uniform_(0.5, 1.5)
        twin(torch, em, tm, rng.standard_normal((2,) + shape).astype(dt) * 2 + 1)
        assert repr(em) == repr(tm)
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with "
                                           r"shape \[\*, 4\], but got input of size\[2, 3\]"):
        nn.LayerNorm(4)(ember.ones(2, 3))


def test_layernorm_finite_differences():
    rng = np.random.default_rng(6)
    gradcheck(lambda x, w, b: F.layer_norm(x, (3,), w, b),
              [rng.standard_normal((2, 3)), rng.standard_normal(3), rng.standard_normal(3)])


def test_dropout_scaling_and_eval():
    ember.manual_seed(0)
    d = nn.Dropout(0.25)
    x = ember.ones(200, 50, requires_grad=True)
    y = d(x)
    vals = np.unique(y.detach().numpy())
    np.testing.assert_allclose(vals, [0.0, 1 / 0.75], rtol=1e-6)
    kept = (y.detach().numpy() != 0).mean()
    assert abs(kept - 0.75) < 0.02
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy() != 0, y.detach().numpy() != 0)
    assert y.dtype == ember.float32
    d.eval()
    assert d(x) is x
    assert not nn.Dropout(1.0)(x).detach().numpy().any()
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but "
                                         "got 1.5"):
        nn.Dropout(1.5)


def test_dropout_reproducible_with_seed():
    x = ember.ones(4, 5)
    ember.manual_seed(3)
    a = F.dropout(x, 0.5).numpy()
    ember.manual_seed(3)
    b = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)


def test_flatten_unflatten_identity(torch):
    x = np.random.default_rng(7).standard_normal((2, 3, 4, 5)).astype(np.float32)
    for em, tm in ((nn.Flatten(), torch.nn.Flatten()), (nn.Flatten(0, 2), torch.nn.Flatten(0, 2)),
                   (nn.Unflatten(1, (3, 1)), torch.nn.Unflatten(1, (3, 1))),
                   (nn.Identity(54), torch.nn.Identity(54))):
        twin(torch, em, tm, x)
        assert repr(em) == repr(tm)


ACTIVATIONS = [
    ("ReLU", (), {}), ("Sigmoid", (), {}), ("Tanh", (), {}), ("LeakyReLU", (0.2,), {}),
    ("LeakyReLU", (), {}), ("ELU", (), {"alpha": 0.7}), ("GELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}), ("SiLU", (), {}), ("Softplus", (), {}),
    ("Softplus", (2.0, 3.0), {}), ("Softmax", (1,), {}), ("LogSoftmax", (1,), {}),
    ("Softmax", (-1,), {}), ("PReLU", (), {}), ("PReLU", (3,), {}), ("ReLU6", (), {}),
]


@pytest.mark.parametrize("name,args,kwargs", ACTIVATIONS, ids=lambda v: str(v))
@pytest.mark.parametrize("dt", DTYPES)
def test_activation_twins(torch, name, args, kwargs, dt):
    em, tm = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    if dt == np.float64:
        em.double(), tm.double()
    x = np.random.default_rng(8).standard_normal((4, 3, 5)).astype(dt) * 3
    x[0, 0, :3] = 0.0  # the kinks: gradients there must be PyTorch's choice
    x[1, 1, 0] = 30.0  # above softplus' threshold
    twin(torch, em, tm, x)
    assert repr(em) == repr(tm)


@pytest.mark.parametrize("fn", [
    lambda x: F.leaky_relu(x, 0.1), lambda x: F.elu(x, 1.3), F.gelu,
    lambda x: F.gelu(x, approximate="tanh"), F.silu, lambda x: F.softplus(x, 2.0, 5.0),
    lambda x: F.softmax(x, 1), lambda x: F.log_softmax(x, 0), F.sigmoid, F.tanh,
])
def test_activation_finite_differences(fn):
    x = np.random.default_rng(9).standard_normal((3, 4)) * 2
    gradcheck(fn, [x])


def test_prelu_finite_differences():
    rng = np.random.default_rng(10)
    gradcheck(F.prelu, [rng.standard_normal((2, 3, 4)), rng.random(3)])


def test_softmax_second_derivative(torch):
    """Softmax' backward is built from ops, so it differentiates again."""
    x = np.random.default_rng(11).standard_normal((2, 4))

    def hess_e(x):
        y = (F.log_softmax(x, 1) * ember.arange(4.0, dtype=ember.float64)).sum()
        (g,) = ember.autograd.grad(y, x, create_graph=True)
        return (g * g).sum()

    def hess_t(x):
        y = (torch.nn.functional.log_softmax(x, 1) * torch.arange(4.0, dtype=torch.float64)).sum()
        (g,) = torch.autograd.grad(y, x, create_graph=True)
        return (g * g).sum()

    compare_with_torch(torch, hess_e, hess_t, [x])


def test_softmax_stable_for_huge_logits():
    x = ember.tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    p = F.softmax(x, dim=1).numpy()
    lp = F.log_softmax(x, dim=1).numpy()
    np.testing.assert_allclose(p, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-7)
    assert np.isfinite(lp).all() and lp[0, 0] == 0.0


# (inf - inf in softmax's shift warns, as it did before the column-wise maximum)
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_softmax_over_a_short_last_axis(torch, dtype):
    # Attention scores (batch * heads, queries, keys): the maximum is taken column by column
    # (ops/nn_ops._max_over); the result is bit for bit the plain reduction's, and PyTorch's
    # up to rounding, with NaN, infinities and signed zeros among the scores.
    rng = np.random.default_rng(12)
    for keys in (2, 10, 16):
        x = rng.standard_normal((256, 10, keys)).astype(dtype) * 4
        x[0, 0, 0], x[1, 1, :] = np.nan, -np.inf
        x[2, 2, :2], x[3, 3, :] = (np.inf, 1.0), -0.0
        x[4, 4, :] = 0.0
        x[5, 5, 1] = -0.0
        x[6, 6, :] = -1e4  # a fully masked row
        out = F.softmax(ember.tensor(x), dim=-1).numpy()
        with np.errstate(invalid="ignore"):
            e = np.exp(x - x.max(axis=-1, keepdims=True))
            plain = e / e.sum(axis=-1, keepdims=True)
        assert np.array_equal(out.view(f"u{out.itemsize}"), plain.view(f"u{out.itemsize}")) \
            or np.array_equal(out, plain, equal_nan=True)
        theirs = torch.softmax(torch.tensor(x), dim=-1).numpy()
        np.testing.assert_allclose(out, theirs, rtol=1e-2 if dtype == "float16" else 1e-5,
                                   atol=1e-7)


def test_inplace_activations_keep_identity():
    x = ember.randn(3, 4)
    for fn in (lambda t: F.relu(t, inplace=True), lambda t: F.leaky_relu(t, 0.1, inplace=True),
               lambda t: F.elu(t, inplace=True), lambda t: F.silu(t, inplace=True)):
        y = x.clone()
        assert fn(y) is y
