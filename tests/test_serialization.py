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
