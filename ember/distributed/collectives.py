"""Collectives and point-to-point messages on ember tensors, over MPI.

Each call works in place on the tensor's own NumPy buffer, which MPI reads and writes
directly; a copy is made only where MPI needs one contiguous buffer and the caller gave a
list of tensors (``all_gather``, ``gather``, ``scatter``, ``reduce_scatter``: the flat forms
``all_gather_into_tensor`` and ``reduce_scatter_tensor`` need none), or where MPI cannot
reduce the dtype (float16 is reduced in float32).

Before a collective moves data, the ranks exchange a small fixed-size description of the
call (which collective, dtype, shape, root, reduction): ranks that disagree — a shape or a
dtype that differs, a different collective, a bad argument on one rank — all raise the same
clear error instead of deadlocking or reading garbage. What such an exchange cannot see (a
rank that never arrives, a send without its receive) ends in a timeout: every wait polls its
MPI requests against the process group's timeout.

``async_op=True`` returns a ``Work`` whose ``wait()`` completes the operation; without it
the call returns None when the result is in place, as in PyTorch.
"""
import enum
import time

import numpy as np

import ember
from .process_group import default_group


class DistError(RuntimeError):
    """An error of the distributed package (``torch.distributed.DistError``)."""


class DistBackendError(DistError):
    """The communication itself failed or timed out."""


class ReduceOp(enum.Enum):
    """How ``all_reduce``, ``reduce`` and ``reduce_scatter`` combine the ranks' values."""
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7

    def __repr__(self):
        return f"<RedOpType.{self.name}: {self.value}>"


# The dtypes a description can name (their index is the code exchanged between ranks).
_DTYPES = [np.dtype(t) for t in (np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64,
                                 np.float16, np.float32, np.float64, np.complex64,
                                 np.complex128)]
_OPS = ("barrier", "all_reduce", "broadcast", "all_gather", "all_gather_into_tensor",
        "gather", "scatter", "reduce", "reduce_scatter", "reduce_scatter_tensor",
        "all_gather_object", "broadcast_object_list")
_DIMS = 8  # dimensions spelled out in a description; more are folded into the last
_OP, _BAD, _DTYPE, _ROOT, _RED, _NDIM, _SHAPE = range(7)


# --- waiting ---------------------------------------------------------------------------

def _wait(pg, requests, what, timeout=None, statuses=None):
    """Wait for ``requests`` to complete, or raise after the group's timeout. Polling
    (rather than MPI's blocking wait) is what makes a timeout possible, and it also lets
    a rank that waits long give its core to the others instead of spinning on it."""
    MPI = pg.MPI
    try:
        if MPI.Request.Testall(requests, statuses):
            return
        limit = timeout or pg.timeout
        deadline = time.monotonic() + limit.total_seconds()
        pause = 1e-5
        while not MPI.Request.Testall(requests, statuses):
            if time.monotonic() > deadline:
                raise DistBackendError(
                    f"{what} timed out after {limit} on rank {pg.rank()} of {pg.size()}: "
                    "another rank failed, stopped, or is waiting in a different call "
                    "(init_process_group(timeout=...) sets the limit)")
            time.sleep(pause)
            pause = min(2 * pause, 2e-4)
    except MPI.Exception as e:
        raise DistBackendError(f"{what} failed in MPI: {e}") from None


class Work:
    """The handle of an operation started with ``async_op=True``."""

    def __init__(self, pg, what, requests, finish=None, result=(), statuses=None):
        self._pg = pg
        self._statuses = statuses
        self._what = what
        self._requests = list(requests)
        self._finish = finish
        self._result = list(result)
        self._exception = None
        self._done = False

    def wait(self, timeout=None):
        """Block until the operation is complete and its result is in place; True."""
        if self._exception is not None:
            raise self._exception
        try:
            _wait(self._pg, self._requests, self._what, timeout, self._statuses)
            if self._finish is not None:
                finish, self._finish = self._finish, None
                finish()
        except Exception as e:
            self._exception = e
            raise
        self._done = True
        return True

    def is_completed(self):
        """Whether the operation has finished (successfully or not), without blocking."""
        if self._done or self._exception is not None:
            return True
        if self._pg.MPI.Request.Testall(self._requests, self._statuses):
            try:
                self.wait()
            except Exception:  # kept: exception() and wait() report it
                pass
            return True
        return False

    def is_success(self):
        return self.is_completed() and self._exception is None

    def exception(self):
        return self._exception

    def result(self):
        """The tensors the operation wrote (after ``wait()``)."""
        self.wait()
        return self._result


