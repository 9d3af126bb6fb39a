#!/usr/bin/env python3
"""Sample model server: serves a registered sample-trainer model over HTTP.

  GET  /healthz      200 {"status": "ok", ...} once the model is loaded and verified
  POST /v1/predict   {"instances": [[x1, x2, ...], ...]} or {"instances": [{"name": value}, ...]}
                     -> {"predictions": [p, ...], "revision": ..., "modelSha256": ...}

At start it loads the model version from MLCP_MODEL_DIR (a registry version: manifest.json and
the files it lists) and verifies it: the manifest's SHA-256 must equal MLCP_MODEL_SHA256 (the
version's identity, as registered) and every file the manifest lists must have its size and
SHA-256. A model that does not verify is never served: the server exits with status 3 and says
which file differs.

Environment:
  PORT               port to listen on (default 8080), on MLCP_BIND (default 0.0.0.0)
  MLCP_MODEL_DIR     the version's files (manifest.json, model.json, ...)
  MLCP_MODEL_SHA256  expected SHA-256 of manifest.json (hex); required when a manifest exists
  MLCP_REVISION      reported in answers
  MLCP_FAIL_RATE     0..1: share of predictions answered 500 (a deliberately bad revision)
  MLCP_LATENCY_MS    extra latency added to each prediction
"""
import hashlib
import json
import math
import os
import random
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20
MAX_INSTANCES = 1000


class ModelError(Exception):
    """The model cannot be served."""


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def safe_join(root, relative):
    if not isinstance(relative, str) or not relative or relative.startswith("/") or "\\" in relative:
        raise ModelError("manifest lists an invalid path: %r" % (relative,))
    parts = relative.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ModelError("manifest lists an invalid path: %r" % (relative,))
    return os.path.join(root, *parts)


def load(model_dir, expected_sha256):
    """The verified model (dict) and the manifest digest; ModelError says what is wrong."""
    if not model_dir or not os.path.isdir(model_dir):
        raise ModelError("MLCP_MODEL_DIR %r is not a directory" % (model_dir,))
    manifest_path = os.path.join(model_dir, "manifest.json")
    digest = None
    if os.path.exists(manifest_path):
        digest = sha256_of(manifest_path)
        if not expected_sha256:
            raise ModelError("MLCP_MODEL_SHA256 is not set: cannot verify manifest.json")
        if digest != expected_sha256.strip().lower():
            raise ModelError(
                "manifest.json has SHA-256 %s, expected %s" % (digest, expected_sha256))
        with open(manifest_path, "rb") as f:
            manifest = json.loads(f.read().decode("utf-8"))
        files = manifest.get("files")
        if not isinstance(files, list):
            raise ModelError("manifest.json lists no files")
        for entry in files:
            path = safe_join(model_dir, entry.get("path"))
            if not os.path.isfile(path):
                raise ModelError("%s is missing" % entry.get("path"))
            size = os.path.getsize(path)
            if "sizeBytes" in entry and entry["sizeBytes"] != size:
                raise ModelError("%s has %d bytes, manifest says %s"
                                 % (entry["path"], size, entry["sizeBytes"]))
            if sha256_of(path) != entry.get("sha256"):
                raise ModelError("%s differs from the manifest (SHA-256)" % entry["path"])
    elif expected_sha256:
        raise ModelError("MLCP_MODEL_SHA256 is set but %s has no manifest.json" % model_dir)
    model_path = os.path.join(model_dir, "model.json")
    if not os.path.isfile(model_path):
        raise ModelError("model.json is missing")
    with open(model_path, "rb") as f:
        model = json.loads(f.read().decode("utf-8"))
    if model.get("kind") != "logistic-regression":
        raise ModelError("model.json is not a logistic-regression model")
    weights = model.get("weights")
    if not isinstance(weights, list) or not weights:
        raise ModelError("model.json has no weights")
    return model, digest


def predict(model, instances):
    features = model.get("features") or []
    weights = model["weights"]
    bias = model.get("bias", 0.0)
    std = model.get("standardisation") or {}
    mean, dev = std.get("mean"), std.get("std")
    out = []
    for row in instances:
        if isinstance(row, dict):
            row = [row.get(name) for name in features]
        if not isinstance(row, list) or len(row) != len(weights):
            raise ValueError("each instance needs %d features" % len(weights))
        x = []
        for i, v in enumerate(row):
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                raise ValueError("feature %d is not a finite number" % i)
            if mean and dev:
                v = (v - mean[i]) / (dev[i] or 1.0)
            x.append(v)
        z = bias + sum(w * v for w, v in zip(weights, x))
        z = max(-60.0, min(60.0, z))
        out.append(1.0 / (1.0 + math.exp(-z)))
    return out


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, model, digest, revision, fail_rate, latency_ms):
        super().__init__(address, Handler)
        self.model, self.digest, self.revision = model, digest, revision
        self.fail_rate, self.latency_ms = fail_rate, latency_ms


class Handler(BaseHTTPRequestHandler):
    server_version = "mlcp-sample-server/1"

    def answer(self, status, body):
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.split("?")[0] == "/healthz":
            self.answer(200, {"status": "ok", "revision": self.server.revision,
                              "modelSha256": self.server.digest})
        else:
            self.answer(404, {"error": "not found"})

    def do_POST(self):
        if self.path.split("?")[0] != "/v1/predict":
            self.answer(404, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.answer(413, {"error": "body larger than %d bytes" % MAX_BODY})
            return
        try:
            body = json.loads(self.rfile.read(length).decode("utf-8") or "{}")
            instances = body.get("instances")
            if not isinstance(instances, list) or not instances or len(instances) > MAX_INSTANCES:
                raise ValueError("instances must be a list of 1..%d rows" % MAX_INSTANCES)
            predictions = predict(self.server.model, instances)
        except (ValueError, AttributeError) as e:
            self.answer(400, {"error": str(e)})
            return
        if self.server.latency_ms > 0:
            time.sleep(self.server.latency_ms / 1000.0)
        if self.server.fail_rate > 0 and random.random() < self.server.fail_rate:
            self.answer(500, {"error": "deliberate failure (MLCP_FAIL_RATE)",
                              "revision": self.server.revision})
            return
        self.answer(200, {"predictions": predictions, "revision": self.server.revision,
                          "modelSha256": self.server.digest})

    def log_message(self, fmt, *args):
        pass


def main(environ):
    try:
        model, digest = load(environ.get("MLCP_MODEL_DIR"), environ.get("MLCP_MODEL_SHA256"))
        fail_rate = float(environ.get("MLCP_FAIL_RATE") or 0)
        latency = float(environ.get("MLCP_LATENCY_MS") or 0)
        port = int(environ.get("PORT") or 8080)
    except ModelError as e:
        print("model not served: %s" % e, file=sys.stderr, flush=True)
        return 3
    except ValueError as e:
        print("bad setting: %s" % e, file=sys.stderr, flush=True)
        return 2
    server = Server((environ.get("MLCP_BIND") or "0.0.0.0", port), model, digest,
                    environ.get("MLCP_REVISION") or "", fail_rate, latency)
    print("serving %s (manifest %s) on port %d" % (
        environ.get("MLCP_MODEL_DIR"), digest or "-", server.server_address[1]), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.exit(main(os.environ))
