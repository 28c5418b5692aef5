"""The recurrence of ``nn.RNN``, ``nn.GRU`` and ``nn.LSTM``: one graph node per layer and
direction.

Recorded step by step, a 35-step LSTM layer would leave some 400 small nodes behind, and
Python's cost per node would dwarf the arithmetic. So the layer is one ``Recurrence`` node,
computed the way fused implementations compute it: the input projection ``x W_ih^T + b_ih``
of all time steps is one matrix product, then the forward walks the steps in NumPy, writing
into preallocated buffers, and saves the activated gates; its backward is
back-propagation through time, the reverse loop in NumPy. The backward's per-step work is
kept to the part that truly depends on the previous step: every gate's derivative is a
fixed (elementwise) multiple of the incoming dh (and dc), so those multiples are computed
for all steps at once before the loop, the loop does only "dh -> gate gradients -> the
product with W_hh", and the weight gradient is one product over all steps afterwards.
With numba, the LSTM's per-step elementwise work runs as compiled passes instead
(``ember/_kernels/rnn.py``: the same operations in the same order, the same bits).

Gate layout as PyTorch's: RNN ``h' = act(W_ih x + b_ih + W_hh h + b_hh)``; GRU ``r, z, n``
with ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`` and ``h' = (1 - z) n + z h``; LSTM
``i, f, g, o`` with ``c' = f c + i g`` and ``h' = o tanh(c')``.

The backward works on arrays only: under ``create_graph=True`` it still gives the first
derivatives, but differentiating those again raises instead of silently treating them as
constants. The cells (``nn.RNNCell`` ...) are written with ordinary ops and do support it.
"""
import numpy as np

from .. import _numba, _threads
from ..autograd.function import Function
from ..tensor import Tensor

_SIGMOID_GATES = {"GRU": (3, (0, 1)), "LSTM": (4, (0, 1, 3))}  # r, z; i, f, o


def _gate_scale(mode, H, dtype):
    """Per-column factor over the gates: 0.5 on the sigmoid gates, 1 elsewhere. With the
    pre-activations multiplied by it, ``tanh(.) * scale + (1 - scale)`` is the logistic
    sigmoid on those gates and tanh on the others (sigmoid(x) = 0.5 tanh(x / 2) + 0.5): one
    contiguous tanh over all gates is several times cheaper than exp-based sigmoids on
    strided column blocks, and the factor is folded into the weights once per call."""
    gates, sigmoid = _SIGMOID_GATES.get(mode, (1, ()))
    scale = np.ones((gates, H), dtype)
    scale[list(sigmoid)] = 0.5
    return scale.reshape(-1)


# The LSTM backward's scratch arrays (gate coefficients and gradients, some 11 MB at the
# book's sizes), kept from one call to the next, one per role (other shapes replace
# them): a fresh array this large is mapped anew by the allocator and paid for in page
# faults on first touch, ~1.2 ms of that backward's ~10 ms (measured at batch 32, 35
# steps, 256 hidden units). Taken out while in use, so concurrent calls never share one.
_kept = {}


def _scratch(role, shape, dtype):
    """An uninitialised array of this shape and dtype, the one kept for ``role`` if it
    fits; hand it back with ``_keep`` once nothing refers to it any more."""
    a = _kept.pop(role, None)
    if a is None or a.shape != shape or a.dtype != dtype:
        a = np.empty(shape, dtype)
    return a


def _keep(role, a):
    _kept[role] = a


