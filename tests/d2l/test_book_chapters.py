"""The book's own code (d2l-zh v2, PyTorch edition) for chapters 5 (深度学习计算),
8 (循环神经网络), 9 (现代循环神经网络), 10 (注意力机制) and 12 (计算性能), with only the
imports changed, epochs shortened: the key snippets of each section, as a reader types
them. The English-French sections run on the small fixture of test_d2l_seq2seq.py, found
where the book keeps its data (``../data``).

Whole sections, straight from a checkout of the book, run in test_book_sections.py.
"""
import math
import os
import random

import numpy as np
import pytest

import ember as torch
from ember import d2l, nn
from ember.nn import functional as F

from test_d2l_seq2seq import PAIRS, write_fra_eng


@pytest.fixture
def quiet_figures(figure_dir, monkeypatch):
    monkeypatch.setenv("EMBER_PROGRESS", "0")
    return figure_dir


# ---------------------------------------------------------------- chapter 5 -----------

def test_model_construction():
    net = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    X = torch.rand(2, 20)
    assert net(X).shape == (2, 10)

    class MySequential(nn.Module):
        def __init__(self, *args):
            super().__init__()
            for idx, module in enumerate(args):
                self._modules[str(idx)] = module

        def forward(self, X):
            for block in self._modules.values():
                X = block(X)
            return X

    net = MySequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    assert net(X).shape == (2, 10) and len(list(net.parameters())) == 4

    class FixedHiddenMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.rand_weight = torch.rand((20, 20), requires_grad=False)
            self.linear = nn.Linear(20, 20)

        def forward(self, X):
            X = self.linear(X)
            X = F.relu(torch.mm(X, self.rand_weight) + 1)
            X = self.linear(X)
            while X.abs().sum() > 1:
                X /= 2
            return X.sum()

    class NestMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
            self.linear = nn.Linear(32, 16)

        def forward(self, X):
            return self.linear(self.net(X))

    chimera = nn.Sequential(NestMLP(), nn.Linear(16, 20), FixedHiddenMLP())
    assert chimera(X).shape == ()


def test_parameters():
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    X = torch.rand(size=(2, 4))
    net(X)
    assert list(net[2].state_dict()) == ["weight", "bias"]
    assert type(net[2].bias).__name__ == "Parameter" and net[2].weight.grad is None
    assert [name for name, _ in net.named_parameters()] == \
        ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert net.state_dict()["2.bias"].data.shape == (1,)

    def block1():
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU())

    def block2():
        net = nn.Sequential()
        for i in range(4):
            net.add_module(f"block {i}", block1())
        return net

    rgnet = nn.Sequential(block2(), nn.Linear(4, 1))
    assert rgnet(X).shape == (2, 1)
    assert rgnet[0][1][0].bias.data.shape == (8,)
    assert "(block 0): Sequential(" in repr(rgnet)

    def init_normal(m):
        if type(m) == nn.Linear:
            nn.init.normal_(m.weight, mean=0, std=0.01)
            nn.init.zeros_(m.bias)

    def init_constant(m):
        if type(m) == nn.Linear:
            nn.init.constant_(m.weight, 1)
            nn.init.zeros_(m.bias)

    net.apply(init_normal)
    assert float(net[0].bias.data[0]) == 0
    net.apply(init_constant)
    assert net[0].weight.data[0].tolist() == [1.0] * 4

    def my_init(m):
        if type(m) == nn.Linear:
            nn.init.uniform_(m.weight, -10, 10)
            m.weight.data *= m.weight.data.abs() >= 5

    net.apply(my_init)
    w = net[0].weight
    assert ((w == 0) | (w.abs() >= 5)).all()
    net[0].weight.data[:] += 1
    net[0].weight.data[0, 0] = 42
    assert float(net[0].weight.data[0, 0]) == 42

    shared = nn.Linear(8, 8)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(),
                        nn.Linear(8, 1))
    net(X)
    assert (net[2].weight.data[0] == net[4].weight.data[0]).all()
    net[2].weight.data[0, 0] = 100
    assert (net[2].weight.data[0] == net[4].weight.data[0]).all()


