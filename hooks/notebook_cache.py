"""Keys, execution and render copies for the notebook pages' cache (used by hooks/notebooks.py).

Nothing here knows about MkDocs. A page's stored execution is valid while its **key** holds
(`execution_key`: its code cells, the watched files, this module's code, the execution
settings, Python and the libraries that run the pages) and while its **deps** hold
(`deps_unchanged`: the files it read and the versions of the distributions loaded in its
kernel, both recorded inside the kernel by `execute`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import pathlib
import re
import site
import sys
import tempfile
import threading

import nbformat

CACHE_ENV = "CNNBP_DOCS_CACHE"
CELL_TIMEOUT = 600  # seconds
# MkDocs imports hooks (and so this module) once per process: ``mkdocs serve`` keeps them across
# rebuilds, so the key hashes the code that runs, not only the file on disk.
_CODE = pathlib.Path(__file__).read_bytes()


def cache_enabled() -> bool:
    """False when ``CNNBP_DOCS_CACHE`` is off (or 0, false, no)."""
    return os.environ.get(CACHE_ENV, "on").strip().lower() not in ("0", "off", "false", "no")


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


def digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()


def code_cells(nb) -> list[dict]:
    """What execution depends on in a notebook: its code cells, in order, with their metadata."""
    return [{"source": c.source, "metadata": c.metadata} for c in nb.cells if c.cell_type == "code"]


def tree_digest(paths, exclude=()) -> str:
    """Hash of every file under ``paths`` (files or folders) but those under ``exclude``: bytes,
    and names relative to the folder holding each path (a moved or copied project keeps its
    keys); bytecode skipped."""
    h = hashlib.sha256()
    exclude = [pathlib.Path(p).resolve() for p in exclude]
    for top in sorted(pathlib.Path(p).resolve() for p in paths):
        files = [top] if top.is_file() else sorted(top.rglob("*"))
        for f in files:
            if not f.is_file() or "__pycache__" in f.parts or f.suffix == ".pyc":
                continue
            if not any(f == x or x in f.parents for x in exclude):
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
    return digest(sys.version, sys.prefix, json.dumps(versions, sort_keys=True))


def executor_digest(versions: dict[str, str]) -> str:
    """Python and the libraries that read and run the pages outside the kernel (in the key)."""
    return digest(sys.version, sys.prefix, *(f"{n}={versions.get(n)}" for n in EXECUTOR))


def distributions_of(modules, provides: dict[str, list[str]]) -> list[str]:
    """The distributions (normalized names) that provide these top-level modules.

    ``provides`` is ``importlib.metadata.packages_distributions()``.
    """
    return sorted({_normalize(d) for m in modules for d in provides.get(m, [])})


def code_digest(nb) -> str:
    return digest(json.dumps(code_cells(nb), sort_keys=True))


def execution_key(src_uri: str, code: str, *, tree: str, environment: str, settings: dict) -> str:
    """The cache key of one page: what its outputs depend on, but what it read and imported.

    ``code`` is the page's `code_digest`; the other arguments are the same for every page. The
    files a page read and the distributions it loaded are only known once it has run: each
    stored execution lists them (its *deps*), and is used only if they are unchanged.
    """
    return digest(_CODE, src_uri, code, tree, environment, json.dumps(settings, sort_keys=True))


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


def write_atomically(path: pathlib.Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return  # same bytes: keep the file (and its mtime) as it is
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def deps_unchanged(deps: dict, *, root: pathlib.Path, versions: dict[str, str]) -> bool:
    """Are the files a page read, and the distributions it loaded, as they were?"""
    return all(
        file_state(root / rel) == state for rel, state in deps.get("reads", {}).items()
    ) and all(versions.get(d) == v for d, v in deps.get("imports", {}).items())
