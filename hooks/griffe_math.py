"""Griffe extension: reST math and roles in numpydoc docstrings -> Markdown the site renders.

Docstrings follow numpydoc, where math is written ``.. math::`` (a directive with an indented
block) or ``:math:`...``` (a role). mkdocstrings renders docstrings as Markdown, where neither
means anything, so they are rewritten to ``$$ ... $$`` and ``$...$``, which
``pymdownx.arithmatex`` hands to the site's MathJax. Cross-reference roles (``:func:`x```,
``:mod:`x```, ...) become inline code. ``$...$`` written directly in a docstring is left alone.
"""

from __future__ import annotations

import re

import griffe

_ROLE_MATH = re.compile(r":math:`([^`]+)`")
_ROLE_REF = re.compile(r":(?:py:)?(?:func|mod|class|meth|attr|data|obj|exc|const):`~?([^`]+)`")
_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<inline>\S.*)?$")


def _indented_block(lines: list[str], i: int, indent: str) -> tuple[list[str], int]:
    """The lines from `i` on indented deeper than `indent` (blank lines between them included,
    trailing blank lines dropped), and the index of the first line after them."""
    body: list[str] = []
    while i < len(lines) and (
        not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > len(indent)
    ):
        body.append(lines[i])
        i += 1
    while body and not body[-1].strip():
        body.pop()
    return body, i


def rst_math_to_markdown(text: str) -> str:
    """Rewrite ``.. math::`` blocks and ``:math:``/cross-reference roles in `text`."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = _DIRECTIVE.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        indent = m.group("indent")
        body, i = _indented_block(lines, i + 1, indent)
        if m.group("inline"):
            body.insert(0, m.group("inline"))
        out.extend(_display_blocks(body, indent))
        if i < len(lines):
            out.append("")
    text = "\n".join(out)
    text = _ROLE_MATH.sub(lambda m: f"${m.group(1).strip()}$", text)
    return _ROLE_REF.sub(lambda m: f"`{m.group(1)}`", text)


def _display_blocks(body: list[str], indent: str) -> list[str]:
    stripped = [ln.strip() for ln in body]
    # Sphinx typesets each blank-line-separated group of a math directive as its own equation.
    groups: list[list[str]] = [[]]
    for ln in stripped:
        if ln:
            groups[-1].append(ln)
        elif groups[-1]:
            groups.append([])
    out: list[str] = [""]
    for group in (g for g in groups if g):
        tex = "\n".join(group)
        # Several lines joined by \\ are one aligned display, as Sphinx's `split` would make.
        if "\\\\" in tex and "\\begin{" not in tex:
            tex = "\\begin{aligned}\n" + tex + "\n\\end{aligned}"
        out += [f"{indent}$$", *(f"{indent}{t}" for t in tex.splitlines()), f"{indent}$$", ""]
    return out


_GROUPED = re.compile(r"^(?P<indent>[ \t]*)(?P<names>\w+(?:, \w+)+) : (?P<rest>.+)$")


def split_grouped_parameters(text: str) -> str:
    """Give each name of a grouped numpydoc entry (``stride, padding : int``) its own entry.

    griffe's numpy parser gives every name of a group the default of the first name it finds
    in the signature, so ``stride, padding, dilation`` would all show stride's default.
    Repeating the entry per name lets each take its own default from the signature.
    """
    lines = text.splitlines()
    out: list[str] = []
    section = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and re.fullmatch(r"[ \t]*-{3,}[ \t]*", lines[i + 1]) and line.strip():
            section = line.strip()
        m = _GROUPED.match(line)
        if m and section in ("Parameters", "Other Parameters"):
            indent = m.group("indent")
            body, i = _indented_block(lines, i + 1, indent)
            for name in m.group("names").split(", "):
                out += [f"{indent}{name} : {m.group('rest')}", *body]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


_SEE_ALSO_ENTRY = re.compile(r"^(?P<names>[\w.]+(?:, [\w.]+)*)(?: : (?P<desc>.*))?$")


def see_also_to_list(text: str) -> str:
    """Turn numpydoc's "See Also" entries (``name : text``) into a Markdown list.

    griffe keeps the section's lines as plain text, which Markdown joins into one run-on
    paragraph; a list keeps one entry per line.
    """
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        out.append(lines[i])
        if lines[i].strip() == "See Also" and i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}:
            out.append(lines[i + 1])
            i += 2
            while i < len(lines) and lines[i].strip():
                m = _SEE_ALSO_ENTRY.match(lines[i].strip())
                if m:
                    names = ", ".join(f"`{n}`" for n in m.group("names").split(", "))
                    out.append(f"- {names}" + (f": {m.group('desc')}" if m.group("desc") else ""))
                else:  # a continuation line of the previous entry
                    out.append("  " + lines[i].strip())
                i += 1
            continue
        i += 1
    return "\n".join(out)


class RstMath(griffe.Extension):
    """Rewrite every docstring griffe loads: reST math to Markdown, grouped parameters split."""

    def on_object(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            text = see_also_to_list(split_grouped_parameters(obj.docstring.value))
            obj.docstring.value = rst_math_to_markdown(text)

    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:
        # The top-level package is not among the members on_object visits.
        self.on_object(obj=pkg)
