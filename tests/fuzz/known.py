"""Differences the fuzzer accepts.

DELIBERATE: raise-vs-succeed or exception-class differences only, each with its reason
(listed in tests/fuzz/README.md too), and the value differences where PyTorch's own result
is undefined. OPEN: divergences found and not fixed yet, counted apart in the figures.

An entry matches a finding when its kind is among ``kinds`` and its ``line`` pattern is
found in the failing line (of the shrunk program when there is one, else as generated) and
its ``detail`` pattern in the failure's text; ``program`` patterns are searched in the
whole shrunk program instead (for a gradient whose cause is an earlier line).
"""
import re

# a number printed in a failure's detail that is below 0.01 in magnitude
_TINY = r"-?(0\.?|0\.00\d*|\d(\.\d*)?e-(0[3-9]|[1-9]\d))(?![\d.e])"

DELIBERATE = [
    dict(id="an operand that shares memory with the destination",
         kinds={"raise-vs-succeed", "exception-class"},
         detail=r"(^torch|\| torch).*input tensor and the written-to tensor",
         reason="ember reads the operands (or the index) before writing, so x[x > 0] = v and "
                "a *= a[1:] are well defined; PyTorch refuses a partial overlap (before any "
                "other error the write has)"),
    dict(id="an out-of-range advanced index with an empty result",
         kinds={"raise-vs-succeed", "exception-class"},
         detail=r"^ember (raised )?IndexError: index -?\d+ is out of bounds",
         reason="NumPy checks every index; PyTorch skips the check when nothing is gathered "
                "(another dim has size 0), so ember raises IndexError there (where PyTorch "
                "then fails on something else in that line, the classes differ)"),
    dict(id="a failed index assignment leaves the tensor intact", kinds={"value", "grad"},
         line=r"\] = ", detail=r"^after both raised",
         reason="PyTorch may write part of an index assignment before it finds an "
                "out-of-range index; ember checks the whole index first, so bad input never "
                "changes the tensor"),
    dict(id="matmul of mixed dtypes with an empty operand", kinds={"raise-vs-succeed"},
         line=r"(@|matmul|mm|bmm|mv)",
         detail=r"^ember.*(same dtype|expected scalar type|\"bmm\" not implemented)",
         reason="PyTorch checks the dtypes only when there is something to multiply; ember "
                "refuses int @ float whatever the shapes"),
    dict(id="a bool tensor assigned a value that requires grad",
         kinds={"raise-vs-succeed", "exception-class"},
         detail=r"(^torch raised|\| torch) RuntimeError: (Autograd not support dtype|isDifferentiableType)",
         reason="ember marks a bool or integer tensor as requiring grad after a fill or "
                "masked assignment of a value that requires grad, as PyTorch does, but then "
                "computes with it, where PyTorch fails (so where the computation has another "
                "error, ember reports that one)"),
    dict(id="a second derivative through an array-only backward", kinds={"raise-vs-succeed"},
         detail=r"^ember raised RuntimeError: trying to differentiate twice",
         reason="the backward of conv, pooling, batch/layer norm and some activations runs on "
                "arrays in one pass; under create_graph its gradient requires grad as "
                "PyTorch's does, and differentiating it again raises (PyTorch's "
                "once_differentiable error) rather than give a wrong second derivative"),
    dict(id="an in-place op whose operand is a view of its destination (values)", kinds={"value"},
         test=lambda program, line: _reads_own_memory(program, line),
         reason="a value difference, accepted: ember reads the operands (and an index) before "
                "writing, so t.add_(t[:, -1]) adds the old row and t[t, 0] = 2 indexes with "
                "the old values; PyTorch cannot always tell that the operand or index overlaps "
                "the destination (a strided view), writes while it reads, and its result "
                "depends on its loop order, which its documentation leaves undefined"),
    dict(id="an index that is a view of its destination, changed by the write",
         kinds={"raise-vs-succeed", "exception-class"},
         detail=r"(^torch raised|\| torch) IndexError: index -?\d+ is out of bounds",
         test=lambda program, line: _reads_own_memory(program, line),
         reason="the same difference where PyTorch then fails: it reads an index tensor that "
                "shares memory with the destination while it writes, so a value it wrote "
                "becomes an index, out of range (t[t, -1] = v); ember reads the index first"),
    dict(id="the stride of a size-1 dim sliced from an expanded one", kinds={"result"},
         line=r"\.stride\(", program=r"\b(expand|expand_as|broadcast_to)\(",
         reason="NumPy gives a size-1 dim the stride 0 both where a dim is inserted "
                "(unsqueeze, None) and where one element is sliced from an expanded dim; "
                "PyTorch reports its contiguous stride for the first and 0 for the second; "
                "ember cannot tell them apart and reports the first (the stride of a size-1 "
                "dim changes no element's address)"),
    dict(id="a write into an expanded tensor (values)", kinds={"value"},
         test=lambda program, line: _writes_expanded(program, line),
         reason="a value difference, accepted: several elements of an expanded tensor share "
                "one memory location, so which write lands last depends on the loop order; "
                "PyTorch's documentation of expand says in-place writes to it may give "
                "incorrect results (ember writes in index order)"),
    dict(id="PyTorch's internal assertion", kinds={"raise-vs-succeed", "exception-class"},
         detail=r"(^torch raised|\| torch) RuntimeError: .*INTERNAL ASSERT FAILED",
         reason="PyTorch fails an assertion of its own and asks for a bug report (the "
                "backward of a Python bool ** a tensor: 'unknown ivalue tag'); ember "
                "computes the result"),
    dict(id="hardtanh's, relu6's and elu's gradient at nan (values)", kinds={"grad", "value"},
         program=r"\b(hardtanh|relu6|elu)\(", line=r"backward\(|autograd\.grad\(",
         reason="PyTorch's kernels treat nan one way in their vector loop and another in "
                "their scalar tail (hardtanh: 0 against the gradient; elu: nan against it), so "
                "the result depends on an element's position and the CPU's vector width (on "
                "AVX-512 the first 16 float32 of 17 go one way, all of 9 the other); ember "
                "passes the gradient, the formula's value"),
    dict(id="maximum and minimum of +0.0 and -0.0 (values)", kinds={"value", "grad"},
         program=r"\b(maximum|minimum|amax|amin)\(", detail=r"inf|-0\.",
         reason="at a tie of +0.0 and -0.0 PyTorch's vector loop returns the second operand "
                "and its scalar tail the first, so the sign depends on the element's position, "
                "the broadcast and the CPU's vector width (the first 16 float32 of 17 take "
                "the second on AVX-512, all of 6 the first; amax of 17 zeros keeps the first "
                "one's sign, of 40 not); ember returns the second"),
    dict(id="a product that overflows past a zero (values)", kinds={"value", "grad"},
         program=r"\bprod\(", detail=r"nan",
         reason="whether a product of many factors meets its inf (then inf * 0 is nan) or "
                "its 0 first depends on the order of the multiplications, which PyTorch's "
                "vector lanes decide; ember multiplies in NumPy's order"),
    dict(id="layer_norm of a row whose squares overflow (values)", kinds={"value", "grad"},
         program=r"F\.layer_norm\(", detail=r"nan",
         reason="PyTorch's row moments square the values for some row lengths and not others "
                "(float32 rows of up to 8 elements and of 16 give nan once x * x overflows, "
                "near 1.8e19; rows of 9 to 15 stay finite: measured), a choice of its "
                "vectorized loop; ember subtracts the mean first, and stays finite"),
    dict(id="layer_norm's input gradient over a row of 2 (values)", kinds={"grad"},
         program=r"F\.layer_norm\(\w+, \(2,\)",
         reason="normalised, a row of 2 is (-1, 1) whatever its values (up to eps), so the "
                "input gradient is of the order of eps / variance and mostly float32 "
                "rounding; PyTorch's vector kernel rounds it otherwise (rows with the same "
                "normalised values get different gradients there), and an op after it with "
                "a steep derivative (log1p near -1) amplifies that noise past any tolerance"),
    dict(id="stacked 0-d leaves share a .grad (PyTorch's)", kinds={"grad"},
         program=r"\bstack\(\[", test=lambda p, line: sum("backward(" in l for l in p.lines) > 1,
         reason="PyTorch gives 0-d leaves stacked together .grad tensors that share one "
                "memory (its gradient buffers are views of one expanded gradient, kept as "
                "they are), so a second backward adds into both through each: 3 after two "
                "backwards of 1; ember gives every leaf its own .grad (2)"),
    dict(id="inf or nan meeting a convolution's padding (values)", kinds={"value", "grad"},
         program=r"F\.conv[12]d\(.*padding=[(1-9']", detail=r"nan|inf",
         reason="whether PyTorch's sums multiply the padded zeros (0 * inf is nan) depends "
                "on the kernel it picks: its own im2col kernels do, oneDNN's direct ones "
                "leave the padding out, for some shapes, batch sizes and thread counts and "
                "not others (measured); ember multiplies them, as the definition does"),
    dict(id="the gradient of a constant per channel before batch norm (values)",
         kinds={"grad"}, program=r"F\.batch_norm\([^\n]*training=True",
         detail=r"\.grad: ember \[(\s*" + _TINY + r")+\s*\], torch \[(\s*" + _TINY + r")+\s*\]$",
         reason="a training-mode batch norm subtracts each channel's mean, so the gradient "
                "of anything constant per channel before it (a convolution's bias) is zero "
                "in exact arithmetic: both libraries return the rounding noise of a sum of "
                "terms that cancel, which a steep function after the norm (tan near a pole, "
                "where NumPy's float32 tan and PyTorch's differ by an ulp or two) scales past "
                "the tolerance; ember sums in PyTorch's order (_kernels/norm.grad_sums), so "
                "the noise is the same wherever the inputs agree to the bit"),
    dict(id="order of checks in a doubly wrong assignment", kinds={"exception-class"},
         line=r"\] = ", detail=r"leaf Variable",
         reason="an assignment with a bad index into a leaf that requires grad is wrong twice; "
                "PyTorch reports the index first for basic indices and the leaf first for "
                "advanced ones, ember always the leaf"),
]

