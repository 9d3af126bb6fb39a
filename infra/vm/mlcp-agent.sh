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
                     exit_code, output_uri, wall, cpu, rss, gpu, started_at, finished_at, reason):
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

    def do_GET(self):
        if self.refused():
            return
        if urllib.parse.urlsplit(self.path).path != TOKEN_PATH:
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

py() { python3 -c "$PY" "$@"; }

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

# with_retries SECONDS METHOD URL OUTFILE [curl args...]: http() again on no response, 429 or
# 5xx, with exponential backoff, until an answer or SECONDS have passed.
with_retries() {
  local deadline=$((SECONDS + $1)) delay=$RETRY_INITIAL_SECONDS
  shift
  while :; do
    http "$@"
    if ! retryable "$HTTP_STATUS" || ((SECONDS >= deadline)) || ((STOP_REQUESTED)); then
      return 0
    fi
    log "$1 ${2%%\?*} answered $HTTP_STATUS; retrying in ${delay}s"
    pause "$delay"
    delay=$(awk -v d="$delay" -v m="$RETRY_MAX_SECONDS" 'BEGIN { d *= 2; print (d > m ? m : d) }')
  done
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
  for key in mlcp-command mlcp-args mlcp-env mlcp-secrets mlcp-accelerator-count mlcp-inputs; do
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
  python3 -c "$TOKEN_SERVER" "$address" "$TOKEN_SERVER_PORT" "$port_file" "$WORK/boundary.json" \
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
    "$EXIT_CODE" "$OUTPUT_URI" "$wall" "$cpu" "$rss" "$gpu" "$STARTED_AT" "$FINISHED_AT" "$REASON"
  write_completion_record || true
  local deadline=$((SECONDS + PUBLISH_TIMEOUT_SECONDS)) delay=$RETRY_INITIAL_SECONDS
  while :; do
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
    if ((SECONDS >= deadline)); then
      log "publish to $TOPIC still failing ($HTTP_STATUS) after ${PUBLISH_TIMEOUT_SECONDS}s"
      return 1
    fi
    log "publish to $TOPIC answered $HTTP_STATUS; retrying in ${delay}s"
    pause "$delay"
    delay=$(awk -v d="$delay" -v m="$RETRY_MAX_SECONDS" 'BEGIN { d *= 2; print (d > m ? m : d) }')
  done
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
  local deadline=$((SECONDS + DELETE_TIMEOUT_SECONDS)) delay=$RETRY_INITIAL_SECONDS
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
  while :; do
    refresh_token || true
    http DELETE "$url" "$WORK/delete.json" -H @"$AUTH"
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
    if ((SECONDS >= deadline)) || ((STOP_REQUESTED)); then
      log "delete of $INSTANCE still failing ($HTTP_STATUS)"
      return 1
    fi
    log "delete of $INSTANCE answered $HTTP_STATUS; retrying in ${delay}s"
    pause "$delay"
    delay=$(awk -v d="$delay" -v m="$RETRY_MAX_SECONDS" 'BEGIN { d *= 2; print (d > m ? m : d) }')
  done
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
  command -v python3 >/dev/null || fail "python3 is required on the VM image"
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
  block_metadata_server
  start_token_server
  run_container
  upload_outputs
}

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

nb_py() { python3 -c "$NOTEBOOK_PY" "$@"; }

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
    python3 -c 'import secrets; print(secrets.token_hex(24))' >"$NB_TOKEN_FILE"
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
  command -v python3 >/dev/null || fail "python3 is required on the VM image"
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

# The VM's mlcp-mode attribute picks the agent; absent (404) means training. Metadata that does
# not answer within a minute also means training, whose own reads then fail and report it.
agent_mode() {
  local out mode=training deadline=$((SECONDS + 60))
  out=$(mktemp)
  while :; do
    http GET "$METADATA_URL/instance/attributes/mlcp-mode" "$out" -H 'Metadata-Flavor: Google'
    if [[ $HTTP_STATUS == 200 ]]; then
      mode=$(<"$out")
      break
    fi
    if ! retryable "$HTTP_STATUS" || ((SECONDS >= deadline)); then
      break
    fi
    sleep 1
  done
  rm -f "$out"
  [[ $mode =~ ^[a-z]{1,20}$ ]] || mode=training
  printf '%s' "$mode"
}
# ==== end of notebook mode =====================================================================

case "$(agent_mode)" in
  notebook) notebook_main "$@" ;;
  *) main "$@" ;;
esac
