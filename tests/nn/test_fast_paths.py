"""ember's fast paths give the gradients of the plain NumPy path: one training step of the
notes' LeNet with batch norm, with ember choosing BLAS's thread count (``ember._threads``,
threadpoolctl installed) and with BLAS left alone (the path without threadpoolctl)."""
import numpy as np
import pytest

import ember
from ember import _threads, models, nn


def _lenet_step_grads(seed=0):
    ember.manual_seed(seed)
    net = models.lenet_batchnorm_scratch()
    rng = np.random.default_rng(seed)
    X = ember.tensor(rng.random((8, 1, 28, 28), dtype=np.float32))
    y = ember.tensor(rng.integers(0, 10, 8))
    nn.CrossEntropyLoss()(net(X), y).backward()
    return {k: p.grad.numpy().copy() for k, p in net.named_parameters()}, net


@pytest.fixture
def plain_blas(monkeypatch):
    """The path without threadpoolctl: ember never touches BLAS's threads."""
    monkeypatch.setattr(_threads, "_blas", [])


def test_lenet_bn_step_gradients_fast_path_vs_plain(monkeypatch):
    pytest.importorskip("threadpoolctl")
    monkeypatch.setattr(_threads, "_user", 1)
    fast, _ = _lenet_step_grads()
    monkeypatch.setattr(_threads, "_blas", [])
    plain, _ = _lenet_step_grads()
    assert fast.keys() == plain.keys() and len(fast) == 18
    for k in fast:
        assert fast[k].dtype == np.float32
        np.testing.assert_allclose(fast[k], plain[k], rtol=1e-4, atol=1e-6, err_msg=k)


def test_lenet_bn_step_gradients_match_torch(torch, plain_blas):
    from benchmarks import _twins
    grads, net = _lenet_step_grads()
    twin = _twins._TORCH["lenet_bn"](torch)
    twin.load_state_dict({k: torch.tensor(v.numpy()) for k, v in net.state_dict().items()})
    # The twin's state was copied after the step: restore the batch-norm buffers' start.
    ember.manual_seed(0)
    start = models.lenet_batchnorm_scratch().state_dict()
    twin.load_state_dict({k: torch.tensor(v.numpy()) for k, v in start.items()})
    rng = np.random.default_rng(0)
    X = torch.tensor(rng.random((8, 1, 28, 28), dtype=np.float32))
    y = torch.tensor(rng.integers(0, 10, 8))
    torch.nn.CrossEntropyLoss()(twin(X), y).backward()
    for k, p in twin.named_parameters():
        np.testing.assert_allclose(grads[k], p.grad.numpy(), rtol=1e-3, atol=1e-5, err_msg=k)


def test_blas_threads_restores_the_blas_setting(monkeypatch):
    pytest.importorskip("threadpoolctl")
    libs = _threads._controllers()
    if not libs:
        pytest.skip("threadpoolctl sees no BLAS (or a thread variable is set)")
    before = [lib.num_threads for lib in libs]
    target = 1 if before[0] != 1 else 2
    monkeypatch.setattr(_threads, "_user", target)
    with _threads.blas_threads():
        assert [lib.num_threads for lib in libs] == [target] * len(libs)
    assert [lib.num_threads for lib in libs] == before


def test_small_products_run_on_one_blas_thread(monkeypatch):
    # A product under SPLIT_MIN multiply-adds runs on one BLAS thread, forward and
    # backward, whatever the count; a larger one (and its backward) on the chosen count.
    pytest.importorskip("threadpoolctl")
    libs = _threads._controllers()
    if not libs:
        pytest.skip("threadpoolctl sees no BLAS (or a thread variable is set)")
    before = [lib.num_threads for lib in libs]
    monkeypatch.setattr(_threads, "_user", 2)
    monkeypatch.setattr(_threads, "_synced", [None])
    try:
        w = ember.ones((256, 256), requires_grad=True)
        small = ember.ones((32, 256)) @ w            # 2M multiply-adds
        assert [lib.num_threads for lib in libs] == [1] * len(libs)
        large = ember.ones((4096, 256)) @ w          # 268M
        assert [lib.num_threads for lib in libs] == [2] * len(libs)
        small.sum().backward()
        assert [lib.num_threads for lib in libs] == [1] * len(libs)
        large.sum().backward()
        assert [lib.num_threads for lib in libs] == [2] * len(libs)
        batched = ember.ones((64, 32, 256)) @ w      # 64 calls of 2M each
        assert [lib.num_threads for lib in libs] == [1] * len(libs)
        assert batched.shape == (64, 32, 256)
    finally:
        for lib, n in zip(libs, before):
            lib.set_num_threads(n)  # the count the original _synced (put back) recorded


def test_set_num_threads(monkeypatch):
    monkeypatch.setattr(_threads, "_user", None)
    _threads.set_num_threads(3)
    assert _threads.get_num_threads() == 3
    _threads.set_num_threads(None)
    assert _threads.get_num_threads() in (1, _threads._CORES)
    with pytest.raises(ValueError, match="positive integer"):
        _threads.set_num_threads(0)


def test_default_follows_the_load(monkeypatch):
    monkeypatch.setattr(_threads, "_user", None)
    monkeypatch.setattr(_threads, "_auto", [0.0, 0.0, 0, 0.0])
    monkeypatch.setattr(_threads.os, "getloadavg", lambda: (_threads._CORES + 1.0, 0, 0))
    assert _threads.get_num_threads() == 1
    monkeypatch.setattr(_threads, "_auto", [0.0, 0.0, 0, 0.0])
    monkeypatch.setattr(_threads.os, "getloadavg", lambda: (0.0, 0, 0))
    assert _threads.get_num_threads() == _threads._CORES


def test_default_discounts_embers_own_load(monkeypatch):
    """A load average made by ember's own two threads must not switch them off."""
    monkeypatch.setattr(_threads, "_user", None)
    monkeypatch.setattr(_threads.os, "getloadavg", lambda: (float(_threads._CORES), 0, 0))
    now = _threads.time.monotonic()
    # Last check 2 s ago; this process has used every core since, and for the last minute.
    monkeypatch.setattr(_threads, "_auto", [now - 2.0, _threads.time.process_time()
                                            - 2.0 * _threads._CORES, 1, float(_threads._CORES)])
    assert _threads.get_num_threads() == _threads._CORES


def test_thread_variables_leave_blas_alone(monkeypatch):
    monkeypatch.setattr(_threads, "_blas", None)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    assert _threads._controllers() == []