def _run(pg, what, requests, finish, async_op, result=()):
    work = Work(pg, what, requests, finish, result)
    if async_op:
        return work
    work.wait()
    return None


# --- agreeing on the call ----------------------------------------------------------------

def _tensor_text(dtype_code, ndim, dims):
    shape = tuple(int(d) for d in dims[:min(int(ndim), _DIMS)])
    return f"{_DTYPES[dtype_code].name} tensor of shape {shape}"


def _describe_row(row):
    name = _OPS[row[_OP]] if 0 <= row[_OP] < len(_OPS) else f"operation {row[_OP]}"
    parts = []
    if row[_DTYPE] >= 0:
        parts.append(_tensor_text(row[_DTYPE], row[_NDIM], row[_SHAPE:]))
    elif row[_NDIM] >= 0:
        parts.append(f"a list of {row[_NDIM]} objects")
    if row[_RED] >= 0:
        parts.append(f"op={ReduceOp(int(row[_RED])).name}")
    if row[_ROOT] >= 0:
        parts.append(f"root={row[_ROOT]}")
    return f"{name}({', '.join(parts)})"


def _agree(pg, what, check):
    """Run ``check()`` — this rank's argument checks, returning ``(array, root, reduce op,
    result)`` — and compare every rank's description of the call. Bad arguments on any
    rank, or ranks that disagree, raise on every rank (so none is left waiting). Returns
    ``check()``'s result."""
    sig = np.full(_SHAPE + _DIMS, -1, dtype=np.int64)
    sig[_OP] = _OPS.index(what)
    sig[_BAD] = 0
    error = result = None
    try:
        arr, root, redop, result = check()
    except (TypeError, ValueError) as e:
        error, arr, root, redop = e, None, None, None
        sig[_BAD] = 1
    if isinstance(arr, int):  # a list length (the object collectives)
        sig[_NDIM] = arr
    elif arr is not None:
        sig[_DTYPE] = _DTYPES.index(arr.dtype)
        shape = list(arr.shape)
        if len(shape) > _DIMS:
            shape = shape[:_DIMS - 1] + [int(np.prod(shape[_DIMS - 1:]))]
        sig[_NDIM] = arr.ndim
        sig[_SHAPE:_SHAPE + len(shape)] = shape
    if root is not None:
        sig[_ROOT] = root
    if redop is not None:
        sig[_RED] = redop.value
    rows = np.empty((pg.size(), sig.size), dtype=np.int64)
    _wait(pg, [pg.comm.Iallgather(sig, rows)], what)
    if error is not None:
        raise error
    bad = np.flatnonzero(rows[:, _BAD])
    if bad.size:
        raise ValueError(f"{what}: rank {bad[0]} called it with invalid arguments (its error "
                         "says which); every rank stops here")
    differ = np.flatnonzero((rows != rows[0]).any(axis=1))
    if differ.size:
        k = differ[0]
        raise RuntimeError(
            f"Detected mismatch between collectives on ranks. Rank 0 is running collective: "
            f"{_describe_row(rows[0])}, but Rank {k} is running collective: "
            f"{_describe_row(rows[k])}")
    return result


