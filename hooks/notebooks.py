"""Execute the notebook pages in parallel, through a cache that cannot serve stale output.

An MkDocs hook (listed under ``hooks:`` in mkdocs.yml). mkdocs-jupyter renders notebooks with
``execute: false``; this hook gives it, for every notebook page, a notebook that is already
executed:

1. In ``on_files`` every page that mkdocs-jupyter would render (its ``include`` globs, through
   the plugin's own ``should_include``) is read with jupytext and given a **key**: a hash of the
   page's code cells (source and metadata, not its prose), every file under mkdocs.yml's
   ``watch:`` paths (the package), this module's code as imported, the plugin's execution
   settings, Python and the libraries that run the pages. An executed notebook stored under
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

import asyncio
import functools
import hashlib
import json
import logging
import os
import pathlib
import posixpath
import re
import site
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

import jupytext
import nbformat
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.notebooks")

CACHE_ENV = "CNNBP_DOCS_CACHE"
JOBS_ENV = "CNNBP_DOCS_JOBS"
CACHE_DIR = ".cache/cnnbp"  # relative to mkdocs.yml
KEEP_PER_PAGE = 4  # executed notebooks kept per page besides the one in use (switching branches)
CELL_TIMEOUT = 600  # seconds
# MkDocs imports a hook once per process (``mkdocs serve`` keeps it across rebuilds), so the
# key hashes the code that runs, not only the file on disk.
_CODE = pathlib.Path(__file__).read_bytes()

# Runs in each kernel before the first cell (IPython's exec_lines: no prompt number, no names
# left in the page's namespace). Records what the page's outputs can depend on besides its code:
# every module loaded in the kernel (those already loaded, then each import), to know which
# installed distributions it used, and every file it opens under the project (the interpreter's
# and the installed packages' files are skipped, and so are the watched folders, hashed whole).
_TRACK = r"""
import os, sys
out = open(LOG, "a", encoding="utf-8", buffering=1)
seen = set()
skip = tuple(os.path.join(p, "") for p in SKIP + [sys.prefix, sys.base_prefix, sys.exec_prefix])
def record(kind, what):
    if (kind, what) not in seen:
        seen.add((kind, what))
        out.write(kind + " " + what + "\n")
for name in list(sys.modules):
    record("import", name.partition(".")[0])
def hook(event, args):
    try:
        if event == "import":
            record("import", args[0].partition(".")[0])
        elif event == "open" and not isinstance(args[0], int):
            path = os.path.abspath(os.fsdecode(args[0]))
            if path.startswith(ROOT) and not path.startswith(skip):
                if not any(s in path for s in ("__pycache__", ".egg-info", ".dist-info")):
                    record("open", path)
    except Exception:
        pass
sys.addaudithook(hook)
"""
# What reads the notebook and runs it, outside the kernel: part of every key.
EXECUTOR = ("jupytext", "nbformat", "nbclient", "jupyter-client")

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


# -- keys ----------------------------------------------------------------------------------------


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()


def code_cells(nb) -> list[dict]:
    """What execution depends on in a notebook: its code cells, in order, with their metadata."""
    return [{"source": c.source, "metadata": c.metadata} for c in nb.cells if c.cell_type == "code"]


def tree_digest(paths, exclude=()) -> str:
    """Hash of every file under ``paths`` (files or folders): bytes, and names relative to the
    folder holding each path (so a moved or copied project keeps its keys); bytecode skipped."""
    h = hashlib.sha256()
    exclude = {pathlib.Path(p).resolve() for p in exclude}
    for top in sorted(pathlib.Path(p).resolve() for p in paths):
        files = [top] if top.is_file() else sorted(top.rglob("*"))
        for f in files:
            if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc":
                if f not in exclude:
                    name = f.relative_to(top.parent).as_posix()
                    h.update(f"{name}\0".encode() + f.read_bytes() + b"\0")
    return h.hexdigest()


def installed() -> dict[str, str]:
    """Name (normalized) and version of every distribution installed in this Python.

    Read from the ``<name>-<version>.dist-info`` folder names in site-packages (standard since
    PEP 376), which is a thousand times faster than reading every distribution's metadata.
    """
    folders = site.getsitepackages() + (
        [site.getusersitepackages()] if site.ENABLE_USER_SITE else []
    )
    found = {}
    for folder in folders:
        if os.path.isdir(folder):
            for n in os.listdir(folder):
                if n.endswith((".dist-info", ".egg-info")):
                    name, _, version = n.rsplit(".", 1)[0].partition("-")
                    found[_normalize(name)] = version
    return found


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def environment_digest(versions: dict[str, str] | None = None) -> str:
    """Python and the version of every installed distribution (part of the render stamp)."""
    versions = installed() if versions is None else versions
    return _digest(sys.version, sys.prefix, json.dumps(versions, sort_keys=True))


def executor_digest(versions: dict[str, str]) -> str:
    """Python and the libraries that read and run the pages outside the kernel (in the key)."""
    return _digest(sys.version, sys.prefix, *(f"{n}={versions.get(n)}" for n in EXECUTOR))


def distributions_of(modules, provides: dict[str, list[str]]) -> list[str]:
    """The distributions (normalized names) that provide these top-level modules.

    ``provides`` is ``importlib.metadata.packages_distributions()``.
    """
    return sorted({_normalize(d) for m in modules for d in provides.get(m, [])})


def code_digest(nb) -> str:
    return _digest(json.dumps(code_cells(nb), sort_keys=True))


def execution_key(src_uri: str, code: str, *, tree: str, environment: str, settings: dict) -> str:
    """The cache key of one page: what its outputs depend on, but what it read and imported.

    ``code`` is the page's `code_digest`; the other arguments are the same for every page. The
    files a page read and the distributions it loaded are only known once it has run: each
    stored execution lists them (its *deps*), and is used only if they are unchanged.
    """
    return _digest(_CODE, src_uri, code, tree, environment, json.dumps(settings, sort_keys=True))


def file_state(path: pathlib.Path) -> str | None:
    """What a recorded read saw: the file's bytes, or that it was missing (None)."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


