#!/usr/bin/env bash
# Related-stories evaluation: recall@5 of same-story siblings with `story:` hidden
# from the engine, kabar's blend against a plain TF-IDF baseline, and the median
# time of the related step. Corpora: bench/multisource (hand-written coverage of
# 14 events by several outlets, in two languages) and generated ones of each size.
#   bench/related.sh [SIZES…]     (default: 3000 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ $# -eq 0 ] && sizes=(3000 10000)
cargo build --release --quiet --example related_eval
eval=target/release/examples/related_eval
echo "== bench/multisource"
"$eval" bench/multisource
for n in "${sizes[@]}"; do
  dir=target/bench/related-$n
  [ -d "$dir/content" ] || python3 bench/gen_corpus.py "$n" "$dir" >/dev/null
  echo "== generated, $n articles"
  /usr/bin/time -f "(peak RSS of the whole run: %M KB)" "$eval" "$dir"
done