def _steps(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def _times_previous(a, seq, first, reverse, out):
    """``out = a * previous`` where previous[t] is the state step t started from: ``first``
    for the first step in processing order, else ``seq`` one step earlier."""
    if reverse:
        np.multiply(a[:-1], seq[1:], out=out[:-1])
        np.multiply(a[-1], first, out=out[-1])
    else:
        np.multiply(a[1:], seq[:-1], out=out[1:])
        np.multiply(a[0], first, out=out[0])


def _h_minus_n(hs, h0, n, reverse, out):
    """``out = previous h - n`` per step (previous as in ``_times_previous``)."""
    if reverse:
        np.subtract(hs[1:], n[:-1], out=out[:-1])
        np.subtract(h0, n[-1], out=out[-1])
    else:
        np.subtract(hs[:-1], n[1:], out=out[1:])
        np.subtract(h0, n[0], out=out[0])


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


def _step_threads(w_hh, batch):
    """The BLAS thread count for the per-step products with ``w_hh``: one when they are
    under ``_threads.SPLIT_MIN`` multiply-adds, else None (the load-aware default)."""
    return 1 if batch * w_hh.size < _threads.SPLIT_MIN else None


class Recurrence(Function):
    """``apply(mode, reverse, x, w_ih, b_ih, h0, c0, w_hh, b_hh)``: the hidden states of
    all steps of one layer in one direction.

    ``x`` is ``(T, B, I)``; ``h0`` and ``c0`` are ``(B, H)`` (``c0`` only for LSTM, else
    None); the biases may be None. Returns ``(T, B, H)``, step t at row t whichever the
    direction; for LSTM ``(T + 1, B, H)``, whose last row is the final cell state."""

    @staticmethod
    def forward(ctx, mode, reverse, x, w_ih, b_ih, h0, c0, w_hh, b_hh):
        ctx.mode, ctx.reverse = mode, reverse
        # The layer's products run with ember's load-aware BLAS thread count (on a busy
        # machine one thread, as a two-thread product there mostly waits for a
        # descheduled thread), the per-step ones on one thread when they are too small
        # to split (_threads.SPLIT_MIN: nn.RNN's (32 x 256) @ (256 x 256)).
        with _threads.blas_threads():
            T, B, I = x.shape
            H = w_hh.shape[1]
            # The sigmoid gates' halving (see _gate_scale) and, where the recurrence adds
            # it unchanged (RNN, LSTM), b_hh go into the projection's weights and bias, so
            # that the (T, B, G*H) projection is made in one product and one pass.
            scale = _gate_scale(mode, H, x.dtype)
            w_in = np.multiply(w_ih.T, scale, order="C")  # contiguous: a faster product
            bias = b_ih if mode == "GRU" or b_hh is None else b_ih + b_hh
            xw = x.reshape(T * B, I).dot(w_in).reshape(T, B, len(w_ih))  # all steps at once
            if bias is not None:
                xw += bias * scale
            w_t = np.multiply(w_hh.T, scale, order="C")
        with _threads.blas_threads(_step_threads(w_hh, B)):
            if mode == "GRU":
                out, saved = _gru_forward(reverse, xw, h0, w_hh, w_t,
                                          None if b_hh is None else b_hh * scale)
            elif mode == "LSTM":
                out, saved = _lstm_forward(reverse, xw, h0, c0, w_hh, w_t, scale)
            else:
                out, saved = _rnn_forward(mode == "RNN_RELU", reverse, xw, h0, w_hh, w_t)
        ctx.save_for_backward(x, w_ih, *saved)
        return out

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, np.ndarray):
            with _threads.blas_threads():
                return Recurrence._backward(ctx, g, ctx.saved_tensors)
        # create_graph: the same arrays, each wrapped in a node that refuses to be
        # differentiated (a first derivative is fine; a second one raises, clearly).
        with _threads.blas_threads():
            grads = Recurrence._backward(ctx, g._data, ctx._saved)
        sources = [g] + [_source(t) for t in ctx.inputs if t is not None]
        return tuple(None if d is None else _NotTwiceDifferentiable.apply(d, *sources)
                     for d in grads)

    @staticmethod
    def _backward(ctx, g, saved):
        mode, reverse = ctx.mode, ctx.reverse
        x, w_ih, saved = saved[0], saved[1], saved[2:]
        T, B, I = x.shape
        with _threads.blas_threads(_step_threads(saved[1], B)):  # saved[1]: w_hh
            if mode == "GRU":
                dxw, dh0, dgh = _gru_backward(reverse, g, *saved)
                dc0 = None
            elif mode == "LSTM":
                dxw, dh0, dc0 = _lstm_backward(reverse, g, *saved)
                dgh = dxw  # a scratch array: kept again below, once used
            else:
                dxw, dh0 = _rnn_backward(mode == "RNN_RELU", reverse, g, *saved)
                dgh, dc0 = dxw, None
        need = ctx.needs_input_grad
        h0, hs = saved[0], saved[2]
        if mode == "LSTM":
            hs = hs[:-1]
        dxw = dxw.reshape(T * B, len(w_ih))
        dx = dxw.dot(w_ih).reshape(T, B, I) if need[2] else None
        dw_ih = dxw.T.dot(x.reshape(T * B, I)) if need[3] else None
        db_ih = np.add.reduce(dxw, axis=0) if need[4] or (need[8] and mode != "GRU") else None
        dw_hh = _weight_grad(dgh, hs, h0, reverse) if need[7] else None
        db_hh = None
        if need[8]:  # the same as db_ih, except for GRU's b_hn (a copy: never one array twice)
            db_hh = db_ih.copy() if mode != "GRU" else \
                np.add.reduce(dgh.reshape(T * B, dgh.shape[-1]), axis=0)
        if mode == "LSTM":
            _keep("lstm_da", dgh)
        return None, None, dx, dw_ih, db_ih, dh0, dc0, dw_hh, db_hh


