"""The backward engine: accumulation, retain_graph, retain_grad, hooks, grad modes,
autograd.grad with grad_outputs/allow_unused, control flow, and a 10,000-deep chain."""
import sys

import numpy as np
import pytest

import ember
from coreutil import assert_close, threads


def test_backward_accumulates_into_leaves(torch):
    x = ember.arange(4.0, requires_grad=True)
    assert x.grad is None
    y = 2 * ember.dot(x, x)
    y.backward()
    assert x.grad.tolist() == [0.0, 4.0, 8.0, 12.0]
    (x.sum()).backward()
    assert x.grad.tolist() == [1.0, 5.0, 9.0, 13.0]  # accumulated
    g = x.grad
    x.grad.zero_()
    x.sum().backward()
    assert x.grad is g and x.grad.tolist() == [1.0] * 4  # same .grad tensor, updated in place


def test_backward_with_gradient_argument(torch):
    x = ember.arange(4.0, requires_grad=True)
    y = x * x
    y.backward(ember.tensor([0.1, 0.2, 0.3, 0.4]))
    t = torch.arange(4.0, requires_grad=True)
    (t * t).backward(torch.tensor([0.1, 0.2, 0.3, 0.4]))
    assert_close(x.grad, t.grad)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * x).backward(ember.ones(3))


def test_shared_subexpressions_and_diamonds(torch):
    def f(lib, a):
        b = a.exp()
        c = b * a + b.sin()
        d = c * b - a
        return (d * c).sum()
    x = np.array([0.1, -0.5, 0.3])
    e = ember.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    f(ember, e).backward()
    f(torch, t).backward()
    assert_close(e.grad, t.grad)


def test_retain_graph_allows_second_backward(torch):
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.clone()
    y.backward()
    assert_close(x.grad, first * 2)


def test_retain_grad_on_intermediate(torch):
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    assert y.retains_grad
    z = (y * y).sum()
    z.backward()
    assert y.grad.tolist() == [6.0, 12.0] and x.grad.tolist() == [18.0, 36.0]
    w = x * 2
    (w * w).sum().backward()
    assert w.grad is None  # not asked for: not kept


def test_hooks_on_leaves_and_intermediates(torch):
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: seen.append(g.tolist()))
    y = x * 2
    y.register_hook(lambda g: g * 10)  # replaces the gradient flowing on
    y.sum().backward()
    assert seen == [[20.0, 20.0]] and x.grad.tolist() == [20.0, 20.0]
    h.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert seen == [[20.0, 20.0]] and x.grad.tolist() == [1.0, 1.0]


class _Grads:
    @staticmethod
    def requires(lib, fn):
        return fn().requires_grad


def test_no_grad_enable_grad_set_grad_enabled(torch):
    x = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        assert not ember.is_grad_enabled()
        y = x * 2
        with ember.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None and z.requires_grad
    assert ember.is_grad_enabled()

    @ember.no_grad()
    def f():
        return x * 2

    @ember.enable_grad()
    def g():
        return x * 2
    assert not f().requires_grad
    with ember.no_grad():
        assert g().requires_grad
    with ember.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    ember.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        ember.set_grad_enabled(True)

    @ember.set_grad_enabled(False)
    def h():
        return x * 2
    assert ember.is_grad_enabled() and not h().requires_grad and ember.is_grad_enabled()
    with ember.inference_mode():
        assert not (x * 2).requires_grad


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with ember.no_grad():
            raise ValueError
    assert ember.is_grad_enabled()


def test_autograd_grad_basic_and_grad_outputs(torch):
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    (g,) = ember.autograd.grad(y, x, grad_outputs=ember.tensor([1.0, 0.5, 0.0]))
    assert g.tolist() == [2.0, 2.0, 0.0] and x.grad is None  # returned, not accumulated
    a = ember.tensor(2.0, requires_grad=True)
    b = ember.tensor(3.0, requires_grad=True)
    ga, gb = ember.autograd.grad(a * b + a, [a, b])
    assert (ga.item(), gb.item()) == (4.0, 2.0)
    # several outputs at once, with their grad_outputs
    o1, o2 = a * 2, b * a
    ga, gb = ember.autograd.grad([o1, o2], [a, b], grad_outputs=[ember.tensor(1.0), ember.tensor(2.0)])
    assert (ga.item(), gb.item()) == (8.0, 4.0)


