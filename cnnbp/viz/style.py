"""One look for every page: how arrays print and how figures are drawn.

Every page of the site calls :func:`setup` once, in its first (hidden) cell, so that the
settings live here and not on the pages.

Figures are drawn as SVG with real text (``svg.fonttype: none``): they stay sharp at any zoom,
their labels can be found with the browser's search, and the site's tests measure their text in
CSS pixels. The sizes below follow from the page layout (see ``tests/test_layout.py``):

- the output column of a notebook page is about 630 CSS px wide on a 1300 px desktop and about
  355 px on a 390 px phone; an SVG figure ``w`` inches wide is ``96 w`` CSS px at full size and
  is shrunk to fit the column;
- a figure at most :data:`FIGURE_WIDTH` inches wide is therefore shown at full size on a desktop
  and at no less than about 55 % on a phone, where text of :data:`SMALL` points is still
  ``SMALL * 96 / 72 * 0.55`` >= 7 CSS px.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CELL", "FIGURE_WIDTH", "LABEL", "PALETTE", "SMALL", "TITLE", "rc_params", "setup"]

# Short enough for the code box at a desktop width; numpy breaks lines between numbers only.
PRINT_OPTIONS = {"precision": 4, "suppress": True, "linewidth": 72}

#: Widest figure, in inches, that is shown at full size in a desktop column (6.5 in = 624 px).
FIGURE_WIDTH = 6.5
#: Smallest text size, in points, any figure may use (cell values, tick labels, δ annotations).
SMALL = 10
#: Text size, in points, of axis labels, legends and arrow labels.
LABEL = 11
#: Text size, in points, of panel titles (a figure's suptitle is one step larger).
TITLE = 12
#: Inches per cell of an annotated heatmap: room for a five-character label such as ``-0.13``
#: at :data:`SMALL` points.
CELL = 0.55
#: Okabe & Ito's colour-blind-safe palette, the colour cycle of every axes. The figures sit on a
#: white card in both colour schemes (``docs/stylesheets/readability.css``), so these colours
#: are read against white in dark mode too.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",
)


def rc_params() -> dict:
    """The matplotlib settings of every figure on the site.

    Returns
    -------
    dict
        rcParams for :func:`matplotlib.rcParams.update` or :func:`matplotlib.rc_context`.

    Examples
    --------
    >>> from cnnbp.viz.style import rc_params
    >>> rc = rc_params()
    >>> rc["svg.fonttype"], rc["font.size"], rc["figure.figsize"]
    ('none', 11, (6.5, 3.6))
    """
    from cycler import cycler

    return {
        "figure.figsize": (FIGURE_WIDTH, 3.6),
        # Raster parts of an SVG (imshow) are embedded at twice the CSS resolution: sharp on
        # HiDPI screens. Text and lines are vectors and do not depend on it.
        "savefig.dpi": 192,
        # Real <text> elements instead of glyph outlines: selectable, searchable, measurable.
        "svg.fonttype": "none",
        # Ids inside the SVG (clip paths) from a fixed salt: the same figure gives the same bytes.
        "svg.hashsalt": "cnnbp",
        "font.size": LABEL,
        "axes.titlesize": TITLE,
        "axes.labelsize": LABEL,
        "xtick.labelsize": SMALL,
        "ytick.labelsize": SMALL,
        "legend.fontsize": SMALL,
        "legend.title_fontsize": LABEL,
        "figure.titlesize": TITLE + 1,
        # An opaque white figure: the same picture in the light and the dark colour scheme.
        "figure.facecolor": "white",
        "axes.facecolor": "white",
        "savefig.facecolor": "white",
        "savefig.transparent": False,
        "axes.prop_cycle": cycler(color=list(PALETTE)),
        # Heatmaps of small arrays: one crisp block per entry, never a blurred gradient.
        "image.interpolation": "nearest",
    }


def setup() -> None:
    """Apply the site's print options and figure style; in a notebook, draw figures as SVG.

    Called once at the top of every page. As a plain script (``python page.py``) it sets the
    same print options and matplotlib style; only the inline SVG format needs IPython.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> from cnnbp.viz import setup
    >>> with np.printoptions(), matplotlib.rc_context():  # restores both afterwards
    ...     setup()
    ...     print(np.array([1 / 3, 2e-9]), matplotlib.rcParams["svg.fonttype"])
    [0.3333 0.    ] none
    """
    np.set_printoptions(**PRINT_OPTIONS)
    try:
        import matplotlib
    except ImportError:  # the package works without matplotlib; only figures need it
        return
    matplotlib.rcParams.update(rc_params())
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is None:
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    # The inline backend keeps its bbox_inches="tight"; no creation date in the SVG, so that a
    # page rebuilt from the same code gives the same bytes.
    set_matplotlib_formats("svg", metadata={"Date": None})
