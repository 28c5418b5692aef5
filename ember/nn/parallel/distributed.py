"""``DistributedDataParallel``: one model replica per process, gradients averaged over MPI.

How it follows PyTorch's design, in ember's terms:

* At construction every rank checks that it holds the same parameters (names, shapes,
  dtypes) as the others, and rank 0's parameters and buffers are broadcast to all, so the
  replicas start equal. Optimizer steps on equal averaged gradients keep them equal.
* Gradients travel in buckets: the parameters in reverse order (roughly the order backward
  finishes them), cut into flat buffers of ``bucket_cap_mb`` (25 MiB; the first 1 MiB, so
  that communication starts early). A post-accumulate-grad hook on each parameter counts
  the gradients it has received; when a bucket's parameters are complete its gradients are
  copied into its buffer and a non-blocking ``MPI_Iallreduce`` starts, while backward goes
  on with the layers below. Buckets start in the same order on every rank (a later bucket
  that is ready first waits for the earlier ones), as MPI requires of collectives.
* A callback queued on the backward engine runs when backward ends: it waits for the
  all-reduces and writes each averaged gradient back into ``.grad``.
* ember's engine hands a leaf its gradient once per use (PyTorch sums the uses first), so
  each forward walks the new graph once to count how many gradients each parameter will
  receive; the same walk finds the parameters the forward did not use. With
  ``find_unused_parameters=True`` those count as ready (contributing zeros) and a parameter
  no rank used keeps its ``.grad``; without it, a parameter that got no gradient is an
  error at the end of backward, in PyTorch's words.
* ``broadcast_buffers=True`` (the default) broadcasts rank 0's buffers before each forward
  that follows a synchronizing one, as PyTorch does: batch norm normalizes with each rank's
  own batch statistics, and the running statistics every rank keeps are rank 0's.
* ``no_sync()`` skips the averaging (gradients accumulate locally) for the backwards of
  forwards run inside it; the first backward after it averages the accumulated gradients.
"""
import contextlib

import numpy as np

import ember
from ...autograd import Function, engine
from ...distributed import collectives
from ...distributed.process_group import default_group
from ..modules.module import Module

_FIRST_BUCKET_BYTES = 1024 * 1024


class DistributedDataParallel(Module):
    """Data parallelism over the processes of ``ember.distributed``'s process group.

    ``device_ids``/``output_device`` must be None (CPU). ``static_graph``,
    ``gradient_as_bucket_view`` and ``check_reduction`` are accepted as PyTorch does and
    change nothing here: the graph is walked every forward anyway, and gradients are always
    copied into the buckets and the averages back into ``.grad``.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        if device_ids or output_device is not None:
            raise ValueError(
                "DistributedDataParallel device_ids and output_device arguments only work with "
                "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                f"{device_ids}, output_device {output_device}, and module parameters "
                "{device(type='cpu')}.")
        pg = default_group(process_group)
        self.module = module
        self.process_group = pg
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.static_graph = static_graph
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 2**20)
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        _verify_same_model(pg, module)
        with ember.no_grad():
            _broadcast_coalesced(pg, list(module.parameters()) + list(module.buffers()))
        # PyTorch's first bucket is small (1 MiB) unless the caller chose the size.
        first = _FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap
        self._reducer = _Reducer(pg, named, first, self.bucket_bytes_cap,
                                 find_unused_parameters)

    def forward(self, *inputs, **kwargs):
        if self.require_forward_param_sync and self.broadcast_buffers:
            buffers = list(self.module.buffers())
            if buffers:
                with ember.no_grad():
                    _broadcast_coalesced(self.process_group, buffers)
        output = self.module(*inputs, **kwargs)
        if ember.is_grad_enabled() and self.require_backward_grad_sync:
            self.require_forward_param_sync = True
            self._reducer.prepare(output)
        else:
            self.require_forward_param_sync = False
        return output

    @contextlib.contextmanager
    def no_sync(self):
        """Backwards of the forwards run inside accumulate gradients locally, unaveraged."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old


