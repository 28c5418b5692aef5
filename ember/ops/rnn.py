"""The recurrence of ``nn.RNN``, ``nn.GRU`` and ``nn.LSTM``: one graph node per layer and
direction.

Recorded step by step, a 35-step LSTM layer would leave some 400 small nodes behind, and
Python's cost per node would dwarf the arithmetic. So the layer is split the way fused
implementations split it: the input projection ``x W_ih^T + b_ih`` of all time steps is one
matrix product done by the caller (an ordinary recorded ``linear``), and what remains, the
loop over time, is the single ``Recurrence`` node here. Its forward walks the steps in
NumPy, writing into preallocated buffers, and saves the activated gates; its backward is
back-propagation through time, the reverse loop in NumPy. The backward's per-step work is
kept to the part that truly depends on the previous step: every gate's derivative is a
fixed (elementwise) multiple of the incoming dh (and dc), so those multiples are computed
for all steps at once before the loop, the loop does only "dh -> gate gradients -> the
product with W_hh", and the weight gradient is one product over all steps afterwards.

Gate layout as PyTorch's: RNN ``h' = act(W_ih x + b_ih + W_hh h + b_hh)``; GRU ``r, z, n``
with ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`` and ``h' = (1 - z) n + z h``; LSTM
``i, f, g, o`` with ``c' = f c + i g`` and ``h' = o tanh(c')``.

The backward works on arrays only: under ``create_graph=True`` it still gives the first
derivatives, but differentiating those again raises instead of silently treating them as
constants. The cells (``nn.RNNCell`` ...) are
written with ordinary ops and do support it.
"""
import numpy as np

from .. import _threads
from ..autograd.function import Function
from ._quiet import quiet

MODES = ("RNN_TANH", "RNN_RELU", "GRU", "LSTM")


def _sigmoid_(a):
    """1 / (1 + exp(-a)) in place (for very negative a, exp overflows and the result is 0,
    as PyTorch's)."""
    np.negative(a, out=a)
    with quiet():
        np.exp(a, out=a)
    a += 1
    np.reciprocal(a, out=a)


def _steps(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def _previous(seq, first, reverse):
    """The state each step started from, ``(T, B, H)``: ``first`` then ``seq`` shifted by
    one step in processing order."""
    prev = np.empty_like(seq)
    if reverse:
        prev[:-1] = seq[1:]
        prev[-1] = first
    else:
        prev[1:] = seq[:-1]
        prev[0] = first
    return prev


def _weight_grad(d_gates, seq, first, reverse):
    """sum over steps of d_gates[t]^T h_{t-1}: one product over all steps, plus the step
    that started from the initial state."""
    G, H = d_gates.shape[-1], seq.shape[-1]
    if reverse:
        rest, at_first, d_rest = seq[1:], d_gates[-1], d_gates[:-1]
    else:
        rest, at_first, d_rest = seq[:-1], d_gates[0], d_gates[1:]
    dw = at_first.T @ first
    if len(rest):
        dw += d_rest.reshape(-1, G).T @ rest.reshape(-1, H)
    return dw


class Recurrence(Function):
    """``apply(mode, reverse, xw, h0, c0, w_hh, b_hh)``: the hidden states of all steps.

    ``xw`` is ``(T, B, G*H)``, the input projection with ``b_ih`` already added; ``h0`` and
    ``c0`` are ``(B, H)`` (``c0`` only for LSTM, else None); ``b_hh`` may be None. Returns
    ``(T, B, H)``, step t at row t whichever the direction; for LSTM ``(T + 1, B, H)``, whose
    last row is the final cell state."""

    @staticmethod
    def forward(ctx, mode, reverse, xw, h0, c0, w_hh, b_hh):
        ctx.mode, ctx.reverse = mode, reverse
        # Many small products in a row: ember's load-aware BLAS thread count (one thread
        # on a busy machine, where a two-thread product waits for a descheduled thread).
        with _threads.blas_threads():
            if mode == "GRU":
                return _gru_forward(ctx, reverse, xw, h0, w_hh, b_hh)
            if mode == "LSTM":
                return _lstm_forward(ctx, reverse, xw, h0, c0, w_hh, b_hh)
            return _rnn_forward(ctx, mode == "RNN_RELU", reverse, xw, h0, w_hh, b_hh)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, np.ndarray):
            with _threads.blas_threads():
                return Recurrence._backward(ctx, g, ctx.saved_tensors)
        # create_graph: the same arrays, each wrapped in a node that refuses to be
        # differentiated (a first derivative is fine; a second one raises, clearly).
        with _threads.blas_threads():
            grads = Recurrence._backward(ctx, g._data, ctx._saved)
        sources = [g] + [t for t in ctx.inputs if t is not None]
        return tuple(None if d is None else _NotTwiceDifferentiable.apply(d, *sources)
                     for d in grads)

    @staticmethod
    def _backward(ctx, g, saved):
        mode, reverse = ctx.mode, ctx.reverse
        if mode == "GRU":
            dxw, dh0, dgh = _gru_backward(reverse, g, *saved)
            dc0 = None
        elif mode == "LSTM":
            dxw, dh0, dc0 = _lstm_backward(reverse, g, *saved)
            dgh = dxw
        else:
            dxw, dh0 = _rnn_backward(mode == "RNN_RELU", reverse, g, *saved)
            dgh, dc0 = dxw, None
        need = ctx.needs_input_grad
        h0, hs = saved[0], saved[2]
        if mode == "LSTM":
            hs = hs[:-1]
        dw = _weight_grad(dgh, hs, h0, reverse) if need[5] else None
        db = np.add.reduce(dgh.reshape(-1, dgh.shape[-1]), axis=0) if need[6] else None
        return None, None, dxw, dh0, dc0, dw, db


