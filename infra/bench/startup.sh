#!/usr/bin/env bash
# Start-to-ready time and RSS of each mlcp service, in local mode against the real Pub/Sub
# emulator (goal: ready < 1.5 s, RSS < 200 MB on the JVM; < 0.1 s, < 60 MB native). For each
# service, mode and run: start the fast-jar (or the native binary),
# poll GET /q/health/ready every 20 ms until the first 200 (that is "ready": Pub/Sub reachable and
# provisioned), read VmRSS, send a warm-up of authenticated requests, read VmRSS again, stop it.
#
#   infra/bench/startup.sh                       # all four services, 3 runs each
#   RUNS=5 SERVICES="training-runner" infra/bench/startup.sh
#   JAVA_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC" infra/bench/startup.sh
#   CDS=1 infra/bench/startup.sh                 # dynamic AppCDS archive per service (JDK 13+)
#   AOT=1 JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java infra/bench/startup.sh
#                                                # Leyden AOT cache per service (JDK 25: JEP 483/514/515)
#   TRAIN=generate CDS=1|AOT=1 ...               # train as an image build can: Quarkus's
#                                                # -Dquarkus.appcds.generate=true (exits after init)
#   APPCDS=1 infra/bench/startup.sh              # Quarkus's build-time archive (app-cds.jsa, built
#                                                # with -Dquarkus.package.jar.appcds.enabled=true)
#   MODES="jvm native" infra/bench/startup.sh    # the native binary (target/*-runner) next to the JVM
#
# Needs: java 17+, curl, python3 (free ports), the emulator jar ($MLCP_PUBSUB_EMULATOR_JAR or the
# gcloud component). Builds missing quarkus-run.jar files with Maven under the shared build lock
# (MAVEN_ARGS passes options such as -Dmaven.repo.local to it). JAVA: the JVM that runs the
# services (default java); the emulator and the token helper always run on java.
# Talks to 127.0.0.1 only. Everything it starts is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-50}
read -r -a SERVICES <<<"${SERVICES:-experiment-vm training-runner artifact-writer serving-deployer}"
read -r -a EXTRA_OPTS <<<"${JAVA_OPTS:-}"
CDS=${CDS:-0}
AOT=${AOT:-0}
APPCDS=${APPCDS:-0}
JAVA=${JAVA:-java}
TRAIN=${TRAIN:-full}
read -r -a MODES <<<"${MODES:-jvm}"
LOCK=/tmp/mlcp-maven.lock
READY_TIMEOUT_S=${READY_TIMEOUT_S:-60}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mlcp-startup.XXXXXX")
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
    fi
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [[ "${KEEP_WORK:-0}" == 1 ]]; then
    echo "work dir kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

now_ms() {
  date +%s%3N
}

# CPU seconds (user + system, all threads) the process has used: less sensitive to a busy machine
# than wall-clock time.
cpu_s() {
  awk -v tck="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / tck}' "/proc/$1/stat"
}

