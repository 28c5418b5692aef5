"""The lines the generator can write, one function per family of ops.

Each function takes the Builder and returns one line of Python over ``T`` and ``F``.
They read the PyTorch namespace only to choose arguments that usually make
sense (a valid dim, a broadcastable operand); wrong ones are written on purpose sometimes.
"""
import numpy as np

from .gen import FLOATS


def _isf(v):
    return v.dtype.is_floating_point


def _f(b):
    """A float tensor's name (a new float input if none is live)."""
    return b.t(_isf, lambda: b.new_input(dtype=b.rng.choice(FLOATS)))


def _scalar(b, kind=None):
    r = b.rng
    kind = kind or r.choice(("int", "int", "float", "float", "bool"))
    if kind == "int":
        return str(r.choice((-2, -1, 0, 1, 2, 3)))
    if kind == "float":
        return repr(r.choice((-1.5, -0.5, 0.0, 0.5, 1.0, 2.0, 2.5)))
    return r.choice(("True", "False"))


def _zero_d(b):
    """A 0-d tensor literal of some dtype."""
    r = b.rng
    return r.choice((f"T.tensor({_scalar(b, 'float')})", f"T.tensor({_scalar(b, 'int')})",
                     f"T.tensor({_scalar(b, 'bool')})",
                     f"T.tensor({_scalar(b, 'float')}, dtype=T.float64)"))


def _dim(b, v, allow_none=False):
    r = b.rng
    nd = v.dim()
    if allow_none and r.random() < 0.25:
        return None
    if nd == 0:
        return r.choice((0, -1))
    if r.random() < 0.04:
        return nd                                 # out of range: an error to compare
    d = r.randrange(nd)
    return d - nd if r.random() < 0.3 else d


def _bshape(b, shape):
    """A shape that broadcasts with ``shape``."""
    r = b.rng
    shape = list(shape)
    if shape and r.random() < 0.5:
        shape = shape[r.randrange(len(shape) + 1):]
    return tuple(1 if (s and r.random() < 0.3) else s for s in shape)


def _operand(b, a):
    """The other operand of a binary op with tensor ``a``."""
    r = b.rng
    x = r.random()
    if x < 0.3:
        return _scalar(b)
    if x < 0.42:
        return _zero_d(b)
    shape = tuple(b.val(a).shape)
    ok = b.tensors(lambda v: _broadcasts(tuple(v.shape), shape))
    if ok and x < 0.75:
        return r.choice(ok)
    return b.new_input(shape=_bshape(b, shape))


def _broadcasts(s, t):
    for x, y in zip(reversed(s), reversed(t)):
        if x != y and x != 1 and y != 1:
            return False
    return True


# -- creation ---------------------------------------------------------------------------
def creation(b):
    r = b.rng
    v = b.var()
    dt = r.choice(("", ", dtype=T.float64", ", dtype=T.int64", ", dtype=T.bool",
                   ", dtype=T.float32"))
    shape = b.shape()
    x = r.randrange(9)
    if x == 0:
        return f"{v} = T.{r.choice(('zeros', 'ones'))}({shape}{dt})"
    if x == 1:
        return f"{v} = T.full({shape}, {_scalar(b)}{dt})"
    if x == 2:
        return f"{v} = T.arange({r.randint(0, 6)}{dt if 'bool' not in dt else ''})"
    if x == 3:
        return f"{v} = T.eye({r.randint(0, 3)}{dt})"
    if x == 4:
        vals = ", ".join(_scalar(b, r.choice(("int", "float", "bool"))) for _ in range(r.randint(1, 4)))
        if r.random() < 0.3:
            return f"{v} = T.tensor([{vals}], dtype=T.float64, requires_grad=True)"
        return f"{v} = T.tensor([{vals}])"
    if x == 5:
        return f"{v} = {_zero_d(b)}"
    if x == 6:
        fn = r.choice(("zeros_like", "ones_like", "empty_like"))
        if fn == "empty_like":
            return f"{v} = T.zeros_like({b.t()}).shape"
        return f"{v} = T.{fn}({b.t()}{dt})"
    if x == 7:
        return f"{v} = T.full_like({b.t()}, {_scalar(b)})"
    return f"{v} = {b.t()}.clone()"


