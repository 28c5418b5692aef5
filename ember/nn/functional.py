"""``ember.nn.functional``: the stateless form of every layer and loss (``F.relu``,
``F.conv2d``, ``F.cross_entropy`` ...), with PyTorch's signatures and error messages."""
import functools
import math
import warnings

import numpy as np

from .. import _dtype
from ..autograd import grad_mode as _grad_mode
from ..tensor import Tensor
from ..ops import conv as _conv
from ..ops import embedding as _embedding
from ..ops import nn_ops as _nn
from ..ops import pooling as _pool
from ..ops import shape as _shape
from ..ops.inplace import apply_inplace as _apply_inplace
from ..ops._methods import relu as _relu, sigmoid as _sigmoid, tanh as _tanh, where as _where
from ..ops.creation import rand as _rand, zeros_like as _zeros_like
from ..ops.linalg import Linear as _Linear
from ..ops.linalg import matmul as _matmul


# ----- argument helpers --------------------------------------------------------------------
def _pair(v, name="argument"):
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return (int(v[0]), int(v[0]))
        if len(v) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {v!r}")
        return (int(v[0]), int(v[1]))
    return (int(v), int(v))


def _type_word(dtype):
    return {"float32": "float", "float64": "double", "float16": "half", "int64": "long",
            "int32": "int", "bool": "bool", "uint8": "unsigned char"}.get(dtype.name, dtype.name)


def _scalar_type(dtype):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "bool": "Bool", "uint8": "Byte"}.get(dtype.name, dtype.name)


def _size_str(shape):
    return "torch.Size([" + ", ".join(str(s) for s in shape) + "])"


def _legacy_reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  f"reduction='{ret}' instead.", stacklevel=3)
    return ret


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _grad_fn_named(name, when=None):
    """Give a composite loss's result PyTorch's grad_fn name (``MseLossBackward0`` ...), so
    that printing the loss shows what PyTorch shows; ``when(*args, **kwargs)`` limits it to
    the calls where PyTorch uses that one node."""
    def decorate(fn):
        @functools.wraps(fn)
        def loss(*args, **kwargs):
            out = fn(*args, **kwargs)
            if out.grad_fn is not None and (when is None or when(*args, **kwargs)):
                out.grad_fn.backward_name = name
            return out
        return loss
    return decorate


def _check_reduction(reduction):
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")


# ----- linear ------------------------------------------------------------------------------
def _type_name(obj):
    t = type(obj)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def linear(input, weight, bias=None):
    """``input @ weight.T + bias``."""
    if not isinstance(input, Tensor):  # a NumPy array or a list: say what is wanted
        raise TypeError(f"linear(): argument 'input' (position 1) must be Tensor, not "
                        f"{_type_name(input)}")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{_scalar_type(input.dtype)} and {_scalar_type(weight.dtype)}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        k = input.shape[-1] if input.ndim else 1
        rows = input.numel() // k if k else 0
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and "
            f"{weight.shape[-1]}x{weight.shape[0] if weight.ndim > 1 else 1})")
    if (bias is not None and weight.ndim == 2 and bias.ndim == 1 and bias.dtype == input.dtype
            and bias.shape[0] == weight.shape[0] and (input.ndim == 2 or input.is_contiguous())):
        if input.ndim == 2:
            return _Linear.apply(input, weight.t(), bias)
        # PyTorch multiplies the rows as a matrix and views the result back: a view, which
        # detach_() refuses
        lead = input.shape[:-1]
        rows = _Linear.apply(input.reshape(math.prod(lead), input.shape[-1]), weight.t(), bias)
        return rows.view(lead + (weight.shape[0],))
    out = _matmul(input, weight.t() if weight.ndim == 2 else weight)
    if bias is not None:
        out = out + bias
    return out


