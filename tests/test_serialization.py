"""ember.save / ember.load: round trips, safety (no code runs on load), atomic writes."""
import collections
import io
import os
import zipfile

import numpy as np
import pytest

import ember


def _roundtrip(obj):
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    return ember.load(buf)


def test_nested_structure_round_trip():
    w = ember.randn(2, 3)
    obj = collections.OrderedDict(
        w=w, ints=ember.arange(4), flag=True, n=5, x=2.5, inf=float("inf"), s="text",
        nothing=None, seq=[1, (2.5, None)], nested={3: {"k": ember.ones(1, dtype=ember.float64)}},
        dtype=ember.float64, arr=np.arange(3, dtype=np.int32))
    back = _roundtrip(obj)
    assert isinstance(back, collections.OrderedDict)
    assert list(back) == list(obj)
    assert back["w"].dtype == ember.float32 and np.array_equal(back["w"].numpy(), w.numpy())
    assert back["ints"].dtype == ember.int64
    assert back["seq"] == [1, (2.5, None)]
    assert back["inf"] == float("inf")
    assert back["nested"][3]["k"].dtype == ember.float64
    assert back["dtype"] is ember.float64
    assert back["arr"].dtype == np.int32
    assert back["flag"] is True and back["s"] == "text" and back["nothing"] is None


def test_requires_grad_and_parameter_survive():
    from ember import nn
    p = nn.Parameter(ember.randn(3))
    t = ember.randn(2, requires_grad=True)
    back = _roundtrip({"p": p, "t": t})
    assert isinstance(back["p"], nn.Parameter) and back["p"].requires_grad
    assert back["t"].requires_grad and not isinstance(back["t"], nn.Parameter)


def test_save_to_path_is_atomic_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "ckpt.ember"
    ember.save({"a": ember.arange(3)}, path)
    ember.save({"a": ember.arange(5)}, path)  # overwrite in place
    assert ember.load(path)["a"].tolist() == [0, 1, 2, 3, 4]
    assert os.listdir(tmp_path) == ["ckpt.ember"]


def test_failed_save_keeps_the_previous_file(tmp_path):
    path = tmp_path / "ckpt.ember"
    ember.save({"a": 1}, path)
    with pytest.raises(TypeError, match="cannot store objects of type object"):
        ember.save({"a": object()}, path)
    assert ember.load(path) == {"a": 1}
    assert os.listdir(tmp_path) == ["ckpt.ember"]


def test_corrupt_and_truncated_files_give_clear_errors(tmp_path):
    bad = tmp_path / "bad.ember"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(RuntimeError, match="not an ember checkpoint"):
        ember.load(bad)
    good = tmp_path / "good.ember"
    ember.save({"w": ember.randn(100)}, good)
    data = good.read_bytes()
    (tmp_path / "cut.ember").write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError):
        ember.load(tmp_path / "cut.ember")


