"""The benchmarked models, in ember (from ``ember.models`` / ``ember.d2l``, as users get
them) and their PyTorch twins (the same layers and parameter names, written here against
``torch.nn``), with ember's initial weights copied into the twin."""
_EMBER = {
    "mlp": lambda m, d: m.mlp(),
    "lenet_bn": lambda m, d: m.lenet_batchnorm_scratch(),
    "resnet18": lambda m, d: d.resnet18(),
    "densenet": lambda m, d: m.densenet(input_size=96),
}


def _ember_model(name):
    import ember
    from ember import d2l, models
    ember.manual_seed(0)
    return _EMBER[name](models, d2l)


def build(lib, name):
    """``name``'s model in ``lib`` (ember or torch), with the same initial weights."""
    net = _ember_model(name)
    if lib.__name__ == "ember":
        return net
    twin = _TORCH[name](lib)
    theirs = twin.state_dict()
    ours = net.state_dict()
    if list(theirs) != list(ours):
        raise RuntimeError(f"{name}: twin parameters differ from ember's:\n{list(theirs)}\n"
                           f"{list(ours)}")
    twin.load_state_dict({k: lib.tensor(v.numpy()) for k, v in ours.items()})
    return twin


def forward_flops(torch, net, sample_shape):
    """FLOPs (2 x multiply-adds) of ``net``'s convolutions and linear layers on one sample."""
    total = [0]

    def hook(m, inp, out):
        if isinstance(m, torch.nn.Conv2d):
            k = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
            total[0] += 2 * out.numel() * k
        else:
            total[0] += 2 * out.numel() * m.in_features
    handles = [m.register_forward_hook(hook) for m in net.modules()
               if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    was = net.training
    net.eval()
    with torch.no_grad():
        net(torch.zeros((1,) + tuple(sample_shape)))
    net.train(was)
    for h in handles:
        h.remove()
    return total[0]


# --------------------------------------------------------------------------- torch twins

def _mlp(torch):
    nn = torch.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def _lenet_bn(torch):
    nn = torch.nn

    def batch_norm(is_training, X, gamma, beta, moving_mean, moving_var, eps, momentum):
        if not is_training:
            X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
        else:
            if len(X.shape) == 2:
                mean = X.mean(dim=0)
                var = ((X - mean) ** 2).mean(dim=0)
            else:
                mean = X.mean(dim=(0, 2, 3), keepdim=True)
                var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
            X_hat = (X - mean) / torch.sqrt(var + eps)
            moving_mean = momentum * moving_mean + (1.0 - momentum) * mean.detach()
            moving_var = momentum * moving_var + (1.0 - momentum) * var.detach()
        return gamma * X_hat + beta, moving_mean, moving_var

    class BatchNorm(nn.Module):
        def __init__(self, num_features, num_dims):
            super().__init__()
            shape = (1, num_features) if num_dims == 2 else (1, num_features, 1, 1)
            self.gamma = nn.Parameter(torch.ones(shape))
            self.beta = nn.Parameter(torch.zeros(shape))
            self.register_buffer("moving_mean", torch.zeros(shape))
            self.register_buffer("moving_var", torch.ones(shape))

        def forward(self, X):
            Y, self.moving_mean, self.moving_var = batch_norm(
                self.training, X, self.gamma, self.beta, self.moving_mean, self.moving_var,
                eps=1e-5, momentum=0.9)
            return Y

    return nn.Sequential(
        nn.Conv2d(1, 6, 5), BatchNorm(6, 4), nn.Sigmoid(), nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, 5), BatchNorm(16, 4), nn.Sigmoid(), nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(16 * 4 * 4, 120), BatchNorm(120, 2), nn.Sigmoid(),
        nn.Linear(120, 84), BatchNorm(84, 2), nn.Sigmoid(),
        nn.Linear(84, 10))


def _resnet18(torch):
    nn, F = torch.nn, torch.nn.functional

    class Residual(nn.Module):
        def __init__(self, cin, cout, use_1x1conv=False, stride=1):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, stride=stride)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
            self.conv3 = nn.Conv2d(cin, cout, 1, stride=stride) if use_1x1conv else None
            self.bn1 = nn.BatchNorm2d(cout)
            self.bn2 = nn.BatchNorm2d(cout)

        def forward(self, X):
            Y = F.relu(self.bn1(self.conv1(X)))
            Y = self.bn2(self.conv2(Y))
            if self.conv3 is not None:
                X = self.conv3(X)
            return F.relu(Y + X)

    def block(cin, cout, n, first=False):
        return nn.Sequential(*[Residual(cin, cout, True, 2) if i == 0 and not first
                               else Residual(cout, cout) for i in range(n)])

    net = nn.Sequential(nn.Conv2d(1, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU())
    net.add_module("resnet_block1", block(64, 64, 2, first=True))
    net.add_module("resnet_block2", block(64, 128, 2))
    net.add_module("resnet_block3", block(128, 256, 2))
    net.add_module("resnet_block4", block(256, 512, 2))
    net.add_module("global_avg_pool", nn.AdaptiveAvgPool2d(1))
    net.add_module("fc", nn.Sequential(nn.Flatten(), nn.Linear(512, 10)))
    return net


def _densenet(torch):
    nn = torch.nn

    def conv_block(cin, cout):
        return nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(), nn.Conv2d(cin, cout, 3, padding=1))

    class DenseBlock(nn.Module):
        def __init__(self, num_convs, cin, cout):
            super().__init__()
            self.net = nn.ModuleList([conv_block(cin + i * cout, cout) for i in range(num_convs)])
            self.out_channels = cin + num_convs * cout

        def forward(self, X):
            for blk in self.net:
                X = torch.cat((X, blk(X)), dim=1)
            return X

    def transition_block(cin, cout):
        return nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(), nn.Conv2d(cin, cout, 1),
                             nn.AvgPool2d(2, 2))

    net = nn.Sequential(nn.Conv2d(1, 64, 7, stride=2, padding=3), nn.BatchNorm2d(64),
                        nn.ReLU(), nn.MaxPool2d(3, stride=2, padding=1))
    channels = 64
    for i in range(4):
        block = DenseBlock(4, channels, 32)
        net.add_module(f"dense_block_{i}", block)
        channels = block.out_channels
        if i != 3:
            net.add_module(f"transition_block_{i}", transition_block(channels, channels // 2))
            channels //= 2
    net.add_module("BN", nn.BatchNorm2d(channels))
    net.add_module("relu", nn.ReLU())
    net.add_module("global_avg_pool", nn.AdaptiveAvgPool2d(1))
    net.add_module("fc", nn.Sequential(nn.Flatten(), nn.Linear(channels, 10)))
    return net


_TORCH = {"mlp": _mlp, "lenet_bn": _lenet_bn, "resnet18": _resnet18, "densenet": _densenet}
assert set(_TORCH) == set(_EMBER)