# Found by the fuzzer, not fixed yet (tests/fuzz/README.md says why); printed in the figures.
OPEN = []


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


_VIEW_METHODS = ("view|view_as|reshape|t|transpose|permute|expand|expand_as|narrow|unsqueeze|"
                 "squeeze|flatten|diagonal|T|mT|select|unbind|split|chunk|movedim|unfold|"
                 # (these return the tensor itself, or share its memory, where nothing
                 # needs converting: a0.long() of an int64 a0 is a0)
                 "detach|contiguous|long|int|float|double|half|bool|to|type")
_EXPANDING = ("expand", "expand_as", "broadcast_to")
_NAME = re.compile(r"[av]\d+$")


def _views(program):
    """{name: (the tensor it is a view of, whether the view op expands)} for the program's
    lines that bind views: ``v = x.view(...)``, ``v = x[...]``, ``v = T.broadcast_to(x, ...)``
    and ``v0, *v1 = x.split(...)``."""
    views = {}
    for line in program.lines:
        m = re.match(r"([\w\s,*]+?) = (?:(\w+)(?:\[|\.(" + _VIEW_METHODS + r")\b)"
                     r"|T\.(" + _VIEW_METHODS + r"|broadcast_to)\((\w+))", line)
        if m:
            base = m.group(2) or m.group(5)
            op = m.group(3) or m.group(4) or ""
            for name in re.findall(r"\w+", m.group(1)):
                views[name] = (base, op in _EXPANDING)
    return views


