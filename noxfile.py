"""How JAX 101 is worked on. ``nox -l`` lists the sessions; each installs from ``uv.lock``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nox

nox.needs_version = ">=2024.10.9"
nox.options.default_venv_backend = "uv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "tests"]

ROOT = Path(__file__).parent
BUILD = Path(os.environ.get("JAX101_BUILD_DIR", ROOT / "build"))
sys.path.insert(0, str(ROOT / "tools"))
from sphinx_command import sphinx_args  # noqa: E402 - the command line the tests use too


def install(session: nox.Session, *groups: str) -> None:
    """Install the package and the given dependency groups, exactly as ``uv.lock`` pins them.

    An environment already in sync is left alone: ``uv sync`` would compile every module's
    bytecode again (about 0.4 s), which is most of what a no-op build spends in nox.
    """
    sync = ["uv", "sync", "--locked", "--no-default-groups", *(f"--group={g}" for g in groups)]
    env = {"UV_PROJECT_ENVIRONMENT": session.virtualenv.location}
    uv = shutil.which("uv")
    check = [uv, *sync[1:], "--check", "--quiet"] if uv else None
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    if (
        check
        and subprocess.run(check, env={**os.environ, **env}, check=False, **quiet).returncode == 0
    ):
        return
    session.run_install(*sync, env={**env, "UV_COMPILE_BYTECODE": "1"}, silent=True)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the book into build/html (strict: any warning fails the build).

    ``-- --fresh`` re-executes every chapter. ``-- --only NAME`` previews docs/NAME.md: it
    executes that chapter alone, fails on its warnings only, and writes build/preview/html,
    leaving build/html as it was.
    """
    install(session, "docs")
    args = list(session.posargs)
    only = ""
    if "--fresh" in args:
        args.remove("--fresh")
        shutil.rmtree(BUILD, ignore_errors=True)
    if "--only" in args:
        at = args.index("--only")
        only = args[at + 1] if at + 1 < len(args) else ""
        if not (ROOT / "docs" / f"{only}.md").is_file():
            session.error(f"--only {only!r}: there is no docs/{only}.md")
        del args[at : at + 2]
    command = sphinx_args(ROOT / "docs", BUILD, only=only)
    session.run("sphinx-build", *command[:-2], *args, *command[-2:])


def ensure_chromium(session: nox.Session) -> None:
    """Install Debian's Chromium for the browser tests if it is missing (as root, with apt)."""
    if shutil.which("chromium"):
        return
    if not (shutil.which("apt-get") and os.geteuid() == 0):
        session.warn("Chromium is missing and apt is unavailable: browser tests will be skipped")
        return
    apt_env = {"DEBIAN_FRONTEND": "noninteractive"}
    session.run("apt-get", "update", "-qq", external=True, env=apt_env)
    session.run("apt-get", "install", "-y", "-qq", "chromium", external=True, env=apt_env)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite: the package, the examples, the build's behaviour, a fresh build."""
    install(session, "test")
    ensure_chromium(session)
    # Two workers (a 2-core machine's cores), each taking whole modules, which keeps module
    # fixtures to one worker; the workers share one build of the book (conftest.py).
    session.run("pytest", "--numprocesses=2", "--dist=loadfile", *session.posargs)


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutate the check, timing, HLO and roofline helpers; their focused tests must fail.

    Prints the share of mutants killed per module and overall, and each survivor (file:line,
    the mutation). ``-- _checks.py`` limits it to one module, ``-- --jobs N`` runs N at once.
    Not a default session: it runs the focused tests once per mutant (minutes).
    """
    install(session, "test")
    session.run("python", "tools/mutants.py", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Check the chapters (cells with ruff, the chapter rules), then ruff, mypy, codespell."""
    install(session, "lint")
    # First, as it is quick: ruff on the cells, then the rules of tests/chapter_scan.py
    # (its RULES), one ``docs/NAME.md:LINE: message (fix)`` line per finding.
    chapters = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md"))
    ruff = shutil.which("ruff", path=str(Path(session.bin)))
    session.run("python", "tools/lint_chapters.py", str(ruff), *chapters)
    paths = ["src", "tests", "examples", "conf", "benchmarks", "tools", "noxfile.py"]
    session.run("ruff", "check", *paths, *session.posargs)
    session.run("ruff", "format", "--check", *paths)
    session.run("mypy")  # configured in pyproject.toml: strict, src/jax101
    session.run("codespell")  # configured in pyproject.toml


@nox.session
def example(session: nox.Session) -> None:
    """Run the case study from the command line: ``nox -s example -- --steps 500 --plot a.png``."""
    install(session)
    session.run("python", "examples/logistic_regression.py", *session.posargs)


@nox.session
def inventories(session: nox.Session) -> None:
    """Rewrite conf/inventories from the docs sources: ``-- --jax DIR --numpy DIR --optax DIR``."""
    install(session, "docs")
    session.run("python", "tools/make_inventories.py", *session.posargs)


