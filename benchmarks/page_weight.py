"""Weigh every page of the built book in headless Chromium: KB gz, requests, time to math.

For each page: the gzip-compressed bytes of everything it loads (as a static host would
send them: text gzipped, fonts and images as they are), the number of requests, and the
milliseconds from navigation until its math is on screen (load event, fonts loaded, a
frame painted; with MathJax, typesetting finished). Each page opens in a fresh browser
context, so nothing comes from the cache. The budget: every page at most 400 KB gz and
math on screen within 1.0 s. Run it with ``nox -s page_weight`` (which builds the book
first), or on any built site::

    python benchmarks/page_weight.py build/html
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import sitetools  # the test helpers are not a package

BUDGET_KB = 400.0
BUDGET_MS = 1000.0


def main() -> int:
    """Print the page-by-page table; exit non-zero if a page is over budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="the built site (build/html)")
    parser.add_argument("--repeat", type=int, default=3, help="loads per page (median time)")
    args = parser.parse_args()
    names = sitetools.pages(args.html)
    print(f"{len(names)} pages of {args.html.name}, headless Chromium, {platform.machine()}")
    print(f"{'page':34} {'KB gz':>7} {'requests':>8} {'math':>5} {'ms to math':>10}")
    over = []
    with sitetools.serve(args.html) as site, sitetools.chromium() as browser:
        for name in names:
            runs = [sitetools.measure(browser, args.html, site, name) for _ in range(args.repeat)]
            row = runs[0] | {"ms_to_math": sorted(r["ms_to_math"] for r in runs)[len(runs) // 2]}
            ms = f"{row['ms_to_math']:10.0f}" if row["math"] else f"{'-':>10}"
            line = f"{name:34} {row['kb_gz']:7.0f} {row['requests']:8d} {row['math']:5d} {ms}"
            print(line, flush=True)
            if row["kb_gz"] > BUDGET_KB or (row["math"] and row["ms_to_math"] > BUDGET_MS):
                over.append(name)
            if row["outside"]:
                over.append(f"{name} (requests outside the site)")
    print(f"budget: {BUDGET_KB:.0f} KB gz and {BUDGET_MS:.0f} ms to math per page;", end=" ")
    print("all pages within it" if not over else f"over: {', '.join(over)}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
