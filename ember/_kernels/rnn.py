"""One step of the LSTM (``ember/ops/rnn.py``), forward and backward, as one compiled pass
each around NumPy's tanh and BLAS's product.

Forward: the gates' affine step after their tanh and the new cell state, one pass where
NumPy makes five. Backward: the NumPy path first computes each gate's coefficient (its
derivative as a multiple of the incoming dh or dc) for all steps at once, five (T, B, H)
arrays' worth of passes over memory, then per step a handful of elementwise calls around
the one product with W_hh. Here each step's gate gradients are computed straight from the
saved gates while they sit in cache: no coefficient arrays, one call per step. No fastmath: every operation is the
NumPy path's, in its order, each rounded to the data's type, so the results are the same
bit for bit (the tests compare them).

The caller checks that the arrays are C-contiguous, of one float type (float32/64), and
shaped (B, 4H) for ``gates``/``da``, (4H,) for ``scale``/``offset`` and (B, H) for the
rest; the loops stay inside them.
"""
import numba

# One thread, as pool.py explains; nogil for callers on threads of their own.
_jit = dict(cache=True, nogil=True)


@numba.njit(**_jit)
def lstm_step_cell(gates, scale, offset, c, c_new):
    """After ``gates = tanh(pre-activations)`` of one step: ``gates = gates * scale +
    offset`` (the sigmoid gates from their halved tanh), then ``c_new = f c + i g``."""
    B, H4 = gates.shape
    H = H4 // 4
    for b in range(B):
        gb = gates[b]
        for k in range(H4):
            gb[k] = gb[k] * scale[k] + offset[k]
        for j in range(H):
            c_new[b, j] = gb[H + j] * c[b, j] + gb[j] * gb[2 * H + j]


@numba.njit(**_jit)
def lstm_step_backward(gates, tc, c_prev, g, dh, dc, da, one):
    """Step t of the LSTM backward, in place: ``dh += g``, ``dc += dh * o (1 - tc^2)``,
    the pre-activation gradients of i, f, g, o into ``da`` (B, 4H) (``dc`` times
    ``g i (1 - i)``, ``c_prev f (1 - f)``, ``i (1 - g^2)``; ``dh`` times
    ``tc o (1 - o)``), then ``dc *= f``. ``gates`` are step t's activated gates (i, f, g,
    o), ``tc`` its tanh(c), ``c_prev`` the cell state it started from; ``one`` is 1 in
    the data's type (a literal 1 would widen float32 arithmetic to float64)."""
    B, H = dh.shape
    for b in range(B):
        gb, db = gates[b], da[b]
        for j in range(H):
            i = gb[j]
            f = gb[H + j]
            gg = gb[2 * H + j]
            o = gb[3 * H + j]
            t = tc[b, j]
            dhv = dh[b, j] + g[b, j]
            dh[b, j] = dhv
            dcv = dc[b, j] + dhv * ((one - t * t) * o)
            db[j] = (((one - i) * i) * gg) * dcv
            db[H + j] = (((one - f) * f) * c_prev[b, j]) * dcv
            db[2 * H + j] = ((one - gg * gg) * i) * dcv
            db[3 * H + j] = (((one - o) * o) * t) * dhv
            dc[b, j] = dcv * f