# ----- convolution -------------------------------------------------------------------------
def _conv_padding(padding, kernel, stride, dilation):
    """(top, bottom, left, right) from an int, a pair, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                pads += [total // 2, total - total // 2]
            return tuple(pads)
        raise RuntimeError(f"Invalid padding string '{padding}'")
    ph, pw = _pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise RuntimeError("negative padding is not supported")
    return (ph, ph, pw, pw)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) of a (N, C, H, W) or (C, H, W) input."""
    if input.ndim not in (3, 4):
        raise RuntimeError("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got "
                           f"input of size: {list(input.shape)}")
    unbatched = input.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    if weight.ndim != 4:
        raise RuntimeError("weight should have at least three dimensions")
    if bias is not None and input.dtype != bias.dtype:
        raise RuntimeError(f"Input type ({_type_word(input.dtype)}) and bias type "
                           f"({_type_word(bias.dtype)}) should be the same")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"Input type ({_type_word(input.dtype)}) and weight type "
                           f"({_type_word(weight.dtype)}) should be the same")
    O, Cg, kh, kw = weight.shape
    _conv.check_args(weight.shape, _pair(stride, "stride"), _pair(dilation, "dilation"), groups)
    if O % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size "
                           f"{list(weight.shape)} instead")
    if input.shape[1] != Cg * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
            f"input{list(input.shape)} to have {Cg * groups} channels, but got "
            f"{input.shape[1]} channels instead")
    if bias is not None and tuple(bias.shape) != (O,):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {O} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    pads = _conv_padding(padding, (kh, kw), stride, dilation)
    Hp = input.shape[2] + pads[0] + pads[1]
    Wp = input.shape[3] + pads[2] + pads[3]
    ekh, ekw = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    if Hp < ekh or Wp < ekw:
        raise RuntimeError(f"Calculated padded input size per channel: ({Hp} x {Wp}). Kernel "
                           f"size: ({ekh} x {ekw}). Kernel size can't be greater than actual "
                           "input size")
    out = _conv.Conv2d.apply(input, weight, bias, stride, pads, dilation, groups)
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of a (N, C, L) or (C, L) input (a conv2d over a height of one)."""
    if input.ndim not in (2, 3):
        raise RuntimeError("Expected 2D (unbatched) or 3D (batched) input to conv1d, but got "
                           f"input of size: {list(input.shape)}")
    first = lambda v: v[0] if isinstance(v, (tuple, list)) else v  # noqa: E731
    pad = padding if isinstance(padding, str) else (0, first(padding))
    # PyTorch's one node reads bias, weight and input; here views of them lead to conv2d's
    # node, made in that order, so that a backward failing behind one of them has filled the
    # same leaves as PyTorch's (autograd/engine.py, _deliver_finished)
    bias = None if bias is None else bias.view(bias.shape)
    weight = weight.unsqueeze(-2)
    out = conv2d(input.unsqueeze(-2), weight, bias, (1, first(stride)), pad,
                 (1, first(dilation)), groups)
    return _shape.not_a_view(out.squeeze(-2))


# ----- pooling -----------------------------------------------------------------------------
def _pool_args(input, kernel_size, stride, padding, dilation, name):
    if input.ndim not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    k = _pair(kernel_size, "kernel_size")
    s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) \
        else _pair(stride, "stride")
    p = _pair(padding, "padding")
    d = _pair(dilation, "dilation")
    _pool.check_args(k, s, p, d, input.shape)
    return k, s, p, d


def _check_out(input4, OH, OW):
    if OH < 1 or OW < 1:
        C, H, W = input4.shape[1:]
        raise RuntimeError(f"Given input size: ({C}x{H}x{W}). Calculated output size: "
                           f"({C}x{OH}x{OW}). Output size is too small")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    k, s, p, d = _pool_args(input, kernel_size, stride, padding, dilation, "max_pool2d")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    H, W = x.shape[2:]
    OH = _pool.pool_out_size(H, k[0], s[0], p[0], d[0], ceil_mode)
    OW = _pool.pool_out_size(W, k[1], s[1], p[1], d[1], ceil_mode)
    _check_out(x, OH, OW)
    pooled = _pool.MaxPool2d.apply(x, k, s, p, d, ceil_mode)
    out = pooled.squeeze(0) if unbatched else pooled
    if not return_indices:
        return out
    ctx = _pool.MaxPool2d()  # a node of its own, unrecorded: for the indices alone
    _pool.MaxPool2d.forward(ctx, x.detach().numpy(), k, s, p, d, ceil_mode)
    idx = Tensor._wrap(_pool.max_pool2d_indices(ctx.arg, x.shape, k, s, p, d))
    return out, _saved_indices(pooled, idx, unbatched)


def _saved_indices(pooled, idx, unbatched):
    """The indices a max pooling returns: its backward refuses to run once they have been
    changed in place, as PyTorch's (which saves them) does."""
    if pooled.grad_fn is not None:
        pooled.grad_fn.keep_version(idx)
    return idx.squeeze(0) if unbatched else idx


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    k, s, p, _ = _pool_args(input, kernel_size, stride, padding, 1, "avg_pool2d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    H, W = x.shape[2:]
    OH = _pool.pool_out_size(H, k[0], s[0], p[0], 1, ceil_mode)
    OW = _pool.pool_out_size(W, k[1], s[1], p[1], 1, ceil_mode)
    _check_out(x, OH, OW)
    out = _pool.AvgPool2d.apply(x, k, s, p, ceil_mode, count_include_pad, divisor_override)
    return out.squeeze(0) if unbatched else out


def _adaptive_size(output_size, H, W):
    oh, ow = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    return (H if oh is None else int(oh), W if ow is None else int(ow))


def adaptive_avg_pool2d(input, output_size):
    if input.ndim not in (3, 4):
        raise RuntimeError("adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
                           f"{list(input.shape)}")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    size = _adaptive_size(output_size, *x.shape[2:])
    if size == (1, 1):
        out = x.mean(dim=(2, 3), keepdim=True)
    else:
        out = _pool.AdaptiveAvgPool2d.apply(x, size)
    return out.squeeze(0) if unbatched else out


def adaptive_max_pool2d(input, output_size, return_indices=False):
    if input.ndim not in (3, 4):
        raise RuntimeError("adaptive_max_pool2d(): Expected 3D or 4D tensor, but got "
                           f"{list(input.shape)}")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    size = _adaptive_size(output_size, *x.shape[2:])
    pooled = _pool.AdaptiveMaxPool2d.apply(x, size)
    out = pooled.squeeze(0) if unbatched else pooled
    if not return_indices:
        return out
    ctx = _pool.AdaptiveMaxPool2d()  # as in max_pool2d
    _pool.AdaptiveMaxPool2d.forward(ctx, x.detach().numpy(), size)
    return out, _saved_indices(pooled, Tensor._wrap(ctx.best.astype(np.int64)), unbatched)


# ----- normalisation -----------------------------------------------------------------------
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over dim 1 of a (N, C, ...) input; in training mode the running
    statistics (when given) are updated in place with PyTorch's momentum convention."""
    if input.ndim < 2:
        raise ValueError(f"expected 2D or more input (got {input.ndim}D input)")
    C = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != C:
            raise RuntimeError(f"{name} should contain {C} elements not {t.numel()}")
    if training:
        if input.shape[0] * math.prod(input.shape[2:]) == 1:
            raise ValueError("Expected more than 1 value per channel when training, got "
                             f"input size {_size_str(input.shape)}")
    elif running_mean is None or running_var is None:
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    return _nn.batch_norm(input, running_mean, running_var, weight, bias, training,
                          momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if tuple(input.shape[input.ndim - k:]) != shape or input.ndim < k:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(str(s) for s in shape)}], but got input of size"
            f"{list(input.shape)}")
    return _nn.LayerNorm.apply(input, weight, bias, k, eps)


