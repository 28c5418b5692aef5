"""One pass over the 60,000 Fashion-MNIST training images: ember vs PyTorch.

    python benchmarks/bench_data.py [--limit N] [--workers 4]

Pipelines (the notes' ``load_data_fashion_mnist``): ``ToTensor()`` at batch size 256,
and ``Resize(96)`` + ``ToTensor()``, shuffled, ``num_workers=4`` as in the notes (and
ember also without workers). PyTorch runs ``torchvision.datasets.FashionMNIST`` when
torchvision is installed; otherwise an equivalent ``torch.utils.data.Dataset`` doing
torchvision's per-sample work on tensors (uint8 → float / 255; resize with
``F.interpolate(bilinear, antialias=True)`` rounded back to uint8) — which is then said in
the output. The floor is converting the whole uint8 array to float32 once with NumPy.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import ember  # noqa: E402
from ember.utils.data import DataLoader  # noqa: E402
from ember.vision import datasets, transforms  # noqa: E402

SYSTEM = "/usr/share/datasets/fashion-mnist"
BATCH = 256


def one_pass(loader):
    start = time.perf_counter()
    n = 0
    for X, y in loader:
        n += len(y)
    return time.perf_counter() - start, n, tuple(X.shape)


def best_of(fn, repeat):
    return min(fn() for _ in range(repeat))


def floor_time(images, repeat=3):
    def run():
        start = time.perf_counter()
        out = images.astype(np.float32)
        out /= np.float32(255)
        return time.perf_counter() - start
    return best_of(run, repeat)


def torch_loader(torch, root, images, labels, resize, workers):
    try:
        import torchvision
        from torchvision import transforms as tvt
        trans = [tvt.ToTensor()]
        if resize:
            trans.insert(0, tvt.Resize(resize))
        ds = torchvision.datasets.FashionMNIST(root=root, train=True, download=False,
                                               transform=tvt.Compose(trans))
        what = "torchvision FashionMNIST + torch DataLoader"
    except (ImportError, RuntimeError):
        F = torch.nn.functional

        class TorchFashion(torch.utils.data.Dataset):
            """What torchvision does per sample, on tensors (no PIL)."""

            def __init__(self):
                self.data = torch.from_numpy(images.copy())
                self.targets = torch.from_numpy(labels.astype(np.int64))

            def __len__(self):
                return len(self.data)

            def __getitem__(self, i):
                img = self.data[i][None]                       # uint8 1 x 28 x 28
                if resize:
                    img = F.interpolate(img[None].float(), size=(resize, resize),
                                        mode="bilinear", antialias=True)[0]
                    img = img.round().clamp(0, 255).to(torch.uint8)
                return img.float().div(255), int(self.targets[i])

        ds = TorchFashion()
        what = ("torch Dataset doing torchvision's per-sample conversion + torch DataLoader "
                "(torchvision is not installed)")
    loader = torch.utils.data.DataLoader(ds, BATCH, shuffle=True, num_workers=workers)
    return loader, what


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=60000, help="images per pass")
    parser.add_argument("--workers", type=int, default=4, help="num_workers (the notes': 4)")
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", "data"))
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        torch = None

    base = datasets.FashionMNIST(args.root, train=True)
    if len(base) < args.limit:
        sys.exit(f"only {len(base)} images")
    images, labels = base.data.numpy()[:args.limit], base.targets.numpy()[:args.limit]
    floor = floor_time(images)
    print(f"Fashion-MNIST training images: {len(images)}, batch size {BATCH}")
    print(f"floor (NumPy: whole uint8 array → float32 / 255 once): {floor * 1e3:8.1f} ms")

    def limited(ds):
        return ember.utils.data.Subset(ds, range(args.limit)) if args.limit < len(ds) else ds

    for resize in (None, 96):
        trans = [transforms.ToTensor()]
        if resize:
            trans.insert(0, transforms.Resize(resize))
        ds = limited(datasets.FashionMNIST(args.root, train=True,
                                           transform=transforms.Compose(trans)))
        label = "ToTensor" if resize is None else f"Resize({resize}) + ToTensor"
        print(f"\n== {label} ==")
        results = {}
        for workers in (0, args.workers):
            loader = DataLoader(ds, BATCH, shuffle=True, num_workers=workers)
            t, n, shape = best_of(lambda: one_pass(loader), 2) if workers == 0 else \
                one_pass(loader)
            assert n == args.limit
            results[workers] = t
            print(f"ember  num_workers={workers}: {t * 1e3:8.1f} ms   last batch {shape}")
        if torch is not None:
            loader, what = torch_loader(torch, args.root, images, labels, resize,
                                        args.workers)
            t_torch, n, shape = one_pass(loader)
            print(f"torch  num_workers={args.workers}: {t_torch * 1e3:8.1f} ms   last batch "
                  f"{shape}\n       ({what})")
        best = min(results.values())
        print(f"ratio ember (best) / floor:           {best / floor:6.2f}x")
        if torch is not None:
            print(f"speed-up over torch (num_workers={args.workers}):  "
                  f"{t_torch / best:6.1f}x (ember num_workers=0), "
                  f"{t_torch / results[args.workers]:6.1f}x (ember num_workers={args.workers})")


if __name__ == "__main__":
    main()
