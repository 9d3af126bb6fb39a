#!/usr/bin/env python3
"""Sample model server: serves a registered sample-trainer model over HTTP.

  GET  /healthz      200 {"status": "ok", ...} once the model is loaded and verified
  POST /v1/predict   {"instances": [[x1, x2, ...], ...]} or {"instances": [{"name": value}, ...]}
                     -> {"predictions": [p, ...], "revision": ..., "modelSha256": ...}
                     An object instance holding the feature key (e.g. {"user_id": 7}) gets the
                     features looked up for it (its own values win).
  GET  /v1/features/<key>
                     -> {"table": ..., "key": ..., "features": {column: value, ...}} (404: no row)
                     a feature lookup from Spanner (the emulator locally): one parameterised
                     SELECT by primary key in a single-use read-only transaction, REST API.

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
  MLCP_FEATURE_DATABASE  INSTANCE/DATABASE (project MLCP_PROJECT_ID) or
                     projects/P/instances/I/databases/D: where features are looked up; unset: no
                     lookups (/v1/features answers 501)
  MLCP_FEATURE_TABLE, MLCP_FEATURE_KEY  the table and its key column (user_features, user_id)
  MLCP_SPANNER_API   Spanner REST endpoint (default https://spanner.googleapis.com/v1); the VM
                     agent passes the one it uses, the emulator's REST gateway in local mode
  MLCP_PROJECT_ID    the project (the VM agent passes the VM's)
  GCE_METADATA_HOST  where a bearer token for Spanner comes from (none: calls without one, as
                     the emulator takes them)
"""
import hashlib
import json
import math
import os
import random
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20
MAX_INSTANCES = 1000
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
DATABASE = re.compile(r"^projects/[a-z][-a-z0-9.:]{0,62}/instances/[a-z][-a-z0-9]{0,63}"
                      r"/databases/[a-z][a-z0-9_-]{0,29}$")
SHORT_DATABASE = re.compile(r"^([a-z][-a-z0-9]{0,63})/([a-z][a-z0-9_-]{0,29})$")
MAX_KEY = 128
# Straight to the API (or the emulator), whatever proxy the environment names.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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


class FeatureError(Exception):
    """Spanner did not answer the lookup (503 to the caller)."""


class FeatureStore:
    """Feature rows by primary key from a Spanner table, through the REST API: a session (kept,
    made again when Spanner forgets it), then executeSql with the key as a typed parameter in a
    single-use read-only transaction. Table and column are checked identifiers, never free text."""

    def __init__(self, api, database, table, key, metadata_host=None):
        for name, value in (("MLCP_FEATURE_TABLE", table), ("MLCP_FEATURE_KEY", key)):
            if not IDENTIFIER.match(value or ""):
                raise ValueError("%s %r is not a Spanner identifier" % (name, value))
        if not DATABASE.match(database or ""):
            raise ValueError("MLCP_FEATURE_DATABASE %r is not projects/P/instances/I/databases/D"
                             % (database,))
        self.api, self.database = api.rstrip("/"), database
        self.table, self.key = table, key
        self.metadata_host = metadata_host
        self.session = None
        self.lock = threading.Lock()

    @staticmethod
    def from_environment(environ):
        """The store the environment configures, or None when MLCP_FEATURE_DATABASE is unset."""
        database = (environ.get("MLCP_FEATURE_DATABASE") or "").strip()
        if not database:
            return None
        short = SHORT_DATABASE.match(database)
        if short:
            project = (environ.get("MLCP_PROJECT_ID") or "").strip()
            if not project:
                raise ValueError("MLCP_FEATURE_DATABASE %r needs MLCP_PROJECT_ID" % database)
            database = "projects/%s/instances/%s/databases/%s" % (project, short.group(1),
                                                                 short.group(2))
        return FeatureStore(environ.get("MLCP_SPANNER_API") or "https://spanner.googleapis.com/v1",
                            database, environ.get("MLCP_FEATURE_TABLE") or "user_features",
                            environ.get("MLCP_FEATURE_KEY") or "user_id",
                            environ.get("GCE_METADATA_HOST"))

    def headers(self):
        headers = {"Content-Type": "application/json"}
        if self.metadata_host:
            request = urllib.request.Request(
                "http://%s/computeMetadata/v1/instance/service-accounts/default/token"
                % self.metadata_host, headers={"Metadata-Flavor": "Google"})
            with HTTP.open(request, timeout=10) as answer:
                token = json.loads(answer.read().decode("utf-8"))["access_token"]
            headers["Authorization"] = "Bearer " + token
        return headers

    def call(self, path, body):
        request = urllib.request.Request(self.api + "/" + path, method="POST",
                                         data=json.dumps(body).encode("utf-8"),
                                         headers=self.headers())
        with HTTP.open(request, timeout=10) as answer:
            return json.loads(answer.read().decode("utf-8") or "{}")

    def lookup(self, key):
        """The row of `key` as {column: value} (INT64 as numbers), None when there is none."""
        if not isinstance(key, (str, int)) or isinstance(key, bool) or len(str(key)) > MAX_KEY \
                or any(ord(c) < 32 for c in str(key)):
            raise ValueError("a feature key is a string or integer of at most %d characters"
                             % MAX_KEY)
        kind = "INT64" if re.match(r"^-?[0-9]{1,19}$", str(key)) else "STRING"
        body = {"sql": "SELECT * FROM `%s` WHERE `%s` = @key LIMIT 1" % (self.table, self.key),
                "params": {"key": str(key)}, "paramTypes": {"key": {"code": kind}},
                "transaction": {"singleUse": {"readOnly": {"strong": True}}}}
        for attempt in (1, 2):
            try:
                with self.lock:
                    if self.session is None:
                        self.session = self.call(self.database + "/sessions", {})["name"]
                    session = self.session
                result = self.call(session + ":executeSql", body)
                break
            except urllib.error.HTTPError as e:
                if e.code == 404 and attempt == 1:  # the session expired: make another
                    with self.lock:
                        self.session = None
                    continue
                raise FeatureError("Spanner answered %d" % e.code)
            except (OSError, ValueError, KeyError) as e:
                raise FeatureError("Spanner did not answer: %s" % e)
        fields = result.get("metadata", {}).get("rowType", {}).get("fields", [])
        rows = result.get("rows") or []
        if not rows:
            return None
        return {f.get("name"): typed(v, f.get("type", {})) for f, v in zip(fields, rows[0])}


