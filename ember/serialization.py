"""``ember.save`` / ``ember.load``: checkpoints that cannot run code when loaded.

A file is a zip archive holding ``structure.json`` (the nesting of dicts, lists, tuples,
numbers, strings and tensor placeholders) and one ``.npy`` entry per tensor or array, read
back with ``allow_pickle=False``. Nothing in it is ever unpickled, so loading a file from
an untrusted source is safe. Writes to a path go to a temporary file in the same directory
that is renamed over the target, so a crash never leaves a half-written checkpoint.
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
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".ckpt", dir=directory)
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


def load(f, map_location=None, weights_only=True, **kwargs):
    """Load what ``save`` wrote. Never executes code from the file."""
    try:
        zf = zipfile.ZipFile(f if hasattr(f, "read") else os.fspath(f), "r")
    except (zipfile.BadZipFile, OSError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise RuntimeError(f"{_name(f)} is not an ember checkpoint (or it is corrupt): {e}") from None
    with zf:
        try:
            if zf.read("format").decode() != _FORMAT:
                raise RuntimeError(f"{_name(f)}: unsupported checkpoint format")
            structure = json.loads(zf.read("structure.json"))

            def arrays(i):
                with zf.open(f"arrays/{i}.npy") as entry:
                    return np.load(io.BytesIO(entry.read()), allow_pickle=False)

            return _decode(structure, arrays)
        except (KeyError, ValueError, zipfile.BadZipFile, EOFError) as e:
            raise RuntimeError(f"{_name(f)} is a corrupt ember checkpoint: {e}") from None


def _name(f):
    return getattr(f, "name", None) or (os.fspath(f) if not hasattr(f, "read") else "<stream>")
