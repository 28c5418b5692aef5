"""The notes' training runs, ember vs PyTorch in one run (issue 8's table).

    python -m benchmarks --only training [--quick]
    python -m benchmarks.bench_training [--quick] [--only linreg,ch11,...]

Each workload is written once against the PyTorch API and run with ``lib`` = ember and
``lib`` = torch on the same data with the same initial weights; the two runs are timed
in alternating stretches of steps (see ``_harness.race``). Peak memory is measured in a
fresh child process: its peak RSS during the first steps minus its RSS after setup (model
and data loaded, peak reset), so it counts what training allocates, NumPy and PyTorch alike.
"""
import argparse
import gzip
import os
import random
import sys
import warnings

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    __package__ = "benchmarks"

from . import _harness as H  # noqa: E402
from . import _twins  # noqa: E402

# The notes' train_epoch_ch3 calls float(l.sum()) on a tensor that requires grad; PyTorch
# warns about it once per run, which says nothing about speed.
warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad=True")

FASHION = "/usr/share/datasets/fashion-mnist"
AIRFOIL = os.environ.get("EMBER_DATA", "/work/shared/data/airfoil")


def _libs():
    import ember
    import ember.optim  # noqa: F401  (not imported by ember/__init__ yet)
    torch = H.import_torch()
    return {"ember": ember} if torch is None else {"ember": ember, "torch": torch}


# --------------------------------------------------------------------------- linear regression

def linreg(lib, quick):
    """The notes' linear regression from scratch: 1000 x 2 synthetic data, the notes' own
    ``data_iter`` (Python ``random.shuffle`` and ``torch.tensor(indices)``), batch 10,
    3 epochs of SGD at lr 0.03."""
    rng = np.random.default_rng(0)
    feats = rng.standard_normal((1000, 2)).astype(np.float32)
    labs = (feats @ np.array([2, -3.4], np.float32) + 4.2
            + rng.normal(0, 0.01, 1000).astype(np.float32)).reshape(-1, 1)
    features, labels = lib.tensor(feats), lib.tensor(labs)
    w0 = rng.normal(0, 0.01, (2, 1)).astype(np.float32)
    batch_size, lr, num_epochs = 10, 0.03, 1 if quick else 3

    def data_iter(batch_size, features, labels):
        num_examples = len(features)
        indices = list(range(num_examples))
        random.shuffle(indices)
        for i in range(0, num_examples, batch_size):
            batch_indices = lib.tensor(indices[i: min(i + batch_size, num_examples)])
            yield features[batch_indices], labels[batch_indices]

    def linereg(X, w, b):
        return lib.matmul(X, w) + b

    def squared_loss(y_pre, y):
        return (y_pre - y) ** 2 / 2

    def sgd(params, lr, batch_size):
        with lib.no_grad():
            for param in params:
                param -= lr * param.grad / batch_size
                param.grad.zero_()

    def run():
        random.seed(0)
        w = lib.tensor(w0, requires_grad=True)
        b = lib.zeros(1, requires_grad=True)
        for epoch in range(num_epochs):
            for X, y in data_iter(batch_size, features, labels):
                l = squared_loss(linereg(X, w, b), y)
                l.sum().backward()
                sgd([w, b], lr, batch_size)
                yield
            with lib.no_grad():
                float(squared_loss(linereg(features, w, b), labels).mean())

    return {"run": run, "steps": num_epochs * 100}


# --------------------------------------------------------------------------- train_ch7 / ch11

def _airfoil():
    raw = np.genfromtxt(os.path.join(AIRFOIL, "airfoil_self_noise.dat"), dtype=np.float64,
                        delimiter="\t")
    data = ((raw - raw.mean(axis=0)) / raw.std(axis=0)).astype(np.float32)
    return data[:1500, :-1], data[:1500, -1]