class _NotTwiceDifferentiable(Function):
    """``apply(value, *sources)``: ``value``, recorded as depending on ``sources`` (the
    recurrence's inputs and output gradient) so that differentiating it reaches this
    backward, which raises."""

    @staticmethod
    def forward(ctx, value, *sources):
        return value

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(
            "double backward through nn.RNN, nn.GRU and nn.LSTM layers is not supported by "
            "ember (their backward is a fused NumPy loop); build the network from "
            "nn.RNNCell / nn.GRUCell / nn.LSTMCell, whose ops support it")


# ----- Elman RNN ---------------------------------------------------------------------------
def _rnn_forward(ctx, relu, reverse, xw, h0, w_hh, b_hh):
    hs = xw + b_hh if b_hh is not None else xw.copy()  # pre-activations, then states
    w_t = w_hh.T
    h = h0
    for t in _steps(len(hs), reverse):
        a = hs[t]
        a += h @ w_t
        if relu:
            np.maximum(a, 0, out=a)
        else:
            np.tanh(a, out=a)
        h = a
    ctx.save_for_backward(h0, w_hh, hs)
    return hs


def _rnn_backward(relu, reverse, g, h0, w_hh, hs):
    # d pre-activation = (dh) * act'(a), with act' read off the output.
    da = (hs > 0).astype(hs.dtype) if relu else 1 - hs * hs
    dh = np.zeros_like(h0)
    for t in _steps(len(hs), not reverse):
        dh += g[t]
        da[t] *= dh
        dh = da[t] @ w_hh
    return da, dh


# ----- GRU ---------------------------------------------------------------------------------
def _gru_forward(ctx, reverse, xw, h0, w_hh, b_hh):
    T, B, H3 = xw.shape
    H = H3 // 3
    gates = np.empty_like(xw)               # r, z, n of every step
    ghn = np.empty((T, B, H), xw.dtype)     # W_hn h + b_hn of every step
    hs = np.empty((T, B, H), xw.dtype)
    gh = np.empty((B, H3), xw.dtype)
    w_t = w_hh.T
    h = h0
    for t in _steps(T, reverse):
        np.matmul(h, w_t, out=gh)
        if b_hh is not None:
            gh += b_hh
        gt, xt = gates[t], xw[t]
        rz = gt[:, :2 * H]
        np.add(xt[:, :2 * H], gh[:, :2 * H], out=rz)
        _sigmoid_(rz)
        ghn[t] = gh[:, 2 * H:]
        n = gt[:, 2 * H:]
        np.multiply(gt[:, :H], gh[:, 2 * H:], out=n)
        n += xt[:, 2 * H:]
        np.tanh(n, out=n)
        h_new = hs[t]
        np.subtract(h, n, out=h_new)   # h' = n + z (h - n)
        h_new *= gt[:, H:2 * H]
        h_new += n
        h = h_new
    ctx.save_for_backward(h0, w_hh, hs, gates, ghn)
    return hs


