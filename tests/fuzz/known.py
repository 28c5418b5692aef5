"""Differences the fuzzer accepts.

DELIBERATE: raise-vs-succeed or exception-class differences only, each with its reason
(listed in tests/fuzz/README.md too). KNOWN_ELSEWHERE: divergences another branch of
issue 13 is fixing; TEMPORARY — the lead removes each entry once that branch is merged, so
that the fuzzer holds the fix.

An entry matches a finding when its kind is among ``kinds`` and its ``line`` pattern is
found in the failing line (of the shrunk program when there is one, else as generated) and
its ``detail`` pattern in the failure's text; ``program`` patterns are searched in the
whole shrunk program instead (for a gradient whose cause is an earlier line).
"""
import ast
import re

DELIBERATE = [
    dict(id="an operand that shares memory with the destination",
         kinds={"raise-vs-succeed"}, detail=r"^torch.*input tensor and the written-to tensor",
         reason="ember reads the operands (or the index) before writing, so x[x > 0] = v and "
                "a *= a[1:] are well defined; PyTorch refuses a partial overlap"),
    dict(id="an out-of-range advanced index with an empty result",
         kinds={"raise-vs-succeed"}, detail=r"^ember raised IndexError: index -?\d+ is out of bounds",
         reason="NumPy checks every index; PyTorch skips the check when nothing is gathered "
                "(another dim has size 0), so ember raises IndexError there"),
    dict(id="a failed index assignment leaves the tensor intact", kinds={"value"},
         line=r"\] = ", detail=r"^after both raised",
         reason="PyTorch may write part of an index assignment before it finds an "
                "out-of-range index; ember checks the whole index first, so bad input never "
                "changes the tensor"),
    dict(id="matmul of mixed dtypes with an empty operand", kinds={"raise-vs-succeed"},
         line=r"(@|matmul|mm|bmm|mv)", detail=r"^ember.*same dtype",
         reason="PyTorch checks the dtypes only when there is something to multiply; ember "
                "refuses int @ float whatever the shapes"),
    dict(id="a bool tensor assigned a value that requires grad", kinds={"raise-vs-succeed"},
         detail=r"^torch raised RuntimeError: (Autograd not support dtype|isDifferentiableType)",
         reason="ember marks a bool or integer tensor as requiring grad after a fill or "
                "masked assignment of a value that requires grad, as PyTorch does, but then "
                "computes with it, where PyTorch fails"),
    dict(id="a second derivative through an array-only backward", kinds={"raise-vs-succeed"},
         detail=r"^ember raised RuntimeError: trying to differentiate twice",
         reason="the backward of conv, pooling, batch/layer norm and some activations runs on "
                "arrays in one pass; under create_graph its gradient requires grad as "
                "PyTorch's does, and differentiating it again raises (PyTorch's "
                "once_differentiable error) rather than give a wrong second derivative"),
    dict(id="order of checks in a doubly wrong assignment", kinds={"exception-class"},
         line=r"\] = ", detail=r"leaf Variable",
         reason="an assignment with a bad index into a leaf that requires grad is wrong twice; "
                "PyTorch reports the index first for basic indices and the leaf first for "
                "advanced ones, ember always the leaf"),
]

_SILENT = {"value", "grad", "dtype", "shape", "requires_grad", "is_leaf", "identity", "result"}
_ERR = {"raise-vs-succeed", "exception-class"}
_ANY = _SILENT | _ERR | {"hang", "crash"}

