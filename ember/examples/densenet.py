"""DenseNet: a dense block (channels grow by 10 per conv block), a transition layer, the
notes' DenseNet (growth rate 32, blocks [4, 4, 4, 4]) layer by layer on a 96x96 image, and
training it on Fashion-MNIST with Adam (lr 0.001, d2l.train_ch5, as in the notes).

The notes' "稠密连接网络(DenseNet)" section; the network is ember.models.densenet.
"""
from _common import fashion_mnist, report, setup


def main():
    args = setup(__doc__)
    import ember as torch
    from ember import d2l
    from ember import models

    blk = models.DenseBlock(2, 3, 10)
    X = torch.rand(4, 3, 8, 8)
    Y = blk(X)
    report("DenseBlock(2, 3, 10) output shape", tuple(Y.shape))
    blk = models.transition_block(23, 10)
    report("transition_block(23, 10) output shape", tuple(blk(Y).shape))

    net = models.densenet()
    X = torch.rand((1, 1, 96, 96))
    for name, layer in net.named_children():
        X = layer(X)
        print(name, " output shape:\t", X.shape)
    report("parameters", sum(p.numel() for p in net.parameters()))

    # The notes train 5 epochs at 96x96 with batch 16; --quick: one epoch
    # on 4,096 of them at 32x32.
    if args.quick:
        batch_size, resize, num_epochs, n_train, n_test = 64, 32, 1, 4096, 1000
    else:
        batch_size, resize, num_epochs, n_train, n_test = 16, 96, 5, None, None
    train_iter, test_iter = fashion_mnist(batch_size, args.quick, resize=resize,
                                          n_train=n_train, n_test=n_test)
    net = models.densenet(input_size=resize)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.002 if args.quick else 0.001)
    train_l, train_acc, test_acc = d2l.train_ch5(net, train_iter, test_iter, batch_size,
                                                 optimizer, d2l.try_gpu(), num_epochs)
    report("train loss", train_l)
    report("train acc", train_acc)
    report("test acc", test_acc)


if __name__ == "__main__":
    main()
