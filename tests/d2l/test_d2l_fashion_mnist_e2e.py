"""End to end on the real Fashion-MNIST (the Debian package dataset-fashion-mnist), with the
book's recipes. Skipped, with the reason, when the files are not installed."""
import os

import pytest

from ember import d2l, models, nn, optim

from d2l_test_helpers import FASHION_MNIST_DIR

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.path.isfile(os.path.join(FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz")),
        reason=f"real Fashion-MNIST not installed in {FASHION_MNIST_DIR} "
               "(apt-get install dataset-fashion-mnist): end-to-end runs skipped"),
]


@pytest.fixture
def loaders(monkeypatch, tmp_path):
    # Only the system copy: no stray files in a user cache or $EMBER_DATA.
    monkeypatch.delenv("EMBER_DATA", raising=False)
    return d2l.load_data_fashion_mnist(256, root=tmp_path)


def test_softmax_regression_one_epoch(loaders, figure_dir):
    train_iter, test_iter = loaders
    assert len(train_iter.dataset) == 60000 and len(test_iter.dataset) == 10000
    net = models.softmax_regression()
    loss = nn.CrossEntropyLoss(reduction="none")
    trainer = optim.SGD(net.parameters(), lr=0.1)
    train_loss, train_acc, test_acc = d2l.train_ch3(net, train_iter, test_iter, loss, 1,
                                                    trainer)
    assert test_acc >= 0.75
    assert train_loss < 1.0


def test_lenet_batchnorm_one_epoch(loaders, figure_dir):
    train_iter, test_iter = loaders
    net = models.lenet_batchnorm_scratch()
    train_l, train_acc, test_acc = d2l.train_ch6(net, train_iter, test_iter, 1, 1.0,
                                                 d2l.try_gpu())
    # PyTorch reaches about 0.76 with this recipe (1 epoch, lr 1.0, batch 256).
    assert test_acc >= 0.72
