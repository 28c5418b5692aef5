"""Activation backward passes in one compiled pass each (see ``ember.ops.elementwise``)."""
import numba


@numba.njit(cache=True, nogil=True)
def relu_backward(out, g, gx):
    """gx = 0 where out <= 0, else g (a NaN output passes g, as PyTorch's does): one pass
    over three flat arrays of one size, where NumPy's ``where(out <= 0, 0, g)`` takes two
    and a mask."""
    n = out.size
    if g.size != n or gx.size != n:
        raise ValueError("relu_backward: sizes do not agree")
    for i in range(n):
        gx[i] = 0 if out[i] <= 0 else g[i]