# -- execution -----------------------------------------------------------------------------------


class PageFailed(Exception):
    """A page could not be executed; the message names the page and the cell."""


def code_cell_lines(text: str, nb) -> list[int | None]:
    """1-based line in the page source where each code cell starts (best effort).

    Each cell's first non-blank line is looked for after the previous cell's, in the source as
    written; jupytext keeps code lines verbatim apart from magics (``# %matplotlib``).
    """
    lines, at, found = text.splitlines(), 0, []
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), None)
        hit = next(
            (i for i in range(at, len(lines)) if first and lines[i].strip().endswith(first)), None
        )
        found.append(None if hit is None else hit + 1)
        at = at if hit is None else hit + 1
    return found


def execute(
    nb,
    *,
    label: str,
    source_text: str,
    root: pathlib.Path,
    skip: list[str],
    kernel_name: str,
    allow_errors: bool,
    cancelled: threading.Event | None = None,
):
    """Execute ``nb`` (in place) in a fresh kernel started in ``root``.

    Returns the files under ``root`` the page opened (relative paths) and the top-level modules
    loaded in its kernel.

    The kernel gets this process's environment without ``MPLBACKEND``: ipykernel only *defaults*
    to its inline backend, so an inherited ``MPLBACKEND=Agg`` (common in CI) would drop every
    figure silently.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    failed: dict = {}

    def on_cell_start(cell, cell_index):
        if cancelled is not None and cancelled.is_set():
            raise PageFailed(f"{label}: not executed, the build stopped")

    def on_cell_error(cell, cell_index, execute_reply):
        failed.update(index=cell_index, source=cell.source)

    with tempfile.TemporaryDirectory(prefix="cnnbp-reads-") as tmp:
        reads_log = os.path.join(tmp, "reads")
        setup = {"LOG": reads_log, "ROOT": os.path.join(str(root), ""), "SKIP": skip}
        prelude = f"exec({_TRACK!r}, {setup!r})"
        client = NotebookClient(
            nb,
            kernel_name=kernel_name,
            allow_errors=allow_errors,
            timeout=CELL_TIMEOUT,
            # ipykernel 7 warns at every start that its local TCP transport is unencrypted;
            # on every page that noise buried the build's own warnings.
            extra_arguments=[
                "--IPKernelApp.log_level=ERROR",
                f"--IPKernelApp.exec_lines={prelude}",
            ],
            resources={"metadata": {"path": str(root)}},
            on_cell_start=on_cell_start,
            on_cell_error=on_cell_error,
        )
        env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
        try:
            # Each worker thread runs its own event loop: kernels of different pages run side by side.
            asyncio.run(client.async_execute(env=env))
        except CellExecutionError as exc:
            index = failed.get("index", 0)
            nth = sum(1 for c in nb.cells[:index] if c.cell_type == "code")
            lines = code_cell_lines(source_text, nb)
            line = lines[nth] if nth < len(lines) else None
            where = f"code cell {nth + 1} of {len(lines)}" + (f" (line {line})" if line else "")
            raise PageFailed(
                f"{label}: {where} raised {exc.ename}: {exc.evalue}\n{_ANSI.sub('', str(exc))}"
            ) from None
        except DeadKernelError as exc:
            raise PageFailed(f"{label}: the kernel died ({exc})") from None
        except TimeoutError as exc:
            raise PageFailed(f"{label}: a cell ran longer than {CELL_TIMEOUT} s ({exc})") from None
        opened, imported = set(), set()
        with open(reads_log, encoding="utf-8") as f:
            for line in f:
                kind, _, what = line.rstrip("\n").partition(" ")
                if kind == "open":
                    opened.add(os.path.relpath(what, root))
                else:
                    imported.add(what)
        return sorted(opened), sorted(imported)


# -- the render copy -----------------------------------------------------------------------------


def render_copy(source_nb, executed_nb, *, stamp: dict, kernel_name: str):
    """The page's current cells, with the outputs of the executed notebook's code cells.

    The code cells of both are the same (they are part of the key), so they pair up in order;
    everything else comes from the page as it is now. Cell ids are numbered so that the same
    page always gives the same bytes (jupytext makes up new ids at every read). ``stamp`` goes
    into the metadata: the bytes mkdocs-jupyter's render cache is keyed on then change with
    the key, with the hooks (which post-process the rendering), and with the source.
    """
    out = nbformat.from_dict(json.loads(json.dumps(source_nb)))
    done = [c for c in executed_nb.cells if c.cell_type == "code"] if executed_nb else []
    code = [c for c in out.cells if c.cell_type == "code"]
    for cell, ran in zip(code, done, strict=False):
        cell.outputs, cell.execution_count = ran.outputs, ran.execution_count
    for i, cell in enumerate(out.cells):
        cell.id = str(i)
    meta = executed_nb.metadata if executed_nb else {}
    out.metadata = {
        "kernelspec": {"name": kernel_name, "display_name": kernel_name, "language": "python"},
        "language_info": meta.get("language_info", {"name": "python"}),
        "cnnbp": {**stamp, "deps": meta.get("cnnbp", {}).get("deps", {})},
    }
    out.nbformat, out.nbformat_minor = 4, 5
    return out


def dumps(nb) -> str:
    """Notebook JSON as nbformat writes it, without its (slow) schema validation."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def _write_atomically(path: pathlib.Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return  # same bytes: keep the file (and its mtime) as it is
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


