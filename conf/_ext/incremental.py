"""Sphinx extension: an incremental build writes what changed, and says only what changed.

* **Navigation.** Every page's sidebar lists the whole book and its footer links the
  previous and next pages. Sphinx rewrites only the pages it reads again (and the page
  holding the toctree), so adding, removing, reordering or retitling a chapter left the
  other pages' navigation stale. The book's navigation (each page's toctree entries, in
  order, and every page's title) is kept in the environment; when it differs from the last
  build's, every page is written again.
* **Configuration.** Sphinx compares the configuration read from ``conf.py`` with the one
  pickled at the end of the last build, by which time the theme and the extensions had
  changed some values (``html_context``, ``html_static_path``, ...): it reported "The
  configuration has changed (8 options: ...)" on every build. That line is dropped; this
  extension compares each value as it stands once ``config-inited`` has run, with the same
  from the last build, and names those that really changed.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

import nb_adapter

logger = logging.getLogger(__name__)

_snapshot: dict[str, str] = {}  # the configuration once config-inited ran, this process


def navigation(env: BuildEnvironment) -> str:
    """Return what every page's navigation shows: the toctrees, in order, and the titles."""
    titles = {doc: title.astext() for doc, title in env.titles.items()}
    return _stable({"toctrees": env.toctree_includes, "titles": titles})


def _rewrite_all_if_navigation_changed(_app: Sphinx, env: BuildEnvironment) -> list[str]:
    current = navigation(env)
    previous = getattr(env, "jax101_navigation", None)
    env.jax101_navigation = current
    if previous is None or previous == current:
        return []  # a first build writes every page anyway
    logger.info("the book's navigation changed: every page is written again")
    return sorted(env.found_docs)


def _stable(value: Any) -> str:
    """Serialise a configuration value the same way in every process and build.

    Examples:
        >>> _stable({"b": {2, 1}, "a": (PurePath("x"),)})
        '{"a": [["x"]], "b": [[1, 2]]}'
        >>> _stable(print) == _stable(len)  # functions: by type only
        True
    """
    return json.dumps(value, sort_keys=True, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return [sorted(value, key=repr)]
    if isinstance(value, PurePath):
        return [str(value)]
    return f"<{type(value).__name__}>"


def changed_options(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """Return the names of the options whose values differ between two snapshots.

    Examples:
        >>> changed_options({"a": "1", "b": "2"}, {"a": "1", "b": "3", "c": "4"})
        ['b', 'c']
    """
    return sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))


def _take_snapshot(_app: Sphinx, config: Config) -> None:
    _snapshot.clear()
    _snapshot.update({option.name: _stable(option.value) for option in config})


def _report_config_changes(app: Sphinx) -> None:
    previous = getattr(app.env, "jax101_config", None)
    if previous is not None:
        changed = changed_options(previous, _snapshot)
        if changed:
            shown = ", ".join(map(repr, changed[:5])) + (", ..." if len(changed) > 5 else "")
            logger.info("configuration changed since the last build (%d: %s)", len(changed), shown)
    app.env.jax101_config = dict(_snapshot)


def setup(app: Sphinx) -> dict[str, object]:
    """Rewrite every page when the navigation changes; name only real configuration changes."""
    nb_adapter.drop_log_lines(nb_adapter.is_config_changed_line)
    app.connect("config-inited", _take_snapshot, priority=999)  # after every other handler
    app.connect("builder-inited", _report_config_changes)
    app.connect("env-get-updated", _rewrite_all_if_navigation_changed)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
