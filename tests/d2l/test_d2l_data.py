import hashlib
import os

import numpy as np
import pytest

import ember
from ember import d2l
from ember.d2l import data as d2l_data


def test_synthetic_data_follows_the_linear_model():
    true_w, true_b = ember.tensor([2, -3.4]), 4.2
    X, y = d2l.synthetic_data(true_w, true_b, 1000)
    assert X.shape == (1000, 2) and y.shape == (1000, 1)
    assert X.dtype == ember.float32 and y.dtype == ember.float32
    residual = y.reshape(-1) - (X @ true_w + true_b)
    assert 0.007 < residual.std().item() < 0.013  # the noise has standard deviation 0.01
    assert abs(X.mean().item()) < 0.1 and 0.9 < X.std().item() < 1.1


def test_load_array_batches_and_shuffles():
    X = ember.arange(20, dtype=ember.float32).reshape(10, 2)
    y = ember.arange(10)
    batches = list(d2l.load_array((X, y), 4, is_train=False))
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    assert batches[0][1].tolist() == [0, 1, 2, 3]
    ember.manual_seed(1)
    order = ember.cat([b[1] for b in d2l.load_array((X, y), 4)]).tolist()
    assert sorted(order) == list(range(10)) and order != list(range(10))
    for Xb, yb in d2l.load_array((X, y), 3):
        assert (Xb[:, 0] == 2 * yb.float()).all()  # rows stay paired


def test_fashion_mnist_labels_and_workers():
    assert d2l.get_fashion_mnist_labels([0, 9, 5]) == ["t-shirt", "ankle boot", "sandal"]
    assert d2l.get_fashion_mnist_labels(ember.tensor([3, 8])) == ["dress", "bag"]
    assert d2l.get_dataloader_workers() == 0


