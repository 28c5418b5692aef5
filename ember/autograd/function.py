"""``Function``: a differentiable operation, and the graph node it leaves behind.

An op is a subclass with a ``forward`` on NumPy arrays and a ``backward`` that maps the
output's gradient to one gradient per input. ``apply`` unwraps tensors, runs ``forward``
and, when a gradient will be needed, turns the context object itself into the graph node
of the result (as PyTorch's ``ctx`` is its ``grad_fn``).

``backward`` normally receives NumPy arrays. Under ``create_graph=True`` it receives ember
Tensors instead and its operators record a graph, which is how second derivatives come for
free; so a backward is written with operators, methods and ufuncs that mean the same on
both (NumPy ufuncs applied to a Tensor dispatch to ember's ops). A backward that can only
work on arrays (im2col and the like) sets ``array_backward = True``: under create_graph its
result is a constant.
"""
import re
import weakref

import numpy as np

from .. import _dtype
from . import grad_mode

_grad_enabled = grad_mode._enabled
# True while the engine runs a create_graph backward: saved values come back as Tensors.
_tensor_mode = [False]
# Per backward now running (a stack: a hook may run one of its own), what autograd.grad
# wants: (the nodes on a path to its inputs, the ids of its leaf inputs); None for
# Tensor.backward, which wants every input that requires grad (see computes_input).
_wanted = []

_OUTPUT = object()  # marks "this saved array is the op's own output"


def edge(t):
    """The graph edge of a tensor that requires grad: its node, or the tensor itself (a
    leaf); None for a view made before its base required grad, which PyTorch reports as
    requiring grad but gives no gradient accumulator: an op using it records no edge to
    it and saves nothing for its gradient, and a backward from it is refused."""
    fn = t.grad_fn
    if fn is None and t._grad_of_base:
        return None
    return fn or t


def check_no_requires_grad(function, named_tensors):
    """PyTorch's refusal of an argument that requires grad where ``function`` has no
    derivative for it (batch norm's running statistics)."""
    for name, t in named_tensors:
        if t is not None and t._requires_grad:
            raise RuntimeError(
                f"The function '{function}' is not differentiable with respect to argument "
                f"'{name}'. This input cannot have requires_grad True.")


