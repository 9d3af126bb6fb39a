# shellcheck shell=bash
# Demo stage of serving-deployer, sourced by infra/local/mlcp (uses its step, say, json, mint,
# port_of, now_ms). Runs after the registry's stage: deploys the version the registry promoted to
# `production` (first revision: straight to 100 %), then a canary 10 -> 50 -> 100 of it at 5 s bake
# under load through the local proxy, curls predictions, then a deliberately broken revision
# (MLCP_FAIL_RATE) that the canary analysis rolls back by itself. Sets SERVING_SUMMARY.
# MLCP_DEMO_MODEL (default demo-churn, the model the registry stage registers) names the model; MLCP_DEMO_SERVING_RUNS=N repeats the
# canary N times and prints the p50 of request -> 100 % (the figure in the serving README).

SERVING_SERVICE=demo-churn
SERVING_IMAGE=europe-docker.pkg.dev/mlcp-demo/examples/sample-server

serving_api() { printf 'http://127.0.0.1:%s' "$(port_of serving-deployer)"; }

# serving_deploy KEY JSON-BODY -> rollout id (deploys as the CI/CD identity)
serving_deploy() {
  curl -sS -f -X POST "$(serving_api)/v1/services/$SERVING_SERVICE/revisions" \
    -H "Authorization: Bearer $SERVING_CI_TOKEN" -H 'Content-Type: application/json' \
    -H "Idempotency-Key: $1-$DEMO_STAMP" -d "$2" | json 'd["id"]'
}

# serving_wait ROLLOUT-ID -> final rollout JSON on stdout; progress on stderr
serving_wait() {
  local r state last="" deadline=$(($(date +%s) + ${MLCP_DEMO_TIMEOUT:-300}))
  while (($(date +%s) < deadline)); do
    r=$(curl -sS "$(serving_api)/v1/services/$SERVING_SERVICE/rollouts/$1" -H "Authorization: Bearer $TOKEN") || true
    state=$(json 'd["state"] + " " + str(d["trafficPercent"]) + " %"' <<<"$r" 2>/dev/null || echo "?")
    if [[ "$state" != "$last" ]]; then say "    $1: $state"; last=$state; fi
    if [[ "$state" =~ ^(SUCCEEDED|FAILED|ROLLED_BACK) ]]; then break; fi
    sleep 0.2
  done
  printf '%s' "$r"
}

# Background load through the proxy; the first 5xx's time (ms) goes to $1. One curl sends a batch
# of 10 over one kept-alive connection: a process per request starved the canary of traffic on a
# loaded 2-core machine (5 requests in a 5 s bake).
serving_load() {
  local url=$1 first=$2 batch=() i
  for i in 1 2 3 4 5 6 7 8 9 10; do batch+=(-o /dev/null "$url/v1/predict"); done
  while :; do
    if curl -s -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' \
      -d '{"instances":[[0.5,-1.2,0.3,2.0]]}' "${batch[@]}" 2>/dev/null | grep -q '^5' &&
      [[ ! -s "$first" ]]; then
      now_ms >"$first"
    fi
  done
}

serving_url() {
  curl -sS "$(serving_api)/v1/services/$SERVING_SERVICE" -H "Authorization: Bearer $TOKEN" | json 'd["url"]'
}

