"""Shrunk reproducers of the divergences the fuzzer found, each run in ember and in PyTorch
and compared step by step (values, dtypes, shapes, requires_grad, gradients, errors)."""
import numpy as np
import pytest

import ember
from tests.fuzz.program import Program, differential

F32, F64, I64, I32, B = np.float32, np.float64, np.int64, np.int32, np.bool_
nan, inf = float("nan"), float("inf")

CASES = {
    # autograd: graphs, saved tensors, create_graph, in-place writes (issue 13, "fuzza")
    "detach_() of a view raises; of a composite op's result it does not": (
        [("a0", np.ones((2, 2), F64), False), ("a1", np.ones((1, 3, 5), F64), False),
         ("a2", np.ones((2, 3, 1), F64), False), ("a3", np.array(2.0, F32), False)],
        ["v0 = a0[...]", "v0.detach_()", "v1 = F.conv1d(a1, a2)", "v1.detach_()",
         "v2 = T.softmax(a3, dim=0)", "v2.detach_()", "v3 = T.cumprod(a3, dim=0)",
         "v3.detach_()", "v4 = a0.split(1)[0]", "v4.detach_()"]),
    "a leaf detach_()ed after its graph was built gets no gradient; a non-leaf's graph stays": (
        [("a0", np.zeros((1, 2, 1), F32), True), ("a1", np.zeros((1, 1, 1, 5), F64), True),
         ("a2", np.zeros((2, 5), F64), False)],
        ["v0 = T.std(a0, -2)", "v1 = v0.prod(1, keepdim=False)", "a0.detach_()",
         "v1.sum().backward(retain_graph=True)", "v2 = T.div(a1, 0.0)", "v3 = F.linear(v2, a2)",
         "v2.detach_()", "v3.sum().backward()"]),
    "autograd.grad runs only the nodes on a path to its inputs": (
        [("a0", np.zeros((0, 3), F32), True), ("a1", np.zeros((1, 3, 3, 3), F32), True),
         ("a2", np.zeros(1, F64), True)],
        ["v0 = T.log_softmax(a0, dim=1)", "v0.fill_(T.tensor(-1.5))", "v1 = T.sigmoid(v0)",
         "v2 = list(T.autograd.grad(v1.sum(), [a2, a1], allow_unused=True))"]),
    "create_graph: a gradient requires grad when PyTorch's backward reads an input that does": (
        [("a0", np.arange(36.0).reshape(1, 1, 6, 6).astype(F64), True),
         ("a1", np.ones((2, 1, 3, 3), F64), False), ("a2", np.zeros(2, F64), True),
         ("a3", np.ones((2, 3, 4), F64), False), ("a4", np.ones(3, F64), True),
         ("a5", np.zeros(3, F64), True), ("a6", np.arange(6.0).reshape(2, 3) - 2, True)],
        ["v0 = list(T.autograd.grad(F.conv2d(a0, a1, a2).sum(), [a0, a2], create_graph=True))",
         "v1 = list(T.autograd.grad(F.conv2d(a0.detach(), a1, a2).sum(), [a2], create_graph=True))",
         "v2 = list(T.autograd.grad(F.batch_norm(a3, None, None, a4, a5, training=True).sum(),"
         " [a4, a5], create_graph=True))",
         "v3 = list(T.autograd.grad(F.batch_norm(a3, None, None, None, a5, training=True).sum(),"
         " [a5], create_graph=True))",
         "v4 = list(T.autograd.grad(F.adaptive_max_pool2d(a0, 2).sum(), [a0], create_graph=True))",
         "v5 = list(T.autograd.grad(F.avg_pool2d(a0, 2).sum(), [a0], create_graph=True))",
         "v6 = list(T.autograd.grad(T.relu(a6).sum(), [a6], create_graph=True))",
         "v7 = list(T.autograd.grad(F.nll_loss(a6, T.tensor([0, 2])), [a6], create_graph=True))",
         "v8 = list(T.autograd.grad(F.pad(a6, (1, 1)).sum(), [a6], create_graph=True))",
         "v9 = list(T.autograd.grad((a6 ** 0).sum(), [a6], create_graph=True))",
         "v10 = list(T.autograd.grad(T.relu(a6).sum(), [a6], create_graph=True))",
         "v11 = list(T.autograd.grad(v10[0].sum(), [a6], allow_unused=True))"]),
    "nll_loss and cross_entropy skip an ignored target whatever the input holds there": (
        [("a0", np.array([[2.0, -0.75], [nan, 1.0], [-inf, 0.25]], F64), True),
         ("a1", np.array([0, 0, 1]), False), ("a2", np.array([[2.0], [nan], [0.25]], F64), False),
         ("a3", np.zeros(3, I64), False)],
        ["v0 = F.nll_loss(a0, a1, ignore_index=0, reduction='sum')", "v0.backward()",
         "v1 = F.cross_entropy(a0.detach(), a1, reduction='none', ignore_index=0)",
         "v2 = F.nll_loss(a2, a3, reduction='sum', ignore_index=0)",
         "v3 = F.nll_loss(T.floor_divide(a0.detach(), a0.detach()), a3, reduction='sum')"]),
    "cross_entropy with label smoothing and no targets or no classes is nan": (
        [("a0", np.zeros((3, 0), F64), False), ("a1", np.zeros(3, I64), False),
         ("a2", np.zeros(0, I64), False)],
        ["v0 = F.cross_entropy(a0, a1, ignore_index=0, label_smoothing=0.1)",
         "v1 = F.cross_entropy(a0, a1, reduction='none', ignore_index=0, label_smoothing=0.1)",
         "v2 = F.cross_entropy(T.eye(0), a2, label_smoothing=0.1)"]),
    "a write of a value that requires grad marks an integer or bool target as PyTorch does": (
        [("a0", np.zeros((2, 3), I64), False), ("a1", np.array(0.5, F32), True),
         ("a2", np.zeros(3, B), False), ("a3", np.zeros(3, I32), False),
         ("a4", np.array([0.5], F32), True), ("a5", np.zeros((2, 2), F32), False)],
        ["a0[0:1] = a1", "v0 = a0.requires_grad", "a0 += True", "v1 = T.zeros(3, dtype=T.long)",
         "v1[...] = a1", "v2 = T.zeros((2, 3), dtype=T.long)", "v2[0, 0] = a1",
         "v3 = T.zeros(2, dtype=T.long)", "v3[v3 == 0] = a4", "a2[None] = a1", "a3.fill_(a1)",
         "a3.zero_()", "v4 = T.zeros(2, dtype=T.long)", "v4.copy_(a1)",
         "a5.masked_fill_(a5 == 0, a1)", "v5 = T.zeros((2, 3), dtype=T.long)", "v6 = v5[0]",
         "v6[0:1] = a1"]),
    "rounding ops and div's rounding modes give zero gradients, also for nan and inf": (
        [("a0", np.array([1.0, 0.0, -2.0], F32), True), ("a1", np.array([0.0, 0.0, 3.0], F32), True),
         ("a2", np.zeros((4, 4), F32), True), ("a3", np.zeros(3, F64), True)],
        ["v0 = T.div(a0, a1, rounding_mode='floor')", "v0.sum().backward()",
         "v1 = T.div(a0, a1, rounding_mode='trunc')", "v1.sum().backward()",
         "v2 = T.div(T.ones(3), a1, rounding_mode='trunc')", "v2.sqrt().sum().backward()",
         "v3 = T.ceil(a2).log2()", "v3.sum().backward()", "v4 = T.sin(a3)", "v4.pow_(False)",
         "v4.sum().backward()"]),
    "matmul's backward of an empty matrix-vector product": (
        [("a0", np.zeros((3, 2, 1, 0), F64), False), ("a1", np.zeros(0, F64), True)],
        ["v0 = a0 @ a1", "v0.backward(T.ones_like(v0))"]),
    "a second backward without retain_graph: what PyTorch saves is freed": (
        [("a0", np.zeros((2, 3, 4, 3), F64), True), ("a1", np.zeros((3, 1), F32), True),
         ("a2", np.zeros((3, 1), F32), True), ("a3", np.zeros(3, F32), True)],
        ["v0 = F.adaptive_avg_pool2d(a0, 2)", "v0.sum().backward(retain_graph=True)",
         "v0.sum().backward()", "v0.sum().backward()",
         "v1 = T.add(a1 < 2, a2, alpha=0)", "v1.sum().backward()", "v1.sum().backward()",
         "v2 = a2.remainder(False)", "v2.sum().backward()", "v2.sum().backward()",
         "v3 = T.masked_select(a3, a3 == 0)", "v3.sum().backward()", "v3.sum().backward()",
         "v4 = T.zeros(3)", "v4[None] = a3", "v4.sum().backward()", "v4.sum().backward()",
         "v5 = T.zeros(3)", "v5[...] = a3", "v5.sum().backward()", "v5.sum().backward()",
         "v6 = a3 * 2", "v6.sum().backward()", "v6.sum().backward()"]),
    "remainder of a number by a tensor has no derivative in PyTorch": (
        [("a0", np.ones((2, 3), F32), True)],
        ["v0 = 2.0 % (a0 + 1.5)", "v0.sum().backward()"]),
    "retain_grad keeps a copy and sums out of place, also after create_graph": (
        [("a0", np.ones((1, 1), F32), True), ("a1", np.ones((2, 3), F64), True)],
        ["v0 = a0 * 2", "v0.retain_grad()",
         "v1 = list(T.autograd.grad(v0.sum(), [a0], create_graph=True))", "v2 = v0.grad",
         "v3 = list(T.autograd.grad(v0.sum(), [a0], retain_graph=True))", "v4 = v0.grad",
         "v5 = a1 * 1", "v5.retain_grad()", "v5.fill_(T.tensor(2))",
         "v6 = list(T.autograd.grad(v5.sum(), [a1], allow_unused=True))"]),
    "views made before requires_grad_() or under no_grad follow their base's flag, no .grad": (
        [("a0", np.zeros((3, 4), F64), False)],
        ["v0 = a0.t()", "v1 = a0[1]", "a0.requires_grad_()", "v2 = (v0 * 2).sum()",
         "v2.backward()", "a0.requires_grad_(False)", "v3 = T.ones(3, requires_grad=True)",
         "with T.no_grad(): v4 = v3[0:2]", "(v4 * 2).sum().backward()"]),
    "saved targets and running statistics follow the version rule": (
        [("a0", np.zeros((1, 2), F32), True), ("a1", np.array([0]), False),
         ("a2", np.array([[[[0.0, -0.75, -0.25]], [[1.5, 2.0, -2.0]]]], F64), False),
         ("a3", np.zeros(2, F64), False), ("a4", np.ones(2, F64), False),
         ("a5", np.zeros(2, F64), True), ("a6", np.array([1]), False)],
        ["v0 = F.nll_loss(a0, a1, reduction='sum', ignore_index=0)", "a1 += 3", "v0.backward()",
         "v1 = F.cross_entropy(a0, a6, ignore_index=1, label_smoothing=0.1)", "a6.neg_()",
         "v1.backward()",
         "v2 = F.batch_norm(a2, a3, a4, None, a5, training=True, momentum=0.5)", "a3[:] = 1.0",
         "v2.sum().backward(retain_graph=True)",
         "v3 = F.batch_norm(a2, a3, a4, None, a5, training=False)", "a4.t_()",
         "v3.sum().backward()"]),
    "split, chunk and unbind outputs refuse a recorded in-place change": (
        [("a0", np.ones((4, 2), F32), True), ("a1", np.zeros(2, I64), False),
         ("a2", np.array([[0.5]], F32), True)],
        ["v0 = (a0 * 1).split(2)[1]", "v0.mul_(2)", "v1 = (a0 * 1).chunk(2)[0]", "v1[0] = 5.0",
         "v2 = (a0 * 1).unbind(0)[0]", "v2.add_(1)", "v3 = (a0 * 1).split([1, 3])[0]",
         "v3[...].add_(1)", "v4 = (a0 * 1).tensor_split(2)[0]", "v4.mul_(2)",
         "v5, *v6 = a1.split(3, 0)", "v5[None] = a2", "v7 = T.ones(4).split(2)[0]",
         "v7.add_(2)"]),
    "fmod is C's fmod": (
        [("a0", np.zeros((2, 2), F32), False), ("a1", np.array(inf, F64), False),
         ("a2", np.array([[1.0], [-1.5], [2.0]], F32), True), ("a3", np.array([[0, -1, -3]]), False),
         ("a4", np.array([5.0, -3.0], F32), True)],
        ["v0 = a0.fmod(a1)", "v1 = T.fmod(a2, a1)", "v1.sum().backward()",
         "v2 = T.fmod(a3, T.tensor(3.0))", "v3 = T.floor_divide(T.tensor(3.0), v2)",
         "v4 = T.fmod(a4, a4.detach() * 0 + 2)", "v5 = T.fmod(a4, T.tensor([2.0, 2.0], requires_grad=True))",
         "v5.sum().backward()", "v6 = T.fmod(T.tensor([True]), 2)",
         "v7 = T.fmod(T.tensor(False), T.tensor(0.0, dtype=T.float64, requires_grad=True))",
         "v7.backward()"]),
    "layer_norm's output changed in place leaves its backward intact": (
        [("a0", np.array([-0.75, 3.0, 2.0], F64), True)],
        ["v0 = F.layer_norm(a0, (3,))", "v0.log_()", "v0.sum().backward()"]),
    "gradients at singular points: remainder by inf, prod with zeros and nan, min/max at nan": (
        [("a0", np.array(-inf, F32), True), ("a1", np.array([inf, -0.5], F32), True),
         ("a2", np.array([[0.0, 1.0, 3.0, nan], [0.5, 3.0, -0.5, 0.0]], F32), True),
         ("a3", np.array([[0, 4, 1], [4, 4, -3]], I32), False), ("a4", np.array([1.0], F32), True)],
        ["v0 = T.tensor(1.0) % a0", "v0.backward()", "v1 = T.tensor([-12, 9]) % a1",
         "v1.sum().backward()", "v2 = a2.prod()", "v2.backward()",
         "v3 = a3.sqrt().minimum(a4)", "v3.sum().backward()",
         "v4 = a3.sqrt().maximum(a4)", "v4.sum().backward()",
         "v5 = T.maximum(a0.detach().requires_grad_(), T.tensor(True))", "v5.backward()"]),
    "nll_loss with every target ignored: a zero gradient, also through a nan": (
        [("a0", np.zeros((2, 4), F64), True), ("a1", np.zeros(2, I64), False),
         ("a2", np.zeros((0, 4), F32), True), ("a3", np.zeros(0, I64), False)],
        ["v0 = F.cross_entropy(a0, a1, ignore_index=0)", "v1 = v0.sqrt()", "v1.backward()",
         "v2 = F.nll_loss(a2, a3, ignore_index=0)",
         "v3 = list(T.autograd.grad(v2, [a2], create_graph=True))"]),
    "saved tensors: max's indices, a promoted operand, view ops that fail": (
        [("a0", np.array(0.0, F32), True), ("a1", np.array([0.0], F32), True),
         ("a2", np.array(0), False), ("a3", np.zeros((2, 4, 3), F32), True),
         ("a4", np.zeros((2, 1, 5, 3), F64), False), ("a5", np.array([[1.0]], F32), True)],
        ["v0, v1 = a0.max(-1)", "v0.backward()", "v0.backward()",
         "v2 = T.div(a1, a2)", "a2.sub_(3)", "v3 = list(T.autograd.grad(v2.sum(), [a1]))",
         "v4 = a3.sqrt().permute(1, 0, 2)", "v4.t_()", "v4.sum().backward()",
         "v5 = T.div(F.avg_pool2d(a4, 1), a5)",
         "v6 = list(T.autograd.grad(v5.sum(), [a5], create_graph=True))",
         "v7 = a1 > a1", "v8 = F.linear(a4[0, 0], a5) * v7", "v7.fill_(T.tensor(2.0))",
         "v8.sum().backward()", "v9 = list(T.autograd.grad(a0.prod(-1), [a0], create_graph=True))"]),
    "binary_cross_entropy's target gradient is -logit(input), unclamped": (
        [("a0", np.array([0.5, 0.9999999, 1.0, 0.0, 1e-30], F32), False),
         ("a1", np.array([0.3, 0.5, 0.5, 0.5, 0.5], F32), True)],
        ["v0 = F.binary_cross_entropy(a0, a1, reduction='sum')", "v0.backward()"]),
    "a hook on a leaf used twice by 0-d ops": (
        [("a0", np.array(0.0, F32), True)],
        ["a0.backward(T.ones_like(a0))", "v0 = a0.log_softmax(-1) * a0",
         "_ = a0.register_hook(lambda g: None)", "v0.backward()"]),
    "a .grad that requires grad accumulates in place": (
        [("a0", np.zeros((3, 1), F64), True), ("a1", np.zeros((1, 0, 1), F64), True)],
        ["v0 = a0.permute(0, 1)", "v0.backward(T.ones_like(v0))", "v1 = a0.grad",
         "v1[None, 1:1] = a1", "v0.sum().backward()"]),
    # shapes and views
    "tile takes sizes as arguments": ([("a0", np.ones((1, 2), F32), True)],
                                      ["v0 = a0.tile(2, 1, 2)", "v0.sum().backward()"]),
    "flatten of one dim is the tensor itself": (
        [("a0", np.ones((2, 4), F32), True), ("a1", np.ones(3, F32), True)],
        ["v0 = a0.flatten(1)", "v1 = a1.flatten()", "v2 = a1.flatten(0, -1)"]),
    "cumprod of a 0-d tensor is 0-d": ([("a0", np.array(2.0, F32), True)],
                                       ["v0 = T.cumprod(a0, dim=-1)", "v0.backward()"]),
    "index_select/gather/flip of a 0-d tensor": (
        [("a0", np.array(3.0, F32), True)],
        ["v0 = T.index_select(a0, -1, T.tensor([0]))", "v1 = T.gather(a0, 0, T.tensor([0, 0]))",
         "v2 = a0.flip(0)", "(v0 + v1.sum() + v2).backward()",
         "v3 = T.index_select(a0, 0, T.tensor([0, 0, 0]))", "v4 = a0.narrow(0, 0, 1)"]),
    "t_/unsqueeze_ on a recorded tensor move it in the graph": (
        [("a0", np.arange(6.0).reshape(2, 3).astype(F32), True)],
        ["v0 = a0 * 2", "v0.t_()", "v1 = (v0 * T.arange(6.).reshape(3, 2)).sum()",
         "v1.backward()", "v2 = a0 * 1", "v2.unsqueeze_(0)", "v2.sum().backward()",
         "a0.unsqueeze_(0)"]),
    "split and chunk of an empty dim, and of a 0-d tensor": (
        [("a0", np.zeros((3, 0), F32), False), ("a1", np.array(1.0, F32), False)],
        ["v0 = a0.split(2, 1)", "v1 = a0.chunk(2, 1)", "v2 = a1.split(1, 0)",
         "v3 = a1.chunk(1, 0)", "v4 = T.cat([a1, a1])"]),
    "permute(), tril/triu of a vector, flip of a repeated dim, reshape()": (
        [("a0", np.ones(3, F32), False), ("a1", np.ones((2, 2), F32), False)],
        ["v0 = a0.permute()", "v1 = a0.tril()", "v2 = a0.triu(1)", "v3 = a1.flip(1, 1)",
         "v4 = a0.reshape()"]),
    "in-place view ops on a view of a leaf; flatten of a 0-d tensor checks its dims": (
        [("a0", np.zeros((3, 3), F32), True), ("a1", np.array(1, I64), False)],
        ["v0 = a0.t()", "v0.unsqueeze_(0)", "v1 = a1.flatten(1)", "v2 = a1.flatten(-1)"]),
    "strides of unsqueezed and empty tensors": (
        [("a0", np.zeros(3, B), False), ("a1", np.zeros((2, 0), F32), False)],
        ["v0 = a0[None].stride()", "v1 = a0[:, None].stride()", "v2 = (a1 + 1).stride()"]),
    "strides of size-1 dims left by indexing and made by unsqueeze": (
        [("a0", np.arange(8.0).reshape(1, 4, 2).astype(F32), False), ("a1", np.zeros((4, 3), F32), False)],
        ["v0 = a0[..., -1, -1].stride()", "v1 = a0[:, 2].stride()", "v2 = a0.transpose(0, 2).unsqueeze(1).stride()",
         "v3 = a0[:, :1].unsqueeze(3).stride()", "v4 = a1[:, 1:2].unsqueeze(0).stride()",
         "v5 = a0.unsqueeze(3).transpose(0, 3).stride()"]),
    "cat: a skipped 1-D empty tensor still takes part in the graph": (
        [("a0", np.zeros(0, F64), True), ("a1", np.zeros((3, 3), I32), False),
         ("a2", np.zeros(0, F32), True), ("a3", np.ones((2, 2), F32), True)],
        ["v0 = T.cat([a0 ** 2.0, a1], -1)", "v1 = T.cat([a2, a1.float(), a2])", "v1.sum().backward()",
         "v2 = T.cat([a0, a3, a0], 1)", "v3 = list(T.autograd.grad(v2.sum(), [a0, a3], create_graph=True))",
         "v4 = T.cat([T.zeros(0), T.zeros(0, dtype=T.int64)])"]),
    # math
    "clamp's gradients are g or exactly 0, also where g is inf or nan": (
        [("a0", np.array([[1.5], [2.0]], F32), True), ("a1", np.array([1.0, nan, -1.0, 5.0], F32), True),
         ("a2", np.array([0.0, 0.0, 2.0, 0.0], F32), True), ("a3", np.array([3.0, 3.0, 1.0, 4.0], F32), True)],
        ["v0 = T.clamp(T.log10(a0), min=-2, max=0.0)", "v1 = T.var(v0, 1, keepdim=True)",
         "v1.backward(T.ones_like(v1))", "v2 = T.clamp(a1, a2, a3)", "v2.backward(T.tensor([inf, 1.0, nan, 2.0]))",
         "v3 = list(T.autograd.grad(T.clamp(a1 * a1, 0.5, 4.0).sum(), [a1], create_graph=True))"]),
    "maximum/minimum gradients: ties split, nan compares false, a loser gets exactly 0": (
        [("a0", np.array([0.0, 1.0, 2.0, nan, 1.0], F32), True),
         ("a1", np.array([nan, 1.0, 1.0, 0.0, 3.0], F32), True)],
        ["v0 = T.maximum(a0, a1)", "v0.backward(T.tensor([1.0, 2.0, inf, 4.0, nan]))",
         "v1 = T.minimum(a0, a1)", "v1.backward(T.tensor([1.0, 2.0, inf, 4.0, nan]))",
         "v2 = T.maximum(a0[None], a1[:, None])", "v2.sum().backward()",
         "v3 = list(T.autograd.grad(T.maximum(a0 * a0, a1).sum(), [a0], create_graph=True))"]),
    "sign of bool and of nan": ([("a0", np.array([True, False]), False),
                                 ("a1", np.array([nan, -1.5, 0.0], F32), True)],
                                ["v0 = T.sign(a0)", "v1 = a1.sign()", "v1.sum().backward()",
                                 "v2 = T.tensor(-2.0).sign()"]),
    "square of bool is int64": ([("a0", np.array([True, False]), False)],
                                ["v0 = T.square(a0)", "v1 = T.square(T.isfinite(a0))"]),
    "floor/ceil/round/trunc refuse bool": (
        [("a0", np.array([True]), False)],
        ["v0 = a0.floor()", "v1 = a0.ceil()", "v2 = a0.round()", "v3 = a0.trunc()"]),
    "pow, floor_divide, remainder and trunc division of two bools": (
        [("a0", np.array([True, False]), False), ("a1", np.array([1.5, 2.0], F32), False)],
        ["v0 = a0 ** a0", "v1 = a0 // a0", "v2 = True % a0", "v3 = False % a1",
         "v4 = T.div(a0, a0, rounding_mode='trunc')", "v5 = a0 ** True",
         "v6 = True ** a0"]),
    "trunc division and fmod keep int32": (
        [("a0", np.array([3, -7], I32), False), ("a1", np.array(True), False)],
        ["v0 = T.div(a0, 2, rounding_mode='trunc')", "v1 = T.fmod(a0, True)",
         "v2 = T.div(a0, a1, rounding_mode='trunc')", "v3 = T.div(a0, a0, rounding_mode='trunc')"]),
    "fmod of bool and integer operands, its sign and its gradient": (
        [("a0", np.array([True, False]), False), ("a1", np.array([5.0, -3.5, 0.0], F32), True),
         ("a2", np.array([2.0, 2.5, -2.0], F32), True)],
        ["v0 = a0.fmod(2.5)", "v1 = T.fmod(a0, T.tensor(2))", "v2 = T.fmod(a1, a2)",
         "v2.sum().backward()", "v3 = T.fmod(a0, a0)", "v4 = T.fmod(a0, -1.5)",
         "v5 = T.fmod(T.tensor([-3.0, 3.0, -0.0]), -3)", "v6 = T.fmod(T.tensor([7], dtype=T.int8), 300)"]),
    "integer division by zero refused only where a zero divides something": (
        [("a0", np.zeros((1, 3, 0), I64), False), ("a1", np.array(0, I64), False),
         ("a2", np.zeros((0, 2), B), False)],
        ["v0 = T.div(a0, a1, rounding_mode='trunc')", "v1 = a0 // 0", "v2 = a0 % a1",
         "v3 = a0.fmod(False)", "v4 = T.div(a2, 0, rounding_mode='floor')",
         "v5 = T.tensor([1, 2]) // T.tensor([0, 0, 0])", "v6 = T.tensor([1, 2]) % a1",
         "v7 = T.fmod(T.tensor(5), T.tensor([0, 1]))"]),
    "alpha=1.0 and alpha=True are checked as any alpha": (
        [("a0", np.zeros((2, 3), B), False), ("a1", np.array([1, 2]), False),
         ("a2", np.array([1.0, 2.0], F32), False)],
        ["v0 = T.add(a0, 3, alpha=1.0)", "v1 = T.add(a0, a0, alpha=1.0)", "v2 = T.add(a1, a1, alpha=True)",
         "v3 = T.add(a1, 0.5, alpha=1.0)", "a1.add_(a1, alpha=1.0)", "a1.sub_(1, alpha=1.0)",
         "a2.add_(a1, alpha=True)", "v4 = T.sub(a1, a0, alpha=1.0)", "v5 = T.add(a0, a0, alpha=True)"]),
    "erf of a 0-d integer tensor": ([("a0", np.array(1, I64), False)], ["v0 = T.erf(a0)"]),
    "bitwise ops on floats, ~ on floats": (
        [("a0", np.ones(2, F32), False), ("a1", np.ones(2, I32), False)],
        ["v0 = a0 ^ a0", "v1 = a0 | 1", "v2 = ~a0", "v3 = a1 ^ -0.5", "v4 = a1 & 2.5"]),
    "logical functions take tensors only": (
        [("a0", np.array([0.5, 0.0], F32), False)],
        ["v0 = T.logical_and(a0, 1)", "v1 = T.logical_or(a0, True)", "v2 = a0 > 0",
         "v3 = v2 & True", "v4 = T.logical_xor(a0, a0)"]),
    "outer of non-vectors": ([("a0", np.ones((2, 2), F32), False), ("a1", np.ones(2, F32), False)],
                             ["v0 = T.outer(a0, a1)", "v1 = T.outer(a1, a0)",
                              "v2 = T.outer(a1, a1)"]),
    # reductions
    "cumprod and prod gradients where the input has zeros": (
        [("a0", np.array([[1.0, 0.0, 2.0, 3.0], [0.0, 0.0, 1.0, 2.0]], F64), True)],
        ["v0 = a0.cumprod(1)", "v0.sum().backward(retain_graph=True)", "v1 = a0.prod(1)",
         "v1.sum().backward()", "v2 = list(T.autograd.grad(a0.prod(), [a0], create_graph=True))",
         "v3 = list(T.autograd.grad(a0.cumprod(0).sum(), [a0], create_graph=True))"]),
    "cumprod's gradient with zeros, nan and inf spreads as PyTorch's": (
        [("a0", np.array([[3.0, nan, 0.0, 2.0], [0.0, 3.0, -inf, 0.0], [1.5, 0.0, 2.0, 0.0],
                          [2.0, -1.0, 0.5, 4.0]], F32), True)],
        ["v0 = a0.cumprod(1)", "v0.backward(T.arange(16.0).reshape(4, 4), retain_graph=True)",
         "v1 = a0.cumprod(0)", "v1.sum().backward()"]),
    "std's gradient is 0 where the variance is 0": (
        [("a0", np.array([[1.0, 0.0, 2.0], [3.0, 3.0, 3.0]], F32), True)],
        ["v0 = a0.std(1)", "v0.sum().backward()", "v1 = T.std(F.relu(a0 - 5), 1, keepdim=True)",
         "v1.backward(T.ones_like(v1))"]),
    "max()/min() of everything that is nan share the gradient among the nans; where's is exact": (
        [("a0", np.array([[-1.5, nan, -0.75], [nan, 1.0, 2.0]], F32), True), ("a1", np.array([[0.0]], F32), True)],
        ["v0 = a0.min()", "v0.backward()", "v1 = a0[:, 1:].max()", "v1.backward()", "v2 = a0.amax()",
         "v2.backward()", "v3 = T.where(T.tensor([[True]]), T.ones(1, 1), a1)", "v4 = T.var(v3, -2)",
         "v4.backward(T.ones_like(v4))"]),
    "max/argmax along an empty dim": ([("a0", np.zeros((0, 2), I64), False)],
                                      ["v0, v1 = a0.max(0)", "v2 = a0.argmax(0)",
                                       "v3 = a0.argmin(1)", "v4, v5 = a0.min(1)"]),
    "mean checks the dtype before the dim": (
        [("a0", np.zeros((2, 0), B), False), ("a1", np.zeros(2, I64), False)],
        ["v0 = T.mean(a0[a0], 1)", "v1 = a1.mean(3)", "v2 = a1.mean(3, dtype=T.float32)"]),
    "argmax/argmin of an empty tensor without a dim": (
        [("a0", np.zeros((0,), I64), False), ("a1", np.zeros((2, 0, 2), F32), False)],
        ["v0 = a0.argmax()", "v1 = T.argmin(a1, keepdim=True)", "v2 = a1.argmax(2)"]),
    "softmax and log_softmax give a contiguous result, whatever the input's layout": (
        [("a0", np.array([[1.5, 3.0], [-0.75, -0.75], [3.0, -0.75]], F32), False)],
        ["v0 = (a0 * -1).t().log_softmax(0)", "v1 = True + v0", "v2 = v1.contiguous()",
         "v3 = T.softmax(a0.t(), 1)", "v4 = v3.is_contiguous()", "v5 = v0.stride()"]),
    "softmax of an empty integer tensor checks its dim": (
        [("a0", np.zeros((3, 2, 0), B), False)],
        ["v0 = T.log_softmax(a0, dim=3)", "v1 = T.softmax(a0, dim=-3)"]),
    "matmul of mixed dtypes or of bools fails as the kernel it folds to": (
        [("a0", np.zeros((2, 3), B), False), ("a1", np.zeros((2, 3, 2), I64), False),
         ("a2", np.zeros(3, F32), False)],
        ["v0 = a0 @ a1", "v1 = a2 @ a1", "v2 = a0 @ a2", "v3 = a1 @ a2",
         "v4 = T.zeros(0, dtype=T.bool) @ T.zeros(0, dtype=T.bool)",
         "v5 = a0 @ T.zeros(2, 2, 3, dtype=T.bool)", "v6 = a0 @ T.zeros(4, dtype=T.bool)",
         "v7 = T.mm(a0, a1[0])", "v8 = T.bmm(a1.bool(), a1)",
         "v9 = T.zeros(0, dtype=T.bool) @ T.zeros(2, 0, 2, dtype=T.float64)",
         "v10 = T.zeros(2, 2, 3, dtype=T.bool).transpose(0, 1) @ a2",
         "v11 = T.zeros(2, 2, 3, dtype=T.bool) @ a2", "v12 = a2 @ T.zeros(2, 3, 2, dtype=T.float64)",
         "v13 = a1.float() @ T.zeros(3, 2)", "v14 = T.zeros(2, 3, 2).transpose(0, 1) @ T.zeros(3, 3)"]),
    # indexing
    "gather takes the index's shape (no broadcasting) and checks it as PyTorch": (
        [("a0", np.arange(6.0).reshape(2, 3).astype(F32), True), ("a1", np.zeros(0, I32), False)],
        ["v0 = T.gather(a0, 1, T.tensor([[0, 2, 0, 1]]))", "v1 = T.gather(a0, 0, T.tensor([[1], [0], [1]]))",
         "(v0.sum() + v1.sum()).backward()", "v2 = T.gather(a0, 0, T.tensor([[1, -1]]))",
         "v3 = T.gather(a0, 1, T.tensor([[0.0]]))", "v4 = T.gather(a0, 0, T.zeros(5, 0))",
         "v5 = T.gather(a0, 0, T.full((1, 5), 1))", "v6 = T.gather(a0[0], 0, T.tensor(2))",
         "v7 = T.gather(a1, 0, T.tensor([0, 0]))", "v8 = T.gather(a0, 1, T.tensor([[2]], dtype=T.int32))",
         "v9 = T.gather(a0, 0, T.zeros(1, 1, 1, dtype=T.int64))", "v10 = T.gather(a0, 1, T.tensor([[3]]))"]),
    "take_along_dim broadcasts the input and the indices apart from dim": (
        [("a0", np.arange(6.0).reshape(2, 3).astype(F32), True)],
        ["v0 = T.take_along_dim(a0, T.tensor([[0], [2]]), 1)", "v1 = T.take_along_dim(a0, T.tensor([[0, 1, 1]]), 0)",
         "v2 = T.take_along_dim(a0, T.tensor([[0, 2, 0, 1]]), 1)", "(v0.sum() + v1.sum() + v2.sum()).backward()",
         "v3 = T.take_along_dim(a0, T.tensor([[5]]))", "v4 = T.take_along_dim(a0, T.tensor([[0], [1], [0]]), 1)",
         "v5 = T.take_along_dim(a0, T.tensor([[0]], dtype=T.int32), 1)", "v6 = T.take_along_dim(a0, T.tensor([0]), 1)"]),
    "a boolean mask must have the shape of the dims it indexes, even empty or over size 1": (
        [("a0", np.zeros((1, 4), F32), False), ("a1", np.zeros(0, B), False), ("a2", np.zeros(3, I32), False)],
        ["v0 = a0[a1]", "v1 = a0[T.zeros(1, dtype=T.bool)]", "v2 = a0[:, a1]", "a2[a1] = T.tensor(0.0)",
         "v3 = a0[None, 0, T.ones(4, dtype=T.bool)]", "v4 = T.zeros(2, 3, 4)[..., 0, T.ones(3, dtype=T.bool)]",
         "v5 = T.zeros(2, 3, 4)[..., T.ones(2, dtype=T.bool), :]", "v6 = T.zeros(2, 3)[[True, False, True]]"]),
    "masked_fill's value tensor is 0-d, its mask bool": (
        [("a0", np.zeros((2, 3), F32), False)],
        ["v0 = a0.masked_fill(T.tensor([True, False, False]), T.tensor([2.5]))",
         "v1 = a0.masked_fill(T.tensor([1, 0, 0], dtype=T.uint8), 2.0)",
         "v2 = a0.masked_fill(T.tensor([True, False, False]), T.tensor(2))"]),
    "where and masked_fill that do not broadcast": (
        [("a0", np.ones((4, 3), F32), False), ("a1", np.ones((2, 3), B), False)],
        ["v0 = T.where(a1, a0, 0.5)", "v1 = a0.masked_fill(a1, 1.0)",
         "a0.masked_fill_(a0[:, :2] > 0, 2.0)"]),
    "index put wants matching dtypes, except a one-element value under one mask": (
        [("a0", np.zeros(3, I32), False), ("a1", np.array([1.5], F64), False),
         ("a2", np.zeros((3, 2), I64), False)],
        ["a0[T.tensor([0, 2])] = a1", "a0[[0, 2]] = T.tensor(1.5)",
         "a0[T.tensor([True, False, True])] = a1", "a0[a0 == 0] = T.tensor(2.5)",
         "a2[T.tensor([True, False, True]), 0] = a1", "a2[:, T.tensor(True)] = T.tensor(0.5)",
         "a0[T.tensor(True)] = T.tensor([1.5, 2, 3])", "a0[[5, 0]] = a1",
         "v0 = a0.sum()", "v0[[0, 0]] = a1"]),
    "an index put of one float into an integer tensor checks it for overflow": (
        [("a0", np.zeros(4, I64), False), ("a1", np.zeros(3, np.uint8), False), ("a2", np.zeros(3, np.int8), False)],
        ["v0 = a0[a0 > 0]", "v0[v0 > 0] = T.tensor(inf)", "a0[a0 == 0] = T.tensor(nan, dtype=T.float64)",
         "a1[a1 == 0] = T.tensor(-1.5)", "a2[a2 == 0] = T.tensor(-1.5)", "a0[T.tensor([0])] = 1e30",
         "a0[a0 == 0] = 300.5", "v1 = T.zeros(2, dtype=T.bool)", "v1[v1 == 0] = T.tensor(inf)"]),
    "an index put into an empty tensor is out of bounds before its dtype is checked": (
        [("a0", np.zeros(0, F32), False), ("a1", np.zeros((2, 0), F32), False),
         ("a2", np.zeros((0, 1, 1), I64), False)],
        ["a0[T.zeros(1, 3, dtype=T.int32)] = T.tensor(0)", "a1[:, T.tensor([0])] = T.tensor(0)",
         "a1[T.tensor([3]), T.tensor([0])] = T.tensor(0)", "a2[T.zeros(1, 4, dtype=T.int32)] = T.tensor(False)",
         "a1[T.zeros(0, dtype=T.int64)] = T.tensor(0)", "a0[T.tensor([0, 0])] = T.tensor(1.0)",
         "a1[..., T.tensor(True)] = T.zeros(2, 0, 1, dtype=T.int32)", "v0 = T.zeros(0, 2)",
         "v0[0:1, T.tensor([1, -2, 0])] = T.tensor(True)", "v1 = T.zeros(2, 3, 0, 0, dtype=T.float64)",
         "v1[T.tensor([0]), 1:0] = T.zeros(1, 0, 0, 0, dtype=T.int64)", "a1[T.tensor([3]), T.tensor([0])] = T.tensor(0)"]),
    "a 0-d integer tensor in an assignment's index is an integer": (
        [("a0", np.zeros((3, 4), I32), False), ("a1", np.array(1, I64), False)],
        ["a0[1, a1] = T.tensor(-0.5, dtype=T.float64)", "v0 = T.zeros_like(a1)",
         "a0[v0, 0] = T.tensor(True)"]),
    "masked_select and copy_ that do not broadcast": (
        [("a0", np.zeros((2, 6), F32), False), ("a1", np.zeros(4, F32), True),
         ("a2", np.zeros((1, 0, 3), F64), True), ("a3", np.array(0, I32), False)],
        ["v0 = T.masked_select(a0, a1 > 0)", "a0.copy_(a1)", "a3.copy_(a2)",
         "v1 = a1 * 1", "v1.copy_(a0[0])"]),
    "index_select along an empty dim": ([("a0", np.zeros((3, 0), B), False),
                                         ("a1", np.zeros(0, F32), False)],
                                        ["v0 = T.index_select(a0, 1, T.tensor([0, 0]))",
                                         "v1 = T.index_select(a0, 1, T.tensor([], dtype=T.int64))",
                                         "v2 = T.index_select(a1, 0, T.tensor([0]))"]),
    "advanced indexing gives a contiguous tensor": (
        [("a0", np.arange(12.0).reshape(2, 2, 3).astype(F32), True)],
        ["v0 = T.index_select(a0, 2, T.tensor([2, 1, 1]))", "v1 = v0.contiguous()",
         "v2 = v0.view(12,)", "v3 = a0[:, [1, 0]].is_contiguous()", "v2.sum().backward()"]),
    "mv of a 0-d tensor, roll of a dim out of range": (
        [("a0", np.array(3.0, F32), False), ("a1", np.ones(2, F32), False),
         ("a2", np.ones((2, 4), F32), False)],
        ["v0 = T.mv(a0, a1)", "v1 = a2.roll(1, 3)", "v2 = a2.roll(1, -1)", "v3 = a2.roll(1, (0, 1))",
         "v4 = T.zeros(2, 0).roll(1, 2)"]),
    # in place
    "lerp_ checks its arguments": (
        [("a0", np.zeros(2, F32), False), ("a1", np.ones(2, F64), False),
         ("a2", np.zeros(2, I32), False), ("a3", np.ones(2, F32), True)],
        ["a0.lerp_(2.5, 0.5)", "a0.lerp_(a1, 0.5)", "a2.lerp_(a2, 0.5)", "a0.lerp_(a3, 0.5)",
         "a2.lerp_(T.zeros(3, 2, dtype=T.int64), 0.5)", "a0.lerp_(T.ones(3), 0.5)",
         "a0.sum().backward()"]),
    "lerp with a weight of 0.5 or more uses PyTorch's form (inf stays inf)": (
        [("a0", np.array([-inf, 1.0, 2.0], F32), False), ("a1", np.array([1.0, 3.0, inf], F32), False),
         ("a2", np.array([0.5, 1.0, 2.0], F32), True)],
        ["v0 = T.lerp(a0, a1, 0.5)", "v1 = T.lerp(a0, a1, 0.25)", "v2 = a0.clone()",
         "v2.lerp_(a1, 0.75)", "v3 = a2 * 1", "v3.lerp_(a1, 0.5)", "v3.sum().backward()"]),
    "writes into an expanded tensor: fills, index puts, and parts that share no memory": (
        [("a0", np.zeros((2, 1, 4), I64), False), ("a1", np.zeros((1, 3), F32), False),
         ("a2", np.ones((1, 3), F32), True), ("a3", np.array(0, I32), False)],
        ["v0 = T.broadcast_to(a0, (2, 2, 2, 4))", "v0.fill_(True)", "v1 = a1.expand(2, 3)",
         "v1.masked_fill_(T.tensor([[True, False, False], [False, True, False]]), 1.5)",
         "v1.masked_fill_(T.tensor([False, False, True]), T.tensor(2.5))", "v1.add_(1)",
         "v1.fill_(T.tensor(3.0))", "v2 = v1.detach()", "v2.zero_()", "v3 = a2.detach().expand(2, 3)",
         "v3.fill_(-1.0)", "v4 = v0.t()", "v4.zero_()", "v1.copy_(T.ones(3))", "v1.copy_(v1)",
         "v5 = v1[0]", "v5.mul_(2)", "v1[1] = T.tensor([1.0, 2.0, 3.0])", "v1[:, 1] = 5",
         "v1[[0, 1], 1] = T.tensor([7.0, 8.0])", "v1[v1 > 2] = 4.0", "v1[5] = 1", "v1[1:0] = 1",
         "v6 = a3.expand(2)", "v6[-2] = T.tensor(-2.0)", "v6[0:1].add_(1)"]),
    "recorded writes into an expanded tensor: the forward as PyTorch, its backward refused": (
        [("a0", np.ones((1, 3), F32), True), ("a1", np.ones((2, 3), F32), True), ("a2", np.zeros(3, F64), True)],
        ["v0 = a0 * 1", "v1 = v0.expand(2, 3)",
         "v1.masked_fill_(T.tensor([[True, False, False], [False, True, False]]), 5.0)", "v2 = v1 * 1",
         "v2.sum().backward()", "v3 = T.zeros(1, 3)", "v4 = v3.expand(2, 3)",
         "v4.masked_fill_(T.tensor([[True, False, False], [False, True, False]]), a1.sum())",
         "(v4 * T.arange(6.0).reshape(2, 3)).sum().backward()", "v5 = a2 * 1", "v6 = v5.expand(2, 3)",
         "v6[0] = a2 * 2", "v6[:, 1] = 4.0", "v6[1:1] = a2", "v6[[0, 1], 1] = T.tensor([7.0, 8.0], dtype=T.float64)",
         "v6.zero_()", "v6.fill_(1.5)", "v6.add_(1)", "v5.sum().backward()", "v7 = T.zeros(2, 4)",
         "v8 = T.broadcast_to(v7, (2, 2, 4))", "v8[:, T.tensor([-1])] = a0.sum(0, keepdim=True)",
         "v8[:, T.tensor([-1])] = a0.sum(0, keepdim=True).repeat(1, 2)[:, :4]",
         "v9 = list(T.autograd.grad(v8.sum(), [a0], create_graph=True))",
         "(v8 * T.arange(16.0).reshape(2, 2, 4)).sum().backward()"]),
    "an in-place result keeps the tensor's shape": (
        [("a0", np.zeros(3, F32), False), ("a1", np.zeros((1, 1), F32), True)],
        ["a0 -= a1", "a0 += a1[0]", "a0.sum().backward()"]),
    # nn.functional and autograd
    "adaptive_avg_pool2d keeps nan and inf to their windows": (
        [("a0", np.array([[[[1.5, -0.5, -0.5, 2.0, -0.75], [1.0, 0.0, 0.0, 1.5, -1.5],
                            [2.0, 0.0, -2.0, -1.0, -0.75], [-0.5, 3.0, -0.5, nan, 0.25]]]]),
          True)],
        ["v0 = F.adaptive_avg_pool2d(a0, 3)", "v1 = F.adaptive_avg_pool2d(a0 * inf, 2)",
         "v2 = F.adaptive_avg_pool2d(a0.detach().abs().requires_grad_(), 3)",
         "v2.log10().sum().backward()"]),
    "adaptive_max_pool2d's result is contiguous": (
        [("a0", np.arange(30.0).reshape(1, 3, 5, 2).astype(F32), True)],
        ["v0 = F.adaptive_max_pool2d(a0, (2, 1))", "v1 = v0.is_contiguous()",
         "v2 = v0.contiguous()", "v2.sum().backward()"]),
    "relu's gradient passes through nan; binary_cross_entropy checks its target": (
        [("a0", np.array([nan, 0.0, 1.0, -1.0], F32), True),
         ("a1", np.array([0.5, nan, 0.0, 1.0], F32), False)],
        ["v0 = T.relu(a0)", "v0.sum().backward()",
         "v1 = F.binary_cross_entropy(a0.sigmoid(), a1)",
         "v2 = F.binary_cross_entropy(T.tensor([0.5, 0.5]), T.tensor([0.0, 1.5]))"]),
    "smooth_l1, huber and l1 gradients at inf and nan": (
        [("a0", np.array([0.0, -1.5, 2.0], F32), False),
         ("a1", np.array([-0.25, -0.5, -inf], F32), True), ("a2", np.array([1.5, nan, 0.0], F32), False)],
        ["v0 = F.smooth_l1_loss(a0, a1, reduction='sum')", "v0.backward()",
         "v1 = F.huber_loss(a0, a1, reduction='sum')", "v1.backward()",
         "v2 = F.l1_loss(a2, a1 * 0)", "v2.backward()", "v3 = a1[0].abs()", "v3.backward()",
         "v4 = F.smooth_l1_loss(a1 * 0, a2, reduction='sum')", "v4.backward()",
         "v5 = F.huber_loss(a2, a1 * 0 + 1, reduction='sum')", "v5.backward()",
         "v6 = F.relu(a1 * 0).log()", "v6.sum().backward()"]),
    "gelu of +inf is nan where PyTorch's vectorized kernel runs (float32, contiguous, 2+ elements)": (
        [("a0", np.array([inf, -inf, 1.0, 1e30], F32), True), ("a1", np.array([[inf, 1.0], [2.0, inf]], F32), False)],
        ["v0 = F.gelu(a0)", "v0.sum().backward()", "v1 = F.gelu(a1.t())", "v2 = F.gelu(a1[0, 0])",
         "v3 = F.gelu(a1[:, :1])", "v4 = F.gelu(a1.double())", "v5 = F.gelu(a0[:1].expand(3))",
         "v6 = F.gelu(a0, approximate='tanh')"]),  # (float16: see ops/nn_ops.GELU)
    "cross_entropy's label smoothing over no classes is nan, not an error": (
        [("a0", np.zeros((2, 0), F64), True), ("a1", np.zeros(2, I64), False)],
        ["v0 = F.cross_entropy(a0, a1, reduction='none', ignore_index=0, label_smoothing=0.1)",
         "v1 = F.cross_entropy(a0, a1, ignore_index=0, label_smoothing=0.1)",
         "v2 = F.cross_entropy(a0, a1, reduction='sum', ignore_index=0, label_smoothing=0.1)", "v2.backward()",
         "v3 = F.cross_entropy(a0, a0 * 0, label_smoothing=0.1, reduction='none')"]),
    "batch_norm of a constant channel rounds as PyTorch's contiguous kernel (x * alpha + beta)": (
        [("a0", np.array([[[-2.0], [3.0]], [[-1.5], [3.0]]], F32), True), ("a1", np.zeros(2, F32), False),
         ("a2", np.zeros(2, F32), False), ("a3", np.array([-1.0, 3.0], F32), True)],
        ["v0 = F.batch_norm(a0, a1, a2, a3, None, training=True, momentum=0.5, eps=1e-05)",
         "v1 = F.batch_norm(a0.expand(2, 2, 3).contiguous(), a1, a2, a3, T.tensor([0.5, -0.25]), training=True)",
         "v2 = F.batch_norm(a0, a1 + 3, a2, a3, None, training=False)",
         "v3 = F.batch_norm(a0.expand(2, 2, 3), a1, a2, a3, None, training=True)", "(v0.sum() + v1.sum()).backward()"]),
    "layer_norm of an empty batch": ([("a0", np.zeros((0, 3, 4), F32), True)],
                                     ["v0 = F.layer_norm(a0, (4,))", "v0.sum().backward()"]),
    "nll_loss with no classes and every target ignored": (
        [("a0", np.zeros((3, 0), F32), True), ("a1", np.zeros(3, I64), False)],
        ["v0 = F.nll_loss(a0, a1, ignore_index=0, reduction='sum')",
         "v1 = F.nll_loss(a0, a1, ignore_index=0, reduction='none')", "v0.backward()"]),
    "a leaf's hook runs once on its whole gradient": (
        [("a0", np.ones((3, 4), F64), True)],
        ["_ = a0.register_hook(lambda g: g + 1)", "v0 = F.normalize(a0, dim=0)",
         "v0.sum().backward()", "v1 = (a0 * a0 + a0).sum()", "v1.backward()"]),
    "max() of everything sends an infinite gradient only to the maximum; hardtanh and nan": (
        [("a0", np.array([0.0, 1.0], F64), True), ("a1", np.array([nan, -1.5, 1.5, 0.5], F32), True)],
        ["v0 = T.log(a0.min()).amax()", "v0.backward()", "v1 = F.hardtanh(a1)",
         "v1.sum().backward()"]),
    "a leaf's hooks run in autograd.grad": (
        [("a0", np.zeros((2, 3), F64), True)],
        ["_ = a0.register_hook(lambda g: g + 1)",
         "v0 = list(T.autograd.grad(a0.sum(), [a0], retain_graph=True))",
         "v1 = list(T.autograd.grad((a0 * a0).sum(), [a0], create_graph=True))"]),
    # engine: partial backward, saved-tensor versions, freed graphs (issue 13, "fzver")
    "a failed backward leaves no gradient on a leaf whose user had not run (remainder's)": (
        [("a0", np.zeros(3, F32), True)],
        ["v1 = a0 // -1", "v2 = v1 % a0", "v7 = T.tan(v2)", "v7.sum().backward()"]),
    "a failed backward: batch norm's weight changed in place, the weight used again later": (
        [("a3", np.zeros((1, 2), F32), False), ("a4", np.zeros(2, F32), False),
         ("a5", np.zeros(2, F32), False), ("a6", np.zeros(2, F32), True), ("a7", np.zeros(2, F32), False)],
        ["v3 = F.batch_norm(a3, a4, a5, a6, a7, training=False, momentum=0.5, eps=0.1)",
         "a3[T.tensor([0, 0, 0], dtype=T.int64), -1] = -2", "v4 = v3 % a6",
         "v4.backward(T.ones_like(v4))"]),
    "floor_divide's NotImplemented node raises as soon as it is ready, before a leaf beside it": (
        [("a1", np.zeros((3, 3), F32), True), ("a3", np.zeros((1, 3, 3), F64), True)],
        ["v1 = a1.floor_divide(1)", "v1[None] = a3",
         "v1.backward(T.ones_like(v1), retain_graph=True)"]),
    "linear's bias is part of the product's node: no gradient when the weight was changed": (
        [("a0", np.zeros(3, F64), True), ("a2", np.zeros((2, 3), F64), False), ("a3", np.zeros(2, F64), True)],
        ["v1 = F.linear(a0, a2, a3)", "a2.fill_(T.tensor(2.0))",
         "v1.backward(T.ones_like(v1), retain_graph=True)"]),
    "div with rounding_mode saves its divisor": (
        [("a0", np.zeros((4, 3), F32), True), ("a1", np.zeros(3, I64), False)],
        ["v0 = a0.erf()", "v1 = T.div(v0, a1, rounding_mode='floor')", "a1.fill_(T.tensor(-1))",
         "v1.sum().backward()"]),
    "div with rounding_mode frees what it saved": (
        [("a0", np.zeros(2, F64), True)],
        ["v0 = T.div(a0, T.tensor(1), rounding_mode='trunc')", "v1 = v0.clone()",
         "v0.backward(T.ones_like(v0))", "v1.backward(T.ones_like(v1))"]),
    "x[:] = v is a plain copy_: nothing saved, a second backward through it runs": (
        [("a1", np.array([0.0], F32), False), ("a3", np.array([0.0], F32), True)],
        ["a1[:] = a3", "a1.sum().backward()", "v4 = a1[None].clone()", "v4.sum().backward()"]),
    "adaptive_max_pool2d saves its input: freed by a backward": (
        [("a2", np.zeros((2, 1, 5, 1), F64), True), ("a3", np.zeros((1, 1, 4), F32), True)],
        ["v0 = F.adaptive_max_pool2d(a2, 3)", "v0.sum().backward()", "v2 = F.leaky_relu(v0)",
         "v9 = list(T.autograd.grad(v2.sum(), [a2, a3], retain_graph=True, create_graph=True, allow_unused=True))"]),
    "max_pool2d saves its input: freed by a backward": (
        [("a3", np.zeros((2, 3, 3, 5), F32), True)],
        ["v0 = F.max_pool2d(a3, 2, ceil_mode=True, dilation=2)", "v3 = v0[-2, 2:1].float()",
         "v3.sum().backward()", "v3.sum().backward()"]),
    "std saves its result: refused once that was changed in place": (
        [("a0", np.zeros((2, 4), F32), True), ("a3", np.zeros((3, 3, 1), F32), True)],
        ["v10 = a3.std(unbiased=False)", "v10.zero_()",
         "v12 = list(T.autograd.grad(v10.sum(), [a0, a3], create_graph=True, allow_unused=True))"]),
    "a saved tensor detach_()ed is refused": (
        [("a3", np.zeros((3, 3), F32), True)],
        ["v0 = a3 ** 2", "v4 = T.clamp(v0, min=-1.5, max=None)", "v0.detach_()",
         "v4.sum().backward(retain_graph=True)"]),
    "max pooling's indices and masked_select's mask are saved": (
        [("a0", np.arange(16.0, dtype=F32).reshape(1, 1, 4, 4), True)],
        ["v0, v1 = F.max_pool2d(a0, 2, return_indices=True)", "v1.add_(0)", "v0.sum().backward()",
         "v2, v3 = F.adaptive_max_pool2d(a0, 2, return_indices=True)", "v3.add_(0)", "v2.sum().backward()",
         "v4 = a0 > 5", "v5 = a0.masked_select(v4)", "v4.fill_(True)", "v5.sum().backward()"]),
    # values: signed zeros and infinities (issue 13, "fzval")
    "(-0.0) ** -0.5 is -inf: PyTorch takes rsqrt": (
        [("a4", np.zeros((2, 3, 3), F64), False)],
        ["a4.neg_()", "v3 = a4 ** -0.5"]),
    "relu keeps -0.0 (then rsqrt of it is -inf)": (
        [("a0", np.array([0], I64), False),
         ("a1", np.array([[[[1.0, 0.25, -1.0], [1.0, 1.5, -0.5], [-0.25, 0.25, -1.5], [0.25, 3.0, -1.0]]],
                          [[[0.0, 1.0, -1.5], [-0.5, 3.0, 2.0], [-0.5, 2.0, 3.0], [3.0, 2.0, 0.0]]]], F32), False)],
        ["v1 = a0.logsumexp(-1)", "v4 = a1 // v1", "v8 = v4.expand(2, 1, -1, -1)", "v9 = v8 ** -1",
         "v10 = v9.relu()", "v11 = T.rsqrt(v10)"]),
    "cumsum of -0.0 is +0.0 (a floor division by it gives inf)": (
        [("a1", np.array([0.5], F64), False), ("a2", np.array([0.0, 1.5], F32), False)],
        ["v0 = a1 ** 0", "v3 = T.broadcast_to(a2, (2, 2))", "v7 = -2 % v0", "v8 = v3 * 2",
         "v9 = T.cumsum(v7, dim=0)", "v11 = v8 // v9"]),
    "(-inf) ** tensor(0.5) is inf: a tensor exponent is C's pow, not sqrt": (
        [("a0", np.zeros(4, I64), False), ("a2", np.array(0.5, F32), False)],
        ["v0 = T.log2(a0)", "v3 = v0 ** a2"]),
    "cumsum never gives -0.0 (its reciprocal is inf)": (
        [("a1", np.array([[[[-0.25, -1.5, -0.75], [2.0, -2.0, -0.25], [3.0, 1.0, 0.5]],
                           [[0.5, 0.25, -0.5], [3.0, -0.75, 0.5], [-0.25, -0.25, 0.0]]],
                          [[[-2.0, 1.0, -0.75], [0.5, 0.0, 3.0], [3.0, -1.5, 1.0]],
                           [[0.0, -1.0, -0.5], [-0.5, 1.5, -0.25], [0.0, 0.0, -1.5]]],
                          [[[0.5, -1.0, -1.5], [1.0, -2.0, -0.5], [1.0, 1.5, 0.25]],
                           [[0.25, 0.5, 0.5], [0.25, -1.5, 0.0], [1.0, 1.5, -0.5]]]], F32), False)],
        ["v1 = T.fmod(a1, a1)", "v3 = v1.cumsum(1)", "v7 = v3 ** -1"]),
    "mm with inner size 1: inf * 0 is nan (NumPy's .dot skipped the zero)": (
        [("a4", np.array([[-0.75], [inf]], F64), False), ("a6", np.array([[0.0]], F64), False)],
        ["v7 = T.mm(a4, a6)"]),
    "linear with one input feature: inf * 0 + bias is nan": (
        [("a1", np.array([[inf], [-2.0]], F32), False), ("a3", np.array([[0.0]], F32), False),
         ("a4", np.array([3.0], F32), False)],
        ["v0 = F.linear(a1, a3, a4)"]),
    "matmul (2, 1) @ (1, 2) keeps the product's -0.0, as gemm": (
        [("a1", np.array([[-0.5], [-1.5]], F32), False), ("a2", np.array([[-1.5, 1.0]], F32), False)],
        ["v1 = a1.round()", "v3 = v1 @ a2", "v4 = T.div(a2, v3, rounding_mode='floor')"]),
    "conv1d of single products keeps -0.0, padding included": (
        [("a2", np.zeros((1, 1, 1), F32), False), ("a3", np.array([[[2.0]], [[-0.5]]], F32), False)],
        ["v2 = F.conv1d(a2, a3, None, padding=1, groups=1)", "v7 = a3 / v2"]),
    "pow's gradient with a bool tensor exponent is refused (exponent - 1)": (
        [("a0", np.zeros((2, 3), F32), True), ("a3", np.array(True, B), False)],
        ["v0 = T.pow(a0, a3)", "v0.sum().backward()"]),
    # views changed in place (issue 13, "fzview")
    "a split output written through a mask: the view error comes before the mask's shape": (
        [("a0", np.zeros((2, 1), F32), True), ("a2", np.zeros((2, 3), I64), False),
         ("a3", np.array(0.0, F32), False)],
        ["v0, *v1 = a0.chunk(3, 1)", "v0[a2 > 0] = a3", "v2, v3 = (a0 * 1).split(1)",
         "v2[0] = a3", "v2[0:1] = a3", "v2[5] = a3", "v2[:] = a3"]),
    "a split output whose base was changed in place is refused where autograd reads it": (
        [("a2", np.zeros((1, 2, 3), F64), True)],
        ["v3 = F.softmax(a2, dim=-3)", "v4, *v5 = v3.split(2, 1)", "v3.log_()",
         "v14 = v4.var((0, -1), keepdim=True)", "v6 = v4.detach() + 1", "v7 = v4.long()",
         "v8, v9 = (a2 * 1).unbind(1)", "with T.no_grad(): v8.add_(1)", "v10 = v9 * 2"]),
    "unsqueeze_ of a split output is refused": (
        [("a1", np.zeros((1, 2, 2, 2), F32), True)],
        ["v0 = F.adaptive_avg_pool2d(a1, 3)", "v1 = F.leaky_relu(v0)", "v5, *v6 = v1.split(2, 2)",
         "v5.unsqueeze_(0)", "v6[0].t_()"]),
    "gather with a 0-d index gives no view: detach_() allows it": (
        [("a0", np.array(-1.0, F32), False), ("a2", np.array(0, I64), False),
         ("a3", np.array(0, I64), False)],
        ["v1 = T.gather(a0, -1, a2.clamp(0, 0))", "v1.detach_()",
         "v2 = T.gather(a2, 0, a3.clamp(0, 0))", "v2.detach_()"]),
    "a split of a tensor that needs no grad, written with a value that requires grad": (
        [("a2", np.arange(24, dtype=F64).reshape(1, 2, 4, 3), False),
         ("a5", np.array([1.0, 0.5], F32), False), ("a6", np.array(0.0, F64), True)],
        ["v0 = F.max_pool2d(a2, 3, stride=(2, 1), dilation=1)", "v1, *v2 = v0.split(3, 1)",
         "v1[a5, 0, -1:-1:2] = a6", "v2[0].copy_(a6)", "v2[0].add_(1)"]),
    "views made under no_grad, changed in place and used in grad mode": (
        [("a0", np.zeros((4, 2), F32), True)],
        ["with T.no_grad(): v0 = a0[:2]", "v1 = a0 * 1", "with T.no_grad(): v2 = v1[1:]",
         "v3 = v2[0]", "v1.mul_(2)", "v4 = v3 + 1", "with T.no_grad(): a0.add_(1)",
         "v5 = v0 * 2", "v6 = v0.is_leaf"]),
    # gradients under create_graph and at singular points (issue 13, "fzcg")
    "nll_loss with every target ignored under create_graph: zero gradient, not 0 * inf": (
        [("a1", np.zeros((4, 2), F32), True), ("a3", np.zeros((2, 4), F32), True),
         ("a4", np.full(2, -100, I64), False)],
        ["v0 = F.nll_loss(a3, a4, reduction='mean', ignore_index=-100)",
         "v1 = list(T.autograd.grad(v0.sum(), [a3, a1], create_graph=True, allow_unused=True))"]),
    "linear with a bias is one addmm node: a freed graph raises before the bias gets a gradient": (
        [("a4", np.zeros((2, 1, 5), F32), False), ("a7", np.zeros((2, 5), F32), True),
         ("a8", np.zeros(2, F32), True)],
        ["v4 = F.linear(a4, a7, a8)", "v4.sum().backward()", "v11 = v4[-1:2:2]",
         "v11.backward(T.ones_like(v11), retain_graph=True)",
         "v12 = F.linear(a4[0], a7, a8)", "v12.sum().backward()", "v12.sum().backward()"]),
    "cumprod over a size-1 dim passes its gradient on (not requiring grad)": (
        [("a0", np.zeros((1, 3, 1), F32), True), ("a2", np.zeros((2, 3, 1), F32), True),
         ("a5", np.array([0.0], F64), True)],
        ["v3 = a2.cumprod(2)", "v4 = v3[T.tensor([0], dtype=T.int64), -1]",
         "v7 = list(T.autograd.grad(v4.sum(), [a2, a0], retain_graph=True, create_graph=True, allow_unused=True))",
         "v8 = T.cumprod(a5, dim=0)",
         "v9 = list(T.autograd.grad(v8.sum(), [a5], retain_graph=True, create_graph=True, allow_unused=True))"]),
    "cumprod with zeros under create_graph: differentiable twice": (
        [("a0", np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 1.5, -2.0, 0.0]], F64), True)],
        ["v0 = (a0.cumprod(1) ** 2).sum()",
         "v1 = list(T.autograd.grad(v0, [a0], create_graph=True))",
         "v2 = list(T.autograd.grad((v1[0] * a0).sum(), [a0]))"]),
    "var with no degrees of freedom: inf or nan gradient, constant; a negative dof over a dim": (
        [("a0", np.array([[1.5]], F64), True), ("a1", np.array([[1.0, 2.0, 3.0]], F64), True)],
        ["v0 = list(T.autograd.grad(a0.var(), [a0], create_graph=True))",
         "v1 = list(T.autograd.grad(a1.var(correction=5), [a1], create_graph=True))",
         "v2 = list(T.autograd.grad((a1.var(0, correction=2) ** 2).sum(), [a1], create_graph=True))",
         "v3 = list(T.autograd.grad((a1.var(1) ** 2).sum(), [a1], create_graph=True))",
         "v4 = list(T.autograd.grad((v3[0] * a1).sum(), [a1]))"]),
    "relu's gradient under create_graph is 0 where the output is, also for an infinite gradient": (
        [("a0", np.array([-1.0, 0.0, 2.0, nan], F32), True)],
        ["v0 = list(T.autograd.grad((F.relu(a0) * float('inf')).sum(), [a0], create_graph=True))",
         "v1 = list(T.autograd.grad((F.relu(a0) ** 2).sum(), [a0], create_graph=True))",
         "v2 = list(T.autograd.grad(v1[0].sum(), [a0]))"]),
    "x[...] = v and whole slices are a copy_: a constant zero gradient for x, nothing saved": (
        [("a0", np.ones((2, 3), F64), True), ("a1", np.arange(3.0), True), ("a2", np.ones((2, 3), F64), True)],
        ["v0 = a0 * 2", "v0[...] = a1",
         "v1 = list(T.autograd.grad((v0 * a2 * float('inf')).sum(), [a0, a1, a2], create_graph=True))",
         "v2 = a0 * 2", "v2[:, 0:5] = 3.0",
         "v3 = list(T.autograd.grad((v2 * a2).sum(), [a0, a2], create_graph=True))",
         "v4 = a0 * 2", "v4[-2:] = a1",
         "v5 = list(T.autograd.grad((v4 * a2).sum(), [a0, a1], create_graph=True))"]),
    "adaptive_avg_pool2d to the input's own size is a pooling node (its gradient requires grad)": (
        [("a0", np.arange(12.0).reshape(1, 1, 3, 4), True)],
        ["v0 = F.adaptive_avg_pool2d(a0, (3, 4))",
         "v1 = list(T.autograd.grad(v0.sum(), [a0], create_graph=True))"]),
    "backward() of an int scalar marked by an assignment is refused": (
        [("a1", np.array([1.0], F32), False), ("a4", np.array(0.0, F32), True)],
        ["v0 = a1.argmax()", "v1 = v0.expand(2)", "v1[v1 > 0] = a4",
         "v0.backward(retain_graph=True)"]),
    "prod with zeros under create_graph: differentiable twice": (
        [("a0", np.array([[2.0, 0.0, 3.0], [0.0, 1.5, 0.0], [1.0, -2.0, 0.5]], F64), True)],
        ["v0 = list(T.autograd.grad((a0.prod(1) ** 2).sum(), [a0], create_graph=True))",
         "v1 = list(T.autograd.grad((v0[0] * a0).sum(), [a0]))",
         "v2 = list(T.autograd.grad(a0[0].prod() * a0.sum(), [a0], create_graph=True))",
         "v3 = list(T.autograd.grad(v2[0].sum(), [a0]))"]),
    "norm's second derivative at a zero norm is nan, as PyTorch's": (
        [("a0", np.array([[0.0, 0.0], [3.0, 4.0]], F64), True)],
        ["v0 = list(T.autograd.grad((a0.norm(dim=1) ** 2).sum(), [a0], create_graph=True))",
         "v1 = list(T.autograd.grad(v0[0].sum(), [a0]))"]),
    "max() of everything under create_graph: the gradient only where the maximum (a nan) is": (
        [("a0", np.array([0.0, 1.0, -2.0, inf, nan], F32), True), ("a1", np.array([1.0, 3.0, 3.0], F64), True)],
        ["v0 = list(T.autograd.grad(a0.max() * 1.5, [a0], create_graph=True))",
         "v1 = list(T.autograd.grad(a1.max() * float('inf'), [a1], create_graph=True))",
         "v2 = list(T.autograd.grad(a1.min() ** 2, [a1], create_graph=True))",
         "v3 = list(T.autograd.grad(v2[0].sum(), [a1]))"]),
    # engine, round 2 (issue 13, "fzver")
    "matmul of a matrix by a batch saves a copy of the batch: changing it after is unseen": (
        [("a0", np.zeros((4, 3), F32), True), ("a1", np.zeros((2, 3, 2), F32), False)],
        ["v0 = a0 @ a1", "v2 = 2.5 ** a1", "a1.masked_fill_(v2 > 0, 1.0)", "v0.sum().backward()"]),
    "matmul of a vector by a batch saves a copy of the batch": (
        [("a2", np.zeros(2, F32), True), ("a3", np.zeros((2, 2, 2), F32), False)],
        ["v0 = a2.masked_fill(a2 > 0, 2.5)", "v2 = T.matmul(v0, a3)", "a3.masked_fill_(a3 > 0, 1)",
         "v2.backward(T.ones_like(v2))"]),
    "matmul of a batch whose fold is a view saves the batch itself": (
        [("a0", np.zeros((4, 3), F32), True), ("a1", np.zeros((1, 3, 2), F32), False)],
        ["v0 = a0 @ a1", "a1.add_(1)", "v0.sum().backward()"]),
    "exp2 saves its result, not its input": (
        [("a2", np.zeros((4, 4, 4), F32), True)],
        ["v0 = a2.sub(a2)", "v1 = T.exp2(v0)", "v2 = v1.log2()", "v0.masked_fill_(a2 > 0, 3)",
         "v2.backward(T.ones_like(v2))", "v3 = T.exp2(a2 * 1)", "v3.add_(1)", "v3.sum().backward()"]),
    "a convolution saves its input and weight also when the bias alone requires grad": (
        [("a2", np.zeros((2, 2, 2), F64), False), ("a3", np.zeros((2, 1, 2), F64), False),
         ("a4", np.zeros(2, F64), True)],
        ["v1 = F.conv1d(a2, a3, a4, stride=1, padding=0, groups=2)", "v3 = T.add(v1, 1, alpha=-0.5)",
         "a2[...] = T.tensor(0.5, dtype=T.float64)", "v3.sum().backward(retain_graph=True)"]),
    "a write through a view is one CopySlices node: a failed walk orders its leaves as it": (
        [("a0", np.zeros((2, 2), F32), True), ("a2", np.zeros(2, F64), True)],
        ["v2 = a0 // a0", "v4 = v2[...]", "v4[:, -1] = a2", "v2.sum().backward()"]),
    "a write through a view of a NotImplemented value: the leaves its CopySlices readies": (
        [("a0", np.ones((2, 2), F32), True), ("a1", np.ones(2, F32), True),
         ("a2", np.ones((2, 2), F32), True)],
        ["v0 = a0 * 1", "v1 = v0[...]", "v1[:, -1] = a1 // a1", "(v0 * a2).sum().backward()",
         "v3 = a0 // a0", "v4 = v3[0]", "v5 = v4 * a2[1]", "v4.mul_(a1)",
         "(v3.sum() + v5.sum()).backward()"]),
    # views, round 2 (issue 13, "fzview")
    "retain_grad of views made without a node, after their base was written with grad": (
        [("a0", np.ones((3, 3), F32), False), ("a2", np.zeros(9, F32), True)],
        ["v0, *v1 = a0.chunk(3, 1)", "with T.no_grad(): v3 = a0[0]", "a0[a0 > 0] = a2",
         "v0.retain_grad()", "v3.retain_grad()", "v4 = v3.requires_grad",
         "v2 = v0.permute(1, 0)", "v5 = v3 + 1"]),
    "bool and int split/chunk/unbind outputs filled with a value that requires grad (copied: no)": (
        [("a0", np.zeros((1, 2), np.bool_), False), ("a1", np.array(2.0, F64), True),
         ("a2", np.zeros((2, 3), I64), False), ("a3", np.arange(3, dtype=F64), True)],
        ["v0, *v1 = a0.chunk(3, 0)", "v0[-1:1:1, 0] = a1", "v2, v3 = a2.unbind(0)",
         "v2.copy_(a3)", "v2[None] = a3", "v2[0] = a1", "v2[:] = a3", "v2.fill_(a1)",
         "a2[1, 0:2] = a1", "v4 = v3 + 1"]),
    "F.linear of a non-matrix input with a bias is a view: detach_() refuses it": (
        [("a2", np.array([-2.0, 0.25, 1.0, 3.0], F64), False), ("a5", np.zeros((1, 4), F64), False),
         ("a6", np.array([0.5], F64), False), ("a7", np.ones((2, 3, 4), F64), True),
         ("a8", np.zeros((2, 1, 0), F64), False), ("a9", np.zeros((1, 0), F64), False)],
        ["v4 = F.linear(a2, a5, a6)", "v4.detach_()", "v5 = F.linear(a7, a5, a6)",
         "v5.detach_()", "v6 = F.linear(a7, a5)", "v6.detach_()", "v7 = F.linear(a7[0], a5, a6)",
         "v7.detach_()", "v8 = F.linear(a8, a9, a6)", "v8.detach_()"]),
    "copy_ of an expand()ed tensor onto its own data copies nothing and refuses nothing": (
        [("a4", np.zeros((2, 2, 2, 1), F32), False), ("a5", np.zeros((2, 1), F64), True)],
        ["v2 = F.adaptive_max_pool2d(a4, (2, 1))", "v2[0, :, -1] = a5",
         "v8 = T.broadcast_to(v2, (2, 2, 2, 2))", "v8.copy_(v8)", "v8.copy_(v8[:])",
         "v9 = a4.expand(2, 2, 2, 3)", "v9.copy_(v9[:])", "v9[:] = v9", "v9.copy_(v9 + 1)"]),
    "topk's values and indices are no views: detach_() allows them": (
        [("a0", np.array([3.0, 1.0, 2.0, 5.0], F32), True)],
        ["v0, v1 = a0.topk(2)", "v2 = v0 * 1", "v0.detach_()", "v1.detach_()",
         "v2.sum().backward()"]),
    # gradients, requires_grad and is_leaf, round 2 (issue 13, "fzcg")
    "layer_norm's gradient through an infinite one is nan where PyTorch's is (x = 0)": (
        [("a0", np.arange(12.0, dtype=F32).reshape(3, 4), True)],
        ["v1 = F.layer_norm(a0, (4,))", "v1 /= a0", "v1.sum().backward(retain_graph=True)"]),
    "binary_cross_entropy_with_logits: (sigmoid(x) - t) g, one product, also for an infinite g": (
        [("a1", np.zeros(3), True), ("a2", np.array([0.0, 0.5, 1.0]), False),
         ("a3", np.array([-1.0, 0.5, 2.0]), True), ("a4", np.array([0.5, 2.0, 1.5]), False)],
        ["v1 = F.binary_cross_entropy_with_logits(a1, a2.sigmoid(), reduction='sum')",
         "v2 = a2[0]", "v3 = v1 / v2", "v3.backward()",
         "v4 = F.binary_cross_entropy_with_logits(a3, a2, pos_weight=a4)",
         "v5 = list(T.autograd.grad(v4, [a3], create_graph=True))",
         "v6 = list(T.autograd.grad((v5[0] ** 2).sum(), [a3]))"]),
    "cumprod of an empty tensor passes the gradient on: under create_graph it needs no grad": (
        [("a8", np.zeros((0, 2), F32), True), ("a12", np.zeros(3, F32), True)],
        ["v10 = a8.cumprod(1)",
         "v13 = list(T.autograd.grad(v10.sum(), [a12, a8], create_graph=True, allow_unused=True))"]),
    "where: a marked bool condition takes no gradient; two numbers give float32": (
        [("a2", np.zeros((3, 2), np.int64), False), ("a5", np.array(0.0), True)],
        ["v8 = a2 > 0", "v8[-3] = a5", "v9 = T.where(v8, a2, 1.0)", "v10 = T.where(v8, 1.0, 2.0)"]),
    "an in-place op with a marked integer operand marks its integer target": (
        [("a2", np.array(True), False), ("a3", np.array(False), False), ("a4", np.array(0.0, F32), True),
         ("a5", np.arange(2), False), ("a6", np.zeros(2, F32), False)],
        ["a3[None] = a4", "a2 += a3", "v0 = a5 * 1", "v0[None] = a4", "a5.mul_(v0)",
         "a6.clamp_(min=a4)"]),
    "a view changed in place before its base requires grad is no leaf (it reads its base)": (
        [("a4", np.zeros((4, 3), F32), False), ("a1", np.zeros((2, 3, 3, 2), F32), False),
         ("a2", np.zeros((3, 3)), False)],
        ["v5 = a4[None]", "v5.masked_fill_(v5 > 0, -1)", "a4.requires_grad_()",
         "v2 = a1.narrow(-3, 0, 1)", "a1[a1 > 0] = 1", "a1.requires_grad_()",
         "v3 = a2[...].fill_(-2)", "v4 = a2[0]", "a2.requires_grad_()",
         "(v5 * 2).sum().backward()", "(v2 * v3).sum().backward()"]),
    # values, round 2 (issue 13, "fzval")
    "-0.0 from trunc/floor division, fmod, conv, linear and nll_loss: ** -0.5 and 1/x are -inf": (
        [("a0", np.array([[1.5, 0.5, 0.5, -0.75]], F32), False),
         ("a1", np.array([0.0, 0.5, -2.0], F32), False), ("a2", np.zeros((2, 2, 5), F64), False),
         ("a3", np.array([[[0.25]], [[0.5]], [[0.0]], [[-1.0]]], F64), False),
         ("a4", np.zeros((3, 2, 1), F32), False), ("a5", np.array([[-1.0], [-1.0], [0.25]], F32), False),
         ("a6", np.zeros((3, 3), F64), False), ("a7", np.zeros(3, I64), False),
         ("a8", np.array([0.0, 1.0, 2.0], F32), False)],
        ["v0 = T.pow(T.div(a0, T.tensor(1), rounding_mode='trunc'), -0.5)",
         "v1 = T.fmod(a1, T.tensor(-2)).pow(-0.5)",
         "v2 = T.reciprocal(F.conv1d(a2, a3, None, padding=1, groups=2))",
         "v3 = T.mul(F.linear(a4, a5, None), 0.5).reciprocal()",
         "v4 = F.nll_loss(a6, a7, reduction='none') ** -0.5",
         "v5 = T.div(a8, -2, rounding_mode='floor')", "v5.pow_(-0.5)"]),
    "a tensor exponent 0.5 is C's pow in place too; -0.0 and nan weights in linear": (
        [("a0", np.full((4, 1), 0.0, F32), False), ("a1", np.array([[0.5]], F64), False),
         ("a2", np.array([[2.0], [inf], [-0.25]], F32), False),
         ("a3", np.array([[0.0], [-0.75]], F32), False), ("a4", np.zeros(2, F32), False),
         ("a5", np.array([[0.0]], F32), False), ("a6", np.array([[-0.25], [-2.0], [-inf]], F32), False),
         ("a7", np.array([-inf], F32), False)],
        ["v0 = -2 / a0", "v0.pow_(a1)", "v1 = F.linear(a2, a3, a4) ** -0.5",
         "v2 = F.linear(a5, a6, None)", "v3 = a7 ** T.tensor(0.5, dtype=T.float64)"]),
    "pow's gradient with a bool exponent is refused: in place, 0-d, a comparison's result": (
        [("a0", np.zeros((2, 3, 6), F64), True), ("a1", np.zeros(3, F64), False),
         ("a2", np.full(6, False), False), ("a3", np.array([1.0], F32), True),
         ("a4", np.zeros(3, F64), True)],
        ["v0 = F.batch_norm(a0, a1, a1.clone(), a1.clone(), None, training=True, momentum=0.5, eps=0.1)",
         "v0.pow_(a2)", "v1 = list(T.autograd.grad(v0.sum(), [a0], retain_graph=True))",
         "v2 = a3 ** T.tensor(False)", "v3 = list(T.autograd.grad(v2.sum(), [a3]))",
         "v4 = T.pow(a4, a4 <= 0.5)", "v4.sum().backward()"]),
    "an in-place result's shape is checked before its dtype (pow_ on bool, float into int)": (
        [("a0", np.full((2, 1), False), False), ("a1", np.array(2, I64), False),
         ("a2", np.array([[1.5, 2.0]], F32), False), ("a3", np.array([[True, False]]), False)],
        ["v0 = a0.min()", "v0.pow_(a0.reshape(1, 2))", "a1.pow_(a2)", "a1.add_(a2)", "a1.mul_(a2)",
         "a1.div_(a2, rounding_mode='floor')", "a1.clamp_(a2)", "a1.addcmul_(a2, a2)",
         "v0.div_(a3, rounding_mode='floor')", "a1.lerp_(a2, 0.5)"]),
    "relu's gradient is 0 where relu is 0, a nan gradient too, under create_graph": (
        [("a2", np.zeros((2, 1, 3), F32), True)],
        ["v2 = F.relu(a2)", "v3 = T.div(v2, v2, rounding_mode=None)",
         "v4 = list(T.autograd.grad(v3.sum(), [a2], create_graph=True, allow_unused=True))"]),
    "max()/min() of everything: a nan gradient goes only where the extremum is (create_graph)": (
        [("a1", np.ones((1, 2, 1), F32), False), ("a2", np.array([[0.0], [1.0]], F32), True),
         ("a3", np.full(2, -0.25, F32), False), ("a6", np.zeros((2, 2, 2), F32), False)],
        ["v0 = F.linear(a1, a2, a3)", "a3.sqrt_()", "v2 = v0.min()", "v3 = v0.max()",
         "v4 = a3 @ a6", "v7 = v2 * v4", "v8 = list(T.autograd.grad(v7.sum(), [a2], create_graph=True))",
         "v9 = v3 * v4", "v10 = list(T.autograd.grad(v9.sum(), [a2], create_graph=True))"]),
    "a dim that None adds has PyTorch's stride: unsqueeze's, before the next index applies": (
        [("a2", np.zeros((2, 2, 5, 2), F64), False)],
        ["v2 = a2[None, -1:3]", "v11 = v2.stride()", "v3 = a2[None, 0].stride()",
         "v4 = a2[:, None, 1:].stride()", "v5 = a2[None, ..., None, 1, None].stride()",
         "v6 = a2[1:, None].storage_offset()", "v7 = a2[1:].unsqueeze(0).storage_offset()",
         "v2.add_(1)", "v8 = v2.is_contiguous()"]),
    "addcdiv of two integer or bool tensors is refused, in place too": (
        [("a0", np.array([2.0, 3.0], F32), False), ("a1", np.array([1, 2], I64), False),
         ("a2", np.array([True, True]), False)],
        ["v0 = T.addcdiv(a0, a1, a1)", "a0.addcdiv_(a1, a2)", "a1.addcdiv_(a1, a2)",
         "v1 = T.addcdiv(a1, a0, a1)"]),
    "nll_loss under create_graph: a nan gradient stays at the targets; layer_norm adds +0.0": (
        [("a0", np.array([[1.0, 2.0], [3.0, 1.0]], F32), True), ("a1", np.array([0, 1]), False),
         ("a2", np.zeros((2, 3, 2), F32), True), ("a3", np.array([[0, 2], [1, -100]]), False),
         ("a4", np.array([[-0.0, 0.0], [-0.0, -0.0]], F32), False)],
        ["v0 = F.nll_loss(a0, a1, reduction='none') * nan",
         "v1 = list(T.autograd.grad(v0.sum(), [a0], create_graph=True))",
         "v2 = F.nll_loss(a2, a3, reduction='none') * inf",
         "v3 = list(T.autograd.grad(v2.sum(), [a2], create_graph=True))",
         "v4 = 1 / F.layer_norm(a4, (2,))", "v5 = 1 / F.layer_norm(a4, (2,), T.tensor([1.0, -1.0]))"]),
    "expand keeps a size-1 dim's stride; a new size-1 dim is contiguous with the next": (
        [("a1", np.array([[[[-2.0]], [[-0.25]]]], F64), False), ("a2", np.zeros((2, 3), F32), False)],
        ["v3 = a1.expand(2, -1, 1, 2)", "v8 = v3.stride()", "v4 = a2[:, 1:2].expand(1, 2, 2, 1)",
         "v9 = v4.stride()", "v10 = a2[:, 1:2].expand(2, 1, 2, 1).stride()", "v4[0, 0, 0] = 5.0",
         "v11 = v4.storage_offset()"]),
    "fmax/fmin keep the first operand at a tie of -0.0 and 0.0 (its reciprocal's sign)": (
        [("a0", np.array([-0.0, 0.0, nan, 1.0, -inf], F32), False),
         ("a1", np.array([0.0, -0.0, 1.0, nan, inf], F32), False)],
        ["v0 = 1 / T.fmax(a0, a1)", "v1 = 1 / T.fmin(a0, a1)", "v2 = 1 / T.fmax(a1, a0)",
         "v3 = 1 / a1.fmin(a0)"]),
    # engine, round 3 (issue 13, "fzver")
    "matmul whose batch dims do not broadcast, an operand requiring grad: PyTorch's size error": (
        [("a0", np.zeros((2, 0, 4, 0), F32), False), ("a1", np.zeros((2, 0, 2), F32), True),
         ("a2", np.zeros((2, 0, 0, 1), I64), False), ("a3", np.zeros((2, 1, 2), F64), True),
         ("a4", np.zeros((2, 3, 4, 4), F64), False), ("a5", np.zeros((2, 4, 2), F64), True)],
        ["v0 = a0 @ a1", "v1 = T.matmul(a2, a3)", "v2 = a4 @ a5"]),
    "lerp_ with a number weight saves no tensor: a second backward through it is no error": (
        [("a0", np.zeros((4, 2), F32), True), ("a1", np.zeros((2,), F32), False)],
        ["v1 = T.add(a0, a0, alpha=-1.5)", "v1.lerp_(a1, 0.5)", "v1.sum().backward()",
         "v1.sum().backward()", "v2 = T.lerp(a0, a1, 0.25)", "v2.sum().backward()",
         "v2.sum().backward()"]),
    "a 0-d index, or take_along_dim's indices, changed in place after use: no version error": (
        [("a0", np.array([-0.5, 2.0]), False), ("a4", np.zeros((1, 3)), True),
         ("a5", np.arange(12.0).reshape(3, 4), True), ("a6", np.array([[2, 0, 1, 1]]), False)],
        ["v3 = a0 - a0", "v6 = T.argmin(v3, 0, keepdim=False)", "v7 = a4[[0, -1, -1], v6]",
         "v6[None] = 1", "v7.backward(T.ones_like(v7), retain_graph=True)",
         "v8 = T.tensor(True)", "v9 = a5[[2, 0], v8]", "v8.fill_(False)", "v9.sum().backward()",
         "v10 = T.take_along_dim(a5, a6, 0)", "a6[0, 0] = 1", "(v10 * v10).sum().backward()"]),
    # values, round 3 (issue 13, "fzval")
    "dilated conv1d of one product per output: a padded output's -0.0 is +0.0": (
        [("a0", np.array(1.0, F32), False),
         ("a1", np.array([[[-0.75, -0.5, 3.0, 2.0, -2.0]]], F64), False),
         ("a2", np.array([[[-0.75]], [[0.5]]], F64), False)],
        ["v0 = F.conv1d(a1, a2, None, padding=1, dilation=2, groups=1)",
         "v6 = T.masked_select(v0, a0 > 0)", "v9 = a0 // v6"]),
    # the 30-minute run after the merges (issue 13)
    "layer_norm over an empty normalized shape has an empty gradient": (
        [("a0", np.zeros((2, 0), F32), True), ("a1", np.zeros(0, F32), True)],
        ["v0 = F.layer_norm(a0, (0,))", "v0.sum().backward(retain_graph=True)",
         "v1 = F.layer_norm(a0, (0,), a1, a1)", "v1.sum().backward()"]),
    # session 7's runs (issue 13)
    "retain_grad follows a tensor changed in place; earlier hooks stay with the old value": (
        [("a0", np.zeros(3), True), ("a3", np.ones((3, 1), bool), False)],
        ["v1 = a3.fmax(a0)", "v1.retain_grad()", "v1[-1] = T.tensor(-2)",
         "v1.sum().backward()", "v10 = v1.grad",
         "v2 = a0 * 2", "v2.retain_grad()", "v3 = []",
         "h = v2.register_hook(lambda g: v3.append(g.sum().item()))", "v2.mul_(3)",
         "v2.register_hook(lambda g: v3.append(g.sum().item()))", "(v2 * 5).sum().backward()",
         "v11 = v2.grad", "v12 = list(v3)"]),
    "a view made before its base requires grad: no requires_grad once the base is detach_()ed": (
        [("a2", np.zeros((3, 3), F32), False)],
        ["v4 = a2.narrow(-2, 1, 0)", "v5 = a2[1]", "a2.requires_grad_()", "v6 = v5.requires_grad",
         "a2.detach_()"]),
    "a view made before its base requires grad has no edge for autograd.grad": (
        [("a1", np.zeros((1, 3), F32), False)],
        ["v0 = a1.flatten(-2)", "a1.requires_grad_()", "v1 = T.clamp(v0, min=0.5, max=1)",
         "v2 = list(T.autograd.grad(v1.sum(), [v0, a1], retain_graph=True, allow_unused=True))"]),
    "a 0-d value filled into part of an expanded bool tensor marks it as requiring grad": (
        [("a0", np.zeros((3, 3), bool), False), ("a8", np.array(0.0, F32), True)],
        ["v3 = a0.expand(2, -1, 3)", "v3[0, -2] = a8"]),
    "stride of a matrix (requiring grad) times a batch: PyTorch's transposed product": (
        [("a0", np.zeros((1, 2), F32), True), ("a1", np.ones((3, 2), F32), True),
         ("a5", np.arange(8, dtype=F32).reshape(2, 2, 2), False),
         ("a6", np.arange(8, dtype=F32).reshape(4, 2, 1), False)],
        ["v4 = a0 @ a5", "v9 = v4.stride()", "v5 = a1 @ a6", "v10 = v5.stride()",
         "v6 = a1 @ a5.expand(2, 2, 2)", "v11 = v6.stride()", "v6.sum().backward()"]),
    "single-product conv1d of a float32 batch: -0.0 kept by the gemm, not by oneDNN": (
        [("a1", np.array([[[-2.0, 1.0, -0.5, 1.0, -0.25, 1.5]], [[3.0, -2.0, -0.5, 0.25, 0.0, 1.5]]],
                         F32), False),
         ("a2", np.array([[[0.5]], [[0.0]]], F32), False)],
        ["v0 = F.conv1d(a1, a2, None, stride=1, groups=1)", "v1 = v0 ** -1",
         "v2 = F.conv1d(a1, a2, None, stride=2)", "v3 = v2 ** -1",
         "v4 = F.conv1d(a1, a2.reshape(1, 2, 1), None, groups=2)", "v5 = v4 ** -1"]),
    "pow of a bool base: the exponent's gradient is nan where the incoming one is": (
        [("a1", np.array([[3.0, 3.0, -0.5], [1.5, 1.5, -0.75], [2.0, 3.0, -0.75]], F32), True)],
        ["v0 = a1.to(T.int64)", "v1 = T.lt(v0, False)", "v4 = T.pow(v1, a1)",
         "v8 = F.layer_norm(v4, (3,))", "v8.sum().backward(retain_graph=True)"]),
    "a mask with more dims than a split output has: too many indices, before the view's error": (
        [("a1", np.zeros(3), True), ("a6", np.zeros((4, 3), bool), False),
         ("a7", np.array(0.0, F32), False)],
        ["v6, *v7 = a1.split(1, -1)", "v6[a6] = a7"]),
    "an index put into an expanded tensor: refused in backward only if its basic part overlaps": (
        [("a2", np.array([0.0, 1.0]), True)],
        ["v1 = a2 ** 1", "v2 = T.broadcast_to(v1, (3, 2))", "v2[T.tensor(True), -1:1] = 0.5",
         "v2.sum().backward(retain_graph=True)", "v3 = (a2 * 1).expand(3, 2)",
         "v3[0, T.tensor([0, 1])] = 0.5", "v3.sum().backward(retain_graph=True)",
         "v4 = (a2 * 1).expand(3, 2)", "v4[T.tensor([0, 1]), 0] = 0.5", "v4.sum().backward()"]),
    "nll_loss and cross_entropy of one sample with a target of shape (1,)": (
        [("a0", np.zeros(3, F32), True), ("a6", np.array([0]), False),
         ("a7", np.array([0, 1]), False), ("a8", np.array(2), False)],
        ["v0 = F.cross_entropy(a0, a6, reduction='sum', ignore_index=0)",
         "v1 = F.nll_loss(a0, a6, reduction='none')", "v2 = F.cross_entropy(a0, a6)",
         "v3 = F.nll_loss(a0, a8, reduction='none')", "v4 = 1 / v3",
         "v5 = F.cross_entropy(a0, a6, label_smoothing=0.1)", "v6 = F.nll_loss(a0, a7)",
         "v2.backward()"]),

    "a failed backward through a batched matmul: its leaves filled before the reshape's node": (
        [("a2", np.zeros((2, 1, 0), F32), True), ("a5", np.zeros(0, F32), True),
         ("a6", np.ones((2, 2, 3), F32), True), ("a7", np.ones(3, F32), True)],
        ["v0 = a2 // T.tensor(0)", "v6 = T.matmul(v0, a5)", "v6.sum().backward()",
         "v1 = a6 // 2", "v7 = T.matmul(v1, a7)", "v7.sum().backward()"]),

    "an in-place op that saves its output (relu_, exp_ ...) saves the tensor as it is after": (
        [("a3", np.zeros((0, 2), F32), True), ("a4", np.zeros(0, np.int64), False),
         ("a5", np.ones(2, F32), True)],
        ["v0 = F.cross_entropy(a3, a4, reduction='none', ignore_index=0)", "v0.relu_()",
         "v0.pow_(a4)", "v0.backward(T.ones_like(v0))",
         "v1 = a5 * 1", "v1.exp_()", "v1.add_(1)", "v1.sum().backward()",
         "v2 = a5 * 1", "v3 = v2[:1]", "v3.sigmoid_()", "v2.mul_(2)", "v2.sum().backward()"]),
    "gather saves its input: changing it in place afterwards is refused in backward": (
        [("a0", np.zeros((1, 3)), True), ("a4", np.array([[0]]), False)],
        ["v0 = F.normalize(a0, dim=0)", "v2 = T.gather(v0, 1, a4.clamp(0, 2))", "v0.pow_(v2)",
         "v2.sum().backward()"]),

    "integer division with rounding_mode='trunc' is exact beyond float32's integers": (
        [("a2", np.array([[-3, 4], [1, -1], [-3, 4], [-2, 2]]), False),
         ("a3", np.array([[-1, 4], [-2, -3], [1, 3], [-3, 1]]), False)],
        ["a2.mul_(a3)", "v4 = T.pow(a3, a2)", "v5 = T.div(v4, 3, rounding_mode='trunc')",
         "v6 = T.div(a2, a3, rounding_mode='trunc')", "v7 = T.div(a2, -2, rounding_mode='trunc')"]),
    "create_graph through an array-only backward: a leaf detach_()ed since is a constant": (
        [("a2", np.zeros((4, 3)), True), ("a5", np.zeros((1, 1), F32), True),
         ("a6", np.zeros(1, F32), False), ("a7", np.zeros(1, F32), False),
         ("a8", np.zeros(1, F32), True)],
        ["v5 = F.batch_norm(a5, a6, a7, None, a8, training=False, momentum=0.1, eps=1e-05)",
         "a5.detach_()",
         "v6 = list(T.autograd.grad(v5.sum(), [a2, a8], create_graph=True, allow_unused=True))"]),
    "requires_grad_() of an integer tensor a write marked: the dtype is refused first": (
        [("a0", np.zeros((3, 1), np.int64), False), ("a1", np.array(0.0), True)],
        ["a0[3:0:2] = a1", "a0.requires_grad_()"]),
    "requires_grad = True on a non-leaf is refused (requires_grad_() lets it pass)": (
        [("a0", np.ones(2, F32), True)],
        ["v0 = a0 * 2", "v0.requires_grad_()", "v0.requires_grad = True"]),
    "autograd.grad for a tensor whose node has nothing wanted behind it does not run the node": (
        [("a0", np.zeros((3, 2), F32), True)],
        ["v0 = T.fmod(a0, a0)", "v0.sum().backward()",
         "v8 = list(T.autograd.grad(v0.sum(), [v0], retain_graph=True, allow_unused=True))"]),

    "neg_ of a strided view (NumPy 2.4 negates some strided arrays into themselves wrongly)": (
        [("a1", np.arange(12, dtype=F32).reshape(3, 4), False),
         ("a2", np.arange(16, dtype=F64).reshape(2, 8), False),
         ("a3", np.arange(12, dtype=np.int32).reshape(3, 4), False)],
        ["v2 = a1[:, 0]", "v2.neg_()", "a2[:, 0].neg_()", "a3[:, 1].neg_()"]),
    "a Python bool divided by a tensor is its reciprocal times the bool, as in PyTorch": (
        [("a2", np.zeros((2, 3, 4, 2)), True)],
        ["v3 = F.max_pool2d(a2, 1, stride=1)", "v6 = F.hardtanh(v3)", "v7 = False / v6",
         "v9 = T.mul(v7, -2)", "v6.fill_(T.tensor(-1))", "v9.sum().backward(retain_graph=True)",
         "v10 = True / T.tensor([2, 0])"]),

    "an elementwise result takes PyTorch's layout: the first operand decides, ties as there": (
        [("a0", np.arange(9, dtype=I64).reshape(3, 3), False),
         ("a1", np.arange(24, dtype=F32).reshape(2, 3, 4), True)],
        ["v0 = T.sub(a0.t(), a0, alpha=3)", "v1 = v0.stride()", "v2 = a0[-1] % v0",
         "v3 = v2.contiguous()", "v4 = T.ne(a1.permute(1, 2, 0), 0).stride()",
         "v5 = (a1.permute(2, 0, 1) * a1.permute(2, 1, 0).transpose(1, 2)).stride()",
         "v6 = (a1.permute(2, 0, 1) + a1.permute(2, 0, 1)[0]).stride()",
         "v7 = T.broadcast_to(a0.ceil(), (2, 3, 3)) // T.tensor(1.0)", "v8 = v7.view(2, 9)",
         "v11 = a1.transpose(0, 2).clone().stride()", "v12 = a1.transpose(0, 2).contiguous().stride()",
         "v13 = T.where(a0.t() > 2, a0.t(), 0).stride()", "v14 = F.relu(a1.transpose(1, 2)).stride()",
         "v15 = a1.transpose(0, 1).double().stride()", "v16 = T.clamp(a0.t(), 0, 3).stride()",
         "v17 = (a1.transpose(1, 2) * 2).exp()", "v17.sum().backward()"]),
    "an advanced index's result takes PyTorch's layout: the source's kept dims, the index's own": (
        [("a0", np.arange(96.0).reshape(2, 2, 4, 6) > 40, False),
         ("a1", np.arange(24, dtype=F32).reshape(2, 3, 4), True), ("a2", np.zeros((6, 2), I64), False)],
        ["v0 = a0[None, T.tensor([-2, 1]), -2, 0]", "v1 = v0.stride()", "v2 = T.matmul(v0, a2)",
         "v3 = a1.permute(2, 1, 0)[[0, 1]].stride()", "v4 = a1.permute(2, 1, 0)[:, [0, 1]].stride()",
         "v5 = a1.permute(1, 2, 0)[[0, 1], :, [1, 0]].stride()",
         "v6 = a1.permute(2, 0, 1)[:, a1[:, :, 0] > 3].stride()",
         "v7 = a1.transpose(0, 2)[:, T.tensor([[0, 1], [1, 0]]).t()].stride()",
         "v8 = a1.transpose(1, 2)[T.tensor([1, 0])]", "v9 = v8.stride()", "v10 = v8.contiguous()",
         "v8.sum().backward()"]),
    "batch norm's input gradient of an (N, C) batch rounds as PyTorch's row loop (a cancelling batch)": (
        [("a0", np.array([[-0.75, 1.5], [0.0, nan]], F32), True), ("a1", np.array([[1], [-1]], np.int32), False),
         ("a2", np.array([0.0, 1.5], F32), False), ("a3", np.array([3.5, 2.0], F32), False),
         ("a4", np.array([1.0, -1.5], F32), False), ("a5", np.array([-1.0, 1.5], F32), True)],
        ["v0 = F.batch_norm(a0, a2, a3, a4, a5, training=True, momentum=0.5, eps=1e-05)",
         "v2 = T.div(a1, v0, rounding_mode=None)",
         "v7 = list(T.autograd.grad(v2.sum(), [a0, a5], allow_unused=True))"]),
    "an empty view of a tensor changed in place passes a constant zero gradient (create_graph)": (
        [("a2", np.zeros((2, 3, 3, 3)), False), ("a4", np.array(0.0, F32), True)],
        ["v1 = F.adaptive_avg_pool2d(a2, 2)", "v2 = v1[-1:2, 3:-3:2, 1:0]", "v1[v1 > 0] = a4",
         "v4 = v2 ** 0.5",
         "v8 = list(T.autograd.grad(v4.sum(), [a4], retain_graph=True, create_graph=True, allow_unused=True))"]),
    "conv1d's failed backward fills the leaves PyTorch's one node fills (input, weight, bias order)": (
        [("a1", np.zeros((4, 1, 3), F32), True), ("a2", np.zeros((2, 1, 2), F32), True),
         ("a3", np.ones(2, F32), True)],
        ["v0 = -1.5 % a1", "v2 = F.conv1d(v0, a2, a3, dilation=2)", "v2.sum().backward()",
         "v3 = F.conv1d(a1.detach().requires_grad_(), -1.5 % a2, a3)", "v3.sum().backward()"]),
    "an int index selects before an index put checks its value (out of range on an empty dim)": (
        [("a0", np.zeros((3, 0, 3), I64), False), ("a1", np.zeros(3, B), False),
         ("a2", np.array(inf, F32), False)],
        ["a0[a1, 0, :] = a2"]),
    "cumsum of a 0-d tensor copies it (-0.0 stays -0.0)": (
        [("a2", np.array(False), False), ("a3", np.array(2.0, F32), True)],
        ["v1 = T.div(a2, -1.5)", "v8 = v1.cumsum(0)", "v13 = v8 ** -1",
         "v14 = a3.cumsum(-1)", "v14.backward()", "v15 = T.tensor(True).cumsum(0)"]),
    "an in-place op's node has its tensor's dtype (float32 /= float64): retain_grad gets float32": (
        [("a3", np.zeros(2, B), False), ("a4", np.array([0.0]), True)],
        ["v1 = a3 / a3", "v1 /= a4", "v1.retain_grad()",
         "v5 = list(T.autograd.grad(v1.sum(), [a4], retain_graph=True))", "v1.sum().backward()",
         "v6 = v1.grad"]),
    "prod over a size-1 dim with a zero passes the gradient itself (create_graph)": (
        [("a2", np.array([0.0], F32), True), ("a3", np.array([[0.0], [2.0]], F32), True)],
        ["v6 = a2.prod(0)", "v7 = list(T.autograd.grad(v6.sum(), [a2], create_graph=True))",
         "v8 = list(T.autograd.grad(a2.prod(), [a2], create_graph=True))",
         "v9 = list(T.autograd.grad(a3.prod(1).sum(), [a3], create_graph=True))"]),
    "reductions and cumulative ops give a contiguous result, whatever the input's layout": (
        [("a0", np.zeros((2, 3, 2), I64), False), ("a1", np.arange(24.0).reshape(2, 3, 4), True)],
        ["v1 = a0.transpose(1, 0)", "v2 = v1.any(2)", "v3 = v2.contiguous()",
         "v4 = a1.permute(2, 0, 1)", "v5 = [v4.sum(2).stride(), v4.mean(1).stride(), v4.amax(2).stride(),"
         " v4.var(2).stride(), v4.prod(2).stride(), v4.logsumexp(2).stride(), v4.norm(dim=2).stride(),"
         " v4.cumsum(2).stride(), v4.cumprod(1).stride(), v4.sum(2, keepdim=True).stride(),"
         " v4.bool().all(0).stride()]", "v6 = v4.sum(2)", "v7 = v6.view(8)", "v6.sum().backward()"]),
    "a binary bitwise op looks at a view modified in place before its dtype": (
        [("a1", np.zeros((3, 3), F32), False), ("a4", np.array(0.0, F32), True)],
        ["v1, *v2 = a1.split(1, -2)", "a1[1, -1] = a4", "v6 = v1 ^ T.tensor(0.0)"]),
    "a view made before its leaf's detach_() is still refused a write (its base is a leaf)": (
        [("a1", np.zeros((1, 1, 3, 6), F32), True), ("a2", np.zeros((2, 3), F32), True)],
        ["v1 = a1[..., -1:0]", "v5 = a1[..., 0:2]", "a1.detach_()", "v4 = v1[None, 0, None].fill_(2)",
         "v6 = v5.fill_(2)", "v7 = a2[0]", "a2.detach_()", "a2.add_(1)", "v8 = v7.mul_(2)"]),
    "a second backward through an in-place write into a view is refused (CopySlices let go)": (
        [("a1", np.zeros((0, 4)), False), ("a2", np.zeros(0, I64), False), ("a5", np.zeros(0), True),
         ("a6", np.zeros(3), True), ("a7", np.ones(2), True)],
        ["v0 = F.nll_loss(a1, a2, reduction='none')", "v2 = v0.expand(0,)", "v2[:] = a5",
         "v2.sum().backward()", "v0.backward(T.ones_like(v0))",
         "v3 = a6 + 1", "v4 = v3[0:2].copy_(a7)", "v3.sum().backward(retain_graph=True)",
         "v3.sum().backward()", "v3.sum().backward()"]),
    "an in-place op through a view of a view reads the base (CopySlices): the view's hooks stay out": (
        [("a1", np.zeros((2, 2, 2, 2), I64), False), ("a2", np.zeros((2, 2), F32), True),
         ("a6", np.array([[0.0]]), True)],
        ["v1 = T.maximum(a1, a2)", "v2 = F.adaptive_max_pool2d(v1, (2, 1))", "v4 = v2.transpose(-3, 0)",
         "_ = v4.register_hook(lambda g: g + 1)", "v14 = v4[-1, -1].mul_(3)",
         "v15 = list(T.autograd.grad(v14.sum(), [a2, a6], retain_graph=True, allow_unused=True))",
         "v16 = list(T.autograd.grad(v4.sum(), [a2], retain_graph=True))"]),
    "a view of a leaf detach_()ed and changed in place since may be written in place": (
        [("a0", np.zeros((2, 3), F32), True), ("a4", np.zeros((2, 3), F32), True)],
        ["v1 = a0.view(2, 3)", "a0.detach_()", "a0.add_(a4)", "v1.fill_(T.tensor(True))",
         "v1.sum().backward()"]),
    "an index put saves its index tensors (a mask too): changing one afterwards is refused": (
        [("a1", np.zeros(1, F32), True), ("a5", np.array([0.25]), False)],
        ["v0 = a1[T.tensor(True)].add_(1.0)", "v1 = T.arange(1, dtype=T.int64)", "v0[v1] = -2",
         "v1[:] = a5", "v0.sum().backward(retain_graph=True)",
         "v2 = a1 * 1", "v3 = T.tensor([True])", "v2[v3] = 3", "v3[:] = False", "v2.sum().backward()"]),

    "t_() of a non-view leaves the hooks registered before it on its old node": (
        [("a0", np.ones((2, 3, 3)), True)],
        ["v1 = T.masked_select(a0, a0 > 0)", "_ = v1.register_hook(lambda g: g + 1)", "v1.t_()",
         "v1.retain_grad()", "v4 = T.exp2(v1)", "v4.sum().backward()"]),

    "a row @ a batch is a view of PyTorch's folded product (detach_() refused)": (
        [("a0", np.zeros((1, 4)), True), ("a1", np.arange(16.0).reshape(2, 4, 2), False),
         ("a2", np.ones(1), True), ("a3", np.ones((3, 4)), True)],
        ["v0 = a0 @ a1", "v0.detach_()", "v1 = (a3 @ a1[..., :1])", "v1.mul_(2)",
         "v1.sum().backward()", "v3 = a3 @ a1", "v3.detach_()",
         "with T.no_grad():\n    v2 = a0 @ a1", "v2.mul_(a2)"]),

    "an index put into an integer split() output is refused before its index is checked": (
        [("a2", np.zeros((1, 2), I64), False), ("a11", np.array([1.5, 0.5, -0.75]), False),
         ("a3", np.array([1, 0]), False), ("a12", np.array(0.0), True)],
        ["v1, *v2 = a2.split(3, -2)", "v1[-1, a11] = a12", "v1[-1, a3] = a12", "v1[-1, [0.5]] = a12",
         "v1[-1, T.tensor(0)] = a12", "v1[-1, 0] = a12", "v1[a3 > 5] = a12", "v1[-1, a3] = 1"]),

    "batch norm of (N, C) rows: statistics and running ones rounded as PyTorch's row loop": (
        [("a4", np.ones(3, F32), False), ("a5", np.zeros(3, F32), False),
         ("a10", np.full(3, 0.3, F32), False), ("a11", np.full(3, 0.7, F32), False)],
        ["v0 = T.full((3, 3), -1.5)",
         "v3 = F.batch_norm(v0, a4, a5, None, None, training=False, momentum=0.1, eps=1e-05)",
         "v13 = F.batch_norm(v3, a10, a11, a4, a5, training=True, momentum=0.1, eps=1e-05)",
         "v14 = F.batch_norm(v3.expand(16, 3), a10, a11, a4, a5, training=True, momentum=0.1)"]),

    "a read through a stale split() output: a basic int's bounds first, then the view": (
        [("a1", np.arange(10.0).reshape(2, 1, 1, 5).astype(F32), False),
         ("a5", np.zeros(1, F32), True), ("a7", np.zeros((1, 1, 5), I64), False),
         ("a10", np.zeros((2, 1, 0), I64), False)],
        ["v1 = F.batch_norm(a1, None, None, None, a5, training=True)", "v2, *v3 = v1.split(2, -1)",
         "v1[1:0:2] = a7", "v7 = v2[a10 > 0]", "v8 = v2[5]", "v9 = v2[0, 0, 0, 7]",
         "v10 = v2[..., 9]", "v11 = v2[None, 3]", "v12 = v2[0, 0, 0, 0, 0]", "v13 = v2[:, :1]"]),

    "std's gradient where the variance is 0 is 0 even for an infinite gradient": (
        [("a3", np.zeros((1, 3, 3, 5), F32), True)],
        ["v2 = F.adaptive_max_pool2d(a3, 2)", "v3 = T.std(v2, 3)", "v10 = v3.rsqrt()",
         "v10.backward(T.ones_like(v10), retain_graph=True)"]),
    "layer_norm and batch_norm results are contiguous (channels-last for batch norm's)": (
        [("a1", np.arange(9.0).reshape(3, 3), False), ("a2", np.arange(120.0).reshape(2, 4, 5, 3), False)],
        ["a1.t_()", "v1 = F.layer_norm(a1, (3,))", "v4 = v1.contiguous()",
         "v5 = F.batch_norm(a1, None, None, training=True)", "v6 = v5.contiguous()",
         "v7 = a2.permute(0, 3, 1, 2)", "v8 = F.batch_norm(v7, None, None, training=True)",
         "v9 = v8.stride()", "v10 = v8.contiguous()"]),
    "a view made before its base's detach_() is refused a write (its base is a leaf now)": (
        [("a0", np.array(0.0, F32), True), ("a2", np.array([1]), False)],
        ["v1 = T.add(a0, a0, alpha=2)", "v4 = T.broadcast_to(v1, ())", "v1.detach_()",
         "v4[None] = a2"]),

    "a .grad squeezed in place, then accumulated into: PyTorch's broadcast errors": (
        [("a0", np.zeros((2, 3, 1, 3)), True), ("a1", np.zeros((2, 1, 3)), True)],
        ["a0.sum().backward()", "v6 = a0.grad", "v6.squeeze_()", "a0.sum().backward(retain_graph=True)",
         "a1.sum().backward()", "a1.grad.squeeze_()", "a1.sum().backward()"]),

    "number ** tensor is a fresh contiguous tensor whatever the exponent's layout": (
        [("a3", np.zeros((2, 2), F32), True), ("a4", np.zeros((2, 3), F32), False)],
        ["a4.t_()", "v1 = True ** a4", "v3 = v1.contiguous()", "v5 = T.pow(2, a3.t())",
         "v6 = v5.contiguous()", "v7 = T.tensor(2.0) ** a4", "v8 = v7.stride()"]),
    "an index into a dim of size 0 is out of bounds unless the indices broadcast empty": (
        [("a2", np.zeros((2, 0, 2), I64), False), ("a3", np.zeros(0, I64), False),
         ("a4", np.array(-0.5), False), ("a5", np.array(5), False)],
        ["a2[None, a3, [-1]] = a4", "a2[a3, [-1]] = a5", "v1 = a2[a3, [-1]]", "a2[:, [-1]] = a4",
         "a2[:, [-1]] = a5", "v2 = a2[0, [-1]]"]),
    "a product saved through PyTorch's reshape view survives its input's detach_()": (
        [("a0", np.zeros((4, 3, 2), F32), True), ("a3", np.zeros((2, 2), F32), True),
         ("a4", np.zeros(2, F32), True)],
        ["v1 = a0 ** 0", "v2 = F.linear(v1, a3, None)", "v3 = v1 @ a4", "v1.detach_()",
         "v2.sum().backward(retain_graph=True)", "v3.sum().backward()"]),
    "adaptive_avg_pool2d's result in the suggested memory format": (
        [("a2", np.arange(108.0).reshape(3, 3, 3, 4), False)],
        ["v0 = a2.permute(3, 0, 2, 1)", "v5 = F.adaptive_avg_pool2d(v0, 3)", "v10 = v5.contiguous()",
         "v6 = F.adaptive_avg_pool2d(a2.permute(0, 3, 1, 2), (2, 1))", "v7 = v6.stride()"]),
    "backward from a view made before its base required grad raises (no edge)": (
        [("a1", np.zeros((2, 1), F32), False)],
        ["v0 = T.broadcast_to(a1, (2, 2, 3))", "v1 = a1[:1]", "a1.requires_grad_()",
         "v0.backward(T.ones_like(v0))", "v1.sum().backward()", "T.autograd.backward([v1])",
         "v2 = (v0 * 2).sum()", "v2.backward()"]),
    "adaptive_max_pool2d to size 1: C strides on the size-1 dims, which a later index reads": (
        [("a1", np.zeros((2, 3, 1, 1), F32), False), ("a2", np.zeros((2, 3, 4, 5), F32), False)],
        ["v0 = F.adaptive_max_pool2d(a1, 1)", "v1 = v0.stride()",
         "v2 = v0[-1:2, :, None, T.tensor([-1, -1])].fill_(-0.5)", "v3 = v2.is_contiguous()",
         "v4 = v2.stride()", "v5 = F.adaptive_max_pool2d(a2.permute(0, 2, 3, 1).contiguous()"
         ".permute(0, 3, 1, 2), (3, 1))", "v6 = v5.stride()"]),
    "batch norm refuses running statistics that require grad, and so does its recorded backward": (
        [("a3", np.array(0.0, F32), True), ("a4", np.zeros((1, 1, 4), F64), True),
         ("a5", np.zeros(1, F64), False), ("a6", np.zeros(1, F64), False),
         ("a7", np.array([-1.0]), False), ("a8", np.array([1.5]), False)],
        ["v3 = F.batch_norm(a4, a5, a6, a7, a8, training=False, momentum=0.1, eps=1e-05)",
         "v4 = F.batch_norm(a4, a5, a6, a7, a8, training=True)", "a5.requires_grad_()",
         "v5 = list(T.autograd.grad(v4.sum(), [a4], retain_graph=True))",
         "v8 = list(T.autograd.grad(v3.sum(), [a4, a3], retain_graph=True, create_graph=True,"
         " allow_unused=True))",
         "v9 = list(T.autograd.grad(v4.sum(), [a4], create_graph=True))",
         "v10 = F.batch_norm(a4, a5, a6, training=False)",
         "with T.no_grad(): v11 = F.batch_norm(a4, a5, a6, training=True)",
         "v12 = F.batch_norm(a4.detach(), a6, a5, training=True)"]),
    "a write into an expanded view: backward refuses only where the base's gradient is wanted": (
        [("a0", np.full(4, 0.5, F32), True), ("a1", np.zeros((3, 1), F32), True),
         ("a4", np.array(2.0, F32), True)],
        ["v0 = a0.prod(0)", "v1 = v0.expand(2)", "v3 = v0.unsqueeze(0)", "v1[v1 > 0] = a4",
         "v11 = list(T.autograd.grad(v3.sum(), [a4, a1], retain_graph=True, create_graph=True,"
         " allow_unused=True))",
         "v12 = list(T.autograd.grad(v3.sum(), [a4], retain_graph=True))",
         "v13 = list(T.autograd.grad(v3.sum(), [a0], retain_graph=True))",
         "v3.sum().backward()"]),
    "a view made before its base required grad has no edge: nothing is saved for it": (
        [("a0", np.zeros((3, 2), F32), False), ("a2", np.array(True), False),
         ("a3", np.zeros(3, F32), False)],
        ["v0 = a0.std(1, keepdim=False)", "v1 = T.broadcast_to(v0, (3,))", "v0.requires_grad_()",
         "v3 = a2 / v1", "v4 = F.huber_loss(v3, a3, reduction='sum')", "v5 = a2[None].fill_(False)",
         "v4.backward(T.ones_like(v4))", "v6 = T.tensor([2.0]) * v1", "v7 = v1.sum()",
         "v8 = T.tensor([1.0, 2.0, 3.0])", "v9 = v8 * v1", "v8.add_(1)", "v9.sum().backward()"]),
    # session 12's (issue 13)
    "sub with an integer alpha of 0 adds other * 0: a -0.0 input stays -0.0": (
        [("a0", np.array([-0.0, 0.0, -0.0, 1.0], F32), True),
         ("a1", np.array([-0.0, -0.0, 0.0, 2.0], F32), True), ("a2", np.array([0, 1, -3, -2], I32), False)],
        ["v0 = T.sub(a0, a1, alpha=0)", "v1 = v0 ** -1", "v1.sum().backward()",
         "v2 = T.sub(a0.detach(), a1.detach(), alpha=0.0)", "v3 = v2 ** -1",
         "v4 = a0.detach().clone()", "v4.sub_(a1.detach(), alpha=0)", "v5 = v4 ** -1",
         "v6 = T.sub(a0.detach(), -0.0, alpha=0)", "v7 = v6 ** -1",
         "v8 = a2[0].clone() / a2", "v9 = T.sub(v8, v8, alpha=0) ** -1"]),
    "create_graph: a gradient requires grad when a saved input requires grad only since": (
        [("a1", np.zeros((2, 1, 1, 5), F64), False), ("a2", np.zeros((1, 1, 3, 1), F64), False),
         ("a3", np.array([0.0], F64), True), ("a5", np.zeros((4, 4), F64), True)],
        ["v1 = F.conv2d(a1, a2, a3, padding=2, dilation=2, groups=1)", "a2.requires_grad_()",
         "v6 = list(T.autograd.grad(v1.sum(), [a3, a5], create_graph=True, allow_unused=True))"]),
    "create_graph: a batched matmul's operand detach_()ed after it still requires grad": (
        [("a2", np.array([1.5], F64), True), ("a3", np.arange(4.0).reshape(2, 1, 2), True)],
        ["v2 = T.matmul(a2, a3)", "a3.detach_()",
         "v3 = list(T.autograd.grad(v2.sum(), [a2], create_graph=True))",
         "v4 = list(T.autograd.grad(v3[0].sum(), [a2], allow_unused=True))",
         "v5 = a3 * 1", "a3.requires_grad_()", "v6 = a3 * 1", "v7 = T.matmul(a2, v6)",
         "v6.detach_()", "v8 = list(T.autograd.grad(v7.sum(), [a2], create_graph=True))"]),
    "*_like results take their input's layout (preserve_format)": (
        [("a0", np.zeros((2, 2), B), False), ("a1", np.zeros((4, 6), F32), False)],
        ["a0.t_()", "v1 = T.zeros_like(a0, dtype=T.int64)", "v2 = v1.is_contiguous()",
         "v3 = v1.stride()", "v4 = T.ones_like(a1.t()).stride()",
         "v5 = T.full_like(a1[:, ::2].t(), 2.0).stride()", "v6 = T.empty_like(a1.t()[::2]).stride()",
         "v7 = T.rand_like(a1.t()).is_contiguous()", "v8 = T.randn_like(a1.t()).is_contiguous()",
         "v9 = T.randint_like(a1.t(), 3).stride()", "v10 = T.zeros_like(a1.t()[None]).stride()"]),
    "stack and cat of transposed inputs are C-contiguous (channels-last kept by cat)": (
        [("a0", np.zeros((4, 4), B), False), ("a1", np.arange(120.0).reshape(2, 3, 4, 5), True)],
        ["v0 = a0.t()", "v1 = T.stack([v0, v0], 0)", "v2 = v1.is_contiguous()",
         "v3 = T.cat([v0, v0], 0).stride()", "v4 = T.stack([v0, v0], 2).stride()",
         "v5 = a1.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)",
         "v6 = T.cat([v5, v5], 1)", "v7 = v6.stride()", "v8 = T.cat([v5, a1]).stride()",
         "v6.sum().backward()"]),
    "create_graph: a vector @ matrix operand detach_()ed after it still requires grad": (
        [("a1", np.array([1.0, -2.0, 0.5, 3.0]), True), ("a2", np.ones((1, 4)), True),
         ("a6", np.full((3, 1), 0.5), False)],
        ["v3 = F.linear(a1, a2, None)", "a1.detach_()", "v5 = F.linear(v3, a6, None)",
         "v11 = list(T.autograd.grad(v5.sum(), [a2], create_graph=True))",
         "v12 = T.matmul(a1, a2.t())", "v13 = list(T.autograd.grad(v12.sum(), [a2]))"]),
    # session 13's (issue 13)
    "a view of a tensor detach_()ed and then changed in place has no edge any more": (
        [("a2", np.array([[[1.0, -0.5, -1.0], [0.5, 1.5, -1.0]]]), False),
         ("a3", np.zeros((1, 2, 3)), True)],
        ["v1 = F.conv1d(a2, a3, None, stride=1, groups=1)", "v5 = v1.expand(2, 1, 2, 3)",
         "v1.detach_()", "v1.mul_(T.tensor(0.5, dtype=T.float64))",
         "v5.backward(T.ones_like(v5))"]),
    "a view of a tensor detach_()ed keeps its node while the storage is unchanged": (
        [("a0", np.arange(6.0).reshape(2, 3), True)],
        ["v1 = a0 * 2", "v2 = v1[1:]", "v3 = v2.t()", "v1.detach_()", "v4 = v2 * 3",
         "v3.sum().backward(retain_graph=True)", "v1.add_(1.0)", "v5 = v3[0]",
         "v4.sum().backward()", "v6 = v2 * 1", "v6.sum().backward()"]),
    "sub of a number times alpha adds a float product (0 * -1 is -0.0)": (
        [("a0", np.full((1, 2, 3), 1.0, F32), False), ("a1", np.full((2, 3), 1.0), False),
         ("a2", np.array([[[2, -1, -1]], [[2, 0, -1]], [[-3, -3, 4]]]), False)],
        ["v0 = a2 % a1", "v2 = T.sub(v0, 0, alpha=-1)", "v9 = a0 / v2",
         "v10 = a0 / T.add(v0, 0, alpha=-1)"]),
    "masked_fill of a permuted tensor is C-contiguous": (
        [("a0", np.zeros((3, 1, 2, 2), np.int32), False)],
        ["v0 = a0.permute(1, 3, 2, 0)", "v2 = v0.masked_fill(v0 > 0, -1.5)",
         "v3 = v2.is_contiguous()", "v4 = v2.stride()"]),
    "tile and repeat by ones give a C-contiguous copy": (
        [("a0", np.array([0.0, 1.0, -0.75], F32), False)],
        ["v0 = T.broadcast_to(a0, (2, 3))", "v3 = v0.tile(1, 1)", "v7 = v3.view(3, 2)",
         "v8 = v0.t().repeat(1, 1).stride()", "v9 = v0.t().tile(1, 2).stride()"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_torch(torch, name):
    inputs, lines = CASES[name]
    program = Program([(n, np.asarray(a), rg) for n, a, rg in inputs], lines)
    failure = differential(program, ember, torch)
    assert failure is None, f"{failure}\n{program.source()}"
