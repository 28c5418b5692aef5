"""``ember info``: what this installation is and where it finds its data."""
import importlib
import importlib.metadata
import os
import platform
import sys

import numpy as np

import ember

DATASETS = ("FashionMNIST", "MNIST")


def dataset_locations(name, root=None):
    """``(found, [(directory, found_here)], hint)`` for a dataset of ``ember.vision``: the
    directories its loader searches, in order, and whether the training files are in each."""
    from ember.vision import datasets
    cls = getattr(datasets, name)
    probe = cls.__new__(cls)  # only the search logic is needed, not the (large) arrays
    probe.root = os.path.expanduser(root) if root else None
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    rows = []
    for folder, _ in probe._search_dirs():
        rows.append((folder, all(cls._in_dir(folder, n) for n in names)))
    if not os.environ.get("EMBER_DATA"):
        rows.append((f"$EMBER_DATA/{name}/raw (EMBER_DATA is not set)", False))
    if getattr(cls, "debian_package", None):
        hint = f"apt-get install {cls.debian_package}"
    else:
        hint = (f"put the four IDX files in <root>/{name}/raw (or $EMBER_DATA/{name}/raw), "
                "or download them with download=True")
    return any(found for _, found in rows), rows, hint


def backends():
    rows = [("numpy", np.__version__, "cpu")]
    try:
        cupy = importlib.import_module("cupy")
    except Exception as e:  # an installed but broken CuPy (no driver) raises all sorts
        rows.append(("cupy", None, f"not available ({type(e).__name__})"))
    else:
        try:
            count = cupy.cuda.runtime.getDeviceCount()
            rows.append(("cupy", cupy.__version__, f"{count} CUDA device(s)"))
        except Exception as e:
            rows.append(("cupy", cupy.__version__, f"no usable GPU ({type(e).__name__})"))
    return rows


def compiled_kernels():
    """Whether conv/pool/batch-norm/optimizer steps run as numba kernels, and why not."""
    from ember import _numba
    if not _numba._installed:
        return "off (numba not installed: pip install 'ember[fast]')"
    version = importlib.metadata.version("numba")
    if not _numba.enabled():
        return f"off (numba {version} installed, EMBER_NUMBA=0)"
    return f"numba {version}"


def freed_memory():
    """Whether ember told the C allocator to keep freed memory (ember/_allocator.py)."""
    from ember import _allocator
    if _allocator.kept:
        return (f"kept for reuse (glibc malloc: mmap threshold {_allocator.MMAP_THRESHOLD >> 20} "
                f"MB, trim threshold {_allocator.TRIM_THRESHOLD >> 20} MB)")
    if os.environ.get("EMBER_KEEP_FREED_MEMORY", "1") == "0":
        return "allocator left alone (EMBER_KEEP_FREED_MEMORY=0)"
    return "allocator left alone (not glibc)"


def main(args):
    print(f"ember {ember.__version__}  ({os.path.dirname(ember.__file__)})")
    print(f"Python {platform.python_version()} ({sys.executable})")
    print(f"NumPy {np.__version__}")
    import matplotlib
    print(f"plotting: matplotlib {matplotlib.__version__}")
    print(f"threads: {ember.get_num_threads()}")
    print(f"compiled kernels: {compiled_kernels()}")
    print(f"freed memory: {freed_memory()}")
    print("array backends:")
    for name, version, where in backends():
        print(f"  {name:<6} {version or '-':<10} {where}")
    print("datasets" + (f" (root {args.data_root})" if args.data_root else "") + ":")
    for name in DATASETS:
        found, rows, hint = dataset_locations(name, args.data_root)
        print(f"  {name}: {'found' if found else 'not found'}")
        for folder, here in rows:
            print(f"    {'[found]' if here else '[     ]'} {folder}")
        if not found:
            print(f"    to get it: {hint}")
    return 0


def add_parser(sub):
    p = sub.add_parser("info", help="versions, array backends and data locations",
                       description="Show ember's version, the Python and NumPy it runs on, "
                                   "the array backends available, and where each data set "
                                   "would be read from.")
    p.add_argument("--data-root", default=None,
                   help="the root directory a training run would be given")
    p.set_defaults(run=main)
    return p
