#!/usr/bin/env bash
# Incremental `kabar build` with the build cache (#17): at each N (default 10000 100000)
# a full build (--force), a no-change build, and builds after one new article, one edit
# and one deletion. Prints the median of RUNS runs (default 3) of wall time, CPU time
# (user + system), peak RSS (/usr/bin/time -f), the files added + changed + removed
# (the manifest diff kabar prints) and whether the cache was used; then the stages
# (--timings) of the last one-new-article build. With moto_server on PATH (`pip install
# 'moto[server]'`; DEPLOY=0 to skip) each build is then deployed to a local S3 server
# (moto on loopback), and the table adds the deploy's requests and bytes sent (medians).
#
# usage: bench/incremental.sh [N…]     env: RUNS=3, FS=disk|tmpfs|ext4, GEN=shared|own
# (see bench/lib.sh). The corpus is generated once into target/bench and never edited:
# each N works on a hard-linked copy whose edited files are replaced, not rewritten.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

runs=${RUNS:-3}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
cargo build --release --quiet
bench_output incremental
# A copy: the build cache is keyed by the binary, so a rebuild of target/release during
# the run would turn every later row into a full build.
kabar=$out/kabar
cp target/release/kabar "$kabar"
bench_header
# A fixed clock: the news sitemap's window does not move between runs.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767600000}
export NO_COLOR=1

# The local S3 server the builds are deployed to, one bucket per size.
endpoint=
if [ "${DEPLOY:-1}" != 0 ] && command -v moto_server >/dev/null; then
  port=$((20000 + RANDOM % 20000))
  moto_server -H 127.0.0.1 -p "$port" >"$out/moto.log" 2>&1 &
  moto=$!
  trap 'kill $moto; bench_cleanup' EXIT
  endpoint=http://127.0.0.1:$port
  until curl -s -o /dev/null "$endpoint"; do sleep 0.2; done
  export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1
fi

# Deploys the output to the bucket; prints "requests bytes".
deploy() {
  local log=$out/deploy.txt
  "$kabar" -C "$site" deploy "s3://bench-$n" --endpoint "$endpoint" -o "$public" \
    --max-deletes 100000 2>"$log" >/dev/null
  sed -n 's/.*files (\([0-9]*\) bytes).*; \([0-9]*\) requests in.*/\2 \1/p' "$log" | grep . || echo "0 0"
}

# One build (then its deploy); appends "wall cpu rss_mib files cache [requests bytes]"
# to the file $samples.
measure() {
  local log=$out/log.txt wall user sys rss files cache
  /usr/bin/time -f "%e %U %S %M" -o "$out/time.txt" \
    "$kabar" -C "$site" build --incremental -o "$public" --timings "$@" 2>"$log" >/dev/null
  read -r wall user sys rss <"$out/time.txt"
  files=$(grep -o '[0-9]* added, [0-9]* changed, [0-9]* removed' "$log" |
    awk '{print $1 + $3 + $5}' || true)
  cache=no
  if grep -q 'build cache used' "$log"; then cache=yes; fi
  local sent=
  [ -z "$endpoint" ] || sent=$(deploy)
  echo "$wall $(echo "$user + $sys" | bc) $((rss / 1024)) ${files:-0} $cache $sent" >>"$samples"
}

# Prints one table row from $samples.
row() { # LABEL
  local col
  printf "| %d | %s |" "$n" "$1"
  for col in 1 2 3 4; do
    # shellcheck disable=SC2046
    printf " %s |" "$(med $(awk -v c=$col '{print $c}' "$samples"))"
  done
  printf " %s |" "$(awk '{print $5}' "$samples" | sort -u | paste -sd/)"
  if [ -n "$endpoint" ]; then
    for col in 6 7; do
      # shellcheck disable=SC2046
      printf " %s |" "$(med $(awk -v c=$col '{print $c}' "$samples"))"
    done
  fi
  echo
}

# A new story, newest of the archive (the common case: it lands on the front page).
new_article() { # FILE K
  cat >"$1" <<EOF
---
title: "Berita baru nomor $2 dari meja redaksi"
date: 2026-01-05T$(printf %02d "$2"):00:00+07:00
summary: "Ringkasan berita baru nomor $2."
tags: ["Cowor", "Berita Baru"]
authors: ["Redaksi Bench"]
story: "bench-new-$2"
---

Isi berita baru nomor $2: warga kota menyambut jalur bus baru yang melintasi pusat kota.
EOF
}

if [ -n "$endpoint" ]; then
  echo "| articles | build | wall s | CPU s | peak RSS MiB | files changed | cache used | deploy requests | deploy bytes |"
  echo "| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |"
else
  echo "| articles | build | wall s | CPU s | peak RSS MiB | files changed | cache used |"
  echo "| ---: | --- | ---: | ---: | ---: | ---: | --- |"
fi
for n in "${sizes[@]}"; do
  corpus=$(bench_corpus "$n")
  site=$out/site-$n public=$out/public-$n samples=$out/samples
  mkdir -p "$site"
  # Hard links where the corpus and the output share a file system, a copy otherwise.
  cp -al "$corpus/content" "$site/content" 2>/dev/null || cp -r "$corpus/content" "$site/content"
  [ -f "$corpus/site.yaml" ] && cp "$corpus/site.yaml" "$site/"
  mapfile -t articles < <(find "$site/content" -name '*.md' | sort)
  [ -z "$endpoint" ] || curl -s -X PUT "$endpoint/bench-$n" >/dev/null

  : >"$samples"
  for _ in $(seq "$runs"); do measure --force; done
  row "full (--force)"
  : >"$samples"
  for _ in $(seq "$runs"); do measure; done
  row "no change"
  : >"$samples"
  for k in $(seq "$runs"); do
    new_article "$site/content/articles/bench-new-$k.md" "$k"
    measure
  done
  row "one new article"
  cp "$out/log.txt" "$out/new-article-timings.txt"
  : >"$samples"
  for k in $(seq "$runs"); do
    f=${articles[$((k * 7))]}
    # Replaced, not written in place: the corpus shares these files.
    { cat "$f"; echo; echo "Pembaruan $k: keterangan tambahan dari lokasi."; } >"$f.new"
    mv "$f.new" "$f"
    measure
  done
  row "one edit"
  : >"$samples"
  for k in $(seq "$runs"); do
    rm "${articles[$((k * 11 + 1))]}"
    measure
  done
  row "one deletion"
  echo
  echo "stages of the last one-new-article build at $n:"
  grep -E ' ms  ' "$out/new-article-timings.txt" | sed 's/^/    /'
  echo
  rm -rf "$site" "$public"
done
