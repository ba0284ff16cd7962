"""Every page of the built book, opened in headless Chromium with the network cut.

One browser serves the whole module. Each page is opened in light mode and audited by
axe-core, then switched to dark mode and audited for contrast again: no serious or
critical violation either way. The page must also load with no console error and no
failed or outside request, have its math typeset (no TeX left in the prose), a copy
button on every code cell, alt text on every figure, and no code line within the 88
characters of the lint wider than the column at 1280 px; a chapter must have outputs, a
provenance note and its "Open in Colab" link. No display equation or output may reach past
a box that hides it, and no page may scroll sideways, at 1280 px nor at 390 px (a phone).
Pages are found in the built site, never listed here. Every check is proved able to fail on
a broken page (``test_the_checks_catch_a_broken_page``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sitetools
from booktools import ROOT

pytestmark = pytest.mark.slow

AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
BUDGET_KB = 400.0
LINE_LIMIT = 88  # characters per line of chapter code (the lint's limit)

# What a page shows, gathered in one call. Prose is the main text without code and math.
PAGE_FACTS = r"""(LINE_LIMIT) => {
  const main = document.querySelector("main") || document.body;
  const prose = main.cloneNode(true);
  prose.querySelectorAll("pre, code, .katex, script, style").forEach((e) => e.remove());
  const text = prose.textContent;
  // Code within the chapters' line limit (88 characters, enforced by lint) must fit the
  // column: every cell that scrolls sideways must have a longer line. A probe line of
  // exactly 88 characters, in a copy of the page's first cell, must fit too.
  const overflows = (pre) => pre.scrollWidth > pre.clientWidth + 1;
  const longest = (pre) => Math.max(...pre.textContent.split("\n").map((l) => l.length));
  const cells = [...document.querySelectorAll("div.cell_input pre")];
  const wide = cells.filter((pre) => overflows(pre) && longest(pre) <= LINE_LIMIT)
    .map((pre) => pre.textContent.split("\n")[0].slice(0, 60));
  if (cells.length) {
    const probe = cells[0].cloneNode(false);
    probe.textContent = "x".repeat(LINE_LIMIT);
    cells[0].parentElement.appendChild(probe);
    if (overflows(probe)) wide.push(`a line of ${LINE_LIMIT} characters`);
    probe.remove();
  }
  return {
    math: document.querySelectorAll("span.math, div.math").length,
    katex: document.querySelectorAll("span.math .katex, div.math .katex").length,
    katexErrors: document.querySelectorAll(".katex-error").length,
    rawTex: text.match(/\$\$|\\\[|\\\(|\\begin\{/g) || [],
    cells: document.querySelectorAll("div.cell_input").length,
    copyButtons: document.querySelectorAll("div.cell_input button.copybtn").length,
    outputs: document.querySelectorAll("div.cell_output").length,
    provenance: document.querySelectorAll(".jax101-provenance").length,
    wideCode: wide,
    pageWidth: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    theme: document.documentElement.dataset.theme,
    colab: [...document.querySelectorAll("a.btn-colab-button")].map((a) => a.href),
    images: [...document.querySelectorAll("div.cell_output img, figure img")]
      .map((img) => img.alt || ""),
  };
}"""

AXE_RUN = """async (rules) => {
  const options = {resultTypes: ["violations"]};
  if (rules.length) options.runOnly = rules;
  const result = await axe.run(document, options);
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.length} nodes, first ${v.nodes[0].target}`);
}"""


@pytest.fixture(scope="module")
def site(built_book) -> Iterator[str]:
    """The freshly built book, served on 127.0.0.1 for the whole module."""
    assert built_book.returncode == 0, built_book.log[-3000:]
    with sitetools.serve(built_book.html) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(sitetools.CHROMIUM).is_file():
        message = "Chromium is missing: `nox -s tests` installs it (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    pytest.importorskip("playwright.sync_api")
    with sitetools.chromium() as chromium:
        yield chromium


def audit(page: Any, rules: tuple[str, ...] = ()) -> list[str]:
    """Return axe-core's serious and critical violations on ``page`` (all rules, or ``rules``)."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(AXE_RUN, list(rules))


def light_problems(visit: sitetools.Visit) -> dict[str, Any]:
    """Return what is wrong with a page opened in light mode (empty values: nothing)."""
    page = visit.page
    page.wait_for_load_state("networkidle")
    facts = page.evaluate(PAGE_FACTS, LINE_LIMIT)
    chapter = facts["cells"] > 0
    name = page.url.split("?")[0].split("#")[0].rsplit("/", 1)[-1].removesuffix(".html")
    colab = re.compile(
        rf"https://colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/"
        rf"[\w.-]+/_sources/{re.escape(name)}\.ipynb"
    )
    return {
        "console errors": visit.errors,
        "failed requests": visit.failed,
        "outside requests": visit.outside,
        "math not typeset": facts["math"] - facts["katex"] + facts["katexErrors"],
        "raw TeX in prose": facts["rawTex"],
        "code cells without copy button": facts["cells"] - facts["copyButtons"],
        "chapter without outputs": chapter and facts["outputs"] == 0,
        "chapter without provenance": chapter and facts["provenance"] == 0,
        "chapter without its Colab link": chapter
        and not (len(facts["colab"]) == 1 and colab.fullmatch(facts["colab"][0])),
        "figure without alt text": [
            alt for alt in facts["images"] if len(alt) < 20 or alt.endswith(".png")
        ],
        "code wider than the column": facts["wideCode"],
        "page scrolls sideways": facts["pageWidth"] > 0,
        "equation or output cut off": sitetools.clipped(page)["clipped"],
        "axe (light)": audit(page),
    }


def dark_problems(visit: sitetools.Visit) -> dict[str, Any]:
    """Return what is wrong with the page once switched to dark mode (as the toggle does)."""
    page = visit.page
    page.add_style_tag(content="* { transition: none !important; }")  # colours at once
    page.evaluate("() => { document.documentElement.dataset.theme = 'dark'; }")
    page.evaluate("() => new Promise((done) => requestAnimationFrame(done))")
    # Only colours change with the mode: the other rules ran in light mode.
    return {"axe (dark)": audit(page, ("color-contrast",))}


def wrong(problems: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in problems.items() if value}


def test_every_page_in_light_and_dark_mode(browser, site: str, built_book):
    names = sitetools.pages(built_book.html)
    assert len(names) >= 10, names
    assert {"index.html", "vmap.html", "autodiff.html"} <= set(names)
    found = {}
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="light")
    for name in names:
        visit = sitetools.open_page(context, f"{site}/{name}")
        problems = wrong(light_problems(visit) | dark_problems(visit))
        visit.page.close()
        if problems:
            found[name] = problems
    context.close()
    assert found == {}, json.dumps(found, indent=1)


PHONE, LAPTOP = 390, 1280  # viewport widths, px
INDEXES = ["genindex.html", "search.html"]  # Sphinx's own pages, not in sitetools.pages


def cut_off(context: Any, url: str) -> dict[str, Any]:
    """Return the display equations and outputs the page at ``url`` cuts off, and how far
    the page scrolls sideways (nothing wrong: empty values)."""
    visit = sitetools.open_page(context, url)
    visit.page.evaluate("() => document.fonts.ready.then(() => true)")  # final widths
    facts = sitetools.clipped(visit.page)
    visit.page.close()
    return wrong({"cut off": facts["clipped"], "page scrolls sideways (px)": facts["sideways"]})


def test_no_equation_or_output_is_cut_off_and_no_page_scrolls_sideways_on_a_phone(
    browser, site: str, built_book
):
    # A display equation or an output wider than the column scrolls inside its own box;
    # nothing that hides overflow cuts it, and no page is wider than the screen. At 1280 px
    # the book's pages get the same checks in test_every_page_in_light_and_dark_mode.
    found = {}
    for width, names in [
        (PHONE, [*sitetools.pages(built_book.html), *INDEXES]),
        (LAPTOP, INDEXES),
    ]:
        context = browser.new_context(viewport={"width": width, "height": 800})
        for name in names:
            problems = cut_off(context, f"{site}/{name}")
            if problems:
                found[f"{name} at {width} px"] = problems
        context.close()
    assert found == {}, json.dumps(found, indent=1)


# The theme's rules for display math (div.math a reversed flex row that hides overflow) and
# sphinxcontrib-katex's (the formula's HTML scrolls), with a formula wider than the column;
# an output whose box hides overflow; a page wider than the screen.
THEME_MATH = """div.math, span.math { align-items: center; display: flex; max-width: 100%;
  overflow: hidden }
div.math { flex-direction: row-reverse; gap: .5em; position: relative; padding-right: 2.5em }
div.math span:last-child { flex-grow: 1 }
.eqno { position: absolute; right: 0 }
.katex-display { display: block; text-align: center }
.katex-display > .katex { display: block; max-width: 100%; white-space: nowrap }
.katex-display > .katex > .katex-html { display: block; max-width: 100%; overflow-x: auto }
.formula { display: inline-block; width: 700px; height: 1em }"""
CLIPPING_PAGE = """<!DOCTYPE html><html lang="en"><head><title>Clipping</title>
<style>{theme}</style>{fix}</head><body style="margin: 0"><main style="width: 390px">
<div class="math" id="equation-wide"><span class="eqno">(1)</span><span class="katex-display">
<span class="katex"><span class="katex-html"><span class="formula">f(x)</span></span></span>
</span></div>
<div class="cell"><div class="cell_output" style="overflow: hidden"><pre>{line}</pre></div></div>
{wide}</main></body></html>"""


def clipping_page(*, fix: bool, wide: bool) -> str:
    css = (ROOT / "conf" / "_static" / "jax101.css").read_text()
    return CLIPPING_PAGE.format(
        theme=THEME_MATH,
        fix=f"<style>{css}</style>" if fix else "",
        line="output " * 100,
        wide='<div style="width: 2000px">wide</div>' if wide else "",
    )


def test_the_cut_off_check_catches_clipped_math_outputs_and_a_wide_page(browser, tmp_path: Path):
    (tmp_path / "theme.html").write_text(clipping_page(fix=False, wide=True))
    (tmp_path / "book.html").write_text(clipping_page(fix=True, wide=False))
    with sitetools.serve(tmp_path) as url:
        context = browser.new_context(viewport={"width": 390, "height": 800})
        theme = cut_off(context, f"{url}/theme.html")
        book = cut_off(context, f"{url}/book.html")
        context.close()
    assert theme["page scrolls sideways (px)"] > 1000
    clipped = " ".join(theme["cut off"])
    assert "equation-wide" in clipped  # the formula, pushed out on the left by the flex row
    assert "pre" in clipped  # the output, hidden by its box
    # The book's stylesheet lets the same formula scroll in its own box: only the output
    # (hidden by the page's own inline style) is still cut off.
    assert "equation-wide" not in " ".join(book["cut off"]), book
    assert "page scrolls sideways (px)" not in book


def test_every_page_within_the_weight_budget(browser, site: str, built_book):
    heavy = {}
    for name in sitetools.pages(built_book.html):
        row = sitetools.measure(browser, built_book.html, site, name)
        if row["kb_gz"] > BUDGET_KB:
            heavy[name] = round(row["kb_gz"])
    assert heavy == {}, f"pages over {BUDGET_KB:.0f} KB gz: {heavy}"


def test_dark_mode_is_set_before_the_theme_script_runs(browser, site: str):
    """A reader whose system is dark gets dark colours from the head script alone."""
    context = browser.new_context(color_scheme="dark")
    context.route("**/pydata-sphinx-theme.js*", lambda route: route.abort())
    page = context.new_page()
    page.goto(f"{site}/autodiff.html", wait_until="domcontentloaded")
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    context.close()


def test_dark_mode_toggle_stays_readable(browser, site: str):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="light")
    visit = sitetools.open_page(context, f"{site}/jaxprs.html")
    page = visit.page
    page.wait_for_load_state("networkidle")
    page.locator("button.theme-switch-button").first.click()
    page.locator(".theme-change-button[data-mode='dark']").first.click()
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    page.reload(wait_until="networkidle")  # the choice is remembered
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    assert audit(page) == []
    context.close()


def test_search_for_vmap_lists_the_vmap_chapter_first(browser, site: str):
    context = browser.new_context()
    visit = sitetools.open_page(context, f"{site}/search.html?q=vmap")
    first = visit.page.locator("#search-results ul.search li a").first
    first.wait_for(timeout=20_000)
    assert first.get_attribute("href").split("?")[0].split("#")[0].endswith("vmap.html")
    assert visit.errors == []
    context.close()


def test_notebook_download_saves_the_chapter_with_outputs(browser, site: str, tmp_path: Path):
    context = browser.new_context(accept_downloads=True)
    visit = sitetools.open_page(context, f"{site}/getting-started.html")
    page = visit.page
    page.wait_for_load_state("networkidle")
    page.locator(".dropdown-download-buttons button.dropdown-toggle").click()
    with page.expect_download() as download:
        page.locator("a.btn-download-notebook-button").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "getting-started.ipynb"
    notebook = json.loads(saved.read_text())
    assert "%pip install --quiet jax101" in "".join(notebook["cells"][0]["source"])
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert sum(bool(cell["outputs"]) for cell in code) >= 1
    assert visit.errors == []
    context.close()


BROKEN_PAGE = """<!DOCTYPE html><html lang="en"><head><title>Broken</title>
<style>.narrow pre { width: 200px; overflow-x: auto } .pale { color: #ddd }
.box { height: 40px; overflow: auto }</style></head><body><main>
<p>Raw display math: $$x^2$$ and \\(y\\).</p>
<div class="math">x^2</div>
<div class="cell"><div class="cell_input narrow"><div class="highlight"><pre>
a_very_long_line_of_code = [i * 2 for i in range(1000)]  # much wider than 200 px</pre>
</div></div></div>
<p class="pale">Text nobody can read.</p>
<div class="box"><pre>1
2
3
4
5</pre></div>
<div style="width: 2000px">wide</div>
<div class="math" style="overflow: hidden; width: 100px"><span class="katex"><span
 class="katex-html"><span style="display: inline-block; width: 300px">cut off</span></span>
</span></div>
<figure><img src="missing.png" alt="_images/missing.png"></figure>
<img src="https://example.invalid/x.png" alt="far">
<script>console.error("broken on purpose")</script>
</main></body></html>"""


def test_the_checks_catch_a_broken_page(browser, tmp_path: Path):
    (tmp_path / "broken.html").write_text(BROKEN_PAGE)
    with sitetools.serve(tmp_path) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        visit = sitetools.open_page(context, f"{url}/broken.html")
        problems = light_problems(visit) | dark_problems(visit)
        context.close()
    assert set(wrong(problems)) == set(problems), problems  # every check fired
    axe_rules = " ".join(problems["axe (light)"])
    assert "color-contrast" in axe_rules
    assert "scrollable-region-focusable" in axe_rules
    assert "color-contrast" in " ".join(problems["axe (dark)"])
