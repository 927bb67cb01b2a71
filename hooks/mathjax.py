"""Serve MathJax 3 from the site itself, so formulas render with no network at view time.

An MkDocs hook (see mkdocs.yml). The files come from the installed ``django-static-mathjax``
wheel (MathJax 3.2.2's es5 build; no Django needed) and are added to the build as generated
files, so MkDocs copies them like any other.
"""

from __future__ import annotations

import pathlib

from mkdocs.structure.files import File

# The component the site loads, the TeX extensions it may pull in, and its fonts.
PARTS = ("tex-chtml.js", "input/tex/extensions", "output/chtml/fonts/woff-v2")
DEST = "javascripts/mathjax"


def mathjax_source() -> pathlib.Path:
    import mathjax  # the django-static-mathjax wheel

    root = pathlib.Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (root / "tex-chtml.js").is_file():
        raise FileNotFoundError(f"MathJax es5 build not found under {root}")
    return root


def on_files(files, config, **kwargs):
    src = mathjax_source()
    for part in PARTS:
        top = src / part
        for path in [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file()):
            uri = f"{DEST}/{path.relative_to(src).as_posix()}"
            files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files
