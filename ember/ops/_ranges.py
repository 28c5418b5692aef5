"""``arange`` and ``linspace`` values bit for bit as PyTorch's CPU kernels compute them.

PyTorch's kernels (``aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp`` and
``RangeUtils.h``) fix every rounding step, and a printed tensor shows the difference
(``torch.arange(-8.0, 8.0, 0.1)`` holds 4.44e-16 where ``start + i * step`` rounded twice
gives 0, ``torch.linspace(-1, 1, 21)`` holds -1.49e-08 at its middle). What they do:

- ``arange``: the length is ``ceil((end - start) / step)`` in double (for int64 in integer
  arithmetic, ``(end - start + step - sign) / step``). The values are ``start + step * i``
  in the accumulate type (double for float32/64, float for float16, int64 for integers),
  computed in blocks of two vectors of 32 bytes: each vector's first value is
  ``start + step * i`` rounded to the output type, the others ``base + k * step`` from that
  rounded base; the last ``n mod (2 * width)`` values are ``start + step * i`` each.
  (Beyond 32768 values PyTorch splits the range among its threads and each part starts its
  blocks afresh, so there its values depend on its thread count; here they are those of one
  thread.)
- ``linspace``: ``step = (end - start) / (steps - 1)`` in the output type (double for
  integers); the first half of the values is ``start + step * i``, the second half
  ``end - step * (steps - 1 - i)``, converted to the output type (float16 rounds after
  every operation, as ``c10::Half`` does).

Each ``a + b * c`` there is compiled into one fused multiply-add (one rounding), which
``_fma`` reproduces: NumPy has no fused multiply-add, so it takes the exact value apart
with error-free transformations and rounds it once.
"""
import math
from fractions import Fraction

import numpy as np

_F64 = np.dtype(np.float64)
_F32 = np.dtype(np.float32)
_F16 = np.dtype(np.float16)
_VECTOR_BYTES = 32  # the width of the vectors PyTorch's range kernels run on here
_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter
# Integers up to this magnitude are exact in each float type (2 ** significand bits).
_EXACT_INTEGERS = {_F16: 2.0 ** 11, _F32: 2.0 ** 24, _F64: 2.0 ** 53}
_SCALAR_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short",
                 "int32": "Int", "int64": "Long", "float16": "Half", "float32": "Float",
                 "float64": "Double"}


