"""The site as a lesson: a landing page for learners, and every lesson page in one order.

Source-level checks read the jupytext pages directly (fast, no build); the rest read the built
site or open it in Chromium, with the shared fixtures of ``conftest.py``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from site_support import DOCS, PAGES, url_of

QUESTION_URL = "https://datascience.stackexchange.com/questions/27506/back-propagation-in-cnn"
# The pages that teach: every notebook page of these sections (not the cheat sheet, which is a
# summary, nor Performance or the appendix, which report rather than teach).
LESSON_SECTIONS = ("example", "beyond", "training")
LESSONS = [s for s, _ in PAGES if s.endswith(".py") and s.split("/")[0] in LESSON_SECTIONS]
CLOSING = ["What to remember", "Exercises"]


def _markdown_lines(src: str) -> list[str]:
    """The Markdown cells of a jupytext percent page, with the leading ``# `` removed."""
    out, in_md = [], False
    for line in (DOCS / src).read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            in_md = "[markdown]" in line
            continue
        if in_md and (line.startswith("# ") or line == "#"):
            out.append(line[2:])
    return out


def _headings(src: str, level: int) -> list[str]:
    mark = "#" * level + " "
    return [ln[len(mark) :].strip() for ln in _markdown_lines(src) if ln.startswith(mark)]


def test_there_are_lesson_pages():
    assert len(LESSONS) >= 10, LESSONS


@pytest.mark.parametrize("src", LESSONS)
def test_lesson_ends_with_what_to_remember_then_exercises(src):
    h2 = _headings(src, 2)
    assert h2[-2:] == CLOSING, (
        f"{src}: the last two sections must be exactly {CLOSING}, in that order; "
        f"its sections are {h2}"
    )


@pytest.mark.parametrize("src", LESSONS)
def test_lesson_links_the_notation_and_keeps_none_of_its_own(src):
    text = "\n".join(_markdown_lines(src))
    assert re.search(r"\]\((\.\./)+notation(\.md|/)\)", text), (
        f"{src}: link the site's notation page (../notation.md) instead of defining letters"
    )
    own = [h for lvl in (2, 3) for h in _headings(src, lvl) if "notation" in h.lower()]
    assert not own, f"{src}: a notation section of its own: {own}"


# -- the built pages -----------------------------------------------------------------------------


class _Parser(HTMLParser):
    """Collects links (href, text), <details> counts per h2 section, and h2 titles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.h2: list[str] = []
        self.details_after: dict[str, int] = {}
        self._href: str | None = None
        self._text: list[str] = []
        self._in_h2 = False
        self._h2_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "href" in a:
            self._href, self._text = a["href"], []
        elif tag == "h2":
            self._in_h2, self._h2_text = True, []
        elif tag == "details" and self.h2:
            self.details_after[self.h2[-1]] = self.details_after.get(self.h2[-1], 0) + 1

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None
        elif tag == "h2" and self._in_h2:
            self._in_h2 = False
            self.h2.append("".join(self._h2_text).replace("¶", "").strip())

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)
        if self._in_h2:
            self._h2_text.append(data)


def _parse(built_site, src) -> tuple[str, _Parser]:
    html = (built_site.site / url_of(src) / "index.html").read_text(encoding="utf-8")
    parser = _Parser()
    parser.feed(html)
    return html, parser


def test_landing_page_is_for_learners(built_site):
    html, parsed = _parse(built_site, "index.md")
    article = html.split('<article class="md-content__inner', 1)[-1].split("</article>", 1)[0]
    hrefs = [h for h, _ in parsed.links]
    assert QUESTION_URL in hrefs, "the landing page must link the question it answers"
    start = [h for h, text in parsed.links if "start here" in text.lower()]
    assert start, "no 'Start here' link on the landing page"
    assert all(urljoin("/", h).rstrip("/").endswith("example/01_forward") for h in start), (
        f"'Start here' must lead to the first worked-example page, got {start}"
    )
    assert "CC BY-SA" in article, "say under which licence the question's numbers are used"
    for command in ("pip install", "pytest", "venv", "mkdocs serve", "git clone"):
        assert command not in article, f"the landing page shows a developer command: {command!r}"


@pytest.mark.parametrize("src", [s for s, _ in PAGES])
def test_every_page_credits_the_question(built_site, src):
    # The footer carries the credit, so every page that uses the question's numbers has it.
    html, _ = _parse(built_site, src)
    footer = html.split('<footer class="md-footer"', 1)[-1]
    assert "CC BY-SA" in footer and QUESTION_URL in footer, f"{src}: no credit in the footer"


@pytest.mark.parametrize("src", LESSONS)
def test_built_lesson_closes_with_exercises_and_collapsed_solutions(built_site, src):
    _, parsed = _parse(built_site, src)
    assert parsed.h2[-2:] == CLOSING, f"{src}: sections as built: {parsed.h2}"
    assert parsed.details_after.get("Exercises", 0) >= 2, (
        f"{src}: the Exercises need at least two solutions, each in a collapsed <details>"
    )


# Share of the article's height taken by code a reader sees (input areas of code cells).
# A cell tagged hide-input is collapsed behind a toggle, so it does not count even where
# the collapse mechanism has not been applied.
_CODE_SHARE_JS = r"""
() => {
  const article = document.querySelector("article.md-content__inner");
  let code = 0;
  for (const el of article.querySelectorAll(".jp-CodeCell .jp-InputArea")) {
    if (el.closest(".celltag_hide-input")) continue;
    if (!el.getClientRects().length) continue;  // e.g. inside a closed <details>
    code += el.getBoundingClientRect().height;
  }
  return {code, total: article.getBoundingClientRect().height};
}
"""
MAX_CODE_SHARE = 0.35


@pytest.mark.parametrize("src", LESSONS)
def test_visible_code_is_at_most_a_third_of_the_page(built_site, server, browser, src):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    try:
        page = context.new_page()
        page.goto(urljoin(server, url_of(src)), wait_until="load")
        m = page.evaluate(_CODE_SHARE_JS)
    finally:
        context.close()
    share = m["code"] / m["total"]
    assert share <= MAX_CODE_SHARE, (
        f"{src}: visible code is {share:.0%} of the page's height at 1300 px "
        f"(at most {MAX_CODE_SHARE:.0%}); hide or collapse cells that only build tables, "
        "figures or asserts (tags remove-input, remove-cell, hide-input)"
    )
