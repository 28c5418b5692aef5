"""Data helpers of the book: synthetic regression data, array loaders, Fashion-MNIST, and
the book's data hub (the airfoil self-noise data, The Time Machine, the English-French
pairs) with its downloader."""
import os
import tarfile
import urllib.error
import warnings
import zipfile

import numpy as np

import ember
from ember.utils import data as _data
from ember.utils._download import fetch_verified, file_digest
from ember import vision as _vision

DATA_URL = "http://d2l-data.s3-accelerate.amazonaws.com/"

# name -> (url, SHA-1 of the file): the book's data hub. Of these, the files in
# ``BUNDLED_DIR`` ship inside the package (their licences allow it: the airfoil data is
# CC BY 4.0, The Time Machine public domain) and are verified by the same SHA-1. The
# English-French pairs (Tatoeba via manythings.org, CC BY 2.0) are downloaded.
DATA_HUB = {
    "airfoil": (DATA_URL + "airfoil_self_noise.dat",
                "76e5be1548fd8222e5074cf0faae75edff8cf93f"),
    "time_machine": (DATA_URL + "timemachine.txt",
                     "090b5e7e70c295757f55df93cb0a180b9691891a"),
    "fra-eng": (DATA_URL + "fra-eng.zip", "94646ad1522d915e7b0f9296181140edcf86a4f5"),
}
# Where the book keeps its data: ``../data``, next to the folder of its notebooks.
BOOK_DATA_DIR = os.path.join("..", "data")
BUNDLED_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")


def synthetic_data(w, b, num_examples):
    """Generate ``y = Xw + b + noise`` (noise with standard deviation 0.01); ``y`` is a
    column ``(num_examples, 1)``."""
    X = ember.normal(0, 1, (num_examples, len(w)))
    y = ember.matmul(X, w) + b
    y += ember.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))


def load_array(data_arrays, batch_size, is_train=True):
    """A ``DataLoader`` over the rows of the given tensors (shuffled when ``is_train``)."""
    dataset = _data.TensorDataset(*data_arrays)
    return _data.DataLoader(dataset, batch_size, shuffle=is_train)


_TEXT_LABELS = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
                "sneaker", "bag", "ankle boot"]


def get_fashion_mnist_labels(labels):
    """The text labels of Fashion-MNIST class indices (ints or a tensor of them)."""
    return [_TEXT_LABELS[int(i)] for i in labels]


def get_dataloader_workers():
    """The number of worker processes the book's loaders use.

    The book asks for 4. ember's ``DataLoader`` gathers and transforms whole batches of
    Fashion-MNIST with one NumPy operation in the main process (a full epoch in well under a
    second), so worker processes would only add the cost of shipping batches between
    processes: 0 is faster. ``num_workers`` still accepts any value.
    """
    return 0