# -- arithmetic ---------------------------------------------------------------------------
BINOPS = ("+", "-", "*", "/", "//", "%", "**")
BINFNS = ("add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "pow",
          "maximum", "minimum", "fmax", "fmin", "fmod", "rsub")


def arithmetic(b):
    r = b.rng
    a = b.t()
    o = _operand(b, a)
    v = b.var()
    x = r.randrange(6)
    if x < 2:
        return f"{v} = {a} {r.choice(BINOPS)} {o}"
    if x == 2:
        return f"{v} = {o} {r.choice(BINOPS)} {a}"
    if x == 3:
        fn = r.choice(("add", "sub"))
        return f"{v} = T.{fn}({a}, {o}, alpha={_scalar(b, r.choice(('int', 'float')))})"
    if x == 4:
        return f"{v} = T.div({a}, {o}, rounding_mode={r.choice(('None', repr('floor'), repr('trunc')))})"
    fn = r.choice(BINFNS)
    if fn in ("maximum", "minimum", "fmax", "fmin") and o not in b.ns.env:
        o = b.new_input(shape=_bshape(b, tuple(b.val(a).shape)))
    return f"{v} = T.{fn}({a}, {o})" if r.random() < 0.5 or fn == "rsub" else \
        f"{v} = {a}.{fn}({o})"


def comparison(b):
    r = b.rng
    a = b.t()
    v = b.var()
    x = r.randrange(6)
    if x < 2:
        return f"{v} = {a} {r.choice(('==', '!=', '<', '<=', '>', '>='))} {_operand(b, a)}"
    if x == 2:
        fn = r.choice(("eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or",
                       "logical_xor"))
        return f"{v} = T.{fn}({a}, {_operand(b, a)})"
    if x == 3:
        o = _operand(b, a)
        return f"{v} = {a} {r.choice(('&', '|', '^'))} {o}" if r.random() < 0.7 else \
            f"{v} = ~{a}"
    if x == 4:
        c = b.t(lambda t: t.dtype.is_floating_point is False and str(t.dtype) == "torch.bool")
        return f"{v} = T.where({c}, {a}, {_operand(b, a)})"
    fn = r.choice(("isnan", "isinf", "isfinite", "logical_not", "sign"))
    return f"{v} = T.{fn}({a})"


UNARY = ("neg", "abs", "exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt",
         "sin", "cos", "tan", "tanh", "sinh", "cosh", "sigmoid", "relu", "floor", "ceil",
         "round", "trunc", "sign", "reciprocal", "square", "erf", "atan", "exp2")


def math_fn(b):
    r = b.rng
    a = b.t()
    v = b.var()
    x = r.randrange(5)
    if x < 3:
        fn = r.choice(UNARY)
        if fn in ("sin", "cos", "tan") and b.val(a).numel() and \
                float(b.val(a).detach().double().abs().nan_to_num(0, 0, 0).max()) > 50:
            fn = "tanh"  # float32's argument reduction of a large angle is rounding noise
        if fn == "exp2" or r.random() < 0.5:
            return f"{v} = T.{fn}({a})"
        return f"{v} = {a}.{fn}()"
    if x == 3:
        lo = r.choice((_scalar(b, "float"), _scalar(b, "int"), "None"))
        hi = r.choice((_scalar(b, "float"), _scalar(b, "int"), "None"))
        return f"{v} = T.clamp({a}, min={lo}, max={hi})"
    return f"{v} = {a} ** {r.choice(('2', '0.5', '3', '-1', '0', '2.0'))}"


