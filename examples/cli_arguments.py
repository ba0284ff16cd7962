"""Argument types, the parser and output files shared by the example programs.

The examples run as scripts (``python examples/NAME.py``), so this folder is on
``sys.path`` and they import it as ``cli_arguments``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

Number = TypeVar("Number", int, float)


def positive(kind: Callable[[str], Number]) -> Callable[[str], Number]:
    """Return an argparse ``type`` that parses with ``kind`` and accepts only values > 0.

    Examples:
        >>> positive(int)("3")
        3
        >>> positive(float)("nan")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: expected a positive float, got 'nan'
    """

    def parse(text: str) -> Number:
        value: Number | None
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0:  # also rejects nan
            msg = f"expected a positive {kind.__name__}, got {text!r}"
            raise argparse.ArgumentTypeError(msg)
        return value

    parse.__name__ = f"positive {kind.__name__}"  # argparse names the type in its errors
    return parse


class ArgumentParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (``PROG: error: ...``), status 2.

    argparse's own ``error`` prints the usage first; a contributor needs only the line that
    says what is wrong, and ``--help`` gives the rest.
    """

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: message`` and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message}\n")


def output_problem(option: str, path: Path, suffix: str = "") -> str | None:
    """Say why ``path`` cannot receive the output of ``option``, or return None if it can.

    The file is really opened for writing (for appending, so an existing file is left as it
    is; a file created by the check is removed again): permission bits and ``os.access``
    say nothing about ``/proc`` or ``/sys``, and nothing at all for root. A temporary file
    is made next to it too, as :func:`write_atomically` will.

    Examples:
        >>> output_problem("--plot", Path("/proc/out.png"))
        "argument --plot: cannot write to '/proc/out.png': No such file or directory"
        >>> output_problem("--plot", Path("out.txt"), ".png")
        "argument --plot: expected a path ending in .png, got 'out.txt'"
    """
    if suffix and path.suffix.lower() != suffix:
        return f"argument {option}: expected a path ending in {suffix}, got {str(path)!r}"
    if path.is_dir():
        name = f"a file name ending in {suffix}" if suffix else "a file name"
        return f"argument {option}: {str(path)!r} is a directory; give {name}"
    folder = path.parent
    if not folder.is_dir():
        return f"argument {option}: the folder {str(folder)!r} does not exist"
    existed = path.exists()
    try:
        with path.open("ab"):
            pass
        if not existed:
            path.unlink()
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
        os.close(handle)
        Path(temporary).unlink()
    except OSError as error:
        return f"argument {option}: cannot write to {str(path)!r}: {error.strerror}"
    return None


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(temporary)`` for a temporary file next to ``path``, then rename it there.

    A failure (or an interrupt) removes the temporary file, so ``path`` is never left
    partial: it holds either its old content or the whole new one.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(temporary)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
