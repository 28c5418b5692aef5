"""``Parameter``: a tensor that a ``Module`` registers as one of its learnable weights."""
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and shares storage with ``data``.

    Assigned as an attribute of a ``Module`` it is registered in ``parameters()``.
    Operations on a Parameter give plain Tensors, as in PyTorch.
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .. import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(
                f"Parameter data must be a Tensor, not {type(data).__name__}")
        p = Tensor._wrap(data._data)
        p.__class__ = cls
        # Share the version counter too: ``Parameter(t)`` is the same storage as ``t``.
        p._vc = data._vc
        p.requires_grad_(requires_grad)
        return p

    def __init__(self, data=None, requires_grad=True):
        """Everything is done in ``__new__`` (the Parameter *is* the wrapped tensor);
        Tensor's ``__init__``, which would parse ``data`` again, must not run."""

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (Parameter, (Tensor._wrap(self._data), self._requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        import copy
        result = Parameter(Tensor._wrap(self._data.copy()), self._requires_grad)
        memo[id(self)] = result
        if self.grad is not None:
            result.grad = copy.deepcopy(self.grad, memo)
        return result
