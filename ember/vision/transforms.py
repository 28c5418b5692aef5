"""Image transforms with torchvision's interface, on ember tensors (and NumPy arrays).

Tensor images are (..., C, H, W): every transform below works on one sample (C, H, W)
and, through the same call, on a batch (N, C, H, W); as in torchvision, a random
transform called on a batch draws once and treats every image alike. A dataset's image
without a transform (ember's stand-in for a PIL image) is a uint8 H x W or H x W x C
tensor; ``ToTensor`` makes it float32 C x H x W in [0, 1], and ``Resize``, the crops,
``Pad`` and the flip also accept it directly, keeping uint8 (rounded, like torchvision's
uint8 tensor path).

Each transform also has ``batch(x)``: apply it to ``x``, a stack (along a new first axis)
of the samples it would get one at a time, with the same result as stacking the
per-sample outputs — random transforms draw independently for every sample. Datasets use
it (through ``batched``) to transform a whole batch at once in the DataLoader's fast path.
"""
import enum
import numbers

import numpy as np

import ember
from ._resize import resize_array, weight_matrix


class InterpolationMode(enum.Enum):
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"


def _is_tensor(x):
    return isinstance(x, ember.Tensor)


def _array(x, what="img"):
    if _is_tensor(x):
        return x._data
    if isinstance(x, np.ndarray):
        return x
    raise TypeError(f"{what} should be Tensor or ndarray. Got {type(x)}")


def _wrap(arr):
    return ember.Tensor._wrap(np.ascontiguousarray(arr))


def _pair(size, name="size"):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    size = tuple(int(s) for s in size)
    if len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(f"Please provide only two dimensions (h, w) for {name}.")
    return size


def batched(transform):
    """A function applying ``transform`` to a stack of samples at once, or None if it can't.

    ``None`` (no transform) batches as the identity; a transform from this module
    batches through its ``batch`` method; anything else (a user's function, ``Lambda``)
    only works per sample.
    """
    if transform is None:
        return lambda x: x
    if getattr(transform, "supports_batch", False):
        return transform.batch
    return None


class Compose:
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    @property
    def supports_batch(self):
        return all(batched(t) is not None for t in self.transforms)

    def batch(self, x):
        for t in self.transforms:
            x = t.batch(x)
        return x

    def __repr__(self):
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class ToTensor:
    """uint8 H x W (x C) image → float32 C x H x W in [0, 1]; other dtypes keep their values.

    A 4-D input is taken as a batch N x H x W x C (→ N x C x H x W); a batch of
    single-channel N x H x W images goes through ``batch``.
    """

    supports_batch = True

    def __call__(self, pic):
        arr = _array(pic, "pic")
        if arr.ndim == 2:
            arr = arr[None]
        elif arr.ndim == 3:
            arr = arr.transpose(2, 0, 1)
        elif arr.ndim == 4:
            arr = arr.transpose(0, 3, 1, 2)
        else:
            raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
        return self._convert(arr)

    def batch(self, x):
        arr = _array(x, "pic")
        if arr.ndim == 3:
            arr = arr[:, None]
        elif arr.ndim == 4:
            arr = arr.transpose(0, 3, 1, 2)
        else:
            raise ValueError(f"a batch of pics should be 3/4 dimensional. Got {arr.ndim} "
                             "dimensions.")
        return self._convert(arr)

    @staticmethod
    def _convert(arr):
        if arr.dtype == np.uint8:
            # One pass, straight into a C-contiguous float32 result; a true division by
            # 255 (not a multiplication by 1/255) gives torchvision's exact values.
            out = np.empty(arr.shape, dtype=np.float32)
            np.divide(arr, np.float32(255), out=out, dtype=np.float32)
            return ember.Tensor._wrap(out)
        return _wrap(arr)

    def __repr__(self):
        return "ToTensor()"


def _resized_size(h, w, size, max_size):
    if len(size) == 1:  # match the smaller edge, keep the aspect ratio (torchvision's rule)
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = size[0], int(size[0] * long / short)
        if max_size is not None:
            if max_size <= size[0]:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the "
                                 f"requested size for the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)
    if max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the "
                         "smaller edge, i.e. size should be an int or a sequence of length 1")
    return size[0], size[1]