@nox.session
def sharded_training(session: nox.Session) -> None:
    """Train the case study data-parallel: ``nox -s sharded_training -- --processes 2``."""
    install(session)
    session.run("python", "examples/sharded_training.py", *session.posargs)


@nox.session
def benchmark(session: nox.Session) -> None:
    """Run the chapter "Performance"'s benchmarks: ``nox -s benchmark -- --json out.json``."""
    install(session)
    session.run("python", "examples/benchmark.py", *session.posargs)


@nox.session(python=False)
def build_times(session: nox.Session) -> None:
    """Benchmark ``nox -s docs`` on a copy of the repository: cold, no-op and incremental."""
    session.run("python3", "benchmarks/build_times.py")


@nox.session
def serve(session: nox.Session) -> None:
    """Preview the book on http://127.0.0.1:8000, rebuilding on every change.

    Options go to sphinx-autobuild (``-- --port 8001``). Stopping nox (SIGTERM, Ctrl-C, or
    killing it) stops the server and any build in progress: see tools/serve.py.
    """
    install(session, "serve")
    session.run("python", "tools/serve.py", *session.posargs)


@nox.session
def docs_latest(session: nox.Session) -> None:
    """Build the book against the newest jax, jaxlib and optax, ignoring ``uv.lock``.

    The weekly workflow runs this on the newest Python, so a JAX release that changes a
    behaviour the book describes fails a build that names the sentence. It builds into
    build/latest, executing every chapter afresh.
    """
    import tomllib  # noqa: PLC0415 (nox sessions run on Python >= 3.11)

    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    docs_group = [r for r in groups["docs"] if isinstance(r, str)]
    install_latest(session, *docs_group)
    session.run("python", "-c", LATEST_VERSIONS)
    out = BUILD / "latest"
    shutil.rmtree(out, ignore_errors=True)
    session.run("sphinx-build", *sphinx_args(ROOT / "docs", out))


def install_latest(session: nox.Session, *extra: str) -> None:
    """Install jax101 (and ``extra``), then the newest jax, jaxlib and optax, past the lock."""
    env = {"UV_COMPILE_BYTECODE": "1"}
    session.install(*LATEST_FLAGS, ".", *extra, env=env)
    session.install(*LATEST_FLAGS, "--upgrade", *LATEST_PACKAGES, env=env)


# Run from the repository, `uv pip install` would apply pyproject's constraint-dependencies
# (the lock's jax on every Python): `--no-config` leaves them out. tests/test_lock.py resolves
# this install and checks that it reaches past the lock.
LATEST_FLAGS = ("--no-config",)
LATEST_PACKAGES = ("jax", "jaxlib", "optax")
LATEST_VERSIONS = (
    "import importlib.metadata as m, sys; "
    "print('Python', sys.version.split()[0], *(f'{p} {m.version(p)}' for p in "
    "('jax', 'jaxlib', 'optax')))"
)


@nox.session
def compat(session: nox.Session) -> None:
    """Run every chapter's code, without Sphinx, and record the result: ``-- --record FILE``.

    The record (tools/compat.py) is what the Compatibility appendix renders from
    docs/_data/compat. ``-- --latest`` runs against the newest jax, jaxlib and optax, past
    the lock (the weekly workflow keeps that record); otherwise the locked versions.
    """
    args = list(session.posargs)
    if "--latest" in args:
        args.remove("--latest")
        install_latest(session)
    else:
        install(session)
    session.run("python", "tools/compat.py", *args)


@nox.session
def reproducibility(session: nox.Session) -> None:
    """Build the book twice from scratch and diff the executed notebooks cell by cell.

    Fails if a cell's outputs differ between the builds and the cell is not tagged
    ``machine-dependent`` (tools/reproducibility.py). Builds into build/reproducibility.
    """
    install(session, "docs")
    builds = [BUILD / "reproducibility" / name for name in ("first", "second")]
    for build in builds:
        shutil.rmtree(build, ignore_errors=True)  # a fresh folder: a fresh cache, all executed
        session.run("sphinx-build", *sphinx_args(ROOT / "docs", build))
    session.run("python", "tools/reproducibility.py", *map(str, builds), *session.posargs)


@nox.session
def pdf(session: nox.Session) -> None:
    """Print the whole book to build/pdf/jax101.pdf (the HTML build first, if not current).

    Sphinx's single-page builder assembles the chapters in reading order from the HTML
    build's executed doctrees, and Chromium prints it (tools/make_pdf.py).
    """
    install(session, "test")
    ensure_chromium(session)
    session.run("sphinx-build", *sphinx_args(ROOT / "docs", BUILD))
    session.run("python", "tools/make_pdf.py", str(BUILD))


@nox.session
def page_weight(session: nox.Session) -> None:
    """Build the book, then weigh every page in headless Chromium (KB gz, requests, ms to math).

    ``-- --repeat N`` loads each page N times (median time; default 3).
    """
    install(session, "test")
    ensure_chromium(session)
    session.run("sphinx-build", *sphinx_args(ROOT / "docs", BUILD))
    session.run("python", "benchmarks/page_weight.py", str(BUILD / "html"), *session.posargs)
