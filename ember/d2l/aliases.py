"""The framework-neutral names the book's shared cells use (``d2l.zeros``, ``d2l.reshape``,
``d2l.numpy``, ``d2l.size`` ...): each is ember's function of the same meaning, or a small
function calling the tensor method the book's PyTorch edition maps it to."""
import ember

ones = ember.ones
ones_like = ember.ones_like
zeros = ember.zeros
zeros_like = ember.zeros_like
tensor = ember.tensor
arange = ember.arange
meshgrid = ember.meshgrid
linspace = ember.linspace
eye = ember.eye
normal = ember.normal
rand = ember.rand
randn = ember.randn
sin = ember.sin
sinh = ember.sinh
cos = ember.cos
cosh = ember.cosh
tanh = ember.tanh
exp = ember.exp
log = ember.log
abs = ember.abs  # noqa: A001 - the book's name
sigmoid = ember.sigmoid
matmul = ember.matmul
batch_matmul = ember.bmm
concat = ember.cat
stack = ember.stack
int32 = ember.int32
int64 = ember.int64
float32 = ember.float32


def numpy(x, *args, **kwargs):
    """``x`` as a NumPy array (detached from the graph first)."""
    return x.detach().numpy(*args, **kwargs)


def size(x, *args, **kwargs):
    """The number of elements of ``x``."""
    return x.numel(*args, **kwargs)


def reshape(x, *args, **kwargs):
    return x.reshape(*args, **kwargs)


def to(x, *args, **kwargs):
    return x.to(*args, **kwargs)


def reduce_sum(x, *args, **kwargs):
    return x.sum(*args, **kwargs)


def reduce_mean(x, *args, **kwargs):
    return x.mean(*args, **kwargs)


def argmax(x, *args, **kwargs):
    return x.argmax(*args, **kwargs)


def astype(x, dtype):
    return x.to(dtype)


def transpose(x):
    return x.t()


def expand_dims(x, *args, **kwargs):
    return x.unsqueeze(*args, **kwargs)


def swapaxes(x, *args, **kwargs):
    return x.swapaxes(*args, **kwargs)


def repeat(x, *args, **kwargs):
    return x.repeat(*args, **kwargs)


__all__ = ["ones", "ones_like", "zeros", "zeros_like", "tensor", "arange", "meshgrid",
           "linspace", "eye", "normal", "rand", "randn", "sin", "sinh", "cos", "cosh", "tanh",
           "exp", "log", "abs", "sigmoid", "matmul", "batch_matmul", "concat", "stack", "int32",
           "int64", "float32", "numpy", "size", "reshape", "to", "reduce_sum", "reduce_mean",
           "argmax", "astype", "transpose", "expand_dims", "swapaxes", "repeat"]
