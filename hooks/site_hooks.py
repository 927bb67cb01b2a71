"""MkDocs hooks for the cnnbp site (listed under ``hooks:`` in mkdocs.yml).

1. ``MPLBACKEND`` is removed from the environment before any kernel starts. ipykernel only
   *defaults* the backend to inline, so an inherited ``MPLBACKEND=Agg`` (common in CI and test
   environments) would make every figure vanish from the pages without any warning.
2. nbconvert's Jinja templates are compiled once per build instead of once per page.
3. The notebooks are executed in parallel, several kernels at a time, as soon as the file list
   is known; mkdocs-jupyter then renders the executed notebooks instead of executing them one
   after another itself. Its own options still decide: this only happens when the plugin has
   ``execute: true``, the plugin's ``kernel_name``, ``allow_errors`` and ``execute_ignore`` are
   honoured, and a cell error still fails the build (the error is raised while the page is
   rendered, exactly where the plugin would raise it). ``CNNBP_DOCS_JOBS=1`` turns the parallel
   path off and leaves execution to the plugin.
4. Notebook HTML is tidied: nbconvert's empty ``<script src="">`` and MathJax 2 config are
   removed (the site loads its own MathJax 3, once per page), and the ~580 KB of JupyterLab CSS
   inlined into every notebook page is served as one shared stylesheet instead.
5. MathJax 3.2.2 is copied from the installed ``django-static-mathjax`` wheel into the built
   site, so formulas render with no network at view time.
"""

from __future__ import annotations

import asyncio
import hashlib
import html as html_lib
import logging
import os
import pathlib
import re
import resource
import shutil
import time
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger("mkdocs.hooks.cnnbp")

MATHJAX_PARTS = ("tex-chtml.js", "input/tex/extensions", "output/chtml/fonts/woff-v2")
MATHJAX_DEST = "javascripts/mathjax"
# Pages known to take longest (the digits page trains a CNN): their kernels start first.
EXECUTE_FIRST = ("/docs/training/",)

_state: dict = {"futures": {}, "pool": None, "t0": None}


# -- 1. figures ---------------------------------------------------------------------------------


def on_config(config, **kwargs):
    dropped = os.environ.pop("MPLBACKEND", None)
    if dropped is not None:
        log.info("Removed MPLBACKEND=%s from the environment so notebook figures render", dropped)
    _state["t0"] = time.perf_counter()
    _install_render_shim()
    _share_template_bytecode()
    return config


# -- 2. template compilation -------------------------------------------------------------------


def _share_template_bytecode():
    """Compile nbconvert's Jinja templates once per process instead of once per page.

    mkdocs-jupyter builds a new exporter, hence a new Jinja environment, for every notebook,
    and compiling the lab templates was the largest single cost of rendering a page. A
    bytecode cache shared by those environments is keyed on each template's source checksum,
    so a changed template is still recompiled.
    """
    import jinja2
    from nbconvert.exporters.templateexporter import TemplateExporter

    if getattr(TemplateExporter._create_environment, "_cnnbp_shim", False):
        return

    class MemoryBytecodeCache(jinja2.BytecodeCache):
        def __init__(self):
            self.store: dict[str, bytes] = {}

        def load_bytecode(self, bucket):
            if bucket.key in self.store:
                bucket.bytecode_from_string(self.store[bucket.key])

        def dump_bytecode(self, bucket):
            self.store[bucket.key] = bucket.bytecode_to_string()

    cache = MemoryBytecodeCache()
    original = TemplateExporter._create_environment

    def _create_environment(self):
        env = original(self)
        env.bytecode_cache = cache
        return env

    _create_environment._cnnbp_shim = True
    TemplateExporter._create_environment = _create_environment


# -- 3. parallel execution ----------------------------------------------------------------------


def _jupyter_plugin(config):
    return config.plugins.get("mkdocs-jupyter")


def _execute_notebook(path: str, cwd: str, kernel_name: str, allow_errors: bool):
    """Read a jupytext/ipynb notebook and run it in a fresh kernel; returns the executed nb."""
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(path)
    client = NotebookClient(
        nb,
        kernel_name=kernel_name or nb.metadata.get("kernelspec", {}).get("name", "python3"),
        allow_errors=allow_errors,
        timeout=600,
        # ipykernel 7 warns at every start that its local TCP transport is unencrypted; on
        # every page that noise buried the build's own warnings.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": cwd}},
    )
    t = time.perf_counter()
    # Each worker thread gets its own event loop: kernels of different pages run side by side.
    asyncio.run(client.async_execute())
    log.info("Executed %s in %.1f s", os.path.relpath(path, cwd), time.perf_counter() - t)
    return nb


