"""``Optimizer``: parameter groups, lazily created per-parameter state, checkpoints.

The base class follows PyTorch's contract: ``param_groups`` is a list of dicts (each may
override any default), ``state`` maps a parameter to a dict of tensors and numbers,
``state_dict`` keys that state by the parameter's position so that it can be loaded into
a fresh optimizer over a fresh model.

Updates are NumPy ufuncs with ``out=`` on the parameters' storage: no graph is recorded,
no temporary is allocated per step (a few scratch buffers per thread are reused), and
the arithmetic stays in the parameters' dtype (scalars are passed as Python floats, which
NumPy treats as "weak" so a float32 array stays float32). Large models are split into
slices that run on a small thread pool: NumPy releases the GIL inside its loops, so two
cores really do twice the work.

Where numba is installed (and not switched off, see ``ember/_numba.py``), each elementwise
update runs instead as one compiled pass (``ember/_kernels/optim.py``) that reads and writes
every array once; it repeats the NumPy kernel's arithmetic bit for bit, and the NumPy kernel
stays the reference and the fallback (non-contiguous arrays, other dtypes).
"""
import copy
import os
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from itertools import chain

import numpy as np

from .. import _numba, _threads
from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor


class _RequiredParameter:
    """Marks a default that every parameter group must set itself (``lr`` of SGD)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(x):
    t = type(x)
    if t.__module__ == "builtins":
        return t.__qualname__
    if isinstance(x, Tensor):
        return "ember.Tensor"
    return f"{t.__module__}.{t.__qualname__}"


def _clone_value(v):
    """A snapshot of a state value: tensors get their own storage, containers are rebuilt."""
    if isinstance(v, Tensor):
        return Tensor._wrap(np.array(v._data, copy=True, order="C"))
    if isinstance(v, dict):
        return {k: _clone_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_clone_value(x) for x in v)
    return copy.deepcopy(v)


class Optimizer:
    """Base class of all optimizers.

    ``params`` is an iterable of tensors or of dicts (parameter groups); ``defaults``
    holds the hyperparameters a group gets when it does not set them itself.
    """

    # Per-parameter state tensors have the parameter's shape; LBFGS keeps flat vectors
    # over all parameters instead and turns the load-time shape check off.
    _state_matches_param_shape = True

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable "
                            "of Tensors or dicts, but got " + _typename(params))
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self):
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    # ----- parameter groups -----------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group of parameters with its own hyperparameters (defaults fill the rest)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {_typename(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections,"
                            " but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        group = dict(param_group)
        if params and isinstance(params[0], tuple):
            # named parameters, as ``module.named_parameters()`` yields them
            group["param_names"] = [name for name, _ in params]
            params = [p for _, p in params]
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not (p.is_leaf or getattr(p, "retains_grad", False)):
                raise ValueError("can't optimize a non-leaf Tensor")
        group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError("parameter group didn't specify a value of required "
                                 "optimization parameter " + name)
            group.setdefault(name, default)
        seen = set()
        for p in params:
            if id(p) in seen:
                raise ValueError("optimizer contains a parameter group with duplicate "
                                 "parameters")
            seen.add(id(p))
        for other in self.param_groups:
            if any(id(p) in seen for p in other["params"]):
                raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # ----- gradients ----------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Reset the gradients: drop them (the default) or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g = g.detach()
                        p.grad = g
                    g._data[...] = 0
                    g._bump_version()

    def step(self, closure=None):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _evaluate(closure):
        """Run the closure (which re-computes the loss and its gradients) with grad on."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _elementwise_step(self, closure, kernel, fused, n_scratch, buffers, constants,
                          pass_step=True):
        """One step of an update that is elementwise per parameter: ``kernel(arrays, scratch,
        *constants(group), [step])`` over (param, grad, *state buffers named ``buffers``),
        the buffers created as zeros (and a step counter) on a parameter's first step;
        ``fused`` is its compiled twin (see ``_elementwise``)."""
        loss = self._evaluate(closure)
        touched = []
        for group in self.param_groups:
            const = constants(group)
            rows = []
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    for name in buffers:
                        state[name] = _zeros_state(p)
                step = _advance(state["step"])
                arrays = (p._data, g) + tuple(state[name]._data for name in buffers)
                rows.append((arrays, const + (step,) if pass_step else const))
                touched.append(p)
            _elementwise(kernel, rows, n_scratch, fused)
        _bump_versions(touched)
        return loss

    def _params_with_grad(self, group):
        """The group's parameters that received a gradient, as (param, grad array) pairs."""
        out = []
        for p in group["params"]:
            g = p.grad
            if g is not None:
                out.append((p, g._data))
        return out

    # ----- checkpoints --------------------------------------------------------------
    def state_dict(self):
        """A snapshot: ``state`` keyed by parameter position, ``param_groups`` with the
        positions of their parameters. Tensors in it are copies, so training on does not
        change a saved dict."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            key = index[id(p)] if isinstance(p, Tensor) else p
            state[key] = _clone_value(s)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a dict made by ``state_dict``. Everything is checked before anything is
        changed: on a mismatch the optimizer is left as it was."""
        if not isinstance(state_dict, dict) or "state" not in state_dict \
                or "param_groups" not in state_dict:
            raise ValueError("optimizer state dict must be a dict with keys 'state' and "
                             "'param_groups'")
        groups = self.param_groups
        saved_groups = state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(s["params"] for s in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        new_state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                new_state[param] = self._cast_state(param, key, value)
            else:
                new_state[key] = _clone_value(value)
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            g = {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
            g["params"] = group["params"]
            new_groups.append(g)
        self.state = new_state
        self.param_groups = new_groups

    def _cast_state(self, param, index, value, key=None):
        """Copy a saved state value for ``param``: floating buffers take the parameter's
        dtype. Scalar tensors (the step counter, NAdam's momentum product) keep the dtype
        they were saved with, so that a resumed run continues bit for bit."""
        if isinstance(value, Tensor):
            arr = value._data
            if self._state_matches_param_shape and arr.ndim > 0 \
                    and arr.shape != param._data.shape:
                raise ValueError(f"loaded state dict has a tensor of shape {tuple(arr.shape)} "
                                 f"under '{key}' for parameter {index}, whose shape is "
                                 f"{tuple(param._data.shape)}")
            if arr.ndim > 0 and np.issubdtype(arr.dtype, np.floating):
                arr = arr.astype(param._data.dtype, copy=False)
            return Tensor._wrap(np.array(arr, copy=True, order="C"))
        if isinstance(value, dict):
            return {k: self._cast_state(param, index, v, k) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self._cast_state(param, index, v, key) for v in value)
        return copy.deepcopy(value)


# ----- state helpers shared by the optimizers ------------------------------------------
def _zeros_state(p):
    """A zero buffer shaped and typed like the parameter (contiguous, whatever p is)."""
    return Tensor._wrap(np.zeros(p._data.shape, dtype=p._data.dtype))


def _step_counter():
    """The per-parameter step count: a 0-d float32 tensor, as PyTorch keeps it."""
    return Tensor._wrap(np.zeros((), dtype=np.float32))


def _advance(step_tensor):
    """Add one to a step counter in place; return the new count as a Python float."""
    step_tensor._data += 1
    return float(step_tensor._data)


# ----- the elementwise driver ----------------------------------------------------------
# Slices longer than this are cut so that scratch buffers stay small and cache-resident.
_MAX_PIECE = 1 << 18
# Below this many elements per thread, handing work to the pool costs more than it saves.
_MIN_PER_THREAD = 1 << 16
_MAX_THREADS = 8
# The dtypes the compiled kernels are built for (one compilation each).
_FUSED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_pool = [None]
_pool_lock = threading.Lock()
_local = threading.local()


def _reset_pool_after_fork():
    # A forked child (DataLoader workers) inherits the pool object but not its threads.
    _pool[0] = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_pool_after_fork)


def _get_pool():
    if _pool[0] is None:
        with _pool_lock:
            if _pool[0] is None:
                _pool[0] = ThreadPoolExecutor(max_workers=_MAX_THREADS - 1,
                                              thread_name_prefix="ember-optim")
    return _pool[0]


def _scratch(n, size, dtype):
    """``n`` scratch arrays of ``size`` elements, owned by the calling thread and reused."""
    bufs = getattr(_local, "bufs", None)
    if bufs is None:
        bufs = _local.bufs = {}
    have = bufs.get(dtype)
    if have is None or len(have) < n or have[0].size < size:
        cap = max(size, have[0].size if have else 0)
        have = bufs[dtype] = [np.empty(cap, dtype=dtype) for _ in range(max(n, len(have or ())))]
    return have


def _flat(arrays, consts):
    """For a compiled loop: the arrays as flat views, the scalars rounded to their dtype."""
    return [a.reshape(-1) for a in arrays], np.array(consts, dtype=arrays[0].dtype)


# How weight decay enters an update, for the compiled loops.
NO_DECAY, L2_PENALTY, DECOUPLED = 0, 1, 2


def _decay_mode(wd, decoupled=False):
    if wd == 0:
        return NO_DECAY
    return DECOUPLED if decoupled else L2_PENALTY


def _one_shape(arrays):
    """Whether the arrays all have the first one's shape. A flat loop or a cut into flat
    slices is only right (and, compiled, only in bounds) then; a gradient whose storage
    was swapped through ``.data`` may differ, and the ufuncs then broadcast it as PyTorch
    does, or raise."""
    shape = arrays[0].shape
    return all(a.shape == shape for a in arrays)


def _fusable(arrays):
    """Whether a compiled one-pass kernel takes these arrays: C-contiguous, one float dtype,
    one shape."""
    dtype = arrays[0].dtype
    return dtype in _FUSED_DTYPES and _one_shape(arrays) and all(
        a.dtype == dtype and a.flags.c_contiguous for a in arrays)


def _run_rows(kernel, rows, n_scratch, fused=None, loops=None):
    for arrays, args in rows:
        if loops is not None and _fusable(arrays):
            fused(loops, arrays, *args)
            continue
        size = arrays[0].size
        bufs = _scratch(n_scratch, size, arrays[0].dtype)
        shape = arrays[0].shape
        scratch = [b[:size].reshape(shape) for b in bufs[:n_scratch]]
        kernel(arrays, scratch, *args)


def _elementwise(kernel, rows, n_scratch, fused=None):
    """Apply ``kernel(arrays, scratch, *args)`` to every ``(arrays, args)`` row.

    A row's arrays all have one shape (parameter, gradient, state buffers); the kernel
    updates them in place with elementwise ufuncs and may use ``n_scratch`` scratch arrays
    of that shape. Because the work is elementwise, contiguous rows can be cut into flat
    slices and the slices shared among threads; the result does not depend on the cut.

    ``fused(loops, arrays, *args)`` is the same update as one compiled pass over the arrays
    (``loops`` is ``ember._kernels.optim``) instead of a pass per ufunc. It is used where
    numba is on and the row's arrays are contiguous and of one float dtype, on the calling
    thread: one pass is bound by memory bandwidth, which one core nearly saturates. On this
    project's 2-core machine, splitting 1M or 10M parameters over two threads measured no
    faster when the machine was quiet, and slower when it was busy.
    """
    loops = _numba.kernels("optim") if fused is not None else None
    if loops is not None:
        _run_rows(kernel, rows, n_scratch, fused, loops)
        return
    total = sum(r[0][0].size for r in rows)
    # ember's thread policy: every core while some are idle, one on a busy machine (where
    # a second thread mostly waits to be scheduled), or what set_num_threads chose.
    n_threads = min(_threads.get_num_threads(), _MAX_THREADS, total // _MIN_PER_THREAD)
    if n_threads <= 1:
        _run_rows(kernel, rows, n_scratch)
        return
    pieces = []
    for arrays, args in rows:
        n = arrays[0].size
        if n > _MAX_PIECE and _one_shape(arrays) and all(a.flags.c_contiguous for a in arrays):
            flat = [a.reshape(-1) for a in arrays]
            for s in range(0, n, _MAX_PIECE):
                pieces.append(([f[s:s + _MAX_PIECE] for f in flat], args))
        else:
            pieces.append((arrays, args))
    # Contiguous runs of pieces of about equal size, one run per thread.
    target = total / n_threads
    runs, current, acc = [], [], 0
    for piece in pieces:
        current.append(piece)
        acc += piece[0][0].size
        if acc >= target * (len(runs) + 1) and len(runs) < n_threads - 1:
            runs.append(current)
            current = []
    runs.append(current)
    runs = [r for r in runs if r]
    pool = _get_pool()
    futures = [pool.submit(_run_rows, kernel, run, n_scratch) for run in runs[1:]]
    _run_rows(kernel, runs[0], n_scratch)
    for f in futures:
        f.result()


def _bump_versions(params):
    """Tell autograd that the parameters' storage changed under it."""
    for p in params:
        p._bump_version()