# -- reductions ---------------------------------------------------------------------------
def reduction(b):
    r = b.rng
    a = b.t()
    va = b.val(a)
    v = b.var()
    fn = r.choice(("sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin",
                   "std", "var", "logsumexp", "all", "any", "norm", "count_nonzero",
                   "cumsum", "cumprod", "softmax", "log_softmax"))
    kd = r.choice(("", "", ", keepdim=True", ", keepdim=False"))
    d = _dim(b, va, allow_none=fn in ("sum", "mean", "prod", "max", "min", "argmax", "argmin",
                                      "std", "var", "all", "any", "amax", "amin", "norm",
                                      "count_nonzero"))
    if fn in ("cumsum", "cumprod", "softmax", "log_softmax"):
        return f"{v} = {a}.{fn}({d})" if r.random() < 0.5 else f"{v} = T.{fn}({a}, dim={d})"
    if fn == "count_nonzero":
        return f"{v} = T.count_nonzero({a}{'' if d is None else f', dim={d}'})"
    if d is None:
        extra = ""
        if fn == "sum" and r.random() < 0.3:
            extra = r.choice((", dtype=T.float64", ", dtype=T.int64"))
        if fn in ("std", "var") and r.random() < 0.4:
            extra = r.choice((", unbiased=False", ", correction=0", ", correction=2"))
        return f"{v} = {a}.{fn}({extra.lstrip(', ')})"
    if fn in ("sum", "mean", "amax", "amin", "std", "var", "logsumexp", "norm") and \
            va.dim() >= 2 and r.random() < 0.3:
        d = (0, -1) if r.random() < 0.5 else (d,)
    if fn in ("max", "min") and r.random() < 0.8:
        w = b.var()
        return f"{v}, {w} = {a}.{fn}({d}{kd})"
    if fn == "norm":
        return f"{v} = {a}.norm(dim={d}{kd})"
    return f"{v} = {a}.{fn}({d}{kd})" if r.random() < 0.5 else f"{v} = T.{fn}({a}, {d}{kd})"


# -- shapes and views ---------------------------------------------------------------------
def _reshape_target(b, shape):
    r = b.rng
    n = int(np.prod(shape))
    if n == 0 or r.random() < 0.05:
        return tuple(r.choice((0, 1, 2)) for _ in range(r.randint(1, 3)))
    facs = []
    m = n
    while m > 1:
        p = next(k for k in range(2, m + 1) if m % k == 0)
        facs.append(p)
        m //= p
    r.shuffle(facs)
    out = []
    for f in facs:
        if out and r.random() < 0.5:
            out[-1] *= f
        else:
            out.append(f)
    if r.random() < 0.3:
        out.insert(r.randint(0, len(out)), 1)
    if out and r.random() < 0.3:
        out[r.randrange(len(out))] = -1
    return tuple(out)