rss_kb() {
  awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

stop() {
  local pid=$1
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# --- build what is missing -----------------------------------------------------------------------
missing=()
for svc in "${SERVICES[@]}"; do
  [[ -f "$ROOT/services/$svc/target/quarkus-app/quarkus-run.jar" ]] || missing+=("services/$svc")
done
if ((${#missing[@]})); then
  echo "building ${missing[*]} ..." >&2
  modules=$(IFS=,; echo "${missing[*]}")
  (cd "$ROOT" && flock "$LOCK" ./mvnw -B -q package -DskipTests -pl "$modules" -am)
fi
# lib/boot too: mint needs jakarta.json, which the fast-jar puts in lib/boot.
TOKEN_CP="$ROOT/services/training-runner/target/quarkus-app/lib/main/*:$ROOT/services/training-runner/target/quarkus-app/lib/boot/*"
if ! compgen -G "$ROOT/services/training-runner/target/quarkus-app/lib/main/*mlcp-web*" >/dev/null; then
  (cd "$ROOT" && flock "$LOCK" ./mvnw -B -q package -DskipTests -pl services/training-runner -am)
fi

# --- emulator ------------------------------------------------------------------------------------
EMULATOR_JAR=${MLCP_PUBSUB_EMULATOR_JAR:-}
if [[ -z "$EMULATOR_JAR" ]]; then
  EMULATOR_JAR=$(compgen -G "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/lib/cloud-pubsub-emulator-*-all.jar" | head -n1 || true)
fi
[[ -f "$EMULATOR_JAR" ]] || { echo "Pub/Sub emulator jar not found; set MLCP_PUBSUB_EMULATOR_JAR" >&2; exit 1; }
EMULATOR_PORT=$(free_port)
java -jar "$EMULATOR_JAR" --host=127.0.0.1 --port="$EMULATOR_PORT" >"$WORK/emulator.log" 2>&1 &
EMULATOR_PID=$!
PIDS+=("$EMULATOR_PID")
for _ in $(seq 1 300); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$EMULATOR_PORT") 2>/dev/null; then break; fi
  kill -0 "$EMULATOR_PID" 2>/dev/null || { cat "$WORK/emulator.log" >&2; exit 1; }
  sleep 0.1
done

# --- local key and a token for the warm-up -------------------------------------------------------
java -cp "$TOKEN_CP" dev.mlcp.web.token.MlcpToken keygen "$WORK/auth" >/dev/null
TOKEN=$(java -cp "$TOKEN_CP" dev.mlcp.web.token.MlcpToken mint --key "$WORK/auth" --admin --ttl 2h)
(umask 077 && printf 'Authorization: Bearer %s\n' "$TOKEN" >"$WORK/auth-header")

echo "emulator 127.0.0.1:$EMULATOR_PORT; JAVA_OPTS='${EXTRA_OPTS[*]:-}' CDS=$CDS AOT=$AOT APPCDS=$APPCDS; modes ${MODES[*]}; $RUNS runs x ${#SERVICES[*]} services"
# Start-up is CPU-bound: a busy machine (load average above the core count) inflates the times.
echo "java: $("$JAVA" -version 2>&1 | head -n1); cpus: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"

RESULTS="$WORK/results.tsv"
: >"$RESULTS"
FAILED=0

for svc in "${SERVICES[@]}"; do
 for mode in "${MODES[@]}"; do
  app="$ROOT/services/$svc/target/quarkus-app"
  label=$svc
  training=0
  cds_opts=()
  pre_opts=()
  if [[ "$mode" == native ]]; then
    label="$svc-native"
    runner=$(compgen -G "$ROOT/services/$svc/target/*-runner" | head -n1 || true)
    if [[ ! -x "$runner" ]]; then
      echo "!! $svc: no native binary services/$svc/target/*-runner (infra/native/build.sh $svc); skipped" >&2
      FAILED=1
      continue
    fi
  elif [[ "$CDS" == 1 ]]; then
    # One training run writes the archive (classes loaded until exit); measured runs use it.
    training=1
    archive="$WORK/$svc.jsa"
    cds_opts=("-XX:SharedArchiveFile=$archive")
    pre_opts=("-XX:ArchiveClassesAtExit=$archive")
  elif [[ "$AOT" == 1 ]]; then
    # JDK 25: the training run records classes (loaded and linked), method profiles and the
    # archived heap into an AOT cache at exit; measured runs map it.
    training=1
    archive="$WORK/$svc.aot"
    cds_opts=("-XX:AOTCache=$archive")
    pre_opts=("-XX:AOTCacheOutput=$archive")
  elif [[ "$APPCDS" == 1 ]]; then
    [[ -f "$app/app-cds.jsa" ]] || { echo "!! $svc: no $app/app-cds.jsa (package with -Dquarkus.package.jar.appcds.enabled=true)" >&2; FAILED=1; continue; }
    cds_opts=("-XX:SharedArchiveFile=$app/app-cds.jsa")
  fi
  for run in $(seq 0 "$RUNS"); do
    if ((run == 0)) && ((training == 0)); then continue; fi
    port=$(free_port)
    state="$WORK/state-$svc-$run"
    log="$WORK/$svc-$run.log"
    env_vars=(
      MLCP_PLATFORM=local MLCP_PROJECT_ID=mlcp-local MLCP_STATE_DIR="$state" MLCP_LOG_JSON=false
      QUARKUS_HTTP_PORT="$port"
      MLCP_PUBSUB_EMULATOR_HOST="127.0.0.1:$EMULATOR_PORT"
      MLCP_PUBSUB_PROVISION=true MLCP_PUBSUB_PUSH_AUTH=none
      MLCP_AUTH_MODE=local MLCP_AUTH_LOCAL_PUBLIC_KEY_LOCATION="$WORK/auth/public-key.pem"
      MLCP_AUTH_AUDIENCES=mlcp-local MLCP_AUTH_ADMINS=admin@mlcp.local
    )
    if [[ "$svc" == training-runner ]]; then
      env_vars+=(
        MLCP_TRAINING_STATE_URI=gs://mlcp-local/training-runner
        MLCP_TRAINING_STAGING_URI=gs://mlcp-local/staging
        MLCP_ZONES=local-a
        MLCP_TRAINING_COMPLETION_TOPIC=projects/mlcp-local/topics/training-completed
      )
    fi
    opts=("${EXTRA_OPTS[@]}")
    if ((run == 0)); then opts+=("${pre_opts[@]}"); else opts+=("${cds_opts[@]}"); fi
    if ((run == 0)) && [[ "$TRAIN" == generate ]]; then
      # What a Dockerfile can run: Quarkus stops right after start-up initialization.
      opts+=(-Dquarkus.appcds.generate=true)
    fi
    if [[ "$mode" == native ]]; then
      cmd=("$runner")
    else
      cmd=("$JAVA" "${opts[@]}" -jar "$app/quarkus-run.jar")
    fi
    mkdir -p "$state"
    start=$(now_ms)
    (cd "$WORK" && exec env "${env_vars[@]}" "${cmd[@]}") >"$log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    if ((run == 0)) && [[ "$TRAIN" == generate ]]; then
      wait "$pid" || true
      echo "$svc: archive training run (-Dquarkus.appcds.generate=true, $(($(now_ms) - start)) ms), not counted"
      [[ -f "$archive" ]] || { echo "!! $svc: no archive written ($archive); log tail:" >&2; tail -n 20 "$log" >&2; }
      continue
    fi
    ready_ms=""
    deadline=$((start + READY_TIMEOUT_S * 1000))
    while (($(now_ms) < deadline)); do
      if ! kill -0 "$pid" 2>/dev/null; then break; fi
      code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$port/q/health/ready" || true)
      if [[ "$code" == 200 ]]; then
        ready_ms=$(($(now_ms) - start))
        break
      fi
      sleep 0.02
    done
    if [[ -z "$ready_ms" ]]; then
      echo "!! $svc run $run: not ready within ${READY_TIMEOUT_S}s (or exited); log tail:" >&2
      tail -n 40 "$log" >&2
      curl -s "http://127.0.0.1:$port/q/health/ready" >&2 || true
      echo >&2
      stop "$pid"
      FAILED=1
      continue
    fi
    rss_ready=$(rss_kb "$pid")
    cpu_ready=$(cpu_s "$pid")
    urls=()
    for _ in $(seq 1 "$WARMUP"); do
      urls+=(-o /dev/null "http://127.0.0.1:$port/q/health" -o /dev/null "http://127.0.0.1:$port/q/openapi")
    done
    # One curl, one keep-alive connection; the token is passed in a header file, not argv.
    codes=$(curl -s -H @"$WORK/auth-header" -w '%{http_code}\n' "${urls[@]}" || true)
    bad=$(grep -vc '^200$' <<<"$codes" || true)
    rss_warm=$(rss_kb "$pid")
    started=$(grep -o 'started in [0-9.]*s' "$log" | head -n1 | grep -o '[0-9.]*' || echo NaN)
    if ((run == 0)); then
      echo "$svc: archive training run (ready ${ready_ms} ms), not counted"
      stop "$pid"
      [[ -f "$archive" ]] || echo "!! $svc: no archive written ($archive)" >&2
      continue
    fi
    printf '%s\t%d\t%d\t%s\t%d\t%d\t%d\t%s\n' "$label" "$run" "$ready_ms" "$started" "$rss_ready" "$rss_warm" "$bad" "$cpu_ready" >>"$RESULTS"
    printf '%-16s run %d: ready %5d ms  CPU %ss  quarkus "started in %ss"  RSS ready %4d MB  after warm-up %4d MB  (%d non-200 of %d)\n' \
      "$label" "$run" "$ready_ms" "$cpu_ready" "$started" $((rss_ready / 1024)) $((rss_warm / 1024)) "$bad" $((2 * WARMUP))
    stop "$pid"
  done
 done
done

echo
awk -F'\t' '
  function stats(key, arr, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
    med = (n % 2) ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
    return sprintf("%s / %s / %s", fmt(med), fmt(arr[1]), fmt(arr[n]))
  }
  function fmt(v) { return (v == int(v)) ? sprintf("%d", v) : sprintf("%.2f", v) }
  {
    s = $1; n[s]++; if (!(s in seen)) { seen[s] = 1; order[++count] = s }
    ready[s, n[s]] = $3; cpu[s, n[s]] = $8; started[s, n[s]] = $4; rr[s, n[s]] = int($5 / 1024); rw[s, n[s]] = int($6 / 1024)
  }
  END {
    printf "%-20s | %-22s | %-20s | %-22s | %-20s | %-20s\n", "service (n runs)", "ready ms med/min/max", "CPU s at ready", "quarkus s med/min/max", "RSS ready MB", "RSS warm MB"
    printf "%-20s-+-%-22s-+-%-20s-+-%-22s-+-%-20s-+-%-20s\n", "--------------------", "----------------------", "--------------------", "----------------------", "--------------------", "--------------------"
    for (c = 1; c <= count; c++) {
      s = order[c]; k = n[s]
      for (i = 1; i <= k; i++) { a[i] = ready[s, i] } r1 = stats("r", a, k)
      for (i = 1; i <= k; i++) { a[i] = cpu[s, i] } rc = stats("c", a, k)
      for (i = 1; i <= k; i++) { a[i] = started[s, i] } r2 = stats("q", a, k)
      for (i = 1; i <= k; i++) { a[i] = rr[s, i] } r3 = stats("m", a, k)
      for (i = 1; i <= k; i++) { a[i] = rw[s, i] } r4 = stats("w", a, k)
      printf "%-20s | %-22s | %-20s | %-22s | %-20s | %-20s\n", s " (" k ")", r1, rc, r2, r3, r4
    }
  }' "$RESULTS"
echo "goal: ready < 1500 ms, RSS < 200 MB (native: < 100 ms, < 60 MB); load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$FAILED"
