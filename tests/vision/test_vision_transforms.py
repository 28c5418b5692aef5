"""Transforms: values against PyTorch (resize, pad) and by hand; sample vs batch use."""
import numpy as np
import pytest

import ember
from ember.vision import transforms as T
from ember.vision._resize import weight_matrix

SIZES = [((28, 28), (96, 96)), ((28, 28), (14, 14)), ((28, 28), (64, 64)),
         ((96, 64), (28, 30)), ((31, 17), (7, 50)), ((100, 100), (33, 33)),
         ((5, 9), (3, 2)), ((10, 10), (1, 1)), ((12, 12), (12, 12))]


@pytest.mark.parametrize("src,dst", SIZES)
@pytest.mark.parametrize("antialias", [True, False])
def test_resize_matches_torch_interpolate(torch, src, dst, antialias):
    x = np.random.default_rng(0).random((2, 3) + src, dtype=np.float32)
    ref = torch.nn.functional.interpolate(torch.from_numpy(x), size=dst, mode="bilinear",
                                          antialias=antialias, align_corners=False).numpy()
    out = T.Resize(dst, antialias=antialias)(ember.tensor(x))
    assert out.dtype == ember.float32 and tuple(out.shape) == ref.shape
    np.testing.assert_allclose(out.numpy(), ref, rtol=0, atol=1e-5)
    one = T.Resize(dst, antialias=antialias)(ember.tensor(x[1]))  # (C, H, W) sample
    np.testing.assert_allclose(one.numpy(), ref[1], rtol=0, atol=1e-5)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_matches_torch(torch, mode):
    for src, dst in SIZES:
        x = np.random.default_rng(1).random((1, 1) + src, dtype=np.float32)
        ref = torch.nn.functional.interpolate(torch.from_numpy(x), size=dst, mode=mode)
        out = T.Resize(dst, interpolation=mode)(ember.tensor(x))
        np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_resize_uint8_close_to_torch(torch):
    x = np.random.default_rng(2).integers(0, 256, (4, 1, 28, 28), dtype=np.uint8)
    for size in (96, 14):
        ref = torch.nn.functional.interpolate(torch.from_numpy(x), size=(size, size),
                                              mode="bilinear", antialias=True).numpy()
        out = T.Resize(size)(ember.tensor(x)).numpy()
        assert out.dtype == np.uint8
        assert np.abs(out.astype(int) - ref.astype(int)).max() <= 1


def test_weights_by_hand():
    # Doubling without antialias: output pixel i samples (i + 0.5) / 2 - 0.5.
    w = weight_matrix(2, 4, "bilinear", False)
    np.testing.assert_allclose(w, [[1, 0], [0.75, 0.25], [0.25, 0.75], [0, 1]])
    # Halving with antialias: a triangle of half-width 2 centred at input position 1.0
    # (3.0), read at the pixel centres 0.5, 1.5, 2.5 → 0.75, 0.75, 0.25, renormalised.
    w = weight_matrix(4, 2, "bilinear", True)
    np.testing.assert_allclose(w, [[3 / 7, 3 / 7, 1 / 7, 0], [0, 1 / 7, 3 / 7, 3 / 7]],
                               rtol=1e-6)
    # Halving without antialias only looks at the two nearest pixels.
    np.testing.assert_allclose(weight_matrix(4, 2, "bilinear", False),
                               [[0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]])
    assert np.allclose(weight_matrix(28, 96, "bilinear", True).sum(1), 1)


def test_resize_size_rules():
    img = ember.zeros(3, 20, 40)
    assert T.Resize(10)(img).shape == (3, 10, 20)          # smaller edge → 10
    assert T.Resize((7, 9))(img).shape == (3, 7, 9)
    assert T.Resize(10, max_size=15)(img).shape == (3, 7, 15)
    same = ember.rand(1, 5, 5)
    assert T.Resize(5)(same) is same                        # torchvision returns it as is
    with pytest.raises(ValueError, match="max_size"):
        T.Resize((5, 5), max_size=10)(img)
    assert repr(T.Resize(96)) == ("Resize(size=96, interpolation=bilinear, max_size=None, "
                                  "antialias=True)")


