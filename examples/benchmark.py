"""Run the benchmarks of the chapter "Performance" and print a table of their figures.

With ``--json PATH`` the figures are also written, with the device kind, backend, JAX
version, date and command line that produced them, as a record that the chapter's last
section can show next to its own figures. For example::

    python examples/benchmark.py                      # every benchmark, full size
    python examples/benchmark.py --quick --json out.json
    python examples/benchmark.py roofline scan_vs_loop --rows 4194304 --repeats 11

Bad options stop the script with a one-line error and exit status 2, before anything is
measured or written; so does a ``--json`` path that cannot be opened for writing (the check
really opens it: ``/proc`` and ``/sys`` paths pass a permission check). The JSON file is
written to a temporary file first and renamed into place, so an interrupted run never
leaves a partial record.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import sys
from pathlib import Path

# examples/cli_arguments.py
from cli_arguments import ArgumentParser, output_problem, positive, write_atomically

# Kept in step with jax101.BENCHMARKS (a test checks it), so --help needs no JAX import.
NAMES = ("eager_vs_jit", "scan_vs_loop", "compile", "donation", "roofline")
QUICK = {"rows": 2**14, "steps": 50, "repeats": 2}


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser (every option has a default)."""
    parser = ArgumentParser(
        prog="benchmark.py",
        description="Run the benchmarks of the chapter 'Performance' and print their figures.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "benchmarks", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(NAMES)}"
    )
    parser.add_argument(
        "--rows", type=positive(int), default=2**20, help="examples in the roofline's data"
    )
    parser.add_argument(
        "--features", type=positive(int), default=64, help="features per example (roofline)"
    )
    parser.add_argument(
        "--steps", type=positive(int), default=500, help="Adam steps (scan_vs_loop, compile)"
    )
    parser.add_argument(
        "--repeats", type=positive(int), default=7, help="timed calls per measurement"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"small sizes for a smoke test: {', '.join(f'--{k} {v}' for k, v in QUICK.items())}",
    )
    parser.add_argument(
        "--json", type=Path, default=None, metavar="PATH", help="also write the figures here"
    )
    return parser


def _write_record(path: Path, record: dict) -> None:
    """Write ``record`` as JSON to ``path``, never leaving a partial file."""

    def write(file: Path) -> None:
        file.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")

    write_atomically(path, write)


def main(argv: list[str] | None = None) -> int:
    """Run the script with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    Args:
        argv: Command-line arguments, without the program name.

    Returns:
        0 on success. Bad arguments, and a --json path that cannot be opened for
        writing, exit with status 2 and one line (``parser.error``) before anything is
        measured.
    """
    parser = build_parser()
    given = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(given)
    unknown = [name for name in args.benchmarks if name not in NAMES]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(NAMES)}")
    if args.json is not None and (problem := output_problem("--json", args.json)):
        parser.error(problem)
    sizes = {k: getattr(args, k) for k in ("rows", "features", "steps", "repeats")}
    if args.quick:
        sizes.update(QUICK)

    # Import JAX only once the arguments are known to be good: --help and errors stay fast.
    import jax  # noqa: PLC0415

    import jax101  # noqa: PLC0415

    names = args.benchmarks or list(NAMES)
    device = jax.devices()[0]
    print(
        f"JAX {jax.__version__} on {device.device_kind} ({jax.default_backend()}), "
        f"{', '.join(f'{k} {v}' for k, v in sizes.items())}"
    )
    results = {}
    for name in names:
        results[name] = jax101.run_benchmark(name, **sizes)
        print(f"ran {name}", flush=True)
    print(jax101.figures_table({device.device_kind: results}))

    if args.json is not None:
        record = {
            "schema": 1,
            "device_kind": device.device_kind,
            "backend": jax.default_backend(),
            "device_count": jax.device_count(),
            "jax_version": jax.__version__,
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "command": shlex.join(["python", "examples/benchmark.py", *given]),
            "options": {**sizes, "quick": args.quick},
            "results": results,
        }
        _write_record(args.json, record)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