def on_files(files, config, **kwargs):
    plugin = _jupyter_plugin(config)
    _state["futures"] = {}
    # One kernel more than cores: a kernel spends part of its start-up waiting, not computing.
    jobs = int(os.environ.get("CNNBP_DOCS_JOBS", "0") or 0) or (os.cpu_count() or 1) + 1
    if plugin is None or not plugin.config["execute"] or jobs <= 1:
        return files
    cwd = os.path.dirname(os.path.abspath(config.config_file_path))
    todo = []
    for f in files:
        if not f.abs_src_path or not f.abs_src_path.endswith((".py", ".ipynb")):
            continue
        if not plugin.should_include(f):
            continue
        src = pathlib.PurePath(f.abs_src_path)
        if any(src.match(p) for p in plugin.config["execute_ignore"]):
            continue
        todo.append(f.abs_src_path)
    if not todo:
        return files
    # Longest pages first, so that none of them starts last and runs alone at the end.
    todo.sort(key=lambda p: not any(part in p for part in EXECUTE_FIRST))
    pool = ThreadPoolExecutor(max_workers=min(jobs, len(todo)), thread_name_prefix="nbexec")
    _state["pool"] = pool
    for path in todo:
        _state["futures"][os.path.abspath(path)] = pool.submit(
            _execute_notebook,
            path,
            cwd,
            plugin.config["kernel_name"],
            plugin.config["allow_errors"],
        )
    log.info("Executing %d notebooks, %d at a time", len(todo), pool._max_workers)
    return files


class _ExecutedReader:
    """Stands in for the ``jupytext`` module inside mkdocs-jupyter's converter.

    The converter calls ``jupytext.read(path)`` on a ``.py`` page; for a page that was executed
    ahead of time this returns the executed notebook, so the converter (told ``execute=False``)
    renders those outputs. Everything else is delegated to jupytext unchanged.
    """

    def __init__(self, module):
        self._module = module
        self.executed: dict[str, object] = {}

    def read(self, fp, *args, **kwargs):
        key = os.path.abspath(fp) if isinstance(fp, (str, os.PathLike)) else None
        if key is not None and key in self.executed:
            return self.executed[key]
        return self._module.read(fp, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._module, name)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _install_render_shim():
    from mkdocs.exceptions import PluginError
    from mkdocs_jupyter import convert, nbconvert2
    from nbclient.exceptions import CellExecutionError

    if getattr(convert.nb2html, "_cnnbp_shim", False):
        return
    original = convert.nb2html
    reader = _ExecutedReader(nbconvert2.jupytext)
    nbconvert2.jupytext = reader

    def nb2html(nb_path, *args, execute=False, **kwargs):
        future: Future | None = _state["futures"].get(os.path.abspath(nb_path))
        if not execute or future is None:
            return original(nb_path, *args, execute=execute, **kwargs)
        try:
            nb = future.result()
        except CellExecutionError as exc:
            # The build fails on this page, as with the plugin's own execution, but with the
            # failing cell and its traceback as the message instead of a Python traceback of
            # the build machinery.
            raise PluginError(
                f"{os.path.relpath(nb_path)}: a cell raised (allow_errors is false):\n"
                + _ANSI.sub("", str(exc))
            ) from None
        key = os.path.abspath(nb_path)
        if nb_path.endswith(".ipynb"):
            # The converter reads .ipynb files by name; run it on the plugin's normal path.
            return original(nb_path, *args, execute=execute, **kwargs)
        reader.executed[key] = nb
        try:
            return original(nb_path, *args, execute=False, **kwargs)
        finally:
            reader.executed.pop(key, None)

    nb2html._cnnbp_shim = True
    convert.nb2html = nb2html


# -- 4. tidy notebook HTML ----------------------------------------------------------------------

_NB_MATHJAX2 = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", flags=re.DOTALL
)


