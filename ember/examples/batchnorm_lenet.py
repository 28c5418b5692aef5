"""Batch normalization: the notes' hand-written batch_norm / BatchNorm in LeNet, checked
against nn.BatchNorm2d / nn.BatchNorm1d on the same weights, then both networks trained
on Fashion-MNIST with d2l.train_ch6 (lr 1.0, batch 256, as in the book).

The notes' "批量归一化" section; the networks are ember.models.lenet_batchnorm_scratch and
ember.models.lenet_batchnorm.
"""
from _common import fashion_mnist, report, save, setup


def main():
    args = setup(__doc__)
    import ember as torch
    from ember import d2l
    from ember import models

    net = models.lenet_batchnorm_scratch()
    print(net)
    twin = models.lenet_batchnorm()
    # Same weights in both: the scratch BatchNorm's gamma/beta are (1, C[, 1, 1]) shaped.
    with torch.no_grad():
        for (name, p), (_, q) in zip(net.named_parameters(), twin.named_parameters()):
            q.copy_(p.reshape(q.shape))
    X = torch.rand(8, 1, 28, 28)
    report("max |scratch BN - nn.BatchNorm| (train mode)",
           f"{(net(X) - twin(X)).abs().max().item():.2e}")
    report("moving_mean of the first BatchNorm == running_mean",
           bool(torch.allclose(net[1].moving_mean.reshape(-1), twin[1].running_mean,
                               atol=1e-6)))

    # the book's lr 1.0, batch 256, 10 epochs; --quick: one epoch on 12,800 images in
    # batches of 64 (200 steps, so that the running statistics settle)
    lr, batch_size, num_epochs = (0.3, 64, 1) if args.quick else (1.0, 256, 10)
    train_iter, test_iter = fashion_mnist(batch_size, args.quick, n_train=12800, n_test=10000)
    for name, model in (("scratch BatchNorm", models.lenet_batchnorm_scratch()),
                        ("nn.BatchNorm2d", models.lenet_batchnorm())):
        train_l, train_acc, test_acc = d2l.train_ch6(model, train_iter, test_iter, num_epochs,
                                                     lr, d2l.try_gpu())
        save("training_" + name.split()[0].replace(".", "_"))
        report(f"{name}: train loss", train_l)
        report(f"{name}: train acc", train_acc)
        report(f"{name}: test acc", test_acc)
        if name.startswith("scratch"):
            report("learned gamma of the first BatchNorm",
                   [round(v, 3) for v in model[1].gamma.reshape(-1).tolist()])


if __name__ == "__main__":
    main()
