"""The C allocator told to keep freed memory for the next large array.

glibc's malloc gives each block of 128 KB or more its own mapping (a threshold it raises,
up to 32 MB, as such blocks are freed) and hands that mapping back to the kernel when the
block is freed; it also returns the top of its heap to the kernel once more than twice
that threshold of it is free. The next array of that size then starts with a page fault
on every 4 KB page, and the kernel zeroes each page first. A training step makes and drops
the same large arrays every time (activations, their gradients, temporaries), so it pays
those faults on every step: measured on the book's LeNet with batch norm (batch 256, its
256 x 6 x 24 x 24 activations 3.5 MB each), 5,300 faults a step and ~15% of the step's
time on one thread. PyTorch's caching allocators keep freed GPU memory for the same reason.

So at import ember sets malloc's mmap threshold to 32 MB (the most glibc accepts: blocks
up to that size come from the heap, where a freed block is reused as it is) and its trim
threshold to 64 MB (the heap keeps up to that much free memory at its top for the next
blocks). The peak memory does not grow (measured: the same peak RSS, see
benchmarks/README.md): freed memory is kept for reuse instead of being mapped anew; a
process may hold that much more after its peak, until it ends. ``EMBER_KEEP_FREED_MEMORY=0``
in the environment leaves the allocator as it is. Other C libraries are left alone.
"""
import ctypes
import os
import sys

# mallopt's parameters (glibc's malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 64 << 20


def _glibc_mallopt():
    """glibc's ``mallopt``, or None under another C library."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # glibc's own: musl has a mallopt that does nothing
    except (OSError, AttributeError):
        return None
    mallopt = libc.mallopt
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt


def keep_freed_memory():
    """Set the thresholds above; True when glibc took them."""
    mallopt = _glibc_mallopt()
    if mallopt is None:
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))


kept = os.environ.get("EMBER_KEEP_FREED_MEMORY", "1") != "0" and keep_freed_memory()
