"""The Fashion-MNIST data set: sizes, a grid of images with their text labels, the time to
read one epoch, and the resized loader of load_data_fashion_mnist.

The notes' "图像分类数据集" section.
"""
from _common import report, save, setup


def main():
    args = setup(__doc__)
    from ember import vision as torchvision
    from ember.utils import data
    from ember.vision import transforms
    from ember import d2l

    d2l.use_svg_display()
    trans = transforms.ToTensor()
    root = d2l.user_cache_dir()
    mnist_train = torchvision.datasets.FashionMNIST(root=root, train=True, transform=trans,
                                                    download=True)
    mnist_test = torchvision.datasets.FashionMNIST(root=root, train=False, transform=trans,
                                                   download=True)
    report("train size", len(mnist_train))
    report("test size", len(mnist_test))
    report("image shape", tuple(mnist_train[0][0].shape))

    X, y = next(iter(data.DataLoader(mnist_train, batch_size=18)))
    d2l.show_images(X.reshape(18, 28, 28), 2, 9, titles=d2l.get_fashion_mnist_labels(y))
    save("fashion_mnist_samples")
    report("first labels", d2l.get_fashion_mnist_labels(y[:6]))

    batch_size = 256
    train_iter = data.DataLoader(mnist_train, batch_size, shuffle=True,
                                 num_workers=d2l.get_dataloader_workers())
    timer = d2l.Timer()
    n = 0
    for X, y in train_iter:
        n += X.shape[0]
    report("seconds to read the training set", f"{timer.stop():.2f}")
    report("examples read", n)

    resize = 32 if args.quick else 64
    train_iter, test_iter = d2l.load_data_fashion_mnist(32, resize=resize)
    for X, y in train_iter:
        print(X.shape, X.dtype, y.shape, y.dtype)
        break
    report("resized batch shape", tuple(X.shape))
    report("pixel range", (round(X.min().item(), 3), round(X.max().item(), 3)))


if __name__ == "__main__":
    main()
