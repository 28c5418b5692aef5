"""``DataParallel``: on ember, as PyTorch's on a machine without CUDA devices."""
from ..modules.module import Module


class DataParallel(Module):
    """``DataParallel(module, device_ids=None, output_device=None, dim=0)``.

    PyTorch's splits each batch across GPUs; with no GPU (ember computes on the CPU) it runs
    the wrapped module as is, and so does this one. As there, the module is ``.module``, its
    ``state_dict`` keys carry the prefix ``module.``, and ``print`` shows it nested;
    ``device_ids`` and ``output_device`` are ignored (no CUDA device is available), as
    PyTorch ignores them there."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = []
        self.dim = dim
        self.output_device = None
        self.src_device_obj = None

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
