"""Argument checks shared by every public function: one place for the error messages.

Every check raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, wrong
value or shape) with a message that names the parameter and the shapes involved, so that a
user never meets an ``IndexError`` or a broadcasting error from deep inside numpy.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_array",
    "as_int",
    "as_pair",
    "check_ndim",
    "check_shape",
    "common_dtype",
]


def as_array(x, name: str) -> np.ndarray:
    """Return `x` as a float ndarray without modifying it.

    float32 stays float32 and float64 stays float64; float16 becomes float32; ints, bools
    and nested lists become float64. Complex, object, string and other arrays raise
    ``TypeError``.
    """
    if isinstance(x, np.ndarray):
        a = x
    else:
        try:
            a = np.asarray(x)
        except ValueError as err:  # ragged nested lists
            raise TypeError(f"{name} must be a numeric array, could not convert it: {err}") from None
    kind = a.dtype.kind
    if kind == "f":
        if a.dtype == np.float16:
            return a.astype(np.float32)
        if a.dtype not in (np.float32, np.float64):
            return a.astype(np.float64)
        return a
    if kind in "biu":
        return a.astype(np.float64)
    raise TypeError(f"{name} must be a real numeric array, got dtype {a.dtype}")


def common_dtype(*arrays: np.ndarray) -> np.dtype:
    """The float dtype that numpy's promotion gives the arrays (float32 only if all are)."""
    return np.result_type(*arrays)


def check_ndim(a: np.ndarray, ndim: int, name: str, layout: str) -> None:
    """Raise ``ValueError`` unless `a` has `ndim` dimensions; `layout` spells them, e.g. "(N, C, H, W)"."""
    if a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D {layout}, got shape {a.shape}")


def check_shape(a: np.ndarray, expected: tuple, name: str, what: str) -> None:
    """Raise ``ValueError`` unless ``a.shape == expected``; `what` says where `expected` came from."""
    if tuple(a.shape) != tuple(expected):
        raise ValueError(f"{name} has shape {tuple(a.shape)}, but {what} is {tuple(expected)}")


def as_int(v, name: str, minimum: int = 1) -> int:
    """Return `v` as a Python int, checking it is an integer (not a bool or float) >= `minimum`."""
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {v!r} of type {type(v).__name__}")
    v = int(v)
    if v < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {v}")
    return v


def as_pair(v, name: str, minimum: int = 1) -> tuple[int, int]:
    """Return an int or an ``(h, w)`` pair as a pair of ints, each >= `minimum`."""
    if isinstance(v, (tuple, list, np.ndarray)):
        if len(v) != 2:
            raise ValueError(f"{name} must be an int or an (h, w) pair, got {len(v)} values: {v!r}")
        return as_int(v[0], f"{name}[0]", minimum), as_int(v[1], f"{name}[1]", minimum)
    n = as_int(v, name, minimum)
    return n, n
