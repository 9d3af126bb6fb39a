# shellcheck shell=bash
# The registry stage of `infra/local/mlcp demo` (sourced by the launcher; uses its step, say, json,
# mint, port_of, $TOKEN, $SAMPLE_IMAGE, $PROJECT, $STATE_DIR, $MLCP_HOME, $HELPER_CP, $JAVA,
# $DEMO_STAMP). After the training runs: the ad-hoc run's rejection, a gate policy, a run
# requested the way Cloud Build requests it, its version (manifest, checksum, gate, production
# alias, verification), one evaluation run, and BigQuery-style queries over the local tables.

EVALUATOR_IMAGE=europe-docker.pkg.dev/mlcp-demo/examples/sample-evaluator

aw_get() { curl -sS -f -H "Authorization: Bearer $TOKEN" "$1"; }

aw_send() { # method url json-body
  curl -sS -X "$1" "$2" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$3"
}

aw_wait() { # url python-condition-on-d seconds -> prints the last JSON; fails on timeout
  local deadline=$(($(date +%s) + $3)) body=""
  while (($(date +%s) < deadline)); do
    body=$(curl -sS -H "Authorization: Bearer $TOKEN" "$1" 2>/dev/null || true)
    if [[ -n "$body" ]] && json "bool($2)" <<<"$body" 2>/dev/null | grep -qx True; then
      printf '%s\n' "$body"
      return 0
    fi
    sleep 0.5
  done
  say "  timed out after $3 s waiting for $1: $body"
  printf '%s\n' "$body"
  return 1
}

# Publishes a training request as Cloud Build does: a CloudEvents binary-mode message on
# training-requests, with gcloud against the emulator, or its REST API when gcloud is missing.
aw_publish_request() { # request-json ce-id ce-source subject
  local emulator attrs
  emulator="127.0.0.1:$(port_of pubsub-emulator)"
  attrs="ce-specversion=1.0,ce-type=dev.mlcp.training.requested.v1,ce-source=$3,ce-id=$2,ce-time=$(date -u +%Y-%m-%dT%H:%M:%SZ),ce-subject=$4,content-type=application/json"
  if command -v gcloud >/dev/null; then
    say "  gcloud pubsub topics publish training-requests --attribute=ce-source=$3,ce-type=dev.mlcp.training.requested.v1,..."
    CLOUDSDK_API_ENDPOINT_OVERRIDES_PUBSUB="http://$emulator/" CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true \
      CLOUDSDK_CORE_PROJECT="$PROJECT" CLOUDSDK_CONFIG="$MLCP_HOME/gcloud" \
      gcloud pubsub topics publish training-requests --message="$1" --attribute="$attrs" >&2
  else
    say "  (no gcloud here) POST http://$emulator/v1/projects/$PROJECT/topics/training-requests:publish"
    python3 -c '
import base64, json, sys
attrs = dict(kv.split("=", 1) for kv in sys.argv[2].split(","))
print(json.dumps({"messages": [{"data": base64.b64encode(sys.argv[1].encode()).decode(), "attributes": attrs}]}))
' "$1" "$attrs" | curl -sS -f -X POST "http://$emulator/v1/projects/$PROJECT/topics/training-requests:publish" \
      -H 'Content-Type: application/json' -d @- >&2
  fi
}

