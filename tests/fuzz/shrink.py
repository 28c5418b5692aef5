"""Shrinking a failing program to a few lines: drop lines, drop inputs, simplify inputs."""
import numpy as np

from .program import Program


def signature(failure):
    """What a smaller program must still show: the kind and, for raise-vs-succeed, who raised."""
    if failure is None:
        return None
    side = failure.detail.split(" ", 1)[0] if failure.kind == "raise-vs-succeed" else ""
    return failure.kind, side


def shrink(program, fails, budget=400):
    """The smallest program found for which ``fails(program)`` is true (``program`` is)."""
    calls = [0]

    def check(p):
        if calls[0] >= budget:
            return False
        calls[0] += 1
        return fails(p)

    best = program.used_inputs()
    # Lines: delete chunks, halving their size, until no single line can go.
    n = max(len(best.lines) // 2, 1)
    while n >= 1:
        i, removed = 0, False
        while i < len(best.lines):
            cand = Program(best.inputs, best.lines[:i] + best.lines[i + n:], best.seed)
            if cand.lines and check(cand.used_inputs()):
                best, removed = cand.used_inputs(), True
            else:
                i += n
        if not removed:
            n //= 2
    # Inputs: no gradient, then simpler values.
    for k, (name, arr, rg) in enumerate(best.inputs):
        for cand_in in _simpler(name, arr, rg):
            cand = Program(best.inputs[:k] + [cand_in] + best.inputs[k + 1:], best.lines,
                           best.seed)
            if check(cand):
                best = cand
                break
    return best


def _simpler(name, arr, rg):
    if rg:
        yield name, arr, False
    if arr.size:
        for v in (0, 1):
            if not np.all(arr == v):
                yield name, np.full_like(arr, v), rg
        if arr.dtype.kind == "f" and arr.size > 1:
            yield name, np.arange(arr.size, dtype=arr.dtype).reshape(arr.shape), rg