class Function:
    """Base of all differentiable operations; an instance is one node of the graph."""

    # What every recorded node gets, in slots: a node is built on each recorded op, and
    # slot stores are cheaper than growing the instance dict (ops add their own attributes).
    # ``inputs``: per argument, None (no gradient wanted), the node that made it, or the leaf
    # tensor itself. A node holds its inputs' nodes, not the tensors (as PyTorch's edges), so
    # the graph keeps alive only what each backward saved: an intermediate result no backward
    # needs is freed as soon as the user drops it. ``_shape``/``_dtype``: the node's output
    # as it was born, which its gradient is fitted to (the engine's ``_fit``).
    __slots__ = ("needs_input_grad", "inputs", "_seq", "_shape", "_dtype", "__dict__",
                 "__weakref__")
    array_backward = False
    # The positions of the inputs PyTorch's backward of the op reads (None: all of them;
    # most read their inputs: pooling, norms, activations), so that under create_graph an
    # array-only backward's result requires grad when one of those does
    backward_reads = None
    _saved = ()
    _saved_nonleaf = ()  # saved inputs that had a node: refused once detach_()ed
    # (saved position, edge) of the inputs saved through a view (through_views) that
    # required grad: PyTorch's saved view keeps requiring grad when the input is detach_()ed
    _saved_views = ()
    # (saved position or tensor, its version counter, the version when saved): what
    # saved_tensors checks for in-place changes since (_link_saved, keep_version)
    _saved_versions = ()
    # a backward that always raises (PyTorch's NotImplemented node, which runs as soon as
    # it is ready: engine._deliver_finished)
    raises_when_ready = False
    # the inputs PyTorch's node reaches through a view node of its own (a batched matmul's
    # reshaped operands): for the order of a failed backward (engine._deliver_finished)
    through_views = ()
    # (PyTorch's name for this op's backward, ((argument name, tensor), ...)): arguments
    # without a derivative that the backward reads, which it refuses to see requiring
    # grad once it is itself recorded (create_graph: engine), as PyTorch's does
    no_grad_args = None
    # The output tensor, set only once that tensor has hooks or retains its grad (see
    # Tensor.register_hook); the engine checks it per node. A strong reference: as in
    # PyTorch, the hooks run even when nothing else holds the tensor any more.
    _out_tensor = None
    # the hooks of _out_tensor that stay with this node once the tensor was changed in
    # place (ops/inplace.py, _set_grad_fn); None while they are the tensor's own
    _out_hooks = None
    # How PyTorch lays out the op's result where NumPy may not: "operands", an elementwise
    # op's result takes its operands' layout (``ops/_layout.py``; number_operands: a Python
    # number argument is one of them, as in PyTorch's ``a + 1``); "contiguous", a fresh
    # C-contiguous result (reductions, which NumPy lays out as their input)
    layout = None
    number_operands = False

    @staticmethod
    def forward(ctx, *args):  # pragma: no cover - abstract
        raise NotImplementedError("a Function subclass must define forward")

    @staticmethod
    def backward(ctx, grad):  # pragma: no cover - abstract
        raise NotImplementedError("a Function subclass must define backward")

    @classmethod
    def apply(cls, *args):
        """Run the op on ``args`` (tensors and plain values) and return its result tensor,
        recording a graph node when grad mode is on and an input requires grad."""
        tensor_type, new = _Tensor
        ctx = cls()  # cheaper than object.__new__(cls); a Function takes no arguments
        # Plain loops, not comprehensions: on Python 3.11 each comprehension is a function
        # call, and this is every op's path.
        arrays = list(args)
        inputs = None  # the node's inputs: each tensor that requires grad, else None
        i = 0
        for a in args:
            if isinstance(a, tensor_type):
                arrays[i] = a._data
                if a._requires_grad:
                    if a._made_at is not None and _grad_enabled[0]:
                        _check_view_use(a)
                    if inputs is None:
                        inputs = [None] * len(args)
                        needs = [False] * len(args)
                    # edge(a), inline: every op's path
                    inputs[i] = e = a.grad_fn or (
                        a if not a._grad_of_base else None)
                    needs[i] = e is not None
            i += 1
        if inputs is not None and _grad_enabled[0]:
            ctx.inputs = tuple(inputs)
            ctx.needs_input_grad = tuple(needs)
            raw = out = cls.forward(ctx, *arrays)
            if type(out) is not np.ndarray:
                out = np.asarray(out)
            if cls.layout is not None and out.ndim > 1:
                out = raw = _lay_out(ctx, raw, out, arrays)
            if out.dtype.kind != "f":  # only floats carry gradients (x.bool(), x.long())
                return new(tensor_type, out, False, None)
            result = new(tensor_type, out, True, ctx)
            if ctx._saved:
                ctx._link_saved(args, raw, result)
            return result
        ctx.needs_input_grad = (False,) * len(args)
        out = cls.forward(ctx, *arrays)
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if cls.layout is not None and out.ndim > 1:
            out = _lay_out(ctx, out, out, arrays)
        return new(tensor_type, out, False, None)

    @classmethod
    def apply_to(cls, x, *params):
        """``apply(x, *params)`` when ``x`` is a tensor whose result is recorded (it
        requires grad, in grad mode) and ``params`` are not tensors (axes, shapes, flags):
        the same node, built without apply's scan of the arguments. For the single-input
        ops of every training step (a loss's sum or mean, views); callers check first."""
        if x._made_at is not None:
            _check_view_use(x)
        if x.grad_fn is None and x._grad_of_base:
            return cls.apply(x, *params)  # (no edge to it: see edge)
        ctx = cls()
        ctx.inputs = (x.grad_fn or x,) + _NONES[len(params)]
        ctx.needs_input_grad = _FIRST_ONLY[len(params)]
        raw = out = cls.forward(ctx, x._data, *params)
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if cls.layout is not None and out.ndim > 1:
            out = raw = _lay_out(ctx, raw, out, (x._data,))
        if out.dtype.kind != "f":  # as in apply
            return _Tensor[1](_Tensor[0], out, False, None)
        result = _Tensor[1](_Tensor[0], out, True, ctx)
        if ctx._saved:
            ctx._link_saved((x,), raw, result)
        return result

    # ----- saving what backward needs -------------------------------------------------
    def save_for_backward(self, *items):
        self._saved = items

    def _link_saved(self, args, raw, result):
        """Remember which saved arrays are inputs or the output, and their versions, so
        that backward can detect in-place changes and hand out Tensors under create_graph.
        ``raw`` is what forward returned (a full reduction returns a NumPy scalar, which
        the result wraps in a new array)."""
        tensor_type = _Tensor[0]
        refs = []
        versions = []  # (saved position, version counter, version when saved)
        out = result._data
        for i, item in enumerate(self._saved):
            ref = None
            if item is raw or item is out:
                ref = _OUTPUT
                self._out_ref = weakref.ref(result)  # weak: the result owns this node
                versions.append((i, result._vc, result._vc[0]))
            else:
                for j, a in enumerate(args):
                    if isinstance(a, tensor_type) and a._data is item:
                        ref = a
                        versions.append((i, a._vc, a._vc[0]))
                        # (PyTorch saves a view of an input it reaches through a view
                        # node: that view keeps its node when the input is detach_()ed)
                        if j in self.through_views:
                            if self.inputs[j] is not None:
                                self._saved_views += ((i, self.inputs[j]),)
                        elif a.grad_fn is not None:
                            self._saved_nonleaf += (a,)
                        break
                else:
                    ref = _promoted_from(item, args, tensor_type)
                    if ref is not None:
                        versions.append((ref, ref._vc, ref._vc[0]))
            refs.append(ref)
        self._saved_refs = refs
        self._saved_versions = versions

    def computes_input(self, i):
        """PyTorch's ``should_compute_output(i)``: whether the backward now running wants
        input ``i``'s gradient from this node: it requires grad, and in an autograd.grad
        it lies on a path to one of the inputs asked for (a node may skip, or refuse only,
        the others: CopySlices of an expanded view)."""
        inp = self.inputs[i]
        if inp is None or not self.needs_input_grad[i]:
            return False
        wanted = _wanted[-1] if _wanted else None
        if wanted is None:
            return True
        needed, leaf_ids = wanted
        return id(inp) in leaf_ids if isinstance(inp, _Tensor[0]) else inp in needed

    def keep_version(self, t):
        """Make backward refuse to run once ``t`` has been changed in place: a tensor the
        backward relies on that is not one of the inputs it saved (max's indices), or this
        node's own output (std's, which PyTorch saves). The output is held by its array
        (no cycle), and named as this node's in the error, as PyTorch names it."""
        if t.grad_fn is self:
            self._kept_output = t._data
            key = _OUTPUT
        else:
            key = t
        self._saved_versions = tuple(self._saved_versions) + (
            (key, t._vc, t._vc[0]),)
        if not self._saved:  # PyTorch saves it: freed by a backward, as saved values are
            self._saved = (None,)

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access "
                "saved tensors after they have already been freed). Saved intermediate "
                "values of the graph are freed when you call .backward() or "
                "autograd.grad(). Specify retain_graph=True if you need to backward "
                "through the graph a second time or if you need to access saved tensors "
                "after calling backward."
            )
        for t in self._saved_nonleaf:
            if t.grad_fn is None:
                raise RuntimeError(
                    "Trying to use a saved tensor that has been detached in-place, i.e. with "
                    ".detach_().This is not supported, please use out-of-place `.detach()` "
                    "instead")
        for i, counter, version in self._saved_versions:
            if counter[0] != version:
                raise RuntimeError(self._modified_message(i, counter[0], version))
        if _tensor_mode[0] and not self.array_backward:
            return self._saved_as_tensors()
        return saved

    def _modified_message(self, i, now, expected):
        """PyTorch's words for a saved value changed in place since it was saved."""
        from ..tensor import _TYPE_NAMES
        if i is _OUTPUT:  # an output given to keep_version
            item, ref = self._kept_output, _OUTPUT
        elif isinstance(i, int):
            item, ref = self._saved[i], self._saved_refs[i]
        else:  # a tensor given to keep_version
            item, ref = i._data, i
        kind = _TYPE_NAMES[_dtype.from_numpy(item.dtype).name]
        producer = self if ref is _OUTPUT else getattr(ref, "grad_fn", None)
        origin = "" if producer is None else \
            f", which is output 0 of {re.sub(r'Backward[0-9]*$', '', producer.name())},"
        return ("one of the variables needed for gradient computation has been modified by "
                f"an inplace operation: [torch.{kind} {list(np.shape(item))}]{origin} is at "
                f"version {now}; expected version {expected} instead. Hint: enable anomaly "
                "detection to find the operation that failed to compute its gradient, with "
                "torch.autograd.set_detect_anomaly(True, check_nan=False).")

    def _saved_as_tensors(self):
        tensor_type = _Tensor[0]
        out = []
        for item, ref in zip(self._saved, getattr(self, "_saved_refs", (None,) * len(self._saved))):
            if ref is _OUTPUT:
                ref = self._out_ref()
                if ref is None:  # the output tensor is gone: one with its value and node
                    ref = tensor_type._wrap(item)
                    ref._requires_grad, ref.grad_fn = True, self
            if ref is None:
                ref = tensor_type._wrap(item) if isinstance(item, np.ndarray) else item
            out.append(ref)
        for i, e in self._saved_views:
            if not out[i]._requires_grad:  # detach_()ed since: the view PyTorch saved
                view = _SavedView()
                view.inputs, view.needs_input_grad = (e,), (True,)
                out[i] = _Tensor[1](tensor_type, self._saved[i], True, view)
        return tuple(out)

    # ----- identity --------------------------------------------------------------------
    def name(self):
        return getattr(self, "backward_name", None) or type(self).__name__ + "Backward0"

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        return tuple(
            (None, 0) if t is None else (t if isinstance(t, Function) else _AccumulateGrad(t), 0)
            for t in getattr(self, "inputs", ())
        )

    def register_hook(self, fn):
        raise RuntimeError("hooks on grad_fn are not supported; use Tensor.register_hook")


