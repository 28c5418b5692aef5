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
import re

DELIBERATE = [
    dict(id="an operand that shares memory with the destination",
         kinds={"raise-vs-succeed", "exception-class"},
         detail=r"(^torch|\| torch).*input tensor and the written-to tensor",
         reason="ember reads the operands (or the index) before writing, so x[x > 0] = v and "
                "a *= a[1:] are well defined; PyTorch refuses a partial overlap (before any "
                "other error the write has)"),
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
         line=r"(@|matmul|mm|bmm|mv)",
         detail=r"^ember.*(same dtype|expected scalar type|\"bmm\" not implemented)",
         reason="PyTorch checks the dtypes only when there is something to multiply; ember "
                "refuses int @ float whatever the shapes"),
    dict(id="a bool tensor assigned a value that requires grad", kinds={"raise-vs-succeed"},
         detail=r"^torch raised RuntimeError: Autograd not support dtype",
         reason="PyTorch marks a bool or integer tensor as requiring grad after a masked "
                "assignment of a value that requires grad, then fails when it is used; in "
                "ember only floating-point tensors require grad"),
    dict(id="an in-place op whose operand is a view of its destination (values)", kinds={"value"},
         test=lambda program, line: _reads_own_view(program, line),
         reason="a value difference, accepted: ember reads the operands before writing, "
                "so t.add_(t[:, -1]) adds the old row; PyTorch cannot always tell that the "
                "operand overlaps the destination (a strided view), writes while it reads, "
                "and its result depends on its loop order, which its documentation leaves "
                "undefined"),
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
    dict(id="core: self-aliasing in-place ops hang backward", kinds={"hang"}),
    dict(id="core: in-place writes propagating requires_grad (view/base, integer target)",
         kinds={"requires_grad", "grad", "is_leaf"}, program=r"(\] = |_\(|[-+*/]= )"),
    dict(id="core: conversions keep requires_grad", kinds={"requires_grad", "is_leaf"},
         line=r"\.(bool|long|int|to|type_as|float|double)\("),
    dict(id="core: gradients at singular points (pow at 0, division, all-ignored CE)",
         kinds={"grad", "value"}, program=r"(\*\*|pow|/|div|cross_entropy|nll_loss|fmod|remainder|%)"),
    dict(id="core: saved-tensor version rule", kinds=_ERR, line=r"backward|autograd\.grad"),
    dict(id="core: floor division's graph (grad is zero, not None)", kinds={"result", "grad"},
         program=r"(//|floor_divide|rounding_mode='floor')", line=r"backward|autograd\.grad"),
]


# Found by the fuzzer, not fixed yet (tests/fuzz/README.md says why); printed in the figures.
OPEN = [
    dict(id="open: create_graph gradients constant in the inputs require grad in PyTorch",
         kinds={"requires_grad"}, line=r"create_graph=True"),
    dict(id="open: in-place change of an output of split/chunk/unbind",
         kinds={"raise-vs-succeed"}, detail=r"^torch raised.*function that returns multiple views"),
    dict(id="open: detach_() of a view", kinds={"raise-vs-succeed"}, line=r"detach_\(\)",
         detail=r"^torch raised RuntimeError: Can't detach views in-place"),
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
    if "test" in entry and not entry["test"](p, line):
        return False
    return "detail" not in entry or re.search(entry["detail"], f.detail) is not None


def _reads_own_view(program, line):
    """Whether ``line`` changes a tensor in place (an in-place method, an augmented or an
    index assignment) with an operand that the program made as a view of that tensor."""
    m = re.match(r"(\w+)(?:\.\w+_\(|\s*[-+*/]=\s*|\[.*\]\s*=\s*)(\w+)", line)
    if not m:
        return False
    dest, operand = m.groups()
    view = rf"{operand} = {dest}(\[|\.(view|reshape|t|transpose|permute|expand|narrow|" \
           r"unsqueeze|squeeze|flatten|diagonal|T|mT|select|unbind|split|chunk)\b)"
    return any(re.match(view, other) for other in program.lines)


def classify(finding):
    """("deliberate" | "known" | "open", entry id) for a listed finding; None otherwise."""
    for group, entries in (("deliberate", DELIBERATE), ("known", KNOWN_ELSEWHERE),
                           ("open", OPEN)):
        for entry in entries:
            if _matches(entry, finding):
                return group, entry["id"]
    return None