def _chain(name, views):
    """``name`` and the tensors it is a view of, nearest first."""
    chain = [name]
    while chain[-1] in views and len(chain) < 50:
        chain.append(views[chain[-1]][0])
    return chain


def _write(line):
    """(destination, the bare names the write reads: its operands, index parts and value)
    of an in-place method, an augmented or an index assignment; None for other lines."""
    m = re.match(r"(\w+)(?:\.\w+_\((.*)\)|\s*[-+*/]=\s*(.*)|\[(.*)\]\s*=\s*(.*))$", line)
    if not m:
        return None
    parts = ",".join(g for g in m.groups()[1:] if g)
    return m.group(1), [p.strip() for p in parts.split(",") if _NAME.match(p.strip())]


def _reads_own_memory(program, line):
    """Whether ``line`` changes a tensor in place while reading, as an operand or as a whole
    index, the tensor itself or a view of the same memory."""
    write = _write(line)
    if not write:
        return False
    dest, reads = write
    views = _views(program)
    root = _chain(dest, views)[-1]
    return any(_chain(r, views)[-1] == root for r in reads)


def _writes_expanded(program, line):
    """Whether ``line`` writes into an expanded tensor (or a view of one)."""
    write = _write(line)
    views = _views(program)
    return bool(write) and any(views.get(n, (None, False))[1] for n in _chain(write[0], views))


def classify(finding):
    """("deliberate" | "open", entry id) for a listed finding; None otherwise."""
    for group, entries in (("deliberate", DELIBERATE), ("open", OPEN)):
        for entry in entries:
            if _matches(entry, finding):
                return group, entry["id"]
    return None
