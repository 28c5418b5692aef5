"""``ember.save`` / ``ember.load``: checkpoints that cannot run code when loaded.

A file is a zip archive holding ``structure.json`` (the nesting of dicts, lists, tuples,
numbers, strings and tensor placeholders) and one ``.npy`` entry per tensor or array, read
back with ``allow_pickle=False``. Nothing in it is ever unpickled, so loading a file from
an untrusted source is safe.

Faults. Writes to a path go to a temporary file in the same directory (named after the
target and the writing process) that is renamed over the target, so a crash or a kill
never leaves a half-written checkpoint; the next save of that path removes the temporary
files that killed processes left behind. ``load`` trusts nothing in the file: an entry
must be stored uncompressed within the file's own size, and an array's header must
describe exactly the bytes that follow it, both checked before anything is allocated.
Whatever is wrong with the bytes (truncation, bit flips caught by the zip's CRC-32,
damaged zip metadata, bad headers, a structure nested too deep or malformed) ends in one
error, a ``RuntimeError`` saying the checkpoint is corrupt, as PyTorch raises a
``RuntimeError`` for an archive it cannot read. A missing or unreadable path raises the
``OSError`` of opening it, as ``open`` and ``torch.load`` do.
"""
import collections
import io
import json
import os
import tempfile
import zipfile

import numpy as np

from . import _dtype
from .tensor import Tensor

_FORMAT = "ember-checkpoint-1"


