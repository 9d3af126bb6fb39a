#!/usr/bin/env python3
"""mlcp sample trainer: logistic regression by batch gradient descent, standard library only.

Reads a CSV of numeric features with a 0/1 `label` column (or generates a reproducible synthetic
data set when none is given), holds out a test split, trains, and writes to the outputs directory:

  model.json    weights, bias, feature names, training parameters
  metrics.json  accuracy, log loss, AUC on the held-out split, plus training figures

Progress goes to stdout (it becomes the run's logs). Bad input exits with status 2 and a message on
stderr, so the run ends FAILED with a reason.

Inputs are taken, in order, from --data, from the files the VM agent materialized into
$MLCP_INPUT_DIR (the first *.csv, else the first *.jsonl, e.g. a Spanner table read as JSON Lines),
or generated with --generate N. In JSON Lines, columns named `id` or ending in `_id` are
identifiers, not features.
"""

import argparse
import csv
import glob
import json
import math
import os
import random
import sys
import time


class BadInput(Exception):
    """The input cannot be trained on; the message says why."""


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", help="CSV or JSON Lines file: numeric features and a 0/1 'label' column")
    p.add_argument("--generate", type=int, default=2000, help="rows to generate when no data is given")
    p.add_argument("--features", type=int, default=4, help="features of generated data")
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--lr", type=float, default=0.5, help="learning rate")
    p.add_argument("--l2", type=float, default=0.001, help="L2 regularisation strength")
    p.add_argument("--test-fraction", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--outputs",
        default=os.environ.get("MLCP_OUTPUTS", os.environ.get("MLCP_OUTPUT_DIR", "/outputs")),
        help="outputs directory; the VM agent sets MLCP_OUTPUTS and uploads what is written there",
    )
    args = p.parse_args(argv)
    if args.epochs < 1 or args.epochs > 100_000:
        raise BadInput(f"--epochs must be between 1 and 100000, was {args.epochs}")
    if not (0 < args.lr <= 10) or math.isnan(args.lr):
        raise BadInput(f"--lr must be in (0, 10], was {args.lr}")
    if not (0 < args.test_fraction < 0.9):
        raise BadInput(f"--test-fraction must be in (0, 0.9), was {args.test_fraction}")
    if args.features < 1 or args.generate < 20:
        raise BadInput("--features must be >= 1 and --generate >= 20")
    return args


def find_data(args):
    if args.data:
        return args.data
    input_dir = os.environ.get("MLCP_INPUT_DIR")
    if input_dir:
        for pattern in ("*.csv", "*.jsonl"):
            found = sorted(glob.glob(os.path.join(input_dir, "**", pattern), recursive=True))
            if found:
                return found[0]
    return None


def generate(rows, features, seed):
    rng = random.Random(seed)
    true_w = [rng.uniform(-2, 2) for _ in range(features)]
    names = [f"x{i}" for i in range(features)]
    data = []
    for _ in range(rows):
        x = [rng.gauss(0, 1) for _ in range(features)]
        z = sum(w * v for w, v in zip(true_w, x)) + rng.gauss(0, 0.5)
        data.append((x, 1 if z > 0 else 0))
    return names, data


def load_jsonl(path):
    names, data = None, []
    with open(path) as f:
        for line, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except ValueError:
                raise BadInput(f"{path}:{line}: not a JSON object") from None
            if names is None:
                names = [k for k in row if k != "label" and k != "id" and not k.endswith("_id")]
                if "label" not in row or not names:
                    raise BadInput(f"{path}: rows need a 'label' and feature columns, have {list(row)}")
            try:
                x = [float(row[n]) for n in names]
                y = int(row["label"])
            except (KeyError, TypeError, ValueError):
                raise BadInput(f"{path}:{line}: every value must be numeric, got {row}") from None
            if y not in (0, 1):
                raise BadInput(f"{path}:{line}: label must be 0 or 1, was {y}")
            data.append((x, y))
    return check_rows(path, names or [], data)


def check_rows(path, names, data):
    if len(data) < 10:
        raise BadInput(f"{path}: needs at least 10 rows, has {len(data)}")
    if len({y for _, y in data}) < 2:
        raise BadInput(f"{path}: labels must contain both classes")
    return names, data