def test_deferred_init_lazy_linear():
    if not hasattr(nn, "LazyLinear"):
        pytest.skip("nn.LazyLinear is not in ember (the section's PyTorch code uses none)")
    net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))
    assert net(torch.rand(2, 20)).shape == (2, 10)


def test_custom_layer():
    class CenteredLayer(nn.Module):
        def forward(self, X):
            return X - X.mean()

    layer = CenteredLayer()
    assert layer(torch.FloatTensor([1, 2, 3, 4, 5])).tolist() == [-2.0, -1.0, 0.0, 1.0, 2.0]
    net = nn.Sequential(nn.Linear(8, 128), CenteredLayer())
    Y = net(torch.rand(4, 8))
    assert abs(float(Y.mean())) < 1e-6

    class MyLinear(nn.Module):
        def __init__(self, in_units, units):
            super().__init__()
            self.weight = nn.Parameter(torch.randn(in_units, units))
            self.bias = nn.Parameter(torch.randn(units,))

        def forward(self, X):
            linear = torch.matmul(X, self.weight.data) + self.bias.data
            return F.relu(linear)

    linear = MyLinear(5, 3)
    assert linear.weight.shape == (5, 3)
    assert linear(torch.rand(2, 5)).shape == (2, 3)
    net = nn.Sequential(MyLinear(64, 8), MyLinear(8, 1))
    assert net(torch.rand(2, 64)).shape == (2, 1)


