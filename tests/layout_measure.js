// Measures one page of the built site for tests/test_layout.py (run with page.evaluate once
// MathJax has finished). Returns plain data; the rules and their thresholds live in the test.
() => {
  const art = document.querySelector("article.md-content__inner") || document.body;
  const vw = document.documentElement.clientWidth;
  const visible = (el) => el.getClientRects().length > 0;
  const clip = (s, n) => (s.length > n ? s.slice(0, n - 1) + "…" : s);
  const headings = [...art.querySelectorAll("h1, h2, h3, h4")];
  // Where an element is, for the failure message: the heading it sits under.
  const where = (el) => {
    let last = null;
    for (const h of headings) {
      if (h.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) last = h;
      else break;
    }
    const title = last ? last.textContent.replace(/¶/g, "").trim() : "top of the page";
    return `under "${clip(title, 50)}"`;
  };
  const rgba = (s) => {
    const m = s.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const v = m[1].split(/[,\s/]+/).filter(Boolean).map(Number);
    return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] >= 0.99) return c.slice(0, 3);
      if (c[3] > 0) {
        const under = background(e.parentElement);
        return c.slice(0, 3).map((x, i) => x * c[3] + under[i] * (1 - c[3]));
      }
    }
    return [255, 255, 255];
  };
  // Right edge of the text column (with its margin, into which Material's table wrapper
  // reaches): a box past it is cut off by the page, not scrolled.
  const columnRight = art.getBoundingClientRect().right + parseFloat(getComputedStyle(art).marginRight);
  const beyond = (el) => Math.max(0, Math.round(el.getBoundingClientRect().right - columnRight));
  // How much of an element's content is hidden behind a sideways scroll, in any box around it
  // up to the column (Material wraps tables in a scrolling <div>, notebooks nest several).
  const hidden = (el) => {
    let worst = 0;
    for (let e = el; e && e !== art; e = e.parentElement) {
      if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(e).overflowX)) {
        worst = Math.max(worst, e.scrollWidth - e.clientWidth);
      }
    }
    return Math.round(worst);
  };
  const scroller = (el, stop) => {
    for (let e = el; e && e !== stop.parentElement; e = e.parentElement) {
      if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(e).overflowX)) return e;
    }
    return null;
  };

  // -- sideways scrolling of the whole page
  const pageScroll = document.documentElement.scrollWidth - vw;
  const sticking = [];
  if (pageScroll > 1) {
    const reported = new Set();
    for (const el of document.body.querySelectorAll("*")) {
      if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right <= vw + 1) continue;
      let contained = false;
      for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
        if (reported.has(e)) { contained = true; break; }
        const ox = getComputedStyle(e).overflowX;
        if (ox !== "visible" && e.getBoundingClientRect().right <= vw + 1) { contained = true; break; }
      }
      if (contained) continue;
      reported.add(el);
      if (sticking.length < 12) {
        const name = el.tagName.toLowerCase() + (el.className && typeof el.className === "string"
          ? "." + el.className.trim().split(/\s+/).slice(0, 2).join(".") : "");
        sticking.push({ where: where(el), what: `${name} reaches ${Math.round(r.right)} px` });
      }
    }
  }

  // -- code blocks: notebook input and output, and Markdown/API code
  const code = [];
  for (const pre of art.querySelectorAll("pre")) {
    if (!visible(pre) || pre.closest("svg")) continue;
    const inner = pre.firstElementChild;
    const box = inner && inner.tagName === "CODE" && pre.children.length === 1 ? inner : pre;
    const cs = getComputedStyle(box);
    const lh = cs.lineHeight === "normal" ? 1.2 * parseFloat(cs.fontSize) : parseFloat(cs.lineHeight);
    const lines = box.textContent.replace(/\n$/, "").split("\n");
    // Lines as drawn: the distinct tops of the text's line boxes, against the lines written.
    const range = document.createRange();
    range.selectNodeContents(box);
    const tops = [...range.getClientRects()].filter((r) => r.width > 0).map((r) => r.top).sort((a, b) => a - b);
    let drawn = 0;
    for (let i = 0; i < tops.length; i++) if (i === 0 || tops[i] - tops[i - 1] > lh / 2) drawn++;
    const written = lines.filter((l) => l.trim()).length;
    const wrapped = Math.max(0, drawn - written);
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), "");
    code.push({
      where: where(pre),
      kind: pre.closest(".jp-OutputArea") ? "output" : pre.closest(".jp-InputArea") ? "input" : "code",
      overflow: Math.max(hidden(box), beyond(box)),
      wrapped,
      longest: longest.length,
      text: clip(longest.trim(), 60),
    });
  }

  // -- tables
  const tables = [];
  for (const table of art.querySelectorAll("table")) {
    if (!visible(table) || table.closest(".md-search, svg")) continue;
    const overflow = Math.max(hidden(table), beyond(scroller(table, art) || table));
    // Code and numbers broken across lines (prose may break at spaces and hyphens).
    const broken = [];
    const numeric = /^[-+−(]?\d[\d.,eE+\-−×^%)]*[,;:]?$/;
    for (const cell of table.querySelectorAll("td, th")) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n && broken.length < 8; n = walker.nextNode()) {
        if (n.parentElement.closest("mjx-container, script, style")) continue;
        const inCode = !!n.parentElement.closest("code");
        for (const m of n.textContent.matchAll(/\S{2,}/g)) {
          if (!inCode && !numeric.test(m[0])) continue;
          const range = document.createRange();
          range.setStart(n, m.index);
          range.setEnd(n, m.index + m[0].length);
          const tops = [...range.getClientRects()].filter((r) => r.width > 0).map((r) => r.top);
          if (tops.length && Math.max(...tops) - Math.min(...tops) > 2) broken.push(m[0]);
        }
      }
    }
    const first = table.querySelector("tr");
    tables.push({
      where: where(table),
      overflow: Math.round(overflow),
      columns: first ? first.children.length : 0,
      head: clip([...(first ? first.children : [])].map((c) => c.textContent.trim()).join(" | "), 80),
      broken,
    });
  }

  // -- figures
  const figures = [];
  const candidates = [
    ...art.querySelectorAll("svg.cnnbp-figure"),
    ...art.querySelectorAll(".jp-OutputArea-output img, .jp-RenderedSVG img, .jp-RenderedImage img"),
  ];
  for (const fig of candidates) {
    if (!visible(fig)) continue;
    const rect = fig.getBoundingClientRect();
    let kind, own;
    if (fig.tagName.toLowerCase() === "svg") {
      kind = "svg";
      own = fig.width.baseVal.value;
    } else {
      const src = fig.getAttribute("src") || "";
      kind = src.startsWith("data:image/svg") ? "SVG-as-<img>" : (src.match(/^data:image\/(\w+)/) || [0, "img"])[1].toUpperCase();
      own = fig.getAttribute("width") ? parseFloat(fig.getAttribute("width")) : fig.naturalWidth;
    }
    const box = fig.closest(".jp-RenderedSVG, .jp-RenderedImage") || fig.parentElement;
    let minText = null, minTextSample = "";
    const textFills = [];
    if (kind === "svg") {
      for (const t of fig.querySelectorAll("text")) {
        if (!visible(t)) continue;
        const spans = [...t.querySelectorAll("tspan")].filter((s) => s.getAttribute("style")?.includes("font-size"));
        const sized = spans.length ? spans : [t];
        const size = Math.max(...sized.map((s) => parseFloat(getComputedStyle(s).fontSize)));
        const m = t.getScreenCTM();
        const px = size * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
        if (minText === null || px < minText) { minText = px; minTextSample = clip(t.textContent.trim(), 30); }
        const styled = [t, ...spans].some((s) => /fill\s*:/.test(s.getAttribute("style") || ""));
        if (!styled && textFills.length < 3) textFills.push([rgba(getComputedStyle(t).fill).slice(0, 3), clip(t.textContent.trim(), 30)]);
      }
    }
    figures.push({
      where: where(fig),
      kind,
      own,
      scale: own ? rect.width / own : 1,
      scrolls: box.scrollWidth > box.clientWidth + 1 && beyond(box) <= 1,
      beyond: beyond(box),
      minText,
      minTextSample,
      background: background(fig),
      textFills,
    });
  }

  // -- text colour against its background (read in dark mode)
  const texts = [];
  const sample = (sel, kind, n) => {
    for (const el of [...art.querySelectorAll(sel)].filter(visible).slice(0, n)) {
      if (!el.textContent.trim()) continue;
      texts.push({ where: where(el), kind, color: rgba(getComputedStyle(el).color).slice(0, 3), background: background(el) });
    }
  };
  sample(".jp-InputArea-editor pre", "code", 30);
  sample(".jp-OutputArea-output pre", "output", 30);
  sample("pre > code", "code", 20);
  sample("td, th", "table", 40);
  sample("article p", "prose", 20);

  // -- "In [n]:" / "Out[n]:" prompts a reader can see
  const prompts = [...art.querySelectorAll(".jp-InputPrompt, .jp-OutputPrompt")]
    .filter((p) => visible(p) && p.textContent.trim()).length;

  return { pageScroll: Math.round(pageScroll), sticking, code, tables, figures, texts, prompts };
}