def _array(t, name, writable=False):
    """The contiguous NumPy buffer of tensor ``t`` (MPI reads and writes it directly)."""
    if not isinstance(t, ember.Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"ember.Tensor but got {type(t)} instead.")
    a = t._data
    if a.dtype not in _DTYPES:
        raise TypeError(f"ember.distributed cannot send tensors of dtype {a.dtype}")
    if not a.flags.c_contiguous:
        raise ValueError(f"Tensors must be contiguous (`{name}` is not: call .contiguous())")
    if writable and not a.flags.writeable:
        raise ValueError(f"`{name}` is read-only and cannot receive a result")
    return a


def _array_list(ts, name, like, count, writable=False):
    """The buffers of a list of ``count`` tensors shaped and typed like the array ``like``."""
    if not isinstance(ts, list) or not all(isinstance(t, ember.Tensor) for t in ts):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"List[ember.Tensor] but got {type(ts)} instead.")
    if len(ts) != count:
        raise ValueError(f"`{name}` must hold one tensor per rank ({count}), got {len(ts)}")
    arrays = [_array(t, name, writable) for t in ts]
    for a in arrays:
        if a.shape != like.shape or a.dtype != like.dtype:
            raise ValueError(f"every tensor of `{name}` must have the dtype and shape of the "
                             f"input ({like.dtype}, {like.shape}); got {a.dtype}, {a.shape}")
    return arrays


def _rank_arg(pg, rank, group_rank, what, default=None):
    if rank is not None and group_rank is not None:
        raise ValueError("Can't specify both group_rank and global_rank")
    r = rank if rank is not None else group_rank if group_rank is not None else default
    if r is None:
        raise ValueError("Must specify global_rank or group_rank")
    if not isinstance(r, (int, np.integer)) or not 0 <= r < pg.size():
        raise ValueError(f"Global rank {r} is not part of group {pg} (the {what} rank)")
    return int(r)


def _bytes(a):
    """``a``'s buffer as bytes: collectives that only move data need no MPI datatype."""
    return a.reshape(-1).view(np.uint8)


def _touched(*tensors):
    for t in tensors:
        t._vc[0] += 1  # written in place: autograd's saved-tensor checks must see it


# --- reductions ------------------------------------------------------------------------

def _reduce_op(op, dtype):
    if not isinstance(op, ReduceOp):
        raise TypeError(f"op must be a dist.ReduceOp, got {op!r}")
    if op is ReduceOp.AVG and dtype.kind not in "fc":
        raise ValueError(f"ReduceOp.AVG needs a floating-point tensor, got {dtype}")
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and dtype.kind not in "biu":
        raise ValueError(f"ReduceOp.{op.name} needs an integer or bool tensor, got {dtype}")
    if op in (ReduceOp.MIN, ReduceOp.MAX) and dtype.kind == "c":
        raise ValueError(f"ReduceOp.{op.name} is not defined for complex tensors")
    return op


def _mpi_op(MPI, op, dtype):
    if dtype == np.bool_:  # bools reduce as logic: any for SUM/MAX/BOR, all for the rest
        return {ReduceOp.SUM: MPI.LOR, ReduceOp.MAX: MPI.LOR, ReduceOp.BOR: MPI.LOR,
                ReduceOp.PRODUCT: MPI.LAND, ReduceOp.MIN: MPI.LAND, ReduceOp.BAND: MPI.LAND,
                ReduceOp.BXOR: MPI.LXOR}[op]
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND,
            ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}[op]


def _reducible(a):
    """``a`` itself, or a float32 copy for what MPI cannot add up (float16)."""
    return a.astype(np.float32) if a.dtype == np.float16 else a


