"""Storage reused for large results, so that big elementwise work runs at memory speed.

A NumPy array of a megabyte or more gets its memory from the C allocator, which hands
blocks that large back to the kernel when they are freed (it unmaps them, or trims the top
of its heap). The next result of that size then starts with a page fault on every 4 KB
page, and the kernel zeroes each page first: measured on a 1000 x 1000 float32 step
(``(x * x + x).sum().backward()``, four 4 MB results) 3,900 faults a step took half of
ember's 4.7 ms of CPU time. PyTorch's caching allocators keep freed GPU memory for the same
reason.

``empty(shape, dtype)`` hands out results of 1 MB to 8 MB from blocks this module keeps:
a block is a 1-D byte array that owns its memory, and a result is a view of it. A view keeps
its block alive through ``.base``, so a block is free again exactly when its reference
count is back to what this module's own references make it; then the next result of the
same byte size reuses it, with no fault. Only ops whose result is a fresh array call it
(the arithmetic's fast path, the products of its backward); everything else allocates
as before.

What this keeps beyond NumPy's own behaviour is bounded: ``_MAX_BYTES`` of blocks in all
(free or in use), the blocks of the sizes used longest ago dropped first, the oldest first.
A dropped block that is still in use simply lives on as the result's ordinary storage.
"""
import os
import sys
import threading

import numpy as np

MIN_BYTES = 1 << 20    # below: the allocator reuses freed memory itself (measured: no faults)
# All blocks kept, free or in use: what a training step may find held beyond its own
# arrays at its peak. Measured peak memory of 3 training steps: DenseNet 1146 MiB before
# this module (and the engine's in-place gradient sums that use it), 1149 with 32 MB kept,
# 1171 with 64 MB; ResNet-18 846, 805, 803.
_MAX_BYTES = 32 << 20
_LARGEST = _MAX_BYTES // 4  # larger results: too few would fit to be worth keeping

_blocks = {}  # byte size -> its blocks, oldest first; the dict's order: sizes, least recent first
_kept = [0]   # bytes in _blocks
_lock = threading.Lock()


def _refcounts(blocks):
    counts = []
    for block in blocks:
        counts.append(sys.getrefcount(block))
    return counts


# What _refcounts reports for a block no result uses: found by running the very same code,
# so that it holds whatever this Python counts for the loop's own references.
_FREE = _refcounts([np.empty(1, np.uint8)])[0]


def empty(shape, dtype):
    """An uninitialized array like ``np.empty(shape, dtype)`` (C order), for a result the
    caller is about to fill completely; from a kept block when it is large."""
    nbytes = dtype.itemsize
    for n in shape:
        nbytes *= n
    if not MIN_BYTES <= nbytes <= _LARGEST:
        return np.empty(shape, dtype)
    with _lock:
        blocks = _blocks.pop(nbytes, [])  # put back last: now the most recent size
        block = None
        for i, count in enumerate(_refcounts(blocks)):
            if count == _FREE:
                block = blocks.pop(i)
                break
        if block is None:
            block = np.empty(nbytes, np.uint8)
            _kept[0] += nbytes
        blocks.append(block)
        _blocks[nbytes] = blocks
        while _kept[0] > _MAX_BYTES:
            oldest = next(iter(_blocks))
            _blocks[oldest].pop(0)
            _kept[0] -= oldest
            if not _blocks[oldest]:
                del _blocks[oldest]
    return block.view(dtype).reshape(shape)


def _forget_after_fork():
    # A child forked while another thread held the lock would wait on it forever.
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