def load_csv(path):
    if not os.path.isfile(path):
        raise BadInput(f"input file {path} does not exist")
    if path.endswith(".jsonl"):
        return load_jsonl(path)
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "label" not in reader.fieldnames:
            raise BadInput(f"{path}: header must contain a 'label' column, has {reader.fieldnames}")
        names = [n for n in reader.fieldnames if n != "label"]
        if not names:
            raise BadInput(f"{path}: no feature columns besides 'label'")
        data = []
        for line, row in enumerate(reader, start=2):
            try:
                x = [float(row[n]) for n in names]
                y = int(row["label"])
            except (TypeError, ValueError):
                raise BadInput(f"{path}:{line}: every value must be numeric, got {row}") from None
            if y not in (0, 1):
                raise BadInput(f"{path}:{line}: label must be 0 or 1, was {y}")
            if any(math.isnan(v) or math.isinf(v) for v in x):
                raise BadInput(f"{path}:{line}: features must be finite")
            data.append((x, y))
    return check_rows(path, names, data)


def sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def standardise(train, test):
    n = len(train[0][0])
    mean = [sum(x[i] for x, _ in train) / len(train) for i in range(n)]
    std = [math.sqrt(sum((x[i] - mean[i]) ** 2 for x, _ in train) / len(train)) or 1.0 for i in range(n)]

    def scale(rows):
        return [([(v - m) / s for v, m, s in zip(x, mean, std)], y) for x, y in rows]

    return scale(train), scale(test), mean, std


def train(rows, epochs, lr, l2):
    n = len(rows[0][0])
    w, b = [0.0] * n, 0.0
    for epoch in range(1, epochs + 1):
        gw, gb, loss = [0.0] * n, 0.0, 0.0
        for x, y in rows:
            p = sigmoid(sum(wi * xi for wi, xi in zip(w, x)) + b)
            err = p - y
            for i in range(n):
                gw[i] += err * x[i]
            gb += err
            loss += -math.log(max(p, 1e-12)) if y else -math.log(max(1 - p, 1e-12))
        m = len(rows)
        w = [wi - lr * (g / m + l2 * wi) for wi, g in zip(w, gw)]
        b -= lr * gb / m
        if epoch == 1 or epoch % max(1, epochs // 10) == 0 or epoch == epochs:
            print(f"epoch {epoch}/{epochs} loss={loss / m:.4f}", flush=True)
    return w, b


def evaluate(rows, w, b):
    scored = [(sigmoid(sum(wi * xi for wi, xi in zip(w, x)) + b), y) for x, y in rows]
    accuracy = sum((p >= 0.5) == (y == 1) for p, y in scored) / len(scored)
    log_loss = -sum(math.log(max(p if y else 1 - p, 1e-12)) for p, y in scored) / len(scored)
    positives = [p for p, y in scored if y == 1]
    negatives = [p for p, y in scored if y == 0]
    pairs = len(positives) * len(negatives)
    auc = (
        sum((p > q) + 0.5 * (p == q) for p in positives for q in negatives) / pairs if pairs else float("nan")
    )
    return {"accuracy": round(accuracy, 6), "log_loss": round(log_loss, 6), "auc": round(auc, 6)}


def main(argv):
    started = time.time()
    try:
        args = parse_args(argv)
        path = find_data(args)
        if path:
            print(f"reading {path}", flush=True)
            names, data = load_csv(path)
        else:
            print(f"no input given: generating {args.generate} rows with {args.features} features", flush=True)
            names, data = generate(args.generate, args.features, args.seed)
    except BadInput as e:
        print(f"bad input: {e}", file=sys.stderr, flush=True)
        return 2

    random.Random(args.seed).shuffle(data)
    cut = int(len(data) * (1 - args.test_fraction))
    train_rows, test_rows, mean, std = standardise(data[:cut], data[cut:])
    print(f"training on {len(train_rows)} rows, testing on {len(test_rows)}", flush=True)
    w, b = train(train_rows, args.epochs, args.lr, args.l2)
    metrics = evaluate(test_rows, w, b)
    metrics.update(
        {"train_rows": len(train_rows), "test_rows": len(test_rows), "train_seconds": round(time.time() - started, 3)}
    )

    os.makedirs(args.outputs, exist_ok=True)
    model = {
        "kind": "logistic-regression",
        "features": names,
        "weights": w,
        "bias": b,
        "standardisation": {"mean": mean, "std": std},
        "params": {"epochs": args.epochs, "lr": args.lr, "l2": args.l2, "seed": args.seed},
    }
    with open(os.path.join(args.outputs, "model.json"), "w") as f:
        json.dump(model, f, indent=2)
    with open(os.path.join(args.outputs, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    print(f"metrics: {json.dumps(metrics)}", flush=True)
    print(f"wrote model.json and metrics.json to {args.outputs}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
