"""ember: a deep learning framework on NumPy with PyTorch's interface.

``import ember as torch`` and the notes' code runs. This module only re-exports.
"""
__version__ = "0.1.0"

from . import _allocator  # noqa: F401 (freed memory kept for the next arrays: see there)
from . import _dtype
from ._dtype import (bool_ as bool, double, dtype, float, float16, float32, float64,  # noqa: A004
                     get_default_dtype, half, int, int8, int16, int32, int64, long,
                     set_default_dtype, short, uint8)
from .tensor import Size, Tensor, device
from .random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed,
                     seed, set_rng_state)
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from . import ops as _ops  # binds the operations to Tensor
from .ops._methods import (abs, absolute, add, addcdiv, addcmul, allclose, atan, arctan, ceil,
                           clamp, clamp_max, clamp_min, clip, cos, cosh, div, divide, equal, erf,
                           exp, exp2, expm1, fix, floor, floor_divide, fmax, fmin, fmod,
                           is_tensor, isclose, lerp, log, log1p, log2, log10, log_softmax,
                           maximum, minimum, mul, multiply, neg, negative, numel, pow,
                           reciprocal, relu, remainder, round, rsqrt, rsub, sigmoid, sign, sin,
                           sinh, softmax, sqrt, square, sub, subtract, tan, tanh, true_divide,
                           trunc, where)
from .ops.elementwise import (bitwise_and, bitwise_not, bitwise_or, bitwise_xor, eq, ge, gt,
                              isfinite, isinf, isnan, le, logical_and, logical_not, logical_or,
                              logical_xor, lt, ne)
from .ops.elementwise import ge as greater_equal, gt as greater, le as less_equal, lt as less
from .ops.elementwise import ne as not_equal
from .ops.reduction import (all, amax, amin, any, argmax, argmin, count_nonzero, cumprod, cumsum,
                            logsumexp, max, mean, min, norm, prod, return_types, std, std_mean,
                            sum, var, var_mean)
from .ops.shape import (broadcast_tensors, broadcast_to, cat, chunk, clone, concat, concatenate,
                        flatten, flip, fliplr, flipud, hstack, movedim, moveaxis, narrow,
                        permute, ravel, repeat_interleave, reshape, roll, split, squeeze, stack,
                        swapaxes, swapdims, t, tensor_split, tile, transpose, tril, triu, unbind,
                        unflatten, unsqueeze, vstack)
from .ops.indexing import (argsort, argwhere, gather, index_select, masked_fill, masked_select,
                           nonzero, sort, take_along_dim, topk)
from .ops.unique import unique
from .ops.linalg import (addmm, bmm, det, dot, einsum, ger, inner, inverse, linalg, matmul, mm,
                         mv, outer, vdot)
from .ops.creation import (arange, as_tensor, bernoulli, empty, empty_like, eye, from_numpy, full,
                           full_like, linspace, logspace, meshgrid, multinomial, normal, ones,
                           ones_like, rand, rand_like, randint, randint_like, randn, randn_like,
                           randperm, scalar_tensor, tensor, zeros, zeros_like)
from ._tensor_types import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor,
                            HalfTensor, IntTensor, LongTensor, ShortTensor)
from . import autograd, random
from .serialization import load, save
from . import distributed, distributions, nn, optim, utils, vision
from . import jit
from ._threads import get_num_threads, set_num_threads
from ._tensor_str import set_printoptions, get_printoptions

class cuda:
    """ember computes on the CPU: there is no CUDA device."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def device_count():
        return 0

    @staticmethod
    def manual_seed(seed):
        pass

    manual_seed_all = manual_seed

    @staticmethod
    def synchronize(device=None):
        pass


def is_floating_point(t):
    return t.is_floating_point()


_ops._methods.add_axis_aliases(globals())  # axis= for dim=, as PyTorch's functions take it