class _Encoder:
    def __init__(self):
        self.arrays = []

    def encode(self, obj):
        if obj is None or isinstance(obj, (bool, int, float, str)):
            if isinstance(obj, float) and not np.isfinite(obj):
                return {"float": repr(obj)}
            return obj
        if isinstance(obj, Tensor):
            from .nn.parameter import Parameter
            ref = self._array(obj.detach().numpy())
            return {"tensor": ref, "requires_grad": bool(obj.requires_grad),
                    "parameter": isinstance(obj, Parameter)}
        if isinstance(obj, np.ndarray):
            return {"ndarray": self._array(obj)}
        if isinstance(obj, np.generic):
            return self.encode(obj.item())
        if isinstance(obj, _dtype.dtype):
            return {"dtype": obj.name}
        if isinstance(obj, dict):
            kind = "ordered_dict" if isinstance(obj, collections.OrderedDict) else "dict"
            return {kind: [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if isinstance(obj, tuple):
            return {"tuple": [self.encode(v) for v in obj]}
        if isinstance(obj, list):
            return [self.encode(v) for v in obj]
        raise TypeError(
            f"ember.save cannot store objects of type {type(obj).__name__}: checkpoints hold "
            "tensors, arrays, numbers, strings, None and dicts/lists/tuples of them (use "
            "state_dict() for modules and optimizers)")

    def _array(self, arr):
        # not np.ascontiguousarray: it turns 0-d arrays (Adam's `step`) into shape (1,)
        self.arrays.append(np.array(arr, order="C", copy=None))
        return len(self.arrays) - 1


def _decode(node, arrays):
    if isinstance(node, list):
        return [_decode(v, arrays) for v in node]
    if not isinstance(node, dict):
        return node
    if "tensor" in node:
        t = Tensor._wrap(arrays(node["tensor"]))
        if node.get("parameter"):
            from .nn.parameter import Parameter
            return Parameter(t, requires_grad=node["requires_grad"])
        if node["requires_grad"]:
            t.requires_grad_(True)
        return t
    if "ndarray" in node:
        return arrays(node["ndarray"])
    if "float" in node:
        return float(node["float"])
    if "dtype" in node:
        return _dtype._NAMES[node["dtype"]]
    if "tuple" in node:
        return tuple(_decode(v, arrays) for v in node["tuple"])
    if "dict" in node or "ordered_dict" in node:
        cls = dict if "dict" in node else collections.OrderedDict
        pairs = node.get("dict", node.get("ordered_dict"))
        return cls((_decode(k, arrays), _decode(v, arrays)) for k, v in pairs)
    raise ValueError(f"unknown entry in checkpoint structure: {sorted(node)}")


def _write(obj, fileobj):
    enc = _Encoder()
    structure = enc.encode(obj)
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("format", _FORMAT)
        zf.writestr("structure.json", json.dumps(structure))
        for i, arr in enumerate(enc.arrays):
            buf = io.BytesIO()
            np.save(buf, arr, allow_pickle=False)
            zf.writestr(f"arrays/{i}.npy", buf.getvalue())


def save(obj, f):
    """Save ``obj`` (tensors, state dicts, numbers ... nested) to a path or binary file."""
    if hasattr(f, "write"):
        _write(obj, f)
        return
    path = os.fspath(f)
    directory, base = os.path.split(os.path.abspath(path))
    _remove_orphans(directory, base)
    fd, tmp = tempfile.mkstemp(prefix=f".{base}.{os.getpid()}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            _write(obj, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _remove_orphans(directory, base):
    """Delete the temporary files of earlier saves of ``base`` whose process is gone (it
    was killed mid-write); those of live processes may be saves still under way."""
    prefix = f".{base}."
    for name in os.listdir(directory):
        pid = name[len(prefix):].split(".")[0]
        if name.startswith(prefix) and name.endswith(".tmp") and pid.isdigit() \
                and not _alive(int(pid)):
            try:
                os.unlink(os.path.join(directory, name))
            except FileNotFoundError:  # another save removed it first
                pass


def _alive(pid):
    if os.name != "posix":  # (os.kill(pid, 0) would end the process on Windows)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def load(f, map_location=None, weights_only=True, **kwargs):
    """Load what ``save`` wrote. Never executes code from the file; any damage to it raises
    a ``RuntimeError`` saying that the checkpoint is corrupt."""
    if hasattr(f, "read"):
        return _load(f, _name(f))
    with open(os.fspath(f), "rb") as fh:  # a missing path: FileNotFoundError, as open()
        return _load(fh, _name(f))


def _load(fh, name):
    try:
        start = fh.tell()
        size = fh.seek(0, io.SEEK_END) - start
        fh.seek(start)
        with zipfile.ZipFile(fh, "r") as zf:
            if _entry(zf, "format", size) != _FORMAT.encode():
                raise ValueError("unsupported checkpoint format")
            structure = json.loads(_entry(zf, "structure.json", size))
            return _decode(structure, lambda i: _array(_entry(zf, f"arrays/{i}.npy", size)))
    except Exception as e:  # noqa: BLE001 - every failure on the file's bytes is the file's
        raise RuntimeError(f"{name}: not an ember checkpoint, or the checkpoint is corrupt "
                           f"({type(e).__name__}: {e})") from None


def _entry(zf, name, size):
    """The bytes of entry ``name``, once its zip metadata is known to fit the file: stored
    as ``save`` stores it (no compression, so no size to take on trust) and no longer than
    the file. The zip's CRC-32 check at the end of the read catches flipped bits."""
    info = zf.getinfo(name)
    if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size \
            or info.header_offset + info.file_size > size:
        raise ValueError(f"entry {name} claims {info.file_size} bytes (stored in "
                         f"{info.compress_size}, method {info.compress_type}) at offset "
                         f"{info.header_offset} of a {size}-byte file")
    with zf.open(info) as entry:
        return entry.read()


def _array(data):
    """An array from ``.npy`` bytes whose header must describe exactly the data after it
    (checked before the array is allocated)."""
    buf = io.BytesIO(data)
    version = np.lib.format.read_magic(buf)
    read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}.get(version)
    if read_header is None:
        raise ValueError(f"unsupported .npy version {version}")
    shape, fortran, dtype = read_header(buf)
    if dtype.hasobject:
        raise ValueError("an array entry holds Python objects (never unpickled)")
    count = 1
    for n in shape:
        count *= n
    if min(shape, default=0) < 0 or count * dtype.itemsize != len(data) - buf.tell():
        raise ValueError(f"an array header promises {shape} {dtype} "
                         f"({count * dtype.itemsize} bytes) where {len(data) - buf.tell()} "
                         "bytes follow")
    flat = np.frombuffer(data, dtype=dtype, count=count, offset=buf.tell())
    arr = flat.reshape(shape[::-1]).T if fortran else flat.reshape(shape)
    return arr.copy(order="K")  # writable, and the file's bytes released


def _name(f):
    return getattr(f, "name", None) or (os.fspath(f) if not hasattr(f, "read") else "<stream>")
