#!/usr/bin/env bash
# The monitoring MRB ships: conf/prometheus/mrb-alerts.yml passes promtool's
# check and its unit tests (tests/e2e/alerts.test.yml: each alert fires on a
# broken series and stays silent on healthy ones); every alert has a
# severity, a summary, a description and a runbook section that exists in
# docs/OPERATIONS.md; conf/grafana/mrb-dashboard.json is valid JSON whose
# queries parse; and every mrb_* name either file uses is one MRB exports,
# in the source (lib/metrics.c, lib/counters.h) and in a live scrape.
. "$(dirname "$0")/lib.sh"
RULES=$ROOT/conf/prometheus/mrb-alerts.yml
UNIT=$ROOT/tests/e2e/alerts.test.yml
DASH=$ROOT/conf/grafana/mrb-dashboard.json
OPS=$ROOT/docs/OPERATIONS.md

command -v promtool >/dev/null || { not_ok "promtool is installed (make deps: package prometheus)"; finish; exit; }

out=$(promtool check rules "$RULES" 2>&1); rc=$?
eq "promtool check rules conf/prometheus/mrb-alerts.yml" "$rc" 0
[ $rc -eq 0 ] || printf '%s\n' "$out" | sed 's/^/       /'
out=$(promtool test rules "$UNIT" 2>&1); rc=$?
eq "promtool test rules tests/e2e/alerts.test.yml: every case passes" "$rc" 0
[ $rc -eq 0 ] || printf '%s\n' "$out" | head -n 40 | sed 's/^/       /'

# The alerts, their labels and annotations (the file's own layout: one
# "- alert:" per rule, each with severity, summary, description, runbook).
alerts=$(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\) *$/\1/p' "$RULES")
n=$(wc -l <<<"$alerts")
check "the rules define alerts" test -n "$alerts"
eq "every alert has a severity of warning or critical" "$(grep -cE '^ +severity: (warning|critical)$' "$RULES")" "$n"
for key in summary description runbook; do
  eq "every alert has a $key" "$(grep -cE "^ +$key: \"" "$RULES")" "$n"
done
for must in MRBMediaServerDown MRBNoHealthyServer MRBWebhookPostsRefused MRBWebhookEventsRefused \
  MRBWebhookSpoolGrowing MRBDatabaseNodesSplit MRBDatabaseNodeChanged MRBHealthLeaseFlapping MRBJoinsRefusedFull; do
  check "the issue's alert $must is defined" grep -qx "$must" <<<"$alerts"
done
# each alert is tested, firing at least once (an exp_labels line follows its
# name within the same case) and silent at least once (exp_alerts: [])
untested=() unfired=() unsilent=()
for a in $alerts; do
  grep -qE "alertname: $a\$" "$UNIT" || untested+=("$a")
  awk -v a="$a" '$0 ~ "alertname: "a"$" { on = 1; next } /alertname:/ { on = 0 } on && /exp_labels:/ { f = 1 } END { exit !f }' \
    "$UNIT" || unfired+=("$a")
  awk -v a="$a" '$0 ~ "alertname: "a"$" { on = 1; next } on && /exp_alerts: \[\]/ { f = 1 } /alertname:/ { on = 0 } END { exit !f }' \
    "$UNIT" || unsilent+=("$a")
done
eq "every alert has a case in tests/e2e/alerts.test.yml" "${untested[*]}" ""
eq "...a case where it fires" "${unfired[*]}" ""
eq "...and one where it stays silent" "${unsilent[*]}" ""
# runbooks: "docs/OPERATIONS.md#<alert in lower case>", a heading there
missing=()
for a in $alerts; do
  lower=$(tr '[:upper:]' '[:lower:]' <<<"$a")
  grep -qF "runbook: \"docs/OPERATIONS.md#$lower\"" "$RULES" || missing+=("$a(link)")
  grep -qE "^#+ $a\$" "$OPS" 2>/dev/null || missing+=("$a(heading)")
done
eq "every alert's runbook is a heading of docs/OPERATIONS.md" "${missing[*]}" ""

# The dashboard
check "the dashboard is valid JSON" jq empty "$DASH"
eq "...with panels, each with a unique id" "$(jq '[.panels[].id] | (length > 0 and length == (unique | length))' "$DASH")" true
eq "...each placed (gridPos)" "$(jq '[.panels[] | select(.gridPos.w == null or .gridPos.h == null)] | length' "$DASH")" 0
eq "...every non-row panel has a query" \
  "$(jq '[.panels[] | select(.type != "row") | select(((.targets // []) | map(.expr // "") | map(select(. != "")) | length) == 0)] | length' "$DASH")" 0
eq "...every query reads the \$datasource variable" \
  "$(jq '[.panels[] | .targets[]? | select(.datasource.uid != "${datasource}")] | length' "$DASH")" 0
# its queries parse as PromQL: as recording rules (JSON is YAML) for promtool,
# with Grafana's variables given values
jq '{groups: [{name: "dashboard", rules: [.panels[] | .targets[]? | .expr
      | gsub("\\$__rate_interval"; "5m") | gsub("\\$job"; "mrb")] | to_entries
      | map({record: ("dashboard:query_" + (.key | tostring)), expr: .value})}]}' "$DASH" >"$TMP/dash-rules.json"
out=$(promtool check rules "$TMP/dash-rules.json" 2>&1); rc=$?
eq "every dashboard query parses (promtool)" "$rc" 0
[ $rc -eq 0 ] || printf '%s\n' "$out" | sed 's/^/       /'

# Every mrb_* name used (recording rules' names have a colon: not exports)
used=$( { grep -vE '^ *#' "$RULES"; jq -r '.panels[] | .targets[]? | .expr' "$DASH"; } \
  | grep -oE '\bmrb_[a-z0-9_]+' | sort -u)
check "the rules and the dashboard use mrb_* metrics" test -n "$used"
src=$(cat "$ROOT/lib/metrics.c" "$ROOT/lib/counters.h" | grep -oE '"(# (HELP|TYPE) )?mrb_[a-z0-9_]+' \
  | sed -E 's/^"(# (HELP|TYPE) )?//' | sort -u)
eq "every one is exported in the source (lib/metrics.c, lib/counters.h)" "$(comm -23 <(echo "$used") <(echo "$src") | paste -sd' ')" ""
s=$(curl -s -o "$TMP/metrics" -w '%{http_code}' "$BASE/metrics")
eq "the live /mrb/metrics answers" "$s" 200
# families without samples yet still print their HELP and TYPE lines
live=$(sed -nE 's/^# TYPE (mrb_[a-z0-9_]+) .*/\1/p; s/^(mrb_[a-z0-9_]+)[{ ].*/\1/p' "$TMP/metrics" | sort -u)
eq "every one is in the live scrape (restart the stack if it runs an older build)" \
  "$(comm -23 <(echo "$used") <(echo "$live") | paste -sd' ')" ""
finish