def _gru_backward(reverse, g, h0, w_hh, hs, gates, ghn):
    T, B, H = hs.shape
    g4 = gates.reshape(T, B, 3, H)
    r, z, n = g4[:, :, 0], g4[:, :, 1], g4[:, :, 2]
    hp = _previous(hs, h0, reverse)
    # Each gate's gradient is dh times a coefficient known from the forward:
    dn_dh = (1 - z) * (1 - n * n)                     # d(pre-activation of n)
    coef = np.empty_like(g4)                          # d(W_hh h + b_hh) / dh, per gate
    coef[:, :, 0] = dn_dh * ghn * r * (1 - r)
    coef[:, :, 1] = (hp - n) * z * (1 - z)
    coef[:, :, 2] = dn_dh * r
    dgh = np.empty_like(g4)
    dhs = np.empty_like(hs)
    dh = np.zeros_like(h0)
    for t in _steps(T, not reverse):
        dh += g[t]
        dhs[t] = dh
        np.multiply(coef[t], dh[:, None, :], out=dgh[t])
        h_part = dh * z[t]
        dh = dgh[t].reshape(B, 3 * H) @ w_hh
        dh += h_part
    dgi = dgh.copy()
    np.multiply(dhs, dn_dh, out=dgi[:, :, 2])         # the input side of n is not gated by r
    return dgi.reshape(T, B, 3 * H), dh, dgh.reshape(T, B, 3 * H)


# ----- LSTM --------------------------------------------------------------------------------
def _lstm_forward(ctx, reverse, xw, h0, c0, w_hh, b_hh):
    T, B, H4 = xw.shape
    H = H4 // 4
    gates = xw + b_hh if b_hh is not None else xw.copy()   # i, f, g, o of every step
    out = np.empty((T + 1, B, H), xw.dtype)                 # h of every step, then c_T
    cs = np.empty((T, B, H), xw.dtype)
    w_t = w_hh.T
    h, c = h0, c0
    for t in _steps(T, reverse):
        gt = gates[t]
        gt += h @ w_t
        _sigmoid_(gt[:, :2 * H])
        _sigmoid_(gt[:, 3 * H:])
        gg = gt[:, 2 * H:3 * H]
        np.tanh(gg, out=gg)
        c_new = cs[t]
        np.multiply(gt[:, H:2 * H], c, out=c_new)
        c_new += gt[:, :H] * gg
        h = out[t]
        np.tanh(c_new, out=h)
        h *= gt[:, 3 * H:]
        c = c_new
    out[T] = c
    ctx.save_for_backward(h0, w_hh, out, c0, gates, cs)
    return out


def _lstm_backward(reverse, g, h0, w_hh, out, c0, gates, cs):
    T, B, H = cs.shape
    g4 = gates.reshape(T, B, 4, H)
    i, f, gg, o = g4[:, :, 0], g4[:, :, 1], g4[:, :, 2], g4[:, :, 3]
    tc = np.tanh(cs)
    cp = _previous(cs, c0, reverse)
    dc_dh = o * (1 - tc * tc)
    # d(pre-activations) = dc * coef for i, f, g and dh * coef for o:
    coef = np.empty_like(g4)
    coef[:, :, 0] = gg * i * (1 - i)
    coef[:, :, 1] = cp * f * (1 - f)
    coef[:, :, 2] = i * (1 - gg * gg)
    coef[:, :, 3] = tc * o * (1 - o)
    da = np.empty_like(g4)
    dh = np.zeros_like(h0)
    dc = g[T].copy()
    for t in _steps(T, not reverse):
        dh += g[t]
        dc += dh * dc_dh[t]
        np.multiply(coef[t, :, :3], dc[:, None, :], out=da[t, :, :3])
        np.multiply(coef[t, :, 3], dh, out=da[t, :, 3])
        dh = da[t].reshape(B, 4 * H) @ w_hh
        dc *= f[t]
    return da.reshape(T, B, 4 * H), dh, dc
