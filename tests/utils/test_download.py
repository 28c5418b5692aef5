"""The verified downloader against a real HTTP server on localhost, and the data hub's
search order (explicit folder, $EMBER_DATA, the cache, the copies bundled with ember)."""
import hashlib
import http.server
import os
import shutil
import threading

import pytest

from ember import d2l
from ember.d2l import data as d2l_data
from ember.utils._download import fetch_verified

PAYLOAD = os.urandom(300_000)


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    (root / "blob.bin").write_bytes(PAYLOAD)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_download_is_verified_and_atomic(server, tmp_path):
    dest = tmp_path / "cache" / "blob.bin"
    sha1 = hashlib.sha1(PAYLOAD).hexdigest()
    assert fetch_verified(server + "blob.bin", str(dest), "sha1", sha1) == str(dest)
    assert dest.read_bytes() == PAYLOAD
    # a wrong checksum: an error, and neither the file nor a partial file is left
    bad = tmp_path / "other" / "blob.bin"
    with pytest.raises(RuntimeError, match="checksum mismatch"):
        fetch_verified(server + "blob.bin", str(bad), "sha1", "0" * 40)
    assert os.listdir(bad.parent) == []


def test_bundled_data_is_found_last_and_verified(tmp_path, monkeypatch):
    monkeypatch.delenv("EMBER_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    for name in ("airfoil", "time_machine"):
        path = d2l.download(name)
        assert os.path.dirname(path) == d2l_data.BUNDLED_DIR
    # an explicit folder comes first; a damaged copy there is passed over with a warning
    mine = tmp_path / "mine"
    mine.mkdir()
    shutil.copy(d2l.download("time_machine"), mine / "timemachine.txt")
    assert d2l.download("time_machine", data_dir=mine) == str(mine / "timemachine.txt")
    (mine / "timemachine.txt").write_text("not the book")
    with pytest.warns(UserWarning, match="does not match the SHA-1"):
        path = d2l.download("time_machine", data_dir=mine)
    assert os.path.dirname(path) == d2l_data.BUNDLED_DIR
