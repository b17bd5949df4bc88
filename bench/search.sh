#!/usr/bin/env bash
# Search benchmark: for each size (default 10000) builds a generated corpus with kabar and
# prints the build's wall time, peak RSS and the search index's share of it (`--timings`),
# the index's size and files, and the bytes the 20 queries of bench/search.py fetch
# (median, max). With PAGEFIND=path/to/pagefind (`npm install pagefind` in a temporary
# folder) it indexes the same built article pages with Pagefind (time, peak RSS, size), and
# with chromium installed it measures both in the browser (bench/search-browser.sh).
#   PAGEFIND=/tmp/pf/node_modules/.bin/pagefind bench/search.sh 10000 100000
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
sizes=("$@")
[ $# -eq 0 ] && sizes=(10000)
cargo build --release --quiet
bin=$PWD/target/release/kabar
bench_output search
bench_header
kib() { du -sk --apparent-size "$1" | cut -f1; }
for n in "${sizes[@]}"; do
  dir=$(bench_corpus "$n")
  site=$out/$n
  o=$( { /usr/bin/time -f "%e %M" "$bin" -C "$dir" build --quiet --timings -o "$site" >/dev/null; } 2>&1)
  read -r wall maxkb <<<"$(tail -1 <<<"$o")"
  search_ms=$(grep 'of which search index' <<<"$o" | awk '{print $1}')
  echo "## $n articles"
  echo "kabar build: ${wall}s wall, $((maxkb / 1024)) MiB peak RSS, search index built in ${search_ms} ms" \
    "($(awk "BEGIN {printf \"%.1f\", $search_ms / 10 / $wall}")% of the wall time)"
  echo "kabar search index: $(( $(kib "$site/search") / 1024 )) MiB in $(find "$site/search" -type f | wc -l) files" \
    "($(find "$site/search/t" -type f | wc -l) term shards, largest $(( $(find "$site/search/t" -type f -printf '%s\n' | sort -n | tail -1) / 1024 )) KiB)"
  python3 bench/search.py "$site"
  if [ -n "${PAGEFIND:-}" ]; then
    # At 100 000 pages Pagefind 1.6 is killed for want of memory (README): say so and go on.
    code=0
    /usr/bin/time -f "%e %M" -o "$out/pagefind-time" "$PAGEFIND" --site "$site" \
      --glob "[0-9][0-9][0-9][0-9]/*/*/*/index.html" >"$out/pagefind.log" 2>&1 || code=$?
    read -r wall maxkb < <(tail -1 "$out/pagefind-time")
    if [ "$code" = 0 ]; then
      echo "pagefind (article pages only): ${wall}s wall, $((maxkb / 1024)) MiB peak RSS;" \
        "index $(( ($(kib "$site/pagefind/index") + $(kib "$site/pagefind/fragment")) / 1024 )) MiB in" \
        "$(find "$site/pagefind/index" "$site/pagefind/fragment" -type f | wc -l) files"
    else
      echo "pagefind (article pages only) failed with exit $code after ${wall}s wall at" \
        "$((maxkb / 1024)) MiB peak RSS (a kill by the OOM killer shows in dmesg); no index"
      rm -rf "$site/pagefind"
    fi
  fi
  bench/search-browser.sh "$site"
done