def test_resize_is_differentiable():
    x = ember.rand(1, 6, 6, requires_grad=True)
    y = T.Resize(3)(x)
    y.sum().backward()
    # Every output pixel's weights sum to one, so each input gets the column sums.
    w = weight_matrix(6, 3, "bilinear", True)
    np.testing.assert_allclose(x.grad.numpy()[0], np.outer(w.sum(0), w.sum(0)), atol=1e-6)


def test_to_tensor():
    hw = np.arange(12, dtype=np.uint8).reshape(3, 4)
    t = T.ToTensor()(hw)
    assert t.shape == (1, 3, 4) and t.dtype == ember.float32
    np.testing.assert_array_equal(t.numpy()[0], hw.astype(np.float32) / 255)
    hwc = np.random.default_rng(0).integers(0, 256, (3, 4, 2), dtype=np.uint8)
    t = T.ToTensor()(ember.tensor(hwc))
    assert t.shape == (2, 3, 4)
    np.testing.assert_array_equal(t.numpy(), hwc.transpose(2, 0, 1) / np.float32(255))
    f = T.ToTensor()(np.full((2, 2), 7.0, dtype=np.float32))  # non-uint8: values kept
    assert f.dtype == ember.float32 and float(f.max()) == 7.0
    batch = T.ToTensor().batch(np.stack([hw, hw]))
    assert batch.shape == (2, 1, 3, 4)
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional"):
        T.ToTensor()(np.zeros(3, np.uint8))
    with pytest.raises(TypeError, match="should be Tensor or ndarray"):
        T.ToTensor()([[1, 2]])


def test_to_tensor_matches_torch_values(torch):
    img = np.random.default_rng(3).integers(0, 256, (28, 28), dtype=np.uint8)
    ref = torch.from_numpy(img)[None].to(torch.float32).div(255).numpy()
    np.testing.assert_array_equal(T.ToTensor()(img).numpy(), ref)


def test_normalize():
    x = ember.rand(2, 3, 4, 5)
    mean, std = [0.1, 0.2, 0.3], [0.5, 0.25, 2.0]
    out = T.Normalize(mean, std)(x)
    expected = (x.numpy() - np.array(mean, np.float32)[:, None, None]) / \
        np.array(std, np.float32)[:, None, None]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    assert out.dtype == ember.float32
    one = T.Normalize(mean, std)(x[0])
    np.testing.assert_allclose(one.numpy(), expected[0], rtol=1e-6)
    y = x.clone()
    assert T.Normalize(mean, std, inplace=True)(y) is y
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)
    with pytest.raises(TypeError, match="should be a float tensor"):
        T.Normalize([0], [1])(ember.zeros(1, 2, 2, dtype=ember.uint8))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize([0], [0])(ember.zeros(1, 2, 2))
    g = ember.rand(1, 2, 2, requires_grad=True)
    T.Normalize([0.5], [0.5])(g).sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), np.full((1, 2, 2), 2.0))


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_matches_torch(torch, mode):
    x = np.random.default_rng(4).random((2, 3, 5, 6), dtype=np.float32)
    out = T.Pad((1, 2, 3, 4), fill=0, padding_mode=mode)(ember.tensor(x)).numpy()
    tmode = {"constant": "constant", "edge": "replicate", "reflect": "reflect",
             "symmetric": None}[mode]
    if tmode is None:  # torch has no symmetric padding: numpy's is the reference
        ref = np.pad(x, [(0, 0), (0, 0), (2, 4), (1, 3)], mode="symmetric")
    else:
        ref = torch.nn.functional.pad(torch.from_numpy(x), (1, 3, 2, 4), mode=tmode).numpy()
    np.testing.assert_array_equal(out, ref)


def test_pad_forms():
    x = ember.ones(1, 2, 2)
    assert T.Pad(1)(x).shape == (1, 4, 4)
    assert T.Pad((1, 2))(x).shape == (1, 6, 4)
    out = T.Pad(1, fill=5)(x).numpy()
    assert out[0, 0, 0] == 5 and out[0, 1, 1] == 1
    with pytest.raises(ValueError, match="1, 2, or 4 element"):
        T.Pad((1, 2, 3))


