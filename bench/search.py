#!/usr/bin/env python3
"""Bytes a search fetches: replays static/search.js's requests (the /search/ page: 20
candidates) for each query against a built site and prints per-query bytes, median, max.

    bench/search.py OUT_DIR [QUERY…]      (default: the 20 queries below)
"""
import json, math, os, re, statistics, sys

ALPHA = "0123456789abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&*"
DIGIT = {c: i for i, c in enumerate(ALPHA)}
# Words of ../shared/bench/gen_corpus.py's vocabulary: frequent, rare, two and three
# words, stemmed forms (di-, -nya), a body-only phrase, an author, a source, a tag.
QUERIES = [
    "gaci", "cisan", "sanyika", "mufepi", "nyatiran", "cecuman widi", "gaci todi",
    "lihajaga dura", "dicecuman", "mufepinya", "Yemade Jerinyi", "The Daily Ledger",
    "cokire", "keramarik tafala", "nyijonyabo wale", "dejucin", "hongotakar",
    "ngosarek gaci cisan", "ropikohim", "tsunami",
]


def fnv(s):
    h = 0x811C9DC5
    for b in s.encode():
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def stem_id(w):  # the build's Indonesian stemmer, as search.js ports it
    if not w.isascii() or len(w) < 5:
        return w
    def first(x, sufs):
        for s in sufs:
            if len(x) >= len(s) + 4 and x.endswith(s):
                return x[: -len(s)]
        return x
    def prefix(x):
        v = lambda r: r[:1] in "aeiou" and r != ""
        for p in ("meng", "peng"):
            if x.startswith(p):
                r = x[4:]
                return ("k" + r if v(r) else r) if r else None
        for p in ("meny", "peny"):
            if x.startswith(p):
                r = x[4:]
                return "s" + r if v(r) else None
        for p in ("mem", "pem"):
            if x.startswith(p):
                r = x[3:]
                return "p" + r if v(r) else r
        for p in ("men", "pen"):
            if x.startswith(p):
                r = x[3:]
                return "t" + r if v(r) else r
        for p in ("ber", "ter", "per", "me", "di", "ke", "se", "be", "pe"):
            if x.startswith(p):
                return x[len(p):]
        return None
    def prefixes(x):
        for _ in range(2):
            n = prefix(x)
            if n is None or len(n) < 4:
                break
            x = n
        return x
    x = first(first(w, ["lah", "kah", "tah", "pun"]), ["nya", "ku", "mu"])
    s = prefixes(first(x, ["kan", "an", "i"]))
    return s if len(s) >= 4 else prefixes(x)


def stem_en(w):
    out = []
    m = re.match(r"^(.{3,})(ies|ied)$", w)
    if m:
        out.append(m.group(1) + "i")
    m = re.match(r"^(.{3,}?)(ing|ed|es|s|ly)$", w)
    if m:
        out.append(m.group(1))
    return out


class Client:
    def __init__(self, root):
        self.root, self.fetched, self.shards = root, set(), {}
        self.meta = json.loads(self.get("meta.json"))

    def get(self, rel):
        self.fetched.add(rel)
        with open(os.path.join(self.root, "search", rel), encoding="utf-8") as f:
            return f.read()

    def load(self, rel):
        if rel not in self.shards:
            m = {}
            for line in self.get(rel).split("\n"):
                t, _, rest = line.partition("\t")
                if not t:
                    continue
                e = m.setdefault(t, {})
                if rest.startswith(">"):
                    e["forms"] = rest[1:].split(" ")
                else:
                    df, _, post = rest.partition("\t")
                    e["df"], e["post"] = int(df), post
            self.shards[rel] = m
        self.fetched.add(rel)
        return self.shards[rel]

    # A term's entry in the base layer and the recent layer, merged as search.js does:
    # df summed, one posting part per layer, forms united.
    def entry(self, term):
        h = fnv(term)
        rels = []
        if self.meta.get("shards"):
            rels.append(f"t/{h % self.meta['shards']}.txt")
        if self.meta.get("recent"):
            rels.append(f"r/{h % self.meta['recent']}.txt")
        e = None
        for rel in rels:
            x = self.load(rel).get(term)
            if x is None:
                continue
            e = e or {}
            if "post" in x:
                e["df"] = e.get("df", 0) + x["df"]
                e.setdefault("post", []).append(x["post"])
            for f in x.get("forms", []):
                if f not in e.setdefault("forms", []):
                    e["forms"].append(f)
        return e

    def stems(self, w):
        e = self.entry(w)
        if e is None:
            forms = []
            tries = [c for c in dict.fromkeys([stem_id(w)] + stem_en(w)) if c != w][:3]
            for c in tries:
                x = self.entry(c)
                if x:
                    if "post" in x:
                        forms.append(c)
                    forms += x.get("forms", [])
            e = {"forms": forms} if forms else None
        out = []
        if e and "post" in e:
            out.append(w)
        for s in (e or {}).get("forms", []):
            if s not in out:
                out.append(s)
        return [x for x in (self.entry(s) for s in out) if x and "post" in x]

    def search(self, q, candidates=20):
        words = []
        for p in re.split(r"[^\w]+|_", q[:1000].lower()):
            if len(p.encode()) >= 2 and not p.isdigit() and p not in words and len(p.encode()) <= 64:
                words.append(p)
        words = words[:8]
        n = max(self.meta["docs"], 1)
        scores = {}
        for w in words:
            best = {}
            for l in self.stems(w):
                idf = math.log(1 + (n - l["df"] + 0.5) / (l["df"] + 0.5))
                for i, wt in (p for part in l["post"] for p in decode(part)):
                    best[i] = max(best.get(i, 0), idf * wt)
            for i, s in best.items():
                r = scores.setdefault(i, [0, 0])
                r[0] += 1
                r[1] += s
        most = max((r[0] for r in scores.values()), default=0)
        hits = sorted(((r[1] * (1 + 0.5 * i / n), i) for i, r in scores.items() if r[0] == most), reverse=True)
        for _, i in hits[:candidates]:
            self.get(f"d/{i // self.meta['block']}.json")
        return len(hits)

    def bytes(self):
        return sum(os.path.getsize(os.path.join(self.root, "search", r)) for r in self.fetched)


def decode(post):
    i, n, doc = 0, len(post), 0
    while i < n:
        v, d = 0, DIGIT[post[i]]
        i += 1
        while d >= 32 and i < n:
            v = (v << 5) | (d - 32)
            d = DIGIT[post[i]]
            i += 1
        doc += (v << 5) | d
        yield doc, DIGIT.get(post[i], 0) if i < n else 0
        i += 1


def main():
    root, queries = sys.argv[1], sys.argv[2:] or QUERIES
    sizes = []
    for q in queries:
        c = Client(root)
        hits = c.search(q)
        sizes.append(c.bytes())
        print(f"{q[:40]:<42} {hits:>7} hits {c.bytes() / 1024:>8.1f} KiB in {len(c.fetched)} files")
    print(f"bytes per query: median {statistics.median(sizes) / 1024:.1f} KiB, max {max(sizes) / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