def test_read_write(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    x = torch.arange(4)
    torch.save(x, "x-file")
    assert torch.load("x-file").tolist() == [0, 1, 2, 3]
    y = torch.zeros(4)
    torch.save([x, y], "x-files")
    x2, y2 = torch.load("x-files")
    assert (x2 == x).all() and (y2 == y).all()
    mydict = {"x": x, "y": y}
    torch.save(mydict, "mydict")
    assert list(torch.load("mydict")) == ["x", "y"]

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(20, 256)
            self.output = nn.Linear(256, 10)

        def forward(self, x):
            return self.output(F.relu(self.hidden(x)))

    net = MLP()
    X = torch.randn(size=(2, 20))
    Y = net(X)
    torch.save(net.state_dict(), "mlp.params")
    clone = MLP()
    clone.load_state_dict(torch.load("mlp.params"))
    clone.eval()
    assert (clone(X) == Y).all()


# ---------------------------------------------------------------- chapter 8 -----------

def test_sequence_autoregressive_model(quiet_figures):
    T = 1000
    time = torch.arange(1, T + 1, dtype=torch.float32)
    x = torch.sin(0.01 * time) + torch.normal(0, 0.2, (T,))
    tau = 4
    features = torch.zeros((T - tau, tau))
    for i in range(tau):
        features[:, i] = x[i: T - tau + i]
    labels = x[tau:].reshape((-1, 1))
    batch_size, n_train = 16, 600
    train_iter = d2l.load_array((features[:n_train], labels[:n_train]), batch_size,
                                is_train=True)

    def init_weights(m):
        if type(m) == nn.Linear:
            nn.init.xavier_uniform_(m.weight)

    def get_net():
        net = nn.Sequential(nn.Linear(4, 10), nn.ReLU(), nn.Linear(10, 1))
        net.apply(init_weights)
        return net

    loss = nn.MSELoss(reduction="none")

    def train(net, train_iter, loss, epochs, lr):
        trainer = torch.optim.Adam(net.parameters(), lr)
        for epoch in range(epochs):
            for X, y in train_iter:
                trainer.zero_grad()
                l = loss(net(X), y)
                l.sum().backward()
                trainer.step()
        return d2l.evaluate_loss(net, train_iter, loss)

    net = get_net()
    assert train(net, train_iter, loss, 5, 0.01) < 0.1
    onestep_preds = net(features)
    assert onestep_preds.shape == (T - tau, 1)
    # The multi-step prediction assigns a (1, 1)-shaped result to a 0-d slot, as the book:
    # multistep_preds[i] = net(multistep_preds[i - tau:i].reshape((1, -1))).
    multistep_preds = torch.zeros(T)
    multistep_preds[: n_train + tau] = x[: n_train + tau]
    for i in range(n_train + tau, n_train + tau + 10):
        multistep_preds[i] = net(multistep_preds[i - tau:i].reshape((1, -1)))
    assert torch.isfinite(multistep_preds).all()


def test_sequence_assigns_a_1x1_result():
    # The section's own line: ``multistep_preds[i] = net(...)`` where net gives (1, 1).
    multistep_preds = torch.zeros(10)
    multistep_preds[3] = torch.ones((1, 1)) * 5
    assert float(multistep_preds[3]) == 5


def test_text_preprocessing_and_language_models():
    lines = d2l.read_time_machine()
    assert len(lines) == 3221
    tokens = d2l.tokenize(lines)
    vocab = d2l.Vocab(tokens)
    assert list(vocab.token_to_idx.items())[:3] == [("<unk>", 0), ("the", 1), ("i", 2)]
    for i in [0, 10]:
        assert len(vocab[tokens[i]]) == len(tokens[i])
    corpus, vocab = d2l.load_corpus_time_machine()
    assert (len(corpus), len(vocab)) == (170580, 28)

    corpus = [token for line in tokens for token in line]
    vocab = d2l.Vocab(corpus)
    freqs = [freq for token, freq in vocab.token_freqs]
    d2l.plot(freqs, xlabel="token: x", ylabel="frequency: n(x)", xscale="log", yscale="log")
    bigram_tokens = [pair for pair in zip(corpus[:-1], corpus[1:])]
    bigram_vocab = d2l.Vocab(bigram_tokens)
    assert bigram_vocab.token_freqs[0] == (("of", "the"), 309)

    my_seq = list(range(35))
    for X, Y in d2l.seq_data_iter_random(my_seq, batch_size=2, num_steps=5):
        assert X.shape == Y.shape == (2, 5)
    for X, Y in d2l.seq_data_iter_sequential(my_seq, batch_size=2, num_steps=5):
        assert (Y - X == 1).all()


def test_rnn_section_matrix_identity():
    X, W_xh = torch.normal(0, 1, (3, 1)), torch.normal(0, 1, (1, 4))
    H, W_hh = torch.normal(0, 1, (3, 4)), torch.normal(0, 1, (4, 4))
    a = torch.matmul(X, W_xh) + torch.matmul(H, W_hh)
    b = torch.matmul(torch.cat((X, H), 1), torch.cat((W_xh, W_hh), 0))
    assert torch.allclose(a, b, atol=1e-5)


def _scratch_rnn(vocab_size, num_hiddens, device):
    def get_params(vocab_size, num_hiddens, device):
        num_inputs = num_outputs = vocab_size

        def normal(shape):
            return torch.randn(size=shape, device=device) * 0.01

        W_xh = normal((num_inputs, num_hiddens))
        W_hh = normal((num_hiddens, num_hiddens))
        b_h = torch.zeros(num_hiddens, device=device)
        W_hq = normal((num_hiddens, num_outputs))
        b_q = torch.zeros(num_outputs, device=device)
        params = [W_xh, W_hh, b_h, W_hq, b_q]
        for param in params:
            param.requires_grad_(True)
        return params

    def init_rnn_state(batch_size, num_hiddens, device):
        return (torch.zeros((batch_size, num_hiddens), device=device), )

    def rnn(inputs, state, params):
        W_xh, W_hh, b_h, W_hq, b_q = params
        H, = state
        outputs = []
        for X in inputs:
            H = torch.tanh(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
            Y = torch.mm(H, W_hq) + b_q
            outputs.append(Y)
        return torch.cat(outputs, dim=0), (H,)

    return d2l.RNNModelScratch(vocab_size, num_hiddens, device, get_params,
                               init_rnn_state, rnn)


def test_rnn_scratch(quiet_figures):
    batch_size, num_steps = 32, 35
    train_iter, vocab = d2l.load_data_time_machine(batch_size, num_steps)
    assert F.one_hot(torch.tensor([0, 2]), len(vocab)).shape == (2, 28)
    X = torch.arange(10).reshape((2, 5))
    assert F.one_hot(X.T, 28).shape == (5, 2, 28)
    net = _scratch_rnn(len(vocab), 512, d2l.try_gpu())
    state = net.begin_state(X.shape[0], d2l.try_gpu())
    Y, new_state = net(X.to(d2l.try_gpu()), state)
    assert (Y.shape, len(new_state), new_state[0].shape) == ((10, 28), 1, (2, 512))
    assert len(d2l.predict_ch8("time traveller ", 10, net, vocab, d2l.try_gpu())) == 25
    net = _scratch_rnn(len(vocab), 64, d2l.try_gpu())
    num_epochs, lr = 2, 1
    d2l.train_ch8(net, train_iter, vocab, lr, num_epochs, d2l.try_gpu())
    d2l.train_ch8(net, train_iter, vocab, lr, num_epochs, d2l.try_gpu(), use_random_iter=True)


def test_rnn_concise(quiet_figures):
    batch_size, num_steps = 32, 35
    train_iter, vocab = d2l.load_data_time_machine(batch_size, num_steps)
    num_hiddens = 256
    rnn_layer = nn.RNN(len(vocab), num_hiddens)
    state = torch.zeros((1, batch_size, num_hiddens))
    assert state.shape == (1, 32, 256)
    X = torch.rand(size=(num_steps, batch_size, len(vocab)))
    Y, state_new = rnn_layer(X, state)
    assert Y.shape == (35, 32, 256) and state_new.shape == (1, 32, 256)
    device = d2l.try_gpu()
    net = d2l.RNNModel(rnn_layer, vocab_size=len(vocab))
    net = net.to(device)
    assert d2l.predict_ch8("time traveller", 10, net, vocab, device).startswith("time traveller")
    num_epochs, lr = 1, 1
    d2l.train_ch8(net, train_iter, vocab, lr, num_epochs, device)


# ---------------------------------------------------------------- chapter 9 -----------

@pytest.mark.parametrize("section", ["gru", "lstm", "deep-rnn", "bi-rnn"])
def test_modern_rnns_concise(section, quiet_figures):
    batch_size, num_steps = 32, 35
    train_iter, vocab = d2l.load_data_time_machine(batch_size, num_steps)
    vocab_size, num_hiddens, device = len(vocab), 32, d2l.try_gpu()
    num_inputs = vocab_size
    if section == "gru":
        layer, lr = nn.GRU(num_inputs, num_hiddens), 1
    elif section == "lstm":
        layer, lr = nn.LSTM(num_inputs, num_hiddens), 1
    elif section == "deep-rnn":
        layer, lr = nn.LSTM(num_inputs, num_hiddens, 2), 2
    else:
        layer, lr = nn.LSTM(num_inputs, num_hiddens, 2, bidirectional=True), 1
    model = d2l.RNNModel(layer, len(vocab))
    model = model.to(device)
    d2l.train_ch8(model, train_iter, vocab, lr, 1, device)


def test_gru_scratch_step(quiet_figures):
    # The scratch GRU of the section, a few minibatches.
    batch_size, num_steps = 32, 35
    train_iter, vocab = d2l.load_data_time_machine(batch_size, num_steps)

    def get_params(vocab_size, num_hiddens, device):
        num_inputs = num_outputs = vocab_size

        def normal(shape):
            return torch.randn(size=shape, device=device) * 0.01

        def three():
            return (normal((num_inputs, num_hiddens)), normal((num_hiddens, num_hiddens)),
                    torch.zeros(num_hiddens, device=device))

        W_xz, W_hz, b_z = three()
        W_xr, W_hr, b_r = three()
        W_xh, W_hh, b_h = three()
        W_hq = normal((num_hiddens, num_outputs))
        b_q = torch.zeros(num_outputs, device=device)
        params = [W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q]
        for param in params:
            param.requires_grad_(True)
        return params

    def init_gru_state(batch_size, num_hiddens, device):
        return (torch.zeros((batch_size, num_hiddens), device=device), )

    def gru(inputs, state, params):
        W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q = params
        H, = state
        outputs = []
        for X in inputs:
            Z = torch.sigmoid((X @ W_xz) + (H @ W_hz) + b_z)
            R = torch.sigmoid((X @ W_xr) + (H @ W_hr) + b_r)
            H_tilda = torch.tanh((X @ W_xh) + ((R * H) @ W_hh) + b_h)
            H = Z * H + (1 - Z) * H_tilda
            Y = H @ W_hq + b_q
            outputs.append(Y)
        return torch.cat(outputs, dim=0), (H,)

    vocab_size, num_hiddens, device = len(vocab), 32, d2l.try_gpu()
    model = d2l.RNNModelScratch(len(vocab), num_hiddens, device, get_params,
                                init_gru_state, gru)
    d2l.train_ch8(model, train_iter, vocab, 1, 1, device)


@pytest.fixture
def fra_eng_book(tmp_path, monkeypatch):
    """The fixture pairs in ``../data`` of a fresh working folder, registered under their
    own SHA-1 (the real file's is checked in test_d2l_seq2seq.py)."""
    sha1 = write_fra_eng(tmp_path / "data", PAIRS * 8)
    monkeypatch.setitem(d2l.DATA_HUB, "fra-eng", (d2l.DATA_HUB["fra-eng"][0], sha1))
    monkeypatch.delenv("EMBER_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")


def test_machine_translation_and_dataset(fra_eng_book, quiet_figures):
    raw_text = d2l.read_data_nmt()
    text = d2l.preprocess_nmt(raw_text)
    source, target = d2l.tokenize_nmt(text)
    assert source[:2] == [["go", "."], ["hi", "."]]
    d2l.show_list_len_pair_hist(["source", "target"], "# tokens per sequence", "count",
                                source, target)
    src_vocab = d2l.Vocab(source, min_freq=2, reserved_tokens=["<pad>", "<bos>", "<eos>"])
    assert d2l.truncate_pad(src_vocab[source[0]], 10, src_vocab["<pad>"])[-1] == 1
    train_iter, src_vocab, tgt_vocab = d2l.load_data_nmt(batch_size=2, num_steps=8)
    for X, X_valid_len, Y, Y_valid_len in train_iter:
        assert X.type(torch.int32).shape == (2, 8) and X_valid_len.shape == (2,)
        break


class _Seq2SeqDecoder(d2l.Decoder):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0, **kwargs):
        super(_Seq2SeqDecoder, self).__init__(**kwargs)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers, dropout=dropout)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_outputs, *args):
        return enc_outputs[1]

    def forward(self, X, state):
        X = self.embedding(X).permute(1, 0, 2)
        context = state[-1].repeat(X.shape[0], 1, 1)
        X_and_context = torch.cat((X, context), 2)
        output, state = self.rnn(X_and_context, state)
        output = self.dense(output).permute(1, 0, 2)
        return output, state


