"""ember._allocator: with glibc, freed memory is kept for the next large arrays, so a
training step that makes and drops the same arrays pays no page faults for them."""
import os
import subprocess
import sys

import pytest

from ember import _allocator

pytestmark = pytest.mark.skipif(_allocator._glibc_mallopt() is None,
                                reason="glibc's malloc only")

# Ten 4 MB arrays made, written and dropped, five times over: the page faults of the last
# four rounds (40 MB freed at the top of the heap each time; glibc's default trims it).
_ROUNDS = """
import resource, numpy as np
import ember
from ember import _allocator
def round_():
    arrays = [np.ones(1 << 20, np.float32) for _ in range(10)]
    del arrays
round_()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(4):
    round_()
print(_allocator.kept, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(keep):
    env = dict(os.environ, EMBER_KEEP_FREED_MEMORY=keep)
    out = subprocess.run([sys.executable, "-c", _ROUNDS], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    return out[0] == "True", int(out[1])


def test_freed_memory_is_reused_without_page_faults():
    kept, faults = _faults("1")
    assert kept
    assert faults < 100  # 4 x 40 MB would be 40,960 pages faulted anew
    left_alone, default_faults = _faults("0")
    assert not left_alone
    assert default_faults > 10_000  # (what the setting saves: glibc trims the heap's top)