def shape_op(b):
    r = b.rng
    a = b.t()
    va = b.val(a)
    sh = tuple(va.shape)
    v = b.var()
    x = r.randrange(17)
    if x == 0:
        return f"{v} = {a}.{r.choice(('reshape', 'view'))}{_reshape_target(b, sh)}"
    if x == 1:
        return f"{v} = {a}.flatten({r.choice(('', '1', '0, -1', '-2'))})"
    if x == 2:
        return f"{v} = {a}.squeeze({r.choice(('', str(_dim(b, va))))})"
    if x == 3:
        return f"{v} = {a}.unsqueeze({r.randint(-va.dim() - 1, va.dim())})"
    if x == 4:
        return f"{v} = {a}.transpose({_dim(b, va)}, {_dim(b, va)})"
    if x == 5:
        p = list(range(va.dim()))
        r.shuffle(p)
        return f"{v} = {a}.permute{tuple(p) if len(p) != 1 else '(0,)'}"
    if x == 6:
        return f"{v} = {a}.t()"
    if x == 7:
        new = [r.choice((s, -1)) if s != 1 else r.choice((1, 2, 3)) for s in sh]
        if r.random() < 0.4:
            new.insert(0, r.choice((1, 2)))
        return f"{v} = {a}.expand({', '.join(map(str, new))}{',' if len(new) == 1 else ''})" \
            if new else f"{v} = {a}.expand(2)"
    if x == 8:
        reps = tuple(r.choice((1, 2)) for _ in range(va.dim() + r.randint(0, 1))) or (2,)
        return f"{v} = {a}.{r.choice(('repeat', 'tile'))}{reps if len(reps) > 1 else f'({reps[0]},)'}"
    if x == 9:
        o = b.t(lambda t: t.dim() == va.dim()) if r.random() < 0.6 else \
            b.new_input(shape=sh, dtype=r.choice(("float32", "int64", "float64")))
        fn = r.choice(("cat", "stack", "cat"))
        return f"{v} = T.{fn}([{a}, {o}], {r.randint(-1, max(va.dim() - 1, 0))})"
    if x == 10:
        w = b.var()
        return f"{v}, *{w} = {a}.{r.choice(('split', 'chunk'))}({r.randint(1, 3)}, {_dim(b, va)})"
    if x == 11:
        return f"{v} = list({a}.unbind({_dim(b, va)}))"
    if x == 12:
        d = _dim(b, va)
        n = sh[d] if va.dim() and -va.dim() <= d < va.dim() else 1
        start = r.randint(0, max(n - 1, 0))
        return f"{v} = {a}.narrow({d}, {start}, {r.randint(0, n - start)})"
    if x == 13:
        return f"{v} = {a}.{r.choice(('flip', 'roll'))}({'1, ' if r.random() < 0.3 else ''}{_dim(b, va)})" \
            if va.dim() else f"{v} = {a}.flip(0)"
    if x == 14:
        return f"{v} = {a}.{r.choice(('contiguous', 'detach', 'clone'))}()"
    if x == 15:
        return f"{v} = {a}.{r.choice(('tril', 'triu'))}({r.randint(-1, 1)})"
    return f"{v} = T.broadcast_to({a}, {_bshape_up(b, sh)})"


def _bshape_up(b, sh):
    """A shape ``sh`` broadcasts to."""
    r = b.rng
    out = [r.choice((2, 3)) if s == 1 and r.random() < 0.5 else s for s in sh]
    if r.random() < 0.4:
        out.insert(0, 2)
    return tuple(out)


# -- indexing -----------------------------------------------------------------------------
def _index(b, va):
    """An index expression for a tensor like ``va``."""
    r = b.rng
    nd = va.dim()
    sh = tuple(va.shape)
    parts = []
    k = r.randint(1, max(nd, 1))
    for d in range(k):
        n = sh[d] if d < nd else 1
        x = r.randrange(9)
        if x == 0:
            parts.append(str(r.randint(-n, max(n - 1, 0)) if n else 0))
        elif x == 1:
            a, c = r.randint(-n, n), r.randint(-n, n + 1)
            parts.append(f"{a}:{c}" if r.random() < 0.6 else f"{a}:{c}:{r.choice((1, 2))}")
        elif x == 2:
            parts.append(":")
        elif x == 3:
            parts.append("None")
        elif x == 4 and d == 0:
            parts.append("...")
        elif x == 5:
            idx = [r.randint(-n, max(n - 1, 0)) for _ in range(r.randint(1, 3))] if n else []
            parts.append(f"{idx}" if r.random() < 0.5 else f"T.tensor({idx}, dtype=T.int64)")
        elif x == 6 and d == 0 and nd:
            m = b.t(lambda t: str(t.dtype) == "torch.bool" and tuple(t.shape) == sh)
            parts.append(m if str(b.val(m).dtype) == "torch.bool" and tuple(b.val(m).shape) == sh
                         else f"{b.t(lambda t: tuple(t.shape) == sh)} > 0")
            break
        elif x == 7:
            parts.append(b.t(lambda t: str(t.dtype) == "torch.int64" and t.dim() <= 2 and
                             (t.numel() == 0 or (int(t.detach().abs().max()) < max(n, 1)))) if r.random() < 0.8
                         else "T.tensor(True)")
        else:
            parts.append(str(r.choice((0, -1))))
    if not parts:
        return "()"
    return ", ".join(parts)


