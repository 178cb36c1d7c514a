#!/usr/bin/env bash
# End-to-end benchmark of the main job: `churnlens score` on generated messy exports of
# 100,000 and 1,000,000 rows (examples/make_messy_export.py), with the demo bundle.
# Reports rows/s (whole process, wall clock) and peak RSS (/usr/bin/time -v), checks that
# peak RSS at 1M rows is at most 2x that at 100k, and writes bench-results/pipeline/results.md.
#
#   bash benches/pipeline.sh                 # both sizes, every core
#   THREADS=1 bash benches/pipeline.sh       # pin the thread count
#   SIZES="100000" bash benches/pipeline.sh  # one size
#   LOG=1 bash benches/pipeline.sh           # also time a 100k run that logs to SQLite
#
# Inputs and outputs go to bench-results/pipeline/ (gitignored); inputs are generated once.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=bench-results/pipeline
PY=${PYTHON:-.venv/bin/python}
SIZES=${SIZES:-"100000 1000000"}
THREADS=${THREADS:-}
mkdir -p "$OUT"

[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
cargo build --release -p churnlens-cli >&2
BIN=target/release/churnlens
threads_arg=()
[[ -n "$THREADS" ]] && threads_arg=(--threads "$THREADS")

for n in $SIZES; do
  f="$OUT/customers_$n.csv"
  if [[ ! -f $f ]]; then
    "$PY" examples/make_messy_export.py --rows "$n" --out "$f"
  fi
done

# One run: $1 label, $2 input, rest: extra arguments. Appends a table row to $rows.
rows=""
run() {
  local label=$1 input=$2
  shift 2
  rm -rf "$OUT/out"
  /usr/bin/time -v "$BIN" "${threads_arg[@]}" score "$input" --out-dir "$OUT/out" --quiet --json "$@" \
    > "$OUT/summary_$label.json" 2> "$OUT/time_$label.txt"
  local line
  line=$("$PY" - "$OUT/summary_$label.json" "$OUT/time_$label.txt" "$label" "$(du -m "$input" | cut -f1)" <<'EOF'
import json, re, sys
summary = json.load(open(sys.argv[1]))["summary"]
time = open(sys.argv[2]).read()
rss_mb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", time).group(1)) / 1024
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", time).group(1)
secs = 0.0
for part in wall.split(":"):
    secs = secs * 60 + float(part)
cpu = re.search(r"Percent of CPU this job got: (\d+)%", time).group(1)
t = summary["timings"]
rows = summary["rows_read"]
print(f"| {sys.argv[3]} | {sys.argv[4]} | {rows:,} | {summary['rows_scored']:,} | {summary['rows_rejected']:,} "
      f"| {secs:.1f} | {rows / secs:,.0f} | {rss_mb:.0f} | {cpu}% "
      f"| read {t['read']:.1f}, validate {t['validate']:.1f}, profile {t['profile']:.1f}, predict {t['predict']:.1f}, "
      f"SHAP {t['explain']:.1f}, reasons {t['reasons']:.1f}, write {t['write']:.1f} |")
EOF
)
  echo "$line" >&2
  rows+="$line"$'\n'
}

for n in $SIZES; do
  run "$n" "$OUT/customers_$n.csv" --no-log
done
if [[ -n "${LOG:-}" ]]; then
  rm -f "$OUT/bench.db"*
  run "100000+log" "$OUT/customers_100000.csv" --db "$OUT/bench.db"
fi

{
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Threads: ${THREADS:-all}; $(git rev-parse --short HEAD 2>/dev/null || echo '?') + working tree; $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "| run | input MB | rows | scored | rejected | wall s | rows/s | peak RSS MB | CPU | stage busy time, s (summed over chunks) |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf "%s" "$rows"
} > "$OUT/results.md"
cat "$OUT/results.md"

# The acceptance check: peak RSS must not grow with the input.
if [[ -f "$OUT/time_100000.txt" && -f "$OUT/time_1000000.txt" ]]; then
  small=$(grep "Maximum resident" "$OUT/time_100000.txt" | awk '{print $NF}')
  large=$(grep "Maximum resident" "$OUT/time_1000000.txt" | awk '{print $NF}')
  ratio=$(awk -v a="$large" -v b="$small" 'BEGIN { printf "%.2f", a / b }')
  echo
  echo "peak RSS 1M / 100k = $ratio (must be <= 2)" | tee -a "$OUT/results.md"
  awk -v r="$ratio" 'BEGIN { exit !(r <= 2.0) }'
fi
