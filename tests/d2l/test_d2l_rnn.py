"""The recurrent language-model helpers of chapter 8: the scratch model wrapper, character
generation, gradient clipping (against PyTorch's ``clip_grad_norm_``), and training that
learns; the concise ``RNNModel`` around ``nn.RNN``/``nn.GRU``/``nn.LSTM``."""
import random

import numpy as np
import pytest

import ember
from ember import d2l, nn


def _get_params(vocab_size, num_hiddens, device):
    def normal(shape):
        return ember.randn(size=shape, device=device) * 0.01
    params = [normal((vocab_size, num_hiddens)), normal((num_hiddens, num_hiddens)),
              ember.zeros(num_hiddens, device=device), normal((num_hiddens, vocab_size)),
              ember.zeros(vocab_size, device=device)]
    for param in params:
        param.requires_grad_(True)
    return params


def _init_state(batch_size, num_hiddens, device):
    return (ember.zeros((batch_size, num_hiddens), device=device),)


def _rnn(inputs, state, params):
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        H = ember.tanh(ember.mm(X, W_xh) + ember.mm(H, W_hh) + b_h)
        outputs.append(ember.mm(H, W_hq) + b_q)
    return ember.cat(outputs, dim=0), (H,)


def _scratch(vocab_size, num_hiddens=32):
    return d2l.RNNModelScratch(vocab_size, num_hiddens, d2l.try_gpu(), _get_params,
                               _init_state, _rnn)


def test_rnn_model_scratch_shapes_and_predict():
    net = _scratch(28, 512)
    state = net.begin_state(2, d2l.try_gpu())
    Y, new_state = net(ember.arange(10).reshape((2, 5)), state)
    assert Y.shape == (10, 28) and len(new_state) == 1 and new_state[0].shape == (2, 512)
    _, vocab = d2l.load_corpus_time_machine(100)
    text = d2l.predict_ch8("time traveller ", 10, net, vocab, d2l.try_gpu())
    assert len(text) == len("time traveller ") + 10 and text.startswith("time traveller ")


def test_grad_clipping_against_torch(torch):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s).astype(np.float32) for s in ((3, 4), (5,))]
    for theta in (0.5, 100.0):
        net = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 5))
        params = [net[0].weight, net[1].bias]
        for p, g in zip(params, grads):
            p.grad = ember.tensor(g)
        d2l.grad_clipping(net, theta)  # parameters without a gradient are left out
        tparams = [torch.zeros(g.shape, requires_grad=True) for g in grads]
        for p, g in zip(tparams, grads):
            p.grad = torch.tensor(g)
        torch.nn.utils.clip_grad_norm_(tparams, theta)
        for p, t in zip(params, tparams):
            np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-6)
    scratch = _scratch(5, 4)
    for p in scratch.params:
        p.grad = ember.ones(p.shape) * 10
    d2l.grad_clipping(scratch, 1)
    total = sum(float((p.grad ** 2).sum()) for p in scratch.params)
    assert total == pytest.approx(1.0, rel=1e-5)
    d2l.grad_clipping(scratch.params, 0.5, d2l.try_gpu())  # the older edition's call
    total = sum(float((p.grad ** 2).sum()) for p in scratch.params)
    assert total == pytest.approx(0.25, rel=1e-5)


def _unigram_perplexity(corpus):
    counts = np.bincount(corpus)
    p = counts[counts > 0] / counts.sum()
    return float(np.exp(-(p * np.log(p)).sum()))


def test_train_ch8_learns(figure_dir, capsys):
    random.seed(0)
    train_iter, vocab = d2l.load_data_time_machine(32, 35, max_tokens=10000)
    net = _scratch(len(vocab), 64)
    ppl, speed = d2l.train_ch8(net, train_iter, vocab, 1, 20, d2l.try_gpu())
    out = capsys.readouterr().out
    assert "time traveller" in out and "tokens/sec" in out
    assert speed > 0 and ppl < 0.8 * _unigram_perplexity(train_iter.corpus)
    # Random sampling starts every minibatch from a fresh state.
    loss = nn.CrossEntropyLoss()
    ppl2, _ = d2l.train_epoch_ch8(net, d2l.load_data_time_machine(32, 35, True)[0], loss,
                                  lambda batch_size: d2l.sgd(net.params, 1, batch_size),
                                  d2l.try_gpu(), True)
    assert ppl2 < 1.2 * ppl


def _need(*names):
    missing = [n for n in names if not hasattr(nn, n)]
    if missing:
        pytest.skip(f"nn.{', nn.'.join(missing)} not in this build of ember yet")


@pytest.mark.parametrize("layer", ["RNN", "GRU", "LSTM"])
def test_rnn_model_with_layers(layer):
    _need(layer)
    rnn_layer = getattr(nn, layer)(28, 16, num_layers=2, bidirectional=layer == "GRU")
    net = d2l.RNNModel(rnn_layer, 28)
    directions = 2 if layer == "GRU" else 1
    assert net.linear.in_features == 16 * directions
    state = net.begin_state(device=d2l.try_gpu(), batch_size=3)
    shapes = [s.shape for s in state] if layer == "LSTM" else [state.shape]
    assert all(s == (2 * directions, 3, 16) for s in shapes)
    Y, new_state = net(ember.zeros((3, 5), dtype=ember.long), state)
    assert Y.shape == (15, 28)
    _, vocab = d2l.load_corpus_time_machine(100)
    assert d2l.predict_ch8("time", 5, net, vocab, d2l.try_gpu()).startswith("time")


def test_train_ch8_concise_gru_learns(figure_dir):
    _need("GRU")
    random.seed(0)
    train_iter, vocab = d2l.load_data_time_machine(32, 35, max_tokens=10000)
    net = d2l.RNNModel(nn.GRU(len(vocab), 32), len(vocab))
    ppl, _ = d2l.train_ch8(net, train_iter, vocab, 4, 10, d2l.try_gpu())
    assert ppl < 0.8 * _unigram_perplexity(train_iter.corpus)


def test_benchmark_prints_its_time(capsys):
    with d2l.Benchmark("numpy") as b:
        pass
    assert capsys.readouterr().out.startswith("numpy: ") and len(b.timer.times) == 1
    with d2l.Benchmark():
        pass
    assert capsys.readouterr().out.startswith("Done: ")
