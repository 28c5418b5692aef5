"""The "Dive into Deep Learning" toolkit on ember: ``from ember import d2l`` in place of
``from d2l import torch as d2l``.

The older edition's package name is covered too: ``from ember import d2lzh_pytorch as d2l``
(or ``import ember.d2lzh_pytorch as d2l``) is this same module, in place of
``import d2lzh_pytorch as d2l``.

Everything is exported flat, as in the book: plotting (``plt``, ``plot``, ``Animator`` ...),
timing (``Timer``, ``Accumulator``), data (``load_data_fashion_mnist``, ``get_data_ch11``
...), models and losses (``linreg``, ``resnet18`` ...), the training loops (``train_ch3`` ...
``train_concise_ch11``), optimization traces (``train_2d``, ``show_trace_2d``), devices
(``try_gpu`` ...), the framework-neutral aliases (``d2l.zeros``, ``d2l.reshape``,
``d2l.numpy`` ...), and the later chapters' helpers: the text pipeline (``Vocab``,
``load_data_time_machine`` ...), recurrent language models (``RNNModel``, ``train_ch8``
...), machine translation (``load_data_nmt``, ``EncoderDecoder``, ``train_seq2seq``,
``bleu`` ...), attention (``masked_softmax``, ``MultiHeadAttention``,
``TransformerEncoder`` ...) and ``Benchmark``.
"""
from .aliases import *  # noqa: F401,F403
from .aliases import __all__ as _alias_names
from .attention import (AdditiveAttention, AddNorm, AttentionDecoder, DotProductAttention,
                        EncoderBlock, MultiHeadAttention, PositionalEncoding, PositionWiseFFN,
                        TransformerEncoder, masked_softmax, show_heatmaps, transpose_output,
                        transpose_qkv)
from .data import (DATA_HUB, DATA_URL, download, download_extract, find_data, get_data_ch7,
                   get_data_ch11, get_dataloader_workers, get_fashion_mnist_labels, load_array,
                   load_data_fashion_mnist, synthetic_data, user_cache_dir)
from .devices import cpu, gpu, num_gpus, try_all_gpus, try_gpu
from .models import (FlattenLayer, GlobalAvgPool2d, Residual, corr2d, linreg, resnet18,
                     resnet_block, sgd, squared_loss)
from .optimization import show_trace, show_trace_2d, train_2d
from .plotting import (Animator, annotate, figure_dir, in_notebook, plot, savefig, set_axes,
                       set_figsize, set_figure_dir, show_images, use_svg_display)
from .rnn import (RNNModel, RNNModelScratch, grad_clipping, predict_ch8, train_ch8,
                  train_epoch_ch8)
from .seq2seq import (Decoder, Encoder, EncoderDecoder, MaskedSoftmaxCELoss, Seq2SeqEncoder,
                      bleu, build_array_nmt, load_data_nmt, predict_seq2seq, preprocess_nmt,
                      read_data_nmt, sequence_mask, show_list_len_pair_hist, tokenize_nmt,
                      train_seq2seq, truncate_pad)
from .text import (SeqDataLoader, Vocab, count_corpus, load_corpus_time_machine,
                   load_data_time_machine, read_time_machine, seq_data_iter_random,
                   seq_data_iter_sequential, tokenize)
from .timing import Accumulator, Benchmark, Timer, show_progress
from .training import (accuracy, evaluate_accuracy, evaluate_accuracy_gpu, evaluate_loss,
                       predict_ch3, train_ch3, train_ch5, train_ch6, train_ch7, train_ch11,
                       train_concise_ch11, train_epoch_ch3, train_pytorch_ch7)

__all__ = sorted(set(_alias_names) | {
    "AdditiveAttention", "AddNorm", "AttentionDecoder", "DotProductAttention", "EncoderBlock",
    "MultiHeadAttention", "PositionalEncoding", "PositionWiseFFN", "TransformerEncoder",
    "masked_softmax", "show_heatmaps", "transpose_output", "transpose_qkv",
    "RNNModel", "RNNModelScratch", "grad_clipping", "predict_ch8", "train_ch8",
    "train_epoch_ch8",
    "Decoder", "Encoder", "EncoderDecoder", "MaskedSoftmaxCELoss", "Seq2SeqEncoder", "bleu",
    "build_array_nmt", "load_data_nmt", "predict_seq2seq", "preprocess_nmt", "read_data_nmt",
    "sequence_mask", "show_list_len_pair_hist", "tokenize_nmt", "train_seq2seq",
    "truncate_pad",
    "SeqDataLoader", "Vocab", "count_corpus", "load_corpus_time_machine",
    "load_data_time_machine", "read_time_machine", "seq_data_iter_random",
    "seq_data_iter_sequential", "tokenize", "Benchmark", "download_extract", "find_data",
    "DATA_HUB", "DATA_URL", "download", "get_data_ch7", "get_data_ch11",
    "get_dataloader_workers", "get_fashion_mnist_labels", "load_array",
    "load_data_fashion_mnist", "synthetic_data", "user_cache_dir",
    "cpu", "gpu", "num_gpus", "try_all_gpus", "try_gpu",
    "FlattenLayer", "GlobalAvgPool2d", "Residual", "corr2d", "linreg", "resnet18",
    "resnet_block", "sgd", "squared_loss",
    "show_trace", "show_trace_2d", "train_2d",
    "Animator", "annotate", "figure_dir", "in_notebook", "plot", "plt", "savefig", "set_axes",
    "set_figsize", "set_figure_dir", "show_images", "use_svg_display",
    "Accumulator", "Timer", "show_progress",
    "accuracy", "evaluate_accuracy", "evaluate_accuracy_gpu", "evaluate_loss", "predict_ch3",
    "train_ch3", "train_ch5", "train_ch6", "train_ch7", "train_ch11", "train_concise_ch11",
    "train_epoch_ch3", "train_pytorch_ch7"})


def __getattr__(name):
    # ``d2l.plt`` is matplotlib's pyplot, imported (backend chosen) on first use only, so
    # importing the toolkit stays quick.
    if name == "plt":
        from .plotting import _pyplot
        return _pyplot()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
