# shellcheck shell=bash
# The experiment-vm stage of `infra/local/mlcp demo` (sourced by infra/local/mlcp, which provides
# step, say, json, port_of, mint, now_ms and $TOKEN). A notebook VM is created (a local process
# running the VM agent in notebook mode), listed with its URL, left idle under a short idle
# timeout (MLCP_DEMO_IDLE_TIMEOUT, default PT20S) and stopped by the reaper; then a BigQuery query
# against the sample dataset and a secret read under the secrets rule. Returns non-zero when
# something did not happen as it should.

demo_experiment_vm() {
  local api admin name body e state url idle deadline report ok=1 t0 running_ms url_ms
  api="http://127.0.0.1:$(port_of experiment-vm)"
  admin=$(mint admin@mlcp.local)
  name="demo-nb-$(date +%s)"

  step "experiment-vm: a notebook VM that does not outlive its use"
  t0=$(now_ms)
  body="{\"name\":\"$name\",\"ttl\":\"PT1H\",\"idleTimeout\":\"${MLCP_DEMO_IDLE_TIMEOUT:-PT20S}\"}"
  e=$(curl -sS -f -X POST "$api/v1/experiments" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d "$body") || { say "  POST /v1/experiments failed"; return 1; }
  running_ms=$(($(now_ms) - t0))
  say "  POST /v1/experiments -> $name $(json 'd["state"]' <<<"$e") on $(json 'd["instance"]' <<<"$e") ($(json 'd["internalIp"]' <<<"$e")) in ${running_ms} ms; expires $(json 'd["expiresAt"]' <<<"$e"), hard limit $(json 'd["hardDeadline"]' <<<"$e")"

  deadline=$(($(date +%s) + 60))
  url=""
  while [[ -z "$url" ]] && (($(date +%s) < deadline)); do
    e=$(curl -sS "$api/v1/experiments/$name" -H "Authorization: Bearer $TOKEN") || true
    url=$(json '(d.get("connect") or {}).get("url") or ""' <<<"$e" 2>/dev/null || true)
    [[ -n "$url" ]] || sleep 0.5
  done
  url_ms=$(($(now_ms) - t0))
  [[ -n "$url" ]] || { say "  no heartbeat (no URL) within 60 s"; return 1; }
  say "  first heartbeat after ${url_ms} ms: JupyterLab $(json 'd["activity"]["server"]' <<<"$e") at $url ($(curl -s "$url" | grep -o '<h1>[^<]*' | cut -c5-))"
  say "  GET /v1/experiments:"
  curl -sS "$api/v1/experiments?state=RUNNING" -H "Authorization: Bearer $TOKEN" |
    json '"\n".join("    %-28s %-8s %-22s %s" % (x["name"], x["state"], (x.get("connect") or {}).get("url") or "-", x["idle"]) for x in d["experiments"])' >&2

  say "  nobody uses it: waiting for the idle timeout (${MLCP_DEMO_IDLE_TIMEOUT:-PT20S}) to pass in its heartbeats..."
  deadline=$(($(date +%s) + 120))
  idle=""
  while [[ "$idle" != IDLE ]] && (($(date +%s) < deadline)); do
    sleep 1
    e=$(curl -sS "$api/v1/experiments/$name" -H "Authorization: Bearer $TOKEN") || true
    idle=$(json 'd.get("idle") or ""' <<<"$e" 2>/dev/null || true)
  done
  say "  $(json '"idle: " + str(d.get("idleDetail")) + "; last activity " + str(d.get("lastActivity"))' <<<"$e")"
  report=$(curl -sS -X POST "$api/internal/reap" -H "Authorization: Bearer $admin") || report='{}'
  say "  POST /internal/reap (the scheduler's job, every 5 min): $(json '"; ".join(d.get("actions") or ["nothing"]) + " (%d Compute calls, %d ms)" % (d.get("computeCalls", 0), d.get("millis", 0))' <<<"$report")"
  e=$(curl -sS "$api/v1/experiments/$name" -H "Authorization: Bearer $TOKEN") || true
  state=$(json 'd["state"]' <<<"$e" 2>/dev/null || true)
  say "  $name: $state ($(json 'd.get("reason")' <<<"$e")), VM $(json 'd.get("vmStatus")' <<<"$e"), cost so far \$$(json 'd["costEstimateUsd"]' <<<"$e")"
  [[ "$state" == STOPPED ]] || ok=0
  curl -sS -o /dev/null -X DELETE "$api/v1/experiments/$name" -H "Authorization: Bearer $TOKEN" || ok=0

  step "experiment-vm: BigQuery discovery (DuckDB locally) and a secret under the secrets rule"
  curl -sS "$api/v1/datasets/samples/tables/customers" -H "Authorization: Bearer $TOKEN" |
    json '"  samples.customers: %d rows, columns %s" % (d["numRows"], ", ".join(f["name"] for f in d["schema"]))' >&2 || ok=0
  e=$(curl -sS -f -X POST "$api/v1/queries" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"sql":"SELECT plan, COUNT(*) AS customers, AVG(CAST(churned AS INT)) AS churn_rate FROM samples.customers GROUP BY plan ORDER BY plan"}') || ok=0
  say "  POST /v1/queries -> $(json 'd["destination"] + ": " + "; ".join("%s %d customers, churn %.2f" % (r["plan"], r["customers"], r["churn_rate"]) for r in d["rows"])' <<<"$e" 2>/dev/null || echo failed)"
  state=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$api/v1/queries" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d '{"sql":"DELETE FROM samples.customers WHERE true"}')
  say "  a DELETE through /v1/queries -> HTTP $state (the dry run's statement type is not SELECT)"
  [[ "$state" == 400 ]] || ok=0
  name="demo-key-$(date +%s)"
  curl -sS -f -o /dev/null -X POST "$api/v1/secrets" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$name\",\"value\":\"sk-demo-not-a-real-key\",\"readers\":[\"bob@mlcp.local\"]}" || ok=0
  say "  secret $name: owner reads version $(curl -sS "$api/v1/secrets/$name:access" -H "Authorization: Bearer $TOKEN" | json 'd["version"]'), eve gets HTTP $(curl -sS -o /dev/null -w '%{http_code}' "$api/v1/secrets/$name:access" -H "Authorization: Bearer $(mint eve@mlcp.local)")"
  say "  audit: $(curl -sS "$api/v1/secrets/$name/accesses" -H "Authorization: Bearer $TOKEN" | json '"; ".join("%s %s %s" % (a["actor"], a["action"], a["outcome"]) for a in d["accesses"])')"
  printf 'EXPERIMENT_VM_RESULT ok=%s create_ms=%s heartbeat_ms=%s\n' "$ok" "$running_ms" "$url_ms"
  ((ok))
}
