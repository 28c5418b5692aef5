"""MNIST and Fashion-MNIST, read from the IDX files torchvision uses.

Where the files are looked for, in order (the first directory holding both files of the
split wins; each file may be gzip-compressed ``NAME.gz`` or unpacked ``NAME``):

1. ``<root>/<ClassName>/raw`` — torchvision's layout, so a ``../data`` that torchvision
   already filled is used as it is;
2. ``$EMBER_DATA/<ClassName>/raw`` — when the environment variable ``EMBER_DATA`` is set:
   one shared data directory for every project on the machine;
3. the system directory of the Debian package (``/usr/share/datasets/fashion-mnist`` from
   ``apt-get install dataset-fashion-mnist``);
4. only then, with ``download=True``, the official mirrors: each file is checked against
   the MD5 checksum torchvision publishes and written atomically (temporary file, then
   ``os.replace``) into ``<root>/<ClassName>/raw``.

Images without a transform are ``uint8`` H x W ember tensors (torchvision gives PIL
images; ember has no PIL dependency). ``transforms.ToTensor()`` turns them into float32
1 x H x W tensors in [0, 1], exactly as it does PIL images in torchvision. ``.data``
(uint8 N x H x W) and ``.targets`` (int64 N) are read-only tensors: the decoded files are
cached and shared by every dataset object made from them.
"""
import os
import threading
import urllib.error

import numpy as np

import ember
from ...utils._download import fetch_verified
from ...utils.data.dataset import Dataset
from .. import transforms as _transforms
from .idx import IDXError, read_idx

_SPLITS = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
           False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}

# Decoded arrays by (path, size, mtime): the train and test sets are typically built
# several times per session (one loader per experiment); decompressing 47 MB each time
# is the slow part. The arrays are read-only, so sharing them is safe.
_cache = {}
_cache_lock = threading.Lock()


def _load(path):
    st = os.stat(path)
    key = (os.path.realpath(path), st.st_size, st.st_mtime_ns)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    arr = read_idx(path)
    with _cache_lock:
        if len(_cache) >= 8:
            _cache.pop(next(iter(_cache)))
        _cache[key] = arr
    return arr


class MNIST(Dataset):
    """The MNIST handwritten digits (torchvision's interface; see the module docstring)."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    system_dirs = ()  # Debian packages no MNIST; only Fashion-MNIST has a system copy
    debian_package = None

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        self.root = os.path.expanduser(os.fspath(root)) if root is not None else None
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        images_file, labels_file = self._find_or_download(download)
        images, labels = _load(images_file), _load(labels_file)
        if images.ndim != 3 or images.dtype != np.uint8:
            raise IDXError(f"{images_file}: expected uint8 images of shape (N, H, W), got "
                           f"{images.dtype} of shape {images.shape}")
        if labels.ndim != 1 or len(labels) != len(images):
            raise IDXError(f"{labels_file}: expected {len(images)} labels to match "
                           f"{images_file}, got shape {labels.shape}")
        self._images = images
        self._labels = labels.astype(np.int64)
        self._labels.flags.writeable = False
        self.data = ember.Tensor._wrap(self._images)
        self.targets = ember.Tensor._wrap(self._labels)

    @property
    def raw_folder(self):
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _search_dirs(self):
        """The directories looked in, in order, each with a description for errors."""
        name = type(self).__name__
        dirs = []
        if self.root is not None:
            dirs.append((self.raw_folder, "root"))
        env = os.environ.get("EMBER_DATA")
        if env:
            dirs.append((os.path.join(os.path.expanduser(env), name, "raw"), "$EMBER_DATA"))
        dirs.extend((d, "system") for d in self.system_dirs)
        return dirs

    @staticmethod
    def _in_dir(folder, name):
        for candidate in (os.path.join(folder, name), os.path.join(folder, name + ".gz")):
            if os.path.isfile(candidate):
                return candidate
        return None

    def _find_or_download(self, download):
        names = _SPLITS[bool(self.train)]
        dirs = self._search_dirs()
        for folder, _ in dirs:
            found = [self._in_dir(folder, n) for n in names]
            if all(found):
                return found
        failures = []
        if download and self.root is not None:
            os.makedirs(self.raw_folder, exist_ok=True)
            md5s = dict(self.resources)
            for n in names:
                dest = os.path.join(self.raw_folder, n + ".gz")
                for mirror in self.mirrors:
                    try:
                        fetch_verified(mirror + n + ".gz", dest, "md5", md5s[n + ".gz"])
                        break
                    except (urllib.error.URLError, OSError, RuntimeError) as e:
                        failures.append(f"{mirror}{n}.gz: {e}")
            found = [self._in_dir(self.raw_folder, n) for n in names]
            if all(found):
                return found
        raise RuntimeError(self._not_found_message(names, dirs, download, failures))

    def _not_found_message(self, names, dirs, download, failures):
        name = type(self).__name__
        lines = [f"Dataset {name} not found: looked for {names[0]}[.gz] and "
                 f"{names[1]}[.gz] in"]
        lines += [f"  {d}" for d, _ in dirs]
        if not os.environ.get("EMBER_DATA"):
            lines.append(f"  ($EMBER_DATA/{name}/raw: EMBER_DATA is not set)")
        if failures:
            lines.append("and the download failed:")
            lines += [f"  {f}" for f in failures]
        elif not download:
            lines.append("and download=False.")
        if self.debian_package:
            lines.append(f"Install the files offline with `apt-get install "
                         f"{self.debian_package}`, or pass download=True with network access.")
        else:
            lines.append("Pass download=True with network access, or put the files in one "
                         "of these directories.")
        return "\n".join(lines)

    def __len__(self):
        return len(self._images)

    def __getitem__(self, index):
        img = ember.Tensor._wrap(self._images[index].copy())
        target = int(self._labels[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def get_batch(self, indices):
        """``default_collate([self[i] for i in indices])``, computed on whole arrays.

        One fancy-indexing gathers the images and labels; the transform runs once on the
        batch when every step of it can (see ``transforms``). Returns None when the
        transforms only work per sample, and the caller falls back to the sample loop.
        """
        transform = _transforms.batched(self.transform)
        target_transform = _transforms.batched(self.target_transform)
        if transform is None or target_transform is None:
            return None
        idx = np.asarray(indices, dtype=np.int64)
        images = transform(ember.Tensor._wrap(self._images[idx]))
        targets = target_transform(ember.Tensor._wrap(self._labels[idx]))
        return [images, targets]

    def __repr__(self):
        lines = [f"Dataset {type(self).__name__}",
                 f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root}",
                 f"    Split: {'Train' if self.train else 'Test'}"]
        if self.transform is not None:
            lines.append("    Transform: " + repr(self.transform).replace("\n", "\n    "))
        if self.target_transform is not None:
            lines.append("    Target transform: " + repr(self.target_transform))
        return "\n".join(lines)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28 x 28 grayscale clothing images in 10 classes."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
    system_dirs = ("/usr/share/datasets/fashion-mnist",)
    debian_package = "dataset-fashion-mnist"
