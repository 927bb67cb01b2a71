// MathJax 3 configuration; MathJax itself (tex-chtml.js) is served by the site (copied from
// the django-static-mathjax wheel by hooks/mathjax.py) and typesets each page once, at
// load time (navigation.instant is off, so every page is a full load).
window.MathJax = {
  tex: {
    // \( \) and \[ \] come from pymdownx.arithmatex (markdown and API pages); $ and $$ are
    // what notebook markdown cells contain, untouched by Markdown.
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    // Everything inside Material's page container is skipped, except arithmatex spans and
    // notebook markdown (cells and Markdown outputs). Unlike Material's ".*|", this pattern
    // does not match an empty class, so the plain <p> inside a notebook cell is processed.
    ignoreHtmlClass: "md-container|tex2jax_ignore|mathjax_ignore",
    processHtmlClass: "arithmatex|jp-RenderedMarkdown|tex2jax_process|mathjax_process",
  },
  // Fonts and extensions load from where tex-chtml.js was loaded: javascripts/mathjax/.
};
