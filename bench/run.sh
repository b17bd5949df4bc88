#!/usr/bin/env bash
# Build-time and memory benchmark: kabar on generated corpora of each size given
# (default 1000 10000), several full builds each (medians), then one no-change
# rebuild over the last output.
#   bench/run.sh [SIZES…]        RUNS=5 bench/run.sh 1000      FS=tmpfs bench/run.sh 100000
# Where the output goes and which corpus: bench/lib.sh. The release binary is built first.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
sizes=("$@")
[ $# -eq 0 ] && sizes=(1000 10000)
runs=${RUNS:-3}
cargo build --release --quiet
bin=$PWD/target/release/kabar
bench_output run
bench_header
printf "%-8s %-5s %11s %11s %9s %17s\n" articles runs "median wall" "median CPU" "peak RSS" "no-change rebuild"
for n in "${sizes[@]}"; do
  dir=$(bench_corpus "$n")
  walls=(); cpus=(); rss=()
  for run in $(seq "$runs"); do
    o=$( { /usr/bin/time -f "%e %U %S %M" "$bin" -C "$dir" build --quiet -o "$out/$n-$run" >/dev/null; } 2>&1 | tail -1)
    read -r wall user sys maxkb <<<"$o"
    walls+=("$wall"); cpus+=("$(awk "BEGIN{print $user+$sys}")"); rss+=("$maxkb")
  done
  # Nothing changed since the last build: kabar must notice and write nothing.
  before=$(stat -c '%i %Y' "$out/$n-$runs/index.html")
  again=$( { /usr/bin/time -f "%e" "$bin" -C "$dir" build --quiet -o "$out/$n-$runs" >/dev/null; } 2>&1 | tail -1)
  after=$(stat -c '%i %Y' "$out/$n-$runs/index.html")
  [ "$before" = "$after" ] || echo "warning: the no-change rebuild wrote the site again" >&2
  printf "%-8s %-5s %10ss %10ss %5s MiB %16ss\n" "$n" "$runs" "$(med "${walls[@]}")" "$(med "${cpus[@]}")" "$(( $(med "${rss[@]}") / 1024 ))" "$again"
done