def test_center_crop():
    x = ember.arange(2 * 6 * 7, dtype=ember.float32).reshape(2, 6, 7)
    out = T.CenterCrop(3)(x)
    # torchvision's rule: top = round((6 - 3) / 2) = 2, left = round((7 - 3) / 2) = 2
    np.testing.assert_array_equal(out.numpy(), x.numpy()[:, 2:5, 2:5])
    big = T.CenterCrop((8, 9))(x)  # larger than the image: zero-padded around it
    assert big.shape == (2, 8, 9)
    np.testing.assert_array_equal(big.numpy()[:, 1:7, 1:8], x.numpy())
    assert float(big.numpy()[:, 0].sum()) == 0.0
    assert T.CenterCrop(3)(ember.zeros(5, 1, 6, 7)).shape == (5, 1, 3, 3)


def test_random_horizontal_flip():
    x = ember.rand(1, 3, 4)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(x).numpy(),
                                  x.numpy()[..., ::-1])
    assert T.RandomHorizontalFlip(0.0)(x) is x
    batch = ember.rand(400, 1, 2, 3)
    out = T.RandomHorizontalFlip(0.5).batch(batch).numpy()
    flipped = np.all(out == batch.numpy()[..., ::-1], axis=(1, 2, 3))
    kept = np.all(out == batch.numpy(), axis=(1, 2, 3))
    assert np.all(flipped | kept)
    assert 120 < flipped.sum() < 280  # drawn per sample, about half of them
    ember.manual_seed(5)
    a = T.RandomHorizontalFlip().batch(batch).numpy()
    ember.manual_seed(5)
    np.testing.assert_array_equal(a, T.RandomHorizontalFlip().batch(batch).numpy())


def test_random_crop():
    x = ember.arange(36, dtype=ember.float32).reshape(1, 6, 6)
    seen = set()
    for _ in range(50):
        out = T.RandomCrop(4)(x).numpy()[0]
        i, j = divmod(int(out[0, 0]), 6)
        np.testing.assert_array_equal(out, x.numpy()[0, i:i + 4, j:j + 4])
        seen.add((i, j))
    assert len(seen) > 4
    padded = T.RandomCrop(6, padding=2)(x)
    assert padded.shape == (1, 6, 6)
    assert T.RandomCrop(8, pad_if_needed=True)(x).shape == (1, 8, 8)
    with pytest.raises(ValueError, match="Required crop size"):
        T.RandomCrop(7)(x)
    batch = ember.arange(50 * 36, dtype=ember.float32).reshape(50, 1, 6, 6)
    out = T.RandomCrop(3).batch(batch).numpy()
    assert out.shape == (50, 1, 3, 3)
    offsets = set()
    for k in range(50):
        i, j = divmod(int(out[k, 0, 0, 0]) - 36 * k, 6)
        np.testing.assert_array_equal(out[k, 0], batch.numpy()[k, 0, i:i + 3, j:j + 3])
        offsets.add((i, j))
    assert len(offsets) > 4  # independent windows per sample


def test_compose_lambda_and_batched():
    pipeline = T.Compose([T.ToTensor(), T.Lambda(lambda t: t * 2)])
    img = np.full((2, 2), 255, dtype=np.uint8)
    np.testing.assert_array_equal(pipeline(img).numpy(), np.full((1, 2, 2), 2.0))
    assert T.batched(pipeline) is None                 # a Lambda only runs per sample
    assert T.batched(T.Compose([T.Resize(4), T.ToTensor()])) is not None
    assert T.batched(lambda x: x) is None
    assert T.batched(None)(5) == 5
    with pytest.raises(TypeError, match="should be callable"):
        T.Lambda(3)
    assert repr(T.Compose([T.ToTensor()])) == "Compose(\n    ToTensor()\n)"


@pytest.mark.parametrize("transform", [
    T.Compose([T.Resize(40), T.ToTensor(), T.Normalize([0.5], [0.2])]),
    T.Compose([T.Pad(2, padding_mode="reflect"), T.CenterCrop(20), T.ToTensor()]),
    T.Compose([T.Resize((13, 17), antialias=False), T.ToTensor()]),
])
def test_batch_equals_stacked_samples(transform):
    imgs = np.random.default_rng(6).integers(0, 256, (9, 28, 28), dtype=np.uint8)
    per = np.stack([transform(ember.tensor(i)).numpy() for i in imgs])
    np.testing.assert_array_equal(transform.batch(ember.tensor(imgs)).numpy(), per)
