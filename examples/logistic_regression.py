"""Train a logistic regression on synthetic 2-D data with Optax, and compare with the optimum.

The data come from a known model, (w, b) = ((2, -1), -0.8), so the script can report how far
training got from the exact optimum of the loss (found by Newton's method) and from the
parameters that generated the labels. Run it with ``--help`` for the options, for example::

    python examples/logistic_regression.py --steps 500 --plot logistic_regression.png

This is the chapter "Case study: logistic regression with Optax" as a script.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# examples/cli_arguments.py
from cli_arguments import ArgumentParser, output_problem, positive, write_atomically

TRUE_WEIGHTS = (2.0, -1.0)
TRUE_BIAS = -0.8
OPTIMIZERS = ("adam", "sgd")


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser (every option has a default)."""
    parser = ArgumentParser(
        prog="logistic_regression.py",
        description=(
            "Fit a logistic regression to synthetic 2-D data drawn from (w, b) = ((2, -1), -0.8) "
            "with an Optax optimizer, then compare it with Newton's exact optimum and with the "
            "true parameters."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--n-samples", type=positive(int), default=512, help="number of data points"
    )
    parser.add_argument("--steps", type=positive(int), default=500, help="optimizer steps")
    parser.add_argument(
        "--learning-rate", type=positive(float), default=3e-2, help="optimizer learning rate"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the data's PRNG key")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="adam", help="Optax optimizer")
    parser.add_argument(
        "--log-every", type=positive(int), default=100, help="print progress every k steps"
    )
    parser.add_argument(
        "--plot", type=Path, default=None, metavar="PATH", help="write a PNG figure to PATH"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the script with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    Args:
        argv: Command-line arguments, without the program name.

    Returns:
        0 on success. Bad arguments, and a --plot path that cannot be opened for
        writing, exit with status 2 and one line (``parser.error``) before any training
        starts; a figure that fails to be written leaves no partial file.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.plot is not None and (problem := output_problem("--plot", args.plot, ".png")):
        parser.error(problem)

    # Import JAX only once the arguments are known to be good: --help and errors stay fast.
    import jax  # noqa: PLC0415
    import jax.numpy as jnp  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415
    import optax  # noqa: PLC0415

    import jax101  # noqa: PLC0415

    data = jax101.make_dataset(
        args.n_samples, TRUE_WEIGHTS, TRUE_BIAS, key=jax.random.key(args.seed)
    )
    optimizer = {"adam": optax.adam, "sgd": optax.sgd}[args.optimizer](args.learning_rate)
    params = jax101.Params(w=jnp.zeros(len(TRUE_WEIGHTS)), b=jnp.zeros(()))
    opt_state = optimizer.init(params)
    step = jax101.make_step(optimizer)

    print(
        f"{args.optimizer} (learning rate {args.learning_rate:g}) on {args.n_samples} points, "
        f"{args.steps} steps, JAX {jax.__version__} on {jax.devices()[0].device_kind}"
    )
    for t in range(1, args.steps + 1):
        params, opt_state, metrics = step(params, opt_state, data)
        if t % args.log_every == 0 or t == args.steps:
            loss, accuracy = float(metrics.loss), float(metrics.accuracy)
            print(f"step {t:>6}  loss {loss:.4f}  accuracy {accuracy:.3f}")

    def flat(p: jax101.Params) -> np.ndarray:
        return np.append(np.asarray(p.w, np.float64), float(p.b))

    best = jax101.newton(jax101.Params(w=jnp.zeros_like(params.w), b=jnp.zeros(())), data)
    truth = jax101.Params(w=jnp.array(TRUE_WEIGHTS), b=jnp.array(TRUE_BIAS))
    final_loss = float(jax101.loss(params, data))
    print(
        f"final: loss {final_loss:.4f}  accuracy {float(jax101.accuracy(params, data)):.3f}  "
        f"w = {np.round(flat(params)[:-1], 3).tolist()}  b = {flat(params)[-1]:.3f}"
    )
    # A strictly convex loss has at most one minimizer, and none at all when a line separates
    # the two labels (always the case for very few points): the loss then falls towards 0 as
    # the weights grow, and what Newton returns (nan, or huge weights where the float32
    # gradient has underflowed) means nothing. A point that classifies every example right
    # is a witness that a separating line exists.
    newton_grad = float(np.linalg.norm(flat(jax101.loss_grad(best, data))))
    separated = float(jax101.accuracy(best, data)) == 1.0
    if np.all(np.isfinite(flat(best))) and newton_grad < 1e-3 and not separated:
        print(
            f"Newton optimum: loss {float(jax101.loss(best, data)):.4f}  "
            f"loss gap {final_loss - float(jax101.loss(best, data)):.2e}  "
            f"parameter distance {np.linalg.norm(flat(params) - flat(best)):.2e}"
        )
        print(
            f"distance to the true parameters: {np.linalg.norm(flat(params) - flat(truth)):.3f} "
            f"(Newton optimum: {np.linalg.norm(flat(best) - flat(truth)):.3f})"
        )
    else:
        points = f"{args.n_samples} point" + ("s" if args.n_samples != 1 else "")
        print(
            f"Newton optimum: none. The loss on these {points} has no minimizer, "
            "as happens when a line separates the two labels (always so for very few points): "
            "it keeps falling as the weights grow. Comparison with the optimum skipped; "
            "use more points, e.g. --n-samples 64."
        )

    if args.plot is not None:
        import matplotlib as mpl  # noqa: PLC0415

        mpl.use("Agg")  # no display needed: write the file only
        import matplotlib.pyplot as plt  # noqa: PLC0415

        figure, ax = plt.subplots(figsize=(6.0, 4.5))
        jax101.plot_decision_boundaries(
            data,
            {f"learned ({args.optimizer})": params, "true": truth},
            ax=ax,
            title=f"Logistic regression: {args.n_samples} points, {args.steps} steps",
        )
        write_atomically(
            args.plot, lambda file: figure.savefig(file, format="png", dpi=120, bbox_inches="tight")
        )
        plt.close(figure)
        print(f"wrote {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