def _verify_same_model(pg, module):
    """Every rank must wrap the same parameters, or the all-reduces would mix them up."""
    mine = [(n, tuple(p.shape), str(p.dtype)) for n, p in module.named_parameters()]
    try:
        everyone = pg.comm.allgather(mine)
    except pg.MPI.Exception as e:
        raise collectives.DistBackendError(f"DistributedDataParallel: {e}") from None
    for rank, theirs in enumerate(everyone):
        if theirs == everyone[0]:
            continue
        if len(theirs) != len(everyone[0]):
            raise RuntimeError(f"DDP expects same model across all ranks, but Rank {rank} has "
                               f"{len(theirs)} params, while rank 0 has inconsistent "
                               f"{len(everyone[0])} params.")
        a, b = next((a, b) for a, b in zip(everyone[0], theirs) if a != b)
        raise RuntimeError(f"DDP expects same model across all ranks, but Rank {rank} has "
                           f"parameter {b[0]} of shape {b[1]} and dtype {b[2]}, while rank 0 "
                           f"has {a[0]} of shape {a[1]} and dtype {a[2]}.")


def _broadcast_coalesced(pg, tensors, src=0):
    """Rank ``src``'s values of ``tensors`` into everyone's, one broadcast per dtype."""
    by_dtype = {}
    for t in tensors:
        by_dtype.setdefault(t._data.dtype, []).append(t)
    for dtype in sorted(by_dtype, key=str):  # the same order on every rank
        group = by_dtype[dtype]
        flat = ember.Tensor._wrap(np.concatenate([t._data.reshape(-1) for t in group]))
        collectives.broadcast(flat, src=src, group=pg)
        if pg.rank() != src:
            offset = 0
            for t in group:
                n = t._data.size
                t._data[...] = flat._data[offset:offset + n].reshape(t._data.shape)
                t._vc[0] += 1
                offset += n


class _Bucket:
    """Consecutive parameters (of one dtype) whose gradients are reduced together."""

    def __init__(self, indices, params):
        self.indices = indices
        sizes = [params[i]._data.size for i in indices]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.flat = np.empty(int(self.offsets[-1]), dtype=params[indices[0]]._data.dtype)
        self.pending = 0
        self.request = None