demo_serving_deployer() {
  local model=${MLCP_DEMO_MODEL:-demo-churn} version alias_json
  SERVING_CI_TOKEN=$(mint "$DEMO_DEPLOYER")
  step "serving: the version the registry promoted to production"
  local registry=${MLCP_SERVING_REGISTRY_URL:-http://127.0.0.1:$(port_of artifact-writer)}
  alias_json=$(curl -sS "$registry/v1/models/$model/aliases/production" \
    -H "Authorization: Bearer $TOKEN") || true
  version=$(json 'd.get("version") or ""' <<<"$alias_json" 2>/dev/null || true)
  if [[ -z "$version" ]]; then
    say "  the registry has no production version of $model: $alias_json"
    SERVING_SUMMARY="  serving: SKIPPED (no production version of $model)"
    return 1
  fi
  say "  $model $version (alias production)"

  step "serving: a developer cannot deploy (seed 004: only the CI/CD identity)"
  curl -sS -X POST "$(serving_api)/v1/services/$SERVING_SERVICE/revisions" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d '{"image":"x","model":"m","version":"v"}' | json '"  " + str(d["status"]) + " " + d["detail"][:110] + "…"' >&2

  step "serving: first revision of $SERVING_SERVICE (nothing to canary against: straight to 100 %)"
  local body first_id first
  body="{\"image\":\"$SERVING_IMAGE\",\"model\":\"$model\",\"alias\":\"production\",\"minReplicas\":2,\"maxReplicas\":3,\"strategy\":\"canary\",\"steps\":[10,50,100],\"bakeSeconds\":5}"
  first_id=$(serving_deploy first "$body") || { SERVING_SUMMARY="  serving: deploy refused"; return 1; }
  first=$(serving_wait "$first_id")
  local url; url=$(serving_url)
  say "  proxy (the local URL map): $url"

  local load_first="$RUN_DIR/serving-first-5xx" loaders=() i
  rm -f "$load_first"
  for i in 1 2 3; do serving_load "$url" "$load_first" </dev/null >/dev/null 2>&1 & loaders+=($!); done
  trap 'kill "${loaders[@]}" "$SAMPLER" 2>/dev/null || true' EXIT

  step "serving: canary 10 -> 50 -> 100 of $model $version, 5 s bake per step, under load"
  local runs=${MLCP_DEMO_SERVING_RUNS:-1} n t0 canary canary_id times=()
  for ((n = 1; n <= runs; n++)); do
    t0=$(now_ms)
    canary_id=$(serving_deploy "canary-$n" "$body") || break
    canary=$(serving_wait "$canary_id")
    times+=($(($(now_ms) - t0)))
  done
  say "  analysis: $(json 'd.get("lastVerdict")' <<<"$canary")"

  step "serving: predictions through the proxy"
  for i in 1 2 3; do
    curl -sS -i -X POST "$url/v1/predict" -H 'Content-Type: application/json' \
      -d '{"instances":[[0.5,-1.2,0.3,2.0]]}' | tr -d '\r' | sed -n 's/^X-mlcp-revision: */    revision /Ip; /^{/s/^/    /p' >&2
  done

  step "serving: a broken revision (every second prediction fails): the analysis rolls it back"
  local bad_body bad_id bad rollback_ms
  bad_body="${body%\}},\"env\":{\"MLCP_FAIL_RATE\":\"0.5\"}}"
  rm -f "$load_first"
  bad_id=$(serving_deploy broken "$bad_body") || true
  bad=$(serving_wait "$bad_id")
  rollback_ms=$(python3 -c '
import json, sys, datetime
d = json.loads(sys.argv[1]); first = open(sys.argv[2]).read().strip()
end = datetime.datetime.fromisoformat(d["finishedAt"].replace("Z", "+00:00")).timestamp() * 1000
print(round(end - int(first)))' "$bad" "$load_first" 2>/dev/null || echo "?")
  kill "${loaders[@]}" 2>/dev/null || true
  wait "${loaders[@]}" 2>/dev/null || true
  say "  reason: $(json 'd.get("reason")' <<<"$bad")"
  curl -sS "$(serving_api)/v1/services/$SERVING_SERVICE" -H "Authorization: Bearer $TOKEN" \
    | json '"  traffic now: " + str(d["traffic"]) + "  revisions: " + ", ".join(r["revision"] + " " + r["status"] + " " + (r.get("version") or "") for r in d["revisions"])' >&2
  step "serving: the registry's lineage of $model $version lists these rollouts (from deploy-events)"
  curl -sS "$registry/v1/models/$model/versions/$version/lineage" -H "Authorization: Bearer $TOKEN" \
    | json '"\n".join("  " + x["deploymentId"] + "  " + x["service"] + "/" + (x.get("revision") or "?") + "  " + x["state"] + " " + str(x["trafficPercent"]) + " %" for x in d["deployments"]) or "  (no rollout recorded yet)"' >&2 || true

  local p50; p50=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  local c_state b_state
  c_state=$(json 'd["state"]' <<<"$canary")
  b_state=$(json 'd["state"]' <<<"$bad")
  SERVING_SUMMARY="  serving canary $canary_id  $c_state (expected SUCCEEDED): request -> 100 % in $((p50 / 1000)).$((p50 % 1000 / 100)) s (p50 of ${#times[@]}; 3 steps, 5 s bake)
  serving broken $bad_id  $b_state (expected ROLLED_BACK): rolled back ${rollback_ms} ms after the first failing request
  serving URL $url (infra/local/mlcp token; curl -X POST $url/v1/predict)"
  printf 'SERVING_RESULT canary=%s broken=%s to100_ms=%s rollback_ms=%s runs=%s\n' \
    "$c_state" "$b_state" "$p50" "$rollback_ms" "${#times[@]}"
  [[ "$c_state" == SUCCEEDED && "$b_state" == ROLLED_BACK ]]
}
