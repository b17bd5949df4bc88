#!/usr/bin/env bash
# Load test of the preview server (RELIABILITY row 40): `kabar serve` under wrk,
# twice, with the server's resident memory read from /proc before and after each run.
#
#   bench/load.sh            # the bundled digest (content/, templates/, static/, site.yaml)
#   bench/load.sh 1000       # a generated corpus of 1000 articles (bench/gen_corpus.py)
#
# Each run is `wrk -t2 -c32 -d10s` over a rotation of paths: the front page, an
# article, a tag page, /style.css, /atom.xml and a path that does not exist (which
# must answer 404). Exits 1 on any socket error, any 5xx, any other unexpected status
# (a 4xx other than 404, or more 404s than the missing path accounts for), a server
# that died, or resident memory growing by more than RSS_GROWTH_KIB between the end
# of run 1 and the end of run 2 ("flat") or by more than RSS_TOTAL_KIB over both.
#
# Environment: PORT (default: a free port), THREADS (2), CONNECTIONS (32),
# DURATION (10s), RSS_GROWTH_KIB (8192), RSS_TOTAL_KIB (65536).
# Needs wrk (installed with apt-get if missing), curl and a Linux /proc.
# The site is copied to a temporary folder; nothing in the repository is written
# except the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

threads=${THREADS:-2}
connections=${CONNECTIONS:-32}
duration=${DURATION:-10s}
rss_growth_kib=${RSS_GROWTH_KIB:-8192}
rss_total_kib=${RSS_TOTAL_KIB:-65536}

if ! command -v wrk >/dev/null; then
    echo "wrk not found: installing it with apt-get" >&2
    sudo=
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get install -y wrk || { $sudo apt-get update && $sudo apt-get install -y wrk; }
fi
command -v curl >/dev/null || { echo "load.sh needs curl" >&2; exit 2; }

cargo build --release --quiet
target=${CARGO_TARGET_DIR:-target}
case $target in /*) ;; *) target=$repo/$target ;; esac
bin=$target/release/kabar

work=$(mktemp -d)
server=
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill -INT "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

site=$work/site
mkdir -p "$site"
if [ $# -ge 1 ]; then
    corpus=$target/bench/own-$1
    [ -d "$corpus/content" ] || python3 bench/gen_corpus.py "$1" "$corpus" >/dev/null
    src=$corpus
    label="generated corpus, $1 articles"
else
    src=$repo
    label="bundled digest"
fi
for item in site.yaml content templates static; do
    [ -e "$src/$item" ] && cp -r "$src/$item" "$site/"
done

"$bin" -C "$site" serve --port "${PORT:-0}" >"$work/serve.log" 2>&1 &
server=$!
base=
for _ in $(seq 600); do
    base=$(grep -o 'serving on http://[^ ]*/' "$work/serve.log" | head -1 | cut -d' ' -f3 || true)
    [ -n "$base" ] && break
    kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; echo "kabar serve exited" >&2; exit 1; }
    sleep 0.2
done
[ -n "$base" ] || { cat "$work/serve.log" >&2; echo "kabar serve did not start" >&2; exit 1; }