demo_artifact_writer() { # id of the run submitted through the REST API
  local aw tr model=demo-churn since run="" reg version n sha eval_id="" evaluation ok=1
  aw="http://127.0.0.1:$(port_of artifact-writer)"
  tr="http://127.0.0.1:$(port_of training-runner)"

  step "registry: run 1 was requested through the REST API (ad hoc), so its outputs are not registered"
  reg=$(aw_wait "$aw/v1/registrations/$1" 'd.get("state") in ("REJECTED", "DONE")' 60) || ok=0
  say "  GET /v1/registrations/$1 -> $(json 'd["state"] + ": " + str(d.get("reason")) + " " + str(d.get("failedChecks"))' <<<"$reg")"
  [[ "$(json 'd["state"]' <<<"$reg")" == REJECTED ]] || ok=0

  step "registry: the gate of $model (accuracy >= 0.8, beat the champion by 1 %, promote to champion and production; production protected) and an evaluator"
  aw_send PUT "$aw/v1/models/$model/policy" '{"checks":[{"metric":"accuracy","direction":"higher","threshold":0.8}],
    "champion":{"alias":"champion","metric":"accuracy","direction":"higher","minRelativeImprovement":0.01},
    "promoteTo":["champion","production"],"protectedAliases":["production"]}' >/dev/null || ok=0
  aw_send PUT "$aw/v1/models/$model/evaluators" \
    "{\"evaluators\":[{\"name\":\"robustness\",\"image\":\"$EVALUATOR_IMAGE\",\"args\":[\"--epsilon\",\"0.2\"]}]}" >/dev/null || ok=0
  say "  PUT /v1/models/$model/policy, PUT /v1/models/$model/evaluators (robustness: $EVALUATOR_IMAGE)"

  step "registry: training published the way Cloud Build publishes it (ce-source //cloudbuild/$PROJECT/train)"
  since=$(date -u +%Y-%m-%dT%H:%M:%S)
  aw_publish_request "{\"requestKey\":\"cb-$DEMO_STAMP\",\"owner\":\"demo@mlcp.local\",\"spec\":{\"name\":\"$model\",\"image\":\"$SAMPLE_IMAGE\",\"args\":[\"--epochs\",\"150\"]}}" \
    "cb-$DEMO_STAMP" "//cloudbuild/$PROJECT/train" "$model" || ok=0
  local runs deadline=$(($(date +%s) + ${MLCP_DEMO_TIMEOUT:-300}))
  while [[ -z "$run" ]] && (($(date +%s) < deadline)); do
    runs=$(aw_get "$tr/v1/runs?pageSize=50" || true)
    run=$(json "next((r['id'] for r in d['runs'] if r['name'] == '$model' and r['createdAt'] >= '$since'), '')" <<<"$runs" 2>/dev/null || true)
    [[ -n "$run" ]] || sleep 0.5
  done
  [[ -n "$run" ]] || { say "  no run named $model appeared"; return 1; }
  say "  training-runner started $run (requested via pubsub by //cloudbuild/$PROJECT/train)"
  aw_wait "$tr/v1/runs/$run" 'd["state"] in ("SUCCEEDED", "FAILED", "CANCELLED")' "${MLCP_DEMO_TIMEOUT:-300}" >/dev/null || ok=0
  reg=$(aw_wait "$aw/v1/registrations/$run" 'd.get("state") in ("DONE", "REJECTED")' 120) || ok=0
  say "  registration: $(json 'd["state"] + " " + str(d.get("version")) + (" " + d["reason"] if d.get("reason") else "")' <<<"$reg")"
  version=$(json 'd.get("version") or ""' <<<"$reg")
  [[ -n "$version" && "$(json 'd["state"]' <<<"$reg")" == DONE ]] || { say "  not registered"; return 1; }
  n=${version#v}

  step "registry: $model $version: manifest, checksum, gate, production alias"
  local v
  v=$(aw_get "$aw/v1/models/$model/versions/$n") || ok=0
  sha=$(json 'd["manifestSha256"]' <<<"$v")
  json '"  uri " + d["uri"] + "\n  manifest.json sha256 " + d["manifestSha256"] + " (the version identity, in model.registered)\n  run " + d["manifest"]["run"]["id"] + " requested by " + str(d["manifest"]["createdBy"]) + ", image " + d["manifest"]["run"]["image"] + "\n" + "\n".join("  file %-14s %6d bytes  sha256 %s" % (f["path"], f["sizeBytes"], f["sha256"]) for f in d["manifest"]["files"]) + "\n  metrics " + str(dict(sorted(d["metrics"].items()))) + "\n  gate " + d["gate"]["outcome"] + ": " + "; ".join(c["name"] + " (" + c["detail"] + ")" for c in d["gate"]["checks"])' <<<"$v" >&2 2>/dev/null \
    || say "  $v"
  local verify production
  verify=$(aw_get "$aw/v1/models/$model/versions/$n:verify") || ok=0
  say "  GET :verify -> verified $(json 'str(d["verified"]) + ", " + str(d["files"]) + " files, " + str(d["bytes"]) + " bytes re-read"' <<<"$verify")"
  production=$(aw_get "$aw/v1/models/$model/aliases/production") || ok=0
  say "  alias production -> $(json 'str(d["version"]) + " (" + d["history"][0]["via"] + ": " + d["history"][0]["reason"][:120] + ")"' <<<"$production")"
  local now; now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  say "  ?at=${since}Z (before this run): $(curl -sS -H "Authorization: Bearer $TOKEN" "$aw/v1/models/$model/aliases/production?at=${since}Z" | json 'd.get("version") or d.get("detail")')"
  say "  ?at=$now: $(curl -sS -H "Authorization: Bearer $TOKEN" "$aw/v1/models/$model/aliases/production?at=$now" | json 'd.get("version") or d.get("detail")')"

  # The evaluation run (MLCP_DEMO_EVALUATION=0 skips it): a training run whose input, the
  # version's gs:// prefix, the local VM materializes under /inputs like any other.
  if [[ "${MLCP_DEMO_EVALUATION:-1}" == 1 ]]; then
    step "registry: one evaluation run (robustness) against $model $version, through training-requests"
    evaluation=$(aw_send POST "$aw/v1/models/$model/versions/$n:evaluate" '{}') || ok=0
    eval_id=$(json 'd["evaluations"][0]["id"]' <<<"$evaluation")
    say "  POST :evaluate -> $eval_id (a training run labelled evaluation=$eval_id, input ${model} $version)"
    evaluation=$(aw_wait "$aw/v1/models/$model/versions/$n/evaluations" \
      "any(e['id'] == '$eval_id' and e['state'] != 'REQUESTED' for e in d['evaluations'])" "${MLCP_DEMO_TIMEOUT:-300}") || ok=0
    say "  $(json "next(e['state'] + ' from run ' + str(e['runId']) + ': ' + str(dict(sorted(e['metrics'].items()))) for e in d['evaluations'] if e['id'] == '$eval_id')" <<<"$evaluation")"
  else
    say "  evaluation run: skipped (MLCP_DEMO_EVALUATION=0)"
  fi

  step "registry: BigQuery-style queries over the local tables (DuckDB: $STATE_DIR/warehouse.duckdb)"
  local db="$STATE_DIR/warehouse.duckdb" flushed
  # Rows are written off the registration path, in batches; the reconciler (every minute, here
  # at once) flushes whatever is still pending, so the queries below see every row.
  flushed=$(curl -sS -X POST "$aw/internal/reconcile" -H "Authorization: Bearer $(mint admin@mlcp.local)") || ok=0
  say "  POST /internal/reconcile -> $(json '"rows of " + str(d["rowsWritten"]) + " documents written, " + str(d["rowsPending"]) + " pending"' <<<"$flushed")"
  say "  cost per owner per week:"
  "$JAVA" -cp "$HELPER_CP" dev.mlcp.local.WarehouseSql "$db" \
    "SELECT owner, date_trunc('week', finished_at) AS week, CAST(sum(cost_estimate_usd) AS DECIMAL(12, 6)) AS cost_usd, count(*) AS runs FROM (SELECT * FROM mlcp_registry.runs QUALIFY row_number() OVER (PARTITION BY row_key ORDER BY recorded_at) = 1) GROUP BY owner, week ORDER BY week, owner" \
    2>&1 | sed 's/^/    /' >&2 || ok=0
  say "  which version was production at $(date -u +%Y-%m-%dT%H:%M:%SZ):"
  "$JAVA" -cp "$HELPER_CP" dev.mlcp.local.WarehouseSql "$db" \
    "SELECT to_version, moved_at, via, moved_by FROM mlcp_registry.alias_history WHERE model = '$model' AND alias = 'production' AND moved_at <= TIMESTAMP '$(date -u '+%Y-%m-%d %H:%M:%S')' ORDER BY sequence DESC LIMIT 1" \
    2>&1 | sed 's/^/    /' >&2 || ok=0
  if [[ "${MLCP_DEMO_EVALUATION:-1}" == 1 ]]; then
    say "  evaluations of $model $version:"
    "$JAVA" -cp "$HELPER_CP" dev.mlcp.local.WarehouseSql "$db" \
      "SELECT evaluator, metric, value, run_id FROM mlcp_registry.evaluations WHERE model = '$model' AND version = '$version' ORDER BY metric" \
      2>&1 | sed 's/^/    /' >&2 || ok=0
  fi

  # The production alias is set (to this version, or to an earlier champion it did not beat).
  [[ "$(json 'str(d["verified"])' <<<"$verify")" == True && -n "$(json 'd["version"] or ""' <<<"$production")" ]] || ok=0
  if [[ "${MLCP_DEMO_EVALUATION:-1}" == 1 ]]; then
    [[ "$(json "next(e['state'] for e in d['evaluations'] if e['id'] == '$eval_id')" <<<"$evaluation")" == LANDED ]] || ok=0
  fi
  printf 'REGISTRY_RESULT ok=%s model=%s version=%s sha256=%s run=%s evaluation=%s\n' "$ok" "$model" "$version" "$sha" "$run" "$eval_id"
  ((ok))
}