def test_seq2seq(fra_eng_book, quiet_figures):
    encoder = d2l.Seq2SeqEncoder(vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2)
    encoder.eval()
    X = torch.zeros((4, 7), dtype=torch.long)
    output, state = encoder(X)
    assert output.shape == (7, 4, 16) and state.shape == (2, 4, 16)
    decoder = _Seq2SeqDecoder(vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2)
    decoder.eval()
    state = decoder.init_state(encoder(X))
    output, state = decoder(X, state)
    assert output.shape == (4, 7, 10) and state.shape == (2, 4, 16)
    X = torch.tensor([[1, 2, 3], [4, 5, 6]])
    assert d2l.sequence_mask(X, torch.tensor([1, 2])).tolist() == [[1, 0, 0], [4, 5, 0]]
    loss = d2l.MaskedSoftmaxCELoss()
    out = loss(torch.ones(3, 4, 10), torch.ones((3, 4), dtype=torch.long),
               torch.tensor([4, 2, 0]))
    np.testing.assert_allclose(out.numpy(), [2.3026, 1.1513, 0.0], atol=1e-4)

    embed_size, num_hiddens, num_layers, dropout = 32, 32, 2, 0.1
    batch_size, num_steps = 64, 10
    lr, num_epochs, device = 0.005, 10, d2l.try_gpu()
    train_iter, src_vocab, tgt_vocab = d2l.load_data_nmt(batch_size, num_steps)
    encoder = d2l.Seq2SeqEncoder(len(src_vocab), embed_size, num_hiddens, num_layers, dropout)
    decoder = _Seq2SeqDecoder(len(tgt_vocab), embed_size, num_hiddens, num_layers, dropout)
    net = d2l.EncoderDecoder(encoder, decoder)
    d2l.train_seq2seq(net, train_iter, lr, num_epochs, tgt_vocab, device)
    engs = ["go .", "i lost .", "he's calm .", "i'm home ."]
    fras = ["va !", "j'ai perdu .", "il est calme .", "je suis chez moi ."]
    for eng, fra in zip(engs, fras):
        translation, attention_weight_seq = d2l.predict_seq2seq(
            net, eng, src_vocab, tgt_vocab, num_steps, device)
        assert isinstance(translation, str) and attention_weight_seq == []
        if len(translation.split(" ")) >= 2:
            assert 0 <= d2l.bleu(translation, fra, k=2) <= 1


