"""The benchmarked models, in ember (from ``ember.models`` / ``ember.d2l``, as users get
them) and their PyTorch twins (the same layers and parameter names, written here against
``torch.nn``), with ember's initial weights copied into the twin."""
_EMBER = {
    "mlp": lambda m, d: m.mlp(),
    "lenet_bn": lambda m, d: m.lenet_batchnorm_scratch(),
    "resnet18": lambda m, d: d.resnet18(),
    "densenet": lambda m, d: m.densenet(input_size=96),
    # chapter 10.7's encoder: vocabulary of the source side of its 600 fra-eng pairs
    "transformer_encoder": lambda m, d: d.TransformerEncoder(
        184, 32, 32, 32, 32, [32], 32, 64, 4, 2, 0.1),
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


def _transformer_encoder(torch):
    """The book's (chapter 10) Transformer encoder and the helpers it uses, as the book
    writes them against PyTorch."""
    import math
    nn = torch.nn

    def sequence_mask(X, valid_len, value=0):
        maxlen = X.size(1)
        mask = torch.arange((maxlen), dtype=torch.float32,
                            device=X.device)[None, :] < valid_len[:, None]
        X[~mask] = value
        return X

    def masked_softmax(X, valid_lens):
        if valid_lens is None:
            return nn.functional.softmax(X, dim=-1)
        shape = X.shape
        if valid_lens.dim() == 1:
            valid_lens = torch.repeat_interleave(valid_lens, shape[1])
        else:
            valid_lens = valid_lens.reshape(-1)
        X = sequence_mask(X.reshape(-1, shape[-1]), valid_lens, value=-1e6)
        return nn.functional.softmax(X.reshape(shape), dim=-1)

    class DotProductAttention(nn.Module):
        def __init__(self, dropout):
            super().__init__()
            self.dropout = nn.Dropout(dropout)

        def forward(self, queries, keys, values, valid_lens=None):
            d = queries.shape[-1]
            scores = torch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
            self.attention_weights = masked_softmax(scores, valid_lens)
            return torch.bmm(self.dropout(self.attention_weights), values)

    def transpose_qkv(X, num_heads):
        X = X.reshape(X.shape[0], X.shape[1], num_heads, -1)
        X = X.permute(0, 2, 1, 3)
        return X.reshape(-1, X.shape[2], X.shape[3])

    def transpose_output(X, num_heads):
        X = X.reshape(-1, num_heads, X.shape[1], X.shape[2])
        X = X.permute(0, 2, 1, 3)
        return X.reshape(X.shape[0], X.shape[1], -1)

    class MultiHeadAttention(nn.Module):
        def __init__(self, key_size, query_size, value_size, num_hiddens, num_heads,
                     dropout, bias=False):
            super().__init__()
            self.num_heads = num_heads
            self.attention = DotProductAttention(dropout)
            self.W_q = nn.Linear(query_size, num_hiddens, bias=bias)
            self.W_k = nn.Linear(key_size, num_hiddens, bias=bias)
            self.W_v = nn.Linear(value_size, num_hiddens, bias=bias)
            self.W_o = nn.Linear(num_hiddens, num_hiddens, bias=bias)

        def forward(self, queries, keys, values, valid_lens):
            queries = transpose_qkv(self.W_q(queries), self.num_heads)
            keys = transpose_qkv(self.W_k(keys), self.num_heads)
            values = transpose_qkv(self.W_v(values), self.num_heads)
            if valid_lens is not None:
                valid_lens = torch.repeat_interleave(valid_lens, repeats=self.num_heads,
                                                     dim=0)
            output = self.attention(queries, keys, values, valid_lens)
            return self.W_o(transpose_output(output, self.num_heads))

    class PositionalEncoding(nn.Module):
        def __init__(self, num_hiddens, dropout, max_len=1000):
            super().__init__()
            self.dropout = nn.Dropout(dropout)
            self.P = torch.zeros((1, max_len, num_hiddens))
            X = torch.arange(max_len, dtype=torch.float32).reshape(-1, 1) / torch.pow(
                10000, torch.arange(0, num_hiddens, 2, dtype=torch.float32) / num_hiddens)
            self.P[:, :, 0::2] = torch.sin(X)
            self.P[:, :, 1::2] = torch.cos(X)

        def forward(self, X):
            X = X + self.P[:, :X.shape[1], :].to(X.device)
            return self.dropout(X)

    class PositionWiseFFN(nn.Module):
        def __init__(self, ffn_num_input, ffn_num_hiddens, ffn_num_outputs):
            super().__init__()
            self.dense1 = nn.Linear(ffn_num_input, ffn_num_hiddens)
            self.relu = nn.ReLU()
            self.dense2 = nn.Linear(ffn_num_hiddens, ffn_num_outputs)

        def forward(self, X):
            return self.dense2(self.relu(self.dense1(X)))

    class AddNorm(nn.Module):
        def __init__(self, normalized_shape, dropout):
            super().__init__()
            self.dropout = nn.Dropout(dropout)
            self.ln = nn.LayerNorm(normalized_shape)

        def forward(self, X, Y):
            return self.ln(self.dropout(Y) + X)

    class EncoderBlock(nn.Module):
        def __init__(self, key_size, query_size, value_size, num_hiddens, norm_shape,
                     ffn_num_input, ffn_num_hiddens, num_heads, dropout, use_bias=False):
            super().__init__()
            self.attention = MultiHeadAttention(key_size, query_size, value_size,
                                                num_hiddens, num_heads, dropout, use_bias)
            self.addnorm1 = AddNorm(norm_shape, dropout)
            self.ffn = PositionWiseFFN(ffn_num_input, ffn_num_hiddens, num_hiddens)
            self.addnorm2 = AddNorm(norm_shape, dropout)

        def forward(self, X, valid_lens):
            Y = self.addnorm1(X, self.attention(X, X, X, valid_lens))
            return self.addnorm2(Y, self.ffn(Y))

    class TransformerEncoder(nn.Module):
        def __init__(self, vocab_size, key_size, query_size, value_size, num_hiddens,
                     norm_shape, ffn_num_input, ffn_num_hiddens, num_heads, num_layers,
                     dropout, use_bias=False):
            super().__init__()
            self.num_hiddens = num_hiddens
            self.embedding = nn.Embedding(vocab_size, num_hiddens)
            self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
            self.blks = nn.Sequential()
            for i in range(num_layers):
                self.blks.add_module(
                    "block" + str(i),
                    EncoderBlock(key_size, query_size, value_size, num_hiddens, norm_shape,
                                 ffn_num_input, ffn_num_hiddens, num_heads, dropout,
                                 use_bias))

        def forward(self, X, valid_lens, *args):
            X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens))
            self.attention_weights = [None] * len(self.blks)
            for i, blk in enumerate(self.blks):
                X = blk(X, valid_lens)
                self.attention_weights[i] = blk.attention.attention.attention_weights
            return X

    return TransformerEncoder(184, 32, 32, 32, 32, [32], 32, 64, 4, 2, 0.1)


_TORCH = {"mlp": _mlp, "lenet_bn": _lenet_bn, "resnet18": _resnet18, "densenet": _densenet,
          "transformer_encoder": _transformer_encoder}
assert set(_TORCH) == set(_EMBER)
