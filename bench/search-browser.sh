#!/usr/bin/env bash
# Time to first result and bytes fetched, measured in headless Chromium (bytes: Resource
# Timing; time: from the bench page's request to the beacon it sends once its first
# results are on the page, timed by bench/search-serve.py), for kabar's /search/ page and,
# when OUT/pagefind exists, for Pagefind's JS API (first 10 results' data) on the same site.
#   bench/search-browser.sh OUT [QUERY…]      (sourced queries: bench/search.py)
set -euo pipefail
med() { printf "%s\n" "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
out=$1; shift
chrome=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chrome" ] || { echo "no chromium: skipped (apt-get install chromium)"; exit 0; }
queries=("$@")
if [ ${#queries[@]} -eq 0 ]; then
  mapfile -t queries < <(python3 -c 'import importlib.util,sys; s=importlib.util.spec_from_file_location("b",sys.argv[1]); m=importlib.util.module_from_spec(s); s.loader.exec_module(m); print("\n".join(m.QUERIES))' "$(dirname "$0")/search.py")
fi
# Both pages stamp <html> with the time and the bytes of their search requests once
# the first results are on the page.
stamp='function stamp(re){var b=0;performance.getEntriesByType("resource").forEach(function(r){if(re.test(r.name))b+=r.encodedBodySize;});fetch("/__done?bytes="+b);}'
sed "s#</body>#<script>$stamp new MutationObserver(function(m,o){if(document.querySelector(\".search-count\").textContent){stamp(/search/);o.disconnect();}}).observe(document.querySelector(\".search-count\"),{childList:true});</script></body>#" \
  "$out/search/index.html" >"$out/search/bench.html"
# Pagefind picks its index by the page's language: the site's.
lang=$(grep -o '<html lang="[^"]*"' "$out/index.html" | head -1 | cut -d'"' -f2)
cat >"$out/pagefind-bench.html" <<HTML
<!doctype html><html lang="$lang"><body><script type="module">$stamp
const q = new URLSearchParams(location.search).get("q");
const pf = await import("/pagefind/pagefind.js");
const s = await pf.search(q);
await Promise.all(s.results.slice(0, 10).map(r => r.data()));
stamp(/pagefind/);
</script></body></html>
HTML
port=$((20000 + RANDOM % 20000))
profile=$(mktemp -d)
python3 "$(dirname "$0")/search-serve.py" "$out" "$port" "$profile/results" &
server=$!
trap 'kill $server' EXIT
sleep 1
measure() { # URL → "ms bytes"
  : >"$profile/results"
  timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile/u$RANDOM" \
    --virtual-time-budget=20000 --dump-dom "$1" >/dev/null 2>&1 || true
  awk '{printf "%d ms %.1f KiB", $1, $2 / 1024}' "$profile/results"
  cat "$profile/results" >>"$profile/$2"
}
urlq() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
printf "%-30s %24s %24s\n" query "kabar (ms, bytes)" "pagefind (ms, bytes)"
for q in "${queries[@]}"; do
  k=$(measure "http://127.0.0.1:$port/search/bench.html?q=$(urlq "$q")" kabar)
  p=-
  [ -d "$out/pagefind" ] && p=$(measure "http://127.0.0.1:$port/pagefind-bench.html?q=$(urlq "$q")" pagefind)
  printf "%-30s %24s %24s\n" "${q:0:30}" "${k:-none}" "${p:-none}"
done
for tool in kabar pagefind; do
  [ -s "$profile/$tool" ] || continue
  ms=($(cut -d' ' -f1 "$profile/$tool")); kb=($(awk '{print $2 / 1024}' "$profile/$tool"))
  echo "$tool in Chromium: $(wc -l <"$profile/$tool") queries with results; first result median $(med "${ms[@]}") ms, max $(printf "%s\n" "${ms[@]}" | sort -g | tail -1) ms;" \
    "bytes median $(med "${kb[@]}") KiB, max $(printf "%s\n" "${kb[@]}" | sort -g | tail -1) KiB"
done
rm -rf "$profile" "$out/search/bench.html" "$out/pagefind-bench.html"