# ----- dropout -----------------------------------------------------------------------------
def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (training)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        scale = _zeros_like(input)
    else:
        keep = _rand(input.shape, dtype=input.dtype) >= p
        scale = keep.to(input.dtype) * (1.0 / (1.0 - p))
    if inplace:
        return input.mul_(scale)
    return input * scale


# ----- activations -------------------------------------------------------------------------
def _maybe_inplace(input, inplace, fn):
    if inplace:
        return _apply_inplace(input, fn)
    return fn(input)


def relu(input, inplace=False):
    return input.relu_() if inplace else _relu(input)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return _maybe_inplace(input, inplace, lambda a: _nn.Hardtanh.apply(a, min_val, max_val))


def sigmoid(input):
    return _sigmoid(input)


def tanh(input):
    return _tanh(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _maybe_inplace(input, inplace, lambda a: _nn.LeakyReLU.apply(a, negative_slope))


def elu(input, alpha=1.0, inplace=False):
    return _maybe_inplace(input, inplace, lambda a: _nn.ELU.apply(a, alpha))


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _nn.GELU.apply(input, approximate)


def silu(input, inplace=False):
    return _maybe_inplace(input, inplace, lambda a: _nn.SiLU.apply(a))


def softplus(input, beta=1.0, threshold=20.0):
    return _nn.Softplus.apply(input, beta, threshold)


def prelu(input, weight):
    if weight.numel() != 1 and (input.ndim < 2 or input.shape[1] != weight.numel()):
        raise RuntimeError(
            "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
            f"{weight.numel()} and channel size = {input.shape[1] if input.ndim >= 2 else 1}.")
    return _nn.PReLU.apply(input, weight)


def _softmax_dim(ndim):
    warnings.warn("Implicit dimension choice for softmax has been deprecated. Change the "
                  "call to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def _dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _normalize_over(_nn.Softmax, input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _normalize_over(_nn.LogSoftmax, input, dim, dtype)


def _normalize_over(op, input, dim, dtype):
    """softmax / log_softmax: PyTorch's dtype and implicit-dim rules, 0-d as one element."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = _softmax_dim(input.ndim)
    d = _dim(dim, input.ndim)
    if not input.dtype.is_floating_point:
        if input.numel() == 0:  # no kernel runs on nothing: PyTorch returns it as it is
            return input.detach().clone()
        last = input.ndim == 0 or d == input.ndim - 1
        name = "softmax" if op is _nn.Softmax else "log_softmax"
        raise NotImplementedError(f'"{name}{"_lastdim" if last else ""}_kernel_impl" not '
                                  f"implemented for '{_scalar_type(input.dtype)}'")
    if input.ndim == 0:
        return _shape.not_a_view(op.apply(input.reshape(1), 0).reshape(()))
    return op.apply(input, d)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps)


# ----- losses ------------------------------------------------------------------------------
def _warn_size(input, target):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({_size_str(target.shape)}) that is different to the input "
            f"size ({_size_str(input.shape)}). This will likely lead to incorrect results due "
            "to broadcasting. Please ensure they have the same size.", stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_size(input, target)
    return _nn.MseLoss.apply(input, target, reduction)


@_grad_fn_named("L1LossBackward0")
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_size(input, target)
    return _reduce((input - target).abs(), reduction)


@_grad_fn_named("SmoothL1LossBackward0")
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _warn_size(input, target)
    d = input - target
    ad = d.abs()
    if beta == 0.0:
        loss = _reduce(ad, reduction)
    else:
        near = ~(ad >= beta)  # nan too: its gradient is nan, as in PyTorch
        dn = _where(near, d, 0)  # the square only where it is used: no inf * 0 in its gradient
        loss = _reduce(_where(near, dn * dn * (0.5 / beta), ad - 0.5 * beta), reduction)
    return _nn.KeepVersions.apply(loss, input, target)


@_grad_fn_named("HuberLossBackward0")
def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _warn_size(input, target)
    d = input - target
    ad = d.abs()
    near = ~(ad >= delta)  # nan too: its gradient is nan, as in PyTorch
    dn = _where(near, d, 0)  # the square only where it is used: no inf * 0 in its gradient
    loss = _where(near, 0.5 * dn * dn, delta * (ad - 0.5 * delta))
    if weight is not None:
        loss = loss * weight
    return _nn.KeepVersions.apply(_reduce(loss, reduction), input, target)


def _class_view(v, ndim, class_dim):
    """A per-class vector shaped to broadcast along ``class_dim`` of an ``ndim`` input."""
    shape = [1] * ndim
    shape[class_dim] = -1
    return v.reshape(shape)


def _target_weights(input, target, weight, ignore_index):
    """Each target's class index (0 where ignored, shaped to index along the class dim),
    whether it is ignored, its weight (0 where ignored), and the class dim."""
    class_dim = 0 if input.ndim == 1 else 1
    C = input.shape[class_dim]
    t = target.detach().numpy()
    ignored = t == ignore_index
    safe = np.where(ignored, 0, t)
    bad = ~ignored & ((t < 0) | (t >= C))  # an ignored target is never looked up
    if bad.any():
        raise IndexError(f"Target {int(t[bad].flat[0])} is out of bounds.")
    np_dtype = input.dtype.numpy_dtype
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_type(input.dtype)} but found "
                           f"{_scalar_type(weight.dtype)}")
    w = np.ones(C, dtype=np_dtype) if weight is None else weight.detach().numpy()
    wt = np.where(ignored, 0, w[safe]).astype(np_dtype) if C else np.zeros(t.shape, np_dtype)
    return np.expand_dims(safe, class_dim), ignored, wt, class_dim


def _check_nll_shapes(input, target):
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if target.dtype not in (_dtype.int64, _dtype.uint8):
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{_scalar_type(target.dtype)}")
    if input.ndim == 1:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if target.ndim == 1 and target.shape[0] != 1:
            raise ValueError("For 1D input, 1D target must have size 1, but got target size: "
                             f"{target.shape[0]}")
        return
    if target.ndim == 0 or input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0] if target.ndim else 0}).")
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")


@_grad_fn_named("NllLossBackward0")
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of class indices ``target`` under log-probabilities ``input``
    (classes along dim 1, or dim 0 for a single sample)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_nll_shapes(input, target)
    if input.ndim == 1 and target.ndim == 1:
        # one sample and a target of shape (1,): PyTorch's forward reads it as the sample's
        # target, and its backward refuses the shapes
        loss = nll_loss(input, target.reshape(()), weight, ignore_index=ignore_index,
                        reduction=reduction)
        return _nn.RefusedBackward.apply(loss, f"size mismatch (got input: "
                                         f"{list(input.shape)}, target: {list(target.shape)})")
    index, ignored, wt, class_dim = _target_weights(input, target, weight, ignore_index)
    per = _nn.NllLoss.apply(input, index, ignored, wt, class_dim)
    if per.grad_fn is not None:
        per.grad_fn.keep_version(target)  # PyTorch's saves the target
    if reduction == "none" and input.ndim > 1:
        return per  # (one sample's loss is summed, as in PyTorch: 0 + loss, a zero's sign)
    total = per.sum()
    if reduction != "mean":
        return total
    denom = wt.sum(dtype=np.float64).astype(wt.dtype)
    if denom == 0:
        # PyTorch's 0/0: the loss is nan, and each target's gradient -w/0 is nan too
        # where the target is not ignored, zero where it is (every target ignored: zero,
        # also for a nan gradient: NllLoss skips the ignored ones)
        return total / Tensor._wrap(np.asarray(denom))
    return total / denom


@_grad_fn_named("NllLossBackward0", when=lambda input, target, *a, label_smoothing=0.0, **k:
                (target._data.dtype.kind in "iu" and label_smoothing == 0.0))
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits ``input`` against class indices or class probabilities."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    class_dim = 0 if input.ndim == 1 else 1
    C = input.shape[class_dim]
    logp = log_softmax(input, class_dim)
    if tuple(target.shape) == tuple(input.shape):  # class probabilities (PyTorch's test)
        if not target.dtype.is_floating_point:
            raise RuntimeError("Expected floating point type for target with class "
                               f"probabilities, got {_scalar_type(target.dtype)}")
        t = target
        if label_smoothing > 0:
            t = t * (1 - label_smoothing) + _ieee_div(label_smoothing, C)
        prod = logp * t
        if weight is not None:
            prod = prod * _class_view(weight, input.ndim, class_dim)
        if reduction == "none":
            return -prod.sum(class_dim)
        if reduction == "sum":
            return -prod.sum()
        return -prod.sum() / (input.numel() // C if C else 0)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing <= 0:
        return nll
    if input.ndim == 1 and target.ndim == 1:  # (PyTorch masks its 0-d smoothing term in place)
        raise RuntimeError("output with shape [] doesn't match the broadcast shape [1]")
    if weight is not None:
        smooth = -(logp * _class_view(weight, input.ndim, class_dim)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    ignored = target == ignore_index
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "none":
        ret = smooth
    elif reduction == "sum":
        ret = smooth.sum()
    elif weight is not None:
        t = target.detach().numpy()
        kept = t[~ignored.numpy()]
        ret = smooth.sum() / _count_as(weight.detach().numpy()[kept].sum(), input)
    else:
        ret = smooth.sum() / _count_as((~ignored.numpy()).sum(), input)
    return (1 - label_smoothing) * nll + ret * _ieee_div(label_smoothing, C)


def _ieee_div(a, b):
    """``a / b`` of two numbers as PyTorch's C++ divides them: by 0 it gives inf or nan
    (cross_entropy's smoothing over no classes), not Python's ZeroDivisionError."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(a) / b)


def _count_as(n, input):
    """``n`` as a 0-d tensor of ``input``'s dtype: a divisor that may be 0 (every target
    ignored: PyTorch's 0/0 is nan, Python's a ZeroDivisionError)."""
    return Tensor._wrap(np.array(n, dtype=input.dtype.numpy_dtype))


@_grad_fn_named("BinaryCrossEntropyBackward0")
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({_size_str(target.shape)}) that is different to the input "
            f"size ({_size_str(input.shape)}) is deprecated. Please ensure they have the same "
            "size.")
    x = input.detach().numpy()
    if ((x < 0) | (x > 1)).any() or np.isnan(x).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    y = target.detach().numpy()
    if not ((y >= 0) & (y <= 1)).all():  # nan too
        raise RuntimeError("all elements of target should be between 0 and 1")
    if weight is not None:
        weight = weight.expand(input.shape) if tuple(weight.shape) != tuple(input.shape) else weight
    return _reduce(_nn.BinaryCrossEntropy.apply(input, target, weight), reduction)


@_grad_fn_named("BinaryCrossEntropyWithLogitsBackward0")
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """BCE on logits, computed stably: (1 - y) x + (1 + (pw - 1) y) softplus(-x)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({_size_str(target.shape)}) must be the same as input "
                         f"size ({_size_str(input.shape)})")
    for name, t in (("weight", weight), ("pos_weight", pos_weight)):
        if isinstance(t, Tensor) and t.requires_grad and _grad_mode.is_grad_enabled():
            raise RuntimeError(
                "The function 'binary_cross_entropy_with_logits' is not differentiable with "
                f"respect to argument '{name}'. This input cannot have requires_grad True.")
    loss = _nn.BinaryCrossEntropyWithLogits.apply(
        input, target, None if pos_weight is None else pos_weight._data)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# ----- misc --------------------------------------------------------------------------------
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` at the integer ``input``: shape ``input.shape + (dim,)``. The
    ``padding_idx`` row receives no gradient; ``max_norm`` first renormalises, in place, the
    rows being read whose norm exceeds it (as PyTorch does)."""
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < weight.size(0), "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -weight.size(0), "Padding_idx must be within num_embeddings"
            padding_idx = weight.size(0) + padding_idx
    if sparse:
        raise NotImplementedError(
            "sparse=True (sparse gradients) is not supported by ember; use sparse=False")
    return _embedding.embedding(input, weight, padding_idx, max_norm, norm_type,
                                scale_grad_by_freq)


def one_hot(tensor, num_classes=-1):
    """(…,) int64 class indices → (…, num_classes) int64 one-hot rows."""
    if tensor.dtype != _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    t = tensor.numpy()
    if t.size and t.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if t.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(t.max()) + 1
    elif t.size and t.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(t.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, t[..., None], 1, axis=-1)
    return Tensor._wrap(out)


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, ...)``, last
    dim first. Modes: constant (negative amounts crop), reflect, replicate, circular."""
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError("Padding length too large")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode != "constant" and value:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    pads = []
    for i in range(len(pad) // 2):
        d = input.ndim - 1 - i
        lo, hi = int(pad[2 * i]), int(pad[2 * i + 1])
        size = input.shape[d]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                f"{list(input.shape)}")
        if mode in ("circular",) and (lo > size or hi > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and size == 0:
            raise RuntimeError("input tensor must be non-empty for replicate padding")
        pads.append((d, lo, hi))
    return _nn.Pad.apply(input, tuple(pads), mode, 0.0 if value is None else value)
