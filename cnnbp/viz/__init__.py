"""Figures and generated text for the documentation site (needs matplotlib: ``cnnbp[docs]``).

matplotlib and IPython are imported inside the functions, so ``import cnnbp.viz`` works without
them; only drawing needs them.
"""

from .figures import (
    show_channel_wiring,
    show_conv_windows,
    show_dw_sources,
    show_dx_sources,
    show_matrices,
    show_matrix,
    show_pipeline,
    show_pool_routing,
)
from .panels import show_cell_readers, show_chain, show_grids, show_reads
from .style import setup
from .text import format_value, markdown_table, show_markdown, show_table

__all__ = [
    "format_value",
    "markdown_table",
    "setup",
    "show_cell_readers",
    "show_chain",
    "show_channel_wiring",
    "show_conv_windows",
    "show_dw_sources",
    "show_dx_sources",
    "show_grids",
    "show_markdown",
    "show_matrices",
    "show_matrix",
    "show_pipeline",
    "show_pool_routing",
    "show_reads",
    "show_table",
]
