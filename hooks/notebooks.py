"""Execute the notebook pages in parallel, through a cache that cannot serve stale output.

An MkDocs hook (listed under ``hooks:`` in mkdocs.yml). mkdocs-jupyter renders notebooks with
``execute: false``; this hook gives it, for every notebook page, a notebook that is already
executed:

1. In ``on_files`` every page that mkdocs-jupyter would render (its ``include`` globs, through
   the plugin's own ``should_include``) is read with jupytext and given a **key**: a hash of the
   page's code cells (source and metadata, not its prose), every file under mkdocs.yml's
   ``watch:`` paths (the package), the code that executes pages (hooks/notebook_cache.py, as
   imported), the plugin's execution settings, Python and the libraries that run the pages
   (`notebook_cache.execution_key`). An executed notebook stored under
   that key in ``.cache/cnnbp/executed/`` is reused if its *deps* are unchanged: the files the
   page read and the versions of the distributions loaded in its kernel, both recorded by an
   audit hook inside the kernel while it ran. Otherwise the page is executed again, several
   kernels at a time, with nbclient, while MkDocs goes on with the rest of the build.
2. The page's ``File`` keeps its ``src_uri`` (so its URL) but is backed by a *render copy* in
   ``.cache/cnnbp/render/``: the page's current cells with the code cells' outputs from the
   executed notebook. A prose edit therefore shows at once without executing anything, and
   mkdocs-jupyter's own render cache (keyed on the bytes of the file it renders) is correct
   because the copy embeds the key, the source's hash, and a digest of all the hooks and
   installed versions (the hooks post-process the rendering but cannot change what a kernel
   computes, so they are not part of the key).
3. Each page's ``.py`` source is published next to the page for the download button.

A cell that raises fails the build with the page, the cell's number and line, and the traceback.
``CNNBP_DOCS_CACHE=off`` bypasses both caches (every page is executed, nothing is stored);
``CNNBP_DOCS_JOBS=N`` sets how many kernels run at once. Deleting ``.cache/`` is always safe.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import pathlib
import posixpath
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

import jupytext
import nbformat
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from notebook_cache import (  # hooks/notebook_cache.py (MkDocs puts hooks/ on sys.path)
    CACHE_ENV,
    PageFailed,
    cache_enabled,
    code_digest,
    deps_unchanged,
    digest,
    distributions_of,
    dumps,
    environment_digest,
    execute,
    execution_key,
    executor_digest,
    file_state,
    installed,
    render_copy,
    tree_digest,
    write_atomically,
)

log = logging.getLogger("mkdocs.hooks.notebooks")

JOBS_ENV = "CNNBP_DOCS_JOBS"
CACHE_DIR = ".cache/cnnbp"  # relative to mkdocs.yml
KEEP_PER_PAGE = 4  # executed notebooks kept per page besides the one in use (switching branches)


# -- the hook ------------------------------------------------------------------------------------


class _Build:
    """What one build needs to know, from mkdocs.yml and the environment."""

    def __init__(self, config):
        plugin = _plugin(config)
        self.root = pathlib.Path(config.config_file_path).resolve().parent
        self.cache = self.root / CACHE_DIR
        self.use_cache = cache_enabled()
        self.watched = [os.path.abspath(p) for p in config.watch if os.path.exists(p)]
        # The folders of the MkDocs hooks hold build code that no page imports: they are not
        # part of the key (the execution code is, as imported: notebook_cache._CODE), but
        # the hooks are part of the render stamp (mkdocs-jupyter's render cache).
        self.hooks = sorted(m.__file__ for m in config.hooks.values())
        self.hook_dirs = sorted({os.path.dirname(h) for h in self.hooks})
        self.versions = installed()
        # What mkdocs-jupyter's rendering can depend on besides the notebook and its options.
        self.render = digest(tree_digest(self.hooks), environment_digest(self.versions))
        self.kernel_name = plugin.config["kernel_name"] or "python3"
        self.allow_errors = plugin.config["allow_errors"]
        self.execute_ignore = plugin.config["execute_ignore"]
        self.jobs = int(os.environ.get(JOBS_ENV, "0") or 0) or (os.cpu_count() or 1) + 1
        self.tree = ""  # digest of the watched files, as the keys saw them
        self.pages: dict[str, _Page] = {}
        self.todo: list[_Page] = []
        self.pool: ThreadPoolExecutor | None = None
        self.cancelled = threading.Event()
        self._lock = threading.Lock()
        self._provides: dict[str, list[str]] | None = None

    @property
    def provides(self) -> dict[str, list[str]]:
        """Which distributions provide which top-level modules (slow: read once, if needed)."""
        from importlib.metadata import packages_distributions

        with self._lock:
            if self._provides is None:
                self._provides = packages_distributions()
            return self._provides

    @property
    def settings(self) -> dict:
        return {"kernel_name": self.kernel_name, "allow_errors": self.allow_errors}


class _Page:
    def __init__(self, build: _Build, f: File):
        self.src_uri = f.src_uri
        self.text = f.content_string
        self.fmt = pathlib.PurePath(f.abs_src_path).suffix[1:]
        self.rel = pathlib.Path(f.abs_src_path).resolve().relative_to(build.root)
        self.render_path = (build.cache / "render" / self.rel).with_suffix(".ipynb")
        self.entry_dir = build.cache / "executed" / f.src_uri
        self.source = digest(self.text)
        self.ignored = any(pathlib.PurePath(f.abs_src_path).match(p) for p in build.execute_ignore)
        # The render copy's stamp; if it was made from this very source, its code digest is
        # this page's (parsing every page at every build was a good part of an unchanged build).
        self.copy: dict = {}
        if self.render_path.is_file():
            self.copy = json.loads(self.render_path.read_text("utf-8"))["metadata"].get("cnnbp", {})
        same = self.copy.get("source") == self.source and "code" in self.copy
        self.code = self.copy["code"] if same else code_digest(self.nb)
        self.key = ""
        self.used: pathlib.Path | None = None  # the entry this build used or wrote
        self.future: Future | None = None
        self.executed = None  # the executed notebook, once known

    @functools.cached_property
    def nb(self):
        return jupytext.reads(self.text, fmt=self.fmt)

    def entry(self, deps: dict) -> pathlib.Path:
        """Where the execution of this key with these deps is stored.

        One key can have several entries, one per state of its deps: putting a data file back
        as it was finds the outputs it gave then.
        """
        return self.entry_dir / f"{self.key}-{digest(json.dumps(deps, sort_keys=True))[:16]}.ipynb"

    def stamp(self, build: _Build) -> dict:
        return {
            "source": self.source,
            "code": self.code,
            "key": self.key,
            "render": build.render,
            "executed": not self.ignored,
            # A copy made with the cache off is not one for a later build to reuse.
            "cached": build.use_cache,
        }

    def copy_is_current(self, build: _Build) -> bool:
        """Would the render copy be written again exactly as it is?"""
        stamp, deps = self.stamp(build), self.copy.get("deps", {})
        return all(self.copy.get(k) == v for k, v in stamp.items()) and deps_unchanged(
            deps, root=build.root, versions=build.versions
        )


_build: _Build | None = None


def _plugin(config):
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is None:
        raise PluginError("hooks/notebooks.py needs the mkdocs-jupyter plugin")
    return plugin


def on_config(config, **kwargs):
    global _build
    plugin = _plugin(config)
    for option, wanted in (("execute", False), ("include_source", False)):
        if plugin.config[option] != wanted:
            raise PluginError(
                f"mkdocs-jupyter: set `{option}: {str(wanted).lower()}`; hooks/notebooks.py "
                "executes the pages and publishes their sources"
            )
    if not cache_enabled():
        # Off means off: mkdocs-jupyter's render cache too (keyed on the executed notebook, it
        # cannot go stale, but a build with the cache off should redo everything).
        plugin.config["cache"] = False
    # The plugin takes its cache folder relative to the working directory: two sites built
    # from one folder would evict each other's entries at every build.
    config_dir = os.path.dirname(os.path.abspath(config.config_file_path))
    plugin.config["cache_dir"] = os.path.join(config_dir, plugin.config["cache_dir"])
    _build = _Build(config)
    return config


@event_priority(-50)  # after mkdocs-jupyter's on_files, which has made pages of the notebooks
def on_files(files, config, **kwargs):
    build, plugin = _build, _plugin(config)
    build.tree = tree = tree_digest(build.watched, exclude=build.hook_dirs)
    environment = executor_digest(build.versions)
    for f in list(files):
        # (should_include reads every .md file to look for a jupytext header: skip those)
        if not f.src_uri.endswith((".py", ".ipynb")) or not plugin.should_include(f):
            continue
        page = _Page(build, f)
        page.key = execution_key(
            f.src_uri, page.code, tree=tree, environment=environment, settings=build.settings
        )
        build.pages[f.src_uri] = page
        if build.use_cache and page.copy_is_current(build):
            page.used = page.entry(page.copy.get("deps", {}))
            if page.used.is_file():
                os.utime(page.used)  # most recently used: evicted last
        elif page.ignored:
            _write_render_copy(build, page)  # rendered without outputs, as the plugin would
        elif build.use_cache and _load_entry(build, page):
            _write_render_copy(build, page)
        else:
            build.todo.append(page)

        # The source for the download button, beside the page; generated from its bytes, so
        # it does not become a page itself.
        folder = posixpath.splitext(f.src_uri)[0]
        if not config.use_directory_urls or posixpath.basename(folder) == "index":
            folder = posixpath.dirname(folder)
        source_uri = posixpath.join(folder, posixpath.basename(f.src_uri))
        files.append(File.generated(config, source_uri, content=f.content_bytes))
        # The same page (same src_uri, so the same URL) is rendered from the executed copy.
        f.abs_src_path = str(page.render_path)
        if not plugin.should_include(f):
            raise PluginError(
                f"mkdocs-jupyter's include globs match {page.rel} but not its executed copy "
                f"{page.render_path.relative_to(build.root)}: write them without a file "
                'extension, e.g. "docs/example/*"'
            )

    if build.todo:
        # Longest first (as last measured), so that no long page starts last and runs alone.
        build.todo.sort(key=lambda p: -_last_seconds(p.entry_dir))
        jobs = min(build.jobs, len(build.todo))
        build.pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="nbexec")
        for page in build.todo:
            page.future = build.pool.submit(_run, build, page)
        log.info("Executing %d notebook(s), %d at a time", len(build.todo), jobs)
    return files


def _load_entry(build: _Build, page: _Page) -> bool:
    """Use a stored execution of this key whose deps are as they were."""
    for entry in page.entry_dir.glob(f"{page.key}-*.ipynb"):
        # json, not nbformat.read: the entry was written by this module, validation is slow.
        stored = nbformat.from_dict(json.loads(entry.read_text(encoding="utf-8")))
        deps = stored.metadata.get("cnnbp", {}).get("deps", {})
        if deps_unchanged(deps, root=build.root, versions=build.versions):
            page.executed, page.used = stored, entry
            os.utime(entry)  # most recently used: evicted last
            return True
    return False


def _last_seconds(entry_dir: pathlib.Path) -> float:
    try:
        newest = max(entry_dir.glob("*.ipynb"), key=lambda p: p.stat().st_mtime)
        return float(json.loads(newest.read_text(encoding="utf-8"))["metadata"]["cnnbp"]["seconds"])
    except (ValueError, OSError, KeyError, TypeError):
        return 0.0


def _run(build: _Build, page: _Page):
    """Worker thread: execute one page and store it under its key."""
    nb = nbformat.from_dict(json.loads(json.dumps(page.nb)))
    t = time.perf_counter()
    opened, imported = execute(
        nb,
        label=str(page.rel),
        source_text=page.text,
        root=build.root,
        skip=[str(build.cache), *build.watched],
        kernel_name=build.kernel_name,
        allow_errors=build.allow_errors,
        cancelled=build.cancelled,
    )
    seconds = time.perf_counter() - t
    log.info("Executed %s in %.1f s", page.rel, seconds)
    deps = {
        "reads": {rel: file_state(build.root / rel) for rel in opened},
        "imports": {d: build.versions.get(d) for d in distributions_of(imported, build.provides)},
    }
    nb.metadata["cnnbp"] = {"key": page.key, "deps": deps, "seconds": round(seconds, 2)}
    # A watched file edited since the key was made: the outputs may come from either version,
    # so they are shown but not stored (serve builds again after the edit anyway).
    if build.use_cache and tree_digest(build.watched, exclude=build.hook_dirs) == build.tree:
        page.used = page.entry(deps)
        write_atomically(page.used, dumps(nb))
    return nb


def _write_render_copy(build: _Build, page: _Page) -> None:
    copy = render_copy(
        page.nb, page.executed, stamp=page.stamp(build), kernel_name=build.kernel_name
    )
    write_atomically(page.render_path, dumps(copy))


@event_priority(50)  # before mkdocs-jupyter's on_pre_page, which reads the render copy
def on_pre_page(page, config, files, **kwargs):
    ours = _build.pages.get(page.file.src_uri) if _build else None
    if ours is None or ours.future is None:
        return page
    try:
        ours.executed = ours.future.result()
    except PageFailed as exc:
        raise PluginError(str(exc)) from None
    _write_render_copy(_build, ours)
    return page


def _stop() -> None:
    if _build is not None and _build.pool is not None:
        _build.cancelled.set()
        _build.pool.shutdown(wait=True, cancel_futures=True)
        _build.pool = None


def on_build_error(error, **kwargs):
    _stop()  # start no more kernels (and stop running ones) for pages that won't be rendered


def on_post_build(config, **kwargs):
    _stop()
    build = _build
    names = [p.src_uri for p in build.todo]
    log.info(
        "Notebooks: %d executed, %d from the cache%s",
        len(names),
        len(build.pages) - len(names),
        "" if build.use_cache else f" ({CACHE_ENV} is off)",
    )
    if build.use_cache:
        _evict(build)


def _evict(build: _Build) -> None:
    """Keep, per page, the entry in use and the few most recently used others."""
    in_render = {p.render_path for p in build.pages.values()}
    for copy in (build.cache / "render").rglob("*.ipynb"):
        if copy not in in_render:
            copy.unlink(missing_ok=True)  # a page that was deleted or renamed
    executed = build.cache / "executed"
    if not executed.is_dir():
        return
    in_use = {p.used for p in build.pages.values()}
    for folder in {e.parent for e in executed.rglob("*.ipynb")}:
        entries = sorted(folder.glob("*.ipynb"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in [e for e in entries if e not in in_use][KEEP_PER_PAGE:]:
            stale.unlink(missing_ok=True)
