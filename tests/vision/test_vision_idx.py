"""IDX parsing on small files the tests write themselves."""
import gzip

import numpy as np
import pytest

from ember.vision.datasets import IDXError, read_idx, write_idx


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32,
                                   np.float64])
def test_roundtrip(tmp_path, compress, dtype):
    a = (np.arange(2 * 3 * 5) - 7).astype(dtype).reshape(2, 3, 5)
    path = tmp_path / ("a.idx" + (".gz" if compress else ""))
    write_idx(path, a)
    raw = path.read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == compress
    b = read_idx(path)
    assert b.dtype == np.dtype(dtype).newbyteorder("=") and b.shape == (2, 3, 5)
    np.testing.assert_array_equal(a, b)


def test_hand_written_header(tmp_path):
    # 00 00 08 01 | 00 00 00 03 | 07 08 09: three uint8 labels, exactly as MNIST stores them
    path = tmp_path / "labels"
    path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]))
    np.testing.assert_array_equal(read_idx(path), [7, 8, 9])
    # big-endian int32 data is converted to native order
    path.write_bytes(bytes([0, 0, 0x0C, 1, 0, 0, 0, 2]) + np.array([1, -2], ">i4").tobytes())
    np.testing.assert_array_equal(read_idx(path), [1, -2])


def test_bad_magic(tmp_path):
    path = tmp_path / "bad"
    path.write_bytes(bytes([1, 2, 8, 1, 0, 0, 0, 1, 5]))
    with pytest.raises(IDXError, match="bad magic number.*") as e:
        read_idx(path)
    assert str(path) in str(e.value)
    path.write_bytes(bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 5]))  # unknown type code
    with pytest.raises(IDXError, match="bad magic"):
        read_idx(path)


@pytest.mark.parametrize("compress", [False, True])
def test_truncated_data(tmp_path, compress):
    full = tmp_path / "full"
    write_idx(full, np.zeros((10, 4, 4), np.uint8), compress=False)
    data = full.read_bytes()[:-5]
    path = tmp_path / ("cut.gz" if compress else "cut")
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(IDXError, match="truncated IDX file") as e:
        read_idx(path)
    assert str(path) in str(e.value)


def test_truncated_header_and_trailing_bytes(tmp_path):
    path = tmp_path / "short"
    path.write_bytes(bytes([0, 0, 8, 3, 0, 0, 0, 1]))
    with pytest.raises(IDXError, match="truncated IDX header"):
        read_idx(path)
    path.write_bytes(bytes([0, 0, 8]))
    with pytest.raises(IDXError, match="not an IDX file"):
        read_idx(path)
    path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 1, 5, 6]))
    with pytest.raises(IDXError, match="1 unexpected bytes"):
        read_idx(path)


def test_truncated_or_corrupt_gzip_names_the_file(tmp_path):
    src = tmp_path / "ok.gz"
    write_idx(src, np.arange(1000, dtype=np.uint8).reshape(10, 100))
    raw = src.read_bytes()
    cut = tmp_path / "cut.gz"
    cut.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(IDXError, match="corrupt or truncated gzip") as e:
        read_idx(cut)
    assert str(cut) in str(e.value)
    flipped = bytearray(raw)
    flipped[-6] ^= 0xFF  # inside the CRC32 trailer
    bad = tmp_path / "bad.gz"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(IDXError, match=str(bad)):
        read_idx(bad)


def test_result_is_read_only(tmp_path):
    path = tmp_path / "a"
    write_idx(path, np.zeros((2, 2), np.uint8))
    with pytest.raises(ValueError):
        read_idx(path)[0, 0] = 1
