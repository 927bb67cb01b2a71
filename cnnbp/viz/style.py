"""One look for every page: how arrays print and how figures are drawn.

Every page of the site calls :func:`setup` once, in its first (hidden) cell, so that the
settings live here and not on the pages.
"""

from __future__ import annotations

import numpy as np

__all__ = ["setup"]

# Short enough for the code box at a desktop width; numpy breaks lines between numbers only.
PRINT_OPTIONS = {"precision": 4, "suppress": True, "linewidth": 72}


def setup() -> None:
    """Apply the site's print options (and, when matplotlib is installed, its figure style).

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbp.viz import setup
    >>> with np.printoptions():  # restores numpy's options afterwards
    ...     setup()
    ...     print(np.array([1 / 3, 2e-9]))
    [0.3333 0.    ]
    """
    np.set_printoptions(**PRINT_OPTIONS)
