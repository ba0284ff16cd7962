"""The mutation harness (tools/mutants.py) makes mutants and reports the ones weak tests miss."""

from __future__ import annotations

from pathlib import Path

import mutants

TINY = '''"""A tiny module."""


def bigger(a, b):
    """Say whether a exceeds b."""
    return a > b and not a == 0
'''


def test_generate_makes_one_mutant_per_change_and_skips_docstrings():
    found = {(m.line, m.mutation) for m in mutants.generate("tiny.py", TINY)}
    assert found == {
        (6, "return x -> return None"),
        (6, "and -> or"),
        (6, "> -> >="),
        (6, "not x -> x"),
        (6, "== -> !="),
        (6, "0 -> 1"),
    }
    compare = next(m for m in mutants.generate("tiny.py", TINY) if m.mutation == "> -> >=")
    assert "return a >= b and (not a == 0)" in compare.source
    assert '"""Say whether a exceeds b."""' in compare.source


def test_a_weak_test_lets_a_mutant_survive_and_a_strong_one_kills_it(tmp_path: Path):
    package = tmp_path / "src" / "tinypkg"  # not importable from the tests' folder
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "tiny.py").write_text(TINY)
    (tmp_path / "tests").mkdir()
    weak = tmp_path / "tests" / "test_weak.py"
    weak.write_text("from tinypkg.tiny import bigger\n\ndef test():\n    assert bigger(2, 1)\n")
    strong = tmp_path / "tests" / "test_strong.py"
    strong.write_text(
        "from tinypkg.tiny import bigger\n\ndef test():\n"
        "    assert bigger(2, 1)\n    assert not bigger(1, 1)\n"
    )
    (mutant,) = [m for m in mutants.generate("tiny.py", TINY) if m.mutation == "> -> >="]
    assert mutants.run_tests(package, "tiny.py", [str(weak)], None, timeout=60)
    assert mutants.run_tests(package, "tiny.py", [str(weak)], mutant.source, timeout=60)
    assert not mutants.run_tests(package, "tiny.py", [str(strong)], mutant.source, timeout=60)


def test_every_listed_equivalent_mutant_still_exists():
    root = Path(mutants.__file__).resolve().parent.parent / "src" / "jax101"
    keys = {
        m.key
        for module in {key[0] for key in mutants.EQUIVALENT}
        for m in mutants.generate(module, (root / module).read_text())
    }
    assert set(mutants.EQUIVALENT) <= keys
