"""Write the intersphinx inventories of JAX, NumPy and Optax from their own documentation sources.

The book builds offline, so intersphinx reads ``objects.inv`` files stored in
``conf/inventories``. This script writes ``jax.inv``, ``numpy.inv`` and ``optax.inv`` from the
documentation sources of each project **at the git tag of the locked version**: an object is in
an inventory only if that release's docs document it, on the page they document it on. It reads
the reST directives that create API entries and pages:

* ``.. autosummary::`` with ``:toctree: DIR``: each entry gets its own page ``DIR/NAME.html``;
  without ``:toctree:`` the table only links to a description elsewhere, so nothing is added;
* ``.. autofunction::``, ``.. autoclass::`` (and its documented ``:members:``),
  ``.. function::``, ``.. data::`` and the other description directives: an anchor on the page
  of the file that holds them;
* ``.. module::``, ``.. automodule::``, ``.. currentmodule::``: the current module;

and it adds a ``std:doc`` entry for every documentation page, so hand-written links to guides can
be checked too. Roles (function, class, method…) come from importing the installed object, which
is the same release. ``conf/inventories/SOURCES.md`` records, per inventory, the repository, tag,
commit and documentation base URL. Run it in the docs environment with a clone of each project::

    nox -s inventories -- --jax PATH/TO/jax --numpy PATH/TO/numpy --optax PATH/TO/optax

where each path is a git clone (or bare repository) that has the release tags. ``python.inv`` is
the real inventory of the Python 3.11 documentation from Debian's ``python3.11-doc`` package
(``apt-get download python3.11-doc``; ``dpkg-deb -x``; ``usr/share/doc/python3.11/html/``).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import posixpath
import re
import subprocess
import sys
import typing
import warnings
import zlib
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "conf" / "inventories"
Entry = tuple[str, str, str]  # (full name, "domain:role", URI relative to the docs' root)

DESCRIBE = re.compile(
    r"^\s*\.\. (?:py:)?(?P<kind>auto)?(?P<what>function|class|data|exception|method|attribute|"
    r"property|decorator|module|currentmodule|summary)::\s*(?P<arg>\S*)"
)
OPTION = re.compile(r"^\s+:(?P<name>[\w-]+):\s*(?P<value>.*)$")


@dataclasses.dataclass(frozen=True)
class Project:
    """Where a project's documentation sources live and where its published docs are."""

    dist: str  # the distribution whose installed version names the tag
    title: str
    docs_dir: str  # the documentation sources inside the repository
    tag_format: str  # the release tag, from the version
    url_format: str  # the published documentation of that release

    def tag(self) -> str:
        """Return the git tag of the installed version."""
        return self.tag_format.format(version=version(self.dist))

    def url(self) -> str:
        """Return the base URL of the documentation of the installed version."""
        major_minor = ".".join(version(self.dist).split(".")[:2])
        return self.url_format.format(version=version(self.dist), major_minor=major_minor)


PROJECTS = {
    "jax": Project(
        "jax", "JAX", "docs", "jax-v{version}", "https://docs.jax.dev/en/jax-v{version}/"
    ),
    "numpy": Project(
        "numpy", "NumPy", "doc/source", "v{version}", "https://numpy.org/doc/{major_minor}/"
    ),
    "optax": Project(
        "optax", "Optax", "docs", "v{version}", "https://optax.readthedocs.io/en/v{version}/"
    ),
}


def git(repo: Path, *args: str) -> str:
    """Run ``git`` on ``repo`` (a clone or a bare repository) and return its output."""
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"make_inventories: git {' '.join(args)} failed in {repo}: {result.stderr}")
    return result.stdout


