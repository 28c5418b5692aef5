"""Reader for the IDX format of the MNIST family (raw or gzip-compressed).

An IDX file is a 4-byte magic number ``00 00 <type> <ndim>``, then ``ndim`` big-endian
int32 dimension sizes, then the data in C order, big-endian. The reader checks every
part of that against the file's size, so a corrupt or truncated file is an error that
names the file instead of a silently short dataset.
"""
import gzip
import os
import zlib

import numpy as np

_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class IDXError(RuntimeError):
    """A file that is not a well-formed IDX file; the message names the file."""


def _read_bytes(path):
    path = os.fspath(path)
    with open(path, "rb") as f:
        head = f.read(2)
        f.seek(0)
        raw = f.read()
    if head == b"\x1f\x8b":  # gzip magic: decompress, letting the CRC catch corruption
        try:
            return gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as e:
            raise IDXError(f"{path}: corrupt or truncated gzip file ({e})") from None
    return raw


def parse_idx(buf, name="<bytes>"):
    """The array held in the IDX bytes ``buf`` (native byte order, read-only)."""
    if len(buf) < 4:
        raise IDXError(f"{name}: not an IDX file: only {len(buf)} bytes")
    zero, code, ndim = int.from_bytes(buf[:2], "big"), buf[2], buf[3]
    if zero != 0 or code not in _TYPES:
        raise IDXError(f"{name}: not an IDX file: bad magic number 0x{bytes(buf[:4]).hex()}")
    header = 4 + 4 * ndim
    if len(buf) < header:
        raise IDXError(f"{name}: truncated IDX header: {ndim} dimensions need {header} "
                       f"bytes, the file has {len(buf)}")
    shape = tuple(int(d) for d in np.frombuffer(buf, dtype=">i4", count=ndim, offset=4))
    dtype = _TYPES[code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(buf) < expected:
        raise IDXError(f"{name}: truncated IDX file: shape {shape} needs {expected} bytes, "
                       f"the file has {len(buf)}")
    if len(buf) > expected:
        raise IDXError(f"{name}: corrupt IDX file: {len(buf) - expected} unexpected bytes "
                       f"after the data of shape {shape}")
    data = np.frombuffer(buf, dtype=dtype, offset=header).reshape(shape)
    if dtype.byteorder == ">":
        data = data.astype(dtype.newbyteorder("="))
    data.flags.writeable = False
    return data


def read_idx(path):
    """The array stored in the IDX file at ``path`` (``.gz`` or raw)."""
    return parse_idx(_read_bytes(path), os.fspath(path))


def write_idx(path, array, compress=None):
    """Write ``array`` as an IDX file (gzip-compressed if ``compress`` or the name ends in .gz)."""
    array = np.asarray(array)
    codes = {(v.kind, v.itemsize): k for k, v in _TYPES.items()}
    code = codes.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise TypeError(f"IDX cannot hold arrays of dtype {array.dtype}")
    out = (bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">i4").tobytes()
           + np.ascontiguousarray(array, dtype=_TYPES[code]).tobytes())
    path = os.fspath(path)
    if compress if compress is not None else path.endswith(".gz"):
        out = gzip.compress(out)
    with open(path, "wb") as f:
        f.write(out)