def _write_fashion_mnist(root, n_train=12, n_test=8):
    from ember.vision.datasets import write_idx
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(str(raw / f"{prefix}-images-idx3-ubyte"),
                  rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(str(raw / f"{prefix}-labels-idx1-ubyte"),
                  (np.arange(n) % 10).astype(np.uint8))


def test_load_data_fashion_mnist_from_idx_files(tmp_path, monkeypatch):
    monkeypatch.delenv("EMBER_DATA", raising=False)
    _write_fashion_mnist(tmp_path)
    train_iter, test_iter = d2l.load_data_fashion_mnist(5, root=tmp_path)
    X, y = next(iter(train_iter))
    assert X.shape == (5, 1, 28, 28) and X.dtype == ember.float32
    assert y.dtype == ember.int64
    assert 0 <= X.min().item() and X.max().item() <= 1
    assert sum(len(b[1]) for b in test_iter) == 8
    assert next(iter(test_iter))[1].tolist() == [0, 1, 2, 3, 4]  # the test set in order
    train_iter, _ = d2l.load_data_fashion_mnist(4, resize=32, root=tmp_path)
    assert next(iter(train_iter))[0].shape == (4, 1, 32, 32)


@pytest.fixture
def fake_hub(tmp_path, monkeypatch):
    """A data hub entry served from a local file:// URL, and clean search places."""
    payload = b"1\t2\t3\n4\t5\t6\n"
    src = tmp_path / "hub" / "tiny.dat"
    src.parent.mkdir()
    src.write_bytes(payload)
    sha1 = hashlib.sha1(payload).hexdigest()
    monkeypatch.setitem(d2l.DATA_HUB, "tiny", (src.as_uri(), sha1))
    monkeypatch.delenv("EMBER_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return payload


def test_download_fetches_into_the_user_cache_atomically(fake_hub, tmp_path):
    path = d2l.download("tiny")
    assert path == str(tmp_path / "xdg" / "ember" / "tiny.dat")
    assert open(path, "rb").read() == fake_hub
    assert os.listdir(tmp_path / "xdg" / "ember") == ["tiny.dat"]  # no partial files left
    assert d2l.download("tiny") == path  # found in the cache the second time


def test_download_search_order(fake_hub, tmp_path, monkeypatch):
    mine, env = tmp_path / "mine", tmp_path / "env"
    (env / "tiny").mkdir(parents=True)
    (env / "tiny" / "tiny.dat").write_bytes(fake_hub)  # DIR/NAME/FILE also counts
    monkeypatch.setenv("EMBER_DATA", str(env))
    assert d2l.download("tiny") == str(env / "tiny" / "tiny.dat")
    mine.mkdir()
    (mine / "tiny.dat").write_bytes(fake_hub)
    assert d2l.download("tiny", data_dir=mine) == str(mine / "tiny.dat")
    assert d2l.download("tiny", cache_dir=tmp_path / "c", data_dir=tmp_path / "nothing") \
        == str(env / "tiny" / "tiny.dat")


def test_download_passes_over_a_corrupt_copy(fake_hub, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "tiny.dat").write_bytes(b"corrupted")
    with pytest.warns(UserWarning, match="does not match the SHA-1"):
        path = d2l.download("tiny", data_dir=bad)
    assert open(path, "rb").read() == fake_hub


def test_download_checksum_mismatch_and_unknown_name(tmp_path, monkeypatch):
    src = tmp_path / "x.dat"
    src.write_bytes(b"payload")
    monkeypatch.setitem(d2l.DATA_HUB, "x", (src.as_uri(), "0" * 40))
    monkeypatch.delenv("EMBER_DATA", raising=False)
    cache = tmp_path / "cache"
    with pytest.raises(RuntimeError, match="checksum mismatch"):
        d2l.download("x", cache_dir=cache)
    assert not cache.exists() or os.listdir(cache) == []  # nothing half-written stays
    with pytest.raises(KeyError, match="not in DATA_HUB"):
        d2l.download("no-such-data")


def test_the_hub_knows_the_airfoil_data():
    url, sha1 = d2l.DATA_HUB["airfoil"]
    assert url == d2l.DATA_URL + "airfoil_self_noise.dat"
    assert d2l.DATA_URL == "http://d2l-data.s3-accelerate.amazonaws.com/"
    assert sha1 == "76e5be1548fd8222e5074cf0faae75edff8cf93f"


def test_get_data_ch11_standardized_airfoil(airfoil):
    raw = np.loadtxt(airfoil, delimiter="\t")
    assert raw.shape == (1503, 6)
    expected = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    data_iter, feature_dim = d2l.get_data_ch11(batch_size=10)
    assert feature_dim == 5
    X = data_iter.dataset.tensors[0]
    y = data_iter.dataset.tensors[1]
    assert X.shape == (1500, 5) and y.shape == (1500,)
    assert X.dtype == ember.float32
    np.testing.assert_allclose(X.numpy(), expected[:1500, :5], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y.numpy(), expected[:1500, 5], rtol=1e-5, atol=1e-6)
    # Standardized over all 1503 rows: the first 1500 are nearly, not exactly, centered.
    assert np.abs(X.numpy().mean(axis=0)).max() < 0.01
    np.testing.assert_allclose(X.numpy().std(axis=0), 1, atol=0.01)
    Xb, yb = next(iter(data_iter))
    assert Xb.shape == (10, 5) and yb.shape == (10,)
    assert len(data_iter) == 150


def test_get_data_ch7_is_the_same_data(airfoil):
    features, labels = d2l.get_data_ch7()
    assert features.shape == (1500, 5) and labels.shape == (1500,)
    assert features.dtype == labels.dtype == ember.float32
    data_iter, _ = d2l.get_data_ch11()
    np.testing.assert_array_equal(features.numpy(), data_iter.dataset.tensors[0].numpy())


def test_get_data_ch11_data_dir_comes_first(airfoil, tmp_path, monkeypatch):
    monkeypatch.delenv("EMBER_DATA")
    local = tmp_path / "local"
    local.mkdir()
    (local / "airfoil_self_noise.dat").write_bytes(airfoil.read_bytes())
    data_iter, dim = d2l.get_data_ch11(data_dir=local)
    assert dim == 5 and data_iter.dataset.tensors[0].shape == (1500, 5)
    assert d2l_data.download("airfoil", data_dir=local) == str(local / "airfoil_self_noise.dat")
