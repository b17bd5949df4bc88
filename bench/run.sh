#!/usr/bin/env bash
# Build-time and memory benchmark: kabar on generated corpora of each size given
# (default 1000 10000), several runs each; prints medians.
#   bench/run.sh [SIZES…]        RUNS=5 bench/run.sh 1000
# Corpora are cached in target/bench/<N>; the release binary is built first.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000 10000}")
[ $# -eq 0 ] && sizes=(1000 10000)
runs=${RUNS:-3}
cargo build --release --quiet
bin=$PWD/target/release/kabar
printf "%-8s %-6s %12s %12s %10s\n" articles runs "median wall" "median CPU" "peak RSS"
for n in "${sizes[@]}"; do
  dir=target/bench/$n
  [ -d "$dir/content" ] || python3 bench/gen_corpus.py "$n" "$dir" >/dev/null
  walls=(); cpus=(); rss=()
  for _ in $(seq "$runs"); do
    out=$( { /usr/bin/time -f "%e %U %S %M" "$bin" -C "$dir" build --quiet -o "$PWD/$dir/public" >/dev/null; } 2>&1 | tail -1)
    read -r wall user sys maxkb <<<"$out"
    walls+=("$wall"); cpus+=("$(awk "BEGIN{print $user+$sys}")"); rss+=("$maxkb")
  done
  med() { printf "%s\n" "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  printf "%-8s %-6s %11ss %11ss %7s MiB\n" "$n" "$runs" "$(med "${walls[@]}")" "$(med "${cpus[@]}")" "$(( $(med "${rss[@]}") / 1024 ))"
done
