"""Figures and generated text for the documentation site (needs matplotlib: ``cnnbp[docs]``).

matplotlib and IPython are imported inside the functions, so ``import cnnbp.viz`` works without
them; only drawing needs them.
"""

from .backward import BACKWARD_STEPS, show_backward_pass
from .explorer import conv_explorer_data, explorer_html, pool_explorer_data, show_explorer
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
from .grids import show_cell_readers, show_chain, show_grids, show_reads
from .panels import draw_heatmap, show_heatmaps
from .style import setup
from .text import format_value, markdown_table, show_markdown, show_table

__all__ = [
    "BACKWARD_STEPS",
    "conv_explorer_data",
    "draw_heatmap",
    "explorer_html",
    "format_value",
    "markdown_table",
    "pool_explorer_data",
    "setup",
    "show_backward_pass",
    "show_cell_readers",
    "show_chain",
    "show_channel_wiring",
    "show_conv_windows",
    "show_dw_sources",
    "show_dx_sources",
    "show_explorer",
    "show_grids",
    "show_heatmaps",
    "show_markdown",
    "show_matrices",
    "show_matrix",
    "show_pipeline",
    "show_pool_routing",
    "show_reads",
    "show_table",
]
