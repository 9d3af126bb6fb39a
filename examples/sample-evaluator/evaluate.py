#!/usr/bin/env python3
"""mlcp sample evaluator: attacks a registered sample-trainer model, standard library only.

The registry runs an evaluator as a training run whose input is a model version's URI
(MLCP_INPUTS, a JSON list). It reads the version's model.json, rebuilds the trainer's held-out split
(same generator and seed) and measures the model on it clean, under Gaussian noise and under the
worst-case L-infinity attack on a linear model (every feature moved by --epsilon against the
label, along the sign of its weight). metrics.json in the outputs directory becomes the version's
evaluation:

  clean_accuracy, noise_accuracy, robust_accuracy, epsilon, noise

Where the model is read from, in order: --model-dir; $MLCP_INPUT_DIR/0 (the version as the VM
agent materialized it; $MLCP_INPUT_DIR itself when it has no 0/); the first gs:// input mapped under --gcs-root (local mode, where a bucket is a
directory). Bad input exits with status 2 and a message on stderr.
"""

import argparse
import json
import math
import os
import random
import sys


class BadInput(Exception):
    """The model cannot be evaluated; the message says why."""


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model-dir", help="directory holding model.json")
    p.add_argument("--gcs-root", help="local mode: directory standing for gs:// (<root>/<bucket>/<path>)")
    p.add_argument("--epsilon", type=float, default=0.1, help="L-infinity attack budget (standardised units)")
    p.add_argument("--noise", type=float, default=0.5, help="standard deviation of the Gaussian noise")
    p.add_argument("--rows", type=int, default=2000, help="rows the trainer generated")
    p.add_argument("--test-fraction", type=float, default=0.2, help="the trainer's held-out fraction")
    p.add_argument(
        "--outputs",
        default=os.environ.get("MLCP_OUTPUTS", os.environ.get("MLCP_OUTPUT_DIR", "/outputs")),
        help="outputs directory; the VM agent sets MLCP_OUTPUTS and uploads what is written there",
    )
    args = p.parse_args(argv)
    if not (0 <= args.epsilon <= 10) or math.isnan(args.epsilon):
        raise BadInput(f"--epsilon must be in [0, 10], was {args.epsilon}")
    if not (0 <= args.noise <= 10) or math.isnan(args.noise):
        raise BadInput(f"--noise must be in [0, 10], was {args.noise}")
    if args.rows < 20 or not (0 < args.test_fraction < 0.9):
        raise BadInput("--rows must be >= 20 and --test-fraction in (0, 0.9)")
    return args


def model_dir(args):
    if args.model_dir:
        return args.model_dir
    if os.environ.get("MLCP_INPUT_DIR"):
        # The agent materializes input n under $MLCP_INPUT_DIR/<n>/: the version is input 0.
        first = os.path.join(os.environ["MLCP_INPUT_DIR"], "0")
        return first if os.path.isdir(first) else os.environ["MLCP_INPUT_DIR"]
    try:
        inputs = json.loads(os.environ.get("MLCP_INPUTS", "[]"))
    except ValueError:
        raise BadInput("MLCP_INPUTS is not a JSON list") from None
    uris = [u for u in inputs if isinstance(u, str) and u.startswith("gs://")]
    if not uris:
        raise BadInput("no model: give --model-dir, or run with the version's gs:// URI as input")
    if not args.gcs_root:
        raise BadInput(f"{uris[0]} cannot be read here: give --gcs-root (local mode) or --model-dir")
    rel = uris[0][len("gs://"):]
    path = os.path.normpath(os.path.join(args.gcs_root, rel))
    if not path.startswith(os.path.normpath(args.gcs_root) + os.sep):
        raise BadInput(f"{uris[0]} escapes --gcs-root")
    return path


def load_model(directory):
    path = os.path.join(directory, "model.json")
    if not os.path.isfile(path):
        raise BadInput(f"{path} does not exist: the input is not a sample-trainer model version")
    try:
        with open(path) as f:
            model = json.load(f)
        weights = [float(w) for w in model["weights"]]
        bias = float(model["bias"])
        mean = [float(v) for v in model["standardisation"]["mean"]]
        std = [float(v) for v in model["standardisation"]["std"]]
        seed = int(model["params"]["seed"])
    except (KeyError, TypeError, ValueError) as e:
        raise BadInput(f"{path} is not a sample-trainer model: {e}") from None
    if not weights or not (len(weights) == len(mean) == len(std)):
        raise BadInput(f"{path}: weights and standardisation do not match")
    return weights, bias, mean, std, seed


def generate(rows, features, seed):
    """The sample trainer's generator, line for line: the same seed gives the same data."""
    rng = random.Random(seed)
    true_w = [rng.uniform(-2, 2) for _ in range(features)]
    data = []
    for _ in range(rows):
        x = [rng.gauss(0, 1) for _ in range(features)]
        z = sum(w * v for w, v in zip(true_w, x)) + rng.gauss(0, 0.5)
        data.append((x, 1 if z > 0 else 0))
    return data


def held_out(args, features, seed):
    data = generate(args.rows, features, seed)
    random.Random(seed).shuffle(data)
    cut = int(len(data) * (1 - args.test_fraction))
    return data[cut:]


def accuracy(rows, w, b):
    right = 0
    for x, y in rows:
        z = sum(wi * xi for wi, xi in zip(w, x)) + b
        right += (z >= 0) == (y == 1)
    return right / len(rows)


def main(argv):
    try:
        args = parse_args(argv)
        weights, bias, mean, std, seed = load_model(model_dir(args))
    except BadInput as e:
        print(f"bad input: {e}", file=sys.stderr, flush=True)
        return 2
    test = held_out(args, len(weights), seed)
    scaled = [([(v - m) / s for v, m, s in zip(x, mean, std)], y) for x, y in test]
    rng = random.Random(seed + 1)
    noisy = [([v + rng.gauss(0, args.noise) for v in x], y) for x, y in scaled]
    # The strongest L-infinity perturbation of a linear model: push every feature against the label.
    attacked = [
        ([v - args.epsilon * (1 if y == 1 else -1) * math.copysign(1, w) for v, w in zip(x, weights)], y)
        for x, y in scaled
    ]
    metrics = {
        "clean_accuracy": round(accuracy(scaled, weights, bias), 6),
        "noise_accuracy": round(accuracy(noisy, weights, bias), 6),
        "robust_accuracy": round(accuracy(attacked, weights, bias), 6),
        "epsilon": args.epsilon,
        "noise": args.noise,
        "test_rows": len(scaled),
    }
    os.makedirs(args.outputs, exist_ok=True)
    with open(os.path.join(args.outputs, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print(f"evaluated {len(scaled)} held-out rows: {json.dumps(metrics)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
