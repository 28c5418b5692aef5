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


def _same(torch, program):
    """Run ``program(L)`` in ember and in PyTorch and compare what comes back."""
    try:
        want = program(torch)
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        with pytest.raises(type(e)):
            program(ember)
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


CASES = {
    # --- backward used to hang: an in-place op whose other operand is the tensor itself
    "sub_self": _inplace_self(lambda a: a.sub_(a)),
    "iadd_self": _inplace_self(_iadd_self),
    "imul_self": _inplace_self(_imul_self),
    "copy_self": _inplace_self(lambda a: a.copy_(a)),
    "setitem_self": _inplace_self(lambda a: a.__setitem__(slice(None), a)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_as_pytorch(torch, name):
    _same(torch, CASES[name])
