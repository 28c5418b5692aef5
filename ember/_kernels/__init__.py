"""numba kernels, one module per area; reach them through ``ember._numba.kernels(name)``."""
