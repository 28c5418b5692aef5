"""Verified, atomic downloads, shared by the data sets (MD5) and the d2l data hub (SHA-1)."""
import hashlib
import os
import tempfile
import urllib.request

from ._progress import progress_bar


def file_digest(path, algorithm):
    """The hex digest of the file at ``path`` (``algorithm``: "md5", "sha1", ...)."""
    h = hashlib.new(algorithm, usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_verified(url, dest, algorithm, digest, timeout=30):
    """Download ``url`` to ``dest`` atomically, verifying its ``algorithm`` digest: the file
    appears whole and correct, or not at all. Returns ``dest``."""
    folder = os.path.dirname(dest) or "."
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-", suffix=os.path.basename(dest))
    try:
        h = hashlib.new(algorithm, usedforsecurity=False)
        with os.fdopen(fd, "wb") as f, urllib.request.urlopen(url, timeout=timeout) as r:
            size = r.headers.get("Content-Length")
            with progress_bar(int(size) if size and size.isdigit() else None,
                              f"downloading {os.path.basename(dest)}", unit="B",
                              unit_scale=True, unit_divisor=1024) as bar:
                for chunk in iter(lambda: r.read(1 << 20), b""):
                    h.update(chunk)
                    f.write(chunk)
                    bar.update(len(chunk))
        if h.hexdigest() != digest:
            raise RuntimeError(f"checksum mismatch for {url}: got {algorithm.upper()} "
                               f"{h.hexdigest()}, expected {digest}")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the data is not
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest
