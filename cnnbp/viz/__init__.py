"""Figures and generated text for the documentation site (needs matplotlib: ``cnnbp[docs]``).

One heatmap, :func:`show_matrix`, draws every matrix of every figure; :func:`show_grids` lays
out several of them side by side. The other figures trace a gradient cell by cell
(``figures``), show which cells a convolution reads (``reads``), draw structure
(``diagrams``) or the whole backward pass (``backward``).

matplotlib and IPython are imported inside the functions, so ``import cnnbp.viz`` works without
them; only drawing needs them.
"""

from .backward import BACKWARD_STEPS, show_backward_pass
from .diagrams import show_chain, show_channel_wiring
from .explorer import conv_explorer_data, explorer_html, pool_explorer_data, show_explorer
from .figures import show_dw_sources, show_dx_sources, show_pool_routing
from .grids import show_grids
from .matrix import show_matrix
from .reads import show_cell_readers, show_reads
from .style import setup
from .text import format_value, markdown_table, show_markdown, show_table

__all__ = [
    "BACKWARD_STEPS",
    "conv_explorer_data",
    "explorer_html",
    "format_value",
    "markdown_table",
    "pool_explorer_data",
    "setup",
    "show_backward_pass",
    "show_cell_readers",
    "show_chain",
    "show_channel_wiring",
    "show_dw_sources",
    "show_dx_sources",
    "show_explorer",
    "show_grids",
    "show_markdown",
    "show_matrix",
    "show_pool_routing",
    "show_reads",
    "show_table",
]