def _finish_reduce(pg, op, buf, target, tensors):
    """After the MPI sum: AVG's division, the copy back from a float32 stand-in."""
    def finish():
        if op is ReduceOp.AVG:
            np.divide(buf, pg.size(), out=buf)
        if buf is not target:
            np.copyto(target, buf, casting="unsafe")
        _touched(*tensors)
    return finish


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Combine ``tensor`` across all ranks with ``op``; every rank gets the result in place."""
    pg = default_group(group)

    def check():
        a = _array(tensor, "tensor", writable=True)
        return a, None, _reduce_op(op, a.dtype), a
    a = _agree(pg, "all_reduce", check)
    buf = _reducible(a)
    MPI = pg.MPI
    req = pg.comm.Iallreduce(MPI.IN_PLACE, buf, _mpi_op(MPI, op, a.dtype))
    return _run(pg, "all_reduce", [req], _finish_reduce(pg, op, buf, a, [tensor]), async_op,
                [tensor])


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Combine ``tensor`` across all ranks with ``op`` into ``tensor`` on rank ``dst``."""
    pg = default_group(group)

    def check():
        a = _array(tensor, "tensor", writable=True)
        return a, _rank_arg(pg, dst, group_dst, "destination", 0), _reduce_op(op, a.dtype), a
    a = _agree(pg, "reduce", check)
    root = _rank_arg(pg, dst, group_dst, "destination", 0)
    buf = _reducible(a)
    MPI = pg.MPI
    mpi_op = _mpi_op(MPI, op, a.dtype)
    if pg.rank() == root:
        req = pg.comm.Ireduce(MPI.IN_PLACE, buf, mpi_op, root)
        finish = _finish_reduce(pg, op, buf, a, [tensor])
    else:
        req = pg.comm.Ireduce(buf, None, mpi_op, root)
        finish = None
    return _run(pg, "reduce", [req], finish, async_op, [tensor])


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Combine ``input_list`` (one tensor per rank) across ranks; rank ``i`` receives the
    combination of everyone's ``input_list[i]`` in ``output``."""
    pg = default_group(group)

    def check():
        out = _array(output, "output", writable=True)
        ins = _array_list(input_list, "input_list", out, pg.size())
        return out, None, _reduce_op(op, out.dtype), (out, ins)
    out, ins = _agree(pg, "reduce_scatter", check)
    send = np.concatenate([i.reshape(-1) for i in ins]) if ins else out.reshape(-1)
    return _reduce_scatter(pg, "reduce_scatter", _reducible(send), out, op, output, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """``reduce_scatter`` with the inputs as one tensor of ``world_size`` times ``output``'s
    elements (no copy)."""
    pg = default_group(group)

    def check():
        out = _array(output, "output", writable=True)
        inp = _array(input, "input")
        if inp.dtype != out.dtype or inp.size != out.size * pg.size():
            raise ValueError(f"input must have world_size ({pg.size()}) times the elements of "
                             f"output and its dtype; got {inp.dtype} {inp.shape} for output "
                             f"{out.dtype} {out.shape}")
        return out, None, _reduce_op(op, out.dtype), (out, inp)
    out, inp = _agree(pg, "reduce_scatter_tensor", check)
    return _reduce_scatter(pg, "reduce_scatter_tensor", _reducible(inp.reshape(-1)), out, op,
                           output, async_op)


def _reduce_scatter(pg, what, send, out, op, output, async_op):
    MPI = pg.MPI
    recv = _reducible(out)
    req = pg.comm.Ireduce_scatter_block(send, recv.reshape(-1),
                                        _mpi_op(MPI, op, out.dtype))
    return _run(pg, what, [req], _finish_reduce(pg, op, recv, out, [output]), async_op,
                [output])


# --- moving data -----------------------------------------------------------------------

def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copy ``tensor`` of rank ``src`` into ``tensor`` on every other rank."""
    pg = default_group(group)

    def check():
        root = _rank_arg(pg, src, group_src, "source")
        a = _array(tensor, "tensor", writable=pg.rank() != root)
        return a, root, None, (a, root)
    a, root = _agree(pg, "broadcast", check)
    req = pg.comm.Ibcast(_bytes(a), root)
    finish = None if pg.rank() == root else (lambda: _touched(tensor))
    return _run(pg, "broadcast", [req], finish, async_op, [tensor])


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Every rank's ``tensor``, in rank order, into ``tensor_list`` on every rank."""
    pg = default_group(group)

    def check():
        a = _array(tensor, "tensor")
        return a, None, None, (a, _array_list(tensor_list, "tensor_list", a, pg.size(), True))
    a, outs = _agree(pg, "all_gather", check)
    flat = np.empty((pg.size(),) + a.shape, dtype=a.dtype)
    req = pg.comm.Iallgather(_bytes(a), _bytes(flat))

    def finish():
        for o, part in zip(outs, flat):
            np.copyto(o, part)
        _touched(*tensor_list)
    return _run(pg, "all_gather", [req], finish, async_op, tensor_list)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Every rank's ``input_tensor``, concatenated in rank order along the first dimension
    (or stacked) in ``output_tensor`` (no copy)."""
    pg = default_group(group)

    def check():
        inp = _array(input_tensor, "input_tensor")
        out = _array(output_tensor, "output_tensor", writable=True)
        if out.dtype != inp.dtype or out.size != inp.size * pg.size():
            raise ValueError(f"output_tensor must have world_size ({pg.size()}) times the "
                             f"elements of input_tensor and its dtype; got {out.dtype} "
                             f"{out.shape} for input {inp.dtype} {inp.shape}")
        return inp, None, None, (inp, out)
    inp, out = _agree(pg, "all_gather_into_tensor", check)
    req = pg.comm.Iallgather(_bytes(inp), _bytes(out))
    return _run(pg, "all_gather_into_tensor", [req], lambda: _touched(output_tensor),
                async_op, [output_tensor])


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """Every rank's ``tensor``, in rank order, into ``gather_list`` on rank ``dst``."""
    pg = default_group(group)

    def check():
        root = _rank_arg(pg, dst, group_dst, "destination", 0)
        a = _array(tensor, "tensor")
        outs = None
        if pg.rank() == root:
            if not gather_list:
                raise ValueError("Argument ``gather_list`` must be specified on destination "
                                 "rank.")
            outs = _array_list(gather_list, "gather_list", a, pg.size(), True)
        elif gather_list:
            raise ValueError("Argument ``gather_list`` must NOT be specified on "
                             "non-destination ranks.")
        return a, root, None, (a, root, outs)
    a, root, outs = _agree(pg, "gather", check)
    if outs is None:
        return _run(pg, "gather", [pg.comm.Igather(_bytes(a), None, root)], None, async_op)
    flat = np.empty((pg.size(),) + a.shape, dtype=a.dtype)
    req = pg.comm.Igather(_bytes(a), _bytes(flat), root)

    def finish():
        for o, part in zip(outs, flat):
            np.copyto(o, part)
        _touched(*gather_list)
    return _run(pg, "gather", [req], finish, async_op, gather_list)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """``scatter_list[i]`` of rank ``src`` into ``tensor`` on rank ``i``."""
    pg = default_group(group)

    def check():
        root = _rank_arg(pg, src, group_src, "source", 0)
        a = _array(tensor, "tensor", writable=True)
        ins = None
        if pg.rank() == root:
            if not scatter_list:
                raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
            ins = _array_list(scatter_list, "scatter_list", a, pg.size())
        elif scatter_list:
            raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source "
                             "ranks.")
        return a, root, None, (a, root, ins)
    a, root, ins = _agree(pg, "scatter", check)
    send = None if ins is None else _bytes(np.stack(ins))
    req = pg.comm.Iscatter(send, _bytes(a), root)
    return _run(pg, "scatter", [req], lambda: _touched(tensor), async_op, [tensor])


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Wait until every rank has arrived here."""
    pg = default_group(group)
    _agree(pg, "barrier", lambda: (None, None, None, None))  # an all-gather: a barrier
    return Work(pg, "barrier", []) if async_op else None


# --- Python objects (pickled, as PyTorch does) --------------------------------------------

def all_gather_object(object_list, obj, group=None):
    """Every rank's picklable ``obj``, in rank order, into ``object_list`` on every rank."""
    pg = default_group(group)

    def check():
        if not isinstance(object_list, list) or len(object_list) != pg.size():
            raise ValueError(f"object_list must be a list of world_size ({pg.size()}) "
                             f"elements, got {object_list!r}")
        return None, None, None, None
    _agree(pg, "all_gather_object", check)
    object_list[:] = _objects(pg, "all_gather_object",
                              lambda: pg.comm.allgather(obj))


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """The picklable objects of ``object_list`` on rank ``src`` into ``object_list`` on
    every rank (the lists have the same length everywhere)."""
    pg = default_group(group)

    def check():
        root = _rank_arg(pg, src, group_src, "source")
        if not isinstance(object_list, list):
            raise TypeError(f"object_list must be a list, got {type(object_list)}")
        return len(object_list), root, None, root
    root = _agree(pg, "broadcast_object_list", check)
    items = _objects(pg, "broadcast_object_list",
                     lambda: pg.comm.bcast(list(object_list) if pg.rank() == root else None,
                                           root))
    object_list[:] = items


