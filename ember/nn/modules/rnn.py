"""Recurrent layers: ``RNN``, ``GRU``, ``LSTM`` on one base, and their single-step cells.

As in PyTorch, the three layers differ only in their gate arithmetic: ``RNNBase`` owns the
parameters (``weight_ih_l{k}{_reverse}``, ``weight_hh_l…``, ``bias_ih_l…``, ``bias_hh_l…``,
in PyTorch's order, shapes and initialisation), the argument checks, the layer/direction
loop, dropout between layers, ``batch_first`` and unbatched input. Each layer and direction
is one ``ops.rnn.Recurrence`` node: the input projection of all time steps in one product,
then the time loop, and its backward, in NumPy (see there; double backward through these
layers raises). The cells are plain compositions of ops.
"""
import math
import numbers
import warnings

from ...ops.creation import empty, zeros
from ...ops.rnn import Recurrence
from ...ops.shape import cat, stack
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "GRU": 3, "LSTM": 4}


class RNNBase(Module):
    """What ``RNN``, ``GRU`` and ``LSTM`` share (``mode`` is ``'RNN_TANH'``, ``'RNN_RELU'``,
    ``'GRU'`` or ``'LSTM'``)."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        for name, value in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int):
                raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError(
                "proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size > 0:
            raise NotImplementedError(
                "LSTM with proj_size > 0 (projected hidden states) is not supported by ember; "
                "use proj_size=0 and a Linear layer on the output")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * num_directions
            for direction in range(num_directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = {"weight_ih": (gate_size, layer_input),
                          "weight_hh": (gate_size, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                names = []
                for kind, shape in shapes.items():
                    setattr(self, kind + suffix,
                            Parameter(empty(shape, device=device, dtype=dtype)))
                    names.append(kind + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self):
        """Does nothing, as in PyTorch on the CPU: the weights are used where they are (this
        exists for code written for cuDNN, which wants them in one block)."""

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ----- PyTorch's argument checks ---------------------------------------------------
    def check_input(self, input, batch_sizes=None):
        wdtype = self._flat_weights[0].dtype
        if input.dtype != wdtype:
            raise ValueError(
                f"RNN input dtype ({_name(input.dtype)}) does not match weight dtype "
                f"({_name(wdtype)}). Convert input: input.to({_name(wdtype)}), or convert "
                f"model: model.to({_name(input.dtype)})")
        if input.dim() != 3:
            raise RuntimeError(f"input must have 3 dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError("input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes=None):
        mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        return (self.num_layers * num_directions, mini_batch, self.hidden_size)

    def check_hidden_size(self, hx, expected_hidden_size, msg="Expected hidden size {}, got {}"):
        if tuple(hx.size()) != expected_hidden_size:
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def check_forward_args(self, input, hidden, batch_sizes=None):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    # ----- the computation -------------------------------------------------------------
    def _prepare(self, input, hx, kind):
        """Unbatched input gets a batch dim of 1 (and its states one at dim 1); returns
        (input, hx, is_batched) with hx's dimensionality checked as PyTorch does."""
        if input.dim() not in (2, 3):
            end = " tensor instead" if kind == "RNN" else " instead"
            raise ValueError(f"{kind}: Expected input to be 2D or 3D, got {input.dim()}D{end}")
        is_batched = input.dim() == 3
        if not is_batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        if hx is not None:
            if hx.dim() != (3 if is_batched else 2):
                which = "batched 3-D" if is_batched else "unbatched 2-D"
                raise RuntimeError(f"For {which} input, hx should also be "
                                   f"{3 if is_batched else 2}-D but got {hx.dim()}-D tensor")
            if not is_batched:
                hx = hx.unsqueeze(1)
        return input, hx, is_batched

    def _zeros_state(self, input):
        return zeros(self.get_expected_hidden_size(input), dtype=input.dtype)

    def _run(self, input, hx, cx):
        """All layers and directions on a batched input: (output, h_n, c_n or None)."""
        x = input.transpose(0, 1) if self.batch_first else input
        T = x.shape[0]
        if T == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        lstm = self.mode == "LSTM"
        num_directions = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(num_directions):
                k = layer * num_directions + direction
                w = [getattr(self, name) for name in self._all_weights[k]]
                b_ih, b_hh = (w[2], w[3]) if self.bias else (None, None)
                out = Recurrence.apply(self.mode, direction == 1, x, w[0], b_ih, hx[k],
                                       cx[k] if lstm else None, w[1], b_hh)
                if lstm:
                    c_n.append(out[T])
                    out = out[:T]
                h_n.append(out[0] if direction == 1 else out[T - 1])
                outputs.append(out)
            x = outputs[0] if num_directions == 1 else cat(outputs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        output = x.transpose(0, 1) if self.batch_first else x
        return output, stack(h_n), stack(c_n) if lstm else None

    def _single_state_forward(self, input, hx, kind):
        input, hx, is_batched = self._prepare(input, hx, kind)
        if hx is None:
            hx = self._zeros_state(input)
        self.check_forward_args(input, hx)
        output, h_n, _ = self._run(input, hx, None)
        if not is_batched:
            output, h_n = output.squeeze(0 if self.batch_first else 1), h_n.squeeze(1)
        return output, h_n


def _name(dtype):
    return "torch." + dtype.name


class RNN(RNNBase):
    """Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``, act tanh or relu.

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False)``; ``forward(input, hx=None)``
    returns ``(output, h_n)``."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        modes = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}
        if nonlinearity not in modes:
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(modes[nonlinearity], *args, **kwargs)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        return self._single_state_forward(input, hx, "RNN")


class GRU(RNNBase):
    """Gated recurrent unit, PyTorch's gates r, z, n:
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``.
    ``forward(input, hx=None)`` returns ``(output, h_n)``."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        return self._single_state_forward(input, hx, "GRU")


class LSTM(RNNBase):
    """Long short-term memory, PyTorch's gates i, f, g, o: ``c' = f * c + i * g``,
    ``h' = o * tanh(c')``. ``forward(input, (h_0, c_0)=None)`` returns
    ``(output, (h_n, c_n))``. ``proj_size > 0`` raises NotImplementedError."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input, batch_sizes=None):
        return self.get_expected_hidden_size(input, batch_sizes)

    def check_forward_args(self, input, hidden, batch_sizes=None):
        self.check_input(input, batch_sizes)
        expected = self.get_expected_hidden_size(input, batch_sizes)
        self.check_hidden_size(hidden[0], expected, "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], expected, "Expected hidden[1] size {}, got {}")

    def forward(self, input, hx=None):
        if input.dim() not in (2, 3):
            raise ValueError(f"LSTM: Expected input to be 2D or 3D, got {input.dim()}D instead")
        is_batched = input.dim() == 3
        if not is_batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        if hx is None:
            hx = (self._zeros_state(input), self._zeros_state(input))
        else:
            dims = (hx[0].dim(), hx[1].dim())
            want = 3 if is_batched else 2
            if dims != (want, want):
                which = "batched 3-D" if is_batched else "unbatched 2-D"
                raise RuntimeError(f"For {which} input, hx and cx should also be {want}-D but "
                                   f"got ({dims[0]}-D, {dims[1]}-D) tensors")
            if not is_batched:
                hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        self.check_forward_args(input, hx)
        output, h_n, c_n = self._run(input, hx[0], hx[1])
        if not is_batched:
            output = output.squeeze(0 if self.batch_first else 1)
            h_n, c_n = h_n.squeeze(1), c_n.squeeze(1)
        return output, (h_n, c_n)


# ----- cells ---------------------------------------------------------------------------------
class RNNCellBase(Module):
    """The parameters of a single-step cell: ``weight_ih`` ``(chunks * hidden, input)``,
    ``weight_hh`` ``(chunks * hidden, hidden)``, ``bias_ih``, ``bias_hh``."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size),
                                         device=device, dtype=dtype))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size),
                                         device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _prepare(self, input, states, kind):
        """Batch an unbatched (1-D) input and its states, default the states to zeros and
        check sizes as PyTorch's cells do; returns (input, states, is_batched)."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{kind}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        for what, s in states:
            if s is not None and s.dim() not in (1, 2):
                raise ValueError(f"{kind}: Expected {what} to be 1D or 2D, got {s.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        out = []
        for i, (_, s) in enumerate(states):
            if s is None:
                s = zeros((input.size(0), self.hidden_size), dtype=input.dtype)
            elif not is_batched:
                s = s.unsqueeze(0)
            if input.size(1) != self.input_size:
                raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} "
                                   f"expected {self.input_size}")
            if input.size(0) != s.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{i} "
                                   f"batch size {s.size(0)}")
            if s.size(1) != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {s.size(1)}, "
                                   f"expected {self.hidden_size}")
            out.append(s)
        return input, out, is_batched

    def _gates(self, input, hx):
        return (F.linear(input, self.weight_ih, self.bias_ih)
                + F.linear(hx, self.weight_hh, self.bias_hh))


class RNNCell(RNNCellBase):
    """One Elman step: ``h' = act(W_ih x + b_ih + W_hh h + b_hh)``, act tanh or relu."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, (hx,), is_batched = self._prepare(input, [("hidden", hx)], "RNNCell")
        if self.nonlinearity == "tanh":
            ret = self._gates(input, hx).tanh()
        elif self.nonlinearity == "relu":
            ret = self._gates(input, hx).relu()
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return ret if is_batched else ret.squeeze(0)


