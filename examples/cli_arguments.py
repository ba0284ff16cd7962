"""Argument types shared by the example programs' command lines.

The examples run as scripts (``python examples/NAME.py``), so this folder is on
``sys.path`` and they import it as ``cli_arguments``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

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
