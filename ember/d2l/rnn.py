"""Recurrent language models of the book: the from-scratch model wrapper and the concise
one around ``nn.RNN``/``nn.GRU``/``nn.LSTM``, gradient clipping, character generation and
the training loop with perplexity (chapter 8)."""
import math

import ember
from ember import nn, optim
from ember.nn import functional as F

from .models import sgd
from .plotting import Animator
from .timing import Accumulator, Timer, epoch_bar


class RNNModelScratch:
    """A recurrent network built from functions: ``get_params(vocab_size, num_hiddens,
    device)`` makes the parameter list (kept as ``params``), ``init_state(batch_size,
    num_hiddens, device)`` the initial state, and ``forward_fn(X, state, params)`` runs the
    time steps. Called on token indices ``(batch, steps)``, it one-hot encodes them time
    step first and returns ``forward_fn``'s ``(outputs, state)``."""

    def __init__(self, vocab_size, num_hiddens, device, get_params, init_state, forward_fn):
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.params = get_params(vocab_size, num_hiddens, device)
        self.init_state, self.forward_fn = init_state, forward_fn

    def __call__(self, X, state):
        X = F.one_hot(X.T, self.vocab_size).type(ember.float32)
        return self.forward_fn(X, state, self.params)

    def begin_state(self, batch_size, device):
        return self.init_state(batch_size, self.num_hiddens, device)


class RNNModel(nn.Module):
    """A language model around a recurrent layer: one-hot inputs, the layer, and a linear
    output layer over the hidden states of every time step (of both directions when the
    layer is bidirectional)."""

    def __init__(self, rnn_layer, vocab_size, **kwargs):
        super().__init__(**kwargs)
        self.rnn = rnn_layer
        self.vocab_size = vocab_size
        self.num_hiddens = self.rnn.hidden_size
        self.num_directions = 2 if self.rnn.bidirectional else 1
        self.linear = nn.Linear(self.num_hiddens * self.num_directions, self.vocab_size)

    def forward(self, inputs, state):
        X = F.one_hot(inputs.T.long(), self.vocab_size).to(ember.float32)
        Y, state = self.rnn(X, state)
        # (steps, batch, hiddens) -> (steps * batch, hiddens): one output row per token.
        output = self.linear(Y.reshape((-1, Y.shape[-1])))
        return output, state

    def begin_state(self, device, batch_size=1):
        shape = (self.num_directions * self.rnn.num_layers, batch_size, self.num_hiddens)
        if isinstance(self.rnn, nn.LSTM):
            # An LSTM's state is the pair (hidden state, memory cell).
            return (ember.zeros(shape, device=device), ember.zeros(shape, device=device))
        return ember.zeros(shape, device=device)


def predict_ch8(prefix, num_preds, net, vocab, device):
    """``prefix`` followed by ``num_preds`` generated characters: the prefix warms the
    state up, then each step feeds back the most likely next character."""
    state = net.begin_state(batch_size=1, device=device)
    outputs = [vocab[prefix[0]]]

    def last_output():
        return ember.tensor([outputs[-1]], device=device).reshape((1, 1))

    for y in prefix[1:]:  # warm-up: the state absorbs the prefix, outputs are ignored
        _, state = net(last_output(), state)
        outputs.append(vocab[y])
    for _ in range(num_preds):
        y, state = net(last_output(), state)
        outputs.append(int(y.argmax(dim=1).reshape(1)))
    return "".join(vocab.idx_to_token[i] for i in outputs)


def grad_clipping(net, theta, device=None):
    """Scale the gradients of ``net``'s parameters (an ``nn.Module``'s, or the ``params``
    list of a from-scratch model) so that their joint L2 norm is at most ``theta``.

    The older edition's ``grad_clipping(params, theta, device)``, with the list of
    parameters itself, works too (``device`` is not needed)."""
    if isinstance(net, nn.Module):
        params = [p for p in net.parameters() if p.requires_grad]
    elif isinstance(net, (list, tuple)):
        params = net
    else:
        params = net.params
    grads = [p.grad for p in params if p.grad is not None]
    with ember.no_grad():
        norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
        if norm > theta:
            for g in grads:
                g.mul_(theta / norm)


def _detach_state(state):
    # The state carried into the next minibatch keeps its values but not the graph of the
    # minibatch before: backpropagation stops at the minibatch's first time step.
    if isinstance(state, (tuple, list)):
        for s in state:
            s.detach_()
    else:
        state.detach_()


def train_epoch_ch8(net, train_iter, loss, updater, device, use_random_iter):
    """One epoch of language-model training: ``(perplexity, tokens per second)``. The state
    starts afresh for every minibatch under random sampling, and is carried over (detached)
    under sequential partitioning. ``updater`` is an optimizer or ``updater(batch_size)``."""
    state, timer = None, Timer()
    metric = Accumulator(2)  # sum of losses, tokens
    with epoch_bar(train_iter, "") as bar:
        for X, Y in train_iter:
            if state is None or use_random_iter:
                state = net.begin_state(batch_size=X.shape[0], device=device)
            else:
                _detach_state(state)
            y = Y.T.reshape(-1)  # time step first, as the outputs are
            X, y = X.to(device), y.to(device)
            y_hat, state = net(X, state)
            l = loss(y_hat, y.long()).mean()
            if isinstance(updater, optim.Optimizer):
                updater.zero_grad()
                l.backward()
                grad_clipping(net, 1)
                updater.step()
            else:
                l.backward()
                grad_clipping(net, 1)
                updater(batch_size=1)  # the loss is already a mean
            metric.add(float(l) * y.numel(), y.numel())
            bar.set_postfix_str(f"perplexity {math.exp(metric[0] / metric[1]):.1f}",
                                refresh=False)
            bar.update()
    return math.exp(metric[0] / metric[1]), metric[1] / timer.stop()


def train_ch8(net, train_iter, vocab, lr, num_epochs, device, use_random_iter=False):
    """Train a character-level language model with SGD (``optim.SGD`` for a module,
    ``d2l.sgd`` on ``params`` otherwise), gradients clipped to norm 1; draws the perplexity
    every 10 epochs and prints text generated after "time traveller". Returns
    ``(perplexity, tokens per second)`` of the last epoch."""
    loss = nn.CrossEntropyLoss()
    animator = Animator(xlabel="epoch", ylabel="perplexity", legend=["train"],
                        xlim=[10, num_epochs])
    if isinstance(net, nn.Module):
        updater = optim.SGD(net.parameters(), lr)
    else:
        updater = lambda batch_size: sgd(net.params, lr, batch_size)  # noqa: E731

    def predict(prefix):
        return predict_ch8(prefix, 50, net, vocab, device)

    for epoch in range(num_epochs):
        ppl, speed = train_epoch_ch8(net, train_iter, loss, updater, device, use_random_iter)
        if (epoch + 1) % 10 == 0:
            print(predict("time traveller"))
            animator.add(epoch + 1, [ppl])
    print(f"perplexity {ppl:.1f}, {speed:.1f} tokens/sec on {device}")
    print(predict("time traveller"))
    print(predict("traveller"))
    return ppl, speed