def test_autograd_grad_allow_unused(torch):
    a = ember.tensor(1.0, requires_grad=True)
    b = ember.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        ember.autograd.grad(a * 2, [a, b])
    ga, gb = ember.autograd.grad(a * 2, [a, b], allow_unused=True)
    assert ga.item() == 2.0 and gb is None


def test_autograd_grad_to_intermediate(torch):
    """The notes' chain rule: dy2/dy1 with y1 an intermediate result."""
    x = ember.tensor(1.0)
    w1, b1 = ember.tensor(2.0, requires_grad=True), ember.tensor(1.0, requires_grad=True)
    w2, b2 = ember.tensor(2.0, requires_grad=True), ember.tensor(1.0, requires_grad=True)
    y1 = w1 * x + b1
    y2 = w2 * y1 + b2
    (d21,) = ember.autograd.grad(y2, [y1], retain_graph=True)
    (d1w,) = ember.autograd.grad(y1, [w1], retain_graph=True)
    (d2w,) = ember.autograd.grad(y2, [w1], retain_graph=True)
    assert (d21.item(), d1w.item(), d2w.item()) == (2.0, 1.0, 2.0)
    assert d2w.item() == d21.item() * d1w.item()


def test_autograd_backward_several_roots():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    ember.autograd.backward([x * 2, (x * x).sum()], [ember.ones(2), None])
    assert x.grad.tolist() == [4.0, 6.0]


def test_backward_inputs_argument():
    a = ember.tensor(1.0, requires_grad=True)
    b = ember.tensor(2.0, requires_grad=True)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None


def test_control_flow_gradients(torch):
    def f(a):
        b = a * 2
        while b.norm() < 1000:
            b = b * 2
        if b.sum() > 0:
            c = b
        else:
            c = 100 * b
        return c
    for shape in [(), (2, 4)]:
        a = ember.randn(shape, requires_grad=True)
        d = f(a)
        d.backward(ember.ones_like(d)) if shape else d.backward()
        assert_close(a.grad, (d / a).detach(), rtol=1e-6)


def test_detach_stops_gradient(torch):
    x = ember.arange(4.0, requires_grad=True)
    y = x * x
    u = y.detach()
    z = u * x
    z.sum().backward()
    assert (x.grad == u).all().item()
    x.grad.zero_()
    y.sum().backward()
    assert (x.grad == 2 * x).all().item()


def _view_of_detached_root(lib, case):
    """``b[0]`` after ``b.detach_()``, in ember or PyTorch; returns the root backward ran
    from, the leaf ``w`` and ``b``."""
    w = lib.tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    b = w * 2
    v = b[0]
    recorded = v * 3
    b.detach_()
    if case != "unchanged":
        b.mul_(0.5)  # an in-place change nobody records: b no longer requires grad
    if case == "requires grad again":
        b.requires_grad_()
    root = recorded if case == "recorded before the change" else v
    root.sum().backward()
    return root, w, b


# (case, w.grad, b.grad), as PyTorch 2.13 gives them
_DETACHED_ROOT = [
    ("unchanged", [[2.0] * 3, [0.0] * 3], None),
    ("changed", None, None),
    ("recorded before the change", [[6.0] * 3, [0.0] * 3], None),
    ("requires grad again", None, [[1.0] * 3, [0.0] * 3]),
]


@pytest.mark.parametrize("case, w_grad, b_grad", _DETACHED_ROOT)
def test_view_of_a_detached_root(case, w_grad, b_grad):
    """A view keeps its node after its root is detach_()ed, until the storage changes in
    place: PyTorch then regenerates the node from the root (no edge, or the root's own if
    it requires grad again); an op recorded on the view before keeps the old path."""
    root, w, b = _view_of_detached_root(ember, case)
    assert root.requires_grad
    for t, want in ((w, w_grad), (b, b_grad)):
        assert (t.grad is None) if want is None else t.grad.tolist() == want


