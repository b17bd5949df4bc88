#!/usr/bin/env bash
# Runs kabar's fuzz targets one after another, each for SECONDS (default 600).
#   fuzz/run.sh [SECONDS] [TARGET...]
# Needs cargo-fuzz (`cargo install cargo-fuzz`). On a stable toolchain
# RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags. New corpus entries go to
# fuzz/corpus/<target> (not committed). Seeds are read where they live: the bundled
# articles (content/), the importer's fixtures (tests/fixtures/import/) and, in
# fuzz/seeds/<target>, the few seeds no test uses.
# A crash stops that target and leaves fuzz/artifacts/<target>/crash-*; the script
# goes on with the next target and exits 1 at the end.
set -uo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(frontmatter markdown import_text import_html serve_path serve_resolve)
status=0
mkdir -p logs
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    extra=()
    # Room for front matter past the 16 KiB cap and deeply nested YAML.
    case $t in
        frontmatter) extra=(-max_len=20000 -dict=dicts/frontmatter.dict) ;;
        markdown) extra=(-dict=dicts/markdown.dict) ;;
        serve_resolve) extra=(-dict=dicts/serve_resolve.dict) ;;
        import_html) extra=(-max_len=65536 -dict=dicts/import_html.dict) ;;
    esac
    case $t in
        frontmatter | markdown) seeds=(../content ../tests/fixtures/import) ;;
        import_text | import_html) seeds=(../tests/fixtures/import) ;;
        *) seeds=() ;;
    esac
    [ -d "seeds/$t" ] && seeds+=("seeds/$t")
    echo "== $t for ${secs}s"
    if ! cargo fuzz run "$t" "corpus/$t" "${seeds[@]}" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        "${extra[@]}" 2>&1 | tee "logs/$t.log" | grep -E '^(#[0-9]+[[:space:]]+DONE|Done|stat::|==[0-9]+==|SUMMARY|thread)' ; then
        :
    fi
    if ! grep -qE "^#[0-9]+[[:space:]]+DONE|^Done [0-9]+ runs" "logs/$t.log"; then
        echo "!! $t stopped early (crash, timeout or error): see fuzz/logs/$t.log and fuzz/artifacts/$t/"
        status=1
    fi
done
exit $status
