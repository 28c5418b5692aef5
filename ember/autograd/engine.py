"""The backward engine: one iterative walk of the graph, latest node first.

Every graph node gets a sequence number when its output tensor is born (``tensor._new``),
so a node's consumers all have larger numbers than the node itself. Running nodes in
decreasing sequence order (a heap of the nodes that have received a gradient so far) is
therefore a topological order: a node runs after every consumer has handed it its
gradient, each backward runs exactly once, no recursion is involved (a 10,000-op chain is
no problem) and no counting pass over the graph is needed, which is what PyTorch's engine
does too. Gradients are NumPy arrays, or ember Tensors when ``create_graph=True`` so that
the backward itself is recorded.
"""
from heapq import heappop, heappush

import numpy as np

from .. import _dtype, _threads
from . import function as _function
from . import grad_mode

_tensor_mode = _function._tensor_mode
_wanted = _function._wanted

# The callbacks ``queue_callback`` gathered for each backward now running: a stack, since a
# hook may run a backward of its own.
_final_callbacks = []


def queue_callback(callback):
    """Call ``callback()`` once the backward now running has finished, after every leaf's
    gradient is in place (PyTorch's ``Variable._execution_engine.queue_callback``).
    DistributedDataParallel waits there for the all-reduces its gradient hooks started."""
    if not _final_callbacks:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    if _final_callbacks[-1] is None:  # (a list only once one is queued)
        _final_callbacks[-1] = []
    _final_callbacks[-1].append(callback)


class PostAccumulateGradHook:
    """A hook of ``Tensor.register_post_accumulate_grad_hook``, kept in the leaf's hook list
    (so the engine's fast path sees that the leaf has hooks) and run after accumulation."""
    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn


def _sum_to_shape(g, shape):
    """Sum a broadcast gradient back to the shape of the input it belongs to (every step
    of a model with a bias: plain loops and ``np.add.reduce``, it is a third the cost of
    comprehensions and ``np.sum``)."""
    if g.shape == shape:
        return g
    if not isinstance(g, np.ndarray):
        return g.sum_to_size(shape)
    lead = g.ndim - len(shape)
    axes = list(range(lead))
    gshape = g.shape
    for i, s in enumerate(shape, lead):
        if s == 1 and gshape[i] != 1:
            axes.append(i)
    if len(axes) == lead and shape:  # only leading axes (a bias): they go, no reshape
        return np.add.reduce(g, axis=tuple(axes))
    g = np.add.reduce(g, axis=tuple(axes), keepdims=True)
    return g.reshape(shape) if lead else g


def _fit(g, shape, dtype):
    """The gradient given ``shape`` and ``dtype``, an input's (the engine's one broadcast
    rule)."""
    if g.shape != shape:
        g = _sum_to_shape(g, shape)
    if g.dtype != dtype:
        if isinstance(g, np.ndarray):
            g = g.astype(dtype)
        else:
            g = g.to(_dtype.from_numpy(dtype))
    return g


def check_roots(roots):
    """PyTorch's refusal of a root with no edge into the graph: one that does not require
    grad, or a leaf view that requires grad only through its base (made before the base
    did: PyTorch reports that it requires grad, but gives it no gradient accumulator)."""
    for i, t in enumerate(roots):
        if not t._requires_grad or _function.edge(t) is None:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")