def test_view_of_a_detached_root_as_torch(torch):
    for case, w_grad, b_grad in _DETACHED_ROOT:
        root, w, b = _view_of_detached_root(torch, case)
        assert root.requires_grad
        for t, want in ((w, w_grad), (b, b_grad)):
            assert (t.grad is None) if want is None else t.grad.tolist() == want, case


def test_deep_chain_has_no_recursion_limit():
    depth = 10_000
    assert sys.getrecursionlimit() < depth * 2
    x = ember.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(depth):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001 ** depth], rtol=1e-3)
    # and higher order over a deep chain too
    z = x
    for _ in range(depth):
        z = z + 0.0
    (g,) = ember.autograd.grad(z.sum(), x, create_graph=True)
    assert g.item() == 1.0


def test_graph_is_freed_after_backward():
    import gc
    import weakref
    x = ember.ones(3, requires_grad=True)
    y = x.exp()
    node = y.grad_fn
    y.sum().backward()
    assert node._saved is None  # saved arrays released
    ref = weakref.ref(node)
    del y, node
    gc.collect()
    assert ref() is None


def test_graph_keeps_only_what_backward_saved(torch):
    """The graph holds its nodes, not the tensors between them (PyTorch's edges): an
    intermediate result that no backward saved is freed once the user drops it, and one that
    was saved is freed once that backward has run. Memory then follows PyTorch's."""
    import weakref
    x = ember.randn(4, 3, requires_grad=True)
    y = x * 2.0           # Mul by a number saves nothing
    z = y.exp()           # exp saves its output, not y
    w = z + 1.0           # nothing saved
    loss = w.relu().sum()  # relu saves its output
    refs = {"y": weakref.ref(y), "z": weakref.ref(z), "w": weakref.ref(w)}
    z_data = weakref.ref(z._data)
    del y, z, w
    assert refs["y"]() is None and refs["w"]() is None
    assert refs["z"]() is None and z_data() is not None  # the array, kept by exp's node
    loss.backward()
    assert z_data() is None  # freed once exp's backward ran
    t = torch.tensor(x.detach().numpy(), requires_grad=True)
    ((t * 2.0).exp() + 1.0).relu().sum().backward()
    assert_close(x.grad, t.grad)


def test_hooks_and_second_derivatives_of_dropped_intermediates(torch):
    """A dropped intermediate's hooks still run (they live as long as its node), and a
    create_graph backward that needs a dropped output gets one with its value and node."""
    x = ember.tensor([0.5, 1.0, 2.0], requires_grad=True)
    seen = []
    y = x * x
    y.register_hook(lambda g: seen.append(g.tolist()))
    s = y.sigmoid()  # saves its output
    del y
    (g,) = ember.autograd.grad(s.sum(), x, create_graph=True)
    assert seen == [(s * (1 - s)).tolist()]
    del s
    g.sum().backward()
    t = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    (gt,) = torch.autograd.grad((t * t).sigmoid().sum(), t, create_graph=True)
    gt.sum().backward()
    assert_close(g, gt)
    assert_close(x.grad, t.grad)


def test_gradient_reaches_the_node_before_an_inplace_change(torch):
    """An op recorded before an in-place change of its input sends its gradient to the
    node that made the value it read."""
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 3
        a = y + 1      # reads y = 3x
        y.mul_(2)      # y = 6x from here
        (a * a).sum().backward(retain_graph=True)
        y.sum().backward()
        assert x.grad.tolist() == [6 * (3 * v + 1) + 6 for v in (1.0, 2.0, 3.0)]


def test_grad_fn_and_next_functions(torch):
    x = ember.ones(2, requires_grad=True)
    y = (x * 2).sum()
    assert y.grad_fn.name() == "SumBackward0"
    # (ember also lists the non-tensor arguments, as (None, 0))
    prev = y.grad_fn.next_functions[0][0]
    assert prev.name() == "MulBackward0"
    leaf = prev.next_functions[0][0]
    assert leaf.name() == "torch::autograd::AccumulateGrad" and leaf.variable is x


