"""Numba kernels only: plain loops over int64 NumPy arrays, one small function per step.

Every input reaches a kernel as int64 with nulls as :data:`NULL`; every state is an int64
array of shape (groups, width) so that states merge by addition, exactly, in any order.
"""
import numpy as np

NULL = np.iinfo(np.int64).min
"""Null marker in every kernel input (no real date, amount or code takes this value)."""