def run_backward(roots, root_grads, retain_graph, create_graph, inputs=None):
    """Propagate ``root_grads`` from ``roots`` to the leaves.

    Without ``inputs`` gradients accumulate into leaves' ``.grad`` (``Tensor.backward``);
    with ``inputs`` they are returned for those tensors instead (``autograd.grad``).
    """
    tensor_type = _function._Tensor[0]
    tensor_mode = bool(create_graph)

    # Where to deliver gradients for autograd.grad: leaves by identity, others by node.
    captured = leaf_targets = None
    if inputs is not None:
        captured = {}
        leaf_targets = {id(t) for t in inputs if t.grad_fn is None}
        node_targets = {t.grad_fn: t for t in inputs if t.grad_fn is not None}

    # autograd.grad runs only the nodes on a path to one of its inputs, as PyTorch does: the
    # others' saved values may have been changed in place, and their hooks must not fire.
    needed, ends = None, ()
    if inputs is not None:
        needed, ends = _needed(roots, node_targets, leaf_targets, tensor_type)
    grads = {}  # node -> the gradient of its output gathered so far
    # id(leaf) -> (leaf, its gradient summed over its uses so far): leaves take their
    # gradient once the walk is done (each hook runs once, on the total), and after a
    # failed walk only those PyTorch had given theirs (_deliver_finished)
    pending = {}
    heap = []   # (-sequence number, node) for every node in ``grads``
    for t, g in zip(roots, root_grads):
        if tensor_mode and isinstance(g, np.ndarray):
            g = tensor_type._wrap(g)
        fn = t.grad_fn
        if fn is None:
            _deliver(t, g, tensor_mode, captured, leaf_targets, pending)
        elif needed is not None and fn not in needed:
            continue
        elif fn in grads:
            grads[fn] = grads[fn] + g
        else:
            grads[fn] = g
            heappush(heap, (-fn._seq, fn))

    # The loop below is the hot path of every small training step (a linear regression
    # step is ~6 nodes), so the common case is written out inline: arrays, no hooks, no
    # gradients to capture for autograd.grad (``plain``).
    plain = captured is None and not tensor_mode
    summed = None  # the nodes whose gradient is a sum this backward made (_add_gradient)
    ndarray = np.ndarray
    prev_mode = grad_mode._enabled[0]
    prev_tensor_mode = _tensor_mode[0]
    grad_mode._enabled[0] = tensor_mode
    _tensor_mode[0] = tensor_mode
    _final_callbacks.append(None)
    _wanted.append(None if needed is None else (needed, leaf_targets))
    node = None  # the node running, for a backward that fails
    try:
        while heap:
            node = heappop(heap)[1]
            g = grads.pop(node)
            node_inputs = node.inputs
            if node._out_tensor is not None:
                g = _node_output_hooks(node, g, tensor_mode, tensor_type)
            if plain:
                if type(g) is not ndarray:
                    g = np.asarray(g)  # a sum of 0-d arrays is a NumPy scalar
                in_grads = node.backward(node, g)
                if type(in_grads) is not tuple:
                    in_grads = (in_grads,)
            else:
                if captured is not None and node in node_targets:
                    captured[id(node_targets[node])] = g
                    if node in ends:  # nothing wanted lies behind it: not run, as in PyTorch
                        continue
                if tensor_mode:
                    in_grads = _call_backward_tensor_mode(node, g, tensor_type)
                else:
                    in_grads = node.backward(node, np.asarray(g))
                    if type(in_grads) is not tuple:
                        in_grads = (in_grads,)
            if len(in_grads) != len(node_inputs):
                raise RuntimeError(
                    f"function {node.name()} returned an incorrect number of gradients "
                    f"(expected {len(node_inputs)}, got {len(in_grads)})")
            for inp, ig in zip(node_inputs, in_grads):
                if inp is None or ig is None:
                    continue
                if not tensor_mode and type(ig) is not ndarray:
                    ig = _as_array_any(ig)
                if isinstance(inp, tensor_type):  # a leaf
                    if not inp._requires_grad:  # detach_()ed since: nothing, as PyTorch's
                        continue  # AccumulateGrad does for a leaf that no longer requires grad
                    data = inp._data
                    if ig.shape != data.shape or ig.dtype is not data.dtype:  # `is`: cheap,
                        ig = _fit(ig, data.shape, data.dtype)  # and _fit compares properly
                    if captured is not None or inp._hooks:
                        _deliver(inp, ig, tensor_mode, captured, leaf_targets, pending)
                    elif not inp._grad_of_base:  # _deliver's sum, inline
                        key = id(inp)
                        prev = pending.get(key)
                        pending[key] = (inp, ig) if prev is None else (inp, prev[1] + ig)
                    continue
                if needed is not None and inp not in needed:
                    continue
                if ig.shape != inp._shape or ig.dtype is not inp._dtype:
                    ig = _fit(ig, inp._shape, inp._dtype)
                if inp in grads:
                    summed = _add_gradient(grads, inp, ig, summed, tensor_mode)
                else:
                    grads[inp] = ig
                    heappush(heap, (-inp._seq, inp))
            if not retain_graph and node._saved:
                node._saved = None  # free what backward needed
                node._saved_refs = node._saved_nonleaf = ()
        node = None  # the walk is done: every leaf takes its gradient
        for leaf, g in pending.values():
            leaf_grad = leaf._grad
            if leaf_grad is None or leaf._hooks or tensor_mode:
                _deliver_to_leaf(leaf, g, tensor_mode)
            else:  # a parameter's second step on: _accumulate's last case, inline
                _add_into(leaf_grad, g)
    except BaseException:
        if node is not None and pending:
            _deliver_finished(roots, pending, node, tensor_mode, tensor_type)
        raise
    finally:
        grad_mode._enabled[0] = prev_mode
        _tensor_mode[0] = prev_tensor_mode
        callbacks = _final_callbacks.pop()
        _wanted.pop()
    if callbacks is not None:  # only after a backward that succeeded
        for callback in callbacks:
            callback()
    return captured


