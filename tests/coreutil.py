"""Helpers shared by the core's tests: run the same computation in ember and in PyTorch on
the same NumPy inputs and compare values, dtypes, shapes and the gradients of every input."""
import contextlib

import numpy as np

import ember

# Relative tolerance per dtype (the issue's: float64 to 1e-7, float32 to 1e-5); the absolute
# part scales with the magnitude of the expected tensor so that summation-order noise on
# entries near zero does not fail a comparison that is right to 1e-5 of the tensor's size.
RTOL = {np.dtype(np.float64): 1e-7, np.dtype(np.float32): 1e-5}


def assert_close(actual, expected, dtype=None, rtol=None):
    """``actual`` (ember tensor / array) equals ``expected`` (torch tensor / array)."""
    a = actual.detach().numpy() if isinstance(actual, ember.Tensor) else np.asarray(actual)
    e = expected.detach().numpy() if hasattr(expected, "detach") else np.asarray(expected)
    assert a.shape == e.shape, f"shape {a.shape} != {e.shape}"
    if rtol is None:
        rtol = RTOL.get(np.dtype(dtype) if dtype is not None else a.dtype, 0)
    if a.dtype.kind in "biu" and e.dtype.kind in "biu":
        np.testing.assert_array_equal(a, e)
        return
    scale = float(np.max(np.abs(e[np.isfinite(e)]), initial=0.0)) if e.size else 0.0
    np.testing.assert_allclose(a, e, rtol=rtol, atol=rtol * max(scale, 1e-3) * 10 if rtol else 0,
                               equal_nan=True)


def dtype_name(t):
    """'float32', 'int64' ... for an ember or a torch tensor."""
    return str(t.dtype).split(".")[-1]


def make_pair(torch, arr, requires_grad):
    """An ember tensor and a torch tensor holding copies of ``arr``."""
    e = ember.tensor(arr.copy(), requires_grad=requires_grad)
    t = torch.tensor(arr.copy(), requires_grad=requires_grad)
    return e, t


def compare_with_torch(torch, fn_ember, fn_torch, arrays, grad=True, rtol=None, seed=0):
    """Run ``fn(*tensors)`` in both libraries on the same arrays; compare the outputs (value,
    dtype, shape), then backpropagate the same random output gradient and compare the
    gradient of every floating-point input."""
    pairs = [make_pair(torch, a, grad and a.dtype.kind == "f") for a in arrays]
    es, ts = [p[0] for p in pairs], [p[1] for p in pairs]
    out_e, out_t = fn_ember(*es), fn_torch(*ts)
    if isinstance(out_t, (tuple, list)):
        outs = list(zip(out_e, out_t))
    else:
        outs = [(out_e, out_t)]
    for oe, ot in outs:
        assert dtype_name(oe) == dtype_name(ot), f"dtype {oe.dtype} != {ot.dtype}"
        assert tuple(oe.shape) == tuple(ot.shape)
        assert_close(oe, ot, rtol=rtol)
    if not grad:
        return es, ts
    diff = [(oe, ot) for oe, ot in outs if ot.requires_grad]
    if not diff:
        return es, ts
    rng = np.random.default_rng(seed)
    ge, gt = [], []
    for oe, ot in diff:
        w = rng.standard_normal(tuple(ot.shape)).astype(dtype_name(ot))
        ge.append(ember.tensor(w))
        gt.append(torch.tensor(w))
    wrt_e = [e for e in es if e.requires_grad]
    wrt_t = [t for t in ts if t.requires_grad]
    got = ember.autograd.grad([o for o, _ in diff], wrt_e, ge, allow_unused=True)
    want = torch.autograd.grad([o for _, o in diff], wrt_t, gt, allow_unused=True)
    for e, g, w in zip(wrt_e, got, want):
        if w is None:
            assert g is None or not np.any(g.numpy()), "ember has a gradient torch has not"
            continue
        assert g is not None, "ember gives no gradient where torch gives one"
        assert g.dtype == e.dtype and tuple(g.shape) == tuple(e.shape)
        assert_close(g, w, rtol=rtol)
    return es, ts


def gradcheck(fn, arrays):
    """Finite differences in float64 (no torch): ``fn`` applied to leaves made from arrays;
    non-float arrays are passed as constant tensors."""
    inputs = [ember.tensor(a.astype(np.float64), requires_grad=True) if a.dtype.kind == "f"
              else ember.tensor(a) for a in arrays]
    assert ember.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-5)


@contextlib.contextmanager
def threads(n):
    """ember's thread count set to ``n`` for the block, then put back as it was."""
    from ember import _threads
    before = _threads._user
    _threads.set_num_threads(n)
    try:
        yield
    finally:
        _threads.set_num_threads(before)