def test_loading_never_unpickles(tmp_path):
    # A hand-made archive whose array entry is a pickled object array: np.load must refuse.
    path = tmp_path / "evil.ember"
    buf = io.BytesIO()
    np.save(buf, np.array([object()], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("format", "ember-checkpoint-1")
        zf.writestr("structure.json", '{"ndarray": 0}')
        zf.writestr("arrays/0.npy", buf.getvalue())
    with pytest.raises(RuntimeError, match="corrupt"):
        ember.load(path)


# ----- faults (issue 13) -------------------------------------------------------------------
import signal  # noqa: E402
import struct  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

CORRUPT = "not an ember checkpoint, or the checkpoint is corrupt"


def _sample():
    return collections.OrderedDict(
        w=ember.randn(3, 4), ints=ember.arange(5), half=ember.ones(2, dtype=ember.float16),
        flags=ember.tensor([True, False]), empty=ember.zeros(0, 3), scalar=ember.tensor(2.5),
        fortran=np.asfortranarray(np.arange(6.0).reshape(2, 3)), words=np.array(["ab", "c"]),
        nested={"a": [1, (2.5, None)], "b": {"c": ember.zeros(2, dtype=ember.int8)}})


def _assert_same(a, b):
    if isinstance(a, (ember.Tensor, np.ndarray)):
        assert type(a) is type(b)
        x, y = (a.numpy(), b.numpy()) if isinstance(a, ember.Tensor) else (a, b)
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_array_equal(x, y)
    elif isinstance(a, dict):
        assert type(a) is type(b) and list(a) == list(b)
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    else:
        assert a == b


def _saved(obj=None):
    buf = io.BytesIO()
    ember.save(_sample() if obj is None else obj, buf)
    return buf.getvalue()


def _load_bytes(data):
    return ember.load(io.BytesIO(data))


def test_every_kind_of_array_round_trips():
    obj = _sample()
    back = _load_bytes(_saved(obj))
    _assert_same(obj, back)
    assert back["w"].numpy().flags.writeable


def test_a_fortran_order_entry_loads():
    """``save`` writes C order, but a .npy file may say Fortran order: read as NumPy does."""
    a = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    buf = io.BytesIO()
    np.save(buf, a)
    back = _load_bytes(_checkpoint('{"ndarray": 0}', buf.getvalue()))
    np.testing.assert_array_equal(back, a)


def test_truncation_at_every_offset_is_reported_as_corrupt():
    data = _saved()
    for n in range(len(data)):
        with pytest.raises(RuntimeError, match=CORRUPT):
            _load_bytes(data[:n])


def test_random_bit_flips_are_caught_or_harmless():
    """A flipped bit in any entry's bytes fails the zip's CRC-32; one in metadata either
    breaks the archive (reported as corrupt) or lies in a field nothing reads (the load
    then gives the saved values exactly)."""
    obj = _sample()
    data = _saved(obj)
    rng = np.random.default_rng(1313)
    outcomes = collections.Counter()
    for _ in range(600):
        flipped = bytearray(data)
        pos = int(rng.integers(len(data)))
        flipped[pos] ^= 1 << int(rng.integers(8))
        try:
            back = _load_bytes(bytes(flipped))
        except RuntimeError as e:
            assert CORRUPT in str(e)
            outcomes["corrupt"] += 1
        else:
            _assert_same(obj, back)
            outcomes["harmless"] += 1
    assert outcomes["corrupt"] > 400  # (about a sixth of the bytes are metadata nothing reads)


def _archive(entries, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, payload in entries.items():
            zf.writestr(name, payload)
    return buf.getvalue()


def _npy(header, body=b""):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + body


def _checkpoint(structure, *arrays):
    entries = {"format": "ember-checkpoint-1", "structure.json": structure}
    entries.update({f"arrays/{i}.npy": a for i, a in enumerate(arrays)})
    return _archive(entries)


CRAFTED = {
    # An array header promising a terabyte over 8 bytes of data: refused, never allocated.
    "huge shape": _checkpoint('{"ndarray": 0}', _npy(
        {"shape": (1 << 20, 1 << 20), "fortran_order": False, "descr": "<f8"}, b"\0" * 8)),
    "short data": _checkpoint('{"ndarray": 0}', _npy(
        {"shape": (3,), "fortran_order": False, "descr": "<f8"}, b"\0" * 16)),
    "long data": _checkpoint('{"ndarray": 0}', _npy(
        {"shape": (1,), "fortran_order": False, "descr": "<f8"}, b"\0" * 16)),
    "negative shape": _checkpoint('{"ndarray": 0}', _npy(
        {"shape": (-2, -4), "fortran_order": False, "descr": "<f8"}, b"\0" * 64)),
    "object dtype": _checkpoint('{"ndarray": 0}', _npy(
        {"shape": (1,), "fortran_order": False, "descr": "|O"}, b"\0" * 8)),
    "not npy": _checkpoint('{"ndarray": 0}', b"\x93NUMPY\x09\x00garbage"),
    "deep lists": _checkpoint("[" * 200_000 + "]" * 200_000),
    "deep dicts": _checkpoint('{"tuple": [' * 5000 + "1" + "]}" * 5000),
    "not json": _checkpoint("{nope"),
    "missing array": _checkpoint('{"tensor": 7, "requires_grad": false}'),
    "array index a list": _checkpoint('{"ndarray": [0]}'),
    "dict of an int": _checkpoint('{"dict": 5}'),
    "pair of three": _checkpoint('{"dict": [[1, 2, 3]]}'),
    "unknown dtype": _checkpoint('{"dtype": "float128"}'),
    "bad float": _checkpoint('{"float": "many"}'),
    "unknown node": _checkpoint('{"lambda": 1}'),
    "no format": _archive({"structure.json": "1"}),
    "other format": _archive({"format": "pickle", "structure.json": "1"}),
    "compressed (a zip bomb's way)": _archive(
        {"format": "ember-checkpoint-1", "structure.json": "1"}, zipfile.ZIP_DEFLATED),
    "not a zip": b"PK\x03\x04" + b"\0" * 100,
    "empty": b"",
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_crafted_files_are_reported_as_corrupt(name):
    with pytest.raises(RuntimeError, match=CORRUPT):
        _load_bytes(CRAFTED[name])


def _find_central(data, name):
    pos = 0
    while True:
        pos = data.index(b"PK\x01\x02", pos)
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46: pos + 46 + n] == name.encode():
            return pos
        pos += 4


@pytest.mark.parametrize("field,offset,value", [
    ("file size", 24, 1 << 31), ("compressed size", 20, 1 << 31),
    ("both sizes", None, 1 << 31), ("method", 10, 8), ("local header offset", 42, 1 << 30),
])
def test_damaged_zip_metadata_is_reported_as_corrupt(field, offset, value):
    """The central directory's record of an array entry edited to promise 2 GiB, another
    compression method or a header beyond the end: refused before any of it is read."""
    data = bytearray(_saved({"w": ember.randn(50)}))
    pos = _find_central(bytes(data), "arrays/0.npy")
    for off in ((20, 24) if offset is None else (offset,)):
        fmt = "<H" if off == 10 else "<I"
        struct.pack_into(fmt, data, pos + off, value)
    with pytest.raises(RuntimeError, match=CORRUPT):
        _load_bytes(bytes(data))


def test_a_missing_path_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        ember.load(tmp_path / "nothing.ember")


_KILLED_WRITER = """
import sys, time
import numpy as np
import ember

real_save = np.save
def save_then_hang(*args, **kwargs):
    real_save(*args, **kwargs)
    print("writing", flush=True)
    time.sleep(600)
np.save = save_then_hang
ember.save({"new": ember.arange(10_000)}, sys.argv[1])
"""


def test_a_killed_save_leaves_the_old_file_and_the_next_save_its_temporary(tmp_path):
    """A writer killed (SIGKILL) half-way through: the target still holds the old
    checkpoint; its temporary file is gone after the next save of the same path."""
    path = tmp_path / "ckpt.ember"
    ember.save({"old": ember.arange(3)}, path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    writer = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(path)],
                              stdout=subprocess.PIPE, env=env, text=True)
    try:
        assert writer.stdout.readline().strip() == "writing"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
    left = sorted(os.listdir(tmp_path))
    assert len(left) == 2 and left[1] == "ckpt.ember" and left[0].startswith(".ckpt.ember.")
    assert ember.load(path)["old"].tolist() == [0, 1, 2]
    ember.save({"new": ember.arange(2)}, path)
    assert os.listdir(tmp_path) == ["ckpt.ember"]
    assert ember.load(path)["new"].tolist() == [0, 1]


def test_a_temporary_of_a_live_process_is_left_alone(tmp_path):
    """Another save of the same path still under way (its process alive) keeps its file."""
    path = tmp_path / "ckpt.ember"
    busy = tmp_path / f".ckpt.ember.{os.getppid()}.abc.tmp"
    busy.write_bytes(b"partial")
    ember.save({"a": 1}, path)
    assert sorted(os.listdir(tmp_path)) == [busy.name, "ckpt.ember"]