# ---------------------------------------------------------------- chapter 10 ----------

def test_attention_cues_and_nadaraya_watson(quiet_figures):
    attention_weights = torch.eye(10).reshape((1, 1, 10, 10))
    d2l.show_heatmaps(attention_weights, xlabel="Keys", ylabel="Queries")

    n_train = 50
    x_train, _ = torch.sort(torch.rand(n_train) * 5)

    def f(x):
        return 2 * torch.sin(x) + x**0.8

    y_train = f(x_train) + torch.normal(0.0, 0.5, (n_train,))
    x_test = torch.arange(0, 5, 0.1)
    X_repeat = x_test.repeat_interleave(n_train).reshape((-1, n_train))
    attention_weights = nn.functional.softmax(-(X_repeat - x_train)**2 / 2, dim=1)
    y_hat = torch.matmul(attention_weights, y_train)
    assert y_hat.shape == (50,)
    d2l.show_heatmaps(attention_weights.unsqueeze(0).unsqueeze(0),
                      xlabel="Sorted training inputs", ylabel="Sorted testing inputs")

    X = torch.ones((2, 1, 4))
    Y = torch.ones((2, 4, 6))
    assert torch.bmm(X, Y).shape == (2, 1, 6)

    class NWKernelRegression(nn.Module):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.w = nn.Parameter(torch.rand((1,), requires_grad=True))

        def forward(self, queries, keys, values):
            queries = queries.repeat_interleave(keys.shape[1]).reshape((-1, keys.shape[1]))
            self.attention_weights = nn.functional.softmax(
                -((queries - keys) * self.w)**2 / 2, dim=1)
            return torch.bmm(self.attention_weights.unsqueeze(1),
                             values.unsqueeze(-1)).reshape(-1)

    X_tile = x_train.repeat((n_train, 1))
    Y_tile = y_train.repeat((n_train, 1))
    keys = X_tile[(1 - torch.eye(n_train)).type(torch.bool)].reshape((n_train, -1))
    values = Y_tile[(1 - torch.eye(n_train)).type(torch.bool)].reshape((n_train, -1))
    net = NWKernelRegression()
    loss = nn.MSELoss(reduction="none")
    trainer = torch.optim.SGD(net.parameters(), lr=0.5)
    animator = d2l.Animator(xlabel="epoch", ylabel="loss", xlim=[1, 5])
    for epoch in range(5):
        trainer.zero_grad()
        l = loss(net(x_train, keys, values), y_train)
        l.sum().backward()
        trainer.step()
        animator.add(epoch + 1, float(l.sum()))
    assert net.w.grad is not None