def indexing(b):
    r = b.rng
    a = b.t()
    va = b.val(a)
    v = b.var()
    x = r.randrange(6)
    if x < 3:
        return f"{v} = {a}[{_index(b, va)}]"
    if x == 3:
        d = _dim(b, va)
        n = va.shape[d] if va.dim() and -va.dim() <= d < va.dim() else 1
        idx = [r.randint(0, max(n - 1, 0)) for _ in range(r.randint(0, 3))]
        fn = r.choice(("index_select", "gather"))
        if fn == "gather":
            ish = list(va.shape)
            if -va.dim() <= d < va.dim():
                ish[d] = r.randint(1, 2)
            iv = b.new_input(shape=ish, dtype="int64")
            return f"{v} = T.gather({a}, {d}, {iv}.clamp(0, {max(n - 1, 0)}))"
        return f"{v} = T.index_select({a}, {d}, T.tensor({idx}, dtype=T.int64))"
    if x == 4:
        m = f"{b.t(lambda t: _broadcasts(tuple(t.shape), tuple(va.shape)))} > 0"
        return f"{v} = {a}.masked_fill({m}, {_scalar(b)})" if r.random() < 0.6 else \
            f"{v} = T.masked_select({a}, {m})"
    # stable: the order of ties is otherwise PyTorch's implementation detail
    return f"{v} = {a}.{r.choice(('sort', 'argsort'))}(dim={_dim(b, va)}, stable=True)" if va.dim() and \
        r.random() < 0.3 else f"{v} = {a}[{_index(b, va)}].{r.choice(('clone', 'sum', 'float'))}()"


def index_assign(b):
    r = b.rng
    a = b.t()
    va = b.val(a)
    idx = _index(b, va)
    try:
        target = eval(f"{a}[{idx}]", dict(b.ns.env))
        shape = tuple(target.shape)
    except Exception:  # noqa: BLE001 - an invalid index is written anyway
        shape = ()
    x = r.random()
    if x < 0.4:
        val = _scalar(b)
    elif x < 0.5:
        val = _zero_d(b)
    else:
        val = b.new_input(shape=_bshape(b, shape), dtype=r.choice(("float32", "float32", "int64",
                                                                    "float64", "bool")))
    return f"{a}[{idx}] = {val}"


# -- in place -----------------------------------------------------------------------------
def inplace(b):
    r = b.rng
    a = b.t()
    va = b.val(a)
    x = r.randrange(8)
    if x < 2:
        fn = r.choice(("add_", "sub_", "mul_", "div_", "pow_", "clamp_", "copy_", "lerp_"))
        o = _operand(b, a)
        if fn == "clamp_":
            return f"{a}.clamp_({_scalar(b)}, {_scalar(b)})"
        if fn == "copy_":
            o = b.t(lambda t: _broadcasts(tuple(t.shape), tuple(va.shape)))
        if fn == "lerp_":
            return f"{a}.lerp_({o}, 0.5)"
        return f"{a}.{fn}({o})"
    if x == 2:
        return f"{a} {r.choice(('+=', '-=', '*=', '/='))} {_operand(b, a)}"
    if x == 3:
        fn = r.choice(("zero_", "relu_", "exp_", "sqrt_", "neg_", "abs_", "sigmoid_", "tanh_",
                       "floor_", "log_"))
        return f"{a}.{fn}()"
    if x == 4:
        return f"{a}.fill_({r.choice((_scalar(b), _zero_d(b)))})"
    if x == 5:
        v = b.var()
        return f"{v} = {a}[{_index(b, va)}].{r.choice(('mul_', 'add_', 'fill_'))}({_scalar(b)})"
    if x == 6:
        m = b.t(lambda t: _broadcasts(tuple(t.shape), tuple(va.shape)))
        return f"{a}.masked_fill_({m} > 0, {_scalar(b)})"
    fn = r.choice(("unsqueeze_(0)", "squeeze_()", "t_()", "detach_()", "requires_grad_()"))
    return f"{a}.{fn}"


