"""Every public name of jax101 is documented on the API page, and only public names are."""

from __future__ import annotations

import re

from booktools import ROOT

import jax101

API_PAGE = ROOT / "docs" / "appendix" / "api.md"


def documented() -> set[str]:
    return set(re.findall(r"^\.\. auto\w+:: jax101\.(\w+)", API_PAGE.read_text(), flags=re.M))


def test_every_public_name_is_documented():
    missing = set(jax101.__all__) - documented()
    assert not missing, f"add these to {API_PAGE.name}: {sorted(missing)}"


def test_the_api_page_documents_only_public_names():
    assert documented() <= set(jax101.__all__)


def test_every_public_name_is_exported():
    assert all(hasattr(jax101, name) for name in jax101.__all__)
