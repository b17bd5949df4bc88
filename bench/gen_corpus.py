#!/usr/bin/env python3
"""kabar's benchmark corpus: N synthetic news articles in kabar's front matter.

usage: gen_corpus.py N OUTDIR [--seed S] [--hide-story] [--flavor kabar|hugo]

Articles come in stories (one event covered 1-8 times over a few days), each story on
a beat whose vocabulary it shares with other stories, so related-story quality can be
scored: `story` is the ground truth. With --hide-story the field is left out of the
articles and written to OUTDIR/stories.json instead (slug -> story id).
Text is pseudo-words with a Zipf distribution, in an Indonesian-like and an
English-like register (lang id / en).
"""
import argparse, bisect, datetime as dt, itertools, json, os, random

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--hide-story", action="store_true")
    ap.add_argument("--flavor", default="kabar", choices=["kabar", "hugo"])
    a = ap.parse_args()
    rng = random.Random(a.seed)

    syll = [c + v for c in "bcdfghjklmnprstwy" for v in "aiueo"]
    vocab, seen = [], set()
    while len(vocab) < 40000:
        w = "".join(rng.choice(syll) for _ in range(rng.choice([2, 2, 3, 3, 3, 4])))
        if w not in seen:
            seen.add(w); vocab.append(w)
    weights = list(itertools.accumulate(1.0 / (i + 1) ** 1.05 for i in range(len(vocab))))
    def word():
        return vocab[bisect.bisect_left(weights, rng.random() * weights[-1])]

    tag_names = sorted({w.capitalize() for w in vocab[3000:3600]})[:500]
    tag_w = list(itertools.accumulate(1.0 / (i + 1) ** 0.9 for i in range(len(tag_names))))
    def tag():
        return tag_names[bisect.bisect_left(tag_w, rng.random() * tag_w[-1])]
    beats = [[rng.choice(vocab[500:]) for _ in range(30)] for _ in range(80)]
    people = [f"{rng.choice(vocab).capitalize()} {rng.choice(vocab).capitalize()}" for _ in range(80)]
    start = dt.datetime(2022, 1, 1, 6, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))

    def sentence(topic, lo=8, hi=18):
        ws = [rng.choice(topic) if rng.random() < 0.08 else word() for _ in range(rng.randint(lo, hi))]
        ws[0] = ws[0].capitalize()
        return " ".join(ws) + "."

    content = os.path.join(a.out, "content")
    os.makedirs(content, exist_ok=True)
    stories, slugs = {}, set()
    i = story = 0
    while i < a.n:
        story += 1
        size = min(a.n - i, 1 + min(7, int(rng.expovariate(1 / 1.8))))
        beat = rng.choice(beats)
        topic = rng.sample(beat, 6) + [rng.choice(vocab[800:]) for _ in range(4)]
        stags = list({tag() for _ in range(rng.randint(2, 3))})
        lang = "id" if rng.random() < 0.6 else "en"
        base = start + dt.timedelta(minutes=rng.randint(0, 4 * 365 * 24 * 60))
        for k in range(size):
            i += 1
            date = base + dt.timedelta(hours=rng.randint(0, 24 * 4) * (k > 0))
            title = sentence(topic, 5, 10).rstrip(".")
            slug = "-".join(title.lower().split()[:6])
            while slug in slugs:
                slug += f"-{rng.randint(2, 999)}"
            slugs.add(slug)
            tags = sorted(set(stags[: rng.randint(1, len(stags))] + ([tag()] if rng.random() < 0.4 else [])))
            paras = []
            for p in range(rng.randint(5, 12)):
                if p and rng.random() < 0.1:
                    paras.append("## " + sentence(topic, 3, 5).rstrip("."))
                elif rng.random() < 0.05:
                    paras.append("> " + sentence(topic))
                else:
                    paras.append(" ".join(sentence(topic) for _ in range(rng.randint(2, 5))))
            if rng.random() < 0.02:
                paras.append("```python\ndef f(x):\n    return [y * 2 for y in x if y > 3]\n```")
            sid = f"s{story}"
            stories[slug] = sid
            fm = ["---", f'title: "{title}"', f"date: {date.isoformat()}"]
            if a.flavor == "kabar":
                fm.append(f"slug: {slug}")
            fm.append(f'summary: "{sentence(topic, 12, 24)}"')
            fm.append("tags: [" + ", ".join(f'"{t}"' for t in tags) + "]")
            fm.append(f'authors: ["{rng.choice(people)}"]')
            if a.flavor == "kabar":
                fm.append(f"lang: {lang}")
                if not a.hide_story:
                    fm.append(f"story: {sid}")
            fm.append("---")
            d = date.strftime("%Y/%m/%d")
            folder = os.path.join(content, d) if a.flavor == "kabar" else os.path.join(content, "posts")
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, slug + ".md"), "w") as f:
                f.write("\n".join(fm) + "\n\n" + "\n\n".join(paras) + "\n")
    with open(os.path.join(a.out, "stories.json"), "w") as f:
        json.dump(stories, f, sort_keys=True)
    with open(os.path.join(a.out, "site.yaml"), "w") as f:
        f.write('title: "Bench"\nbase_url: "https://bench.example.org/"\nlang: id\ntimezone: Asia/Jakarta\npaginate: 20\n')
    print(f"{i} articles in {story} stories -> {content}")

main()