# -- the hook ------------------------------------------------------------------------------------


def cache_enabled() -> bool:
    return os.environ.get(CACHE_ENV, "on").strip().lower() not in ("0", "off", "false", "no")


class _Build:
    """What one build needs to know, from mkdocs.yml and the environment."""

    def __init__(self, config):
        plugin = _plugin(config)
        self.root = pathlib.Path(config.config_file_path).resolve().parent
        self.cache = self.root / CACHE_DIR
        self.use_cache = cache_enabled()
        self.watched = [os.path.abspath(p) for p in config.watch if os.path.exists(p)]
        # The MkDocs hooks (this one included) only touch the build, not what runs in a kernel:
        # this module's own code is part of the key, and all of them are part of the render
        # stamp (mkdocs-jupyter's render cache), so that editing one does not execute anything.
        self.hooks = sorted(m.__file__ for m in config.hooks.values())
        self.versions = installed()
        # What mkdocs-jupyter's rendering can depend on besides the notebook and its options.
        self.render = _digest(tree_digest(self.hooks), environment_digest(self.versions))
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
        self.source = hashlib.sha256(self.text.encode()).hexdigest()
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
        return self.entry_dir / f"{self.key}-{_digest(json.dumps(deps, sort_keys=True))[:16]}.ipynb"

    def stamp(self, build: _Build) -> dict:
        return {
            "source": self.source,
            "code": self.code,
            "key": self.key,
            "render": build.render,
            "executed": not self.ignored,
        }

    def copy_is_current(self, build: _Build) -> bool:
        """Would the render copy be written again exactly as it is?"""
        stamp, deps = self.stamp(build), self.copy.get("deps", {})
        return all(self.copy.get(k) == v for k, v in stamp.items()) and deps_unchanged(
            deps, root=build.root, versions=build.versions
        )


def deps_unchanged(deps: dict, *, root: pathlib.Path, versions: dict[str, str]) -> bool:
    """Are the files a page read, and the distributions it loaded, as they were?"""
    return all(
        file_state(root / rel) == state for rel, state in deps.get("reads", {}).items()
    ) and all(versions.get(d) == v for d, v in deps.get("imports", {}).items())


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
    build.tree = tree = tree_digest(build.watched, exclude=build.hooks)
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
    if build.use_cache and tree_digest(build.watched, exclude=build.hooks) == build.tree:
        page.used = page.entry(deps)
        _write_atomically(page.used, dumps(nb))
    return nb


def _write_render_copy(build: _Build, page: _Page) -> None:
    copy = render_copy(
        page.nb, page.executed, stamp=page.stamp(build), kernel_name=build.kernel_name
    )
    _write_atomically(page.render_path, dumps(copy))


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