def test_gradient_dtype_follows_the_leaf(torch):
    x = ember.ones(3, dtype=ember.float64, requires_grad=True)
    (x.float() * 2).sum().backward()
    assert x.grad.dtype == ember.float64
    y = ember.ones(3, requires_grad=True)
    (y.double() ** 2).sum().backward()
    assert y.grad.dtype == ember.float32


@pytest.mark.parametrize("shape", [(3,), (600, 1000)])  # small, and large (kept storage)
def test_a_gradient_gathered_from_several_consumers_leaves_theirs_intact(shape):
    """The engine sums a node's gradients into a new array, then adds the rest into it in
    place: an array a backward returned (here one the Function keeps) is never written."""
    kept = np.full(shape, 0.5, np.float32)

    class Give(ember.autograd.Function):  # y = x, whose backward hands out ``kept``
        @staticmethod
        def forward(ctx, a):
            return a.copy()

        @staticmethod
        def backward(ctx, g):
            return ember.tensor(kept) if isinstance(g, ember.Tensor) else kept

    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal(shape, dtype=np.float32), requires_grad=True)
    for _ in range(2):
        h = x * 2.0  # one node, five consumers
        y = Give.apply(h).sum() + Give.apply(h).sum() + Give.apply(h).sum() + (h * 3.0).sum()
        y = y + h.sum()
        y.backward()
    np.testing.assert_array_equal(kept, np.full(shape, 0.5, np.float32))
    # per step: d/dh = 0.5 * 3 + 3 + 1, summed in that order, times 2 for h = 2x
    step = ((np.float32(0.5) + np.float32(0.5) + np.float32(0.5)) + np.float32(3)) + np.float32(1)
    np.testing.assert_array_equal(x.grad.numpy(), np.full(shape, 2 * (2 * step), np.float32))
    # the same under create_graph (Tensors, summed out of place)
    x.grad = None
    h = x * 2.0
    y = Give.apply(h).sum() + Give.apply(h).sum() + (h * h).sum()
    (g,) = ember.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 2 * (1.0 + 2 * h.detach().numpy()), rtol=1e-6)


# ----- a backward that fails part-way; saved-tensor versions; freed graphs (issue 13) -----
def _leaf_grads_after_failure(lib, build):
    """``build(lib, leaves)``'s output, backward run and failing: the leaves' .grad."""
    leaves = [lib.zeros(3, requires_grad=True) for _ in range(3)]
    out = build(lib, leaves)
    with pytest.raises(RuntimeError):
        out.sum().backward()
    return [None if t.grad is None else t.grad.tolist() for t in leaves]


def _saved_changed(lib, a, b, c):
    w = lib.ones(3)
    y1 = a * w  # the first node: its saved w is changed below
    y3 = (y1 + b).exp() * c + a  # a used again, late
    w.add_(1)
    return y3