class _SavedView(Function):
    """The view of an input that PyTorch's node saved, reaching the input through a view
    node of its own (Function.through_views), as a backward under create_graph reads it
    once the input was detach_()ed: it still requires grad, its edge the input's at the
    forward (a leaf detach_()ed since takes no gradient from it, as from any graph)."""

    @staticmethod
    def backward(ctx, g):
        return g


def _promoted_from(item, args, tensor_type):
    """The input tensor a saved float array is a promoted copy of (a bool, int or float32
    operand cast for a float64 one): PyTorch saves the operand itself, so its version is
    kept and, under create_graph, the backward sees the tensor (its gradient then requires
    grad with it). None when no input has that shape and another dtype."""
    if type(item) is not np.ndarray or item.dtype.kind != "f":
        return None
    for a in args:
        if isinstance(a, tensor_type):
            data = a._data
            if data.shape == item.shape and data.dtype != item.dtype and data.dtype.kind in "biuf":
                return a
    return None


class _AccumulateGrad:
    """Stand-in shown in ``next_functions`` for a leaf, as PyTorch shows it."""

    def __init__(self, variable):
        self.variable = variable

    @staticmethod
    def name():
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"


# apply_to's node fields for n parameters after the input: (None,) * n, (True,) + (False,) * n
_NONES = [(None,) * n for n in range(8)]
_FIRST_ONLY = [(True,) + (False,) * n for n in range(8)]

def _lay_out(ctx, raw, out, arrays):
    """The op's result laid out as PyTorch lays it out (``layout``); an output the op saved
    for its backward is the relaid one."""
    laid = _lay_out_as[0](ctx.layout, out, arrays, ctx.number_operands)
    if laid is not out and ctx._saved:
        ctx._saved = tuple(laid if s is raw or s is out else s for s in ctx._saved)
    return laid


_lay_out_as = [None]  # ops/_layout.lay_out (ops import this module)
# Filled by ember.tensor once Tensor exists (the two modules refer to each other):
# the Tensor class and its constructor ``_new(cls, data, requires_grad, grad_fn)``.
_Tensor = [None, None]


def _check_view_use(t):
    from ..tensor import check_view_use  # (tensor.py imports this module)
    check_view_use(t)


def once_differentiable(cls):
    """Class decorator: the Function's backward works on arrays only (see module doc)."""
    cls.array_backward = True
    cls.backward_reads = ()  # PyTorch's decorator looks at the gradients only
    return cls
