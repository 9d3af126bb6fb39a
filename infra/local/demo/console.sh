# shellcheck shell=bash
# The console stage of `infra/local/mlcp demo` (sourced by infra/local/mlcp, which provides step,
# say, port_of and console_url): the web console's URL, checked to open (the key sets the session
# cookie) and to reach a service through its proxy. Returns non-zero when it does not.

demo_console() {
  local url jar code
  step "console: runs, VMs, experiments, models, services and cost in a browser (tools/console)"
  url=$(console_url)
  jar=$(mktemp "$RUN_DIR/console-cookies.XXXXXX")
  code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" "$url") || true
  [[ "$code" == 303 ]] || { say "  console did not open with its key (HTTP $code)"; rm -f "$jar"; return 1; }
  code=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" "http://127.0.0.1:$(port_of console)/api/training-runner/v1/runs?pageSize=1") || true
  rm -f "$jar"
  [[ "$code" == 200 ]] || { say "  console proxy to training-runner: HTTP $code"; return 1; }
  say "  console: $url"
  say "  (open it once: the key becomes an HttpOnly cookie; only this user on this machine can use it)"
}
