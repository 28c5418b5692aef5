"""The compiled-kernel path (numba) against the plain NumPy path on whole training steps:
the same batch through the same weights must give the same loss and the same gradients
(issue 8: "a test compares one LeNet-BN training step's gradients on the fast path with the
plain NumPy path")."""
import numpy as np
import pytest

import ember
from ember import _numba, nn
from ember.models import get_model

pytestmark = pytest.mark.skipif(not _numba.enabled(), reason="numba not installed or EMBER_NUMBA=0")


def _step_gradients(name, shape, dtype, fast):
    ember.manual_seed(0)
    net = get_model(name).to(dtype)
    net.train()
    rng = np.random.default_rng(1)
    x = ember.tensor(rng.standard_normal(shape)).to(dtype)
    y = ember.tensor(rng.integers(0, 10, shape[0]))
    if fast:
        loss = nn.CrossEntropyLoss()(net(x), y)
        loss.backward()
    else:
        with _numba.disabled():
            loss = nn.CrossEntropyLoss()(net(x), y)
            loss.backward()
    grads = {n: p.grad.numpy().copy() for n, p in net.named_parameters()}
    buffers = {n: b.numpy().copy() for n, b in net.named_buffers()}
    return float(loss), grads, buffers


# ResNet-18 runs in float64: through 18 layers of small-batch batch norm, float32 rounding
# differences grow to ~1e-4, which would hide a real error; in float64 they stay ~1e-12.
@pytest.mark.parametrize("name, shape, dtype, tol", [
    ("lenet_bn", (32, 1, 28, 28), ember.float32, 2e-5),
    ("lenet_bn_scratch", (32, 1, 28, 28), ember.float32, 2e-5),
    ("resnet18", (4, 1, 28, 28), ember.float64, 1e-10),
])
def test_training_step_matches_numpy_path(name, shape, dtype, tol):
    loss_fast, grads_fast, buffers_fast = _step_gradients(name, shape, dtype, fast=True)
    loss_plain, grads_plain, buffers_plain = _step_gradients(name, shape, dtype, fast=False)
    assert loss_fast == pytest.approx(loss_plain, rel=tol)
    assert grads_fast.keys() == grads_plain.keys() and grads_fast
    # One scale for the whole network: a conv bias before batch norm has a true gradient
    # of zero, so its computed gradient is rounding noise, equal only at the network's scale.
    scale = max(np.abs(g).max() for g in grads_plain.values())
    for key in grads_plain:
        np.testing.assert_allclose(grads_fast[key] / scale, grads_plain[key] / scale,
                                   rtol=0, atol=tol, err_msg=key)
    for key in buffers_plain:  # running statistics of batch norm
        np.testing.assert_allclose(buffers_fast[key], buffers_plain[key], rtol=tol,
                                   atol=tol, err_msg=key)
