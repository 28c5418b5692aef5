"""The notes' networks, ported: the hand-written batch_norm / BatchNorm module in LeNet,
DenseBlock, transition_block and DenseNet, built once with ember and once with PyTorch from
the same source; printouts, state dicts, outputs and gradients compared."""
import io
from contextlib import redirect_stdout

import numpy as np
import pytest

import ember
from coreutil import assert_close


def build(torch, nn):
    """The notes' code, verbatim but for the library it is given."""

    def batch_norm(is_training, X, gamma, beta, moving_mean, moving_var, eps, momentum):
        if not is_training:
            X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
        else:
            assert len(X.shape) in (2, 4)
            if len(X.shape) == 2:
                mean = X.mean(dim=0)
                var = ((X - mean) ** 2).mean(dim=0)
            else:
                mean = X.mean(dim=0, keepdim=True).mean(dim=2, keepdim=True).mean(dim=3, keepdim=True)
                var = ((X - mean) ** 2).mean(dim=0, keepdim=True).mean(dim=2, keepdim=True).mean(dim=3, keepdim=True)
            X_hat = (X - mean) / torch.sqrt(var + eps)
            moving_mean = momentum * moving_mean + (1.0 - momentum) * mean
            moving_var = momentum * moving_var + (1.0 - momentum) * var
        Y = gamma * X_hat + beta
        return Y, moving_mean, moving_var

    class BatchNorm(nn.Module):
        def __init__(self, num_features, num_dims):
            super(BatchNorm, self).__init__()
            if num_dims == 2:
                shape = (1, num_features)
            else:
                shape = (1, num_features, 1, 1)
            self.gamma = nn.Parameter(torch.ones(shape))
            self.beta = nn.Parameter(torch.zeros(shape))
            self.moving_mean = torch.zeros(shape)
            self.moving_var = torch.zeros(shape)

        def forward(self, X):
            if self.moving_mean.device != X.device:
                self.moving_mean = self.moving_mean.to(X.device)
                self.moving_var = self.moving_var.to(X.device)
            Y, self.moving_mean, self.moving_var = batch_norm(
                self.training, X, self.gamma, self.beta, self.moving_mean,
                self.moving_var, eps=1e-5, momentum=0.9)
            return Y

    class FlattenLayer(nn.Module):  # d2l.FlattenLayer
        def forward(self, x):
            return x.view(x.shape[0], -1)

    class GlobalAvgPool2d(nn.Module):  # d2l.GlobalAvgPool2d
        def forward(self, x):
            return nn.functional.avg_pool2d(x, kernel_size=x.size()[2:])

    lenet = nn.Sequential(
        nn.Conv2d(1, 6, 5), BatchNorm(6, num_dims=4), nn.Sigmoid(), nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, 5), BatchNorm(16, num_dims=4), nn.Sigmoid(), nn.MaxPool2d(2, 2),
        FlattenLayer(),
        nn.Linear(16 * 4 * 4, 120), BatchNorm(120, num_dims=2), nn.Sigmoid(),
        nn.Linear(120, 84), BatchNorm(84, num_dims=2), nn.Sigmoid(),
        nn.Linear(84, 10))

    lenet_bn = nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.BatchNorm2d(6), nn.Sigmoid(), nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.BatchNorm2d(16), nn.Sigmoid(), nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(16 * 4 * 4, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
        nn.Linear(84, 10))

    def conv_block(in_channels, out_channels):
        return nn.Sequential(nn.BatchNorm2d(in_channels), nn.ReLU(),
                             nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))

    class DenseBlock(nn.Module):
        def __init__(self, num_convs, in_channels, out_channels):
            super(DenseBlock, self).__init__()
            net = []
            for i in range(num_convs):
                in_c = in_channels + i * out_channels
                net.append(conv_block(in_c, out_channels))
            self.net = nn.ModuleList(net)
            self.out_channels = in_channels + num_convs * out_channels

        def forward(self, X):
            for blk in self.net:
                Y = blk(X)
                X = torch.cat((X, Y), dim=1)
            return X

    def transition_block(in_channels, out_channels):
        return nn.Sequential(nn.BatchNorm2d(in_channels), nn.ReLU(),
                             nn.Conv2d(in_channels, out_channels, kernel_size=1),
                             nn.AvgPool2d(kernel_size=2, stride=2))

    def densenet(num_convs_in_dense_blocks=(4, 4, 4, 4), growth_rate=32):
        net = nn.Sequential(
            nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3),
            nn.BatchNorm2d(64), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
        num_channels = 64
        for i, num_convs in enumerate(num_convs_in_dense_blocks):
            DB = DenseBlock(num_convs, num_channels, growth_rate)
            net.add_module("DenseBlosk_%d" % i, DB)
            num_channels = DB.out_channels
            if i != len(num_convs_in_dense_blocks) - 1:
                net.add_module("transition_block_%d" % i,
                               transition_block(num_channels, num_channels // 2))
                num_channels = num_channels // 2
        net.add_module("BN", nn.BatchNorm2d(num_channels))
        net.add_module("relu", nn.ReLU())
        net.add_module("global_avg_pool", GlobalAvgPool2d())
        net.add_module("fc", nn.Sequential(FlattenLayer(), nn.Linear(num_channels, 10)))
        return net

    return dict(lenet=lenet, lenet_bn=lenet_bn, DenseBlock=DenseBlock,
                transition_block=transition_block, densenet=densenet)


@pytest.fixture(scope="module")
def both(torch):
    from ember import nn as enn
    ember.manual_seed(0)
    torch.manual_seed(0)
    return build(ember, enn), build(torch, torch.nn)


def copy_weights(src_torch, dst_ember):
    """Copy every parameter and buffer of a torch module into its ember twin."""
    dst_ember.load_state_dict({k: ember.tensor(v.detach().numpy().copy())
                               for k, v in src_torch.state_dict().items()})


def assert_grads_close(ne, nt):
    """All parameter gradients, as one vector: the conv biases in front of a batch norm have
    a zero gradient in exact arithmetic, so each side holds rounding noise there, which is
    only comparable on the scale of the whole gradient."""
    ge = np.concatenate([p.grad.numpy().ravel() for p in ne.parameters()])
    gt = np.concatenate([p.grad.numpy().ravel() for p in nt.parameters()])
    assert_close(ge, gt, rtol=1e-4)


def test_print_lenet_and_densenet_like_torch(both):
    e, t = both
    for name in ("lenet", "lenet_bn"):
        assert str(e[name]) == str(t[name])
    assert str(e["densenet"]()) == str(t["densenet"]())
    assert repr(e["DenseBlock"](2, 3, 10)) == repr(t["DenseBlock"](2, 3, 10))


def test_state_dict_keys_and_shapes_like_torch(both):
    e, t = both
    for ne, nt in ((e["lenet"], t["lenet"]), (e["lenet_bn"], t["lenet_bn"]),
                   (e["densenet"](), t["densenet"]())):
        se, st = ne.state_dict(), nt.state_dict()
        assert list(se) == list(st)
        assert all(tuple(se[k].shape) == tuple(st[k].shape) for k in st)


def test_hand_written_batchnorm_lenet_trains_like_torch(torch, both):
    e, t = both
    ne, nt = e["lenet"], t["lenet"]
    copy_weights(nt, ne)
    rng = np.random.default_rng(0)
    for step in range(3):
        x = rng.standard_normal((8, 1, 28, 28)).astype(np.float32)
        ye, yt = ne(ember.tensor(x)), nt(torch.tensor(x))
        assert_close(ye, yt)
        ye.sum().backward()
        yt.sum().backward()
    assert_grads_close(ne, nt)
    # moving statistics are plain attributes (not buffers) in the notes' module
    for be, bt in ((ne[1], nt[1]), (ne[10], nt[10])):
        assert_close(be.moving_mean, bt.moving_mean)
        assert_close(be.moving_var, bt.moving_var)
    ne.eval()
    nt.eval()
    x = rng.standard_normal((4, 1, 28, 28)).astype(np.float32)
    assert_close(ne(ember.tensor(x)), nt(torch.tensor(x)))


def test_nn_batchnorm_lenet_running_stats_like_torch(torch, both):
    e, t = both
    ne, nt = e["lenet_bn"], t["lenet_bn"]
    copy_weights(nt, ne)
    ne.train()
    nt.train()
    rng = np.random.default_rng(1)
    for step in range(3):
        x = rng.standard_normal((6, 1, 28, 28)).astype(np.float32)
        ye, yt = ne(ember.tensor(x)), nt(torch.tensor(x))
        assert_close(ye, yt)
        (ye * ye).sum().backward()
        (yt * yt).sum().backward()
    se, st = ne.state_dict(), nt.state_dict()
    for k in st:
        assert_close(se[k], st[k])
    assert_grads_close(ne, nt)
    ne.eval()
    nt.eval()
    x = rng.standard_normal((4, 1, 28, 28)).astype(np.float32)
    assert_close(ne(ember.tensor(x)), nt(torch.tensor(x)))


def test_dense_block_and_transition_block(torch, both):
    e, t = both
    be, bt = e["DenseBlock"](2, 3, 10), t["DenseBlock"](2, 3, 10)
    copy_weights(bt, be)
    x = np.random.default_rng(2).standard_normal((4, 3, 8, 8)).astype(np.float32)
    Ye, Yt = be(ember.tensor(x)), bt(torch.tensor(x))
    assert tuple(Ye.shape) == tuple(Yt.shape) == (4, 23, 8, 8)
    assert_close(Ye, Yt)
    te, tt = e["transition_block"](23, 10), t["transition_block"](23, 10)
    copy_weights(tt, te)
    Ze, Zt = te(Ye), tt(Yt)
    assert tuple(Ze.shape) == tuple(Zt.shape) == (4, 10, 4, 4)
    assert_close(Ze, Zt)


def test_densenet_layer_by_layer_shapes_like_torch(torch, both):
    e, t = both
    ne, nt = e["densenet"](), t["densenet"]()
    copy_weights(nt, ne)

    def printout(lib, net, X):
        out = io.StringIO()
        with redirect_stdout(out):
            for name, layer in net.named_children():
                X = layer(X)
                print(name, ' output shape:\t', X.shape)
        return out.getvalue(), X

    x = np.random.default_rng(3).random((1, 1, 96, 96)).astype(np.float32)
    pe, ye = printout(ember, ne, ember.tensor(x))
    pt, yt = printout(torch, nt, torch.tensor(x))
    assert pe.replace("ember.Size", "torch.Size") == pt
    assert "DenseBlosk_3  output shape:\t torch.Size([1, 248, 3, 3])" in pt
    assert_close(ye, yt, rtol=1e-4)