# mkdocs-jupyter inlines ~580 KB of JupyterLab CSS, scoped to .jupyter-wrapper, into every
# notebook page. It is served once instead, linked from the same spot of each notebook page
# (cascade order unchanged); the small unscoped pygments block stays inline.
_NB_SCOPED_CSS = re.compile(
    r'<style type="text/css">\s*((?:@charset "UTF-8";)?\.jupyter-wrapper\s*\{.*?)</style>',
    re.DOTALL,
)
NB_CSS_DIR = "assets/stylesheets"


def on_page_content(html, page, config, files, **kwargs):
    if not getattr(page, "nb_url", None):
        return html
    html = _NB_MATHJAX2.sub("", html)
    from mkdocs.utils import get_relative_url

    def to_link(m):
        css = m.group(1)
        name = f"{NB_CSS_DIR}/jupyter-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
        _state.setdefault("css", {})[name] = css
        return f'<link rel="stylesheet" href="{get_relative_url(name, page.url)}">'

    html = _NB_SCOPED_CSS.sub(to_link, html)
    _toc_from_headings(html, page, config)
    return html


_HEADING = re.compile(r'<h([1-6])\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', re.DOTALL)


def _toc_from_headings(html, page, config):
    """Rebuild a notebook page's table of contents (and title) from its rendered headings.

    mkdocs-jupyter derives them from a second, Markdown rendering of the notebook with inline
    code removed, so a heading such as "Compared with the answer's `d`" got the anchor
    ``#compared-with-the-answers`` in the table of contents while the heading's real id is
    ``compared-with-the-answers-d``, and its title lost the code. The rendered HTML is the
    truth; the ids are read from there.
    """
    from mkdocs.structure.toc import get_toc

    plugin = _jupyter_plugin(config)
    depth = plugin.config["toc_depth"] if plugin else 6
    tokens: list[dict] = []
    stack: list[dict] = []
    for m in _HEADING.finditer(html):
        level = int(m.group(1))
        if level > depth:
            continue
        inner = re.sub(r'<a class="anchor-link".*?</a>', "", m.group(3), flags=re.DOTALL)
        name = html_lib.unescape(re.sub(r"<[^>]+>", "", inner)).strip()
        token = {"level": level, "id": m.group(2), "name": name, "children": []}
        while stack and stack[-1]["level"] >= level:
            stack.pop()
        (stack[-1]["children"] if stack else tokens).append(token)
        stack.append(token)
    page.toc = get_toc(tokens)
    first_h1 = next((t["name"] for t in tokens if t["level"] == 1), None)
    if first_h1 and not (plugin and plugin.config["ignore_h1_titles"]):
        page.title = first_h1


# -- 5. MathJax served by the site --------------------------------------------------------------


def mathjax_source() -> pathlib.Path:
    import mathjax  # the django-static-mathjax wheel; no Django needed

    root = pathlib.Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (root / "tex-chtml.js").is_file():
        raise FileNotFoundError(f"MathJax es5 build not found under {root}")
    return root


def on_post_build(config, **kwargs):
    pool = _state.pop("pool", None)
    if pool is not None:
        pool.shutdown(wait=True)
    _state["futures"] = {}
    for name, css in _state.pop("css", {}).items():
        target = pathlib.Path(config.site_dir) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(css, encoding="utf-8")
    src = mathjax_source()
    dest = pathlib.Path(config.site_dir) / MATHJAX_DEST
    for part in MATHJAX_PARTS:
        s, d = src / part, dest / part
        d.parent.mkdir(parents=True, exist_ok=True)
        if s.is_dir():
            shutil.copytree(s, d, dirs_exist_ok=True)
        else:
            shutil.copy2(s, d)
    if _state.get("t0") is not None:
        # CPU seconds next to wall time: on a busy machine the wall time alone says little.
        me, kids = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        log.info(
            "Site built in %.1f s (CPU: %.1f s in mkdocs, %.1f s in kernels)",
            time.perf_counter() - _state["t0"],
            me.ru_utime + me.ru_stime,
            kids.ru_utime + kids.ru_stime,
        )


def on_build_error(error, **kwargs):
    pool = _state.pop("pool", None)
    if pool is not None:
        # Don't start kernels for pages that will never be rendered.
        pool.shutdown(wait=True, cancel_futures=True)
    _state["futures"] = {}