def test_attention_scoring_functions():
    out = d2l.masked_softmax(torch.rand(2, 2, 4), torch.tensor([2, 3]))
    assert (out[0, :, 2:] == 0).all() and (out[1, :, 3:] == 0).all()
    queries, keys = torch.normal(0, 1, (2, 1, 20)), torch.ones((2, 10, 2))
    values = torch.arange(40, dtype=torch.float32).reshape(1, 10, 4).repeat(2, 1, 1)
    valid_lens = torch.tensor([2, 6])
    attention = d2l.AdditiveAttention(key_size=2, query_size=20, num_hiddens=8, dropout=0.1)
    attention.eval()
    np.testing.assert_allclose(attention(queries, keys, values, valid_lens).detach().numpy(),
                               [[[2, 3, 4, 5]], [[10, 11, 12, 13]]], rtol=1e-5)
    queries = torch.normal(0, 1, (2, 1, 2))
    attention = d2l.DotProductAttention(dropout=0.5)
    attention.eval()
    np.testing.assert_allclose(attention(queries, keys, values, valid_lens).numpy(),
                               [[[2, 3, 4, 5]], [[10, 11, 12, 13]]], rtol=1e-5)


class _Seq2SeqAttentionDecoder(d2l.AttentionDecoder):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0, **kwargs):
        super(_Seq2SeqAttentionDecoder, self).__init__(**kwargs)
        self.attention = d2l.AdditiveAttention(num_hiddens, num_hiddens, num_hiddens, dropout)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers, dropout=dropout)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_outputs, enc_valid_lens, *args):
        outputs, hidden_state = enc_outputs
        return (outputs.permute(1, 0, 2), hidden_state, enc_valid_lens)

    def forward(self, X, state):
        enc_outputs, hidden_state, enc_valid_lens = state
        X = self.embedding(X).permute(1, 0, 2)
        outputs, self._attention_weights = [], []
        for x in X:
            query = torch.unsqueeze(hidden_state[-1], dim=1)
            context = self.attention(query, enc_outputs, enc_outputs, enc_valid_lens)
            x = torch.cat((context, torch.unsqueeze(x, dim=1)), dim=-1)
            out, hidden_state = self.rnn(x.permute(1, 0, 2), hidden_state)
            outputs.append(out)
            self._attention_weights.append(self.attention.attention_weights)
        outputs = self.dense(torch.cat(outputs, dim=0))
        return outputs.permute(1, 0, 2), [enc_outputs, hidden_state, enc_valid_lens]

    @property
    def attention_weights(self):
        return self._attention_weights


