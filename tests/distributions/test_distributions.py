"""Distributions: the notes' dice experiment, moments, and log_prob/entropy vs PyTorch."""
import math

import numpy as np
import pytest

import ember
from ember.distributions import (Bernoulli, Categorical, Multinomial, Normal, Uniform,
                                 multinomial)


def test_dice_experiment():
    fair_probs = ember.ones([6]) / 6
    counts = multinomial.Multinomial(1000, fair_probs).sample()
    assert counts.shape == (6,) and counts.dtype == ember.float32
    assert float(counts.sum()) == 1000.0
    counts = multinomial.Multinomial(10, fair_probs).sample((500,))
    assert counts.shape == (500, 6)
    np.testing.assert_array_equal(counts.sum(dim=1).numpy(), np.full(500, 10.0))
    cum_counts = counts.cumsum(dim=0)
    estimates = cum_counts / cum_counts.sum(dim=1, keepdims=True)
    p = 1 / 6
    standard_error = math.sqrt(p * (1 - p) / 5000)
    assert np.all(np.abs(estimates[-1].numpy() - p) < 4 * standard_error)


def test_multinomial_batches_and_seed():
    probs = ember.tensor([[0.5, 0.5, 0.0], [0.1, 0.1, 0.8]])
    m = Multinomial(20, probs)
    assert m.batch_shape == (2,) and m.event_shape == (3,)
    s = m.sample((4,))
    assert s.shape == (4, 2, 3)
    assert np.all(s.numpy()[:, 0, 2] == 0)  # an impossible category is never drawn
    ember.manual_seed(3)
    a = m.sample((5,))
    ember.manual_seed(3)
    np.testing.assert_array_equal(a.numpy(), m.sample((5,)).numpy())
    np.testing.assert_allclose(m.mean.numpy(), 20 * probs.numpy())
    np.testing.assert_allclose(m.variance.numpy(), 20 * probs.numpy() * (1 - probs.numpy()))
    # Unnormalised probabilities are normalised, as in PyTorch.
    np.testing.assert_allclose(Multinomial(3, ember.tensor([2.0, 2.0])).probs.numpy(),
                               [0.5, 0.5])
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count"):
        Multinomial(ember.tensor(3.0), probs)


def test_multinomial_log_prob_by_hand():
    m = Multinomial(3, ember.tensor([0.2, 0.3, 0.5]))
    # P(1, 1, 1) = 3! * 0.2 * 0.3 * 0.5
    assert math.isclose(float(m.log_prob(ember.tensor([1.0, 1.0, 1.0]))),
                        math.log(6 * 0.2 * 0.3 * 0.5), rel_tol=1e-5)
    with pytest.raises(ValueError, match="support"):
        m.log_prob(ember.tensor([4.0, 0.0, 0.0]))


def test_log_prob_gradient_flows():
    logits = ember.tensor([0.1, 0.2, 0.3], requires_grad=True)
    Multinomial(4, logits=logits).log_prob(ember.tensor([2.0, 1.0, 1.0])).backward()
    # d/dlogits of sum(x * log_softmax(logits)) = x - n * softmax(logits)
    sm = np.exp(logits.detach().numpy()) / np.exp(logits.detach().numpy()).sum()
    np.testing.assert_allclose(logits.grad.numpy(), np.array([2.0, 1.0, 1.0]) - 4 * sm,
                               rtol=1e-5)
    loc = ember.tensor(0.5, requires_grad=True)
    Normal(loc, 2.0).log_prob(ember.tensor(1.5)).backward()
    assert math.isclose(float(loc.grad), (1.5 - 0.5) / 4.0, rel_tol=1e-6)


def test_normal_and_uniform_rsample():
    loc = ember.tensor([1.0, -1.0], requires_grad=True)
    scale = ember.tensor([0.5, 2.0], requires_grad=True)
    x = Normal(loc, scale).rsample((1000,))
    assert x.shape == (1000, 2) and x.requires_grad
    x.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [1000.0, 1000.0])
    z = (x.detach().numpy() - [1.0, -1.0]) / [0.5, 2.0]
    np.testing.assert_allclose(scale.grad.numpy(), z.sum(0), rtol=1e-4)
    assert abs(z.mean()) < 0.1 and abs(z.std() - 1) < 0.1
    assert not Normal(loc, scale).sample((3,)).requires_grad
    low = ember.tensor(2.0, requires_grad=True)
    u = Uniform(low, 5.0).rsample((2000,))
    assert 2.0 <= float(u.min()) and float(u.max()) < 5.0
    assert abs(float(u.mean()) - 3.5) < 0.1
    u.sum().backward()
    assert 0 < float(low.grad) < 2000  # d(low + u (high - low))/dlow = 1 - u


