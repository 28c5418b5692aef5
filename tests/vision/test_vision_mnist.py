"""MNIST / Fashion-MNIST: file look-up order, download, errors, and the real data set."""
import gzip
import hashlib
import os

import numpy as np
import pytest

import ember
from ember.utils.data import DataLoader, default_collate
from ember.vision import transforms
from ember.vision.datasets import MNIST, FashionMNIST, IDXError, write_idx

SYSTEM = "/usr/share/datasets/fashion-mnist"
FILES = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def make_split(folder, n, seed, train=True, gz=True):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    os.makedirs(folder, exist_ok=True)
    img_name, lbl_name = FILES[train]
    ext = ".gz" if gz else ""
    write_idx(os.path.join(folder, img_name + ext), images, compress=gz)
    write_idx(os.path.join(folder, lbl_name + ext), labels, compress=gz)
    return images, labels


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No $EMBER_DATA, a private system directory: the look-up sees only what a test makes."""
    monkeypatch.delenv("EMBER_DATA", raising=False)
    system = tmp_path / "system"
    monkeypatch.setattr(FashionMNIST, "system_dirs", (str(system),))
    return tmp_path


@pytest.mark.parametrize("gz", [True, False])
def test_root_layout(isolated, gz):
    images, labels = make_split(isolated / "root" / "FashionMNIST" / "raw", 7, 0, gz=gz)
    ds = FashionMNIST(isolated / "root", train=True)
    assert len(ds) == 7
    img, label = ds[3]
    assert isinstance(img, ember.Tensor) and img.dtype == ember.uint8 and img.shape == (28, 28)
    np.testing.assert_array_equal(img.numpy(), images[3])
    assert label == int(labels[3]) and type(label) is int
    assert ds.targets.dtype == ember.int64 and ds.data.shape == (7, 28, 28)
    assert ds.classes[0] == "T-shirt/top" and len(ds.classes) == 10
    assert ds.class_to_idx["Ankle boot"] == 9


def test_lookup_order(isolated, monkeypatch):
    root, env, system = isolated / "root", isolated / "env", isolated / "system"
    make_split(system, 3, 1)
    assert len(FashionMNIST(root)) == 3                       # only the system copy
    make_split(env / "FashionMNIST" / "raw", 4, 2)
    monkeypatch.setenv("EMBER_DATA", str(env))
    assert len(FashionMNIST(root)) == 4                       # $EMBER_DATA before system
    make_split(root / "FashionMNIST" / "raw", 5, 3, gz=False)
    assert len(FashionMNIST(root)) == 5                       # root before everything
    # A directory with only one of the split's two files does not count.
    make_split(root / "FashionMNIST" / "raw", 6, 4, train=False)
    os.remove(root / "FashionMNIST" / "raw" / "t10k-labels-idx1-ubyte.gz")
    make_split(env / "FashionMNIST" / "raw", 8, 5, train=False)
    assert len(FashionMNIST(root, train=False)) == 8


def test_train_and_test_splits_differ(isolated):
    raw = isolated / "r" / "FashionMNIST" / "raw"
    make_split(raw, 5, 0, train=True)
    make_split(raw, 2, 1, train=False)
    assert len(FashionMNIST(isolated / "r", train=True)) == 5
    assert len(FashionMNIST(isolated / "r", train=False)) == 2


def test_not_found_message(isolated):
    with pytest.raises(RuntimeError) as e:
        FashionMNIST(isolated / "nothing", train=True, download=False)
    msg = str(e.value)
    assert "train-images-idx3-ubyte" in msg
    assert str(isolated / "nothing" / "FashionMNIST" / "raw") in msg
    assert str(isolated / "system") in msg
    assert "EMBER_DATA" in msg
    assert "apt-get install dataset-fashion-mnist" in msg


def _mirror(tmp_path, train=True):
    """A local 'mirror' (file:// URLs) holding gzipped files, and their MD5s."""
    mirror = tmp_path / "mirror"
    make_split(mirror, 9, 7, train=train)
    md5 = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in mirror.iterdir()}
    return mirror.as_uri() + "/", md5


def test_download_verifies_and_writes_atomically(isolated, monkeypatch):
    url, md5 = _mirror(isolated)
    monkeypatch.setattr(FashionMNIST, "mirrors", ["file:///nonexistent/", url])
    monkeypatch.setattr(FashionMNIST, "resources", sorted(md5.items()))
    ds = FashionMNIST(isolated / "root", train=True, download=True)
    assert len(ds) == 9
    raw = isolated / "root" / "FashionMNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == ["train-images-idx3-ubyte.gz",
                                                      "train-labels-idx1-ubyte.gz"]


def test_download_checksum_mismatch(isolated, monkeypatch):
    url, md5 = _mirror(isolated)
    md5["train-images-idx3-ubyte.gz"] = "0" * 32
    monkeypatch.setattr(FashionMNIST, "mirrors", [url])
    monkeypatch.setattr(FashionMNIST, "resources", sorted(md5.items()))
    with pytest.raises(RuntimeError, match="checksum mismatch") as e:
        FashionMNIST(isolated / "root", train=True, download=True)
    assert "apt-get install dataset-fashion-mnist" in str(e.value)
    raw = isolated / "root" / "FashionMNIST" / "raw"
    # Nothing half-written is left behind: no image file, no temporary file.
    assert [p.name for p in raw.iterdir()] == ["train-labels-idx1-ubyte.gz"]


