"""Each root cause of issue 13 (ember fuzzed against PyTorch) as a one-line program run in
both libraries: the same exception class where PyTorch raises, else the same values,
dtypes, shapes, ``requires_grad`` and gradients. ``L`` is ``ember`` or ``torch``."""
import numpy as np
import pytest

import ember
from coreutil import assert_close, dtype_name


def _flat(out, L):
    """The program's result as a list of leaves (tensors, numbers, strings)."""
    if isinstance(out, (tuple, list)):
        return [leaf for o in out for leaf in _flat(o, L)]
    return [out]


def _same(torch, program, words=False):
    """Run ``program(L)`` in ember and in PyTorch and compare what comes back: where PyTorch
    raises, the exception's class (and with ``words`` the first line of its message)."""
    try:
        want = program(torch)
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        with pytest.raises(type(e)) as got:
            program(ember)
        if words:
            assert str(got.value).splitlines()[0] == str(e).splitlines()[0]
        return
    got = program(ember)
    got, want = _flat(got, ember), _flat(want, torch)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if isinstance(w, torch.Tensor):
            assert isinstance(g, ember.Tensor), f"{g!r} is not a tensor"
            assert dtype_name(g) == dtype_name(w), f"dtype {g.dtype} != {w.dtype}"
            assert tuple(g.shape) == tuple(w.shape)
            assert g.requires_grad == w.requires_grad, "requires_grad differs"
            assert_close(g, w)
            a, e = g.detach().numpy(), w.detach().numpy()
            zero = (e == 0) & (a == 0)  # and zeros of the same sign (-0.0 prints as -0.)
            assert (np.signbit(a[zero]) == np.signbit(e[zero])).all(), "sign of zero differs"
        elif isinstance(w, torch.dtype):
            assert dtype_name(g) == dtype_name(w)
        else:
            assert g == w


def _grads(*ts):
    return [t.grad for t in ts]