def test_categorical_and_bernoulli_sampling():
    probs = ember.tensor([0.1, 0.0, 0.6, 0.3])
    s = Categorical(probs).sample((20000,))
    assert s.dtype == ember.int64 and s.shape == (20000,)
    freq = np.bincount(s.numpy(), minlength=4) / 20000
    assert freq[1] == 0 and np.all(np.abs(freq - probs.numpy()) < 0.02)
    batch = Categorical(logits=ember.zeros(3, 5)).sample((7,))
    assert batch.shape == (7, 3)
    b = Bernoulli(ember.tensor([0.2, 0.9])).sample((10000,))
    assert b.dtype == ember.float32 and set(np.unique(b.numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(b.numpy().mean(0), [0.2, 0.9], atol=0.02)


def test_argument_validation():
    with pytest.raises(ValueError, match="Expected parameter scale"):
        Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified"):
        Categorical()
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        Bernoulli(probs=0.5, logits=0.0)
    with pytest.raises(ValueError, match="Expected parameter probs"):
        Bernoulli(1.5)
    with pytest.raises(ValueError, match="must be a Tensor"):
        Normal(0.0, 1.0).log_prob(0.5)
    Normal(0.0, -1.0, validate_args=False)  # accepted when asked not to check
    with pytest.raises(ValueError, match="support"):
        Uniform(0.0, 1.0).log_prob(ember.tensor(2.0))


def _pair(torch, name):
    """An ember distribution and its PyTorch twin on the same float32 parameters."""
    rng = np.random.default_rng(0)
    p3 = rng.random((2, 3)).astype(np.float32)
    p3 /= p3.sum(-1, keepdims=True)
    t, e = torch.tensor, ember.tensor
    if name == "normal":
        loc, scale = rng.normal(size=4).astype(np.float32), rng.random(4).astype(np.float32) + .5
        return (Normal(e(loc), e(scale)), torch.distributions.Normal(t(loc), t(scale)),
                rng.normal(size=(3, 4)).astype(np.float32))
    if name == "uniform":
        low, high = np.float32([0.0, -1.0]), np.float32([2.0, 3.0])
        return (Uniform(e(low), e(high)), torch.distributions.Uniform(t(low), t(high)),
                np.float32([[0.5, 0.0], [1.9, 2.5]]))
    if name == "bernoulli":
        p = rng.random(5).astype(np.float32)
        return (Bernoulli(e(p)), torch.distributions.Bernoulli(t(p)),
                np.float32([[0, 1, 1, 0, 1], [1, 1, 0, 0, 0]]))
    if name == "bernoulli_logits":
        lg = rng.normal(size=5).astype(np.float32) * 3
        return (Bernoulli(logits=e(lg)), torch.distributions.Bernoulli(logits=t(lg)),
                np.float32([0, 1, 1, 0, 1]))
    if name == "categorical":
        return (Categorical(e(p3)), torch.distributions.Categorical(t(p3)),
                np.array([[0, 2], [1, 1], [2, 0]]))
    if name == "categorical_logits":
        lg = rng.normal(size=(2, 3)).astype(np.float32)
        return (Categorical(logits=e(lg)), torch.distributions.Categorical(logits=t(lg)),
                np.array([2, 0]))
    if name == "multinomial":
        return (Multinomial(6, e(p3)), torch.distributions.Multinomial(6, t(p3)),
                np.float32([[[1, 2, 3], [6, 0, 0]], [[0, 0, 6], [2, 2, 2]]]))
    raise KeyError(name)


NAMES = ["normal", "uniform", "bernoulli", "bernoulli_logits", "categorical",
         "categorical_logits", "multinomial"]


@pytest.mark.parametrize("name", NAMES)
def test_against_torch(torch, name):
    ours, ref, value = _pair(torch, name)
    assert tuple(ours.batch_shape) == tuple(ref.batch_shape)
    assert tuple(ours.event_shape) == tuple(ref.event_shape)
    lp = ours.log_prob(ember.tensor(value)).numpy()
    np.testing.assert_allclose(lp, ref.log_prob(torch.tensor(value)).numpy(), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(ours.entropy().numpy(), ref.entropy().numpy(), rtol=1e-5,
                               atol=1e-6)
    for moment in ("mean", "variance"):
        np.testing.assert_allclose(getattr(ours, moment).numpy(),
                                   getattr(ref, moment).numpy(), rtol=1e-5, atol=1e-7)
    sample = ours.sample((3,))
    assert tuple(sample.shape) == tuple(ref.sample((3,)).shape)
    assert sample.dtype.numpy_dtype == ref.sample().numpy().dtype


def test_entropies_by_hand():
    assert math.isclose(float(Normal(0.0, 1.0).entropy()), 0.5 * math.log(2 * math.pi * math.e),
                        rel_tol=1e-6)
    assert math.isclose(float(Uniform(0.0, 4.0).entropy()), math.log(4.0), rel_tol=1e-6)
    assert math.isclose(float(Bernoulli(0.5).entropy()), math.log(2.0), rel_tol=1e-6)
    assert math.isclose(float(Categorical(ember.ones(4)).entropy()), math.log(4.0),
                        rel_tol=1e-6)
    # Multinomial(1, p) is a categorical draw written as a one-hot vector.
    p = ember.tensor([0.2, 0.3, 0.5])
    assert math.isclose(float(Multinomial(1, p).entropy()), float(Categorical(p).entropy()),
                        rel_tol=1e-5)
