"""The glossary: at least 40 terms, each linked by the chapters that use it.

The rule that a chapter links every glossary term its prose uses is one of the chapter rules
(``unlinked-term`` in ``tests/chapter_scan.py``, run over every page by
``tests/test_chapter_rules.py``; ``nox -s lint`` prints its findings). These
tests hold the glossary itself to account: its terms, their usage patterns, and the links.
"""

from __future__ import annotations

import re

import pytest
from booktools import ROOT, chapter
from chapter_scan import (
    OTHER_SENSES,
    TERM_USES,
    glossary_terms,
    linked_terms,
    term_uses,
    unlinked_terms,
)

CHAPTERS = [
    path
    for path in sorted((ROOT / "docs").glob("*.md"))
    if "\njupytext:" in path.read_text(encoding="utf8").split("\n---", 1)[0]
]
TERM_ROLE = re.compile(r"\{term\}`")


def test_the_glossary_defines_at_least_forty_terms():
    assert len(glossary_terms()) >= 40


def test_every_term_has_a_usage_pattern_and_no_pattern_is_stale():
    assert sorted(glossary_terms()) == sorted(TERM_USES)


def test_every_term_is_linked_by_some_chapter():
    linked = set().union(*(linked_terms(p.read_text(encoding="utf8")) for p in CHAPTERS))
    assert not set(glossary_terms()) - linked


def test_every_term_link_names_a_glossary_term():
    for path in CHAPTERS:
        unknown = linked_terms(path.read_text(encoding="utf8")) - set(glossary_terms())
        assert not unknown, (path.name, unknown)


def test_the_chapters_link_the_glossary_at_least_sixty_times():
    links = sum(len(TERM_ROLE.findall(p.read_text(encoding="utf8"))) for p in CHAPTERS)
    assert links >= 60


def test_other_senses_are_all_still_used():
    """An exception for a word that the chapter no longer uses is stale."""
    for name, term in OTHER_SENSES:
        assert term in term_uses((ROOT / "docs" / name).read_text(encoding="utf8")), (name, term)


TRACER_PAGE = chapter("Tracers", "import jax", "jax.numpy.zeros(3)")


def test_an_unlinked_use_is_found_at_its_line():
    page = TRACER_PAGE + "\nUnder `jit` each argument is a\ntracer, not an array.\n"
    found = unlinked_terms(page)
    assert [f.message for f in found] == ["uses the glossary term 'tracer' but never links it"]
    assert page.splitlines()[found[0].line - 1] == "tracer, not an array."


def test_a_link_anywhere_in_the_chapter_satisfies_the_rule():
    page = TRACER_PAGE + "\nA {term}`tracers <tracer>` story. Later, a tracer again.\n"
    assert unlinked_terms(page) == []


@pytest.mark.parametrize(
    "prose",
    [
        "`tracer` in inline code",
        "$\\mathrm{tracer}$ in math",
        "[a tracer](jit.md) as link text",
        "## A tracer in a heading",
        "a lower bound that leaves it unchanged",
    ],
)
def test_code_math_links_headings_and_other_senses_are_not_uses(prose: str):
    assert unlinked_terms(TRACER_PAGE + "\n" + prose + "\n") == []


def test_appendix_pages_are_not_held_to_the_rule():
    assert unlinked_terms("# Notes\n\nA tracer.\n") == []