class GRUCell(RNNCellBase):
    """One GRU step, gates r, z, n as ``nn.GRU``."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        input, (hx,), is_batched = self._prepare(input, [("hidden", hx)], "GRUCell")
        i_r, i_z, i_n = F.linear(input, self.weight_ih, self.bias_ih).chunk(3, 1)
        h_r, h_z, h_n = F.linear(hx, self.weight_hh, self.bias_hh).chunk(3, 1)
        r = (i_r + h_r).sigmoid()
        z = (i_z + h_z).sigmoid()
        n = (i_n + r * h_n).tanh()
        ret = n + z * (hx - n)
        return ret if is_batched else ret.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step, gates i, f, g, o as ``nn.LSTM``; returns ``(h', c')``."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        states = [("hx[0]", None), ("hx[1]", None)] if hx is None else \
            [("hx[0]", hx[0]), ("hx[1]", hx[1])]
        input, (h, c), is_batched = self._prepare(input, states, "LSTMCell")
        i, f, g, o = self._gates(input, h).chunk(4, 1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        return (h, c) if is_batched else (h.squeeze(0), c.squeeze(0))


__all__ = ["RNNBase", "RNN", "GRU", "LSTM", "RNNCellBase", "RNNCell", "GRUCell", "LSTMCell"]