def resolve(name: str) -> object | None:
    """Import the object called ``name`` (``pkg.mod.attr.attr``), or return None."""
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            with warnings.catch_warnings():  # documented names that are deprecated still count
                warnings.simplefilter("ignore")
                for attr in parts[split:]:
                    obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def role_of(name: str, obj: object, directive: str | None = None) -> str:
    """Return the Python-domain role under which ``name`` is cross-referenced."""
    if directive and directive not in ("summary", "module", "currentmodule"):
        return f"py:{directive}"
    if inspect.ismodule(obj):
        return "py:module"
    if inspect.isclass(obj):
        return "py:exception" if issubclass(obj, BaseException) else "py:class"
    owner = resolve(name.rsplit(".", 1)[0]) if "." in name else None
    if inspect.isclass(owner):
        return member_role(owner, name.rsplit(".", 1)[1])
    if typing.get_origin(obj) is not None:  # a type alias such as jax.typing.ArrayLike
        return "py:data"
    return "py:function" if callable(obj) else "py:data"


def member_role(owner: type, member: str) -> str:
    """Return ``py:property``, ``py:method`` or ``py:attribute`` for a member of a class."""
    raw = inspect.getattr_static(owner, member, None)
    if isinstance(raw, property):
        return "py:property"
    return "py:method" if callable(raw) else "py:attribute"


def documented_members(cls: type) -> list[str]:
    """Return the public members defined on ``cls`` that have a docstring (``:members:``)."""
    names = sorted(n for n in vars(cls) if not n.startswith("_"))
    return [n for n in names if inspect.getdoc(getattr(cls, n, None))]


def indent_of(line: str) -> int:
    """Return the number of leading spaces of ``line``."""
    return len(line) - len(line.lstrip())


def parse_rst(text: str, page: str) -> list[Entry]:
    r"""Return the API entries that one reST file of documentation creates.

    Examples:
        >>> parse_rst(".. currentmodule:: math\n\n.. autofunction:: sqrt\n", "api.html")
        [('math.sqrt', 'py:function', 'api.html#math.sqrt')]
        >>> parse_rst(".. currentmodule:: math\n\n.. autosummary::\n  :toctree: gen\n\n"
        ...           "  floor\n", "ref/math.html")
        [('math.floor', 'py:function', 'ref/gen/math.floor.html#math.floor')]
    """
    entries: list[Entry] = []
    lines = text.splitlines()
    module = ""
    i = 0
    while i < len(lines):
        match = DESCRIBE.match(lines[i])
        i += 1
        if not match:
            continue
        what, arg = match["what"], match["arg"].split("(")[0]
        indent = indent_of(lines[i - 1])
        options, body = {}, []
        while i < len(lines) and (not lines[i].strip() or indent_of(lines[i]) > indent):
            option = OPTION.match(lines[i])
            if option and not body:
                options[option["name"]] = option["value"]
            elif lines[i].strip() and not lines[i].strip().startswith(".."):
                body.append(lines[i].strip())
            i += 1
        if what in ("module", "currentmodule"):
            module = arg
            if what == "module" and arg:  # .. module:: and .. automodule:: make a target
                entries.append((arg, "py:module", f"{page}#module-{arg}"))
            continue
        if what == "summary":
            if "toctree" in options:
                folder = posixpath.join(posixpath.dirname(page), options["toctree"].strip())
                entries += summary_entries(body, module, posixpath.normpath(folder))
            continue
        entries += described_entries(match, module, page, options)
    return entries


def full_name(name: str, module: str) -> tuple[str, object | None]:
    """Resolve ``name`` as autodoc does: relative to the current module, else absolute."""
    name = name.lstrip("~")
    for candidate in ([f"{module}.{name}"] if module else []) + [name]:
        obj = resolve(candidate)
        if obj is not None:
            return candidate, obj
    return (f"{module}.{name}" if module else name), None


def summary_entries(body: list[str], module: str, folder: str) -> list[Entry]:
    """Entries of an ``autosummary`` table whose rows each get a page in ``folder``."""
    out = []
    for row in body:
        name, obj = full_name(row.split()[0], module)
        uri = f"{folder}/{name}.html#{name}"
        out.append((name, role_of(name, obj), uri))
        if typing.get_origin(obj) is not None:  # autodoc cites annotations as classes
            out.append((name, "py:class", uri))
    return out


