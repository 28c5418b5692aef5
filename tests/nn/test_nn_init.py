"""nn.init: PyTorch's fan and gain conventions, bounds and moments of the draws,
reproducibility with the global seed, and use on parameters that require grad."""
import math

import numpy as np
import pytest

import ember
from ember import nn
from ember.nn import init


def test_calculate_gain_like_torch(torch):
    for name, param in (("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                        ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                        ("selu", None)):
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param))
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")


def test_fans_like_torch(torch):
    for shape in ((5, 3), (6, 4, 3, 2), (2, 3, 7)):
        assert init._calculate_fan_in_and_fan_out(ember.empty(shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(ember.empty(3))


def _stats(fn, shape=(200, 300)):
    w = nn.Parameter(ember.empty(shape))
    out = fn(w)
    assert out is w and w.requires_grad and w.dtype == ember.float32
    return w.detach().numpy()


def test_uniform_normal_constant_family():
    a = _stats(lambda w: init.uniform_(w, -2, 3))
    assert a.min() >= -2 and a.max() <= 3 and abs(a.mean() - 0.5) < 0.05
    n = _stats(lambda w: init.normal_(w, 1.0, 0.5))
    assert abs(n.mean() - 1.0) < 0.01 and abs(n.std() - 0.5) < 0.01
    assert (_stats(lambda w: init.constant_(w, 0.3)) == np.float32(0.3)).all()
    assert (_stats(init.ones_) == 1).all() and (_stats(init.zeros_) == 0).all()
    np.testing.assert_array_equal(_stats(init.eye_, (3, 4)), np.eye(3, 4))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(ember.empty(2, 2, 2))
    t = _stats(lambda w: init.trunc_normal_(w, 0, 1, -0.5, 0.5))
    assert t.min() >= -0.5 and t.max() <= 0.5


def test_xavier_and_kaiming_scales():
    fan_in, fan_out = 300, 200
    a = math.sqrt(6 / (fan_in + fan_out))
    x = _stats(init.xavier_uniform_)
    assert np.abs(x).max() <= a and np.abs(x).max() > 0.99 * a
    xn = _stats(lambda w: init.xavier_normal_(w, gain=2.0))
    assert abs(xn.std() - 2 * math.sqrt(2 / (fan_in + fan_out))) < 0.002
    k = _stats(lambda w: init.kaiming_uniform_(w, nonlinearity="relu"))
    bound = math.sqrt(2) * math.sqrt(3 / fan_in)
    assert np.abs(k).max() <= bound and np.abs(k).max() > 0.99 * bound
    kn = _stats(lambda w: init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"))
    assert abs(kn.std() - math.sqrt(2 / fan_out)) < 0.002
    conv = _stats(lambda w: init.kaiming_uniform_(w, a=math.sqrt(5)), (8, 3, 5, 5))
    assert np.abs(conv).max() <= 1 / math.sqrt(75)
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ember.empty(2, 2), mode="fan_avg")


def test_orthogonal_and_dirac():
    q = _stats(init.orthogonal_, (4, 6))
    np.testing.assert_allclose(q @ q.T, np.eye(4), atol=1e-5)
    d = _stats(init.dirac_, (3, 3, 3, 3))
    assert d.sum() == 3 and d[1, 1, 1, 1] == 1


def test_seeded_and_generator_reproducible():
    ember.manual_seed(7)
    a = init.normal_(ember.empty(5)).numpy().copy()
    ember.manual_seed(7)
    b = init.normal_(ember.empty(5)).numpy().copy()
    np.testing.assert_array_equal(a, b)
    g1, g2 = ember.Generator().manual_seed(3), ember.Generator().manual_seed(3)
    np.testing.assert_array_equal(init.uniform_(ember.empty(4), generator=g1).numpy(),
                                  init.uniform_(ember.empty(4), generator=g2).numpy())


def test_init_on_parameters_in_apply_like_the_notes():
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))

    def init_weights(m):
        if type(m) == nn.Linear:
            nn.init.normal_(m.weight, std=0.01)

    net.apply(init_weights)
    w = net[1].weight.detach().numpy()
    assert abs(w.std() - 0.01) < 0.001 and net[1].weight.requires_grad
    net[3].weight.data.normal_(0, 0.01)
    net[3].bias.data.fill_(0)
    assert not net[3].bias.detach().numpy().any()
    y = net(ember.ones(2, 1, 28, 28))
    y.sum().backward()
    assert net[1].weight.grad.shape == (256, 784)