class Resize:
    """Resize the last two axes to ``size`` (an int matches the smaller edge).

    Bilinear by default, antialiased when shrinking (torchvision's default,
    ``antialias=True``); the values match ``torch.nn.functional.interpolate`` with
    ``align_corners=False``. Implemented as two products with cached weight matrices, so
    a batch costs two matrix multiplications.
    """

    supports_batch = True

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
                 antialias=True):
        if isinstance(size, numbers.Number):
            size = (int(size),)
        else:
            size = tuple(int(s) for s in size)
            if len(size) not in (1, 2):
                raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size = size
        self.interpolation = InterpolationMode(interpolation)
        self.max_size = max_size
        self.antialias = antialias

    def __call__(self, img):
        arr = _array(img)
        if arr.ndim < 2:
            raise ValueError(f"Expected an image of at least 2 dimensions (..., H, W), got "
                             f"shape {arr.shape}")
        h, w = arr.shape[-2:]
        size = _resized_size(h, w, self.size, self.max_size)
        if size == (h, w):
            return img
        mode = self.interpolation.value
        antialias = bool(self.antialias) and mode == "bilinear"
        if _is_tensor(img) and img.requires_grad:
            return self._differentiable(img, size, mode, antialias)
        if arr.dtype.kind == "f":
            return _wrap(resize_array(arr, size, mode, antialias))
        out = resize_array(arr.astype(np.float32), size, mode, antialias)
        # Round half to even, as torch.round does, by the float32 trick of adding and
        # subtracting 1.5 * 2**23 (exact for |x| < 2**22, and much faster than np.rint).
        magic = np.float32(12582912.0)
        out += magic
        out -= magic
        if arr.dtype == np.uint8:
            np.clip(out, 0, 255, out=out)
        return _wrap(out.astype(arr.dtype))

    batch = __call__  # works on the last two axes, whatever the leading ones

    @staticmethod
    def _differentiable(img, size, mode, antialias):
        npdt = img.dtype.numpy_dtype
        H, W = img.shape[-2:]
        wh = ember.Tensor._wrap(weight_matrix(H, size[0], mode, antialias, npdt))
        ww = ember.Tensor._wrap(weight_matrix(W, size[1], mode, antialias, npdt))
        return ember.matmul(ember.matmul(wh, img), ww.transpose(0, 1))

    def __repr__(self):
        size = self.size[0] if len(self.size) == 1 else list(self.size)
        return (f"Resize(size={size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


class Normalize:
    """``(x - mean[c]) / std[c]`` per channel of a float (..., C, H, W) tensor."""

    supports_batch = True

    def __init__(self, mean, std, inplace=False):
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def _stats(self, dtype):
        mean = np.asarray(self.mean, dtype=dtype).reshape(-1, 1, 1)
        std = np.asarray(self.std, dtype=dtype).reshape(-1, 1, 1)
        if (std == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {dtype}, leading to "
                             "division by zero.")
        return mean, std

    def __call__(self, tensor):
        arr = _array(tensor, "tensor")
        if arr.dtype.kind != "f":
            dt = tensor.dtype if _is_tensor(tensor) else arr.dtype
            raise TypeError(f"Input tensor should be a float tensor. Got {dt}.")
        if arr.ndim < 3:
            raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). "
                             f"Got tensor.size() = {tuple(arr.shape)}")
        mean, std = self._stats(arr.dtype)
        if _is_tensor(tensor) and tensor.requires_grad:
            return (tensor - ember.Tensor._wrap(mean)) / ember.Tensor._wrap(std)
        if self.inplace and _is_tensor(tensor):
            np.subtract(arr, mean, out=arr)
            np.divide(arr, std, out=arr)
            tensor._bump_version()
            return tensor
        return ember.Tensor._wrap((arr - mean) / std)

    batch = __call__

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class Lambda:
    """Apply a user function (per sample only: it may not know about batches)."""

    supports_batch = False

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return "Lambda()"


class RandomHorizontalFlip:
    """Mirror left-right with probability ``p`` (draws from ember's global generator)."""

    supports_batch = True

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        if ember.random.numpy_generator().random() < self.p:
            return _wrap(_array(img)[..., ::-1])
        return img

    def batch(self, x):
        arr = _array(x)
        flip = ember.random.numpy_generator().random(len(arr)) < self.p
        out = arr.copy()
        out[flip] = arr[flip][..., ::-1]
        return ember.Tensor._wrap(out)

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


