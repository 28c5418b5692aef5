"""``Tensor``: an n-dimensional array with a dtype, a device and a place in the autograd graph.

The numbers live in a NumPy array (``_data``); views made by ``view``, slicing, ``.data`` and
``detach`` share it, and share a version counter (``_vc``) that every in-place change bumps,
so the backward pass can tell when something it saved was overwritten (the counter's list
also holds weak references to the views made in grad mode: ``ops/shape._register``). The operations
(``+``, ``exp``, ``sum`` ...) are defined in ``ember.ops`` and attached to the class by
``ember.ops._methods``; this module holds what a tensor *is*.
"""
import itertools
import re

import numpy as np

from . import _dtype
from .autograd import function as _function
from .autograd import grad_mode as _grad_mode
from .autograd.engine import check_roots, run_backward

_grad_enabled = _grad_mode._enabled


class Size(tuple):
    """A tensor's shape: a tuple that prints as PyTorch's ``torch.Size``."""

    __slots__ = ()

    def __repr__(self):
        return f"ember.Size({list(self)})"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        out = tuple.__getitem__(self, item)
        return Size(out) if isinstance(item, slice) else out

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))


class device:
    """Where a tensor lives. ember computes on the CPU (NumPy)."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if ":" in type:
            type, idx = type.split(":", 1)
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {type}")
        self.type = type
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


def check_device(dev):
    """Accept a CPU device; say clearly that ember has no CUDA backend otherwise."""
    if dev is None:
        return
    d = dev if isinstance(dev, device) else device(dev)
    if d.type != "cpu":
        raise RuntimeError(
            f"ember computes on the CPU only; device {str(d)!r} is not available "
            "(ember.cuda.is_available() is False)")


# The dims of a tensor of rank 0, 1, 2 in reverse (``T``, ``t()``), made once.
_REVERSED_DIMS = ((), (0,), (1, 0))

_TYPE_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
    "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
    "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
}
# The C++ names PyTorch's messages give dtypes in (the grad setter's).
_CPP_TYPE_NAMES = {
    "float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
    "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
    "bool": "bool",
}


class Tensor:
    """A multi-dimensional array that can take part in automatic differentiation."""

    # The view marks read by every op (``_base``: the tensor a view's storage belongs to;
    # ``_made_at``: the version since which a change of the storage matters to a view's
    # node, see check_view_use; ``_grad_of_base``: a leaf view that requires grad through
    # its base) are slots: looking one up in ``__dict__`` would create the dict of each
    # fresh tensor (3% of a tiny step). The rarer marks live in ``__dict__`` (ops/shape.py).
    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_vc", "_retains_grad",
                 "_hooks", "_base", "_made_at", "_grad_of_base", "__weakref__", "__dict__")
    __array_priority__ = 1000  # NumPy defers ``ndarray + Tensor`` to the Tensor
    __module__ = "ember"  # type(t) prints as <class 'ember.Tensor'>, like torch.Tensor

    def __init__(self, *args, dtype=None, device=None, requires_grad=False):
        """``Tensor(data)`` copies data as float32; ``Tensor(2, 3)`` is uninitialised."""
        check_device(device)
        np_dtype = _dtype.to_numpy(dtype) or _dtype.default_float()
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            data = args[0]
            if isinstance(data, Tensor):
                data = data._data
            arr = np.array(data, dtype=np_dtype)
        else:
            shape = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            arr = np.empty(tuple(int(s) for s in shape), dtype=np_dtype)
        self._data = arr
        self._requires_grad = False
        self._grad = None
        self.grad_fn = None
        self._vc = [0]
        self._retains_grad = False
        self._hooks = None
        self._base = None
        self._made_at = None
        self._grad_of_base = False
        if requires_grad:
            self.requires_grad_(True)

    # ----- construction used by the ops ------------------------------------------------
    @staticmethod
    def _wrap(arr):
        """A tensor around ``arr`` without copying; no gradient."""
        return _new(Tensor, arr, False, None)

    @staticmethod
    def _from_op(arr, node):
        """The result of a recorded operation: ``node`` is its grad_fn."""
        return _new(Tensor, arr, True, node)

    def _view_of(self, arr):
        """A tensor sharing storage and version counter with self (``detach``)."""
        t = Tensor._wrap(arr)
        t._vc = self._vc
        return t

    @staticmethod
    def _dtype_of(arr):
        return _dtype.from_numpy(arr.dtype)

    def _bump_version(self):
        self._vc[0] += 1

    # ----- what a tensor is --------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return _dtype._FROM_NUMPY[self._data.dtype]

    @property
    def device(self):
        return CPU

    @property
    def is_cuda(self):
        return False

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return False

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    def stride(self, dim=None):
        strides = torch_strides(self._data)
        return strides if dim is None else strides[_wrap_dim(dim, self._data.ndim)]

    def storage_offset(self):
        base, owner = self._data, self._data.base
        while owner is not None:  # NumPy's views, and the wrapper as_strided puts between
            if isinstance(owner, np.ndarray):
                base = owner
            owner = getattr(owner, "base", None)
        return (self._data.__array_interface__["data"][0]
                - base.__array_interface__["data"][0]) // self._data.itemsize

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    def type(self, dtype=None):
        if dtype is None:
            return "torch." + _TYPE_NAMES[self.dtype.name]
        return self.to(dtype)

    @property
    def T(self):
        nd = self._data.ndim
        return self.permute(_REVERSED_DIMS[nd] if nd < 3 else tuple(range(nd - 1, -1, -1)))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    # ----- autograd ----------------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        if flag and self.grad_fn is not None:  # (requires_grad_(True) lets it pass)
            raise RuntimeError("you can only change requires_grad flags of leaf variables.")
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        requires_grad = bool(requires_grad)
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want "
                "to use a computed variable in a subgraph that doesn't require "
                "differentiation use var_no_grad = var.detach().")
        if requires_grad and self._data.dtype.kind != "f":
            # (checked before the leaf: an integer tensor a write marked is refused too)
            raise RuntimeError(
                "only Tensors of floating point dtype can require gradients")
        if self.grad_fn is not None:
            return self
        self._requires_grad = requires_grad
        self._tell_views(requires_grad)
        return self

    def _tell_views(self, requires_grad):
        """PyTorch's views of self without a node of their own (made before self required
        grad) read the flag of their base, and stay leaves."""
        for ref in self._vc[1:]:
            view = ref()
            if view is not None and view.grad_fn is None and view._base is self \
                    and view._data.dtype.kind == "f":
                if requires_grad and view._vc[0] != view._made_version:
                    _read_base(self, view)
                else:
                    view._requires_grad = requires_grad
                    view._grad_of_base = True  # (autograd/engine.py, _deliver)

    @property
    def grad(self):
        """The gradient that backward accumulated into this tensor (None until then)."""
        return self._grad

    @grad.setter
    def grad(self, value):
        # Checked here, as PyTorch does: the optimizers' compiled steps rely on a gradient
        # having its tensor's shape and dtype.
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got grad "
                                f"of type {type(value).__name__}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype "
                    f"'{_CPP_TYPE_NAMES[value._data.dtype.name]}' to a tensor with grad_dtype "
                    f"'{_TYPE_NAMES[self._data.dtype.name][:-6]}'. The gradient must match the "
                    "tensor's grad_dtype (defaults to the tensor's dtype). You can set the "
                    "tensor's grad_dtype attribute with a specific dtype, or None to allow any "
                    "dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and "
                    "its gradient may break downstream systems that assume they match.")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a "
                    f"tensor of size '{list(self._data.shape)}'. Please ensure that the "
                    "gradient and the tensor are the same size")
        self._grad = value

    @property
    def is_leaf(self):
        if self._made_at is not None:
            check_view_use(self)
        return self.grad_fn is None

    @property
    def retains_grad(self):
        return self._retains_grad

    def retain_grad(self):
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:  # (PyTorch's retain_grad reads the node as it was made:
            # a view without one is passed over, even once its base has changed)
            if self._made_at is not None:
                check_view_use(self)
            self._retains_grad = True
            self.grad_fn._out_tensor = self

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a
        replacement. Returns a handle whose ``remove()`` unregisters it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._made_at is not None:
            check_view_use(self)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        if self.grad_fn is not None:
            self.grad_fn._out_tensor = self
        return _HookHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(self)`` after a backward has added into this leaf's ``.grad`` (for
        optimizers stepping inside backward, and DistributedDataParallel's all-reduce).
        Returns a handle whose ``remove()`` unregisters it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors")
        from .autograd.engine import PostAccumulateGradHook
        wrapped = PostAccumulateGradHook(hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(wrapped)
        return _HookHandle(self._hooks, wrapped)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad."""
        if not self._requires_grad or (self.grad_fn is None and self._grad_of_base):
            check_roots((self,))  # (it raises, in PyTorch's words)
        if self._made_at is not None:
            check_view_use(self)
        grad = _initial_grad(self, gradient)
        if retain_graph is None:
            retain_graph = create_graph
        if inputs is not None:
            from .autograd import grad as _grad
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            got = _grad([self], inputs, [grad], retain_graph=retain_graph,
                        create_graph=create_graph, allow_unused=True)
            from .autograd.engine import _accumulate
            for t, g in zip(inputs, got):
                if g is not None:
                    _accumulate(t, g if create_graph else g._data, create_graph)
            return
        run_backward([self], [grad], retain_graph, create_graph)

    @property
    def data(self):
        """The same storage, cut from the graph (changes to it are not tracked)."""
        return _new(Tensor, self._data, False, None)  # Tensor._wrap, one frame less

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._data = value._data

    def detach(self):
        """A tensor sharing storage (and version counter) with self, outside the graph."""
        return self._view_of(self._data)

    def detach_(self):
        if self._data is None:
            return self
        if self._base is not None:
            # PyTorch refuses: the view's base would keep a graph the view no longer has
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is "
                "set as True, gradients are views of DDP buckets, and hence detach_() cannot "
                "be called on these gradients. To fix this error, please refer to the "
                "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
        self.grad_fn = None
        self._requires_grad = False
        self._tell_views(False)
        for ref in self._vc[1:]:
            view = ref()
            if view is not None and view.grad_fn is not None and view._base is self \
                    and view._made_at is None:
                # PyTorch keeps such a view's node until its storage changes, then
                # regenerates the node from self, which has no edge now (check_view_use)
                view._made_at = self._vc[0]
                view._detached_root = True
        return self

    # ----- conversion to Python and NumPy ------------------------------------------------
    def numpy(self, force=False):
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()).item())

    def __complex__(self):
        return complex(self.item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        if not (self._requires_grad and _grad_enabled[0]):
            # Rows of a tensor outside the graph: cheap views, no indexing op per row (a
            # vector's as 0-d arrays: iterating it gives NumPy scalars, which are copies)
            data = self._data
            if data.ndim == 1:
                return iter([self._view_of(data[i, ...]) for i in range(data.shape[0])])
            return iter([self._view_of(row) for row in data])
        return iter([self[i] for i in range(self._data.shape[0])])

    def __hash__(self):
        return id(self)

    def __repr__(self):
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    def __format__(self, spec):
        from ._tensor_str import tensor_format
        return tensor_format(self, spec)

    def __reduce_ex__(self, protocol):
        # Pickling (DataLoader workers, deepcopy) carries the type, data and leaf flag only.
        return (_new, (type(self), self._data, self._requires_grad, None))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment.")
        import copy
        new = _new(type(self), self._data.copy(), self._requires_grad, None)
        memo[id(self)] = new
        if self.grad is not None:
            new.grad = copy.deepcopy(self.grad, memo)
        if self.__dict__:
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return new

    # ----- in-place bookkeeping ----------------------------------------------------------
    def _check_inplace(self, shared_ok=False):
        """Refuse to overwrite a leaf that autograd would need to differentiate, or an
        expand()ed tensor (unless ``shared_ok``: a fill or an index put, ops/_alias.py)."""
        if self._requires_grad and _grad_enabled[0] and self._made_at is not None \
                and untrackable(self):
            raise view_change_error(self)  # (a write to it is recorded)
        if self._requires_grad and self.grad_fn is None and _grad_enabled[0]:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation.")
        if self.grad_fn is not None and _grad_enabled[0] and views_a_leaf(self):
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place "
                "operation.")
        if not shared_ok and not self._data.flags.writeable:  # elements share memory
            raise RuntimeError(OVERLAP_WRITE)