def _objects(pg, what, call):
    try:
        return call()
    except pg.MPI.Exception as e:
        raise DistBackendError(f"{what} failed in MPI: {e}") from None


# --- point to point ----------------------------------------------------------------------

def _header(a):
    h = np.full(2 + _DIMS, -1, dtype=np.int64)
    h[0], h[1] = _DTYPES.index(a.dtype), a.ndim
    shape = list(a.shape)[:_DIMS]
    h[2:2 + len(shape)] = shape
    return h


def _peer(pg, rank, group_rank, what):
    r = _rank_arg(pg, rank, group_rank, what)
    if r == pg.rank():
        raise ValueError(f"Invalid {what} rank: {what} rank should not be the same as the "
                         "rank of the current process.")
    return r


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Start sending ``tensor`` to rank ``dst``; returns a ``Work``. A small header with its
    dtype and shape goes first, so that the receiver can refuse a tensor that does not fit."""
    pg = default_group(group)
    peer = _peer(pg, dst, group_dst, "destination")
    a = _array(tensor, "tensor")
    header = _header(a)
    reqs = [pg.comm.Isend(header, peer, 2 * tag), pg.comm.Isend(_bytes(a), peer, 2 * tag + 1)]
    work = Work(pg, f"send to rank {peer}", reqs, result=[tensor])
    work._header = header  # alive until the send is done
    return work


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Send ``tensor`` to rank ``dst`` (returns once it is sent)."""
    isend(tensor, dst, group, tag, group_dst).wait()