class _Raise:
    """A Function whose backward raises (made for each library)."""

    @staticmethod
    def of(lib):
        class Raise(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x + 0

            @staticmethod
            def backward(ctx, g):
                raise RuntimeError("boom")
        return Raise


@pytest.mark.parametrize("build", [
    _saved_changed,
    lambda lib, a, b, c: _Raise.of(lib).apply(a) + b,            # b's user ran first
    lambda lib, a, b, c: b * 2 + _Raise.of(lib).apply(a),        # b's user had not run
    lambda lib, a, b, c: a.floor_divide(1) + b,                  # NotImplemented: at once
    lambda lib, a, b, c: b + a.floor_divide(1),                  # ... after b, listed first
    lambda lib, a, b, c: lib.stack([b, a.floor_divide(1), c * 3]),
])
def test_failed_backward_fills_the_leaves_pytorch_fills(torch, build):
    """PyTorch's AccumulateGrad runs as soon as every user of its leaf has run (and its
    NotImplemented node as soon as it is ready): after a failure, ember's leaves hold what
    PyTorch's hold."""
    got = _leaf_grads_after_failure(ember, lambda lib, t: build(lib, *t))
    want = _leaf_grads_after_failure(torch, lambda lib, t: build(lib, *t))
    assert got == want


def test_leaf_hooks_after_deferred_delivery():
    """Leaves take their summed gradient once the walk is done: a gradient hook runs once
    on the total; post-accumulate hooks alone still run per use, during the walk."""
    w = ember.ones(3, requires_grad=True)
    seen, per_use = [], []
    w.register_hook(lambda g: seen.append(g.tolist()))
    v = ember.ones(3, requires_grad=True)
    v.register_post_accumulate_grad_hook(lambda t: per_use.append(t.grad.tolist()))
    (w * 2 + w * 3 + v * 2 + v).sum().backward()
    assert seen == [[5.0] * 3] and w.grad.tolist() == [5.0] * 3
    assert per_use == [[1.0] * 3, [3.0] * 3]  # `+ v` (the later node) first, then `v * 2`


def test_linear_bias_is_part_of_the_product_node(torch):
    for lib in (ember, torch):
        x = lib.zeros(2, 3, dtype=lib.float64, requires_grad=True)
        w = lib.zeros(4, 3, dtype=lib.float64)
        b = lib.zeros(4, dtype=lib.float64, requires_grad=True)
        y = lib.nn.functional.linear(x, w, b)
        assert y.grad_fn.name() == "AddmmBackward0"
        y.sum().backward()
        assert b.grad.tolist() == [2.0] * 4
        y = lib.nn.functional.linear(x, w, b)
        w.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
        assert b.grad.tolist() == [2.0] * 4  # the bias's gradient waits for the product's
        y = lib.nn.functional.linear(x.detach(), w, b)  # the bias alone: nothing saved
        y.sum().backward()
        y.sum().backward()
        assert b.grad.tolist() == [6.0] * 4


def _backward_outcome(out, message):
    """"raised" (with ``message``) or "ran": what ``out.sum().backward()`` does."""
    try:
        out.sum().backward()
    except RuntimeError as e:
        assert message in str(e)
        return "raised"
    return "ran"


def _raises_after_change(lib, make, target):
    """Whether backward refuses once ``target`` (an input, or 'out') was changed in place."""
    ins, out = make(lib)
    t = out if target == "out" else ins[target]
    with lib.no_grad():
        t.fill_(True) if t.dtype == lib.bool else t.add_(0)
    try:
        (out[0] if isinstance(out, tuple) else out).float().sum().backward()
    except RuntimeError as e:
        assert "modified by an inplace operation" in str(e)
        return True
    return False


def _div(mode, ra, rb):
    def make(lib):
        a = lib.rand(3, requires_grad=ra)
        b = (lib.rand(3) + 1).requires_grad_(rb)
        return {"a": a, "b": b}, lib.div(a, b, rounding_mode=mode)
    return make


def _pool(name):
    def make(lib):
        a = lib.rand(1, 1, 4, 4, requires_grad=True)
        out = getattr(lib.nn.functional, name)(a, 2, return_indices=True)
        return {"a": a, "i": out[1]}, out
    return make


def _masked_select(lib):
    a = lib.rand(4, requires_grad=True)
    k = lib.tensor([True, False, True, False])
    return {"a": a, "k": k}, a.masked_select(k)


def _batch_norm_eval(lib):
    x, rm, rv = lib.rand(2, 3), lib.zeros(3), lib.ones(3)
    w, b = lib.rand(3, requires_grad=True), lib.rand(3, requires_grad=True)
    return ({"x": x, "rm": rm, "rv": rv, "w": w, "b": b},
            lib.nn.functional.batch_norm(x, rm, rv, w, b, training=False))


def _std(lib):
    a = lib.rand(3, requires_grad=True)
    return {"a": a}, a.std()


@pytest.mark.parametrize("make, targets", [
    (_div("floor", True, False), "a b out"), (_div("trunc", False, True), "a b out"),
    (_div("floor", True, True), "a b out"), (_std, "a out"),
    (_pool("max_pool2d"), "a i"), (_pool("adaptive_max_pool2d"), "a i"),
    (_masked_select, "a k"), (_batch_norm_eval, "x rm rv w b out"),
])
def test_saved_tensor_versions_as_pytorch(torch, make, targets):
    for target in targets.split():
        assert _raises_after_change(ember, make, target) == \
            _raises_after_change(torch, make, target), target


@pytest.mark.parametrize("index", [
    slice(None), slice(0, 2), slice(0, 5), (slice(None), slice(None)), Ellipsis,
    (slice(None), Ellipsis), slice(None, None, 1), slice(0, 2, 1),
    slice(0, 1), None, slice(-2, None), (slice(None), 0),
], ids=repr)
def test_second_backward_through_an_assignment(torch, index):
    """PyTorch's indexing skips the ellipsis and whole-dim slices: ``x[:] = v`` is a plain
    copy_, which saves nothing, where a part's assignment (CopySlices) is freed."""
    def second_backward(lib):
        a, b = lib.zeros(2, 2, requires_grad=True), lib.zeros(2, 2, requires_grad=True)
        x = b.clone()
        x[index] = a[0] if index == (slice(None), 0) else a[:1] if index == slice(0, 1) else a
        x.sum().backward()
        try:
            x.sum().backward()
        except RuntimeError as e:
            assert "backward through the graph a second time" in str(e)
            return False
        return True
    assert second_backward(ember) == second_backward(torch)


def test_detached_saved_tensor_is_refused(torch):
    """A saved non-leaf input detach_()ed since is refused at unpack; a leaf or a saved
    output is not."""
    def run(lib, case):
        a = lib.zeros(3, requires_grad=True)
        b = lib.zeros(3, requires_grad=True)
        if case == "non-leaf":
            v0 = a ** 2
            out = lib.clamp(v0, min=-1.5)
            v0.detach_()
        elif case == "both operands":
            v0 = a * 2
            out = v0 * v0
            v0.detach_()
        elif case == "leaf":
            out = a * b
            a.detach_()
        else:  # an output
            v = a.exp()
            out = v * 1
            v.detach_()
        return _backward_outcome(out, "saved tensor that has been detached in-place")
    for case in ("non-leaf", "both operands", "leaf", "output"):
        assert run(ember, case) == run(torch, case), case


def test_matmul_saves_the_copy_pytorch_multiplies(torch):
    """A batched operand PyTorch's matmul reshapes into a copy is saved as that copy: an
    in-place change afterwards is not seen (nor refused), and under create_graph the
    copy still leads back to the operand."""
    def run(lib, b_shape, change):
        a = lib.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
        b = lib.tensor(np.arange(np.prod(b_shape), dtype=np.float64).reshape(b_shape) / 7,
                       requires_grad=True)
        b2 = b * 1
        out = lib.matmul(a, b2)
        if change:
            b2.mul_(3)
        try:
            (ga,) = lib.autograd.grad((out ** 2).sum(), [a], create_graph=True)
        except RuntimeError as e:
            assert "modified by an inplace operation" in str(e)
            return "raised"
        (gb,) = lib.autograd.grad(ga.sum(), [b])
        return ga.detach().numpy(), gb.numpy()
    for b_shape in ((2, 3, 2), (1, 3, 2), (2, 1, 3, 2)):
        for change in (False, True):
            got, want = run(ember, b_shape, change), run(torch, b_shape, change)
            if want == "raised":
                assert got == "raised", (b_shape, change)
            else:
                for g, w in zip(got, want):
                    np.testing.assert_allclose(g, w, rtol=1e-12)


def test_convolution_saves_input_and_weight_whatever_requires_grad(torch):
    """PyTorch's convolution node saves its input and weight whichever gradient is wanted:
    changing either in place afterwards is refused, also when only the bias requires grad."""
    def run(lib, needs, changed):
        x0, w0, b0 = (lib.zeros(shape, requires_grad=r) for shape, r in
                      zip(((2, 2, 3, 3), (2, 1, 2, 2), (2,)), needs))
        x, w = (t * 1 if t.requires_grad else t for t in (x0, w0))
        out = lib.nn.functional.conv2d(x, w, b0, groups=2)
        (x if changed == "input" else w).add_(1)
        return _backward_outcome(out, "modified by an inplace operation")
    for needs in ((False, False, True), (True, False, False), (False, True, False)):
        for changed in ("input", "weight"):
            assert run(ember, needs, changed) == run(torch, needs, changed) == "raised"


def test_view_changed_before_its_base_requires_grad_reads_the_base():
    """PyTorch gives such a view a node (AsStridedBackward0) once its base requires grad:
    no leaf, and a gradient through it reaches the base. A view made after the change
    stays a leaf that requires grad through its base and gets no .grad."""
    a = ember.zeros(2, 3)
    changed = a[None]
    changed.add_(1)
    unchanged = a[0]
    a.requires_grad_()
    assert not changed.is_leaf and changed.requires_grad
    assert unchanged.is_leaf and unchanged.requires_grad
    (changed * 2).sum().backward()
    (unchanged * 3).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.full((2, 3), 2.0))
    assert unchanged.grad is None