# PyTorch's words for a write into a tensor whose elements share memory (an expand()ed one)
OVERLAP_WRITE = (
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation.")


# PyTorch's words for a recorded in-place change of a view made under no_grad
NO_GRAD_VIEW_WRITE = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
    "your code by moving both the view and the inplace either both inside the no_grad block "
    "(if you don't want the inplace to be tracked) or both outside (if you want the inplace "
    "to be tracked).")
_MULTIPLE_VIEWS_WHY = (
    " This view is the output of a function that returns multiple views. Such functions do "
    "not allow the output views to be modified inplace. You should replace the inplace "
    "operation by an out-of-place one.")


def view_change_error(t, indirect=False, through=None):
    """PyTorch's error for an in-place change of the view ``t`` that autograd cannot track:
    an output of split/chunk/unbind or a view of one (``_multiple_views``: "Output i of Op")
    or a view made under no_grad (``_no_grad_view``); both carry ``_made_at``
    (ops/shape.py). ``indirect``: its base or another view of it was changed, and ``t`` is
    now used (check_view_use). ``through``: the op of the view of ``t`` the change goes
    through (``t[0] = v`` writes through a Select)."""
    changed = "its base or another view of its base has been" if indirect else "is being"
    multiple = t.__dict__.get("_multiple_views")
    why = _MULTIPLE_VIEWS_WHY if multiple is not None else NO_GRAD_VIEW_WRITE.split("enabled.")[1]
    if through is None:
        has_node = t.grad_fn is not None
        name = has_node and re.sub(r"Backward[0-9]*$", "", t.grad_fn.name())
    else:  # the view written has a node when t requires grad
        has_node, name = t._requires_grad, through
    if not has_node:
        head = "A view was created in"
    elif multiple is None:
        head = f"Output 0 of {name} is a view of a view which was created in"
    else:
        output = multiple if through is None else f"Output 0 of {through}"
        return RuntimeError(f"{output} is a view and {changed} modified inplace.{why}")
    return RuntimeError(f"{head} no_grad mode and {changed} modified inplace with grad mode "
                        f"enabled.{why}")


