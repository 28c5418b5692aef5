"""``embedding``: rows of a weight matrix picked by integer indices (``nn.Embedding``)."""
import numpy as np

from ..autograd.function import Function


class Embedding(Function):
    """``apply(weight, indices, padding_idx, scale_grad_by_freq)``: ``weight[indices]``.

    The backward adds each output row's gradient into the row it was read from; the
    ``padding_idx`` row gets none (it stays as it is under training, as PyTorch's), and with
    ``scale_grad_by_freq`` each row's gradient is divided by how often it was read in the
    batch. The backward works on arrays (a weight gradient built by scattering): under
    ``create_graph`` it is a constant."""

    array_backward = True
    backward_reads = ()  # PyTorch's reads the indices and the gradient only

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        ctx.indices, ctx.num_rows = indices, weight.shape[0]
        ctx.padding_idx, ctx.scale = padding_idx, scale_grad_by_freq
        return weight[indices]

    @staticmethod
    def backward(ctx, g):
        idx = ctx.indices.reshape(-1)
        rows = g.reshape(idx.size, -1)
        if ctx.scale:
            counts = np.bincount(idx, minlength=ctx.num_rows)
            rows = rows / counts[idx, None].astype(rows.dtype)
        dw = np.zeros((ctx.num_rows, rows.shape[1]), dtype=g.dtype)
        np.add.at(dw, idx, rows)
        if ctx.padding_idx is not None:
            dw[ctx.padding_idx] = 0
        return dw, None, None, None


def embedding(indices, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq):
    """``F.embedding`` once its arguments are checked: the rows of ``weight`` (a tensor) at
    ``indices`` (a tensor or array), renormalising them first when ``max_norm`` is given."""
    idx = indices._data if hasattr(indices, "_data") else np.asarray(indices)
    _check_indices(idx, weight.shape[0])
    if max_norm is not None:
        weight._bump_version()
        _renorm_rows_(weight._data, idx, max_norm, norm_type)
    return Embedding.apply(weight, idx, padding_idx, scale_grad_by_freq)


def _check_indices(indices, num_rows):
    """PyTorch's errors for indices that are not integers or not rows of the weight."""
    if indices.dtype.kind != "i" or indices.dtype.itemsize < 4:
        from .. import _dtype
        from ..tensor import _TYPE_NAMES
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            "types: Long, Int; but got torch."
            f"{_TYPE_NAMES[_dtype.from_numpy(indices.dtype).name]} instead (while checking "
            "arguments for embedding)")
    if indices.size and (indices.min() < 0 or indices.max() >= num_rows):
        raise IndexError("index out of range in self")


def _renorm_rows_(weight, indices, max_norm, norm_type):
    """Scale, in place, the rows of ``weight`` that ``indices`` reads and whose
    ``norm_type``-norm exceeds ``max_norm`` down to norm ``max_norm`` (PyTorch's
    ``embedding_renorm_``: factor max_norm / (norm + 1e-7))."""
    rows = np.unique(indices)
    norms = np.linalg.norm(weight[rows], ord=norm_type, axis=1)
    over = norms > max_norm
    rows, norms = rows[over], norms[over]
    weight[rows] *= (max_norm / (norms + 1e-7)).astype(weight.dtype)[:, None]
