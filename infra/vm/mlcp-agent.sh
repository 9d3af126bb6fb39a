#!/usr/bin/env bash
# mlcp VM agent: the GCE startup script of every training VM, and the process behind each
# local-mode "VM". It reads the run from the metadata server, runs the run's container, uploads
# /outputs, publishes dev.mlcp.training.completed.v1 and then deletes its own instance.
# The contract (environment, metadata keys, event) is in README.md beside this file.
#
# Two rules shape this script:
#  - No VM is forgotten: whatever fails, the EXIT trap publishes the completion (with the failure
#    as `reason`) and deletes the instance.
#  - Nothing from the run request is evaluated by a shell: metadata values travel as argv
#    elements and files, JSON is parsed by python3, secret values and tokens never appear in a
#    process's arguments or in the log.
set -euo pipefail
umask 077
export LC_ALL=C # awk and date print numbers the way the JSON needs them

readonly METADATA_URL="${MLCP_METADATA_URL:-http://metadata.google.internal/computeMetadata/v1}"
readonly COMPUTE_API="${MLCP_COMPUTE_API:-https://compute.googleapis.com/compute/v1}"
readonly STORAGE_API="${MLCP_STORAGE_API:-https://storage.googleapis.com}"
readonly SECRETS_API="${MLCP_SECRETS_API:-https://secretmanager.googleapis.com/v1}"
readonly PUBSUB_API="${MLCP_PUBSUB_API:-https://pubsub.googleapis.com/v1}"
readonly STS_API="${MLCP_STS_API:-https://sts.googleapis.com/v1}"
readonly BIGQUERY_API="${MLCP_BIGQUERY_API:-https://bigquery.googleapis.com/bigquery/v2}"
readonly SPANNER_API="${MLCP_SPANNER_API:-https://spanner.googleapis.com/v1}"
readonly DELETE_GRACE_SECONDS="${MLCP_DELETE_GRACE_SECONDS:-60}"
readonly WORK_ROOT="${MLCP_WORK_DIR:-/var/lib/mlcp}"
readonly SECRETS_ROOT="${MLCP_SECRETS_DIR:-/dev/shm}"
readonly DOCKER="${MLCP_DOCKER:-docker}"
readonly IPTABLES="${MLCP_IPTABLES:-iptables}"
readonly CGROUP_ROOT="${MLCP_CGROUP_ROOT:-/sys/fs/cgroup}"
readonly SAMPLE_SECONDS="${MLCP_SAMPLE_SECONDS:-5}"
readonly RETRY_INITIAL_SECONDS="${MLCP_RETRY_INITIAL_SECONDS:-1}"
readonly RETRY_MAX_SECONDS="${MLCP_RETRY_MAX_SECONDS:-30}"
readonly HTTP_TIMEOUT_SECONDS="${MLCP_HTTP_TIMEOUT_SECONDS:-300}"
readonly PUBLISH_TIMEOUT_SECONDS="${MLCP_PUBLISH_TIMEOUT_SECONDS:-600}"
readonly DELETE_TIMEOUT_SECONDS="${MLCP_DELETE_TIMEOUT_SECONDS:-600}"
readonly PULL_ATTEMPTS="${MLCP_PULL_ATTEMPTS:-3}"
readonly TOKEN_SERVER_ADDRESS="${MLCP_TOKEN_SERVER_ADDRESS:-}"
readonly TOKEN_SERVER_PORT="${MLCP_TOKEN_SERVER_PORT:-8181}"
# The GCE metadata server (also metadata.google.internal): containers must not reach it.
readonly METADATA_IP=169.254.169.254
# Reserved under the output prefix for what the agent writes itself (the completion record).
readonly RECORD_DIR=_mlcp

# The run as read from metadata; empty until known.
RUN_ID=""
ATTEMPT=0
IMAGE=""
OUTPUT_URI=""
TOPIC=""
ACCELERATORS=0
INSTANCE=""
ZONE=""
PROJECT=""
BUCKET=""
PREFIX=""
COMMAND=()
ARGS=()

# What happened; read by finish().
STAGE="starting"
REASON=""
EXIT_CODE=-1
CONTAINER_RAN=0
AGENT_STARTED_AT=""
STARTED_EPOCH=""
STARTED_AT=""
FINISHED_EPOCH=""
FINISHED_AT=""
STOP_REQUESTED=0

WORK=""
OUTPUTS_DIR=""
INPUTS_DIR=""
INPUT_BYTES=0
SECRETS_DIR=""
ENV_FILE=""
AUTH=""
SAMPLER_PID=""
TOKEN_SERVER_PID=""
DOCKER_PID=""
HTTP_STATUS=000

# One python3 program for everything JSON, base64 and URL-encoding; subcommand first. Inputs
# arrive as file paths and argv, outputs go to files or stdout, never through eval.
IFS= read -r -d '' PY <<'PYTHON' || true
import base64, json, re, sys, urllib.parse

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SECRET_ID = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
SECRET_RESOURCE = re.compile(
    r"^projects/([A-Za-z0-9.:-]+)/secrets/([A-Za-z0-9_-]{1,255})(?:/versions/([A-Za-z0-9_-]+))?$")

def die(msg):
    sys.stderr.write(msg + "\n")
    sys.exit(1)

def load(path, default):
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except FileNotFoundError:
        return default
    if not text.strip():
        return default
    try:
        return json.loads(text)
    except ValueError as e:
        die("is not valid JSON: %s" % e)

def env_line(name, value, what):
    if not ENV_NAME.match(name):
        die("%s: '%s' is not a valid environment variable name" % (what, name))
    if "\n" in value or "\r" in value or "\0" in value:
        die("%s: the value of %s contains a newline or NUL, which an env file cannot carry"
            % (what, name))
    return "%s=%s\n" % (name, value)

def cmd_token(src, dst):
    token = load(src, {}).get("access_token")
    if not isinstance(token, str) or not token:
        die("the token response has no access_token")
    with open(dst, "w") as f:
        f.write("Authorization: Bearer %s\n" % token)

def cmd_token_value(src):
    sys.stdout.write(load(src, {}).get("access_token", ""))

def cmd_argv(src, dst, what):
    value = load(src, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        die("%s must be a JSON array of strings" % what)
    with open(dst, "wb") as f:
        for v in value:
            if "\0" in v:
                die("%s: an element contains NUL" % what)
            f.write(v.encode("utf-8") + b"\0")

def cmd_env(src, dst, *fixed):
    value = load(src, {})
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        die("mlcp-env must be a JSON object of strings")
    with open(dst, "w") as f:
        for name, v in value.items():
            f.write(env_line(name, v, "mlcp-env"))
        for pair in fixed:
            name, _, v = pair.partition("=")
            # "?NAME=value": a default, unless mlcp-env sets NAME itself.
            if name.startswith("?"):
                name = name[1:]
                if name in value:
                    continue
            f.write(env_line(name, v, "agent"))

def env_name_for(secret_id):
    return re.sub(r"[^A-Za-z0-9]", "_", secret_id).upper()

def resource(spec, project):
    m = SECRET_RESOURCE.match(spec)
    if m:
        return m.group(2), "projects/%s/secrets/%s/versions/%s" % (
            m.group(1), m.group(2), m.group(3) or "latest")
    if SECRET_ID.match(spec):
        return spec, "projects/%s/secrets/%s/versions/latest" % (project, spec)
    die("mlcp-secrets: '%s' is neither a secret id nor projects/P/secrets/S[/versions/V]" % spec)

def cmd_secrets(src, dst, project):
    value = load(src, [])
    pairs = []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        for spec in value:
            secret_id, res = resource(spec, project)
            pairs.append((env_name_for(secret_id), res))
    elif isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        for name, spec in value.items():
            pairs.append((name, resource(spec, project)[1]))
    else:
        die("mlcp-secrets must be a JSON array of secret names or an object {ENV: secret}")
    with open(dst, "wb") as f:
        for name, res in pairs:
            if not ENV_NAME.match(name):
                die("mlcp-secrets: '%s' is not a valid environment variable name" % name)
            f.write(name.encode() + b"\0" + res.encode() + b"\0")

def cmd_secret_value(src, name, dst):
    payload = load(src, {}).get("payload") or {}
    try:
        value = base64.b64decode(payload.get("data", ""), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        die("secret for %s is not UTF-8 text" % name)
    with open(dst, "a") as f:
        f.write(env_line(name, value, "secret for " + name))

def cmd_urlencode(value):
    sys.stdout.write(urllib.parse.quote(value, safe=""))

def cmd_gcs_uri(uri):
    m = re.match(r"^gs://([a-z0-9][a-z0-9._-]{1,221}[a-z0-9])(/.*)?$", uri)
    if not m:
        die("mlcp-output-uri '%s' is not gs://BUCKET/PREFIX/" % uri)
    prefix = (m.group(2) or "/").lstrip("/")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    sys.stdout.write(m.group(1) + "\0" + prefix + "\0")

GCS_INPUT = re.compile(r"^gs://([a-z0-9][a-z0-9._-]{1,221}[a-z0-9])(?:/(.*))?$", re.S)
# Object prefixes go into CEL string literals: no quote, backslash, wildcard or control character.
CEL_SAFE = re.compile(r"^[^\x00-\x1f\x7f'\\*?\[\]]*$")
MAX_RULES = 10  # a Credential Access Boundary holds at most 10 rules

def objects(bucket, prefix):
    return "resource.name.startsWith('projects/_/buckets/%s/objects/%s')" % (bucket, prefix)

def listing(prefix):
    return ("api.getAttribute('storage.googleapis.com/objectListPrefix', '').startsWith('%s')"
            % prefix)

def rule(bucket, roles, title, expression):
    r = {"availableResource": "//storage.googleapis.com/projects/_/buckets/" + bucket,
         "availablePermissions": ["inRole:" + role for role in roles]}
    if expression:
        r["availabilityCondition"] = {"title": title, "expression": expression}
    return r

def cmd_boundary(src, staging_bucket, staging_prefix, reserved, dst):
    """The Credential Access Boundary of the container's token: read on the run's gs:// inputs
    (mlcp-inputs; other schemes are not this boundary's business), create and read under the
    run's staging prefix except the agent's reserved directory."""
    value = load(src, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        die("mlcp-inputs must be a JSON array of strings (gs://BUCKET/PREFIX URIs)")
    inputs = {}
    for uri in value:
        if not uri.startswith("gs://"):
            continue
        m = GCS_INPUT.match(uri)
        if not m or not CEL_SAFE.match(m.group(2) or ""):
            die("mlcp-inputs: %s is not gs://BUCKET[/PREFIX] without quotes, backslashes, wildcards"
                " or control characters" % json.dumps(uri))
        inputs.setdefault(m.group(1), set()).add(m.group(2) or "")
    if not CEL_SAFE.match(staging_prefix):
        die("mlcp-output-uri: the prefix cannot be put in a credential access boundary")
    if len(inputs) + 1 > MAX_RULES:
        die("mlcp-inputs names %d buckets; a credential access boundary holds at most %d"
            % (len(inputs), MAX_RULES - 1))
    rules = []
    for bucket in sorted(inputs):
        # A prefix inside another grants nothing more: keep the shortest.
        prefixes = sorted(inputs[bucket])
        kept = [p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)]
        expression = None
        if "" not in kept:
            expression = " || ".join([objects(bucket, p) for p in kept] + [listing(p) for p in kept])
        rules.append(rule(bucket, ["roles/storage.objectViewer"], "mlcp run inputs", expression))
    # The reserved directory first: with an empty prefix the listing test alone holds for all.
    staging = "!%s && (%s || %s)" % (
        objects(staging_bucket, staging_prefix + reserved + "/"),
        objects(staging_bucket, staging_prefix),
        listing(staging_prefix))
    rules.append(rule(staging_bucket, ["roles/storage.objectCreator", "roles/storage.objectViewer"],
                      "mlcp run staging", staging))
    with open(dst, "w") as f:
        json.dump({"accessBoundary": {"accessBoundaryRules": rules}}, f)

def cmd_publish_body(dst, record_dst, ce_id, ce_source, ce_time, run_id, attempt, instance, zone,
                     exit_code, output_uri, wall, cpu, rss, gpu, started_at, finished_at, reason,
                     input_bytes="0"):
    data = {
        "runId": run_id,
        "attempt": int(attempt),
        "instance": instance,
        "zone": zone,
        "exitCode": int(exit_code),
        "outputUri": output_uri or None,
        "resourceUse": {
            "wallSeconds": float(wall),
            "cpuSeconds": float(cpu),
            "maxRssBytes": int(rss),
            "gpuSeconds": float(gpu),
            "inputBytes": int(input_bytes),
        },
        "startedAt": started_at or None,
        "finishedAt": finished_at or None,
        "reason": reason or None,
    }
    data = {k: v for k, v in data.items() if v is not None}
    attributes = {
        "ce-specversion": "1.0",
        "ce-type": "dev.mlcp.training.completed.v1",
        "ce-source": ce_source,
        "ce-id": ce_id,
        "ce-time": ce_time,
        "ce-subject": run_id,
        "content-type": "application/json",
    }
    encoded = base64.b64encode(json.dumps(data).encode("utf-8")).decode("ascii")
    with open(dst, "w") as f:
        json.dump({"messages": [{"data": encoded, "attributes": attributes}]}, f)
    # The same event in CloudEvents structured mode: the completion record.
    record = {k[len("ce-"):]: v for k, v in attributes.items() if k.startswith("ce-")}
    record["datacontenttype"] = attributes["content-type"]
    record["data"] = data
    with open(record_dst, "w") as f:
        json.dump(record, f)

commands = {
    "token": cmd_token, "token-value": cmd_token_value, "argv": cmd_argv, "env": cmd_env,
    "secrets": cmd_secrets, "secret-value": cmd_secret_value, "urlencode": cmd_urlencode,
    "gcs-uri": cmd_gcs_uri, "publish-body": cmd_publish_body, "boundary": cmd_boundary,
}
commands[sys.argv[1]](*sys.argv[2:])
PYTHON
readonly PY

# The container's metadata server: a metadata-compatible endpoint that answers only
# GET /computeMetadata/v1/instance/service-accounts/default/token (with Metadata-Flavor: Google),
# with the VM's token downscoped by STS to the run's Credential Access Boundary. Everything else is
# 404 (403 without the header, or with X-Forwarded-For, as on GCE). It never logs a token.
# argv: ADDRESS PORT PORT_FILE BOUNDARY_FILE METADATA_URL STS_URL; writes the bound port to
# PORT_FILE once it listens (PORT 0: any free port).
IFS= read -r -d '' TOKEN_SERVER <<'PYTHON' || true
import json, os, socketserver, sys, threading, time, urllib.error, urllib.parse, urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token"
SA_INFO_PATH = "/computeMetadata/v1/instance/service-accounts/default/"
# Harmless facts Google's client libraries read before asking for a token (they detect "GCE" by
# a 200 on / and read the account's email and the project): passed through from the real metadata
# server. Everything else (attributes, identity tokens, other accounts) stays 404.
PASS_THROUGH = {
    "/computeMetadata/v1/project/project-id",
    "/computeMetadata/v1/project/numeric-project-id",
    "/computeMetadata/v1/instance/service-accounts/default/email",
    "/computeMetadata/v1/instance/zone",
}
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
REFRESH_MARGIN_SECONDS = 60

address, port, port_file, boundary_file, metadata_url, sts_url = sys.argv[1:7]
with open(boundary_file) as f:
    boundary = json.dumps(json.load(f))
# Straight to the metadata server and STS, whatever proxy the environment names.
http = urllib.request.build_opener(urllib.request.ProxyHandler({}))
lock = threading.Lock()
cache = {"token": None, "expiry": 0.0}

def log(message):
    sys.stderr.write("%s mlcp-token-server: %s\n"
                     % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), message))