def test_backward_frees_the_saved_non_leaf_tensors():
    """A node keeps the non-leaf tensors it saved (to refuse them once detach_()ed) only until
    its backward has run, as it keeps its saved arrays: a CNN's activations are freed layer
    by layer during backward (holding them to the end cost DenseNet 1.7x its peak memory)."""
    import gc
    import weakref
    x = ember.ones(3, requires_grad=True)
    y = x.exp()
    z = y * y                      # the fast arithmetic path saves y
    w = ember.tanh(y)              # a Function saves y
    alive = weakref.ref(y)
    del y
    (z.sum() + w.sum()).backward()
    gc.collect()
    assert alive() is None


def test_large_gradient_sums_split_among_threads_give_the_same_bits(monkeypatch):
    """A node used several times sums its gradients with _threads.exact_ufunc, whose rows
    are shared among threads once large: the same bits as one add."""
    import numpy as np
    from ember import _threads
    x = ember.tensor(np.random.default_rng(1).standard_normal((6, 5)).astype(np.float32),
                     requires_grad=True)

    def grad():
        x.grad = None
        h = x * 1.5
        (h * h.sin() + h.exp() * h).sum().backward()
        return x.grad.numpy().copy()

    one = grad()
    monkeypatch.setattr(_threads, "UFUNC_SPLIT", 1)
    with threads(2):
        split = grad()
    np.testing.assert_array_equal(one, split)