def described_entries(
    directive: re.Match[str], module: str, page: str, options: dict[str, str]
) -> list[Entry]:
    """Entries of one description directive (``autoclass``, ``function``…) on ``page``."""
    arg = directive["arg"].split("(")[0]
    if not arg:
        return []
    name, obj = full_name(arg, module)
    out = [(name, role_of(name, obj, directive["what"]), f"{page}#{name}")]
    if directive["kind"] and "members" in options and inspect.isclass(obj):
        listed = [m.strip() for m in options["members"].split(",") if m.strip()]
        for member in listed or documented_members(obj):
            full = f"{name}.{member}"
            out.append((full, member_role(obj, member), f"{page}#{full}"))
    return out


def project_entries(repo: Path, project: Project) -> tuple[list[Entry], str]:
    """Return the entries of ``project``'s docs at its release tag, and the tag's commit."""
    tag = project.tag()
    commit = git(repo, "rev-list", "-n", "1", tag).strip()
    files = git(repo, "ls-tree", "-r", "--name-only", tag, "--", project.docs_dir).split()
    entries: list[Entry] = []
    for path in files:
        relative = path.removeprefix(project.docs_dir + "/")
        stem, suffix = posixpath.splitext(relative)
        skip = ("_", "build")  # templates, static files, generated or built output
        if suffix not in (".rst", ".md", ".ipynb") or relative.startswith(skip):
            continue
        page = f"{stem}.html"
        entries.append((stem, "std:doc", page))
        if suffix == ".rst":
            entries += parse_rst(git(repo, "show", f"{tag}:{path}"), page)
    return entries, commit


def write_inventory(path: Path, project: Project, entries: list[Entry]) -> int:
    """Write ``entries`` to ``path`` as a Sphinx v2 inventory; return how many were written."""
    lines = []
    for (name, kind), uri in sorted({(name, kind): uri for name, kind, uri in entries}.items()):
        short = uri[: -len(name)] + "$" if uri.endswith("#" + name) else uri  # "$": the name
        display = name if kind == "std:doc" else "-"
        priority = 0 if kind == "py:module" else 1
        lines.append(f"{name} {kind} {-1 if kind == 'std:doc' else priority} {short} {display}\n")
    header = (
        f"# Sphinx inventory version 2\n# Project: {project.title}\n"
        f"# Version: {version(project.dist)}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    path.write_bytes(header.encode() + zlib.compress("".join(lines).encode(), 9))
    return len(lines)


def sources_table(rows: list[tuple[str, Project, str, int]]) -> str:
    """Return the Markdown of ``SOURCES.md``: where each stored inventory came from."""
    table = [
        "# Where the stored inventories come from",
        "",
        "Written by `tools/make_inventories.py` (see its docstring for how to run it); "
        "`conf/conf.py` reads the base URLs from this table.",
        "",
        "| inventory | project | version | repository tag | commit | entries | documentation |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, project, commit, count in rows:
        table.append(
            f"| {name}.inv | {project.title} | {version(project.dist)} | {project.tag()} "
            f"| {commit} | {count} | {project.url()} |"
        )
    table.append(
        "| python.inv | Python | 3.11 | Debian `python3.11-doc` | - | - "
        "| https://docs.python.org/3.11/ |"
    )
    return "\n".join(table) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Write the inventories and ``SOURCES.md`` into ``conf/inventories``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in PROJECTS:
        parser.add_argument(f"--{name}", type=Path, required=True, help=f"a git clone of {name}")
    args = parser.parse_args(argv)
    rows = []
    for name, project in PROJECTS.items():
        entries, commit = project_entries(getattr(args, name), project)
        count = write_inventory(OUT / f"{name}.inv", project, entries)
        rows.append((name, project, commit, count))
        print(f"{name}.inv: {count} entries from {project.tag()} ({commit[:12]})")
    (OUT / "SOURCES.md").write_text(sources_table(rows))


if __name__ == "__main__":
    main()