def test_download_offline(isolated, monkeypatch):
    monkeypatch.setattr(FashionMNIST, "mirrors", ["file:///nonexistent/mirror/"])
    with pytest.raises(RuntimeError, match="download failed") as e:
        FashionMNIST(isolated / "root", download=True)
    assert "apt-get install dataset-fashion-mnist" in str(e.value)


def test_corrupt_files_are_named(isolated):
    raw = isolated / "root" / "FashionMNIST" / "raw"
    make_split(raw, 4, 0, gz=False)
    labels = raw / "train-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes()[:-1])
    with pytest.raises(IDXError, match="train-labels-idx1-ubyte.*truncated"):
        FashionMNIST(isolated / "root")
    write_idx(labels, np.zeros(3, np.uint8))  # one label short of the 4 images
    with pytest.raises(IDXError, match="expected 4 labels"):
        FashionMNIST(isolated / "root")


def test_mnist_layout_and_classes(isolated, monkeypatch):
    make_split(isolated / "root" / "MNIST" / "raw", 3, 0)
    ds = MNIST(isolated / "root")
    assert len(ds) == 3 and ds.classes[7] == "7 - seven"
    with pytest.raises(RuntimeError) as e:
        MNIST(isolated / "elsewhere")
    assert "MNIST/raw" in str(e.value) and "download=True" in str(e.value)


def test_transforms_and_target_transform(isolated):
    images, labels = make_split(isolated / "r" / "FashionMNIST" / "raw", 5, 0)
    ds = FashionMNIST(isolated / "r", transform=transforms.ToTensor(),
                      target_transform=lambda y: y + 100)
    img, label = ds[2]
    assert img.shape == (1, 28, 28) and img.dtype == ember.float32
    np.testing.assert_array_equal(img.numpy()[0], images[2].astype(np.float32) / 255)
    assert label == int(labels[2]) + 100


@pytest.mark.parametrize("transform", [
    None,
    transforms.ToTensor(),
    transforms.Compose([transforms.Resize(40), transforms.ToTensor(),
                        transforms.Normalize([0.5], [0.25])]),
    transforms.Compose([transforms.ToTensor(), transforms.Lambda(lambda x: x * 2)]),
])
def test_batch_fast_path_equals_per_sample(isolated, transform):
    make_split(isolated / "r" / "FashionMNIST" / "raw", 20, 0)
    ds = FashionMNIST(isolated / "r", transform=transform)
    idx = [3, 0, 19, 7, 7]
    expected = default_collate([ds[i] for i in idx])
    (x, y), = [b for b in DataLoader(ds, batch_size=5, sampler=idx)]
    assert x.dtype == expected[0].dtype and x.shape == expected[0].shape
    np.testing.assert_allclose(x.numpy(), expected[0].numpy(), rtol=0, atol=1e-6)
    np.testing.assert_array_equal(y.numpy(), expected[1].numpy())
    assert y.dtype == ember.int64


def _read_gz_idx(path, header):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


@pytest.mark.skipif(not os.path.isdir(SYSTEM), reason=f"{SYSTEM} is absent: install the "
                    "Debian package dataset-fashion-mnist to test on the real data")
def test_real_fashion_mnist(tmp_path, monkeypatch):
    monkeypatch.delenv("EMBER_DATA", raising=False)
    train = FashionMNIST(tmp_path, train=True, transform=transforms.ToTensor())
    test = FashionMNIST(tmp_path, train=False)
    assert len(train) == 60000 and len(test) == 10000
    assert np.bincount(train.targets.numpy(), minlength=10).tolist() == [6000] * 10
    assert np.bincount(test.targets.numpy(), minlength=10).tolist() == [1000] * 10
    for ds, name in ((train, "train"), (test, "t10k")):
        # Independent reading: skip the 16-byte image / 8-byte label header by hand.
        pixels = _read_gz_idx(f"{SYSTEM}/{name}-images-idx3-ubyte.gz", 16)
        labels = _read_gz_idx(f"{SYSTEM}/{name}-labels-idx1-ubyte.gz", 8)
        assert hashlib.sha256(ds.data.numpy().tobytes()).hexdigest() == \
            hashlib.sha256(pixels.tobytes()).hexdigest()
        assert int(ds.data.numpy().sum(dtype=np.int64)) == int(pixels.sum(dtype=np.int64))
        np.testing.assert_array_equal(ds.targets.numpy(), labels)
    img, label = train[0]
    assert img.shape == (1, 28, 28) and img.dtype == ember.float32
    assert 0.0 <= float(img.min()) and float(img.max()) <= 1.0
    assert label == 9  # the first training image is an ankle boot
    x, y = next(iter(DataLoader(train, batch_size=18)))
    assert x.shape == (18, 1, 28, 28) and y.shape == (18,) and y.dtype == ember.int64


@pytest.mark.skipif(not os.path.isdir(SYSTEM), reason=f"{SYSTEM} is absent: install the "
                    "Debian package dataset-fashion-mnist to test on the real data")
def test_notes_load_data_fashion_mnist(tmp_path, monkeypatch):
    # The notes' load_data_fashion_mnist(32, resize=64), with its four workers.
    monkeypatch.delenv("EMBER_DATA", raising=False)
    trans = transforms.Compose([transforms.Resize(64), transforms.ToTensor()])
    mnist_test = FashionMNIST(root=tmp_path, train=False, transform=trans, download=True)
    loader = DataLoader(mnist_test, 32, shuffle=True, num_workers=4)
    assert len(loader) == 313
    X, y = next(iter(loader))
    assert X.shape == (32, 1, 64, 64) and X.dtype == ember.float32
    assert y.shape == (32,) and y.dtype == ember.int64
    assert 0.0 <= float(X.min()) and float(X.max()) <= 1.0