def _two_sum(a, b):
    """s, e with s = fl(a + b) and s + e == a + b exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a):
    """a as hi + lo, each of at most 26 significant bits (Veltkamp)."""
    c = _SPLIT * a
    hi = c - (c - a)
    return hi, a - hi


def _fma(a, b, c, dtype=_F64):
    """``a * b + c`` rounded once to ``dtype`` (float64 or float32), elementwise, for a
    Python float ``a``, an array ``b`` of integers and ``c`` a float or an array (what the
    range kernels compute: a step times an index, plus a start).

    Error-free transformations give the exact value as ``s + t + e`` (Dekker's product,
    Knuth's sum); ``r = s + (t + e)`` is its rounding unless the remainder ``w`` reaches
    about half the gap to r's neighbour. The few values too close to call that way (a tie,
    or a float32 rounding that r's own rounding could tip) are rounded exactly with
    fractions."""
    b = np.asarray(b, dtype=_F64)
    c = np.asarray(c, dtype=_F64)
    with np.errstate(all="ignore"):
        ah, al = _split(a)
        p = a * b
        if b.size and np.abs(b).max() < 2 ** 26:  # then b is its own 26-bit high half
            e = (ah * b - p) + al * b
        else:
            bh, bl = _split(b)
            e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
        s, t = _two_sum(p, c)
        rest = t + e
        r, w = _two_sum(s, rest)
        exact = rest == 0  # then s is the value (and r = s + 0.0 would make s = -0.0 +0.0)
        r = np.where(exact, s, r)
        # Within half the gap to r's neighbour (a quarter at a power of two, whose gap
        # below is half the one above), less a little for the roundings of t + e and w.
        power_of_two = np.abs(np.frexp(r)[0]) == 0.5
        gap = np.abs(np.spacing(r)) * np.where(power_of_two, 0.2499, 0.4999)
        sure = exact | (np.abs(w) < gap)  # (at a zero r the gap rounds to 0)
        out = r.astype(dtype)
        if dtype == _F32:
            # r is rounded once more: only a tie between two float32 values can go wrong.
            back = out.astype(_F64)
            other = np.nextafter(out, np.where(r > back, np.inf, -np.inf).astype(_F32))
            sure &= (back == r) | (w == 0) | ((back + other.astype(_F64)) / 2 != r)
        plain = ~np.isfinite(r)  # inf or nan among the operands, or overflow
        if plain.any():
            out[plain] = np.broadcast_to(a * b + c, r.shape)[plain].astype(dtype)
    b, c = np.broadcast_to(b, r.shape), np.broadcast_to(c, r.shape)
    for i in zip(*np.nonzero(~sure & ~plain)):
        out[i] = _round(Fraction(a) * Fraction(float(b[i])) + Fraction(float(c[i])), dtype)
    return out


def _round(x, dtype):
    """The exact rational ``x`` rounded to nearest (ties to even) in ``dtype``."""
    try:
        near = dtype.type(float(x))  # float(Fraction) is correctly rounded to float64
    except OverflowError:
        return dtype.type(math.copysign(math.inf, x))
    if dtype == _F64 or not np.isfinite(near):
        return near
    with np.errstate(over="ignore"):
        candidates = [np.nextafter(near, dtype.type(-np.inf)), near,
                      np.nextafter(near, dtype.type(np.inf))]
    candidates = [f for f in candidates if np.isfinite(f)]
    return min(candidates, key=lambda f: (abs(Fraction(float(f)) - x),
                                          int(f.view(np.uint32)) & 1))


def _not_implemented(name, np_dtype):
    if np_dtype == np.bool_:
        raise NotImplementedError(f'"{name}" not implemented for '
                                  f"'{_SCALAR_NAMES[np_dtype.name]}'")


def arange_values(start, end, step, np_dtype):
    """PyTorch's ``arange(start, end, step)`` in ``np_dtype``, checks and errors included."""
    _not_implemented("arange_cpu", np_dtype)
    dstart, dend, dstep = float(start), float(end), float(step)
    if dstep == 0 or math.isnan(dstep):
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(dstart) and math.isfinite(dend)):
        raise RuntimeError(f"unsupported range: {_c_number(dstart)} -> {_c_number(dend)}")
    if not ((dstep > 0 and dend >= dstart) or (dstep < 0 and dend <= dstart)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if np_dtype.kind in "iu":
        istart, iend, istep = (int(v) for v in (start, end, step))  # C's truncation
        if np_dtype == np.int64:
            if istep == 0:
                raise ValueError("step must be nonzero")
            sign = (istep > 0) - (istep < 0)
            size = _c_div(iend - istart + istep - sign, istep)
        else:
            size = math.ceil((dend - dstart) / dstep)
        _check_size(size)
        # int64 arithmetic, wrapping like C, then converted to the output type.
        values = (np.arange(size, dtype=np.int64) * np.int64(istep)) + np.int64(istart)
        return values.astype(np_dtype)
    size = math.ceil((dend - dstart) / dstep)
    _check_size(size)
    if dstart.is_integer() and dstep.is_integer() and \
            max(abs(dstart), abs(dstart + dstep * size)) <= _EXACT_INTEGERS.get(np_dtype, -1.0):
        # Integers all exactly representable in the output type: every operation above
        # is exact, so each value is start + step * i (zeros signed as there), computed
        # here directly. The sequence_mask of the Transformer's attention takes an
        # arange(10, dtype=float32) per call: 6 us this way, 140 us the general way.
        return (np.arange(size, dtype=_F64) * dstep + dstart).astype(np_dtype)
    if np_dtype == _F64:
        acc, start_, step_ = _F64, dstart, dstep
    else:  # float32 accumulates in double; float16 in float
        acc = _F64 if np_dtype == _F32 else _F32
        start_, step_ = (float(acc.type(v)) for v in (dstart, dstep))
    width = _VECTOR_BYTES // np_dtype.itemsize
    vectors = size // (2 * width) * 2  # the loop takes two vectors at a time
    # Each vector: its first value rounded to the output type, the rest counted from it.
    firsts = np.arange(0, vectors * width, width, dtype=_F64)
    base = _fma(step_, firsts, start_, acc).astype(np_dtype).astype(_F64)[:, None]
    body = _fma(step_, np.arange(width, dtype=_F64)[None, :], base, acc)
    tail = _fma(step_, np.arange(vectors * width, size, dtype=_F64), start_, acc)
    return np.concatenate([body.reshape(-1), tail]).astype(np_dtype)


def _c_div(a, b):
    """C's integer division (toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _c_number(x):
    return f"{x:g}"  # as C++ streams print a double


def _check_size(size):
    if not 0 <= size <= 2 ** 63 - 1:
        raise RuntimeError("invalid size, possible overflow?")


def linspace_values(start, end, steps, np_dtype):
    """PyTorch's ``linspace(start, end, steps)`` in ``np_dtype``, checks and errors included."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    _not_implemented("linspace_cpu", np_dtype)
    first, last = (_to_scalar(v, np_dtype) for v in (start, end))
    if steps <= 1:
        return np.full(steps, first, dtype=np_dtype)
    i = np.arange(steps, dtype=np.int64)
    lower = i < steps // 2
    j = np.where(lower, i, steps - 1 - i).astype(_F64)
    if np_dtype.kind in "iu":
        # step in double; values in double, truncated toward zero into the integer type.
        step = (float(last) - float(first)) / (steps - 1)
        values = np.where(lower, _fma(step, j, float(first)), _fma(step, -j, float(last)))
        return np.trunc(values).astype(np.int64).astype(np_dtype)
    if np_dtype == _F16:
        # c10::Half arithmetic: each operation in float, its result rounded back to half
        # (so no fused multiply-add), the index converted to half first.
        def h(x):
            return np.asarray(x, dtype=np.float32).astype(_F16).astype(np.float32)
        f, l = np.float32(first), np.float32(last)
        step = h(h(l - f) / h(steps - 1))
        product = h(step * h(j))
        return np.where(lower, h(f + product), h(l - product)).astype(_F16)
    with np.errstate(all="ignore"):
        step = np_dtype.type(np_dtype.type(last) - np_dtype.type(first)) / np_dtype.type(steps - 1)
    jt = j.astype(np_dtype).astype(_F64)  # the index converted to the output type
    return np.where(lower, _fma(float(step), jt, float(first), np_dtype),
                    _fma(float(step), -jt, float(last), np_dtype)).astype(np_dtype)


def _to_scalar(v, np_dtype):
    """``Scalar.to<T>()``: a number converted to the output type, refused where it would
    overflow (an unsigned type takes negatives down to minus its maximum, as c10 does)."""
    if np_dtype.kind == "f":
        x = float(v)
        if math.isfinite(x) and abs(x) > float(np.finfo(np_dtype).max):
            raise RuntimeError(f"value cannot be converted to type {_C_NAMES[np_dtype.name]} "
                               "without overflow")
        return np_dtype.type(x)
    info = np.iinfo(np_dtype)
    x = int(v)
    low = -info.max if info.min == 0 else info.min
    if not low <= x <= info.max:
        raise RuntimeError(f"value cannot be converted to type {_C_NAMES[np_dtype.name]} "
                           "without overflow")
    return np.array(x).astype(np_dtype)[()]


_C_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int32_t",
            "int64": "int64_t", "float16": "c10::Half", "float32": "float",
            "float64": "double"}