def _source(edge):
    """A recurrence's input as ``_NotTwiceDifferentiable`` takes it: the leaf tensor, or a
    stand-in tensor for the node that made it (the graph keeps nodes, not the tensors)."""
    if not isinstance(edge, Function):
        return edge
    t = Tensor._wrap(np.empty(0, dtype=edge._dtype))
    t._requires_grad, t.grad_fn = True, edge
    return t


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
def _rnn_forward(relu, reverse, xw, h0, w_hh, w_t):
    hs = xw  # pre-activations, then states (xw is the op's own array)
    h = h0
    for t in _steps(len(hs), reverse):
        a = hs[t]
        a += h @ w_t
        if relu:
            np.maximum(0, a, out=a)  # -0.0 stays -0.0, as relu keeps it (see ops.Relu)
        else:
            np.tanh(a, out=a)
        h = a
    return hs, (h0, w_hh, hs)


def _rnn_backward(relu, reverse, g, h0, w_hh, hs):
    # d pre-activation = (dh) * act'(a), with act' read off the output.
    if relu:
        da = (hs > 0).astype(hs.dtype)
    else:
        da = np.multiply(hs, hs)
        np.subtract(1, da, out=da)
    dh = np.zeros_like(h0)
    for t in _steps(len(hs), not reverse):
        dh += g[t]
        da[t] *= dh
        dh = da[t] @ w_hh
    return da, dh


# ----- GRU ---------------------------------------------------------------------------------
def _gru_forward(reverse, xw, h0, w_hh, w_t, b_hh):
    """``xw``, ``w_t`` (W_hh^T) and ``b_hh`` come with the r and z columns halved."""
    T, B, H3 = xw.shape
    H = H3 // 3
    gates = np.empty_like(xw)               # r, z, n of every step
    ghn = np.empty((T, B, H), xw.dtype)     # W_hn h + b_hn of every step
    hs = np.empty((T, B, H), xw.dtype)
    gh = np.empty((B, H3), xw.dtype)
    h = h0
    for t in _steps(T, reverse):
        np.matmul(h, w_t, out=gh)
        if b_hh is not None:
            gh += b_hh
        gt, xt = gates[t], xw[t]
        rz = gt[:, :2 * H]
        np.add(xt[:, :2 * H], gh[:, :2 * H], out=rz)
        np.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
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
    return hs, (h0, w_hh, hs, gates, ghn)


def _gru_backward(reverse, g, h0, w_hh, hs, gates, ghn):
    T, B, H = hs.shape
    g4 = gates.reshape(T, B, 3, H)
    r, z, n = g4[:, :, 0], g4[:, :, 1], g4[:, :, 2]
    # Each gate's gradient is dh times a coefficient known from the forward (out= into
    # a few buffers, as in _lstm_backward):
    coef = np.empty_like(g4)                          # d(W_hh h + b_hh) / dh, per gate
    tmp = np.empty_like(hs)
    dn_dh = np.multiply(n, n)
    np.subtract(1, dn_dh, out=dn_dh)
    np.subtract(1, z, out=tmp)
    dn_dh *= tmp                                      # d(pre-activation of n): (1-z)(1-n^2)
    np.multiply(dn_dh, r, out=coef[:, :, 2])          # W_hn h + b_hn: dn_dh r
    np.subtract(1, r, out=tmp)
    tmp *= coef[:, :, 2]
    np.multiply(tmp, ghn, out=coef[:, :, 0])          # r: dn_dh r (1 - r) (W_hn h + b_hn)
    z_slope = np.subtract(1, z, out=tmp)
    z_slope *= z
    _h_minus_n(hs, h0, n, reverse, out=coef[:, :, 1])
    coef[:, :, 1] *= z_slope                          # z: (h_prev - n) z (1 - z)
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
def _lstm_forward(reverse, xw, h0, c0, w_hh, w_t, scale):
    """``xw`` (with both biases) and ``w_t`` (W_hh^T) come with the sigmoid gates'
    columns halved by ``scale``."""
    T, B, H4 = xw.shape
    H = H4 // 4
    offset = 1 - scale
    gates = xw  # i, f, g, o of every step (xw is the op's own array)
    out = np.empty((T + 1, B, H), xw.dtype)                 # h of every step, then c_T
    cs = np.empty((T, B, H), xw.dtype)
    gh = np.empty((B, H4), xw.dtype)
    k = _numba.kernels("rnn")
    if k is not None and (xw.dtype not in (np.float32, np.float64) or c0.shape != (B, H)
                          or not xw.flags.c_contiguous):
        k = None
    h, c = h0, (c0 if k is None else np.ascontiguousarray(c0))
    for t in _steps(T, reverse):
        gt = gates[t]
        np.matmul(h, w_t, out=gh)
        gt += gh
        np.tanh(gt, out=gt)
        c_new = cs[t]
        if k is not None:  # the next four lines in one pass (ember/_kernels/rnn.py)
            k.lstm_step_cell(gt, scale, offset, c, c_new)
        else:
            gt *= scale
            gt += offset
            np.multiply(gt[:, H:2 * H], c, out=c_new)
            c_new += gt[:, :H] * gt[:, 2 * H:3 * H]
        h = out[t]
        np.tanh(c_new, out=h)
        h *= gt[:, 3 * H:]
        c = c_new
    out[T] = c
    return out, (h0, w_hh, out, c0, gates, cs)


