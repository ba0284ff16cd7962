"""Train the case-study logistic regression data-parallel, on several devices or processes.

The batch is split over a one-axis device mesh ("data") and every step's gradient is
summed over the devices by the all-reduce that XLA inserts; the parameters stay
replicated. The script prints the mesh, the shard each device holds, and the same final
metrics as ``examples/logistic_regression.py`` for the same seed and steps::

    python examples/sharded_training.py                 # all visible devices
    python examples/sharded_training.py --devices 8     # 8 simulated CPU devices
    python examples/sharded_training.py --processes 2 --devices 8

With ``--processes P`` the script starts P copies of itself on 127.0.0.1 (a free port,
one process per simulated host, each with N/P CPU devices) that meet through
``jax.distributed``. If one of them fails, the others are stopped and the script exits
with status 1, naming the process that failed. Their stdout is the example's report alone:
what the runtime prints (Gloo's "[Gloo] Rank ..." lines) goes to stderr, each line labelled
"[process N]". This is the chapter "Parallelism and sharding" as a script.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from cli_arguments import ArgumentParser, positive  # examples/cli_arguments.py

TRUE_WEIGHTS = (2.0, -1.0)
TRUE_BIAS = -0.8
OPTIMIZERS = ("adam", "sgd")
PROG = "sharded_training.py"


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser (every option has a default)."""
    parser = ArgumentParser(
        prog=PROG,
        description="Fit the case-study logistic regression with its batch split over devices.",
        epilog=(
            "With --processes P > 1, stdout holds only the example's own report. What the "
            "runtime itself prints in each process (such as Gloo's '[Gloo] Rank ... is "
            "connected to ... peer ranks' lines) goes to stderr instead, every line labelled "
            "'[process N]'."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--n-samples", type=positive(int), default=512, help="number of data points")
    add("--steps", type=positive(int), default=500, help="optimizer steps")
    add("--learning-rate", type=positive(float), default=3e-2, help="learning rate")
    add("--seed", type=int, default=0, help="seed of the data's PRNG key")
    add("--optimizer", choices=OPTIMIZERS, default="adam", help="Optax optimizer")
    add("--log-every", type=positive(int), default=100, help="report every k steps")
    add("--devices", type=positive(int), default=None, help="simulated CPU devices in all")
    add("--processes", type=positive(int), default=1, help="local processes to start")
    add("--timeout", type=positive(float), default=600.0, help="seconds before giving up")
    add("--worker", type=int, default=None, help=argparse.SUPPRESS)  # set by the launcher
    add("--port", type=int, default=None, help=argparse.SUPPRESS)
    return parser


def _divisors(n: int, multiple_of: int = 1, limit: int = 16) -> str:
    """``"1, 2, 4, 8 or 16"``: the divisors of ``n`` up to ``limit`` (multiples of one number).

    Examples:
        >>> _divisors(512), _divisors(60, limit=6), _divisors(7), _divisors(512, 2)
        ('1, 2, 4, 8 or 16', '1, 2, 3, 4, 5 or 6', '1 or 7', '2, 4, 8 or 16')
    """
    found = [str(d) for d in range(multiple_of, limit + 1, multiple_of) if n % d == 0]
    if len(found) < 2:
        return found[0] if found else f"a divisor of {n}"
    return f"{', '.join(found[:-1])} or {found[-1]}"


def _argument_problem(args: argparse.Namespace, given: set[str]) -> str | None:
    """Say what is wrong with a combination of arguments, or return None.

    ``given`` names the options on the command line: an error blames one of those, never an
    option left at its default.
    """
    if args.processes > 1 and args.devices is None:
        return "argument --processes: give --devices too (each process gets devices/processes)"
    if args.devices is not None and args.devices % args.processes:
        return (
            f"argument --processes: {args.processes} processes cannot share {args.devices} "
            "devices evenly; use a number of processes that divides --devices"
        )
    if args.devices is not None and args.n_samples % args.devices and "n_samples" not in given:
        return (
            f"argument --devices: {args.devices} devices cannot share the {args.n_samples} "
            f"examples (the default of --n-samples) evenly; use "
            f"{_divisors(args.n_samples, args.processes)} "
            f"devices, or give --n-samples a multiple of {args.devices}"
        )
    if args.devices is not None and args.n_samples % args.devices:
        return (
            f"argument --n-samples: {args.n_samples} examples do not split evenly over "
            f"{args.devices} devices; use a multiple of {args.devices}"
        )
    return None


def _given(argv: list[str]) -> set[str]:
    """The options (their ``dest``) that ``argv`` sets, however spelled (``--n-s=64``).

    Examples:
        >>> sorted(_given(["--devices", "3", "--n-s=64"])), sorted(_given(["--devices", "3"]))
        (['devices', 'n_samples'], ['devices'])
    """
    parser, unset = build_parser(), object()
    # argparse fills in a default only where the namespace has no value yet.
    namespace = argparse.Namespace(**dict.fromkeys(vars(parser.parse_args([])), unset))
    return {k for k, v in vars(parser.parse_args(argv, namespace)).items() if v is not unset}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    """In a child, before exec: ask Linux to kill it if the launcher dies (no orphans)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _describe(returncode: int) -> str:
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exit status {returncode}"


def _label(stream: IO[bytes] | None, label: str, lock: threading.Lock) -> None:
    """Copy ``stream`` to our stderr line by line, each line prefixed with ``label``."""
    for line in stream or ():
        text = line.decode("utf-8", errors="replace").rstrip("\n")
        with lock:
            print(f"{label} {text}", file=sys.stderr, flush=True)


def _runtime_output_to_stderr() -> None:
    """In a worker: send what the runtime writes to the process's stdout to stderr instead.

    Gloo's C++ code prints its '[Gloo] Rank ...' lines on file descriptor 1, between the
    example's lines. Descriptor 1 now points at stderr (which the launcher labels), while
    Python's ``sys.stdout`` keeps the real stdout: it carries the example's report alone.
    """
    sys.stdout.flush()
    report = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = os.fdopen(report, "w", buffering=1, encoding="utf-8")


def _start_labellers(workers: list[subprocess.Popen[bytes]]) -> list[threading.Thread]:
    """Copy each worker's stderr (the runtime's own output, any error) to ours, labelled."""
    lock = threading.Lock()
    labellers = [
        threading.Thread(target=_label, args=(w.stderr, f"[process {i}]", lock), daemon=True)
        for i, w in enumerate(workers)
    ]
    for labeller in labellers:
        labeller.start()
    return labellers


def _stop(workers: list[subprocess.Popen[bytes]], labellers: list[threading.Thread]) -> None:
    """Stop the workers still running, then let the labellers copy what is left."""
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
    # JAX takes SIGTERM as a preemption notice and keeps running: kill what is left.
    for worker in workers:
        try:
            worker.wait(timeout=2)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    for labeller in labellers:
        labeller.join(timeout=2)


def launch(argv: list[str], processes: int, timeout: float) -> int:
    """Start ``processes`` workers on 127.0.0.1, wait for them, stop all if one fails."""
    port = _free_port()
    command = [sys.executable, str(Path(__file__).resolve()), *argv, "--port", str(port)]
    workers = []
    for i in range(processes):
        worker = subprocess.Popen(
            [*command, "--worker", str(i)],
            stderr=subprocess.PIPE,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - no thread runs yet (see below)
        )
        workers.append(worker)
        print(f"launched process {i} of {processes} (pid {worker.pid}) on 127.0.0.1:{port}")
    sys.stdout.flush()
    labellers = _start_labellers(workers)
    deadline = time.monotonic() + timeout
    failure = None
    try:
        while failure is None:
            codes = [worker.poll() for worker in workers]
            failed = [i for i, code in enumerate(codes) if code not in (None, 0)]
            if failed:
                failure = (
                    f"process {failed[0]} of {processes} failed ({_describe(codes[failed[0]])})"
                )
            elif all(code == 0 for code in codes):
                return 0
            elif time.monotonic() > deadline:
                failure = f"the processes did not finish within {timeout:g} s"
            else:
                time.sleep(0.1)
    finally:
        if failure is not None:
            print(f"{PROG}: error: {failure}; stopping the other processes", file=sys.stderr)
        _stop(workers, labellers)
    return 1


def train(args: argparse.Namespace, given: set[str]) -> int:
    """Train on this process's devices (a worker of a launch, or the only process)."""
    if args.worker is not None:
        _runtime_output_to_stderr()
    import jax  # noqa: PLC0415 - JAX is configured before it starts its backend

    if args.devices is not None:
        jax.config.update("jax_num_cpu_devices", args.devices // args.processes)
    if args.worker is not None:
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(
            coordinator_address=f"127.0.0.1:{args.port}",
            num_processes=args.processes,
            process_id=args.worker,
            initialization_timeout=int(args.timeout),
        )
    import jax.numpy as jnp  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415
    import optax  # noqa: PLC0415

    import jax101  # noqa: PLC0415

    n_devices, me, first = jax.device_count(), jax.process_index(), jax.process_index() == 0
    if args.n_samples % n_devices:
        default = "" if "n_samples" in given else " (the default of --n-samples)"
        print(
            f"{PROG}: error: argument --n-samples: {args.n_samples} examples{default} do not "
            f"split evenly over the {n_devices} visible devices; give --n-samples a multiple "
            f"of {n_devices}, or --devices {_divisors(args.n_samples)}",
            file=sys.stderr,
        )
        return 2
    mesh = jax.make_mesh((n_devices,), ("data",))
    data = jax101.make_dataset(
        args.n_samples, TRUE_WEIGHTS, TRUE_BIAS, key=jax.random.key(args.seed)
    )
    rows = args.n_samples // jax.process_count()
    mine = jax101.Dataset(
        x=data.x[me * rows : (me + 1) * rows], y=data.y[me * rows : (me + 1) * rows]
    )
    sharded = jax101.shard_batch(mine, mesh)
    if first:
        print(
            f"{args.optimizer} (learning rate {args.learning_rate:g}) on {args.n_samples} "
            f"points, {args.steps} steps, JAX {jax.__version__} on {n_devices} x "
            f"{jax.devices()[0].device_kind} in {jax.process_count()} process(es)"
        )
        print(f"mesh: {dict(mesh.shape)} over devices {mesh.device_ids.tolist()}")
    shards = ", ".join(
        f"{shard.device.id}: x{shard.data.shape} y{shard.data.shape[:1]}"
        for shard in sharded.x.addressable_shards
    )
    print(f"process {me} holds shards {shards}", flush=True)

    optimizer = {"adam": optax.adam, "sgd": optax.sgd}[args.optimizer](args.learning_rate)
    start = jax101.Params(w=jnp.zeros(len(TRUE_WEIGHTS)), b=jnp.zeros(()))
    params, history = jax101.train_sharded(start, sharded, optimizer, steps=args.steps, mesh=mesh)
    losses, accuracies = np.asarray(history.loss), np.asarray(history.accuracy)
    params = jax101.Params(w=jnp.asarray(np.asarray(params.w)), b=jnp.asarray(float(params.b)))
    if first:
        for t in range(1, args.steps + 1):
            if t % args.log_every == 0 or t == args.steps:
                print(f"step {t:>6}  loss {losses[t - 1]:.4f}  accuracy {accuracies[t - 1]:.3f}")
        _report(params, data)
    sys.stdout.flush()
    if args.worker is not None:
        jax.distributed.shutdown()
    return 0


def _report(params: object, data: object) -> None:
    """Print the final metrics exactly as examples/logistic_regression.py does."""
    import jax.numpy as jnp  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    import jax101  # noqa: PLC0415

    def flat(p: jax101.Params) -> np.ndarray:
        return np.append(np.asarray(p.w, np.float64), float(p.b))

    best = jax101.newton(jax101.Params(w=jnp.zeros_like(params.w), b=jnp.zeros(())), data)
    truth = jax101.Params(w=jnp.array(TRUE_WEIGHTS), b=jnp.array(TRUE_BIAS))
    final_loss, best_loss = float(jax101.loss(params, data)), float(jax101.loss(best, data))
    print(
        f"final: loss {final_loss:.4f}  accuracy {float(jax101.accuracy(params, data)):.3f}  "
        f"w = {np.round(flat(params)[:-1], 3).tolist()}  b = {flat(params)[-1]:.3f}"
    )
    print(
        f"Newton optimum: loss {best_loss:.4f}  loss gap {final_loss - best_loss:.2e}  "
        f"parameter distance {np.linalg.norm(flat(params) - flat(best)):.2e}"
    )
    print(
        f"distance to the true parameters: {np.linalg.norm(flat(params) - flat(truth)):.3f} "
        f"(Newton optimum: {np.linalg.norm(flat(best) - flat(truth)):.3f})"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the script with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    Args:
        argv: Command-line arguments, without the program name.

    Returns:
        0 on success, 1 if a process failed or timed out. Bad arguments exit with
        status 2 and a one-line message before any process or JAX backend starts.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    given = _given(argv)
    if (problem := _argument_problem(args, given)) is not None:
        parser.error(problem)
    if args.processes > 1 and args.worker is None:
        return launch(argv, args.processes, args.timeout)
    return train(args, given)


if __name__ == "__main__":
    sys.exit(main())
