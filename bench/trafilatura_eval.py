#!/usr/bin/env python3
"""trafilatura's output on the ScrapingHub article-extraction benchmark, for
`cargo run --example import_eval -- BENCH_DIR --score OUT.json`.

    python3 bench/trafilatura_eval.py BENCH_DIR OUT.json

BENCH_DIR is a checkout of the benchmark (html/*.html.gz); nothing is
downloaded. Needs `pip install trafilatura lxml_html_clean` (in a venv). The
call is the one the benchmark's own extractors/run_trafilatura.py makes, so the
numbers are comparable with the published ones.
"""
import gzip
import json
import sys
from pathlib import Path

import trafilatura


def main() -> None:
    bench, out = Path(sys.argv[1]), Path(sys.argv[2])
    result = {}
    for page in sorted((bench / "html").glob("*.html.gz")):
        with gzip.open(page, "rt", encoding="utf8", errors="replace") as f:
            html = f.read()
        body = trafilatura.extract(html, include_comments=False)
        result[page.name.split(".")[0]] = {"articleBody": body or ""}
    out.write_text(json.dumps({"version": trafilatura.__version__, "output": result}))


if __name__ == "__main__":
    main()
