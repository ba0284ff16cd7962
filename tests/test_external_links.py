"""Every link into another project's documentation points at a page that release documents.

The inventories in ``conf/inventories`` are written by ``tools/make_inventories.py`` from each
project's documentation sources at the tag of the locked version; ``SOURCES.md`` records where
each came from. These tests keep the three in step: the inventories describe the installed
versions, and every external link the built book emits is an entry of the inventory of the
documentation it points into (so a hand-written URL to a page that does not exist, or to another
release's docs, fails here).
"""

from __future__ import annotations

import html.parser
import zlib
from importlib.metadata import version
from pathlib import Path

import pytest
from booktools import CONF

INVENTORIES = CONF / "inventories"


def sources() -> dict[str, dict[str, str]]:
    """Return the rows of SOURCES.md keyed by inventory name (``jax``, ``numpy``…)."""
    lines = (INVENTORIES / "SOURCES.md").read_text().splitlines()
    header = [cell.strip() for cell in lines[4].split("|")[1:-1]]
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in lines[6:] if line]
    return {row[0].removesuffix(".inv"): dict(zip(header, row, strict=True)) for row in rows}


def read_inventory(path: Path) -> tuple[dict[str, str], list[str]]:
    """Return a v2 inventory's header fields and the URI (``$`` expanded) of each entry."""
    raw = path.read_bytes()
    head, _, body = raw.partition(b"zlib.\n")
    fields = dict(
        line[2:].split(": ", 1) for line in head.decode().splitlines()[1:3] if ": " in line
    )
    uris = []
    for line in zlib.decompress(body).decode().splitlines():
        name, _kind, _priority, uri, *_ = line.split(" ")
        uris.append(uri.replace("$", name) if uri.endswith("$") else uri)
    return fields, uris


class Links(html.parser.HTMLParser):
    """Collect the ``href`` of every ``<a>`` element of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


@pytest.mark.parametrize("name", ["jax", "numpy", "optax"])
def test_inventory_describes_the_installed_release(name: str) -> None:
    fields, uris = read_inventory(INVENTORIES / f"{name}.inv")
    row = sources()[name]
    assert fields["Version"] == row["version"] == version(name), (
        f"{name}.inv describes {fields['Version']} but {version(name)} is installed: "
        "regenerate it with tools/make_inventories.py (see its docstring)"
    )
    assert int(row["entries"]) == len(uris), f"SOURCES.md and {name}.inv disagree"
    assert row["repository tag"].endswith(row["version"])
    assert len(row["commit"]) == 40


def external_links(html_dir: Path) -> dict[str, set[str]]:
    """Map every absolute http(s) link of the built book to the pages that contain it."""
    found: dict[str, set[str]] = {}
    for page in html_dir.rglob("*.html"):
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for href in parser.hrefs:
            if href.startswith(("http://", "https://")):
                found.setdefault(href, set()).add(str(page.relative_to(html_dir)))
    return found


@pytest.mark.slow
def test_every_link_into_a_stored_inventory_is_an_entry_of_it(built_book) -> None:
    assert built_book.returncode == 0, built_book.log[-3000:]
    bases = {name: row["documentation"] for name, row in sources().items()}
    entries = {name: set(read_inventory(INVENTORIES / f"{name}.inv")[1]) for name in bases}
    hosts = {base.split("/")[2]: name for name, base in bases.items()}
    problems, checked = [], 0
    for href, pages in sorted(external_links(built_book.html).items()):
        name = hosts.get(href.split("/")[2])
        if name is None:
            continue
        checked += 1
        where = ", ".join(sorted(pages))
        if not href.startswith(bases[name]):
            problems.append(f"{href} (in {where}) is not under {bases[name]}")
        elif (target := href.removeprefix(bases[name])) not in entries[name] and (
            target.split("#")[0] not in entries[name]
        ):
            problems.append(f"{href} (in {where}) is no entry of {name}.inv")
    assert checked > 50, f"only {checked} links into stored inventories: is the book linked?"
    assert not problems, "\n".join(problems)