def test_bahdanau_attention(fra_eng_book, quiet_figures):
    encoder = d2l.Seq2SeqEncoder(vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2)
    encoder.eval()
    decoder = _Seq2SeqAttentionDecoder(vocab_size=10, embed_size=8, num_hiddens=16,
                                       num_layers=2)
    decoder.eval()
    X = torch.zeros((4, 7), dtype=torch.long)
    state = decoder.init_state(encoder(X), None)
    output, state = decoder(X, state)
    assert (output.shape, len(state), state[0].shape, len(state[1]), state[1][0].shape) == \
        ((4, 7, 10), 3, (4, 7, 16), 2, (4, 16))

    embed_size, num_hiddens, num_layers, dropout = 32, 32, 2, 0.1
    batch_size, num_steps = 64, 10
    lr, num_epochs, device = 0.005, 5, d2l.try_gpu()
    train_iter, src_vocab, tgt_vocab = d2l.load_data_nmt(batch_size, num_steps)
    encoder = d2l.Seq2SeqEncoder(len(src_vocab), embed_size, num_hiddens, num_layers, dropout)
    decoder = _Seq2SeqAttentionDecoder(len(tgt_vocab), embed_size, num_hiddens, num_layers,
                                       dropout)
    net = d2l.EncoderDecoder(encoder, decoder)
    d2l.train_seq2seq(net, train_iter, lr, num_epochs, tgt_vocab, device)
    engs = ["go .", "i lost ."]
    for eng in engs:
        translation, dec_attention_weight_seq = d2l.predict_seq2seq(
            net, eng, src_vocab, tgt_vocab, num_steps, device, True)
    attention_weights = torch.cat([step[0][0][0] for step in dec_attention_weight_seq],
                                  0).reshape((1, 1, -1, num_steps))
    d2l.show_heatmaps(attention_weights[:, :, :, :len(engs[-1].split()) + 1].cpu(),
                      xlabel="Key positions", ylabel="Query positions")


def test_multihead_attention():
    num_hiddens, num_heads = 100, 5
    attention = d2l.MultiHeadAttention(num_hiddens, num_hiddens, num_hiddens, num_hiddens,
                                       num_heads, 0.5)
    attention.eval()
    assert "(W_o): Linear(in_features=100, out_features=100, bias=False)" in repr(attention)
    batch_size, num_queries = 2, 4
    num_kvpairs, valid_lens = 6, torch.tensor([3, 2])
    X = torch.ones((batch_size, num_queries, num_hiddens))
    Y = torch.ones((batch_size, num_kvpairs, num_hiddens))
    assert attention(X, Y, Y, valid_lens).shape == (2, 4, 100)


