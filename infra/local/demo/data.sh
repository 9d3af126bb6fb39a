# shellcheck shell=bash
# The demo's data stage (sourced by infra/local/mlcp; uses its helpers step, say, json, demo_run,
# $STATE_DIR, $SAMPLE_IMAGE): a training run whose input is a table of the local Spanner emulator
# (features.training_examples, loaded at `up` by dev.mlcp.local.SpannerSeed). training-runner
# checks the table at submit; the VM agent reads it in a read-only snapshot into
# /inputs/0/data.jsonl with /inputs/manifest.json, and the sample trainer trains on it.
demo_data() {
  step "run 3: the sample trainer on a Spanner table (spanner://mlcp-local/features?table=training_examples)"
  demo_run data "{\"name\":\"sample-trainer-spanner\",\"image\":\"$SAMPLE_IMAGE\",\"args\":[\"--epochs\",\"100\"],\"inputs\":[\"spanner://mlcp-local/features?table=training_examples\"]}"
  local artifact dir
  artifact=$(json 'd.get("artifactUri") or ""' <<<"$RUN_JSON")
  dir="$STATE_DIR/objects/${artifact#gs://}"
  say "  resource use: $(json 'd.get("resourceUse")' <<<"$RUN_JSON")"
  [[ -f "$dir/metrics.json" ]] && say "  metrics: $(tr -d '\n' <"$dir/metrics.json" | cut -c1-200)"
  [[ "$RUN_STATE" == SUCCEEDED && -f "$dir/model.json" ]] ||
    die "demo FAILED: the run reading a Spanner table ended $RUN_STATE (infra/local/mlcp logs $RUN_ID)"
  say "  $RUN_ID trained on the Spanner table: $(json '(d.get("resourceUse") or {}).get("inputBytes")' <<<"$RUN_JSON") input bytes"
}