def test_gradients_take_pytorchs_layouts():
    """A leaf's .grad takes the leaf's strides (dense) or C order, as PyTorch's
    AccumulateGrad; a matrix operand stored transposed gets its gradient stored so (the
    linear weight's .t()), as PyTorch's mm backward; retain_grad keeps a C-order copy.
    The strides asserted are PyTorch 2.13's for the same code."""
    rng = np.random.default_rng(0)
    w = ember.tensor(rng.random((10, 6), dtype=np.float32), requires_grad=True)
    x = ember.tensor(rng.random((6, 4), dtype=np.float32), requires_grad=True)
    wt, xt = w.t(), x.t()
    wt.retain_grad()
    seen = []
    xt.register_hook(lambda g: seen.append(g.stride()))
    ember.matmul(xt, wt).sum().backward()
    assert (w.grad.stride(), x.grad.stride(), wt.grad.stride(), seen) == (
        (6, 1), (4, 1), (10, 1), [(1, 4)])
    g, = ember.autograd.grad(ember.matmul(xt, w.t()).sum(), [w], create_graph=True)
    assert g.stride() == (6, 1)
    w.grad = None
    ember.nn.functional.linear(x.t(), w, ember.zeros(10, requires_grad=True)).sum().backward()
    assert w.grad.stride() == (6, 1)
    # convolutions whose weight gradient's product is built transposed (terms >= outputs)
    # and not (a larger one)
    for O, C in ((4, 16), (256, 128)):
        cw = ember.tensor(rng.random((O, C, 3, 3), dtype=np.float32), requires_grad=True)
        ember.nn.functional.conv2d(ember.ones(2, C, 4, 4), cw, padding=1).sum().backward()
        assert cw.grad.stride() == (C * 9, 9, 3, 1)
    e = ember.ones(3).expand(4, 3).detach().requires_grad_()  # not dense: C order
    f = ember.tensor(rng.random((3, 5)), requires_grad=True).t().detach().requires_grad_()
    (e * 2).sum().backward()
    (f * 2).sum().backward()
    assert (e.grad.stride(), f.grad.stride()) == ((3, 1), (1, 5))
