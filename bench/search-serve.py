#!/usr/bin/env python3
"""A static file server for bench/search-browser.sh that times searches: from the request
for a bench page to the page's `/__done?bytes=N` beacon (sent once its first results are
on the page), appended to RESULTS as "ms bytes".    search-serve.py ROOT PORT RESULTS"""
import functools, http.server, sys, time, urllib.parse

root, port, results = sys.argv[1], int(sys.argv[2]), sys.argv[3]
started = [0.0]


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path.endswith("bench.html"):
            started[0] = time.monotonic()
        if url.path == "/__done":
            ms = (time.monotonic() - started[0]) * 1000
            b = urllib.parse.parse_qs(url.query).get("bytes", ["0"])[0]
            with open(results, "a") as f:
                f.write(f"{ms:.0f} {b}\n")
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(
    ("127.0.0.1", port), functools.partial(Handler, directory=root)
).serve_forever()