def _optimizers(lib):
    """The book's from-scratch optimizers (older edition, as the notes write them: through
    ``p.data`` and ``p.grad.data``, state tensors per parameter)."""
    def sgd(params, states, hp):
        for p in params:
            p.data -= hp["lr"] * p.grad.data

    def sgd_momentum(params, states, hp):
        for p, v in zip(params, states):
            v.data = hp["momentum"] * v.data + hp["lr"] * p.grad.data
            p.data -= v.data

    def adagrad(params, states, hp):
        eps = 1e-6
        for p, s in zip(params, states):
            s.data += (p.grad.data ** 2)
            p.data -= hp["lr"] * p.grad.data / lib.sqrt(s + eps)

    def rmsprop(params, states, hp):
        gamma, eps = hp["gamma"], 1e-6
        for p, s in zip(params, states):
            s.data = gamma * s.data + (1 - gamma) * (p.grad.data) ** 2
            p.data -= hp["lr"] * p.grad.data / lib.sqrt(s + eps)

    def adadelta(params, states, hp):
        rho, eps = hp["rho"], 1e-5
        for p, (s, delta) in zip(params, states):
            s[:] = rho * s + (1 - rho) * (p.grad.data ** 2)
            g = p.grad.data * lib.sqrt((delta + eps) / (s + eps))
            p.data -= g
            delta[:] = rho * delta + (1 - rho) * g * g

    def adam(params, states, hp):
        beta1, beta2, eps = 0.9, 0.999, 1e-6
        for p, (v, s) in zip(params, states):
            v[:] = beta1 * v + (1 - beta1) * p.grad.data
            s[:] = beta2 * s + (1 - beta2) * p.grad.data ** 2
            v_bias_corr = v / (1 - beta1 ** hp["t"])
            s_bias_corr = s / (1 - beta2 ** hp["t"])
            p.data -= hp["lr"] * v_bias_corr / (lib.sqrt(s_bias_corr) + eps)
        hp["t"] += 1

    def one():
        return (lib.zeros((5, 1)), lib.zeros(1))

    def two():
        return ((lib.zeros((5, 1)), lib.zeros((5, 1))), (lib.zeros(1), lib.zeros(1)))

    return {
        "sgd": (sgd, lambda: None, {"lr": 0.05}),
        "momentum": (sgd_momentum, one, {"lr": 0.02, "momentum": 0.5}),
        "adagrad": (adagrad, one, {"lr": 0.1}),
        "rmsprop": (rmsprop, one, {"lr": 0.01, "gamma": 0.9}),
        "adadelta": (adadelta, two, {"rho": 0.9}),
        "adam": (adam, two, {"lr": 0.01, "t": 1}),
    }


CH11_OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adadelta", "adam")
CH11_BATCHES = (1, 10, 100, 1500)