def check_view_use(t):
    """PyTorch checks a view when autograd reads its node (an op recording it, is_leaf,
    backward): one whose storage changed in place since it was made (``_made_at``, the
    version then) is refused if it is a view in view_change_error's sense and takes part in
    the graph; one whose root was detach_()ed since it was made (``_detached_root``) gets a
    node regenerated from that root, with no edge. Callers test ``t._made_at is not None``
    first, so other tensors pay that only."""
    if t._vc[0] == t._made_at:
        return
    if "_detached_root" in t.__dict__:
        _cut_from_root(t)
    elif t.grad_fn is not None or t._base._requires_grad:
        raise view_change_error(t, indirect=True)


class _CutView(_function.Function):
    """The node PyTorch regenerates for a view whose root no longer requires grad
    (AsStridedBackward0 with no next edge): the view requires grad, and no gradient flows
    on from it."""

    backward_name = "AsStridedBackward0"

    @staticmethod
    def backward(ctx, g):
        return (None,)


def _cut_from_root(view):
    """``view``'s node regenerated from its root, as PyTorch does once the storage changed:
    a node reading the root where the root requires grad again, else one with no edge."""
    view._made_at = None
    del view.__dict__["_detached_root"]
    if view._base._requires_grad:
        _read_base(view._base, view)
        return
    from .ops.inplace import _set_grad_fn
    node = _CutView()
    node.inputs = (None,)
    node.needs_input_grad = (False,)
    _set_grad_fn(view, _new(Tensor, view._data, True, node))


