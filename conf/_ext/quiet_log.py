"""Sphinx extension: keep myst's configuration dumps out of the build log.

myst-parser and myst-nb each log their whole configuration object, one line of several
thousand characters, on every build. The log is read for warnings and for which chapters
were executed; these lines only bury that (and ``suppress_warnings=[]`` inside them makes a
search for "warning" match). Every other message passes through.
"""

from __future__ import annotations

import logging
from typing import Any

from sphinx.application import Sphinx

import nb_adapter


def is_config_dump(record: logging.LogRecord) -> bool:
    """Tell whether ``record`` is one of myst's configuration dumps.

    Examples:
        >>> from myst_parser.config.main import MdParserConfig
        >>> def record(*args):
        ...     return logging.LogRecord("x", logging.INFO, "", 0, "myst: %s", args, None)
        >>> is_config_dump(record(MdParserConfig()))
        True
        >>> is_config_dump(record("hello"))
        False
    """
    args = record.args if isinstance(record.args, tuple) else ()
    return any(type(arg).__name__ in nb_adapter.CONFIG_DUMP_CLASSES for arg in args)


class _DropConfigDumps(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not is_config_dump(record)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the filter on the loggers that print the dumps (before they print them)."""
    for name in nb_adapter.CONFIG_DUMP_LOGGERS:
        logging.getLogger(name).addFilter(_DropConfigDumps())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