def ch11(lib, quick, optimizer, batch_size):
    """``train_ch7``/``train_ch11``'s inner loop (the loss curve and plot left out) with a
    hand-written optimizer on the airfoil data: one epoch, capped at 300 steps (batch 1)."""
    feats, labs = _airfoil()
    features, labels = lib.tensor(feats), lib.tensor(labs)
    fn, init_states, hyper = _optimizers(lib)[optimizer]
    w0 = np.random.default_rng(0).normal(0, 0.01, (5, 1)).astype(np.float32)
    max_steps = 30 if quick else 300
    data = lib.utils.data

    def linreg(X, w, b):
        return lib.mm(X, w) + b

    def squared_loss(y_hat, y):
        return (y_hat - y.view(y_hat.size())) ** 2 / 2

    def run():
        lib.manual_seed(0)
        w = lib.nn.Parameter(lib.tensor(w0))
        b = lib.nn.Parameter(lib.zeros(1))
        states, hp = init_states(), dict(hyper)
        loader = data.DataLoader(data.TensorDataset(features, labels), batch_size,
                                 shuffle=True)
        for step, (X, y) in enumerate(loader):
            if step == max_steps:
                break
            l = squared_loss(linreg(X, w, b), y).mean()
            if w.grad is not None:
                w.grad.data.zero_()
                b.grad.data.zero_()
            l.backward()
            fn([w, b], states, hp)
            yield

    return {"run": run, "steps": min(max_steps, -(-1500 // batch_size))}


# --------------------------------------------------------------------------- Fashion-MNIST

# The training "epoch" covers the first TRAIN_LIMIT shuffled-from images (60 batches) unless
# --full asks for all 60,000: the ratio is the same, the run a quarter as long.
TRAIN_LIMIT = 60 * 256
FULL_EPOCH = bool(os.environ.get("EMBER_BENCH_FULL_EPOCH"))
_fashion_cache = {}


def _fashion(train):
    if train not in _fashion_cache:
        kind = "train" if train else "t10k"
        with gzip.open(os.path.join(FASHION, f"{kind}-images-idx3-ubyte.gz")) as f:
            images = np.frombuffer(f.read(), np.uint8, offset=16)
        with gzip.open(os.path.join(FASHION, f"{kind}-labels-idx1-ubyte.gz")) as f:
            labels = np.frombuffer(f.read(), np.uint8, offset=8)
        images = (images.reshape(-1, 1, 28, 28).astype(np.float32) / np.float32(255))
        _fashion_cache[train] = images, labels.astype(np.int64)
    return _fashion_cache[train]


def _loader(lib, train, batch_size, limit):
    images, labels = _fashion(train)
    if limit:
        images, labels = images[:limit], labels[:limit]
    ds = lib.utils.data.TensorDataset(lib.from_numpy(images), lib.from_numpy(labels))
    return lib.utils.data.DataLoader(ds, batch_size, shuffle=train)


def _accuracy(lib, y_hat, y):
    return float((y_hat.argmax(axis=1) == y).int().sum())


def softmax_scratch(lib):
    """The notes' softmax regression from scratch: W ~ N(0, 0.01), softmax, the
    ``-log(y_hat[range(n), y])`` loss, ``d2l.sgd`` at lr 0.1 on the summed loss."""
    W = lib.tensor(np.random.default_rng(0).normal(0, 0.01, (784, 10)).astype(np.float32),
                   requires_grad=True)
    b = lib.zeros(10, requires_grad=True)

    def softmax(X):
        X_exp = lib.exp(X)
        return X_exp / X_exp.sum(1, keepdim=True)

    def net(X):
        return softmax(lib.matmul(X.reshape((-1, W.shape[0])), W) + b)

    def cross_entropy(y_pre, y):
        return -lib.log(y_pre[range(len(y_pre)), y])

    def updater(batch_size):
        with lib.no_grad():
            for param in (W, b):
                param -= 0.1 * param.grad / batch_size
                param.grad.zero_()

    return net, cross_entropy, updater


def _ch3_epoch(lib, net, loss, updater, loader):
    """The notes' ``train_epoch_ch3``, one yield per batch."""
    if isinstance(net, lib.nn.Module):
        net.train()
    metric = [0.0, 0.0, 0.0]
    for X, y in loader:
        y_hat = net(X)
        l = loss(y_hat, y)
        if isinstance(updater, lib.optim.Optimizer):
            updater.zero_grad()
            l.mean().backward()
            updater.step()
        else:
            l.sum().backward()
            updater(X.shape[0])
        metric[0] += float(l.sum())
        metric[1] += _accuracy(lib, y_hat, y)
        metric[2] += y.numel()
        yield


def _ch6_epoch(lib, net, optimizer, loader):
    """``train_ch5``/``train_ch6``'s batch loop (mean cross-entropy, ``l.item()``)."""
    net.train()
    loss = lib.nn.CrossEntropyLoss()
    for X, y in loader:
        optimizer.zero_grad()
        y_hat = net(X)
        l = loss(y_hat, y)
        l.backward()
        optimizer.step()
        l.item()
        _accuracy(lib, y_hat, y)
        yield


def _evaluate(lib, net, loader):
    """The notes' ``evaluate_accuracy``: eval mode, no gradients, one yield per batch."""
    if isinstance(net, lib.nn.Module):
        net.eval()
    with lib.no_grad():
        for X, y in loader:
            _accuracy(lib, net(X), y)
            yield


def fashion(lib, quick, model, phase):
    """One Fashion-MNIST epoch at batch 256 (``phase`` "train": the 60,000 training images;
    "eval": the 10,000 test images)."""
    limit = 2560 if quick else (None if FULL_EPOCH or phase == "eval" else TRAIN_LIMIT)
    loader = _loader(lib, phase == "train", 256, limit)
    if model == "softmax":
        net, loss, updater = softmax_scratch(lib)
        if phase == "train":
            return {"run": lambda: _ch3_epoch(lib, net, loss, updater, loader)}
        return {"run": lambda: _evaluate(lib, net, loader)}
    net = _twins.build(lib, model)
    lr = {"mlp": 0.1, "lenet_bn": 1.0}[model]
    optimizer = lib.optim.SGD(net.parameters(), lr=lr)
    if phase == "train":
        if model == "mlp":
            loss = lib.nn.CrossEntropyLoss(reduction="none")
            return {"run": lambda: _ch3_epoch(lib, net, loss, optimizer, loader), "net": net}
        return {"run": lambda: _ch6_epoch(lib, net, optimizer, loader), "net": net}
    return {"run": lambda: _evaluate(lib, net, loader), "net": net}


def conv_steps(lib, quick, model):
    """20 training steps (SGD lr 0.05, cross-entropy) at batch 64 on Fashion-MNIST images
    (ResNet-18 at 28 x 28; DenseNet at the notes' 96 x 96, nearest-neighbour upscaled)."""
    steps, batch = (2, 16) if quick else (20, 64)
    images, labels = _fashion(True)
    images, labels = images[: steps * batch], labels[: steps * batch]
    if model == "densenet":
        images = np.ascontiguousarray(images.repeat(4, axis=2).repeat(4, axis=3)[:, :, :96, :96])
    net = _twins.build(lib, model)
    optimizer = lib.optim.SGD(net.parameters(), lr=0.05)
    X_all, y_all = lib.from_numpy(images), lib.from_numpy(labels)

    def run():
        net.train()
        loss = lib.nn.CrossEntropyLoss()
        for i in range(steps):
            X, y = X_all[i * batch: (i + 1) * batch], y_all[i * batch: (i + 1) * batch]
            optimizer.zero_grad()
            l = loss(net(X), y)
            l.backward()
            optimizer.step()
            l.item()
            yield

    return {"run": run, "net": net, "input": images.shape[1:], "samples": steps * batch}


# --------------------------------------------------------------------------- train_ch8

TIME_MACHINE = os.path.join(H.REPO_ROOT, "ember", "data", "timemachine.txt")


def _time_machine_corpus():
    """The book's character corpus of The Time Machine as indices (vocabulary 28: the 26
    letters, space and '<unk>', ordered by frequency as d2l.Vocab orders them), or, where
    the text is absent, a synthetic corpus of the same size and vocabulary."""
    if not os.path.exists(TIME_MACHINE):
        return np.random.default_rng(0).integers(0, 28, 170580), 28
    import collections
    import re
    with open(TIME_MACHINE) as f:
        text = "".join(re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in f)
    counts = sorted(collections.Counter(text).items(), key=lambda kv: kv[1], reverse=True)
    index = {ch: i + 1 for i, (ch, _) in enumerate(counts)}  # 0 is '<unk>'
    return np.array([index[ch] for ch in text]), len(index) + 1


def train_ch8(lib, quick, model):
    """One epoch of the book's ``train_epoch_ch8`` on The Time Machine at its sizes (batch
    32, 35 steps, 256 hidden units, sequential partitioning, state carried over and detached,
    ``grad_clipping(net, 1)``, lr 1): ``model`` is ``scratch`` (``RNNModelScratch`` with the
    book's ``rnn`` loop and ``d2l.sgd``) or ``RNN``/``GRU``/``LSTM`` (``RNNModel`` around
    ``nn.<model>`` with ``torch.optim.SGD``)."""
    corpus, vocab_size = _time_machine_corpus()
    batch_size, num_steps, num_hiddens = 32, 35, 256
    nn, F = lib.nn, lib.nn.functional
    offset = 3  # the book draws it at random; fixed here so both libraries see the same data
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = corpus[offset:offset + num_tokens].reshape(batch_size, -1)
    Ys = corpus[offset + 1:offset + 1 + num_tokens].reshape(batch_size, -1)
    num_batches = Xs.shape[1] // num_steps
    if quick:
        num_batches = 8
    rng = np.random.default_rng(0)

    def normal(shape):
        return lib.tensor(rng.standard_normal(shape).astype(np.float32) * 0.01,
                          requires_grad=True)

    if model == "scratch":
        params = [normal((vocab_size, num_hiddens)), normal((num_hiddens, num_hiddens)),
                  lib.zeros(num_hiddens, requires_grad=True),
                  normal((num_hiddens, vocab_size)), lib.zeros(vocab_size, requires_grad=True)]

        def rnn(inputs, state, params):
            W_xh, W_hh, b_h, W_hq, b_q = params
            H, = state
            outputs = []
            for X in inputs:
                H = lib.tanh(lib.mm(X, W_xh) + lib.mm(H, W_hh) + b_h)
                Y = lib.mm(H, W_hq) + b_q
                outputs.append(Y)
            return lib.cat(outputs, dim=0), (H,)

        def net(X, state):
            X = F.one_hot(X.T, vocab_size).type(lib.float32)
            return rnn(X, state, params)

        def begin_state(batch):
            return (lib.zeros((batch, num_hiddens)),)

        def updater():
            with lib.no_grad():
                for param in params:
                    param -= 1 * param.grad / 1
                    param.grad.zero_()
    else:
        class RNNModel(nn.Module):
            def __init__(self, rnn_layer):
                super().__init__()
                self.rnn = rnn_layer
                self.linear = nn.Linear(num_hiddens, vocab_size)

            def forward(self, inputs, state):
                X = F.one_hot(inputs.T.long(), vocab_size).to(lib.float32)
                Y, state = self.rnn(X, state)
                return self.linear(Y.reshape((-1, Y.shape[-1]))), state

        lib.manual_seed(0)
        net = RNNModel(getattr(nn, model)(vocab_size, num_hiddens))
        # the same initial weights in both libraries
        with lib.no_grad():
            for p in net.parameters():
                p.copy_(lib.tensor(rng.uniform(-1 / 16, 1 / 16, tuple(p.shape))
                                   .astype(np.float32)))
        params = list(net.parameters())
        optimizer = lib.optim.SGD(net.parameters(), lr=1)

        def begin_state(batch):
            z = lib.zeros((1, batch, num_hiddens))
            return (z, lib.zeros((1, batch, num_hiddens))) if model == "LSTM" else z

        def updater():
            optimizer.step()

    loss = nn.CrossEntropyLoss()

    def grad_clipping(theta):
        norm = lib.sqrt(sum(lib.sum((p.grad ** 2)) for p in params))
        if norm > theta:
            for param in params:
                param.grad[:] *= theta / norm

    def run():
        state, total = None, 0.0
        for i in range(num_batches):
            X = lib.tensor(Xs[:, i * num_steps:(i + 1) * num_steps])
            Y = lib.tensor(Ys[:, i * num_steps:(i + 1) * num_steps])
            if state is None:
                state = begin_state(X.shape[0])
            else:
                for s in (state if isinstance(state, tuple) else (state,)):
                    s.detach_()
            y = Y.T.reshape(-1)
            y_hat, state = net(X, state)
            l = loss(y_hat, y.long()).mean()
            if model != "scratch":
                optimizer.zero_grad()
            l.backward()
            grad_clipping(1)
            updater()
            total += float(l) * y.numel()
            yield

    return {"run": run, "steps": num_batches}


# --------------------------------------------------------------------------- Transformer

def transformer_encoder(lib, quick):
    """Forward and backward of the book's ``TransformerEncoder`` at chapter 10.7's sizes
    (32 hidden units, 4 heads, 2 blocks, FFN 32 -> 64 -> 32, dropout 0.1) on batches of
    64 source sentences of 10 tokens (vocabulary 184, random tokens and valid lengths),
    as ``train_seq2seq`` feeds it: ember's ``d2l`` class against the book's code run on
    PyTorch, with the same weights (``_twins``). The backward starts from a fixed random
    output gradient (the mean square or the sum of a LayerNorm's output has a zero
    gradient at its input, mathematically: what backward would compute is rounding)."""
    net = _twins.build(lib, "transformer_encoder")
    net.train()
    rng = np.random.default_rng(0)
    steps = 4 if quick else 40
    data = [(lib.tensor(rng.integers(0, 184, (64, 10))), lib.tensor(rng.integers(1, 11, 64)))
            for _ in range(steps)]
    upstream = lib.tensor(rng.standard_normal((64, 10, 32)).astype(np.float32))

    def run():
        for X, valid_lens in data:
            net.zero_grad()
            (net(X, valid_lens) * upstream).sum().backward()
            yield

    return {"run": run, "steps": steps}


# --------------------------------------------------------------------------- the table

def _workloads(quick):
    """(name, builder(lib) -> spec, repeat, target, group) in table order."""
    w = [("linreg scratch (1000x2, b10, 3 ep)" if not quick else
          "linreg scratch (1000x2, b10, 1 ep)", lambda lib: linreg(lib, quick),
          1 if quick else 5, 0.5, "linreg")]
    for opt in CH11_OPTIMIZERS:
        for bs in CH11_BATCHES:
            target = 0.5 if bs == 10 else None
            w.append((f"train_ch11 {opt} b{bs}",
                      lambda lib, o=opt, b=bs: ch11(lib, quick, o, b),
                      2 if quick else 3, target, "ch11"))
    for model, target in (("softmax", 1.0), ("mlp", 1.0), ("lenet_bn", 0.8)):
        for phase in ("train", "eval"):
            images = ("2560" if quick else "10k test" if phase == "eval" else
                      "60k" if FULL_EPOCH else f"{TRAIN_LIMIT // 1000}k of 60k")
            w.append((f"{model} epoch {phase} (b256, {images} images)",
                      lambda lib, m=model, p=phase: fashion(lib, quick, m, p),
                      1, target if phase == "train" else None, "fashion"))
    for model in ("resnet18", "densenet"):
        w.append((f"{model} 20 steps (b64)" if not quick else f"{model} 2 steps (b16)",
                  lambda lib, m=model: conv_steps(lib, quick, m), 1, 1.15, "conv"))
    for model, target in (("scratch", 0.7), ("RNN", 1.0), ("GRU", 1.0), ("LSTM", 1.0)):
        label = "scratch RNN" if model == "scratch" else f"nn.{model}"
        w.append((f"train_ch8 {label} (time machine, b32 x 35, 256 hidden, "
                  f"{'8 batches' if quick else '1 ep'})",
                  lambda lib, m=model: train_ch8(lib, quick, m), 1 if quick else 2, target,
                  "rnn"))
    w.append((f"Transformer encoder fwd+bwd (b64 x 10, 32 hidden, 4 heads, 2 blocks, "
              f"{4 if quick else 40} steps)", lambda lib: transformer_encoder(lib, quick),
              2 if quick else 5, 1.2, "rnn"))
    return w


# Which workloads get a peak-memory probe (one child process per library), and how long.
PROBE_STEPS = 3
MEMORY_PROBES = {
    "linreg": lambda lib, quick: linreg(lib, quick),
    "ch11_adam_b10": lambda lib, quick: ch11(lib, quick, "adam", 10),
    "softmax_train": lambda lib, quick: fashion(lib, quick, "softmax", "train"),
    "mlp_train": lambda lib, quick: fashion(lib, quick, "mlp", "train"),
    "lenet_bn_train": lambda lib, quick: fashion(lib, quick, "lenet_bn", "train"),
    "resnet18": lambda lib, quick: conv_steps(lib, quick, "resnet18"),
    "densenet": lambda lib, quick: conv_steps(lib, quick, "densenet"),
    "ch8_lstm": lambda lib, quick: train_ch8(lib, quick, "LSTM"),
}
MEMORY_ROW = {"linreg": "linreg", "ch11_adam_b10": "train_ch11 adam b10",
              "softmax_train": "softmax epoch train", "mlp_train": "mlp epoch train",
              "lenet_bn_train": "lenet_bn epoch train", "resnet18": "resnet18",
              "densenet": "densenet", "ch8_lstm": "train_ch8 nn.LSTM"}
CNN_TRAINING = ("lenet_bn_train", "resnet18", "densenet")


def memory_probe(workload, lib_name, quick):
    """Run in a child process: set the workload up, then run its first PROBE_STEPS steps
    (every step allocates alike, so the peak is reached by then); print the peak growth."""
    libs = _libs()
    spec = MEMORY_PROBES[workload](libs[lib_name], quick)
    if lib_name == "ember":
        _load_kernel_modules()
    before = H.reset_peak_rss()
    for step, _ in enumerate(spec["run"]()):
        if step + 1 == PROBE_STEPS:
            break
    print(f"PEAK_RSS_DELTA {H.peak_rss_bytes() - before}")


def _load_kernel_modules():
    """Import numba and ember's kernel modules now (~110 MiB of code and compiler), as
    ``import torch`` loads torch's before the measure starts: loading a library is not
    training memory. What compiling or loading each kernel on first call takes is still
    counted."""
    import pkgutil

    import ember._kernels
    from ember import _numba
    for module in pkgutil.iter_modules(ember._kernels.__path__):
        _numba.kernels(module.name)


def run(quick=False, only=None, memory=True, info=None):
    """Every workload (or those whose group or name contains one of ``only``); returns the
    table rows."""
    libs = _libs()
    rows = []
    for name, build, repeat, target, group in _workloads(quick):
        if only and not any(o in (group, name) or o in name for o in only):
            continue
        specs = {ln: build(lib) for ln, lib in libs.items()}
        best = H.race({ln: spec["run"] for ln, spec in specs.items()}, repeat=repeat)
        r = H.row(name, best["ember"], best.get("torch"), target)
        if info is not None and "torch" in libs:
            samples = None
            if group == "fashion":
                samples = 2560 if quick else (10000 if "eval" in name else
                                              60000 if FULL_EPOCH else TRAIN_LIMIT)
                mult = 1 if "eval" in name else 3
            elif group == "conv":
                samples, mult = specs["torch"]["samples"], 3
            if samples and "net" in specs["torch"]:
                fwd = _twins.forward_flops(libs["torch"], specs["torch"]["net"],
                                           specs["torch"].get("input", (1, 28, 28)))
                H.add_ceiling(r, info, flops=mult * fwd * samples)
        rows.append(r)
        print(f"  {name:42s} ember {H._fmt_time(r['ember_s']):>10s}  torch "
              f"{H._fmt_time(r['torch_s']):>10s}  ratio "
              f"{'-' if r['ratio'] is None else format(r['ratio'], '.2f')}", flush=True)
    if memory:
        for probe, prefix in MEMORY_ROW.items():
            matching = [r for r in rows if r["name"].startswith(prefix)]
            if not matching:
                continue
            for ln in libs:
                matching[0][f"{ln}_peak_bytes"] = H.peak_rss_delta(
                    "benchmarks.bench_training", probe, ln, quick)
            me, mt = matching[0].get("ember_peak_bytes"), matching[0].get("torch_peak_bytes")
            if me and mt:
                matching[0]["mem_ratio"] = me / mt
                if probe in CNN_TRAINING:  # issue 16's bar for CNN training
                    matching[0]["mem_target"] = 1.25
                    matching[0]["mem_met"] = me / mt <= 1.25
            print(f"  peak memory {probe:16s} ember {H._fmt_bytes(me):>9s} torch "
                  f"{H._fmt_bytes(mt):>9s}", flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=None, help="comma-separated groups or names")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--memory-probe", nargs=2, metavar=("WORKLOAD", "LIB"))
    args = parser.parse_args(argv)
    if args.memory_probe:
        memory_probe(*args.memory_probe, args.quick)
        return
    info = H.machine(H.import_torch(), args.quick)
    rows = run(args.quick, args.only.split(",") if args.only else None,
               memory=not args.no_memory, info=info)
    print(H.format_table(rows, info))


if __name__ == "__main__":
    main()
