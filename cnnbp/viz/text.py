"""Generated text for the documentation: numbers, Markdown tables, and showing them.

The pages build their tables and sentences from computed arrays with these helpers instead of
f-strings in the page, so a page's visible code stays the code that computes the numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

__all__ = ["format_value", "markdown_table", "show_markdown", "show_table"]

_NEGATIVE_ZERO = re.compile(r"^-(?=0*[.,]?0*(?:e[+-]?\d+)?%?$)")


def format_value(v, fmt: str = "{:.4f}") -> str:
    """Format one table cell or figure label: numbers by `fmt`, without a "-0.00".

    Parameters
    ----------
    v : number, bool, str or None
        Strings are returned as they are, ``None`` as an empty cell, booleans as "yes"/"no".
    fmt : str, optional
        A :meth:`str.format` pattern for numbers.

    Returns
    -------
    str

    Examples
    --------
    >>> from cnnbp.viz import format_value
    >>> format_value(-0.0001, "{:.2f}"), format_value(0.25), format_value(True), format_value("x")
    ('0.00', '0.2500', 'yes', 'x')
    """
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    text = fmt.format(v.item() if isinstance(v, np.generic) else v)
    # A value that rounds to zero is shown as zero: "-0.00" reads as a sign that is not there.
    return _NEGATIVE_ZERO.sub("", text)


def markdown_table(rows, header: Sequence[str] | None = None, *, fmt="{:.4f}", align=None) -> str:
    """Build a Markdown table from rows of cells.

    Parameters
    ----------
    rows : sequence of sequences
        One inner sequence per row, all of the same length.
    header : sequence of str, optional
        Column titles; without it the first row is the header.
    fmt : str or sequence of str, optional
        Number format for every column, or one per column (see :func:`format_value`).
    align : str, optional
        One letter per column, ``l``, ``r`` or ``c`` (left, right, centred); default all left.
        Right-aligned columns of numbers line up their digits.

    Returns
    -------
    str
        The table's Markdown source.

    Examples
    --------
    >>> from cnnbp.viz import markdown_table
    >>> print(markdown_table([["w00", 0.044606], ["w01", -0.0]], ["weight", "gradient"]))
    | weight | gradient |
    |---|---|
    | w00 | 0.0446 |
    | w01 | 0.0000 |
    >>> print(markdown_table([["a", 1.5]], ["case", "µs"], fmt="{:.1f}", align="lr"))
    | case | µs |
    |---|--:|
    | a | 1.5 |
    """
    rows = [list(r) for r in rows]
    if header is None:
        if not rows:
            raise ValueError("markdown_table needs a header or at least one row")
        header, rows = [str(c) for c in rows[0]], rows[1:]
    width = len(header)
    bad = [i for i, r in enumerate(rows) if len(r) != width]
    if bad:
        raise ValueError(
            f"every row needs {width} cells (one per header column); row {bad[0]} has "
            f"{len(rows[bad[0]])}"
        )
    fmts = [fmt] * width if isinstance(fmt, str) else list(fmt)
    if len(fmts) != width:
        raise ValueError(f"fmt has {len(fmts)} entries for {width} columns")
    align = "l" * width if align is None else align
    rules = {"l": "---", "r": "--:", "c": ":-:"}
    if len(align) != width or set(align) - set(rules):
        raise ValueError(f"align needs one of l, r, c per column ({width}), got {align!r}")
    lines = ["| " + " | ".join(header) + " |", "|" + "".join(rules[a] + "|" for a in align)]
    for r in rows:
        cells = (format_value(v, f) for v, f in zip(r, fmts, strict=True))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def show_table(rows, header: Sequence[str] | None = None, *, fmt="{:.4f}", align=None) -> None:
    """Show a table built by :func:`markdown_table` (see :func:`show_markdown`).

    Parameters
    ----------
    rows, header, fmt, align
        As for :func:`markdown_table`.

    Examples
    --------
    >>> from cnnbp.viz import show_table
    >>> show_table([[1, 2.5]], ["n", "value"], fmt=["{:d}", "{:.1f}"])
    | n | value |
    |---|---|
    | 1 | 2.5 |
    """
    show_markdown(markdown_table(rows, header, fmt=fmt, align=align))


def show_markdown(text: str) -> None:
    """Show generated Markdown: rendered in a notebook, printed as plain text in a script.

    The documentation's pages build tables and sentences from computed numbers. Under a
    Jupyter kernel (the site build) they are rendered; run as ``python page.py``, IPython's own
    ``display`` would only print ``<IPython.core.display.Markdown object>``, so the text itself
    is printed instead.

    Parameters
    ----------
    text : str
        Markdown source.

    Examples
    --------
    >>> from cnnbp.viz import show_markdown
    >>> show_markdown("| a | b |\\n|---|---|\\n| 1 | 2 |")  # no kernel here: printed as is
    | a | b |
    |---|---|
    | 1 | 2 |
    """
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # the package itself does not depend on IPython
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(Markdown(text))
    else:
        print(text)
