"""Benchmark records: the JSON files ``examples/benchmark.py --json`` writes, read back.

A record says where its figures come from (device kind, backend, JAX version, date and the
command line) next to the figures themselves, so a page can show figures measured on another
machine and say plainly that they were.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SCHEMA = 1
_FIELDS = {
    "schema": int,
    "device_kind": str,
    "backend": str,
    "device_count": int,
    "jax_version": str,
    "date": str,
    "command": str,
    "options": dict,
    "results": dict,
}


def record_problems(record: Any) -> list[str]:
    """List what is wrong with a benchmark record; an empty list means it is valid.

    A valid record is a JSON object with the fields ``schema`` (= 1), ``device_kind``,
    ``backend``, ``device_count``, ``jax_version``, ``date``, ``command``, ``options`` and
    ``results``; ``results`` maps each benchmark's name to its figures (name -> number).

    Args:
        record: A decoded JSON value.

    Returns:
        One message per problem.

    Examples:
        >>> record_problems({"schema": 1, "results": {"roofline": {"ratio": "high"}}})[:2]
        ["missing field 'device_kind' (str)", "missing field 'backend' (str)"]

    See also: the chapter "Performance: measuring JAX honestly".
    """
    if not isinstance(record, dict):
        return [f"a record must be a JSON object, got {type(record).__name__}"]
    problems = []
    for field, kind in _FIELDS.items():
        if field not in record:
            problems.append(f"missing field {field!r} ({kind.__name__})")
        elif not isinstance(record[field], kind) or isinstance(record[field], bool):
            problems.append(f"field {field!r} must be {kind.__name__}, got {record[field]!r}")
    if record.get("schema", SCHEMA) != SCHEMA:
        problems.append(f"schema must be {SCHEMA}, got {record['schema']!r}")
    for name, figures in dict(record.get("results") or {}).items():
        if not isinstance(figures, dict):
            problems.append(f"results[{name!r}] must be an object of figures")
            continue
        for figure, value in figures.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(f"results[{name!r}][{figure!r}] must be a number, got {value!r}")
    return problems


def load_records(folder: str | Path) -> list[dict[str, Any]]:
    """Read every ``*.json`` benchmark record in ``folder``, sorted by file name.

    Args:
        folder: A folder of records written by ``examples/benchmark.py --json``.

    Returns:
        The records, each with the file name added as ``"file"``.

    Raises:
        ValueError: If a file is not valid JSON or not a valid record (naming the file).
        FileNotFoundError: If ``folder`` does not exist.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     load_records(folder)
        []

    See also: the chapter "Performance: measuring JAX honestly".
    """
    folder = Path(folder)
    if not folder.is_dir():
        msg = f"no folder of benchmark records at {str(folder)!r}"
        raise FileNotFoundError(msg)
    records = []
    for path in sorted(folder.glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            msg = f"{path.name} is not valid JSON: {error}"
            raise ValueError(msg) from None
        problems = record_problems(record)
        if problems:
            msg = f"{path.name} is not a benchmark record: " + "; ".join(problems)
            raise ValueError(msg)
        records.append({**record, "file": path.name})
    return records


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if abs(value) >= 1000 or float(value).is_integer() else f"{value:.3g}"


def figures_table(columns: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str:
    """Lay out benchmark figures as a plain-text table: one row per figure, one column per run.

    Args:
        columns: Column heading -> benchmark name -> figure name -> value (the ``results``
            of a record). A figure missing from a column shows as ``-``.

    Returns:
        The table, one line per figure, columns aligned.

    Examples:
        >>> print(figures_table({"cpu": {"scan": {"speedup": 9.4}}, "gpu": {}}))
        figure        cpu  gpu
        scan.speedup  9.4  -

    See also: the chapter "Performance: measuring JAX honestly".
    """
    names = list(dict.fromkeys(f"{b}.{f}" for run in columns.values() for b in run for f in run[b]))
    rows = [["figure", *columns]]
    for name in names:
        bench, figure = name.split(".", 1)
        rows.append([name, *(_number(run.get(bench, {}).get(figure)) for run in columns.values())])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