# Paths: one of each kind, taken from what the preview build wrote.
preview=$site/.kabar-preview
article=$(cd "$preview" && find . -mindepth 5 -maxdepth 5 -name index.html -path './[0-9][0-9][0-9][0-9]/*' | sort | head -1)
article=${article#.}
article=${article%index.html}
tag=$(cd "$preview" && find ./tags -mindepth 2 -maxdepth 2 -name index.html | sort | head -1)
tag=${tag#.}
tag=${tag%index.html}
missing=/no-such-page/
paths=(/ "$article" "$tag" /style.css /atom.xml "$missing")

status=0
fail() {
    echo "FAIL: $*" >&2
    status=1
}

# Before loading it: every path answers what it should.
for p in "${paths[@]}"; do
    want=200
    [ "$p" = "$missing" ] && want=404
    got=$(curl -s -o /dev/null -w '%{http_code}' "${base%/}$p")
    [ "$got" = "$want" ] || fail "GET $p answered $got before the load, expected $want"
done
[ $status -eq 0 ] || exit 1

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$server/status"; }
field() { grep -o " $2=[^ ]*" <<<"$1" | cut -d= -f2; }

echo "kabar serve load test: $label, $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'))"
echo "wrk -t$threads -c$connections -d$duration over: ${paths[*]}"
rss_before=$(rss)
declare -a lines rss_after
for run in 1 2; do
    out=$(wrk -t"$threads" -c"$connections" -d"$duration" -s bench/load.lua "$base" -- "${paths[@]}")
    line=$(grep '^KABAR ' <<<"$out" || true)
    [ -n "$line" ] || { echo "$out" >&2; fail "run $run: no summary from wrk"; exit 1; }
    lines[run]=$line
    kill -0 "$server" 2>/dev/null || { fail "the server died during run $run"; exit 1; }
    rss_after[run]=$(rss)
done

printf '\n%-4s %9s %8s %8s %8s %8s %10s %8s %5s %6s %12s\n' \
    run requests 'req/s' 'p50 ms' 'p99 ms' 'max ms' 'sock errs' 'non-2xx' 404s 5xx 'RSS after'
for run in 1 2; do
    l=${lines[run]}
    requests=$(field "$l" requests)
    sock=$(($(field "$l" connect) + $(field "$l" read) + $(field "$l" write) + $(field "$l" timeout)))
    printf '%-4s %9s %8s %8s %8s %8s %10s %8s %5s %6s %8s MiB\n' "$run" "$requests" \
        "$(field "$l" rps)" "$(field "$l" p50_ms)" "$(field "$l" p99_ms)" "$(field "$l" max_ms)" \
        "$sock" "$(field "$l" non2xx3xx)" "$(field "$l" s404)" "$(field "$l" s5xx)" \
        "$(awk "BEGIN {printf \"%.1f\", ${rss_after[run]} / 1024}")"
    [ "$sock" -eq 0 ] || fail "run $run: $sock socket error(s)"
    [ "$(field "$l" s5xx)" -eq 0 ] || fail "run $run: $(field "$l" s5xx) 5xx response(s)"
    unexpected=$(($(field "$l" s4xx) + $(field "$l" sother)))
    [ "$unexpected" -eq 0 ] || fail "run $run: $unexpected response(s) with a status other than 2xx/3xx/404/5xx"
    # Each thread sends the paths in turn, so at most requests/paths (+1 per
    # connection in flight) go to the missing one; more 404s mean a page went missing.
    max404=$((requests / ${#paths[@]} + connections))
    [ "$(field "$l" s404)" -le "$max404" ] || fail "run $run: $(field "$l" s404) 404s, more than the missing path's $max404"
done
growth=$((rss_after[2] - rss_after[1]))
total=$((rss_after[2] - rss_before))
printf '\nRSS before %.1f MiB, after run 1 %.1f MiB, after run 2 %.1f MiB: %+d KiB between the runs (bound %d), %+d KiB in all (bound %d)\n' \
    "$(awk "BEGIN {print $rss_before / 1024}")" "$(awk "BEGIN {print ${rss_after[1]} / 1024}")" \
    "$(awk "BEGIN {print ${rss_after[2]} / 1024}")" "$growth" "$rss_growth_kib" "$total" "$rss_total_kib"
[ "$growth" -le "$rss_growth_kib" ] || fail "memory grew by $growth KiB between the runs"
[ "$total" -le "$rss_total_kib" ] || fail "memory grew by $total KiB in all"

got=$(curl -s -o /dev/null -w '%{http_code}' "$base")
[ "$got" = 200 ] || fail "GET / answered $got after the load"
if [ $status -eq 0 ]; then
    echo "ok: no socket errors, no 5xx, memory flat"
fi
exit $status