# TEMPORARY (issue 13): owned by the branches "core" and "safety"; remove after merging them.
KNOWN_ELSEWHERE = [
    dict(id="core: integer index is a view / int beside an advanced index", kinds=_SILENT,
         test=lambda program: _int_subscript(program)),
    dict(id="core: integer index is a view (unbind)", kinds=_SILENT, program=r"unbind"),
    dict(id="core: integer index is a view (0-d index tensor)", kinds=_SILENT,
         program=r"\w\[[^\]]*\]\.\w+_\("),
    dict(id="core: clamp promotion and gradient", kinds=_SILENT | _ERR, program=r"clamp"),
    dict(id="core: fill_/zero_ over nan", kinds={"value"}, line=r"(fill_|zero_)"),
    dict(id="core: add/sub alpha on int/bool", kinds=_SILENT | _ERR, line=r"alpha="),
    dict(id="core: cat of empty float and int64 (the legacy skip of empty tensors)",
         kinds={"dtype", "requires_grad", "grad"}, program=r"T\.cat"),
    dict(id="core: mse_loss float64 0-d", kinds={"dtype"}, line=r"mse_loss"),
    dict(id="core: integer // 0 and % 0", kinds=_ERR | {"value"},
         line=r"(//|%|floor_divide|remainder|fmod|rounding_mode)", detail=r"ZeroDivision"),
    dict(id="core: squeeze of 0-d", kinds=_ERR, line=r"squeeze", detail=r"^ember"),
    dict(id="core: softmax/logsumexp/amax over zero-size dims", kinds=_ERR,
         line=r"(softmax|logsumexp|amax|amin|max|min|cross_entropy)", detail=r"^ember.*(zero-size|numel\(\) == 0)"),
    dict(id="core: int ** negative int", kinds=_ERR, detail=r"negative integer powers"),
    dict(id="core: in-place on an expanded view", kinds=_ERR, program=r"(expand|broadcast_to)",
         detail=r"^ember.*more than one element"),
    dict(id="core: bad-input rejections (std/var/softmax on ints)", kinds=_ERR | {"dtype"},
         line=r"(std|var|softmax|log_softmax|logsumexp|mean)",
         detail=r"(^torch|int64|int32|bool|std and var only support|could not infer output dtype)"),
    dict(id="core: bad-input rejections (relu/abs/matmul on bool)", kinds=_ERR,
         line=r"(relu|abs|@|matmul|mm|mv|dot|bmm|outer)", detail=r"(^torch|\| torch).*Bool"),
    dict(id="core: bad-input rejections (tensor - bool)", kinds=_ERR, detail=r"bool tensor is not supported|boolean subtract"),
    dict(id="core: bad-input rejections (negative-step slices, view())", kinds=_ERR,
         line=r"(::-|view\(\))"),
    dict(id="core: bad-input rejections (floor_divide backward)", kinds=_ERR, program=r"(//|floor_divide)",
         detail=r"floor_divide|div_floor"),
    dict(id="core: index assignment broadcasting", kinds=_ERR, line=r"\] = ",
         detail=r"(shape|broadcast|size)"),
    dict(id="safety: max_pool2d kernel", kinds={"crash", "value", "grad"}, line=r"max_pool2d"),
    dict(id="safety: batch_norm kernel's statistics of inf (nan; the NumPy path agrees)",
         kinds={"value"}, line=r"batch_norm", detail=r"ember \[.*nan"),
]


# Found by the fuzzer, not fixed yet (tests/fuzz/README.md says why); printed in the figures.
OPEN = [
    dict(id="open: gelu(inf) is nan in PyTorch", kinds={"value"}, line=r"gelu"),
]


def _matches(entry, finding):
    f = finding.small_failure or finding.failure
    p = finding.small or finding.program
    if f.kind not in entry["kinds"]:
        return False
    line = p.lines[f.step] if 0 <= f.step < len(p.lines) else ""
    if "line" in entry and not re.search(entry["line"], line):
        return False
    if "program" in entry and not re.search(entry["program"], "\n".join(p.lines)):
        return False
    if "test" in entry and not entry["test"](p):
        return False
    return "detail" not in entry or re.search(entry["detail"], f.detail) is not None


def _int_subscript(program):
    """Whether a subscript of the program has an integer, a 0-d integer input or a 0-d
    bool tensor among its indices."""
    scalars = {n for n, arr, _ in program.inputs if arr.ndim == 0 and arr.dtype.kind in "iu"}
    for node in ast.walk(ast.parse("\n".join(program.lines))):
        if isinstance(node, ast.Subscript):
            parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            for part in parts:
                if isinstance(part, ast.UnaryOp):
                    part = part.operand
                if isinstance(part, ast.Constant) and isinstance(part.value, int):
                    return True
                if isinstance(part, ast.Name) and part.id in scalars:
                    return True
                if isinstance(part, ast.Call) and ast.unparse(part) in ("T.tensor(True)", "T.tensor(False)"):
                    return True
    return False


def classify(finding):
    """("deliberate" | "known" | "open", entry id) for a listed finding; None otherwise."""
    for group, entries in (("deliberate", DELIBERATE), ("known", KNOWN_ELSEWHERE),
                           ("open", OPEN)):
        for entry in entries:
            if _matches(entry, finding):
                return group, entry["id"]
    return None
