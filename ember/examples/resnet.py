"""ResNet: residual blocks (shapes with and without the 1x1 convolution), the book's
ResNet-18 layer by layer on a 96x96 image, and training it on Fashion-MNIST with Adam
(d2l.train_ch5, as in the older edition).

The notes' "残差网络(ResNet)" section; the network is ember.models.resnet18.
"""
from _common import fashion_mnist, report, save, setup


def main():
    args = setup(__doc__)
    import ember as torch
    from ember import d2l
    from ember import models

    blk = d2l.Residual(3, 3)
    X = torch.rand((4, 3, 6, 6))
    report("Residual(3, 3) output shape", tuple(blk(X).shape))
    blk = d2l.Residual(3, 6, use_1x1conv=True, stride=2)
    report("Residual(3, 6, use_1x1conv=True, stride=2) output shape", tuple(blk(X).shape))

    net = models.resnet18()
    X = torch.rand((1, 1, 96, 96))
    for name, layer in net.named_children():
        X = layer(X)
        print(name, " output shape:\t", X.shape)
    report("parameters", sum(p.numel() for p in net.parameters()))

    # The book trains 5 epochs at 96x96, batch 256; --quick: one epoch
    # on 4,096 of them at 32x32.
    if args.quick:
        batch_size, resize, num_epochs, n_train, n_test = 64, 32, 1, 4096, 1000
    else:
        batch_size, resize, num_epochs, n_train, n_test = 256, 96, 5, None, None
    train_iter, test_iter = fashion_mnist(batch_size, args.quick, resize=resize,
                                          n_train=n_train, n_test=n_test)
    net = models.resnet18()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.001)
    train_l, train_acc, test_acc = d2l.train_ch5(net, train_iter, test_iter, batch_size,
                                                 optimizer, d2l.try_gpu(), num_epochs)
    report("train loss", train_l)
    report("train acc", train_acc)
    report("test acc", test_acc)
    d2l.plt.figure()
    d2l.show_images(test_iter.dataset[0][0].reshape(1, resize, resize), 1, 1)
    save("sample_input")


if __name__ == "__main__":
    main()
