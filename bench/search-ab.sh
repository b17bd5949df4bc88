#!/usr/bin/env bash
# What the search index costs a build (#18's budget: ≤ 15% of the wall time at 100 000).
# Builds kabar from the checked-out commit with bench/search-off.patch applied: with
# KABAR_AB_NO_SEARCH set that binary builds no index (no digest while parsing: the lean
# parse keeps 3 KB of each body for related stories as it did before the index; no search
# files), without it it is kabar as committed. Then, for each N (default 10000 100000),
# alternates full builds without and with the index (PAIRS, default 5) and prints each run
# and the medians of wall time, user CPU and peak RSS.
#
# usage: bench/search-ab.sh [N…]     env: PAIRS=5, FS=disk|tmpfs|ext4, GEN=shared|own
# The patched binary is built in a scratch worktree with its own target folder
# (target/bench/ab), so the first run compiles the dependencies once more.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
pairs=${PAIRS:-5}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767600000} NO_COLOR=1

bench_output search-ab
bench_header
tree=$out/worktree
trap 'git worktree remove --force "$tree" 2>/dev/null || true; bench_cleanup' EXIT
git worktree add --quiet --detach "$tree" HEAD
git -C "$tree" apply "$PWD/bench/search-off.patch"
mkdir -p target/bench
cargo build --release --quiet --manifest-path "$tree/Cargo.toml" --target-dir "$PWD/target/bench/ab"
cp target/bench/ab/release/kabar "$out/kabar"

for n in "${sizes[@]}"; do
  corpus=$(bench_corpus "$n")
  : >"$out/runs"
  echo "## $n articles: variant, wall s, user CPU s, peak RSS MiB, files"
  for _ in $(seq "$pairs"); do
    for v in off on; do
      rm -rf "$out/public"
      if [ $v = off ]; then export KABAR_AB_NO_SEARCH=1; else unset KABAR_AB_NO_SEARCH; fi
      /usr/bin/time -f "%e %U %M" -o "$out/time" \
        "$out/kabar" -C "$corpus" build --quiet --force -o "$out/public"
      read -r wall user rss <"$out/time"
      echo "$v $wall $user $((rss / 1024)) $(find "$out/public" -type f | wc -l)" | tee -a "$out/runs"
    done
  done
  for v in off on; do
    # shellcheck disable=SC2046
    printf "median %s: %s s wall, %s s user CPU, %s MiB\n" "$v" \
      "$(med $(awk -v v=$v '$1 == v {print $2}' "$out/runs"))" \
      "$(med $(awk -v v=$v '$1 == v {print $3}' "$out/runs"))" \
      "$(med $(awk -v v=$v '$1 == v {print $4}' "$out/runs"))"
  done
done