# -- matmul and dtype conversion -----------------------------------------------------------
def matmul(b):
    r = b.rng
    a = b.t(lambda t: 1 <= t.dim() <= 3)
    va = b.val(a)
    sh = tuple(va.shape)
    v = b.var()
    k = sh[-1] if sh else 2
    oshape = r.choice(((k,), (k, r.randint(1, 3)), (2, k, 2) if len(sh) < 3 else (sh[0], k, 2)))
    o = b.new_input(shape=oshape, dtype=str(va.dtype).split(".")[-1] if r.random() < 0.8
                    else r.choice(("float32", "float64", "int64")))
    fn = r.choice(("@", "matmul", "mm", "mv", "dot", "outer", "bmm"))
    return f"{v} = {a} @ {o}" if fn == "@" else f"{v} = T.{fn}({a}, {o})"


def convert(b):
    r = b.rng
    a = b.t()
    v = b.var()
    fn = r.choice(("float()", "double()", "long()", "int()", "bool()", "to(T.float64)",
                   "to(T.int64)", "to(T.float32)", "type_as(a0)", "tolist()", "item()",
                   "numel()", "dim()", "size()", "shape", "is_contiguous()",
                   # strides are compared on views only: an op's output layout (and an
                   # empty tensor's strides) is each library's choice
                   "stride()" if b.val(a).numel() and b.val(a)._base is not None else "numel()",
                   "requires_grad", "is_leaf", "dtype == T.float32"))
    return f"{v} = {a}.{fn}"


# -- nn.functional ------------------------------------------------------------------------
# New operands here are finite: with an infinite weight or input, im2col's 0 * inf (padding)
# and the order of batch norm's sums give nan where PyTorch's kernels give a number.
def _nchw(b, nd):
    r = b.rng
    want = lambda t: _isf(t) and t.dim() == nd and all(s > 0 for s in t.shape)
    names = b.tensors(want)
    if names and r.random() < 0.5:
        return r.choice(names)
    shape = (r.randint(1, 2), r.randint(1, 3)) + tuple(r.randint(1, 6) for _ in range(nd - 2))
    return b.new_input(shape=shape, dtype=r.choice(FLOATS), finite=True)