class _Reducer:
    """The bookkeeping of one backward: which gradients arrived, which buckets started."""

    def __init__(self, pg, named, first_cap, cap, find_unused):
        self.pg = pg
        self.names = [n for n, _ in named]
        self.params = [p for _, p in named]
        self.find_unused = find_unused
        self.index = {id(p): i for i, p in enumerate(self.params)}
        self.buckets = self._make_buckets(first_cap, cap)
        self.bucket_of = {}
        for b in self.buckets:
            for i in b.indices:
                self.bucket_of[i] = b
        self.armed = False  # a synchronizing forward ran; its backward is expected
        for i, p in enumerate(self.params):
            p.register_post_accumulate_grad_hook(self._hook(i))

    def _make_buckets(self, first_cap, cap):
        buckets, current, size, limit = [], [], 0, first_cap
        for i in reversed(range(len(self.params))):
            data = self.params[i]._data
            if current and (data.dtype != self.params[current[0]]._data.dtype or size >= limit):
                buckets.append(_Bucket(current, self.params))
                current, size, limit = [], 0, cap
            current.append(i)
            size += data.nbytes
        buckets.append(_Bucket(current, self.params))
        return buckets

    # --- each forward: what the coming backward will deliver ---------------------------

    def prepare(self, output):
        self.expected = _count_parameter_uses(output, self.index, len(self.params))
        self.arrived = np.zeros(len(self.params), dtype=np.int64)
        for b in self.buckets:
            b.pending = sum(1 for i in b.indices
                            if self.expected[i] > 0 or not self.find_unused)
            b.request = None
        self.next_bucket = 0
        self.callback_queued = False
        self.armed = True

    # --- during backward ---------------------------------------------------------------

    def _hook(self, i):
        def hook(param):
            if not self.armed:  # a forward under no_sync, or not through DDP: local only
                return
            if not self.callback_queued:
                engine.queue_callback(self._finalize)
                self.callback_queued = True
            self.arrived[i] += 1
            if self.arrived[i] == self.expected[i]:
                self.bucket_of[i].pending -= 1
                self._launch_ready()
        return hook

    def _launch_ready(self):
        """Start every bucket whose gradients are complete, in bucket order."""
        while self.next_bucket < len(self.buckets) and \
                self.buckets[self.next_bucket].pending <= 0:
            self._launch(self.buckets[self.next_bucket])
            self.next_bucket += 1
        # Open MPI moves a non-blocking collective forward only inside MPI calls: give the
        # ones in flight a turn now rather than only at the end of backward.
        started = [b.request for b in self.buckets[:self.next_bucket]]
        self.pg.MPI.Request.Testall(started)

    def _launch(self, b):
        for i, start, stop in zip(b.indices, b.offsets[:-1], b.offsets[1:]):
            grad = self.params[i].grad
            if grad is None:  # unused here (find_unused_parameters): contributes zeros
                b.flat[start:stop] = 0
            else:
                b.flat[start:stop] = grad._data.reshape(-1)
        b.request = self.pg.comm.Iallreduce(self.pg.MPI.IN_PLACE, b.flat, self.pg.MPI.SUM)

    # --- when backward ends ------------------------------------------------------------

    def _finalize(self):
        self.armed = False
        missing = [] if self.find_unused else np.flatnonzero(self.arrived == 0).tolist()
        if not missing:
            # Counts above what arrived (a backward that gave some use no gradient) do not
            # hold the buckets back once backward is over.
            for b in self.buckets[self.next_bucket:]:
                b.pending = 0
        self._launch_ready()
        started = [b.request for b in self.buckets[:self.next_bucket]]
        collectives._wait(self.pg, started, "DistributedDataParallel's gradient all-reduce")
        if missing:
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a "
                "new one. This error indicates that your module has parameters that were not "
                "used in producing loss. You can enable unused parameter detection by passing "
                "the keyword argument `find_unused_parameters=True` to "
                "`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` "
                "function outputs participate in calculating loss. Parameters that did not "
                "receive grad for rank " + str(self.pg.rank()) + ": "
                + ", ".join(self.names[i] for i in missing))
        used = None
        if self.find_unused:
            used = (self.arrived > 0).astype(np.int64)
            collectives._wait(self.pg, [self.pg.comm.Iallreduce(self.pg.MPI.IN_PLACE, used,
                                                                self.pg.MPI.SUM)],
                              "DistributedDataParallel's unused-parameter count")
        size = self.pg.size()
        for b in self.buckets:
            for i, start, stop in zip(b.indices, b.offsets[:-1], b.offsets[1:]):
                if used is not None and used[i] == 0:
                    continue  # no rank used it: its .grad stays as it was
                p = self.params[i]
                total = b.flat[start:stop].reshape(p._data.shape)
                if p.grad is None:
                    p.grad = ember.Tensor._wrap(total / size)
                else:  # the average straight into .grad: one pass
                    np.divide(total, size, out=p.grad._data)
                    p.grad._vc[0] += 1


def _tensors_in(output):
    """The tensors in a forward's output (nested in tuples, lists and dicts)."""
    if isinstance(output, ember.Tensor):
        yield output
    elif isinstance(output, (list, tuple)):
        for o in output:
            yield from _tensors_in(o)
    elif isinstance(output, dict):
        for o in output.values():
            yield from _tensors_in(o)


def _count_parameter_uses(output, index, n):
    """How many gradients each parameter receives in a backward from ``output``: the
    number of times it is an input of a node of the graph (the engine delivers one per
    use), walking the graph as the engine does."""
    counts = np.zeros(n, dtype=np.int64)
    stack, seen = [], set()
    for t in _tensors_in(output):
        if t.grad_fn is not None:
            stack.append(t.grad_fn)
        elif id(t) in index:
            counts[index[id(t)]] += 1
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for inp in getattr(node, "inputs", None) or ():
            if inp is None:
                continue
            if isinstance(inp, Function):
                if id(inp) not in seen:
                    stack.append(inp)
            else:
                i = index.get(id(inp))
                if i is not None:
                    counts[i] += 1
    return counts
