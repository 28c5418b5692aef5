import numpy as np
import pytest

import ember
from ember import d2l, nn


def test_linreg_and_squared_loss():
    X = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    w = ember.tensor([[0.5], [-1.0]])
    y_hat = d2l.linreg(X, w, 1.0)
    assert y_hat.tolist() == [[-0.5], [-1.5]]
    loss = d2l.squared_loss(y_hat, ember.tensor([0.5, -3.5]))  # y is reshaped like y_hat
    assert loss.shape == (2, 1)
    assert loss.reshape(-1).tolist() == [0.5, 2.0]


def test_sgd_updates_by_the_mean_gradient_and_zeroes_it():
    w = ember.tensor([1.0, 2.0], requires_grad=True)
    (w * ember.tensor([3.0, 4.0])).sum().backward()
    d2l.sgd([w], lr=0.5, batch_size=2)
    assert w.tolist() == [1.0 - 0.5 * 3 / 2, 2.0 - 0.5 * 4 / 2]
    assert w.grad.tolist() == [0.0, 0.0]
    assert w.requires_grad and w.is_leaf


def test_corr2d_the_books_example():
    X = ember.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    K = ember.tensor([[0.0, 1.0], [2.0, 3.0]])
    assert d2l.corr2d(X, K).tolist() == [[19.0, 25.0], [37.0, 43.0]]


def test_corr2d_edge_detection_and_gradients():
    X = ember.ones((6, 8))
    X[:, 2:6] = 0
    Y = d2l.corr2d(X, ember.tensor([[1.0, -1.0]]))
    assert Y.shape == (6, 7)
    assert Y[0].tolist() == [0, 1, 0, 0, 0, -1, 0]
    Xd = ember.rand(5, 6, dtype=ember.float64, requires_grad=True)
    Kd = ember.rand(2, 3, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(d2l.corr2d, (Xd, Kd))
    with pytest.raises(ValueError, match="larger than the input"):
        d2l.corr2d(ember.ones(2, 2), ember.ones(3, 3))


def test_flatten_and_global_avg_pool():
    X = ember.rand(2, 3, 4, 5)
    assert d2l.FlattenLayer()(X).shape == (2, 60)
    out = d2l.GlobalAvgPool2d()(X)
    assert out.shape == (2, 3, 1, 1)
    np.testing.assert_allclose(out.numpy()[..., 0, 0], X.numpy().mean(axis=(2, 3)), rtol=1e-6)


def test_residual_shapes_and_identity_path():
    X = ember.rand(4, 3, 6, 6)
    blk = d2l.Residual(3, 3)
    assert blk.conv3 is None
    assert blk(X).shape == (4, 3, 6, 6)
    blk = d2l.Residual(3, 6, use_1x1conv=True, stride=2)
    assert blk(X).shape == (4, 6, 3, 3)
    assert d2l.Residual(3, 6, use_1x1conv=True, strides=2)(X).shape == (4, 6, 3, 3)
    # With the convolution branch zeroed out, the block is relu(X) + the BN bias (0).
    blk = d2l.Residual(3, 3)
    with ember.no_grad():
        blk.bn2.weight.zero_()
    np.testing.assert_allclose(blk(X - 0.5).detach().numpy(),
                               np.maximum((X - 0.5).numpy(), 0), atol=1e-6)


def test_resnet18_small_image_variant():
    net = d2l.resnet18(10, in_channels=1)
    # The same architecture built in PyTorch has 11,175,818 parameters.
    assert sum(p.numel() for p in net.parameters()) == 11175818
    net.eval()
    assert net(ember.rand(2, 1, 16, 16)).shape == (2, 10)
    with pytest.raises(ValueError, match="keeps the channels"):
        d2l.resnet_block(3, 6, 2, first_block=True)


def test_d2l_layers_are_modules():
    assert isinstance(d2l.FlattenLayer(), nn.Module)
    assert "conv1" in dict(d2l.Residual(2, 2).named_children())