def _inplace_self(op):
    def program(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        a = x.clone()
        op(a)
        (a * L.tensor([1.0, 3.0])).sum().backward()
        return a, x.grad
    return program


def _iadd_self(a):
    a += a


def _imul_self(a):
    a *= a


# the refusals whose message must be PyTorch's, word for word (first line)
WORDS = ("conv", "cross_entropy", "nll", "cat_two", "stack_two", "linear_", "std_", "var_",
         "softmax_", "log_softmax_", "relu_", "abs_", "matmul_bool", "view_no", "reshape_no",
         "negative_step", "zero_step", "floor", "sub_", "rsub_", "isub_", "int_", "clamp_bool",
         "add_alpha", "add_inplace_alpha", "amax_", "amin_", "max_empty", "squeeze_0d_bad",
         "fill_1d", "expand_repeat", "setitem_bad", "view_of_leaf", "index_put", "no_grad_view", "inplace_long", "clamp_byte", "remainder_bool",
         "pow_bool", "floordiv_bool")

CASES = {
    # --- backward used to hang: an in-place op whose other operand is the tensor itself
    "sub_self": _inplace_self(lambda a: a.sub_(a)),
    "iadd_self": _inplace_self(_iadd_self),
    "imul_self": _inplace_self(_imul_self),
    "copy_self": _inplace_self(lambda a: a.copy_(a)),
    "setitem_self": _inplace_self(lambda a: a.__setitem__(slice(None), a)),
}


def _fill_select(L):
    t = L.tensor([[1, 2], [3, 4]])
    u = t[1, 0]
    u.fill_(9)
    return t, u


def _fill_empty_tuple(L):
    t = L.tensor(5.0)
    t[()].fill_(9)
    return t


def _select_then_advanced(L):
    x = L.arange(24.0).reshape(2, 3, 4).requires_grad_()
    y = x[0, :, [0, 1]]
    (y * L.arange(6.0).reshape(3, 2)).sum().backward()
    return y, x.grad


def _setitem_select_then_advanced(L):
    x = L.zeros(2, 3, 4)
    x[0, :, [0, 1]] = L.arange(6.0).reshape(3, 2)
    w = L.ones(3, 2, requires_grad=True)
    z = L.zeros(2, 3, 4)
    z[1, :, [1, 3]] = w * 2
    (z * L.arange(24.0).reshape(2, 3, 4)).sum().backward()
    return x, z, w.grad


def _setitem_leading_ones(L, recorded):
    x = L.zeros(3)
    y = L.zeros(3, 2)
    w = L.full((1, 1), 2.0, requires_grad=recorded)
    v = L.full((1, 1, 2), 3.0, requires_grad=recorded)
    x[1] = w
    y[1] = w
    y[2] = v
    y[[0]] = v
    if recorded:
        (x.sum() + (y * L.arange(6.0).reshape(3, 2)).sum()).backward()
        return x, y, w.grad, v.grad
    return x, y


CASES.update({
    # --- integer indexing is a view; ints select before advanced indices apply
    "fill_select_view": _fill_select,
    "fill_empty_tuple_view": _fill_empty_tuple,
    "zero_d_tensor_index_view": lambda L: L.arange(6.0).reshape(2, 3)[L.tensor(1)].fill_(0),
    "select_then_advanced": _select_then_advanced,
    "advanced_shapes": lambda L: [tuple(L.arange(24.0).reshape(2, 3, 4)[k].shape) for k in (
        (0, slice(None), [0, 1]), (L.tensor(0), slice(None), [0, 1]), ([0, 1], slice(None), 0),
        (None, 0, slice(None), [0, 1]), (0, Ellipsis, [0, 1]), (Ellipsis, 0, [0, 1]),
        (0, L.tensor([[True, False, True, False]] * 3)))],
    "setitem_select_then_advanced": _setitem_select_then_advanced,
    # --- issue 15: an assigned value broadcasts after dropping its leading size-1 dims
    "setitem_leading_ones": lambda L: _setitem_leading_ones(L, False),
    "setitem_leading_ones_recorded": lambda L: _setitem_leading_ones(L, True),
    "setitem_bad_shape": lambda L: L.zeros(3, 2).__setitem__(1, L.ones(2, 1, 2)),
})


def _copy_into_view(L):
    w = L.tensor([1.0, 2.0], requires_grad=True)
    b = L.zeros(4)
    v = b[:2]
    v.copy_(w)
    (b * L.arange(4.0)).sum().backward()
    return b, v, w.grad


def _mul_into_view_of_nonleaf(L):
    x = L.ones(4, requires_grad=True)
    w = L.tensor([2.0, 3.0], requires_grad=True)
    a = x * 2
    a[1:3].mul_(w)
    (a * L.arange(4.0)).sum().backward()
    return a, x.grad, w.grad


def _view_of_view(L):
    w = L.tensor([[1.0, 2.0]], requires_grad=True)
    b = L.zeros(2, 3)
    b.t()[1:, :].T[:, 0].mul_(0).add_(w[0])  # b[:, 1] through three views
    return b, _grad_of(L, b, w)


def _grad_of(L, out, wrt):
    return L.autograd.grad((out * L.arange(float(out.numel())).reshape(out.shape)).sum(), wrt)


def _setitem_into_view(L):
    w = L.tensor(5.0, requires_grad=True)
    b = L.zeros(2, 2)
    r = b[1]
    r[0] = w
    return b, r, _grad_of(L, b, w)


def _cast_then_write(L):
    x = L.tensor([1.0, 0.0], requires_grad=True)
    b = (x * 1).bool()
    n = (x * 1).long()
    b.zero_()
    y = L.zeros(2, dtype=L.int64)
    y.copy_(x * 3)
    return b, n, y, (x > 0), (x * 1).argmax()


def _fill_over_nan(L, how):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x / 0 * 0
    if how == "fill":
        y.fill_(2)
    elif how == "zero":
        y.zero_()
    else:
        v = L.tensor(3.0, requires_grad=True)
        y.fill_(v * 1)
        (y * L.tensor([1.0, 2.0])).sum().backward()
        return y, x.grad, v.grad
    (y * L.tensor([1.0, 2.0])).sum().backward()
    return y, x.grad


CASES.update({
    # --- a recorded in-place change of a view changes its base (PyTorch's CopySlices)
    "copy_into_view": _copy_into_view,
    "mul_into_view_of_nonleaf": _mul_into_view_of_nonleaf,
    "view_of_view": _view_of_view,
    "setitem_into_view": _setitem_into_view,
    "view_of_leaf_inplace": lambda L: L.ones(3, requires_grad=True)[:2].mul_(2),
    # --- only floating-point results carry gradients
    "cast_then_write": _cast_then_write,
    # --- fill_ and zero_ overwrite nan, and their gradient is zero
    "fill_over_nan": lambda L: _fill_over_nan(L, "fill"),
    "zero_over_nan": lambda L: _fill_over_nan(L, "zero"),
    "fill_tensor_over_nan": lambda L: _fill_over_nan(L, "tensor"),
    "fill_plain_over_nan": lambda L: (L.tensor([1.0, 2.0]) / 0 * 0).fill_(2),
    "fill_1d_value": lambda L: (L.ones(2, requires_grad=True) * 1).fill_(L.ones(1)),
    "fill_1d_value_unrecorded": lambda L: L.ones(2).fill_(L.ones(1)),
})


def _clamp_crossed_bounds(L):
    x = L.tensor([1.0, 2.0, 3.0, 0.0], requires_grad=True)
    lo = L.tensor([2.0, 2.0, 5.0, 1.0], requires_grad=True)
    hi = L.tensor([1.0, 3.0, 4.0, 1.0], requires_grad=True)
    y = L.clamp(x, lo, hi)
    (y * L.arange(1.0, 5.0)).sum().backward()
    one_sided = L.clamp(x * 1, min=lo) + L.clamp(x * 1, max=hi)
    return y, x.grad, lo.grad, hi.grad, L.autograd.grad(one_sided.sum(), [lo, hi])


CASES.update({
    # --- clamp promotes its bounds with the input; lo > hi gives hi and hi's gradient
    "clamp_int_float_bound": lambda L: L.clamp(L.tensor([1, 5, -3]), min=L.tensor([1.5, .5, .5])),
    "clamp_int_number": lambda L: [L.tensor([1, 5, -3]).clamp(min=0.5), L.clamp(L.tensor([1, 5]), 1, 2),
                                   L.tensor([1, 5]).clamp(max=L.tensor(0.5))],
    "clamp_bool": lambda L: L.clamp(L.tensor([True, False]), min=L.tensor([False, True])),
    "clamp_bool_number": lambda L: L.clamp(L.tensor([True, False]), min=True),
    "clamp_float_wider_bound": lambda L: [L.clamp(L.ones(2), min=L.ones(2, dtype=L.float64)),
                                          L.clamp(L.ones(2), max=L.tensor(0.5, dtype=L.float64))],
    "clamp_crossed_bounds": _clamp_crossed_bounds,
})


def _edited_before_backward(L, what):
    x = L.tensor([[1.0, 5.0], [3.0, 2.0]], requires_grad=True)
    if what == "max_indices":
        v, i = L.max(x, 0)
        i[0] = 1
        v.sum().backward()
    elif what == "min_indices_keepdim":
        v, i = x.min(1, keepdim=True)
        i.add_(0)
        v.sum().backward()
    elif what == "mse_target":
        t = L.tensor([[0.0, 1.0], [1.0, 1.0]])
        loss = L.nn.functional.mse_loss(x, t)
        t.add_(1)
        loss.backward()
    elif what == "batch_norm_running_var":
        rm, rv = L.zeros(2), L.ones(2)
        y = L.nn.functional.batch_norm(x, rm, rv, training=False)
        rv.add_(1)
        y.sum().backward()
    else:  # an edit of something backward does not read is fine
        v, i = L.max(x, 0)
        t = L.tensor([[0.0, 1.0], [1.0, 1.0]])
        loss = L.nn.functional.l1_loss(x, t) + v.sum()
        t.add_(1)
        loss.backward()
    return x.grad


def _mse_all(L, reduction):
    x = L.tensor([[1.0, 5.0], [3.0, 2.0]], requires_grad=True)
    t = L.tensor([0.5, -1.0], dtype=L.float64, requires_grad=True)
    loss = L.nn.functional.mse_loss(x, t, reduction=reduction)
    (loss * L.arange(1.0, float(loss.numel()) + 1).reshape(loss.shape)).sum().backward()
    return loss, x.grad, t.grad


def _cross_entropy_all_ignored(L, reduction):
    x = L.tensor([[1.0, 2.0], [3.0, 1.0]], requires_grad=True)
    loss = L.nn.functional.cross_entropy(x, L.tensor([-100, -100]), reduction=reduction)
    loss.sum().backward()
    return loss, x.grad


def _pow_at_zero(L):
    x = L.tensor([0.0, 0.0, 1.0, 0.0], requires_grad=True)
    y = L.tensor([0.0, 2.0, 2.0, -1.0], requires_grad=True)
    (x ** y * L.tensor([1.0, 2.0, 3.0, 0.0])).sum().backward()
    z = L.tensor([0.0, 2.0], requires_grad=True)
    (z ** 0).sum().backward()
    return x.grad, y.grad, z.grad


def _divide_after_zeroing(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = L.tensor([1.0, 2.0], requires_grad=True)
    z = y * 1
    z[0] = 0
    (x / z).sum().backward()
    w = y * 1
    w.masked_fill_(L.tensor([True, False]), 0.0)
    (x / w).sum().backward()
    return x.grad, y.grad


CASES.update({
    # --- PyTorch's saved-tensor version rule
    "max_indices_edited": lambda L: _edited_before_backward(L, "max_indices"),
    "min_indices_edited": lambda L: _edited_before_backward(L, "min_indices_keepdim"),
    "mse_target_edited": lambda L: _edited_before_backward(L, "mse_target"),
    "batch_norm_running_var_edited": lambda L: _edited_before_backward(L, "batch_norm_running_var"),
    "unsaved_edited": lambda L: _edited_before_backward(L, "unsaved"),
    "mse_mean": lambda L: _mse_all(L, "mean"),
    "mse_sum": lambda L: _mse_all(L, "sum"),
    "mse_none": lambda L: _mse_all(L, "none"),
    "mse_empty": lambda L: L.nn.functional.mse_loss(L.zeros(0), L.zeros(0)),
    # --- gradients at singular points, as PyTorch defines them
    "pow_at_zero": _pow_at_zero,
    "cross_entropy_all_ignored_mean": lambda L: _cross_entropy_all_ignored(L, "mean"),
    "cross_entropy_all_ignored_sum": lambda L: _cross_entropy_all_ignored(L, "sum"),
    "divide_after_zeroing": _divide_after_zeroing,
})


def _ifloordiv_zero(L):
    t = L.tensor([1, 2])
    t //= 0


def _inplace_alpha(L, dtype, other, alpha):
    t = L.tensor([1, 0], dtype=dtype)
    t.add_(other(L), alpha=alpha)
    return t


CASES.update({
    # --- promotion: alpha takes no part in the dtype; skipped empty tensors do in cat's
    "add_alpha_int_number": lambda L: L.add(L.tensor([1, 2]), 0.0, alpha=2),
    "sub_alpha_int_number": lambda L: L.sub(L.tensor([1, 2]), 1.5, alpha=2),
    "add_alpha_bool": lambda L: [L.add(L.tensor([True, False]), L.tensor([True, True]), alpha=2),
                                 L.add(L.tensor([True, False]), L.tensor([True, True]), alpha=0)],
    "add_alpha_float_on_int": lambda L: L.add(L.tensor([1, 2]), L.tensor([1, 2]), alpha=2.5),
    "add_alpha_bool_on_float": lambda L: L.add(L.ones(2), L.ones(2), alpha=True),
    "sub_alpha_mixed": lambda L: [L.sub(L.ones(2, dtype=L.float64), L.tensor([1, 3]), alpha=2.5),
                                  L.add(L.tensor([1, 2]), L.tensor([1.0, 2.0]), alpha=3)],
    "add_inplace_alpha_bool": lambda L: _inplace_alpha(L, L.bool, lambda L: L.tensor([True, True]), 2),
    "add_inplace_alpha_float_on_int": lambda L: _inplace_alpha(L, L.int64, lambda L: L.tensor([1, 1]), 0.5),
    "add_inplace_alpha_number": lambda L: _inplace_alpha(L, L.int64, lambda L: 3, 2),
    "cat_empty_float_with_long": lambda L: [L.cat([L.zeros(0), L.tensor([1, 2])]),
                                            L.cat([L.tensor([1, 2]), L.zeros(0, dtype=L.float64)])],
    "mse_float64_0d_with_float32": lambda L: [
        L.nn.functional.mse_loss(L.tensor(1.0, dtype=L.float64), L.tensor(2.0)),
        L.nn.functional.mse_loss(L.tensor([1.0, 2.0]), L.tensor([2.0, 2.0]).double()[0])],
    # --- integer division by zero
    "int_floordiv_zero": lambda L: L.tensor([1, 2]) // 0,
    "int_remainder_zero": lambda L: L.tensor([1, 2]) % 0,
    "int_floordiv_zero_tensor": lambda L: L.tensor([1, 2]) // L.tensor([0, 1]),
    "int_remainder_zero_tensor": lambda L: L.remainder(5, L.tensor([1, 0])),
    "int_fmod_zero": lambda L: L.tensor([1, 2]).fmod(0),
    "int_div_floor_zero": lambda L: L.tensor([1, 2]).div(0, rounding_mode="floor"),
    "int_div_trunc_zero": lambda L: L.tensor([1, 2]).div(0, rounding_mode="trunc"),
    "int_ifloordiv_zero": _ifloordiv_zero,
    "float_floordiv_zero": lambda L: [L.tensor([1.0, -2.0, 0.0]) // 0, L.tensor([1.0, -2.0]) % 0],
})


def _isub_bool(L, dtype):
    t = L.ones(2, dtype=dtype)
    t -= L.tensor([True, False])
    return t


CASES.update({
    # --- subtraction with a bool operand is refused, as PyTorch refuses it
    "sub_bool_tensor": lambda L: L.zeros(2) - L.tensor([True, False]),
    "rsub_bool_tensor": lambda L: L.tensor([True, False]) - L.zeros(2),
    "sub_python_bool": lambda L: L.zeros(2) - True,
    "rsub_python_bool": lambda L: True - L.zeros(2),
    "sub_two_bools": lambda L: L.tensor([True]) - L.tensor([False]),
    "isub_bool_from_float": lambda L: _isub_bool(L, L.float32),
    "isub_bool_from_bool": lambda L: _isub_bool(L, L.bool),
    "sub_bool_alpha": lambda L: L.sub(L.ones(2), L.tensor([True, False]), alpha=2),
    "add_bool_still_fine": lambda L: [L.zeros(2) + True, L.tensor([True]) + L.tensor([True])],
})


def _softmax_family_empty(L, fn, shape, dim):
    x = L.zeros(*shape, requires_grad=True)
    y = fn(x, dim)
    y.sum().backward()
    return y, x.grad


def _write_through_expand(L, sizes):
    x = L.tensor([[1.0, 2.0]])
    y = x.expand(*sizes)
    y.mul_(-1)
    return x, y


CASES.update({
    # --- PyTorch works where ember raised
    "squeeze_0d": lambda L: [L.tensor(3.0).squeeze(0), L.tensor(3.0).squeeze(-1),
                             L.tensor(3.0).squeeze((0,)), L.tensor(3.0).squeeze()],
    "squeeze_0d_bad_dim": lambda L: L.tensor(3.0).squeeze(1),
    "softmax_empty_dim": lambda L: _softmax_family_empty(L, lambda x, d: x.softmax(d), (3, 0), 1),
    "log_softmax_empty_dim": lambda L: _softmax_family_empty(
        L, lambda x, d: L.nn.functional.log_softmax(x, d), (3, 0), 1),
    "logsumexp_empty_dim": lambda L: _softmax_family_empty(L, lambda x, d: x.logsumexp(d), (3, 0), 1),
    "logsumexp_empty_other_dim": lambda L: _softmax_family_empty(
        L, lambda x, d: x.logsumexp(d), (0, 3), 1),
    "amax_empty_other_dim": lambda L: [L.zeros(0, 3).amax(1), L.zeros(3, 0, 2).amin(2),
                                       L.zeros(3, 0).max(0).values, L.zeros(3, 0).min(0).indices],
    "amax_empty_dim": lambda L: L.zeros(3, 0).amax(1),
    "amin_empty_dims": lambda L: L.zeros(3, 0).amin((0, 1)),
    "max_empty_dim": lambda L: L.zeros(3, 0).max(1),
    "max_empty_all": lambda L: L.zeros(3, 0).max(),
    "amax_empty_all": lambda L: L.zeros(3, 0).amax(),
    "int_pow_negative_tensor": lambda L: [
        L.tensor([2, 3, 1, -1, -1, 0]) ** L.tensor([-1, 2, -2, -3, -2, 1]),
        2 ** L.tensor([-1, 2]), L.tensor([2, 3]).pow(L.tensor(-1)),
        L.tensor([2, 3], dtype=L.int32) ** L.tensor([-1, 2], dtype=L.int32)],
    "int_pow_negative_number": lambda L: L.tensor([2, 3]) ** -1,
    "expand_size_one_then_write": lambda L: _write_through_expand(L, (1, 1, 2)),
    "expand_repeat_then_write": lambda L: _write_through_expand(L, (2, 2)),
})


def _linear_given(L, make):
    lin = L.nn.Linear(2, 2)
    return lin(make(L))


CASES.update({
    # --- bad input: refused as PyTorch refuses it, in its words
    "conv2d_kernel_zero": lambda L: L.nn.Conv2d(1, 1, 0)(L.zeros(1, 1, 5, 5)),
    "conv2d_kernel_zero_height": lambda L: L.nn.Conv2d(1, 1, (0, 2))(L.zeros(1, 1, 5, 5)),
    "conv1d_kernel_zero": lambda L: L.nn.Conv1d(1, 1, 0)(L.zeros(1, 1, 5)),
    "cross_entropy_float_targets": lambda L: L.nn.functional.cross_entropy(
        L.zeros(2, 3), L.tensor([0.0, 1.0])),
    "cross_entropy_int32_targets": lambda L: L.nn.functional.cross_entropy(
        L.zeros(2, 3), L.tensor([0, 1], dtype=L.int32)),
    "cross_entropy_byte_targets": lambda L: L.nn.functional.cross_entropy(
        L.zeros(2, 3), L.tensor([0, 1], dtype=L.uint8)),
    "cross_entropy_long_probabilities": lambda L: L.nn.functional.cross_entropy(
        L.zeros(2, 3), L.zeros(2, 3, dtype=L.int64)),
    "nll_loss_float_targets": lambda L: L.nn.functional.nll_loss(L.zeros(2, 3), L.tensor([0.0, 1.0])),
    "cat_two_tensors": lambda L: L.cat(L.zeros(2), L.zeros(2)),
    "stack_two_tensors": lambda L: L.stack(L.zeros(2), L.zeros(2)),
    "linear_numpy_input": lambda L: _linear_given(L, lambda L: np.zeros((1, 2), np.float32)),
    "linear_list_input": lambda L: _linear_given(L, lambda L: [[0.0, 0.0]]),
    "std_int": lambda L: L.tensor([1, 2]).std(),
    "var_int_dim": lambda L: L.tensor([1, 2]).var(0),
    "std_bool": lambda L: L.std(L.tensor([True, False])),
    "var_mean_int": lambda L: L.var_mean(L.tensor([1, 2])),
    "std_mean_int": lambda L: L.std_mean(L.tensor([1, 2])),
    "softmax_int": lambda L: L.tensor([1, 2]).softmax(0),
    "softmax_int_inner_dim": lambda L: L.tensor([[1, 2]]).softmax(0),
    "log_softmax_int": lambda L: L.nn.functional.log_softmax(L.tensor([1, 2]), 0),
    "softmax_bool": lambda L: L.tensor([True]).softmax(0),
    "softmax_int_with_dtype": lambda L: L.nn.functional.softmax(L.tensor([1, 2]), 0, dtype=L.float32),
    "relu_bool": lambda L: L.relu(L.tensor([True])),
    "relu_bool_functional": lambda L: L.nn.functional.relu(L.tensor([True])),
    "relu_bool_inplace": lambda L: L.tensor([True]).relu_(),
    "relu_int": lambda L: L.relu(L.tensor([-1, 2])),
    "abs_bool": lambda L: L.tensor([True]).abs(),
    "abs_bool_inplace": lambda L: L.tensor([True]).abs_(),
    "matmul_bool_vectors": lambda L: L.tensor([True]) @ L.tensor([True]),
    "matmul_bool_matrices": lambda L: L.tensor([[True]]) @ L.tensor([[True]]),
    "matmul_bool_matrix_vector": lambda L: L.mv(L.tensor([[True]]), L.tensor([True])),
    "matmul_bool_batches": lambda L: L.tensor([[[True]]]) @ L.tensor([[[True]]]),
    "view_no_size": lambda L: L.zeros(1).view(),
    "reshape_no_size": lambda L: L.zeros(1).reshape(),
    "negative_step_slice": lambda L: L.zeros(4)[::-1],
    "negative_step_slice_in_tuple": lambda L: L.zeros(4, 2)[:, ::-2],
    "negative_step_slice_assign": lambda L: L.zeros(4).__setitem__(slice(None, None, -1), 1.0),
    "zero_step_slice": lambda L: L.zeros(4)[::0],
    "floor_divide_backward": lambda L: L.floor_divide(L.ones(2, requires_grad=True), 2).sum().backward(),
    "floordiv_operator_backward": lambda L: (L.ones(2, requires_grad=True) // 2).sum().backward(),
    "div_floor_backward": lambda L: _grads_of(L, lambda x: x.div(2, rounding_mode="floor")),
})


def _grads_of(L, fn):
    x = L.tensor([1.0, 3.0], requires_grad=True)
    fn(x).sum().backward()
    return x.grad


def _sibling_views(L, how):
    x = L.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    w = L.tensor([5.0, 6.0], requires_grad=True)
    a = x * 1
    v = a[:2]
    u = a.view(2, 2)[1]
    before = v * 10  # recorded before the change: still the old value's gradient
    if how == "base":
        a.mul_(2)
    elif how == "view":
        v.mul_(w)
    else:
        u.copy_(w)
    (before.sum() + (v * L.tensor([1.0, 2.0])).sum() + (u * L.tensor([3.0, 4.0])).sum()
     + (a * 100).sum()).backward()
    return a, v, u, x.grad, w.grad


CASES.update({
    # --- views of a tensor changed in place take the new value's gradient (PyTorch
    # regenerates their grad_fn)
    "views_after_base_changed": lambda L: _sibling_views(L, "base"),
    "views_after_view_changed": lambda L: _sibling_views(L, "view"),
    "views_after_other_view_changed": lambda L: _sibling_views(L, "other"),
    "fill_view_of_nonleaf": lambda L: _grads_of(L, lambda x: _filled_first(x * 2)),
})


def _filled_first(a):
    a[0].fill_(0)
    return a


def _second_derivative_through_view_write(L):
    w = L.tensor([1.0, 2.0], requires_grad=True)
    b = L.zeros(3)
    b[1:].copy_(w * w)
    (g,) = L.autograd.grad((b * b).sum(), w, create_graph=True)
    (h,) = L.autograd.grad(g.sum(), w)
    return g, h


CASES.update({"second_derivative_through_view_write": _second_derivative_through_view_write})


def _index_edited(L, how):
    x = L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    i = L.tensor([0, 0])
    m = L.tensor([[True, False], [False, False]])
    if how == "rows":
        y = x[i]
    elif how == "cols":
        y = x[:, i]
    elif how == "index_select":
        y = x.index_select(0, i)
    elif how == "gather":
        i = L.tensor([[0], [1]])
        y = x.gather(1, i)
    elif how == "mask":
        y = x[m]
    elif how == "masked_fill":
        y = x.masked_fill(m, 0.0)
    elif how == "where":
        y = L.where(m, x, 0.0)
    elif how == "sort":
        y, i = x.sort(1)
    elif how == "topk":
        y, i = x.topk(1)
    i.add_(0)
    m[0, 0] = False
    (y * 2).sum().backward()
    return x.grad


CASES.update({
    f"index_tensor_edited_{how}": (lambda how: lambda L: _index_edited(L, how))(how)
    for how in ("rows", "cols", "index_select", "gather", "mask", "masked_fill", "where",
                "sort", "topk")
})


def _write_rows(L):
    x = L.tensor([1.0, 2.0])
    for r in x:
        r.fill_(5)
    y = L.zeros(2, 2)
    for r in y:
        r.add_(1)
    return x, y, [r for r in L.tensor([3, 4])]


CASES.update({"rows_of_iteration_are_views": _write_rows})


def _weighted_all_ignored(L):
    x = L.tensor([[1.0, 2.0, 0.5], [3.0, 1.0, 0.0]], requires_grad=True)
    loss = L.nn.functional.cross_entropy(x, L.tensor([1, -100]), weight=L.tensor([1.0, 0.0, 1.0]))
    loss.backward()
    return loss, x.grad


CASES.update({
    "mse_loss_ints": lambda L: L.nn.functional.mse_loss(L.tensor([1, 2]), L.tensor([1, 2])),
    "mse_loss_int_target": lambda L: L.nn.functional.mse_loss(L.ones(2), L.tensor([1, 2])),
    "cross_entropy_weight_of_other_dtype": lambda L: L.nn.functional.cross_entropy(
        L.zeros(2, 3, dtype=L.float64), L.tensor([1, 0]), weight=L.ones(3)),
    "cross_entropy_all_weighted_zero": _weighted_all_ignored,
    "squeeze_0d_repeated_dims": lambda L: L.tensor(1.0).squeeze((0, -1)),
    "add_alpha_float_on_bool": lambda L: L.add(L.tensor([True]), L.tensor([True]), alpha=0.5),
    "expand_empty_then_write": lambda L: L.zeros(1, 0).expand(3, 0).mul_(-1),
    "advanced_shapes_more": lambda L: [tuple(L.arange(72.0).reshape(2, 3, 4, 3)[k].shape) for k in (
        (Ellipsis, 1, [0, 1]), ([0, 1], 1, [0, 2]), ([0, 1], slice(None), 1, [0, 2]),
        (1, None, [0, 1], slice(None)), (L.tensor([True, False]), 1))],
})


def _edited_after(L, op, edit_output):
    w = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = w * 1
    y = op(L, x)
    (y if edit_output else x).mul_(2)
    (y * 1).sum().backward()
    return w.grad


CASES.update({
    # what each op saves decides which in-place edits PyTorch refuses before backward
    "rtruediv_input_edited": lambda L: _edited_after(L, lambda L, x: 3 / x, False),
    "rtruediv_output_edited": lambda L: _edited_after(L, lambda L, x: 3 / x, True),
    "rtruediv_values": lambda L: [3 / L.tensor([0.1, 0.3, 7.0]), 2 / L.tensor([1, 0]),
                                  0.0 / L.tensor([0.0, 2.0])],
    "logsumexp_output_edited": lambda L: _edited_after(L, lambda L, x: x.logsumexp(0, True), True),
    "elu_output_edited": lambda L: _edited_after(L, lambda L, x: L.nn.functional.elu(x - 2), True),
    "elu_input_edited": lambda L: _edited_after(L, lambda L, x: L.nn.functional.elu(x - 2), False),
})


def _edited_operand(L, loss, which):
    x = L.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]], requires_grad=True)
    q = L.tensor([[2.0, 2.0, 1.0], [0.0, 1.0, 1.0]], requires_grad=True)
    a, b = x * 1, q * 1
    y = loss(L, a, b)
    (a if which == 0 else b).mul_(2)
    y.sum().backward()
    return x.grad, q.grad


for _name, _loss in {
    "layer_norm": lambda L, a, b: L.nn.functional.layer_norm(a, (3,), b[0], None),
    "batch_norm_train": lambda L, a, b: L.nn.functional.batch_norm(a, None, None, b[0], None,
                                                                   training=True),
    "smooth_l1": lambda L, a, b: L.nn.functional.smooth_l1_loss(a, b),
    "huber": lambda L, a, b: L.nn.functional.huber_loss(a, b, delta=0.5),
}.items():
    for _which in (0, 1):
        CASES[f"saved_operand_edited_{_name}_{_which}"] = (
            lambda loss, which: lambda L: _edited_operand(L, loss, which))(_loss, _which)


def _index_put(L, key, value):
    x = L.zeros(2, 3)
    x[key(L)] = value(L)
    return x


CASES.update({
    f"index_put_dtype_{i}": (lambda k, v: lambda L: _index_put(L, k, v))(k, v)
    for i, (k, v) in enumerate([
        (lambda L: [0], lambda L: L.tensor(1)),
        (lambda L: (0, [0, 1]), lambda L: L.tensor([1, 2])),
        (lambda L: L.tensor([True, False]), lambda L: L.tensor(1.0, dtype=L.float64)),
        (lambda L: L.tensor([True, False]), lambda L: L.tensor([1, 2, 3])),
        (lambda L: (slice(None), [1]), lambda L: L.tensor(1.0, dtype=L.float64)),
        (lambda L: 0, lambda L: L.tensor([1, 2, 3])),
        (lambda L: [1], lambda L: 5),
        (lambda L: [1], lambda L: L.tensor([7.0, 8.0, 9.0])),
    ])
})


CASES.update({
    f"index_put_dtype_mask_{i}": (lambda k, v: lambda L: _index_put(L, k, v))(k, v)
    for i, (k, v) in enumerate([
        (lambda L: L.tensor([True, False]), lambda L: L.tensor([1.0], dtype=L.float64)),
        (lambda L: (L.tensor([True, False]), -1), lambda L: L.tensor([1.0], dtype=L.float64)),
        (lambda L: (slice(None), L.tensor([True, False, True])), lambda L: L.tensor(2)),
        (lambda L: (L.tensor([True, False]), [0]), lambda L: L.tensor([1.0], dtype=L.float64)),
    ])
})


def _views_of_a_plain_tensor(L):
    w = L.tensor([[1.0, 2.0]], requires_grad=True)
    b = L.zeros(3, 2)
    top, rows, last = b[:2], b.view(6), b[2]
    top[1:].copy_(w)
    (b.sum() + (rows * L.arange(6.0)).sum() + last.sum() + top.sum()).backward()
    return b, top, rows, last, w.grad


CASES.update({"views_of_a_plain_tensor_require_grad_after_a_write": _views_of_a_plain_tensor})


def _no_grad_view(L, then):
    x = L.ones(3, requires_grad=True)
    a = x * 2
    b = L.zeros(3)
    with L.no_grad():
        v, r, d, u = a[:2], a.reshape(3), x[:2], b[:2]
    flags = [t.requires_grad for t in (v, r, d, u)] + [v.grad_fn is None, v.is_leaf]
    if then == "use":
        y = v * 2
        y.sum().backward()
        return flags, y, x.grad
    if then == "write":
        v.mul_(2)
    elif then == "copy_in":
        u.copy_(L.ones(2, requires_grad=True))
    elif then == "setitem":
        v[0] = 1.0
    elif then == "write_its_view":
        u.reshape(2, 1).copy_(L.ones(2, 1, requires_grad=True))
    elif then == "write_under_no_grad":
        with L.no_grad():
            v.mul_(2)
            d.mul_(2)
        return flags, a, x
    return flags


CASES.update({
    f"no_grad_view_{then}": (lambda then: lambda L: _no_grad_view(L, then))(then)
    for then in ("use", "write", "copy_in", "setitem", "write_under_no_grad", "write_its_view")
})


def _inplace_into_byte(L):
    a = L.tensor([0, 1, 250], dtype=L.uint8)
    a -= -3
    b = L.tensor([0, 1, 2], dtype=L.uint8)
    b -= L.tensor([1, 2, 3], dtype=L.int32)
    c = L.tensor([1], dtype=L.int8)
    c += L.tensor([300])
    return a, b, c


CASES.update({
    # in-place: PyTorch casts any integer result into an integer tensor (wrapping around)
    "inplace_integer_results_wrap": _inplace_into_byte,
    "inplace_long_into_bool": lambda L: L.tensor([True]).__iadd__(L.tensor([2])),
    "clamp_byte_negative_bound": lambda L: [L.tensor([0, 5, 255], dtype=L.uint8).clamp(min=-3),
                                           L.tensor([0, 5], dtype=L.uint8).clamp(max=-3)],
    "clamp_byte_bound_overflows": lambda L: L.tensor([0, 5], dtype=L.uint8).clamp(max=300),
    "remainder_bool": lambda L: L.tensor([True]) % True,
    "pow_bool_tensors": lambda L: L.tensor(True) ** L.tensor(True),
    "pow_bool_number": lambda L: L.tensor([True, False]) ** 2,
    "floordiv_bool": lambda L: L.tensor([True]) // True,
    "remainder_signed_zeros": lambda L: [L.tensor([0.0, 3.0, -3.0, 4.0]) % -2.0,
                                         L.tensor([0.0, 3.0, -3.0, 4.0]).double() % L.tensor(-3),
                                         L.tensor([-0.0, 3.0]) % 2.0],
    # a number ``other`` times alpha is a float product (0 * -1 is -0.0), then added
    "alpha_times_a_number_keeps_the_sign_of_zero": lambda L: [
        L.add(L.tensor([-0.0, 1.0]), 0, alpha=-1), L.sub(L.tensor([-0.0, 1.0]), 0, alpha=-1),
        L.sub(L.tensor([-0.0]).double(), 0, alpha=2), L.add(L.tensor([-0.0]), False, alpha=3)],
})


def test_alpha_times_a_number_keeps_the_sign_of_zero():
    """PyTorch adds ``other * alpha`` (sub: ``other * -alpha``) in floating point: with the
    integer 0 as ``other`` and a negative alpha the product is -0.0, which keeps a -0.0
    input's sign in add and not in sub (as PyTorch 2.13 gives them)."""
    x = ember.tensor([-0.0, 1.0])
    assert np.signbit(ember.add(x, 0, alpha=-1).numpy()).tolist() == [True, False]
    assert np.signbit(ember.sub(x, 0, alpha=-1).numpy()).tolist() == [False, False]
    assert np.signbit(ember.sub(x, 0, alpha=2).numpy()).tolist() == [True, False]


# keep last: every CASES.update above is collected
@pytest.mark.parametrize("name", sorted(CASES))
def test_same_as_pytorch(torch, name):
    _same(torch, CASES[name], words=name.startswith(WORDS))