def typed(value, kind):
    """A Spanner REST value as JSON: INT64 (a string on the wire) as a number."""
    if value is not None and kind.get("code") == "INT64":
        return int(value)
    return value


def enrich(instances, features):
    """Object instances holding the feature key get the looked-up features; theirs win."""
    if features is None:
        return instances
    out = []
    for row in instances:
        if isinstance(row, dict) and features.key in row:
            found = features.lookup(row[features.key])
            if found is None:
                raise ValueError("no features for %s %r" % (features.key, row[features.key]))
            row = dict(found, **row)
        out.append(row)
    return out


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

    def __init__(self, address, model, digest, revision, fail_rate, latency_ms, features=None):
        super().__init__(address, Handler)
        self.model, self.digest, self.revision = model, digest, revision
        self.fail_rate, self.latency_ms = fail_rate, latency_ms
        self.features = features


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
        path = self.path.split("?")[0]
        if path == "/healthz":
            self.answer(200, {"status": "ok", "revision": self.server.revision,
                              "modelSha256": self.server.digest})
        elif path.startswith("/v1/features/"):
            self.feature(urllib.parse.unquote(path[len("/v1/features/"):]))
        else:
            self.answer(404, {"error": "not found"})

    def feature(self, key):
        store = self.server.features
        if store is None:
            self.answer(501, {"error": "feature lookup not configured: set MLCP_FEATURE_DATABASE"})
            return
        try:
            row = store.lookup(key)
        except ValueError as e:
            self.answer(400, {"error": str(e)})
            return
        except FeatureError as e:
            self.answer(503, {"error": str(e)})
            return
        if row is None:
            self.answer(404, {"error": "no row with %s = %s in %s" % (store.key, key, store.table)})
            return
        self.answer(200, {"table": store.table, "key": key, "features": row,
                          "revision": self.server.revision})

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
            predictions = predict(self.server.model, enrich(instances, self.server.features))
        except (ValueError, AttributeError) as e:
            self.answer(400, {"error": str(e)})
            return
        except FeatureError as e:
            self.answer(503, {"error": str(e)})
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
        features = FeatureStore.from_environment(environ)
    except ModelError as e:
        print("model not served: %s" % e, file=sys.stderr, flush=True)
        return 3
    except ValueError as e:
        print("bad setting: %s" % e, file=sys.stderr, flush=True)
        return 2
    server = Server((environ.get("MLCP_BIND") or "0.0.0.0", port), model, digest,
                    environ.get("MLCP_REVISION") or "", fail_rate, latency, features)
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