def user_cache_dir():
    """ember's per-user data cache: ``$XDG_CACHE_HOME/ember`` or ``~/.cache/ember``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ember")


def load_data_fashion_mnist(batch_size, resize=None, root=None):
    """Fashion-MNIST as ``(train_iter, test_iter)``: batches of float32 images
    ``(batch, 1, H, W)`` in [0, 1] (``H = W = resize`` when given, else 28) and int64 labels.

    The files are found as ``ember.vision.datasets.FashionMNIST`` finds them (``root``, then
    ``$EMBER_DATA``, then the Debian package's ``/usr/share/datasets/fashion-mnist``), and
    downloaded into ``root`` (default: the user cache) only when none has them.
    """
    transforms = _vision.transforms
    trans = [transforms.ToTensor()]
    if resize:
        trans.insert(0, transforms.Resize(resize))
    trans = transforms.Compose(trans)
    root = user_cache_dir() if root is None else root
    mnist_train = _vision.datasets.FashionMNIST(root=root, train=True, transform=trans,
                                                download=True)
    mnist_test = _vision.datasets.FashionMNIST(root=root, train=False, transform=trans,
                                               download=True)
    return (_data.DataLoader(mnist_train, batch_size, shuffle=True,
                             num_workers=get_dataloader_workers()),
            _data.DataLoader(mnist_test, batch_size, shuffle=False,
                             num_workers=get_dataloader_workers()))


def _search_dirs(cache_dir, data_dir):
    # data_dir, the book's place (cache_dir when given, else ../data), $EMBER_DATA, the
    # user cache, the bundled copies: in this order.
    book_dir = BOOK_DATA_DIR if cache_dir is None else os.fspath(cache_dir)
    dirs = [data_dir, book_dir, os.environ.get("EMBER_DATA"), user_cache_dir(), BUNDLED_DIR]
    return [os.path.expanduser(os.fspath(d)) for d in dirs if d]


def _hub_entry(name):
    if name not in DATA_HUB:
        raise KeyError(f"{name!r} is not in DATA_HUB (known: {', '.join(sorted(DATA_HUB))})")
    url, sha1 = DATA_HUB[name]
    return url, sha1, url.rsplit("/", 1)[-1]


def find_data(name, cache_dir=None, data_dir=None, looked=None):
    """The path of a local copy of the data hub's file ``name`` whose SHA-1 matches, or
    ``None``: searched as ``download`` searches, without downloading. A copy whose
    checksum does not match is passed over, with a warning. ``looked``, a list, receives
    the paths tried."""
    url, sha1, fname = _hub_entry(name)
    looked = [] if looked is None else looked
    for d in _search_dirs(cache_dir, data_dir):
        for path in (os.path.join(d, fname), os.path.join(d, name, fname)):
            if path in looked:
                continue
            looked.append(path)
            if os.path.isfile(path):
                if file_digest(path, "sha1") == sha1:
                    return path
                warnings.warn(f"{path} does not match the SHA-1 of {name!r} "
                              f"({sha1}); not using it")
    return None


def download(name, cache_dir=None, data_dir=None):
    """The path of the data hub's file ``name`` (a key of ``DATA_HUB``), verified by SHA-1.

    Looked for, in order, in ``data_dir``, where the book keeps it (``cache_dir`` when
    given, else the book's ``../data``), in ``$EMBER_DATA``, in ember's user cache
    (``~/.cache/ember``), and in the copies bundled with ember — in each both as
    ``DIR/FILE`` and ``DIR/NAME/FILE``; only then downloaded from the hub into ``cache_dir``
    (default: the user cache), atomically. A file whose checksum does not match is passed
    over, with a warning.
    """
    looked = []
    path = find_data(name, cache_dir, data_dir, looked)
    if path is not None:
        return path
    url, sha1, fname = _hub_entry(name)
    cache = user_cache_dir() if cache_dir is None else os.fspath(cache_dir)
    try:
        return fetch_verified(url, os.path.join(cache, fname), "sha1", sha1)
    except (urllib.error.URLError, OSError, RuntimeError) as e:
        raise RuntimeError(
            f"{fname} ({name!r}) not found; looked in:\n  " + "\n  ".join(looked)
            + f"\nand downloading {url} failed: {e}\nPut the file in one of these places, "
            f"pass data_dir=, or set EMBER_DATA to its folder.") from e


def download_extract(name, folder=None, cache_dir=None, data_dir=None):
    """Find (or download, see ``download``) the zip or tar archive ``name`` and extract it
    next to itself; returns the folder ``folder`` inside that place when given, else the
    archive's path without its extension (``../data/fra-eng`` for ``fra-eng.zip``).

    Where the archive's folder is read-only, it is extracted into the cache directory
    instead. Members that would land outside the extraction folder are refused.
    """
    fname = download(name, cache_dir=cache_dir, data_dir=data_dir)
    base_dir = os.path.dirname(fname)
    stem, ext = os.path.splitext(os.path.basename(fname))
    if ext == ".gz" and stem.endswith(".tar"):
        stem = stem[:-4]
    if not os.access(base_dir, os.W_OK):
        base_dir = user_cache_dir() if cache_dir is None else os.fspath(cache_dir)
        os.makedirs(base_dir, exist_ok=True)
    if ext == ".zip":
        with zipfile.ZipFile(fname, "r") as fp:
            fp.extractall(base_dir)  # zipfile drops ".." and absolute parts of names
    elif ext in (".tar", ".gz", ".tgz"):
        with tarfile.open(fname, "r") as fp:
            fp.extractall(base_dir, filter="data")
    else:
        raise ValueError(f"{fname}: only zip and tar archives can be extracted")
    return os.path.join(base_dir, folder) if folder else os.path.join(base_dir, stem)


def _airfoil(data_dir=None):
    """The airfoil self-noise data (1503 x 6), each column standardized to mean 0 and
    standard deviation 1 over all rows, as float32."""
    raw = np.genfromtxt(download("airfoil", data_dir=data_dir), dtype=np.float64,
                        delimiter="\t")
    return ((raw - raw.mean(axis=0)) / raw.std(axis=0)).astype(np.float32)


def get_data_ch11(batch_size=10, n=1500, data_dir=None):
    """The airfoil data as ``(data_iter, feature_dim)``: a shuffled loader over the first
    ``n`` rows' 5 standardized features and standardized label (newer edition, ch. 11)."""
    data = ember.from_numpy(_airfoil(data_dir))
    data_iter = load_array((data[:n, :-1], data[:n, -1]), batch_size, is_train=True)
    return data_iter, data.shape[1] - 1


def get_data_ch7(data_dir=None):
    """The airfoil data as ``(features, labels)``: the first 1500 rows' standardized
    features ``(1500, 5)`` and labels ``(1500,)``, float32 (older edition, ch. 7)."""
    data = _airfoil(data_dir)
    return ember.tensor(data[:1500, :-1]), ember.tensor(data[:1500, -1])