class _RecvWork(Work):
    """A receive: the header first (from ``src``, or from whoever sends), checked against
    the tensor, then the data, straight into the tensor's buffer."""

    def __init__(self, pg, tensor, src, tag):
        self._array = _array(tensor, "tensor", writable=True)
        self._tensor, self._tag = tensor, tag
        self._header = np.empty(2 + _DIMS, dtype=np.int64)
        source = pg.MPI.ANY_SOURCE if src is None else src
        req = pg.comm.Irecv(self._header, source, 2 * tag)
        super().__init__(pg, "recv", [req], self._receive, [tensor], [pg.MPI.Status()])
        self.source = None

    def _receive(self):
        pg = self._pg
        self.source = self._statuses[0].Get_source()
        mine = _header(self._array)
        if not np.array_equal(self._header, mine):
            h = self._header
            raise RuntimeError(
                f"recv: rank {self.source} sent a {_tensor_text(h[0], h[1], h[2:])}, but this "
                f"rank ({pg.rank()}) receives into a {_tensor_text(*mine[:2], mine[2:])}")
        _wait(pg, [pg.comm.Irecv(_bytes(self._array), self.source, 2 * self._tag + 1)],
              f"recv from rank {self.source}")
        _touched(self._tensor)

    def source_rank(self):
        self.wait()
        return self.source


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    """Start receiving into ``tensor`` from rank ``src`` (any rank when None)."""
    pg = default_group(group)
    peer = None if src is None and group_src is None else _peer(pg, src, group_src, "source")
    return _RecvWork(pg, tensor, peer, tag)


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receive into ``tensor`` from rank ``src`` (any rank when None); returns the sender."""
    return irecv(tensor, src, group, tag, group_src).source_rank()