def untrackable(t):
    """Whether ``t``, a view with ``_made_at``, is one autograd cannot track (ops/shape.py),
    which in-place changes refuse. A view whose root was detach_()ed is not: its node is
    settled first (check_view_use), and the change regenerates it anyway."""
    if "_detached_root" not in t.__dict__:
        return True
    check_view_use(t)
    if t._made_at is not None:
        t._made_at = None
        del t.__dict__["_detached_root"]
    return False


def _read_base(base, view):
    """A view whose storage changed in place since it was made, once its base requires
    grad: PyTorch regenerates the view's grad_fn then (AsStridedBackward0, a node reading
    its base), so it is no leaf any more and a gradient through it reaches the base."""
    from .ops._alias import overlaps
    from .ops.inplace import _read_view, _set_grad_fn
    view._grad_of_base = False
    _set_grad_fn(view, _read_view(base, view, overlaps(view._data)))


def views_a_leaf(t):
    """Whether ``t`` (which requires grad) is a view of a tensor that is a leaf now:
    PyTorch asks at each in-place change (the leaf may have been changed in place since,
    and is no leaf then; one detach_()ed since still is, and so is a tensor with a node
    when the view was made and detach_()ed since)."""
    leaf = t.__dict__.get("_view_of_leaf")
    if leaf is None:
        leaf = t._base
    return leaf is not None and leaf.grad_fn is None