def _pad_array(arr, left, top, right, bottom, fill=0, padding_mode="constant"):
    modes = {"constant": "constant", "edge": "edge", "reflect": "reflect",
             "symmetric": "symmetric"}
    if padding_mode not in modes:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    widths = [(0, 0)] * (arr.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        return np.pad(arr, widths, mode="constant", constant_values=fill)
    return np.pad(arr, widths, mode=modes[padding_mode])


def _padding_ltrb(padding):
    if isinstance(padding, numbers.Number):
        p = int(padding)
        return p, p, p, p
    padding = [int(p) for p in padding]
    if len(padding) == 1:
        return padding * 4
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    if len(padding) == 4:
        return tuple(padding)
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a "
                     f"{len(padding)} element tuple")


class Pad:
    """Pad the last two axes: an int (all sides), (left/right, top/bottom) or (l, t, r, b)."""

    supports_batch = True

    def __init__(self, padding, fill=0, padding_mode="constant"):
        self.padding = padding
        self.ltrb = _padding_ltrb(padding)
        self.fill = fill
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or "
                             "symmetric")
        self.padding_mode = padding_mode

    def __call__(self, img):
        return _wrap(_pad_array(_array(img), *self.ltrb, self.fill, self.padding_mode))

    batch = __call__

    def __repr__(self):
        return (f"Pad(padding={self.padding}, fill={self.fill}, "
                f"padding_mode={self.padding_mode})")


class CenterCrop:
    """Crop the centre ``size``; an image smaller than that is zero-padded first."""

    supports_batch = True

    def __init__(self, size):
        self.size = _pair(size)

    def __call__(self, img):
        arr = _array(img)
        th, tw = self.size
        h, w = arr.shape[-2:]
        if th > h or tw > w:
            arr = _pad_array(arr, (tw - w) // 2 if tw > w else 0, (th - h) // 2 if th > h else 0,
                             (tw - w + 1) // 2 if tw > w else 0,
                             (th - h + 1) // 2 if th > h else 0)
            h, w = arr.shape[-2:]
            if (h, w) == (th, tw):
                return _wrap(arr)
        top, left = int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))
        return _wrap(arr[..., top:top + th, left:left + tw])

    batch = __call__

    def __repr__(self):
        return f"CenterCrop(size={self.size})"


class RandomCrop:
    """Crop a random ``size`` window, after optional padding (torchvision's arguments)."""

    supports_batch = True

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0,
                 padding_mode="constant"):
        self.size = _pair(size)
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    def _padded(self, arr):
        if self.padding is not None:
            arr = _pad_array(arr, *_padding_ltrb(self.padding), self.fill, self.padding_mode)
        th, tw = self.size
        h, w = arr.shape[-2:]
        if self.pad_if_needed and w < tw:
            arr = _pad_array(arr, tw - w, 0, tw - w, 0, self.fill, self.padding_mode)
        if self.pad_if_needed and h < th:
            arr = _pad_array(arr, 0, th - h, 0, th - h, self.fill, self.padding_mode)
        h, w = arr.shape[-2:]
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image "
                             f"size {(h, w)}")
        return arr

    def __call__(self, img):
        arr = self._padded(_array(img))
        th, tw = self.size
        h, w = arr.shape[-2:]
        gen = ember.random.numpy_generator()
        i, j = int(gen.integers(0, h - th + 1)), int(gen.integers(0, w - tw + 1))
        return _wrap(arr[..., i:i + th, j:j + tw])

    def batch(self, x):
        arr = self._padded(_array(x))
        th, tw = self.size
        n, (h, w) = len(arr), arr.shape[-2:]
        gen = ember.random.numpy_generator()
        i, j = gen.integers(0, h - th + 1, n), gen.integers(0, w - tw + 1, n)
        # One gather over a view of every window: sample k takes window (i[k], j[k]).
        windows = np.lib.stride_tricks.sliding_window_view(arr, (th, tw), axis=(-2, -1))
        index = (np.arange(n),) + (slice(None),) * (arr.ndim - 3) + (i, j)
        return _wrap(windows[index])

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"
