#!/usr/bin/env python3
"""Preview latency: how long after a save the edit is in the page `kabar serve` serves.

    bench/preview.py [N] [EDITS]       (default 10000 articles, 9 edits)

Starts `kabar serve` on the generated corpus of N articles (target/bench/own-<N>, made by
bench/gen_corpus.py when missing), then, with the server idle between steps:
  1. edits one article EDITS times (appends a paragraph with a unique marker) and polls
     its page until the marker is served: save-to-visible latency, median and worst;
     then again with a save every 300 ms, as an editor typing and saving;
  2. adds a new article that copies another's tags, story id and text, and polls until
     it is on its own page, its day page, a tag page, the front page and the copied
     article's related list (which a full build would also give);
  3. deletes it again and polls until the front page no longer lists it.
The baseline, measured in the same run, is the server's initial full build.
Everything is measured from outside: the output file is watched on disk (cheap to
poll every 2 ms, so the poller does not steal the CPU the server needs), then the
page is fetched over HTTP, as the browser does when the live-reload event arrives.
"""

import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, ""
    except OSError:
        return 0, ""


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def wait_until(check, what, timeout=30.0):
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if check():
            return time.perf_counter() - started
        time.sleep(0.002)
    sys.exit(f"timed out waiting for {what}")


def front(path):
    text = open(path, encoding="utf-8").read()
    fm = text.split("---", 2)[1]
    field = lambda k: re.search(rf"^{k}: *(.*)$", fm, re.M).group(1).strip().strip('"')
    return text, field


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    edits = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    site = os.path.join(ROOT, "target", "bench", f"own-{n}")
    if not os.path.isdir(os.path.join(site, "content")):
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_corpus.py"), str(n), site],
                       check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen(
        [os.path.join(ROOT, "target", "release", "kabar"), "-C", site, "serve", "--port", str(port)],
        stderr=subprocess.PIPE, text=True)
    log = []
    threading.Thread(target=lambda: [log.append(l.rstrip()) for l in server.stderr], daemon=True).start()
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(site, "content"))
                   for f in fs if f.endswith(".md"))
    added = os.path.join(site, "content", "zz-preview-bench.md")
    try:
        wait_until(lambda: any(l.startswith("serving on") for l in log), "the first build", 600)
        # The lints and related lists that follow the first build.
        wait_until(lambda: any(l.startswith("settled ") for l in log), "the first settling", 600)
        full = next(l for l in log if l.startswith("built "))
        print(f"baseline: {full}")

        # 1. edits
        path = files[len(files) // 2]
        original, field = front(path)
        page = field("date")[:10].replace("-", "/") + "/" + field("slug") + "/"
        url = base + page
        page_file = os.path.join(site, ".kabar-preview", page, "index.html")
        if get(url)[0] != 200:
            sys.exit(f"{url} is not served")

        def edit_latencies(gap):
            """Saves the article EDITS times, `gap` seconds apart (from save to save):
            save → page served, in milliseconds, sorted."""
            latencies = []
            try:
                for k in range(edits):
                    marker = f"kabar-bench-edit-{k}-{time.time_ns()}"
                    with open(path, "w", encoding="utf-8") as f:
                        f.write(f"{original}\n{marker}\n")
                    started = time.perf_counter()
                    wait_until(lambda: marker in read(page_file), "the edit on disk")
                    wait_until(lambda: marker in get(url)[1], "the edit served")
                    latencies.append(time.perf_counter() - started)
                    time.sleep(max(0.0, gap - (time.perf_counter() - started)))
            finally:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(original)
            return sorted(x * 1000 for x in latencies)

        for name, gap in [("edit one article, save → page served", 2.5),
                          # an editor saving as they type: the second pass must not hold pages back
                          ("same, saving every 300 ms", 0.3)]:
            ms = edit_latencies(gap)
            print(f"{name}: median {statistics.median(ms):.0f} ms, "
                  f"best {ms[0]:.0f} ms, worst {ms[-1]:.0f} ms ({edits} saves, {gap:g} s apart)")
            time.sleep(3)

        # 2. a new article on the story of an existing one
        source_path = files[0]
        text, field = front(source_path)
        # Dated now: the newest story, so it leads the front page and its tag pages.
        now = time.strftime("%Y-%m-%dT%H:%M:00+07:00", time.gmtime(time.time() + 7 * 3600))
        day = now[:10]
        body = text.split("---", 2)[2]
        title = "Kabar bench " + field("title")
        tags = re.search(r"^tags: *(.*)$", text, re.M).group(1)
        source_url = base + field("date")[:10].replace("-", "/") + "/" + field("slug") + "/"
        with open(added, "w", encoding="utf-8") as f:
            f.write(f'---\ntitle: "{title}"\nslug: zz-preview-bench\ndate: {now}\n'
                    f'tags: {tags}\nstory: "{field("story")}"\n---\n{body}')
        new_url = f"{day.replace('-', '/')}/zz-preview-bench/"
        tag_slug = re.sub(r"[^a-z0-9]+", "-", re.findall(r'"([^"]+)"', tags)[0].lower()).strip("-")
        checks = {
            "its page": lambda: get(base + new_url)[0] == 200,
            "day page": lambda: title in get(base + day.replace("-", "/") + "/")[1],
            "tag page": lambda: title in get(base + f"tags/{tag_slug}/")[1],
            "front page": lambda: title in get(base)[1],
            "related list of the story": lambda: new_url in get(source_url)[1],
        }
        started = time.perf_counter()
        for name, check in checks.items():
            wait_until(check, f"the new article on {name}")
        print(f"new article on its page, day page, tag page, front page and a related list: "
              f"{(time.perf_counter() - started) * 1000:.0f} ms")
        time.sleep(2)
        os.remove(added)
        gone = wait_until(lambda: title not in get(base)[1], "the deletion")
        print(f"deleted article gone from the front page: {gone * 1000:.0f} ms")
        time.sleep(2)
        with open(f"/proc/{server.pid}/status") as f:
            peak = next(l.split()[1] for l in f if l.startswith("VmHWM:"))
        print(f"server peak RSS: {int(peak) / 1024:.0f} MiB")
        print("server log of the updates:")
        for line in log:
            if line.startswith(("updated ", "settled ", "second pass")):
                print("  " + line)
    finally:
        if os.path.exists(added):
            os.remove(added)
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