def conv(b):
    r = b.rng
    nd = r.choice((3, 4))
    x = _nchw(b, nd)
    sh = tuple(b.val(x).shape)
    g = r.choice((1, 1, 2)) if sh[1] % 2 == 0 else 1
    cout = g * r.randint(1, 2)
    ks = tuple(r.randint(1, 3) for _ in range(nd - 2))
    dt = str(b.val(x).dtype).split(".")[-1]
    w = b.new_input(shape=(cout, sh[1] // g) + ks, dtype=dt, finite=True)
    bias = b.new_input(shape=(cout,), dtype=dt, finite=True) if r.random() < 0.5 else "None"
    v = b.var()
    opt = "".join(f", {k}={r.choice(vals)}" for k, vals in
                  (("stride", (1, 2)), ("padding", (0, 1, 2)), ("dilation", (1, 2)))
                  if r.random() < 0.5)
    return f"{v} = F.conv{nd - 2}d({x}, {w}, {bias}{opt}, groups={g})"


def pooling(b):
    r = b.rng
    x = _nchw(b, 4)
    v = b.var()
    k = r.randint(1, 3)
    fn = r.choice(("max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d"))
    if fn.startswith("adaptive"):
        return f"{v} = F.{fn}({x}, {r.choice((1, 2, (2, 1), 3))})"
    stride = r.choice((1, 2, (2, 1))) if r.random() < 0.6 else None
    opt = f", stride={stride}" if stride else ""
    pad = r.randint(0, k // 2) if r.random() < 0.5 else 0
    if pad:
        opt += f", padding={pad}"
    ceil = r.random() < 0.4
    if ceil:
        opt += ", ceil_mode=True"
    if fn == "max_pool2d" and r.random() < 0.3:
        dilation = r.choice((1, 2))
        strides = stride if isinstance(stride, tuple) else (stride or k,) * 2
        # a window wholly in the padding: PyTorch's backward writes its gradient outside
        # the plane (heap corruption; a deliberate difference in the README), so not compared
        if not any(_window_in_padding(n, k, s, pad, dilation, ceil)
                   for n, s in zip(b.val(x).shape[2:], strides)):
            opt += f", dilation={dilation}"
    if fn == "avg_pool2d" and r.random() < 0.4:
        opt += ", count_include_pad=False"
    return f"{v} = F.{fn}({x}, {k}{opt})"


def _window_in_padding(n, k, stride, pad, dilation, ceil_mode):
    """Whether a pooling window over a dim of size ``n`` lies wholly in the padding
    (PyTorch's output size, with ceil_mode's rule that the last window starts inside the
    input or its left padding)."""
    room = n + 2 * pad - dilation * (k - 1) - 1
    out = (-(-room // stride) if ceil_mode else room // stride) + 1
    if ceil_mode and (out - 1) * stride >= n + pad:
        out -= 1
    return any(all(not 0 <= o * stride - pad + i * dilation < n for i in range(k))
               for o in range(out))


def batch_norm(b):
    r = b.rng
    x = _nchw(b, r.choice((2, 3, 4)))
    c = b.val(x).shape[1]
    dt = str(b.val(x).dtype).split(".")[-1]
    rm = b.new_input(shape=(c,), dtype=dt, grad=False, finite=True)
    rv = b.new_input(shape=(c,), dtype=dt, grad=False, finite=True)
    arr = np.abs(b.program.inputs[-1][1]) + 0.5          # a variance is positive
    b.program.inputs[-1] = (rv, arr, False)
    b.ns.env[rv] = b.torch.tensor(arr.copy())
    w = b.new_input(shape=(c,), dtype=dt, finite=True) if r.random() < 0.5 else "None"
    bias = b.new_input(shape=(c,), dtype=dt, finite=True) if r.random() < 0.5 else "None"
    v = b.var()
    return (f"{v} = F.batch_norm({x}, {rm}, {rv}, {w}, {bias}, training={r.random() < 0.5}, "
            f"momentum={r.choice((0.1, 0.5))}, eps={r.choice((1e-5, 0.1))})")


def activation(b):
    r = b.rng
    x = _f(b)
    v = b.var()
    fn = r.choice(("relu", "leaky_relu", "gelu", "silu", "elu", "softplus", "hardtanh",
                   "relu6", "sigmoid", "tanh", "softmax", "log_softmax", "dropout", "normalize",
                   "layer_norm"))
    if fn in ("softmax", "log_softmax"):
        return f"{v} = F.{fn}({x}, dim={_dim(b, b.val(x))})"
    if fn == "dropout":
        return f"{v} = F.dropout({x}, p={r.choice((0.0, 0.5, 1.0))}, training=False)"
    if fn == "normalize":
        return f"{v} = F.normalize({x}, dim={_dim(b, b.val(x))})"
    if fn == "layer_norm":
        sh = tuple(b.val(x).shape)
        return f"{v} = F.layer_norm({x}, {sh[-1:] if sh else (1,)})"
    return f"{v} = F.{fn}({x})"


def loss(b):
    r = b.rng
    red = r.choice(("'mean'", "'sum'", "'none'"))
    v = b.var()
    fn = r.choice(("cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss",
                   "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"))
    if fn in ("cross_entropy", "nll_loss"):
        n, c = r.randint(0, 3), r.randint(1, 4)
        x = b.t(lambda t: _isf(t) and t.dim() == 2, lambda: b.new_input(shape=(n, c), dtype=r.choice(FLOATS)))
        n, c = b.val(x).shape
        tname = b.new_input(shape=(n,), dtype="int64")
        ign = r.choice((None, -100, 0, 1))
        arr = np.array([r.choice((0, c - 1, r.randrange(max(c, 1)), ign if ign is not None else 0))
                        for _ in range(n)], dtype=np.int64) if c else np.zeros(n, np.int64)
        b.program.inputs[-1] = (tname, arr, False)
        b.ns.env[tname] = b.torch.tensor(arr)
        opt = f", ignore_index={ign}" if ign is not None else ""
        if fn == "cross_entropy" and r.random() < 0.2:
            opt += ", label_smoothing=0.1"
        return f"{v} = F.{fn}({x}, {tname}, reduction={red}{opt})"
    x = _f(b)
    sh = tuple(b.val(x).shape)
    y = b.new_input(shape=sh if r.random() < 0.9 else _bshape(b, sh),
                    dtype=str(b.val(x).dtype).split(".")[-1], grad=r.random() < 0.3)
    if fn == "binary_cross_entropy":
        x = f"{x}.sigmoid()"
    if fn.startswith("binary"):
        y = f"{y}.sigmoid()"
    return f"{v} = F.{fn}({x}, {y}, reduction={red})"


def linear(b):
    r = b.rng
    x = _f(b)
    va = b.val(x)
    k = va.shape[-1] if va.dim() else 1
    dt = str(va.dtype).split(".")[-1]
    w = b.new_input(shape=(r.randint(1, 3), k), dtype=dt)
    bias = b.new_input(shape=(b.program.inputs[-1][1].shape[0],), dtype=dt) if r.random() < 0.5 else "None"
    v = b.var()
    return f"{v} = F.linear({x}, {w}, {bias})"


# -- autograd -----------------------------------------------------------------------------
def autograd(b):
    r = b.rng
    a = b.t(lambda t: t.requires_grad) if r.random() < 0.9 else b.t()
    va = b.val(a)
    x = r.randrange(10)
    rg = ", retain_graph=True" if r.random() < 0.4 else ""
    if x < 3:
        return f"{a}.sum().backward({rg.lstrip(', ')})" if va.dim() else f"{a}.backward({rg.lstrip(', ')})"
    if x == 3:
        return f"{a}.backward(T.ones_like({a}){rg})"
    if x == 4:
        leaves = b.tensors(lambda t: t.is_leaf and t.requires_grad) or [a]
        v = b.var()
        cg = ", create_graph=True" if r.random() < 0.5 else ""
        return (f"{v} = list(T.autograd.grad({a}.sum(), [{', '.join(r.sample(leaves, min(2, len(leaves))))}]"
                f"{rg}{cg}, allow_unused=True))")
    if x == 5:
        fn = r.choice(("lambda g: g * 2", "lambda g: None", "lambda g: g + 1", "lambda g: g.clone().zero_()"))
        return f"_ = {a}.register_hook({fn})"
    if x == 6:
        return f"{a}.retain_grad()"
    if x == 7:
        v = b.var()
        return f"with T.no_grad(): {v} = {a} * 2"
    if x == 8:
        return f"{a}.grad = None"
    v = b.var()
    return f"{v} = {a}.grad"


OPS = (creation, arithmetic, comparison, math_fn, reduction, shape_op, indexing, index_assign,
       inplace, matmul, convert, conv, pooling, batch_norm, activation, loss, linear, autograd)
WEIGHTS = (1.5, 5, 2, 3, 3, 3, 3, 2, 3, 1, 1, 1, 1.5, 1, 1.5, 1.5, 0.5, 4)