def torch_strides(a):
    """PyTorch's strides (in elements) of a tensor over the array ``a``."""
    if a.size == 0:  # NumPy's strides of an empty array are arbitrary
        out, step = [], 1
        for n in reversed(a.shape):
            out.append(step)
            step *= max(n, 1)
        return tuple(reversed(out))
    # a dim of size 1 has NumPy stride 0 after None-indexing; PyTorch's is the stride it
    # would have if contiguous with the next dim (a size-1 dim left by slicing keeps its
    # stride, in NumPy as in PyTorch; unsqueeze sets PyTorch's)
    out, nxt = [], 1
    for n, s in zip(reversed(a.shape), reversed(a.strides)):
        out.append(nxt if n == 1 and s == 0 else s // a.itemsize)
        nxt = out[-1] * n
    return tuple(reversed(out))


_next_seq = itertools.count().__next__
_allocate = object.__new__


def _new(cls, data, requires_grad, grad_fn):
    """Every tensor is born here: storage, flags, and a fresh version counter."""
    t = _allocate(cls)
    t._data = data
    t._requires_grad = requires_grad
    t._grad = None
    t.grad_fn = grad_fn
    if grad_fn is not None:
        grad_fn._seq = _next_seq()  # its place in backward's order (autograd/engine.py)
        grad_fn._shape = data.shape
        grad_fn._dtype = data.dtype
    t._vc = [0]
    t._retains_grad = False
    t._hooks = None
    t._base = None
    t._made_at = None
    t._grad_of_base = False
    return t


def _untracked(out):
    """An op's result as a tensor outside the graph, for the paths that skip
    ``Function.apply`` when nothing is recorded (NumPy gives a scalar for a 0-d result)."""
    return _new(Tensor, out if type(out) is np.ndarray else np.asarray(out), False, None)


def _wrap_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


_ONES = {}


def _initial_grad(t, gradient):
    """The gradient a backward starts from: ones for a scalar, else the one given."""
    data = t._data
    if gradient is None:
        ndim = data.ndim
        if ndim and data.size != 1:  # (a 0-d tensor, the common root, has one element)
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        dtype = data.dtype
        if dtype.kind != "f":  # an int tensor marked by an assignment of a float
            raise RuntimeError("grad can be implicitly created only for real scalar outputs "
                               f"but got torch.{_dtype.from_numpy(dtype).name}")
        one = _ONES.get(dtype)
        if one is None:  # a read-only 1 per dtype, made once: backward never writes into it
            one = _ONES[dtype] = np.ones((), dtype)
            one.flags.writeable = False
        return one.reshape(data.shape) if ndim else one
    g = gradient._data if isinstance(gradient, Tensor) else np.asarray(gradient, dtype=data.dtype)
    if g.shape != data.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[0] has a shape of {Size(g.shape)!r} and "
            f"output[0] has a shape of {Size(data.shape)!r}.".replace("ember.", "torch."))
    return g


class _HookHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


_function._Tensor[:] = [Tensor, _new]