def _lstm_backward(reverse, g, h0, w_hh, out, c0, gates, cs):
    T, B, H = cs.shape
    k = _numba.kernels("rnn")
    if k is not None and cs.dtype in (np.float32, np.float64) and T and \
            gates.shape == (T, B, 4 * H) and g.shape == (T + 1, B, H) and c0.shape == (B, H):
        return _lstm_backward_compiled(k, reverse, g, w_hh, c0, gates, cs)
    g4 = gates.reshape(T, B, 4, H)
    i, f, gg, o = g4[:, :, 0], g4[:, :, 1], g4[:, :, 2], g4[:, :, 3]
    # d(pre-activations) = dc * coef for i, f, g and dh * coef for o. Written with out=
    # into a few kept buffers (_scratch): a fresh temporary of this size costs more in
    # page faults than the arithmetic done in it.
    coef = _scratch("lstm_coef", g4.shape, g4.dtype)
    tmp = _scratch("lstm_tmp", cs.shape, cs.dtype)
    tc = np.tanh(cs, out=_scratch("lstm_tc", cs.shape, cs.dtype))
    np.subtract(1, o, out=tmp)
    tmp *= o
    np.multiply(tmp, tc, out=coef[:, :, 3])            # o: tanh(c) o (1 - o)
    dc_dh = np.multiply(tc, tc, out=tc)
    np.subtract(1, dc_dh, out=dc_dh)
    dc_dh *= o                                          # dc/dh = o (1 - tanh(c)^2)
    np.subtract(1, i, out=tmp)
    tmp *= i
    np.multiply(tmp, gg, out=coef[:, :, 0])             # i: g i (1 - i)
    np.multiply(gg, gg, out=tmp)
    np.subtract(1, tmp, out=tmp)
    np.multiply(tmp, i, out=coef[:, :, 2])              # g: i (1 - g^2)
    np.subtract(1, f, out=tmp)
    tmp *= f                                            # f: c_prev f (1 - f)
    _times_previous(tmp, cs, c0, reverse, out=coef[:, :, 1])
    da = _scratch("lstm_da", (T, B, 4 * H), g4.dtype).reshape(g4.shape)
    dh = np.zeros_like(h0)
    dc = g[T].copy()
    for t in _steps(T, not reverse):
        dh += g[t]
        dc += dh * dc_dh[t]
        np.multiply(coef[t, :, :3], dc[:, None, :], out=da[t, :, :3])
        np.multiply(coef[t, :, 3], dh, out=da[t, :, 3])
        dh = da[t].reshape(B, 4 * H) @ w_hh
        dc *= f[t]
    _keep("lstm_coef", coef)
    _keep("lstm_tmp", tmp)
    _keep("lstm_tc", tc)
    return da.reshape(T, B, 4 * H), dh, dc


def _lstm_backward_compiled(k, reverse, g, w_hh, c0, gates, cs):
    """``_lstm_backward`` with each step's elementwise work in one compiled pass
    (``ember/_kernels/rnn.py``: the same operations in the same order, so the same bits)."""
    T, B, H = cs.shape
    dtype = cs.dtype
    # The kernel's contract: C-contiguous arrays of one float type, of these shapes.
    g, c0, gates, cs = (np.ascontiguousarray(a, dtype) for a in (g, c0, gates, cs))
    tc = np.tanh(cs, out=_scratch("lstm_tc", cs.shape, dtype))
    da = _scratch("lstm_da", (T, B, 4 * H), dtype)
    dh = np.zeros((B, H), dtype)
    dc = g[T].copy()
    one = dtype.type(1)
    for t in _steps(T, not reverse):
        first = t == (T - 1 if reverse else 0)
        c_prev = c0 if first else cs[t + 1 if reverse else t - 1]
        k.lstm_step_backward(gates[t], tc[t], c_prev, g[t], dh, dc, da[t], one)
        dh = da[t] @ w_hh
    _keep("lstm_tc", tc)
    return da, dh, dc