def fetch_json(request):
    with http.open(request, timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))

def downscoped():
    with lock:
        now = time.time()
        if cache["token"] and cache["expiry"] - now > REFRESH_MARGIN_SECONDS:
            return cache["token"], int(cache["expiry"] - now)
        source = fetch_json(urllib.request.Request(
            metadata_url + "/instance/service-accounts/default/token",
            headers={"Metadata-Flavor": "Google"}))
        form = urllib.parse.urlencode({
            "grant_type": EXCHANGE,
            "subject_token_type": ACCESS_TOKEN,
            "requested_token_type": ACCESS_TOKEN,
            "subject_token": source["access_token"],
            "options": boundary,
        }).encode("ascii")
        answer = fetch_json(urllib.request.Request(
            sts_url + "/token", data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"}))
        token = answer["access_token"]
        # A downscoped token lives as long as its source when STS does not say.
        expires = int(answer.get("expires_in") or source.get("expires_in") or 0)
        if not isinstance(token, str) or not token or expires <= 0:
            raise ValueError("no usable access_token")
        cache.update(token=token, expiry=now + expires)
        return token, expires

def describe(error):
    if isinstance(error, urllib.error.HTTPError):
        return "%s answered %d" % (error.url.split("?")[0], error.code)
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return type(error).__name__

class Handler(BaseHTTPRequestHandler):
    def answer(self, status, body, content_type="text/plain"):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Metadata-Flavor", "Google")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def refused(self):
        if (self.headers.get("Metadata-Flavor") != "Google"
                or self.headers.get("X-Forwarded-For") is not None):
            self.answer(403, "Missing Metadata-Flavor:Google header.\n")
            return True
        return False

    def metadata(self, path):
        with http.open(urllib.request.Request(
                metadata_url + path[len("/computeMetadata/v1"):],
                headers={"Metadata-Flavor": "Google"}), timeout=10) as response:
            return response.read().decode("utf-8")

    def do_GET(self):
        if self.refused():
            return
        path = urllib.parse.urlsplit(self.path).path
        try:
            if path in ("/", "/computeMetadata/v1/", "/computeMetadata/v1"):
                self.answer(200, "computeMetadata/\n")
                return
            if path in PASS_THROUGH:
                self.answer(200, self.metadata(path))
                return
            if path == SA_INFO_PATH:
                email = self.metadata(SA_INFO_PATH + "email")
                self.answer(200, json.dumps({
                    "aliases": ["default"], "email": email,
                    "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}),
                    "application/json")
                return
        except Exception as e:
            log("metadata pass-through of %s failed: %s" % (path, describe(e)))
            self.answer(502, "metadata unavailable\n")
            return
        if path != TOKEN_PATH:
            self.answer(404, "Not found\n")
            return
        try:
            token, expires = downscoped()
        except Exception as e:  # the container's client retries; the reason goes to the log
            log("token exchange failed: %s" % describe(e))
            self.answer(502, "token exchange failed\n")
            return
        self.answer(200, json.dumps(
            {"access_token": token, "expires_in": expires, "token_type": "Bearer"}),
            "application/json")

    def do_other(self):
        if not self.refused():
            self.answer(404, "Not found\n")

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_other

    def log_message(self, format, *args):
        pass

class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True

try:
    server = Server((address, int(port)), Handler)
except OSError as e:
    log("cannot listen on %s:%s: %s" % (address, port, e.strerror))
    sys.exit(1)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
PYTHON
readonly TOKEN_SERVER

# The run's inputs, materialized before the container starts (mlcp-input-plan, resolved and
# validated by training-runner at submit; this only executes it): gcs entries are downloaded
# (registry files checked against their SHA-256, other objects against Cloud Storage's MD5),
# bigquery entries exported server-side to Parquet on GCS by a job and then downloaded, spanner
# entries read in a single-use read-only snapshot into JSON Lines. Everything streams in 1 MiB
# pieces, so the agent's memory does not grow with the input. Writes <inputs>/<n>/…,
# <inputs>/manifest.json and the total bytes to RESULT (on failure, the reason naming the input to
# RESULT.error).
# argv: PLAN INPUTS_DIR METADATA_URL STORAGE_API BIGQUERY_API SPANNER_API JOB_PREFIX RESULT RETRY_SECONDS
IFS= read -r -d '' MATERIALIZER <<'PYTHON' || true
import base64, concurrent.futures, hashlib, json, os, re, shutil, subprocess, sys, threading, time
import urllib.error, urllib.parse, urllib.request

(plan_file, inputs_dir, metadata_url, storage_api, bigquery_api, spanner_api, job_prefix,
 result_file, retry_seconds) = sys.argv[1:10]
RETRY_SECONDS = float(retry_seconds)
CHUNK = 1 << 20
# Objects downloaded at once: many small files are bound by round trips, not bandwidth.
PARALLEL = 8
# Objects are downloaded by curl (C, its own connections; Python threads moving the bytes spent
# most of their time waiting for the GIL), in batches of at most BATCH_FILES files or BATCH_BYTES
# bytes: the next batch downloads while this one is checked, and each batch gets a fresh token.
# Without curl, or when curl's file does not check out, Python downloads the object itself.
CURL = shutil.which("curl")
BATCH_FILES = 64
BATCH_BYTES = 256 << 20
# What curl's config syntax cannot carry in a quoted string (such names go through Python).
UNQUOTABLE = re.compile(r"[\x00-\x1f\x7f]")
GCS = re.compile(r"^gs://([a-z0-9][a-z0-9._-]{1,221}[a-z0-9])(?:/(.*))?$", re.S)
HEX64 = re.compile(r"^[0-9a-f]{64}$")
# Under a run's output prefix, what the agent itself wrote (infra/vm README, completion record).
RESERVED = "_mlcp/"
# Straight to Google's APIs (or the local stand-ins), whatever proxy the environment names.
http = urllib.request.build_opener(urllib.request.ProxyHandler({}))
token = {"value": None, "at": 0.0}
token_lock = threading.Lock()

class Failed(Exception):
    """Fails the run; the message names the input."""

def log(message):
    sys.stderr.write("%s mlcp-agent: %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                               message))

def auth():
    # The VM's token, fetched again every 5 minutes: a large input outlives one token.
    with token_lock:
        if token["value"] is None or time.time() - token["at"] > 300:
            request = urllib.request.Request(
                metadata_url + "/instance/service-accounts/default/token",
                headers={"Metadata-Flavor": "Google"})
            with http.open(request, timeout=30) as response:
                token["value"] = json.loads(response.read().decode("utf-8"))["access_token"]
                token["at"] = time.time()
        return {"Authorization": "Bearer " + token["value"]}

def retryable(error):
    if isinstance(error, urllib.error.HTTPError):
        return error.code == 429 or error.code >= 500
    return isinstance(error, (urllib.error.URLError, OSError, TimeoutError))

def describe(error):
    if isinstance(error, urllib.error.HTTPError):
        try:
            detail = json.loads(error.read().decode("utf-8")).get("error", {}).get("message", "")
        except Exception:
            detail = ""
        return "%s answered %d%s" % (error.url.split("?")[0], error.code,
                                     (": " + detail[:300]) if detail else "")
    return "%s: %s" % (type(error).__name__, getattr(error, "reason", error))

def call(method, url, body=None, what="request", stream=None):
    """One API call with retries (no answer, 429, 5xx); returns parsed JSON, or calls stream."""
    delay, deadline = 1.0, time.time() + RETRY_SECONDS
    while True:
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = dict(auth())
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with http.open(request, timeout=300) as response:
                if stream is not None:
                    return stream(response)
                text = response.read().decode("utf-8")
                return json.loads(text) if text.strip() else {}
        except Exception as e:  # classified below; the message names the input
            if isinstance(e, Failed):
                raise
            if not retryable(e) or time.time() >= deadline:
                raise Failed("%s: %s" % (what, describe(e)))
            log("%s: %s; retrying in %.0fs" % (what, describe(e), delay))
            time.sleep(delay)
            delay = min(delay * 2, 30)

def q(text):
    return urllib.parse.quote(text, safe="")

def safe_path(root, relative):
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        raise Failed("object name %s cannot be a file under /inputs" % json.dumps(relative))
    path = os.path.join(root, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path

def download(bucket, name, path, what):
    """Streams one object to path in CHUNK pieces (memory stays flat); returns (bytes, sha256, md5)."""
    url = "%s/storage/v1/b/%s/o/%s?alt=media" % (storage_api, q(bucket), q(name))
    def write(response):
        sha, md5, size = hashlib.sha256(), hashlib.md5(), 0
        # One buffer, read into: a fresh 1 MiB object per chunk costs an mmap and its page faults.
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        with open(path, "wb", buffering=0) as f:
            while True:
                n = response.readinto(buffer)
                if not n:
                    break
                f.write(view[:n])
                sha.update(view[:n])
                md5.update(view[:n])
                size += n
        return size, sha.hexdigest(), base64.b64encode(md5.digest()).decode("ascii")
    return call("GET", url, what=what, stream=write)

def hash_file(path):
    """(bytes, sha256 hex, md5 base64) of a file, read in CHUNK pieces."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(), 0
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as f:
        while True:
            n = f.readinto(buffer)
            if not n:
                break
            sha.update(view[:n])
            md5.update(view[:n])
            size += n
    return size, sha.hexdigest(), base64.b64encode(md5.digest()).decode("ascii")

def listing(bucket, prefix, what):
    token_ = None
    while True:
        url = "%s/storage/v1/b/%s/o?prefix=%s&fields=%s" % (
            storage_api, q(bucket), q(prefix), q("items(name,size,md5Hash),nextPageToken"))
        if token_:
            url += "&pageToken=" + q(token_)
        page = call("GET", url, what=what)
        for item in page.get("items", []):
            yield item
        token_ = page.get("nextPageToken")
        if not token_:
            return

def fetch_object(bucket, name, relative, target, source, expected_sha=None, expected_md5=None,
                 expected_size=None):
    path = safe_path(target, relative)
    what = "input %s: gs://%s/%s" % (source, bucket, name)
    size, sha, md5 = download(bucket, name, path, what)
    return checked(relative, source, size, sha, md5, expected_sha, expected_md5, expected_size)

def checked(relative, source, size, sha, md5, expected_sha=None, expected_md5=None,
            expected_size=None):
    if expected_sha is not None and sha != expected_sha:
        raise Failed("input %s: checksum mismatch on %s: SHA-256 %s, the registry says %s"
                     % (source, relative, sha, expected_sha))
    if expected_md5 and md5 != expected_md5:
        raise Failed("input %s: checksum mismatch on %s: MD5 %s, Cloud Storage says %s"
                     % (source, relative, md5, expected_md5))
    if expected_size is not None and int(expected_size) != size:
        raise Failed("input %s: %s has %d bytes, expected %s" % (source, relative, size,
                                                                 expected_size))
    return {"name": relative, "bytes": size, "sha256": sha}

def config_string(text):
    """A curl config file string: double-quoted, backslash and quote escaped."""
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')

def curl_batch(batch):
    """Downloads a batch of jobs with one curl, PARALLEL at a time. Its result is not trusted:
    every file is checked afterwards (verify). The config, token included, goes on stdin, never
    into argv or a file."""
    lines = ["parallel", "parallel-max = %d" % PARALLEL, "globoff", 'noproxy = "*"', "silent",
             "fail", "retry = 3", "connect-timeout = 30", "speed-limit = 1", "speed-time = 60",
             "header = " + config_string("Authorization: " + auth()["Authorization"])]
    for (bucket, name, relative, target, _), _ in batch:
        lines.append("url = " + config_string("%s/storage/v1/b/%s/o/%s?alt=media" % (
            storage_api, q(bucket), q(name))))
        lines.append("output = " + config_string(safe_path(target, relative)))
    subprocess.run([CURL, "--disable", "--config", "-"], input="\n".join(lines).encode("utf-8"),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

def verify(args, kwargs):
    """A file curl downloaded, checked against its size and checksums; anything off (no file,
    short, a mismatch) and Python downloads it again, with retries and the failure named."""
    try:
        size, sha, md5 = hash_file(safe_path(args[3], args[2]))
        return checked(args[2], args[4], size, sha, md5, **kwargs)
    except (OSError, Failed):
        return fetch_object(*args, **kwargs)

def by_curl(args, kwargs):
    """Whether curl may fetch a job: its size is known (a failed transfer cannot pass as done) and
    its name fits a curl config string."""
    size = kwargs.get("expected_size")
    return (CURL is not None and size is not None and str(size).isdigit()
            and not UNQUOTABLE.search(args[2]))

def many(jobs):
    """Jobs for curl: only when there are several (one object streams through Python, hashed while
    it downloads: curl would add a second pass over it and no parallelism)."""
    return [i for i, job in enumerate(jobs) if by_curl(*job)] if len(jobs) > 1 else []

def batches(jobs):
    batch, size = [], 0
    for i, (args, kwargs) in enumerate(jobs):
        batch.append(i)
        size += int(kwargs["expected_size"])
        if len(batch) >= BATCH_FILES or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch

def fetch_all(jobs):
    """Downloads (fetch_object arguments), PARALLEL at a time, every file checked; results in the
    jobs' order."""
    futures = [None] * len(jobs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        try:
            fast = many(jobs)
            by_python = set(range(len(jobs))) - set(fast)
            for i, (args, kwargs) in enumerate(jobs):
                if i in by_python:
                    futures[i] = pool.submit(fetch_object, *args, **kwargs)
            for batch in batches([jobs[i] for i in fast]):
                curl_batch([jobs[fast[i]] for i in batch])
                for i in batch:
                    futures[fast[i]] = pool.submit(verify, *jobs[fast[i]])
            return [f.result() for f in futures]
        except BaseException:
            for f in futures:
                if f is not None:
                    f.cancel()
            raise

def prefix_jobs(bucket, prefix, target, source):
    jobs = []
    for item in listing(bucket, prefix, "input %s" % source):
        relative = item["name"][len(prefix):]
        if item["name"].endswith("/") or relative.startswith(RESERVED):
            continue  # a folder placeholder, or another run's agent records (completion, exports)
        jobs.append(((bucket, item["name"], relative, target, source),
                     {"expected_md5": item.get("md5Hash"), "expected_size": item.get("size")}))
    return jobs

def gcs(entry, target):
    m = GCS.match(entry.get("uri") or "")
    if not m:
        raise Failed("input %s: %s is not gs://BUCKET/PATH" % (entry["source"], entry.get("uri")))
    bucket, name, source = m.group(1), m.group(2) or "", entry["source"]
    if entry.get("files"):
        # A registry version: exactly its manifest's files, each checked against its SHA-256.
        prefix = name if name.endswith("/") or not name else name + "/"
        jobs = []
        for f in entry["files"]:
            if not HEX64.match(f.get("sha256") or ""):
                raise Failed("input %s: the plan lists %s without a SHA-256" % (source,
                                                                               f.get("path")))
            jobs.append(((bucket, prefix + f["path"], f["path"], target, source),
                         {"expected_sha": f["sha256"], "expected_size": f.get("size")}))
        return fetch_all(jobs), None
    if name and not name.endswith("/"):
        try:
            meta = call("GET", "%s/storage/v1/b/%s/o/%s" % (storage_api, q(bucket), q(name)),
                        what="input %s" % source)
            return fetch_all([((bucket, name, name.rsplit("/", 1)[-1], target, source),
                               {"expected_md5": meta.get("md5Hash"),
                                "expected_size": meta.get("size")})]), None
        except Failed as e:
            if " answered 404" not in str(e):
                raise
        name += "/"
    jobs = prefix_jobs(bucket, name, target, source)
    if not jobs:
        raise Failed("input %s: no objects under gs://%s/%s" % (source, bucket, name))
    return fetch_all(jobs), None

def bigquery(entry, target):
    """A server-side export to Parquet on GCS (the rows never pass through this VM as rows)."""
    source, project = entry["source"], entry["project"]
    export = entry["exportUri"].rstrip("/") + "/"
    if "'" in export or "\\" in export:
        raise Failed("input %s: export URI %s cannot be quoted" % (source, export))
    job_id = re.sub(r"[^A-Za-z0-9_-]", "_", "%s-in%d" % (job_prefix, entry["n"]))
    if entry.get("table"):
        p, d, t = entry["table"].split(".", 2)
        configuration = {"extract": {
            "sourceTable": {"projectId": p, "datasetId": d, "tableId": t},
            "destinationUris": [export + "part-*.parquet"], "destinationFormat": "PARQUET"}}
    else:
        configuration = {"query": {
            "query": "EXPORT DATA OPTIONS (uri = '%spart-*.parquet', format = 'PARQUET',"
                     " overwrite = true) AS\n%s" % (export, entry["query"]),
            "useLegacySql": False,
            "maximumBytesBilled": str(entry.get("maxBytesBilled") or 0)}}
    jobs = "%s/projects/%s/jobs" % (bigquery_api, q(project))
    what = "input %s: BigQuery export job %s" % (source, job_id)
    try:
        job = call("POST", jobs, {"jobReference": {"projectId": project, "jobId": job_id},
                                  "configuration": configuration}, what=what)
    except Failed as e:
        if " answered 409" not in str(e):  # the same attempt's job, started before a restart
            raise
        job = {"jobReference": {"projectId": project, "jobId": job_id}}
    location = job.get("jobReference", {}).get("location")
    delay = 1.0
    while job.get("status", {}).get("state") != "DONE":
        time.sleep(delay)
        delay = min(delay * 2, 10)
        url = "%s/%s" % (jobs, q(job_id)) + ("?location=" + q(location) if location else "")
        job = call("GET", url, what=what)
    error = job.get("status", {}).get("errorResult")
    if error:
        raise Failed("%s failed: %s" % (what, error.get("message", error.get("reason"))))
    stats = job.get("statistics", {})
    rows = (stats.get("query", {}).get("exportDataStatistics", {}).get("rowCount")
            or stats.get("extract", {}).get("rowCount"))
    m = GCS.match(export)
    files = fetch_all(prefix_jobs(m.group(1), m.group(2) or "", target, source))
    return files, {"jobId": job_id, "rows": int(rows) if rows is not None else None}

def merge(a, b):
    """Spanner's chunked values: strings concatenate, lists merge their boundary elements."""
    if isinstance(a, str) and isinstance(b, str):
        return a + b
    if isinstance(a, list) and isinstance(b, list):
        if a and b and isinstance(a[-1], (str, list)) and type(a[-1]) is type(b[0]):
            return a[:-1] + [merge(a[-1], b[0])] + b[1:]
        return a + b
    raise Failed("cannot merge chunked values of types %s and %s" % (type(a), type(b)))

def partial_results(response):
    """PartialResultSets of a streaming REST answer (a JSON array, or concatenated objects), one
    at a time: the buffer holds at most one message plus a read chunk."""
    decoder, buffer = json.JSONDecoder(), ""
    while True:
        chunk = response.read(65536)
        if chunk:
            buffer += chunk.decode("utf-8")
        while True:
            stripped = buffer.lstrip(" \t\r\n[,]")
            if not stripped:
                buffer = ""
                break
            try:
                message, end = decoder.raw_decode(stripped)
            except ValueError:
                if not chunk:
                    raise Failed("the Spanner answer ended mid-message")
                buffer = stripped
                break
            buffer = stripped[end:]
            if "error" in message:
                raise Failed("Spanner: %s" % message["error"].get("message", message["error"]))
            yield message.get("result", message)
        if not chunk:
            return

def typed(value, kind):
    if value is None:
        return None
    code = kind.get("code")
    if code == "INT64":
        return int(value)
    if code == "ARRAY":
        return [typed(v, kind.get("arrayElementType", {})) for v in value]
    return value

def spanner(entry, target):
    """A single-use read-only snapshot at the plan's staleness, streamed into JSON Lines (Python's
    standard library has no Parquet writer)."""
    source = entry["source"]
    database = "projects/%s/instances/%s/databases/%s" % (entry["project"], entry["instance"],
                                                          entry["database"])
    what = "input %s" % source
    session = call("POST", "%s/%s/sessions" % (spanner_api, database), {}, what=what)["name"]
    path = safe_path(target, "data.jsonl")
    result = {"rows": 0}
    def write(response):
        sha, size, rows, names, kinds, pending, chunked = hashlib.sha256(), 0, 0, None, None, [], False
        with open(path, "wb") as f:
            for part in partial_results(response):
                if names is None:
                    fields = part.get("metadata", {}).get("rowType", {}).get("fields", [])
                    names = [x.get("name") or "_%d" % i for i, x in enumerate(fields)]
                    kinds = [x.get("type", {}) for x in fields]
                values = part.get("values", [])
                if chunked and pending and values:
                    pending[-1] = merge(pending[-1], values[0])
                    values = values[1:]
                pending.extend(values)
                chunked = bool(part.get("chunkedValue"))
                width = max(len(names), 1)
                complete = len(pending) - (1 if chunked else 0)
                whole = complete - complete % width
                for i in range(0, whole, width):
                    row = {names[j]: typed(pending[i + j], kinds[j]) for j in range(len(names))}
                    line = (json.dumps(row, separators=(",", ":")) + "\n").encode("utf-8")
                    f.write(line)
                    sha.update(line)
                    size += len(line)
                    rows += 1
                del pending[:whole]
        if pending:
            raise Failed("%s: the answer ended inside a row" % what)
        result.update(rows=rows, bytes=size, sha256=sha.hexdigest())
        return result
    body = {"sql": entry["sql"],
            "transaction": {"singleUse": {"readOnly": {"maxStaleness": staleness(entry)}}}}
    try:
        call("POST", "%s/%s:executeStreamingSql" % (spanner_api, session), body, what=what,
             stream=write)
    finally:
        try:
            call("DELETE", "%s/%s" % (spanner_api, session), what="delete session")
        except Exception:
            pass
    return ([{"name": "data.jsonl", "bytes": result["bytes"], "sha256": result["sha256"]}],
            {"rows": result["rows"], "format": "jsonl"})

def staleness(entry):
    m = re.match(r"^([0-9]{1,9})ms$", entry.get("maxStaleness") or "0ms")
    if not m:
        raise Failed("input %s: maxStaleness %s is not <N>ms" % (entry["source"],
                                                                entry.get("maxStaleness")))
    return "%.3fs" % (int(m.group(1)) / 1000.0)

def reason(message):
    """The run's failure reason: to the agent (result_file.error) and its log."""
    with open(result_file + ".error", "w") as f:
        f.write(message[:900])
    log(message[:900])
    sys.exit(1)

KINDS = {"gcs": gcs, "bigquery": bigquery, "spanner": spanner}

def main():
    with open(plan_file, "rb") as f:
        plan = json.loads(f.read().decode("utf-8") or "[]")
    if not isinstance(plan, list):
        raise Failed("mlcp-input-plan must be a JSON array")
    manifest, total = [], 0
    for entry in plan:
        if not isinstance(entry, dict) or entry.get("kind") not in KINDS \
                or not isinstance(entry.get("n"), int) or not 0 <= entry["n"] < 1000:
            raise Failed("mlcp-input-plan: entry %s is not an input of a known kind"
                         % json.dumps(entry)[:200])
        target = os.path.join(inputs_dir, str(entry["n"]))
        os.makedirs(target, exist_ok=True)
        started = time.time()
        files, extra = KINDS[entry["kind"]](entry, target)
        size = sum(f["bytes"] for f in files)
        total += size
        record = {"n": entry["n"], "source": entry["source"], "kind": entry["kind"],
                  "path": "/inputs/%d" % entry["n"], "bytes": size, "files": files}
        if entry.get("sha256"):
            record["sha256"] = entry["sha256"]
        record.update({k: v for k, v in (extra or {}).items() if v is not None})
        manifest.append(record)
        log("input %d (%s): %d files, %d bytes in %.1fs" % (entry["n"], entry["source"],
                                                           len(files), size,
                                                           time.time() - started))
    with open(os.path.join(inputs_dir, "manifest.json"), "w") as f:
        json.dump({"inputs": manifest}, f, indent=1)
    with open(result_file, "w") as f:
        f.write(str(total))

try:
    main()
except Failed as e:
    reason(str(e))
except (OSError, ValueError, KeyError, TypeError) as e:
    reason("materializing inputs failed: %s: %s" % (type(e).__name__, e))
PYTHON
readonly MATERIALIZER

# The interpreter itself, resolved once at start (resolve_python): a version manager's shim (pyenv,
# asdf) costs several processes per call, and the agent calls python a few dozen times.
PYTHON=python3
resolve_python() {
  command -v python3 >/dev/null || fail "python3 is required on the VM image"
  PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || PYTHON=python3
  [[ -x $PYTHON ]] || PYTHON=python3
}

py() { "$PYTHON" -c "$PY" "$@"; }

# The last line python3 wrote to stderr: its message, or an unexpected exception's summary.
py_error() { tail -n 1 "$WORK/py.err"; }

log() { printf '%s mlcp-agent: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

# Ends the run early; the EXIT trap reports `reason` and deletes the instance.
fail() {
  REASON=$1
  log "failed: $REASON"
  exit 1
}

now_epoch() { date -u +%s.%N; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.%3NZ; }

# Interruptible sleep: a trapped signal ends it at once.
pause() {
  local pid
  sleep "$1" &
  pid=$!
  wait "$pid" || kill "$pid" 2>/dev/null || true
}

# http METHOD URL OUTFILE [curl args...]: one request; sets HTTP_STATUS (000: no response).
# --globoff: curl would otherwise expand {a,b} and [1-9] in URLs and in -T paths, and a container
# could name an output `{..}/{..}/etc/shadow` to make the agent upload a host file.
http() {
  local method=$1 url=$2 out=$3
  shift 3
  HTTP_STATUS=$(curl -sS --globoff -X "$method" -o "$out" -w '%{http_code}' \
    --connect-timeout 10 --speed-limit 1 --speed-time 60 "$@" --url "$url") || true
  [[ $HTTP_STATUS =~ ^[0-9]{3}$ ]] || HTTP_STATUS=000
}

retryable() { [[ $1 == 000 || $1 == 429 || $1 == 5[0-9][0-9] ]]; }

# backoff DEADLINE WHAT ATTEMPT [args...]: the one exponential backoff loop. Runs ATTEMPT args...;
# its answer 2 means "worth another try": unless SECONDS has reached DEADLINE (then backoff returns
# 2), backoff logs "WHAT answered $HTTP_STATUS; retrying in Ns", waits (interruptibly) and tries
# again, the wait doubling from RETRY_INITIAL_SECONDS up to RETRY_MAX_SECONDS. Any other answer
# (0 done, 1 failed, ...) ends it and is returned.
backoff() {
  local deadline=$1 what=$2 delay=$RETRY_INITIAL_SECONDS rc
  shift 2
  while :; do
    rc=0
    "$@" || rc=$?
    ((rc == 2)) || return "$rc"
    ((SECONDS < deadline)) || return 2
    log "$what answered $HTTP_STATUS; retrying in ${delay}s"
    pause "$delay"
    delay=$(awk -v d="$delay" -v m="$RETRY_MAX_SECONDS" 'BEGIN { d *= 2; print (d > m ? m : d) }')
  done
}

# One try of with_retries: 2 (again) on no response, 429 or 5xx unless the agent is stopping.
http_attempt() {
  http "$@"
  if ! retryable "$HTTP_STATUS" || ((STOP_REQUESTED)); then
    return 0
  fi
  return 2
}

# with_retries SECONDS METHOD URL OUTFILE [curl args...]: http() again on no response, 429 or
# 5xx, with exponential backoff, until an answer or SECONDS have passed.
with_retries() {
  local deadline=$((SECONDS + $1))
  shift
  backoff "$deadline" "$1 ${2%%\?*}" http_attempt "$@" || true
}

# metadata PATH OUTFILE: sets HTTP_STATUS.
metadata() {
  with_retries 60 GET "$METADATA_URL/$1" "$2" -H 'Metadata-Flavor: Google'
}

# attribute KEY [required]: instance attribute into $WORK/md/KEY (absent: no file).
attribute() {
  local file="$WORK/md/$1"
  metadata "instance/attributes/$1" "$file"
  case $HTTP_STATUS in
    200) ;;
    404)
      rm -f "$file"
      [[ ${2:-} != required ]] || fail "metadata attribute $1 is missing"
      ;;
    *) fail "metadata attribute $1: metadata server answered $HTTP_STATUS" ;;
  esac
}

value_of() { if [[ -f $WORK/md/$1 ]]; then cat -- "$WORK/md/$1"; fi; }

standard_metadata() {
  local key file
  for key in instance/name instance/zone project/project-id; do
    file="$WORK/md/${key//\//_}"
    metadata "$key" "$file"
    [[ $HTTP_STATUS == 200 ]] || fail "metadata $key: metadata server answered $HTTP_STATUS"
  done
  INSTANCE=$(<"$WORK/md/instance_name")
  ZONE=$(<"$WORK/md/instance_zone")
  ZONE=${ZONE##*/}
  PROJECT=$(<"$WORK/md/project_project-id")
  [[ $INSTANCE =~ ^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$ ]] || {
    INSTANCE=""
    fail "instance name is not a GCE name"
  }
  [[ $ZONE =~ ^[a-z0-9-]{1,63}$ ]] || {
    ZONE=""
    fail "zone is not a GCE zone"
  }
  [[ $PROJECT =~ ^[a-z0-9.:-]{1,100}$ ]] || {
    PROJECT=""
    fail "project id is not a GCP project id"
  }
}

# Writes the Authorization header file from a fresh metadata-server token (cached there, so
# asking before each phase is cheap and keeps long runs from outliving the token).
refresh_token() {
  metadata instance/service-accounts/default/token "$WORK/token.json"
  if [[ $HTTP_STATUS != 200 ]]; then
    log "service-account token: metadata server answered $HTTP_STATUS"
    return 1
  fi
  py token "$WORK/token.json" "$AUTH"
}

read_run() {
  STAGE="reading metadata"
  mkdir -p "$WORK/md"
  standard_metadata
  attribute mlcp-run-id required
  RUN_ID=$(value_of mlcp-run-id)
  [[ $RUN_ID =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$ ]] || {
    RUN_ID=""
    fail "mlcp-run-id is not a run id"
  }
  attribute mlcp-topic required
  TOPIC=$(value_of mlcp-topic)
  [[ $TOPIC =~ ^projects/[A-Za-z0-9.:-]+/topics/[A-Za-z0-9._~%+-]+$ ]] || {
    TOPIC=""
    fail "mlcp-topic is not projects/P/topics/T"
  }
  attribute mlcp-attempt
  local attempt
  attempt=$(value_of mlcp-attempt)
  if [[ -z $attempt ]]; then
    ATTEMPT=1
  elif [[ $attempt =~ ^[0-9]{1,6}$ ]]; then
    ATTEMPT=$((10#$attempt))
  else
    fail "mlcp-attempt is not a number"
  fi
  attribute mlcp-output-uri required
  OUTPUT_URI=$(value_of mlcp-output-uri)
  local parts=()
  mapfile -d '' parts < <(py gcs-uri "$OUTPUT_URI") || true
  if ((${#parts[@]} != 2)); then
    OUTPUT_URI=""
    fail "mlcp-output-uri is not gs://BUCKET/PREFIX/"
  fi
  BUCKET=${parts[0]}
  PREFIX=${parts[1]}
  attribute mlcp-image required
  IMAGE=$(value_of mlcp-image)
  # A reference starting with '-' would be read by docker as an option.
  [[ $IMAGE =~ ^[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,511}$ ]] || fail "mlcp-image is not an image reference"
  local key
  for key in mlcp-command mlcp-args mlcp-env mlcp-secrets mlcp-accelerator-count mlcp-inputs \
    mlcp-input-plan; do
    attribute "$key"
  done
  py argv "$WORK/md/mlcp-command" "$WORK/command.argv" mlcp-command 2>"$WORK/py.err" ||
    fail "$(py_error)"
  py argv "$WORK/md/mlcp-args" "$WORK/args.argv" mlcp-args 2>"$WORK/py.err" ||
    fail "$(py_error)"
  py boundary "$WORK/md/mlcp-inputs" "$BUCKET" "$PREFIX" "$RECORD_DIR" "$WORK/boundary.json" \
    2>"$WORK/py.err" || fail "$(py_error)"
  mapfile -d '' COMMAND <"$WORK/command.argv"
  mapfile -d '' ARGS <"$WORK/args.argv"
  local count
  count=$(value_of mlcp-accelerator-count)
  if [[ -n $count ]]; then
    [[ $count =~ ^[0-9]{1,3}$ ]] || fail "mlcp-accelerator-count is not a number"
    ACCELERATORS=$((10#$count))
  fi
  log "run $RUN_ID attempt $ATTEMPT on $INSTANCE ($ZONE): image $IMAGE"
}

# The container's environment, in an env file only root can read on a tmpfs when there is one:
# mlcp-env, the agent's own variables, then each secret's value from Secret Manager.
write_env_file() {
  STAGE="fetching secrets"
  py env "$WORK/md/mlcp-env" "$ENV_FILE" "MLCP_RUN_ID=$RUN_ID" "MLCP_ATTEMPT=$ATTEMPT" \
    "MLCP_OUTPUTS=/outputs" 2>"$WORK/py.err" || fail "$(py_error)"
  local pairs=() i name resource response="$SECRETS_DIR/secret.json"
  py secrets "$WORK/md/mlcp-secrets" "$WORK/secrets.list" "$PROJECT" 2>"$WORK/py.err" ||
    fail "$(py_error)"
  mapfile -d '' pairs <"$WORK/secrets.list"
  if ((${#pairs[@]} == 0)); then
    return 0
  fi
  refresh_token || fail "no service-account token to read secrets with"
  for ((i = 0; i < ${#pairs[@]}; i += 2)); do
    name=${pairs[i]}
    resource=${pairs[i + 1]}
    with_retries "$HTTP_TIMEOUT_SECONDS" GET "$SECRETS_API/$resource:access" "$response" \
      -H @"$AUTH"
    case $HTTP_STATUS in
      200) ;;
      404) fail "secret ${resource%/versions/*} not found (for $name)" ;;
      403) fail "secret ${resource%/versions/*}: permission denied (for $name)" ;;
      *) fail "secret ${resource%/versions/*}: Secret Manager answered $HTTP_STATUS (for $name)" ;;
    esac
    py secret-value "$response" "$name" "$ENV_FILE" 2>"$WORK/py.err" || fail "$(py_error)"
    rm -f "$response"
    log "secret for $name read into the container's env file"
  done
}

# Artifact Registry and Container Registry take the VM's token; it goes to docker on stdin.
docker_login() {
  local host=${IMAGE%%/*}
  [[ $host == *-docker.pkg.dev || $host == gcr.io || $host == *.gcr.io ]] || return 0
  refresh_token || return 0
  if py token-value "$WORK/token.json" |
    "$DOCKER" login -u oauth2accesstoken --password-stdin "https://$host" >/dev/null 2>&1; then
    log "docker logged in to $host"
  else
    log "docker login to $host failed; pulling anyway"
  fi
}

pull_image() {
  STAGE="pulling image"
  docker_login
  local attempt delay=$RETRY_INITIAL_SECONDS
  for ((attempt = 1; attempt <= PULL_ATTEMPTS; attempt++)); do
    if "$DOCKER" pull "$IMAGE" >&2; then
      return 0
    fi
    ((attempt == PULL_ATTEMPTS)) || {
      log "pull of $IMAGE failed; retrying in ${delay}s"
      pause "$delay"
    }
  done
  fail "image pull failed: $IMAGE"
}

# Each input of mlcp-input-plan under $WORK/inputs/<n>/ (MATERIALIZER above), then read-only for
# the container at /inputs (MLCP_INPUT_DIR). A failure fails the run with the input named.
materialize_inputs() {
  [[ -s $WORK/md/mlcp-input-plan ]] || return 0
  STAGE="materializing inputs"
  INPUTS_DIR="$WORK/inputs"
  mkdir -p "$INPUTS_DIR"
  if ! "$PYTHON" -c "$MATERIALIZER" "$WORK/md/mlcp-input-plan" "$INPUTS_DIR" "$METADATA_URL" \
    "$STORAGE_API" "$BIGQUERY_API" "$SPANNER_API" "mlcp-$RUN_ID-a$ATTEMPT" "$WORK/input-bytes" \
    "$HTTP_TIMEOUT_SECONDS"; then
    if [[ -s $WORK/input-bytes.error ]]; then
      fail "$(head -c 900 "$WORK/input-bytes.error")"
    fi
    fail "materializing inputs failed"
  fi
  INPUT_BYTES=$(<"$WORK/input-bytes")
  [[ $INPUT_BYTES =~ ^[0-9]+$ ]] || INPUT_BYTES=0
  # Readable by a container running as any user; read-only for it through the mount.
  chmod -R a+rX "$INPUTS_DIR"
  printf 'MLCP_INPUT_DIR=/inputs\n' >>"$ENV_FILE"
  log "inputs materialized: $INPUT_BYTES bytes under /inputs"
}

# The container must not reach the metadata server, which would hand it the VM's token (and with
# it the VM's rights: the run's secrets, the staging bucket, deleting the instance). Docker sends
# every packet from a container on a bridge network through the DOCKER-USER chain first, so a DROP
# to 169.254.169.254 at its top fences the metadata server whatever docker adds later. The chain
# exists once dockerd runs, which the pull has just shown. Fails closed: no verified rule, no
# container.
block_metadata_server() {
  STAGE="blocking the metadata server"
  local rule=(-d "$METADATA_IP/32" -j DROP) status=0 first="" why
  why="metadata server not blocked for the container"
  "$IPTABLES" -w -I DOCKER-USER "${rule[@]}" 2>"$WORK/iptables.err" || status=$?
  if ((status != 0)); then
    fail "$why: iptables -I DOCKER-USER failed ($status): $(tail -n 1 "$WORK/iptables.err" |
      cut -c 1-200)"
  fi
  # Verified as iptables itself lists it: the first rule of DOCKER-USER is the DROP.
  first=$("$IPTABLES" -w -S DOCKER-USER 2>/dev/null | grep -m 1 -e '^-A DOCKER-USER ') || true
  [[ $first == "-A DOCKER-USER ${rule[*]}" ]] ||
    fail "$why: the DROP is not the first rule of DOCKER-USER"
  log "metadata server blocked for containers (first rule of DOCKER-USER)"
}

# The container's Google credentials: TOKEN_SERVER (above) on the docker bridge's gateway, the
# host address containers reach, announced as GCE_METADATA_HOST/GCE_METADATA_IP, which Google's
# client libraries use instead of 169.254.169.254 (now blocked). It starts before the container
# and stops when the container exits; without it the run fails.
start_token_server() {
  STAGE="starting the token server"
  local address=$TOKEN_SERVER_ADDRESS port="" port_file="$WORK/token-server.port" i
  if [[ -z $address ]]; then
    local words=() word
    read -r -a words < <("$DOCKER" network inspect bridge \
      --format '{{range .IPAM.Config}}{{.Gateway}} {{end}}' 2>/dev/null) || true
    for word in "${words[@]}"; do
      if [[ $word =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]]; then
        address=$word
        break
      fi
    done
  fi
  [[ $address =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] ||
    fail "token server for the container: no IPv4 gateway of docker's bridge network"
  [[ $TOKEN_SERVER_PORT =~ ^[0-9]{1,5}$ ]] || fail "MLCP_TOKEN_SERVER_PORT is not a port number"
  "$PYTHON" -c "$TOKEN_SERVER" "$address" "$TOKEN_SERVER_PORT" "$port_file" "$WORK/boundary.json" \
    "$METADATA_URL" "$STS_API" &
  TOKEN_SERVER_PID=$!
  for ((i = 0; i < 100; i++)); do
    if [[ -s $port_file ]]; then
      port=$(<"$port_file")
      break
    fi
    kill -0 "$TOKEN_SERVER_PID" 2>/dev/null || break
    pause 0.1
  done
  [[ $port =~ ^[0-9]{1,5}$ ]] ||
    fail "token server for the container did not start on $address:$TOKEN_SERVER_PORT"
  printf 'GCE_METADATA_HOST=%s:%s\nGCE_METADATA_IP=%s:%s\n' "$address" "$port" "$address" "$port" \
    >>"$ENV_FILE"
  log "token server for the container on $address:$port"
}

stop_token_server() {
  if [[ -n $TOKEN_SERVER_PID ]]; then
    kill "$TOKEN_SERVER_PID" 2>/dev/null || true
    wait "$TOKEN_SERVER_PID" 2>/dev/null || true
    TOKEN_SERVER_PID=""
  fi
}

# The container's cgroup (v2, systemd or cgroupfs driver) once docker has written its id.
cgroup_dir() {
  local id dir
  [[ -s $WORK/cid ]] || return 1
  id=$(<"$WORK/cid")
  [[ $id =~ ^[0-9a-f]{12,64}$ ]] || return 1
  for dir in "$CGROUP_ROOT/system.slice/docker-$id.scope" "$CGROUP_ROOT/docker/$id"; do
    if [[ -f $dir/cpu.stat ]]; then
      printf '%s' "$dir"
      return 0
    fi
  done
  return 1
}

# One sample of the container's cgroup into $WORK/usage ("cpu_usec peak_bytes"), keeping the
# largest values seen: the cgroup vanishes when the container exits, so the last sample wins.
sample_usage() {
  local dir usec=0 peak=0 key value old_usec=0 old_peak=0
  dir=$(cgroup_dir) || return 0
  [[ -r $dir/cpu.stat ]] || return 0
  while read -r key value; do
    if [[ $key == usage_usec ]]; then
      usec=$value
    fi
  done <"$dir/cpu.stat"
  if [[ -r $dir/memory.peak ]]; then
    peak=$(<"$dir/memory.peak")
  elif [[ -r $dir/memory.current ]]; then
    peak=$(<"$dir/memory.current")
  fi
  [[ $usec =~ ^[0-9]+$ ]] || usec=0
  [[ $peak =~ ^[0-9]+$ ]] || peak=0
  if [[ -s $WORK/usage ]]; then
    read -r old_usec old_peak <"$WORK/usage"
  fi
  ((usec > old_usec)) || usec=$old_usec
  ((peak > old_peak)) || peak=$old_peak
  printf '%s %s\n' "$usec" "$peak" >"$WORK/usage.tmp"
  mv -f "$WORK/usage.tmp" "$WORK/usage"
}

start_sampler() {
  (
    trap - EXIT
    trap 'exit 0' TERM
    while :; do
      sample_usage || true
      # Backgrounded so that stop_sampler's TERM ends the wait at once.
      sleep "$SAMPLE_SECONDS" &
      wait "$!"
    done
  ) &
  SAMPLER_PID=$!
}

stop_sampler() {
  if [[ -n $SAMPLER_PID ]]; then
    kill "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
  fi
  sample_usage || true
}

run_container() {
  STAGE="running container"
  local run_args=(run --rm --name "mlcp-$RUN_ID-$ATTEMPT" --cidfile "$WORK/cid"
    --env-file "$ENV_FILE" -v "$OUTPUTS_DIR:/outputs"
    --label "mlcp-run=$RUN_ID" --label "mlcp-attempt=$ATTEMPT"
    --log-driver=gcplogs --log-opt 'labels=mlcp-run,mlcp-attempt')
  [[ -z $INPUTS_DIR ]] || run_args+=(-v "$INPUTS_DIR:/inputs:ro")
  ((ACCELERATORS == 0)) || run_args+=(--gpus all)
  # Like Kubernetes: mlcp-command replaces the image's entrypoint, mlcp-args its CMD.
  if ((${#COMMAND[@]} > 0)); then
    run_args+=(--entrypoint "${COMMAND[0]}" "$IMAGE" "${COMMAND[@]:1}")
  else
    run_args+=("$IMAGE")
  fi
  run_args+=("${ARGS[@]}")
  start_sampler
  STARTED_EPOCH=$(now_epoch)
  STARTED_AT=$(iso "$STARTED_EPOCH")
  CONTAINER_RAN=1
  log "container starting"
  # In the background so that a SIGTERM is handled while the container runs.
  "$DOCKER" "${run_args[@]}" >/dev/null 2>"$WORK/docker-run.err" &
  DOCKER_PID=$!
  local rc=0
  wait "$DOCKER_PID" || rc=$?
  DOCKER_PID=""
  FINISHED_EPOCH=$(now_epoch)
  FINISHED_AT=$(iso "$FINISHED_EPOCH")
  stop_sampler
  stop_token_server
  rm -f "$ENV_FILE"
  EXIT_CODE=$rc
  if [[ ! -s $WORK/cid ]] && ((rc >= 125 && rc <= 127)); then
    # Docker itself failed and no container was created: its message is the reason.
    CONTAINER_RAN=0
    EXIT_CODE=-1
    fail "docker run failed ($rc): $(tail -n 1 "$WORK/docker-run.err" | cut -c 1-300)"
  fi
  log "container exited with $rc"
}

upload_outputs() {
  STAGE="uploading outputs"
  refresh_token || {
    REASON="upload failed: no service-account token"
    return 0
  }
  local file rel encoded bucket total=0 failed=0 last=""
  bucket=$(py urlencode "$BUCKET")
  # -type f skips symlinks: a container must not make the agent upload host files.
  while IFS= read -r -d '' file; do
    rel=${file#"$OUTPUTS_DIR"/}
    if [[ $rel == "$RECORD_DIR"/* ]]; then
      # The container must not forge (or pre-empt) the agent's completion record.
      log "not uploading $rel: $RECORD_DIR/ is reserved for the agent"
      continue
    fi
    encoded=$(py urlencode "$PREFIX$rel")
    total=$((total + 1))
    with_retries "$HTTP_TIMEOUT_SECONDS" POST \
      "$STORAGE_API/upload/storage/v1/b/$bucket/o?uploadType=media&name=$encoded" \
      "$WORK/upload.out" -H @"$AUTH" -H 'Content-Type: application/octet-stream' -T "$file"
    if [[ $HTTP_STATUS != 200 ]]; then
      failed=$((failed + 1))
      last="$rel answered $HTTP_STATUS"
      log "upload of $rel failed: $HTTP_STATUS"
    fi
  done < <(find "$OUTPUTS_DIR" -type f -print0)
  log "uploaded $((total - failed)) of $total output files to gs://$BUCKET/$PREFIX"
  if ((failed > 0)) && [[ -z $REASON ]]; then
    REASON="upload failed for $failed of $total files (last: $last)"
  fi
}

# The completion record: the event about to be published, as a CloudEvents structured-mode JSON
# object at <output-uri>_mlcp/attempt-<n>/completion.json, so that a completion whose publish is
# lost can still be found. Written after the outputs, before the publish; a failure is logged and
# the publish goes on.
write_completion_record() {
  if [[ -z $BUCKET ]]; then
    log "no completion record: the output uri is unknown"
    return 1
  fi
  local name="$PREFIX$RECORD_DIR/attempt-$ATTEMPT/completion.json" bucket encoded
  if ! refresh_token; then
    log "completion record not written: no service-account token"
    return 1
  fi
  bucket=$(py urlencode "$BUCKET")
  encoded=$(py urlencode "$name")
  with_retries "$HTTP_TIMEOUT_SECONDS" POST \
    "$STORAGE_API/upload/storage/v1/b/$bucket/o?uploadType=media&name=$encoded" \
    "$WORK/record.out" -H @"$AUTH" -H 'Content-Type: application/cloudevents+json' \
    --data-binary @"$WORK/completion.json"
  if [[ $HTTP_STATUS != 200 ]]; then
    log "completion record not written: Cloud Storage answered $HTTP_STATUS"
    return 1
  fi
  log "completion record written to gs://$BUCKET/$name"
}

# Publishes once, retrying (same ce-id, so retries are one event) until accepted or the time
# is up. 4xx other than 401/429 is final: retrying would not change the answer.
publish_completion() {
  STAGE="publishing completion"
  if [[ -z $RUN_ID || -z $TOPIC || -z $INSTANCE ]]; then
    log "cannot publish: run id, topic or instance unknown"
    return 1
  fi
  local now wall=0 cpu=0 rss=0 gpu=0 usec=0 peak=0
  now=$(now_epoch)
  if ((CONTAINER_RAN)) && [[ -z $FINISHED_EPOCH ]]; then
    # Stopped while the container still ran: measure up to now.
    FINISHED_EPOCH=$now
    FINISHED_AT=$(iso "$now")
  fi
  if ((CONTAINER_RAN)); then
    wall=$(awk -v a="$STARTED_EPOCH" -v b="$FINISHED_EPOCH" 'BEGIN { printf "%.3f", b - a }')
    if [[ -s $WORK/usage ]]; then
      read -r usec peak <"$WORK/usage"
    fi
    cpu=$(awk -v u="$usec" 'BEGIN { printf "%.6f", u / 1000000 }')
    rss=$peak
    gpu=$(awk -v w="$wall" -v n="$ACCELERATORS" 'BEGIN { printf "%.3f", w * n }')
  else
    STARTED_AT=$AGENT_STARTED_AT
    FINISHED_AT=$(iso "$now")
  fi
  py publish-body "$WORK/publish.json" "$WORK/completion.json" "$RUN_ID-$ATTEMPT-completed" \
    "//mlcp/vm-agent/$INSTANCE" "$(iso "$now")" "$RUN_ID" "$ATTEMPT" "$INSTANCE" "$ZONE" \
    "$EXIT_CODE" "$OUTPUT_URI" "$wall" "$cpu" "$rss" "$gpu" "$STARTED_AT" "$FINISHED_AT" "$REASON" \
    "$INPUT_BYTES"
  write_completion_record || true
  local rc=0
  backoff $((SECONDS + PUBLISH_TIMEOUT_SECONDS)) "publish to $TOPIC" publish_attempt || rc=$?
  if ((rc == 2)); then
    log "publish to $TOPIC still failing ($HTTP_STATUS) after ${PUBLISH_TIMEOUT_SECONDS}s"
    return 1
  fi
  return "$rc"
}

# One try of publish_completion (backoff's answers). A stopping agent still publishes.
publish_attempt() {
  if refresh_token; then
    http POST "$PUBSUB_API/$TOPIC:publish" "$WORK/publish.out" -H @"$AUTH" \
      -H 'Content-Type: application/json' --data-binary @"$WORK/publish.json"
  else
    HTTP_STATUS=000
  fi
  if [[ $HTTP_STATUS == 200 ]]; then
    log "published completion of $RUN_ID (exit code $EXIT_CODE${REASON:+, reason: $REASON})"
    return 0
  fi
  if ! retryable "$HTTP_STATUS" && [[ $HTTP_STATUS != 401 ]]; then
    log "publish to $TOPIC answered $HTTP_STATUS; giving up"
    return 1
  fi
  return 2
}

# The second net after training-runner's own delete: if the instance still exists after the
# grace period, the VM deletes itself. 404 means someone already did.
self_delete() {
  STAGE="deleting instance"
  if [[ -z $INSTANCE || -z $ZONE || -z $PROJECT ]]; then
    log "cannot delete: instance, zone or project unknown"
    return 1
  fi
  log "waiting ${DELETE_GRACE_SECONDS}s before deleting $INSTANCE"
  pause "$DELETE_GRACE_SECONDS"
  if ((STOP_REQUESTED)); then
    log "stopped during the grace period: the instance is being shut down"
    return 0
  fi
  local url="$COMPUTE_API/projects/$PROJECT/zones/$ZONE/instances/$INSTANCE"
  local deadline=$((SECONDS + DELETE_TIMEOUT_SECONDS)) rc=0
  refresh_token || true
  with_retries "$DELETE_TIMEOUT_SECONDS" GET "$url" "$WORK/instance.json" -H @"$AUTH"
  case $HTTP_STATUS in
    404)
      log "instance $INSTANCE is already gone"
      return 0
      ;;
    200) ;;
    *)
      log "instance $INSTANCE: Compute answered $HTTP_STATUS; deleting anyway"
      ;;
  esac
  backoff "$deadline" "delete of $INSTANCE" delete_attempt "$url" || rc=$?
  if ((rc == 2 || rc == 3)); then
    log "delete of $INSTANCE still failing ($HTTP_STATUS)"
    return 1
  fi
  return "$rc"
}

# One try of self_delete's DELETE URL (backoff's answers; 3: the agent is stopping, no more tries).
delete_attempt() {
  refresh_token || true
  http DELETE "$1" "$WORK/delete.json" -H @"$AUTH"
  case $HTTP_STATUS in
    200 | 204)
      log "deletion of $INSTANCE requested"
      return 0
      ;;
    404)
      log "instance $INSTANCE is already gone"
      return 0
      ;;
  esac
  if ! retryable "$HTTP_STATUS" && [[ $HTTP_STATUS != 401 ]]; then
    log "delete of $INSTANCE answered $HTTP_STATUS; giving up"
    return 1
  fi
  if ((STOP_REQUESTED)); then
    return 3
  fi
  return 2
}

cleanup() {
  stop_sampler
  stop_token_server
  [[ -z $SECRETS_DIR ]] || rm -rf -- "$SECRETS_DIR"
  [[ -z $WORK ]] || rm -rf -- "$WORK"
}

# The EXIT trap: always publish, always delete.
finish() {
  local status=$?
  trap - EXIT
  trap 'STOP_REQUESTED=1' TERM INT
  set +e
  if [[ -z $REASON && $status -ne 0 ]]; then
    REASON="agent failed while $STAGE (status $status)"
  fi
  [[ -n $WORK ]] || return 1
  stop_sampler
  stop_token_server
  local published=0 deleted=0
  publish_completion && published=1
  self_delete && deleted=1
  cleanup
  if ((published && deleted)) && [[ -z $REASON && $EXIT_CODE == 0 ]]; then
    exit 0
  fi
  exit 1
}

on_signal() {
  local name=$1 preempted=""
  if [[ -n $WORK ]]; then
    http GET "$METADATA_URL/instance/preempted" "$WORK/preempted" -H 'Metadata-Flavor: Google'
    [[ $HTTP_STATUS == 200 ]] && preempted=$(<"$WORK/preempted")
  fi
  if [[ $preempted == TRUE ]]; then
    REASON="preempted"
  else
    REASON=${REASON:-"agent stopped by $name while $STAGE"}
  fi
  log "$name received while $STAGE"
  if [[ -n $DOCKER_PID ]]; then
    # An attached `docker run` passes the signal on to the container (--sig-proxy).
    kill -TERM "$DOCKER_PID" 2>/dev/null || true
  fi
  exit 143
}

main() {
  AGENT_STARTED_AT=$(iso "$(now_epoch)")
  trap finish EXIT
  trap 'on_signal SIGTERM' TERM
  trap 'on_signal SIGINT' INT
  resolve_python
  mkdir -p "$WORK_ROOT"
  WORK=$(mktemp -d "$WORK_ROOT/agent.XXXXXX")
  if [[ -d $SECRETS_ROOT && -w $SECRETS_ROOT ]]; then
    SECRETS_DIR=$(mktemp -d "$SECRETS_ROOT/mlcp-agent.XXXXXX")
  else
    SECRETS_DIR=$(mktemp -d "$WORK/secrets.XXXXXX")
  fi
  ENV_FILE="$SECRETS_DIR/container.env"
  AUTH="$SECRETS_DIR/auth.header"
  OUTPUTS_DIR="$WORK/outputs"
  mkdir -p "$OUTPUTS_DIR"
  chmod 0777 "$OUTPUTS_DIR" # the container may run as a non-root user
  read_run
  write_env_file
  pull_image
  materialize_inputs
  block_metadata_server
  start_token_server
  run_container
  upload_outputs
}

# ==== serving mode (mlcp-mode=serving) ============================================================
# The startup script of every serving VM (a managed instance group's template) and the process
# behind each local serving "instance": it downloads the model version from its registry URI
# (mlcp-model-uri), verifies the manifest's SHA-256 against mlcp-model-sha256 and every file
# against the manifest, then runs the model-server image (mlcp-image) with the version mounted
# read-only, listening on mlcp-port. No completion is published and the instance is not deleted:
# the group's health check and autohealing own the instance's life. Contract: README.md beside
# this file ("Serving mode").

SERVING_SERVICE=""
SERVING_REVISION=""
SERVING_PORT=8080
MODEL_URI=""
MODEL_SHA256=""
MODEL_DIR=""

# Manifest files for the download loop: path\0sha256\0 pairs, each path checked to stay inside
# the version (no absolute paths, no . or .. segments).
IFS= read -r -d '' SERVING_PY <<'PYTHON' || true
import json, sys
manifest, out = sys.argv[1], sys.argv[2]
with open(manifest, "rb") as f:
    data = json.loads(f.read().decode("utf-8"))
files = data.get("files")
if not isinstance(files, list) or not files:
    sys.stderr.write("manifest.json lists no files\n")
    sys.exit(1)
with open(out, "wb") as f:
    for entry in files:
        path, sha = entry.get("path"), entry.get("sha256")
        parts = path.split("/") if isinstance(path, str) else [""]
        if (not path or path.startswith("/") or "\\" in path or "\0" in path
                or any(p in ("", ".", "..") for p in parts)):
            sys.stderr.write("manifest.json lists an invalid path: %r\n" % (path,))
            sys.exit(1)
        if not isinstance(sha, str) or len(sha) != 64:
            sys.stderr.write("manifest.json has no sha256 for %s\n" % path)
            sys.exit(1)
        f.write(path.encode("utf-8") + b"\0" + sha.lower().encode("ascii") + b"\0")
PYTHON
readonly SERVING_PY

serving_read() {
  STAGE="reading metadata"
  mkdir -p "$WORK/md"
  standard_metadata
  local key
  for key in mlcp-service mlcp-revision mlcp-image mlcp-model-uri mlcp-model-sha256; do
    attribute "$key" required
  done
  attribute mlcp-port
  attribute mlcp-env
  SERVING_SERVICE=$(value_of mlcp-service)
  SERVING_REVISION=$(value_of mlcp-revision)
  [[ $SERVING_SERVICE =~ ^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$ ]] || fail "mlcp-service is not a name"
  [[ $SERVING_REVISION =~ ^[a-z][a-z0-9]{0,11}$ ]] || fail "mlcp-revision is not a revision id"
  IMAGE=$(value_of mlcp-image)
  [[ $IMAGE =~ ^[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,511}$ ]] || fail "mlcp-image is not an image reference"
  MODEL_URI=$(value_of mlcp-model-uri)
  local parts=()
  mapfile -d '' parts < <(py gcs-uri "$MODEL_URI") || true
  ((${#parts[@]} == 2)) || fail "mlcp-model-uri is not gs://BUCKET/PREFIX/"
  BUCKET=${parts[0]}
  PREFIX=${parts[1]}
  MODEL_SHA256=$(value_of mlcp-model-sha256)
  [[ $MODEL_SHA256 =~ ^[0-9a-f]{64}$ ]] || fail "mlcp-model-sha256 is not a hex SHA-256"
  local port
  port=$(value_of mlcp-port)
  if [[ -n $port ]]; then
    if ! [[ $port =~ ^[0-9]{1,5}$ ]] || ((10#$port < 1 || 10#$port > 65535)); then
      fail "mlcp-port is not a port number"
    fi
    SERVING_PORT=$((10#$port))
  fi
  RUN_ID="$SERVING_SERVICE-$SERVING_REVISION"
  log "serving $SERVING_SERVICE revision $SERVING_REVISION on $INSTANCE: $MODEL_URI (manifest $MODEL_SHA256), image $IMAGE, port $SERVING_PORT"
}

# serving_fetch NAME DEST: one object of the version (GCS JSON API media download).
serving_fetch() {
  local bucket encoded
  bucket=$(py urlencode "$BUCKET")
  encoded=$(py urlencode "$PREFIX$1")
  with_retries "$HTTP_TIMEOUT_SECONDS" GET \
    "$STORAGE_API/storage/v1/b/$bucket/o/$encoded?alt=media" "$2" -H @"$AUTH"
  [[ $HTTP_STATUS == 200 ]] || fail "download of $MODEL_URI$1 answered $HTTP_STATUS"
}

serving_download() {
  STAGE="downloading the model"
  MODEL_DIR="$WORK/model"
  mkdir -p "$MODEL_DIR"
  refresh_token || fail "no service-account token to download the model with"
  serving_fetch manifest.json "$MODEL_DIR/manifest.json"
  local digest
  digest=$(sha256sum "$MODEL_DIR/manifest.json" | cut -d ' ' -f 1)
  [[ $digest == "$MODEL_SHA256" ]] ||
    fail "model refused: manifest.json of $MODEL_URI has SHA-256 $digest, expected $MODEL_SHA256"
  "$PYTHON" -c "$SERVING_PY" "$MODEL_DIR/manifest.json" "$WORK/files.list" 2>"$WORK/py.err" ||
    fail "model refused: $(py_error)"
  local entries=() i path sha got count=0
  mapfile -d '' entries <"$WORK/files.list"
  for ((i = 0; i < ${#entries[@]}; i += 2)); do
    path=${entries[i]}
    sha=${entries[i + 1]}
    [[ $path != manifest.json ]] || continue
    mkdir -p "$(dirname -- "$MODEL_DIR/$path")"
    serving_fetch "$path" "$MODEL_DIR/$path"
    got=$(sha256sum -- "$MODEL_DIR/$path" | cut -d ' ' -f 1)
    [[ $got == "$sha" ]] || fail "model refused: $path differs from the manifest (SHA-256 $got)"
    count=$((count + 1))
  done
  chmod -R a+rX "$MODEL_DIR"
  log "model verified: manifest $MODEL_SHA256 and $count files"
}

serving_run() {
  STAGE="running the model server"
  # The read-only data endpoints the agent itself uses (Spanner, BigQuery; the emulator's locally)
  # and the project, as defaults the revision's env may override: a model server looks features up
  # through the same APIs.
  py env "$WORK/md/mlcp-env" "$ENV_FILE" "PORT=$SERVING_PORT" "MLCP_MODEL_DIR=$MODEL_DIR" \
    "MLCP_MODEL_SHA256=$MODEL_SHA256" "MLCP_MODEL_URI=$MODEL_URI" \
    "MLCP_REVISION=$SERVING_REVISION" "?MLCP_PROJECT_ID=$PROJECT" \
    "?MLCP_SPANNER_API=$SPANNER_API" "?MLCP_BIGQUERY_API=$BIGQUERY_API" \
    2>"$WORK/py.err" || fail "$(py_error)"
  pull_image
  block_metadata_server
  # The model is mounted at the same path inside, so MLCP_MODEL_DIR holds in both.
  local run_args=(run --rm --name "mlcp-$RUN_ID-$INSTANCE" --env-file "$ENV_FILE"
    -p "$SERVING_PORT:$SERVING_PORT" -v "$MODEL_DIR:$MODEL_DIR:ro"
    --label "mlcp-service=$SERVING_SERVICE" --label "mlcp-revision=$SERVING_REVISION"
    --log-driver=gcplogs --log-opt 'labels=mlcp-service,mlcp-revision' "$IMAGE")
  log "model server starting"
  "$DOCKER" "${run_args[@]}" >&2 &
  DOCKER_PID=$!
  local rc=0
  wait "$DOCKER_PID" || rc=$?
  DOCKER_PID=""
  EXIT_CODE=$rc
  log "model server exited with $rc"
  return "$rc"
}

serving_finish() {
  local status=$?
  trap - EXIT
  set +e
  [[ -z $REASON ]] || log "serving stopped: $REASON"
  [[ -z $SECRETS_DIR ]] || rm -rf -- "$SECRETS_DIR"
  [[ -z $WORK ]] || rm -rf -- "$WORK"
  exit "$status"
}

serving_signal() {
  REASON="agent stopped by $1 while $STAGE"
  if [[ -n $DOCKER_PID ]]; then
    kill -TERM "$DOCKER_PID" 2>/dev/null || true
    wait "$DOCKER_PID" 2>/dev/null || true
  fi
  exit 143
}

serving_main() {
  trap serving_finish EXIT
  trap 'serving_signal SIGTERM' TERM
  trap 'serving_signal SIGINT' INT
  resolve_python
  mkdir -p "$WORK_ROOT"
  WORK=$(mktemp -d "$WORK_ROOT/serving.XXXXXX")
  if [[ -d $SECRETS_ROOT && -w $SECRETS_ROOT ]]; then
    SECRETS_DIR=$(mktemp -d "$SECRETS_ROOT/mlcp-agent.XXXXXX")
  else
    SECRETS_DIR=$(mktemp -d "$WORK/secrets.XXXXXX")
  fi
  ENV_FILE="$SECRETS_DIR/container.env"
  AUTH="$SECRETS_DIR/auth.header"
  serving_read
  serving_download
  serving_run
}
# ==== end of serving mode =========================================================================

# ==== notebook mode ============================================================================
# mlcp-mode=notebook: the agent of experiment-vm's notebook VMs. It makes sure JupyterLab serves
# (the image's own, e.g. the Deep Learning VM's jupyter.service; else `jupyter lab` when installed;
# else the image map's fallback command in local mode) and, every mlcp-heartbeat-seconds, writes a
# heartbeat to the guest attribute mlcp/heartbeat: what JupyterLab's own API says (kernels busy or
# idle, terminals, connections, their last activity), SSH sessions' idle times and GPU
# utilisation, reduced to one lastActivity. experiment-vm reads it with getGuestAttributes and
# decides; this agent never stops or deletes its VM, publishes nothing and opens no port to the
# outside. Contract: README.md, "Notebook mode".

# Heartbeat sampling, image-map lookup and port picking; subcommand first, like PY.
IFS= read -r -d '' NOTEBOOK_PY <<'PYTHON' || true
import json, os, re, socket, subprocess, sys, time, urllib.error, urllib.request

GPU_BUSY_PERCENT = 10
WHO_LINE = re.compile(r"^(\S+)\s+(\S+)\s+.*?\s(\.|old|\d{1,2}:\d{2})\s+(\d+)(?:\s+\((.*)\))?\s*$")

def iso(t):
    # Whole milliseconds first: truncating a float's fraction would turn a parsed .017 into .016,
    # moving a carried-over lastActivity back a millisecond every beat.
    ms = int(round(t * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)

def parse_time(text):
    """Jupyter's ISO-8601 UTC times (2026-05-04T10:15:00.123456Z); None when unreadable."""
    if not isinstance(text, str):
        return None
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]00:?00)?$", text)
    if not m:
        return None
    import calendar
    whole = calendar.timegm(tuple(int(g) for g in m.groups()[:6]) + (0, 0, 0))
    return whole + (float(m.group(7)) if m.group(7) else 0.0)

def get_json(url, token):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = "token " + token
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urllib.request.Request(url, headers=headers), timeout=5) as response:
        return json.loads(response.read().decode("utf-8"))

def jupyter(port, token):
    """JupyterLab's own view; no_track_activity keeps these calls from counting as activity."""
    base = "http://127.0.0.1:%s/api/" % port
    q = "?no_track_activity=1"
    out = {"jupyter": "down", "kernels": 0, "busyKernels": 0, "terminals": 0, "connections": 0}
    times, busy = [], False
    try:
        status = get_json(base + "status" + q, token)
    except (urllib.error.URLError, OSError, ValueError):
        return out, times, busy
    out["jupyter"] = "up"
    out["connections"] = int(status.get("connections") or 0)
    try:
        kernels = get_json(base + "kernels" + q, token)
    except (urllib.error.URLError, OSError, ValueError):
        kernels = []
    for kernel in kernels if isinstance(kernels, list) else []:
        out["kernels"] += 1
        # A busy (or starting) kernel is work in progress; an idle one only tells when it last ran.
        if kernel.get("execution_state") in ("busy", "starting"):
            out["busyKernels"] += 1
            busy = True
        t = parse_time(kernel.get("last_activity"))
        if t is not None:
            times.append(t)
    try:
        terminals = get_json(base + "terminals" + q, token)
    except (urllib.error.URLError, OSError, ValueError):
        terminals = []
    for terminal in terminals if isinstance(terminals, list) else []:
        out["terminals"] += 1
        t = parse_time(terminal.get("last_activity"))
        if t is not None:
            times.append(t)
    return out, times, busy

def run(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None

def ssh_sessions(who, now):
    """Remote logins from `who -u` (comment = the client's address) and when each last typed."""
    text = run([who, "-u"]) if who else None
    count, times = 0, []
    for line in (text or "").splitlines():
        m = WHO_LINE.match(line)
        if not m or not m.group(5):
            continue
        count += 1
        idle = m.group(3)
        if idle == ".":
            times.append(now)
        elif idle != "old":
            hours, minutes = idle.split(":")
            times.append(now - (int(hours) * 3600 + int(minutes) * 60))
    return count, times

def gpu_utilisation(nvidia_smi):
    text = run([nvidia_smi, "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"]) \
        if nvidia_smi else None
    values = [int(v) for v in re.findall(r"\d+", text or "")]
    return max(values) if values else None

def cmd_sample(prev_file, out_file, port, token_file, who, nvidia_smi, server):
    now = time.time()
    try:
        with open(prev_file) as f:
            previous = parse_time(json.load(f).get("lastActivity"))
    except (OSError, ValueError, AttributeError):
        previous = None
    token = ""
    if token_file and os.path.isfile(token_file):
        with open(token_file) as f:
            token = f.read().strip()
    beat, times, busy = jupyter(port, token)
    active = []
    if busy:
        active.append("kernel")
    sessions, ssh_times = ssh_sessions(who, now)
    if any(now - t < 90 for t in ssh_times):
        active.append("ssh")
    gpu = gpu_utilisation(nvidia_smi)
    if gpu is not None and gpu >= GPU_BUSY_PERCENT:
        active.append("gpu")
    candidates = [t for t in times + ssh_times if t <= now + 5]
    if previous is not None:
        candidates.append(previous)
    if active:
        candidates.append(now)
    last = max(candidates) if candidates else None
    beat.update({"v": 1, "at": iso(now), "lastActivity": iso(last) if last is not None else None,
                 "activeNow": active, "sshSessions": sessions, "gpuUtilization": gpu,
                 "server": server, "port": int(port)})
    with open(out_file + ".tmp", "w") as f:
        json.dump(beat, f, separators=(",", ":"), sort_keys=True)
    os.replace(out_file + ".tmp", out_file)

def cmd_image_command(map_file, image, out_file):
    """The command of the first image-map line whose prefix starts IMAGE (infra/vm/README.md)."""
    with open(map_file) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            prefix, _, command = line.partition("=")
            if image.startswith(prefix.strip()) and command.split():
                with open(out_file, "wb") as out:
                    for word in command.split():
                        out.write(word.encode("utf-8") + b"\0")
                return
    sys.exit(1)

def cmd_free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        sys.stdout.write(str(s.getsockname()[1]))

commands = {"sample": cmd_sample, "image-command": cmd_image_command, "free-port": cmd_free_port}
commands[sys.argv[1]](*sys.argv[2:])
PYTHON
readonly NOTEBOOK_PY

nb_py() { "$PYTHON" -c "$NOTEBOOK_PY" "$@"; }

NB_EXPERIMENT=""
NB_PORT=""
NB_INTERVAL=60
NB_SERVER="none"
NB_SERVER_PID=""
NB_TOKEN_FILE=""

# Whether something answers JupyterLab's status API on the notebook port.
notebook_serving() {
  local headers=()
  [[ -z $NB_TOKEN_FILE ]] || headers=(-H @"$NB_TOKEN_FILE.header")
  http GET "http://127.0.0.1:$NB_PORT/api/status?no_track_activity=1" "$WORK/status.json" \
    "${headers[@]}"
  [[ $HTTP_STATUS == 200 ]]
}

# JupyterLab on NB_PORT: the one already there (the image's service), else `jupyter lab`, else
# the image map's fallback (local mode). None of them is fatal: the heartbeat still carries SSH
# and GPU activity, and says the server is down.
notebook_start_jupyter() {
  STAGE="starting JupyterLab"
  local root="${MLCP_NOTEBOOK_DIR:-$WORK_ROOT/notebooks}" family argv=() i
  mkdir -p "$root"
  if notebook_serving; then
    NB_SERVER="existing"
    log "JupyterLab already serves port $NB_PORT"
    return 0
  fi
  family=$(value_of mlcp-image-family)
  if command -v jupyter >/dev/null 2>&1; then
    NB_TOKEN_FILE="$SECRETS_DIR/jupyter.token"
    "$PYTHON" -c 'import secrets; print(secrets.token_hex(24))' >"$NB_TOKEN_FILE"
    printf 'Authorization: token %s\n' "$(<"$NB_TOKEN_FILE")" >"$NB_TOKEN_FILE.header"
    local as_root=()
    ((EUID != 0)) || as_root=(--allow-root)
    # The token reaches Jupyter through its environment, never its arguments.
    JUPYTER_TOKEN=$(<"$NB_TOKEN_FILE") jupyter lab --no-browser --ip=127.0.0.1 \
      --port="$NB_PORT" --ServerApp.root_dir="$root" "${as_root[@]}" \
      >>"$WORK_ROOT/jupyter.log" 2>&1 </dev/null &
    NB_SERVER_PID=$!
    NB_SERVER="jupyterlab"
  elif [[ -n ${MLCP_IMAGE_MAP:-} && -n $family ]] &&
    nb_py image-command "$MLCP_IMAGE_MAP" "$family" "$WORK/server.argv" 2>/dev/null; then
    mapfile -d '' argv <"$WORK/server.argv"
    MLCP_JUPYTER_PORT=$NB_PORT MLCP_NOTEBOOK_DIR=$root "${argv[@]}" \
      >>"$WORK_ROOT/jupyter.log" 2>&1 </dev/null &
    NB_SERVER_PID=$!
    NB_SERVER="fallback"
  else
    log "no JupyterLab on this image (no jupyter on PATH, no image-map line for '$family')"
    return 0
  fi
  for ((i = 0; i < 300; i++)); do
    if notebook_serving; then
      log "JupyterLab ($NB_SERVER) serves 127.0.0.1:$NB_PORT"
      return 0
    fi
    kill -0 "$NB_SERVER_PID" 2>/dev/null || break
    pause 0.2
  done
  log "JupyterLab ($NB_SERVER) is not answering on port $NB_PORT; the heartbeat says so"
}

# One heartbeat: sample, then PUT it to the guest attribute mlcp/heartbeat (the local metadata
# server wants the instance's own token; GCE's ignores it).
notebook_heartbeat() {
  STAGE="writing the heartbeat"
  local beat="$WORK/heartbeat.json"
  nb_py sample "$beat" "$beat" "$NB_PORT" "$NB_TOKEN_FILE" "${MLCP_WHO:-who}" \
    "${MLCP_NVIDIA_SMI:-nvidia-smi}" "$NB_SERVER" 2>"$WORK/py.err" || {
    log "heartbeat not sampled: $(py_error)"
    return 0
  }
  refresh_token || true
  http PUT "$METADATA_URL/instance/guest-attributes/mlcp/heartbeat" "$WORK/put.out" \
    -H 'Metadata-Flavor: Google' -H @"$AUTH" -H 'Content-Type: application/json' \
    --data-binary @"$beat"
  [[ $HTTP_STATUS == 200 ]] || log "heartbeat not written: metadata server answered $HTTP_STATUS"
}

notebook_stop() {
  trap - EXIT
  if [[ -n $NB_SERVER_PID ]]; then
    kill -TERM "$NB_SERVER_PID" 2>/dev/null || true
    wait "$NB_SERVER_PID" 2>/dev/null || true
    NB_SERVER_PID=""
  fi
  [[ -z $SECRETS_DIR ]] || rm -rf -- "$SECRETS_DIR"
  [[ -z $WORK ]] || rm -rf -- "$WORK"
}

notebook_main() {
  trap notebook_stop EXIT
  trap 'log "stopping (the VM is being stopped or deleted)"; exit 0' TERM INT
  resolve_python
  mkdir -p "$WORK_ROOT"
  WORK=$(mktemp -d "$WORK_ROOT/notebook.XXXXXX")
  if [[ -d $SECRETS_ROOT && -w $SECRETS_ROOT ]]; then
    SECRETS_DIR=$(mktemp -d "$SECRETS_ROOT/mlcp-agent.XXXXXX")
  else
    SECRETS_DIR=$(mktemp -d "$WORK/secrets.XXXXXX")
  fi
  AUTH="$SECRETS_DIR/auth.header"
  : >"$AUTH"
  STAGE="reading metadata"
  mkdir -p "$WORK/md"
  standard_metadata
  attribute mlcp-experiment required
  NB_EXPERIMENT=$(value_of mlcp-experiment)
  [[ $NB_EXPERIMENT =~ ^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$ ]] || fail "mlcp-experiment is not a name"
  local key
  for key in mlcp-jupyter-port mlcp-heartbeat-seconds mlcp-image-family; do
    attribute "$key"
  done
  NB_PORT=$(value_of mlcp-jupyter-port)
  NB_PORT=${MLCP_JUPYTER_PORT:-${NB_PORT:-8080}}
  [[ $NB_PORT =~ ^[0-9]{1,5}$ ]] || fail "mlcp-jupyter-port is not a port number"
  if ((NB_PORT == 0)); then
    NB_PORT=$(nb_py free-port)
  fi
  NB_INTERVAL=$(value_of mlcp-heartbeat-seconds)
  NB_INTERVAL=${MLCP_HEARTBEAT_SECONDS:-${NB_INTERVAL:-60}}
  [[ $NB_INTERVAL =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail "mlcp-heartbeat-seconds is not a number"
  log "notebook $NB_EXPERIMENT on $INSTANCE ($ZONE): heartbeat every ${NB_INTERVAL}s"
  notebook_start_jupyter
  while :; do
    notebook_heartbeat
    pause "$NB_INTERVAL"
  done
}
# ==== end of notebook mode =====================================================================

# The agent's mode, from the mlcp-mode attribute: training (absent or "training"), serving or
# notebook.
agent_mode() {
  local mode
  mode=$(curl -sS --globoff -f --connect-timeout 10 --retry 5 --retry-connrefused \
    -H 'Metadata-Flavor: Google' "$METADATA_URL/instance/attributes/mlcp-mode" 2>/dev/null) ||
    mode=training
  printf '%s' "$mode"
}

case "$(agent_mode)" in
  serving) serving_main "$@" ;;
  notebook) notebook_main "$@" ;;
  *) main "$@" ;;
esac