def _add_gradient(grads, fn, g, summed, tensor_mode):
    """Add ``g`` to the gradient gathered so far for ``fn`` (a node whose output has several
    consumers: a residual block's input, DenseNet's concatenated features). Arrays are
    summed into a new array the first time, then in place, as nobody else holds that sum;
    an array a backward returned may be shared (Add's backward returns its gradient twice). Returns ``summed``, the set of
    nodes holding such sums (None until the first)."""
    total = grads[fn]
    if tensor_mode:
        grads[fn] = total + g
    elif summed is not None and fn in summed:
        _threads.exact_ufunc(np.add, total, g, total)
    else:
        grads[fn] = _threads.exact_ufunc(np.add, total, g, np.empty(total.shape, total.dtype))
        if summed is None:
            summed = set()
        summed.add(fn)
    return summed


def _needed(roots, node_targets, leaf_targets, tensor_type):
    """The nodes from which a gradient reaches one of autograd.grad's inputs, and those of
    them that only take it (an input's node with no other input behind it)."""
    seen = set()
    stack = [t.grad_fn for t in roots if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(i for i in node.inputs
                         if i is not None and not isinstance(i, tensor_type))
    needed, ends = set(), set()
    for node in sorted(seen, key=lambda n: n._seq):  # inputs' nodes first
        leads = any((id(i) in leaf_targets) if isinstance(i, tensor_type) else i in needed
                    for i in node.inputs if i is not None)
        if leads or node in node_targets:
            needed.add(node)
            if not leads:
                ends.add(node)
    return needed, ends


def _deliver(leaf, g, tensor_mode, captured, leaf_targets, pending):
    """A leaf's gradient: into ``captured`` for autograd.grad (when the leaf is one of its
    inputs), else summed in ``pending`` for its ``.grad``."""
    if leaf._grad_of_base:
        return  # a leaf view that requires grad through its base: PyTorch has no edge to it
    if captured is None:
        # a gradient hook sees the leaf's summed gradient, as in PyTorch; post-accumulate
        # hooks alone run per use, while backward is still going (DistributedDataParallel
        # counts the uses and starts its all-reduces from them: the overlap)
        if leaf._hooks and all(type(h) is PostAccumulateGradHook for h in leaf._hooks):
            _deliver_to_leaf(leaf, g, tensor_mode)
        else:
            prev = pending.get(id(leaf))
            pending[id(leaf)] = (leaf, g if prev is None else prev[1] + g)
    elif id(leaf) in leaf_targets:
        prev = captured.get(id(leaf))
        captured[id(leaf)] = g if prev is None else prev + g


def _deliver_finished(roots, pending, failed, tensor_mode, tensor_type):
    """After a backward failed in node ``failed``, the gradients of the leaves PyTorch had
    already filled. Its AccumulateGrad nodes run before any other ready node, so a leaf
    takes its gradient as soon as every node using it has run: here, every node of the
    graph using it came before ``failed`` in the walk (a larger sequence number)."""
    first_use = {}  # id(leaf) -> the smallest sequence number of a node using it
    last = None  # the last node of the walk to use ``failed``
    seen = set()
    stack = [t.grad_fn for t in roots if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        seq, view_edge = node.__dict__.get("_copy_slices", (node._seq, None))
        for i in node.inputs:
            if isinstance(i, tensor_type):
                first_use[id(i)] = min(first_use.get(id(i), seq), seq)
            elif i is not None and i is not view_edge:  # (PyTorch's CopySlices has none)
                stack.append(i)
                if i is failed and (last is None or seq < last[0]):
                    last = (seq, node)
    cut, ahead = failed.__dict__.get("_copy_slices", (failed._seq,))[0], ()
    if failed.raises_when_ready and last is not None:
        # PyTorch's NotImplemented node has AccumulateGrad's sequence number, the largest:
        # it runs, and raises, as soon as its last user has run, after the leaves that
        # user readied before it (those listed before it in the user's inputs; all of
        # them where PyTorch's user reaches it through a view node of its own, which
        # waits while they take their gradients: Function.through_views)
        cut, inputs = last[0], list(last[1].inputs)
        k = next(j for j, i in enumerate(inputs) if i is failed)
        ahead = {id(i) for i in inputs} if k in last[1].through_views else \
            {id(i) for i in inputs[:k]} - {id(i) for i in inputs[k:]}
    for key, (leaf, g) in pending.items():
        use = first_use.get(key, cut + 1)
        if use > cut or (use == cut and key in ahead):
            _deliver_to_leaf(leaf, g, tensor_mode)


def _deliver_to_leaf(leaf, g, tensor_mode):
    """A leaf's gradient, through its hooks, into ``.grad``; then its post-accumulate
    hooks, which see the leaf with its ``.grad`` updated (once per use for a leaf with
    those alone: _deliver)."""
    hooks = leaf._hooks
    if hooks:
        tensor_type = _function._Tensor[0]
        for hook in hooks:
            if type(hook) is not PostAccumulateGradHook:
                out = hook(g if tensor_mode else _for_hook(g, tensor_type))
                if out is not None:
                    g = out if tensor_mode else out._data
    _accumulate(leaf, g, tensor_mode)
    if hooks:
        for hook in list(hooks):  # a hook may remove itself
            if type(hook) is PostAccumulateGradHook:
                hook.fn(leaf)


def _for_hook(g, tensor_type):
    """The gradient as a hook sees it. The shared read-only 1 a scalar's backward starts
    from is copied, so the hook may change it in place as in PyTorch; a broadcast
    gradient (zero strides: a reduction's) stays read-only, as PyTorch's expanded
    gradients refuse in-place writes too."""
    if g.flags.writeable or 0 in g.strides:
        return tensor_type._wrap(g)
    return tensor_type._wrap(g.copy())


def _call_backward_tensor_mode(node, g, tensor_type):
    """A node's input gradients as Tensors (create_graph): an array-only backward runs on
    the arrays and its result is a constant."""
    if node.no_grad_args is not None:
        _function.check_no_requires_grad(*node.no_grad_args)
    if node.array_backward:
        result = node.backward(node, g._data)
        result = result if isinstance(result, tuple) else (result,)
        # PyTorch's backward of a built-in op is an op of the gradient and of the inputs it
        # saved, so its results require grad when one of those does; ember cannot
        # differentiate them again, and says so if asked (PyTorch's once_differentiable)
        inputs, reads = node.inputs, node.backward_reads
        # what the result depends on: the gradient and the inputs the backward reads
        edges = ((g.grad_fn or g) if g._requires_grad else None,) + tuple(
            inputs[i] for i in (range(len(inputs)) if reads is None else reads))
        # (a leaf counts while it still requires grad: PyTorch saves the leaf itself, and
        # one detach_()ed since gives a constant)
        marked = any(e is not None and (e._requires_grad if isinstance(e, tensor_type) else True)
                     for e in edges)
        # PyTorch looks at its saved tensors as they are now: a saved input that requires
        # grad only since the forward (requires_grad_() on a conv's weight) counts too
        for r in getattr(node, "_saved_refs", ()):
            if isinstance(r, tensor_type) and r._requires_grad:
                e = _function.edge(r)  # (None: a view without an edge, requiring grad too)
                if e is None or not any(e is i for i in inputs):
                    marked = True
                    edges += (e,)
        return tuple(None if r is None else
                     _once_differentiated(np.asarray(r), node, edges) if marked else
                     tensor_type._wrap(np.asarray(r)) for r in result)
    result = node.backward(node, g)
    if not isinstance(result, tuple):
        result = (result,)
    return tuple(
        r if r is None or isinstance(r, tensor_type) else tensor_type._wrap(np.asarray(r))
        for r in result
    )


class _DelayedError(_function.Function):
    """The node of a gradient that an array-only backward computed under create_graph: it
    requires grad, and differentiating it raises (PyTorch's DelayedError). Its edges are
    what that gradient depends on, so a second derivative that needs it reaches it and
    raises rather than leave its part out."""

    backward_name = "DelayedError"

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(
            "trying to differentiate twice a function that was marked with "
            f"@once_differentiable ({ctx.of}: ember computes its backward on arrays only)")


def _once_differentiated(arr, node, edges):
    err = _DelayedError()
    err.inputs = edges
    err.needs_input_grad = tuple(e is not None for e in edges)
    err.of = node.name()
    return _function._Tensor[1](_function._Tensor[0], arr, True, err)


def _as_array_any(r):
    return r._data if hasattr(r, "_data") else np.asarray(r)


def _node_output_hooks(node, g, tensor_mode, tensor_type):
    """Run hooks registered on the node's output tensor and keep its grad if it asked."""
    t = node._out_tensor
    for hook in (t._hooks if node._out_hooks is None else node._out_hooks) or ():
        out = hook(g if tensor_mode else _for_hook(g, tensor_type))
        if out is not None:
            g = out if tensor_mode else out._data
    if t._retains_grad and t.grad_fn is node:  # (not a node t was changed in place from)
        # PyTorch's retain_grad keeps a C-contiguous copy, then sums out of place (a new
        # tensor each time, which may require grad under create_graph and is never
        # written into)
        if t.grad is None:
            if tensor_mode:
                from ..ops.shape import ContiguousClone
                t.grad = ContiguousClone.apply(g)
            else:
                t.grad = tensor_type._wrap(np.array(g, order="C", copy=True))
        else:
            t.grad = t.grad + (g if tensor_mode else tensor_type._wrap(g))
    return g


def _accumulate(t, g, tensor_mode):
    """Add ``g`` into ``t.grad`` the way PyTorch does (in place unless building a graph,
    also into a ``.grad`` that requires grad: it keeps its node)."""
    tensor_type = _function._Tensor[0]
    if t.grad is None:
        if tensor_mode:
            t.grad = g
        else:
            # A copy: ``g`` may be shared with another input's gradient or be a read-only
            # broadcast view, and the user is free to modify ``.grad`` in place. It takes
            # the leaf's strides where the leaf is dense (else C order), as PyTorch's
            # AccumulateGrad lays out a .grad.
            data = t._data
            grad = np.empty(data.shape, data.dtype)
            if not data.flags.c_contiguous:
                from ..ops._layout import dense
                from ..tensor import torch_strides
                if dense(data.shape, torch_strides(data)):
                    grad = np.empty_like(data)
            np.copyto(grad, g)
            t.grad = tensor_type._wrap(grad)
    elif tensor_mode:
        t.grad = t.grad + g
    else:
        # (g: an array, a Tensor, or a NumPy scalar, 0-d gradients summed over the uses)
        _add_into(t.grad, g if type(g) is np.ndarray else _as_array_any(g))


def _add_into(grad, g):
    """``grad += g`` for a leaf's ``.grad`` (array ``g``), with PyTorch's errors where the
    user changed the shape of ``.grad`` in place since (``squeeze_()``)."""
    try:
        np.add(grad._data, g, out=grad._data)
    except ValueError:
        from ..ops.elementwise import write_error
        raise write_error(grad._data, g) from None
    grad._vc[0] += 1
