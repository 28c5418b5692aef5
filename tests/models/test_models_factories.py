import numpy as np
import pytest

import ember
from ember import models, nn


# Parameter counts of the same architectures built with PyTorch (1 input channel, 10
# classes); for the small ones they are also easy to add up by hand, e.g. LeNet:
# 156 + 2416 + 48120 + 10164 + 850.
COUNTS = {"softmax": 7850, "mlp": 203530, "mlp_dropout": 269322, "lenet": 61706,
          "lenet_bn_scratch": 44878, "lenet_bn": 44878, "resnet18": 11178378,
          "densenet": 758226}
SIZES = {"resnet18": 32, "densenet": 32}


@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_factory_shapes_and_parameter_counts(name):
    net = models.get_model(name)
    assert isinstance(net, nn.Module)
    assert sum(p.numel() for p in net.parameters()) == COUNTS[name]
    size = SIZES.get(name, 28)
    net.eval()
    out = net(ember.rand(2, 1, size, size))
    assert out.shape == (2, 10) and out.dtype == ember.float32


@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_factory_options_classes_channels_size(name):
    size = 40 if name in SIZES else 32
    net = models.get_model(name, num_classes=5, in_channels=3, input_size=size)
    net.eval()
    assert net(ember.rand(2, 3, size, size)).shape == (2, 5)


def test_registry_errors():
    with pytest.raises(KeyError, match="unknown model 'vgg'; available: softmax"):
        models.get_model("vgg")


def test_too_small_inputs_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="LeNet needs larger inputs"):
        models.lenet(input_size=8)
    with pytest.raises(ValueError, match="input_size=16 leaves no pixels"):
        models.densenet(input_size=16)


def test_linear_models_use_the_books_initialization():
    ember.manual_seed(0)
    net = models.mlp(num_hiddens=512)
    w = net[1].weight.detach().numpy()
    assert 0.009 < w.std() < 0.011 and abs(w.mean()) < 1e-3
    # Biases keep nn.Linear's default: uniform within 1/sqrt(fan_in).
    assert np.abs(net[1].bias.detach().numpy()).max() <= 1 / np.sqrt(784)


def test_mlp_dropout_is_random_in_training_only():
    net = models.mlp_dropout()
    X = ember.rand(4, 1, 28, 28)
    net.train()
    assert not ember.equal(net(X), net(X))
    net.eval()
    assert ember.equal(net(X), net(X))
    drop = [m for m in net if isinstance(m, nn.Dropout)]
    assert [d.p for d in drop] == [0.2, 0.5]


def _copy_params(src, dst):
    with ember.no_grad():
        for p, q in zip(src.parameters(), dst.parameters()):
            q.copy_(p.reshape(q.shape))


def test_scratch_batchnorm_matches_nn_batchnorm():
    scratch, framework = models.lenet_batchnorm_scratch(), models.lenet_batchnorm()
    _copy_params(scratch, framework)
    X = ember.rand(16, 1, 28, 28)
    np.testing.assert_allclose(scratch(X).detach().numpy(), framework(X).detach().numpy(),
                               atol=1e-5)
    # momentum 0.9 on the old statistics (notes) == momentum 0.1 on the new (PyTorch).
    np.testing.assert_allclose(scratch[1].moving_mean.reshape(-1).numpy(),
                               framework[1].running_mean.numpy(), atol=1e-6)


def test_batch_norm_by_hand():
    X = ember.tensor([[1.0, 2.0], [3.0, 6.0]])
    gamma, beta = ember.tensor([[2.0, 1.0]]), ember.tensor([[0.0, 1.0]])
    Y, mean, var = models.batch_norm(True, X, gamma, beta, ember.zeros(1, 2), ember.ones(1, 2),
                                     eps=0.0, momentum=0.9)
    # Per feature: mean (2, 4), biased variance (1, 4): x_hat = -1, +1.
    assert Y.tolist() == [[-2.0, 0.0], [2.0, 2.0]]
    np.testing.assert_allclose(mean.numpy(), [[0.2, 0.4]], rtol=1e-6)
    np.testing.assert_allclose(var.numpy(), [[1.0, 1.3]], rtol=1e-6)
    Y, _, _ = models.batch_norm(False, X, gamma, beta, mean, var, eps=0.0, momentum=0.9)
    np.testing.assert_allclose(Y.numpy(), (2 * (X.numpy() - [0.2, 0.4]) / np.sqrt([1.0, 1.3]))
                               * [1, 0.5] + [0, 1], rtol=1e-5)
    with pytest.raises(ValueError, match="2-D or 4-D"):
        models.batch_norm(True, ember.ones(2, 3, 4), gamma, beta, mean, var, 1e-5, 0.9)


def test_scratch_batchnorm_layer_state():
    bn = models.BatchNorm(3, num_dims=4)
    assert sorted(bn.state_dict()) == ["beta", "gamma", "moving_mean", "moving_var"]
    assert [n for n, _ in bn.named_parameters()] == ["gamma", "beta"]
    X = ember.randn(8, 3, 5, 5) * 2 + 1
    bn(X)
    assert bn.moving_mean.shape == (1, 3, 1, 1) and not bn.moving_mean.requires_grad
    np.testing.assert_allclose(bn.moving_mean.reshape(-1).numpy(),
                               0.1 * X.numpy().mean(axis=(0, 2, 3)), rtol=1e-5)
    bn.eval()
    Y = bn(X)
    expected = (X.numpy() - bn.moving_mean.numpy()) / np.sqrt(bn.moving_var.numpy() + 1e-5)
    np.testing.assert_allclose(Y.detach().numpy(), expected, rtol=1e-5, atol=1e-5)


def test_dense_and_transition_blocks():
    blk = models.DenseBlock(2, 3, 10)
    Y = blk(ember.rand(4, 3, 8, 8))
    assert blk.out_channels == 23 and Y.shape == (4, 23, 8, 8)
    assert models.transition_block(23, 10)(Y).shape == (4, 10, 4, 4)


def test_gradients_reach_every_parameter():
    for name in ("lenet_bn_scratch", "densenet"):
        net = models.get_model(name, input_size=32)
        net(ember.rand(2, 1, 32, 32)).sum().backward()
        missing = [n for n, p in net.named_parameters() if p.grad is None]
        assert not missing, f"{name}: no gradient for {missing}"