def test_self_attention_and_positional_encoding(quiet_figures):
    num_hiddens, num_heads = 100, 5
    attention = d2l.MultiHeadAttention(num_hiddens, num_hiddens, num_hiddens, num_hiddens,
                                       num_heads, 0.5)
    attention.eval()
    batch_size, num_queries, valid_lens = 2, 4, torch.tensor([3, 2])
    X = torch.ones((batch_size, num_queries, num_hiddens))
    assert attention(X, X, X, valid_lens).shape == (2, 4, 100)
    encoding_dim, num_steps = 32, 60
    pos_encoding = d2l.PositionalEncoding(encoding_dim, 0)
    pos_encoding.eval()
    X = pos_encoding(torch.zeros((1, num_steps, encoding_dim)))
    P = pos_encoding.P[:, :X.shape[1], :]
    d2l.plot(torch.arange(num_steps), P[0, :, 6:10].T, xlabel="Row (position)",
             figsize=(6, 2.5), legend=["Col %d" % d for d in torch.arange(6, 10)])
    P = P[0, :, :].unsqueeze(0).unsqueeze(0)
    d2l.show_heatmaps(P, xlabel="Column (encoding dimension)", ylabel="Row (position)",
                      figsize=(3.5, 4), cmap="Blues")


def test_transformer_encoder_parts():
    ffn = d2l.PositionWiseFFN(4, 4, 8)
    ffn.eval()
    assert ffn(torch.ones((2, 3, 4)))[0].shape == (3, 8)
    ln = nn.LayerNorm(2)
    bn = nn.BatchNorm1d(2)
    X = torch.tensor([[1, 2], [2, 3]], dtype=torch.float32)
    np.testing.assert_allclose(ln(X).detach().numpy(), [[-1, 1], [-1, 1]], atol=1e-3)
    np.testing.assert_allclose(bn(X).detach().numpy(), [[-1, -1], [1, 1]], atol=1e-3)
    add_norm = d2l.AddNorm([3, 4], 0.5)
    add_norm.eval()
    assert add_norm(torch.ones((2, 3, 4)), torch.ones((2, 3, 4))).shape == (2, 3, 4)
    X = torch.ones((2, 100, 24))
    valid_lens = torch.tensor([3, 2])
    encoder_blk = d2l.EncoderBlock(24, 24, 24, 24, [100, 24], 24, 48, 8, 0.5)
    encoder_blk.eval()
    assert encoder_blk(X, valid_lens).shape == (2, 100, 24)
    encoder = d2l.TransformerEncoder(200, 24, 24, 24, 24, [100, 24], 24, 48, 8, 2, 0.5)
    encoder.eval()
    assert encoder(torch.ones((2, 100), dtype=torch.long), valid_lens).shape == (2, 100, 24)


# ---------------------------------------------------------------- chapter 12 ----------

def test_hybridize_and_benchmark(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    def get_net():
        return nn.Sequential(nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 2))

    x = torch.randn(size=(1, 512))
    net = get_net()
    y = net(x)
    net = torch.jit.script(net)
    assert (net(x) == y).all()
    with d2l.Benchmark("无torchscript"):
        for i in range(10):
            net(x)
    assert capsys.readouterr().out.startswith("无torchscript: ")
    net.save("my_mlp")
    assert os.path.isfile("my_mlp")


def test_async_computation(capsys):
    import numpy
    with d2l.Benchmark("numpy"):
        for _ in range(3):
            a = numpy.random.normal(size=(100, 100))
            b = numpy.dot(a, a)
    device = d2l.try_gpu()
    a = torch.randn(size=(100, 100), device=device)
    b = torch.mm(a, a)
    with d2l.Benchmark("torch"):
        for _ in range(3):
            a = torch.randn(size=(100, 100), device=device)
            b = torch.mm(a, a)
    x = torch.ones((1, 2), device=device)
    y = torch.ones((1, 2), device=device)
    z = x * y + 2
    assert z.tolist() == [[3.0, 3.0]]
    out = capsys.readouterr().out
    assert "numpy: " in out and "torch: " in out and math.isfinite(float(b.sum()))


def test_auto_parallelism_on_one_device():
    # The section needs two GPUs; what runs on one device: the list of devices and the
    # copy between them.
    devices = d2l.try_all_gpus()
    assert len(devices) >= 1
    x = torch.rand(size=(40, 40), device=devices[0])
    y = [x.mm(x) for _ in range(5)]
    assert y[0].to(devices[0]).shape == (40, 40)
    random.seed(0)
