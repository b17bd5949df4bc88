// kabar search: the header box and the /search/?q= page. A query fetches search/meta.json,
// per word its base shard (search/t/N.txt) and its recent shard (search/r/N.txt; twice that
// when the word is a form of another stem) and the record blocks of its best hits
// (search/d/N.json), never the whole index.
// Shard format and ranking: src/render/search.rs. No dependencies, no eval, no innerHTML.
(function () {
  "use strict";
  var form = document.querySelector("form.search");
  if (!form || !window.fetch) return;
  var base = form.getAttribute("data-index");
  var text = {
    empty: form.getAttribute("data-empty") || "",
    results: form.getAttribute("data-results") || "{n}",
    more: form.getAttribute("data-more") || "+{n}"
  };
  var MAX_WORDS = 8, MAX_WORD_BYTES = 64;
  var ALPHA = "0123456789abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&*";
  var DIGIT = {};
  for (var k = 0; k < ALPHA.length; k++) DIGIT[ALPHA.charAt(k)] = k;
  var SPLIT = /[^\p{Alphabetic}\p{N}]+/u, WORD = /([\p{Alphabetic}\p{N}]+)/u;
  var encoder = new TextEncoder();
  var files = {};

  function get(path, json) {
    if (!files[path]) {
      files[path] = fetch(base + path).then(function (r) {
        if (!r.ok) throw new Error(path + ": " + r.status);
        return json ? r.json() : r.text();
      });
      files[path].catch(function () { delete files[path]; });
    }
    return files[path];
  }

  function meta() { return get("meta.json", true); }

  // The same words as the build's tokenizer: runs of letters and digits, lower-cased,
  // at least two bytes, not all digits.
  function words(q) {
    var out = [];
    var parts = String(q).slice(0, 1000).toLowerCase().split(SPLIT);
    for (var i = 0; i < parts.length && out.length < MAX_WORDS; i++) {
      var w = parts[i], bytes = encoder.encode(w).length;
      if (bytes < 2 || bytes > MAX_WORD_BYTES || /^[0-9]+$/.test(w)) continue;
      if (out.indexOf(w) < 0) out.push(w);
    }
    return out;
  }

  function fnv(s) {
    var b = encoder.encode(s), h = 0x811c9dc5;
    for (var i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
    return h >>> 0;
  }

  var parsed = {};
  function load(path) {
    if (!parsed[path]) {
      parsed[path] = get(path, false).then(function (body) {
        var map = new Map(), lines = body.split("\n");
        for (var i = 0; i < lines.length; i++) {
          var line = lines[i], tab = line.indexOf("\t");
          if (tab < 1) continue;
          var t = line.slice(0, tab), rest = line.slice(tab + 1);
          var e = map.get(t) || {};
          if (rest.charAt(0) === ">") e.forms = rest.slice(1).split(" ");
          else {
            var tab2 = rest.indexOf("\t");
            e.df = parseInt(rest.slice(0, tab2), 10) || 1;
            e.post = rest.slice(tab2 + 1);
          }
          map.set(t, e);
        }
        return map;
      });
      parsed[path].catch(function () { delete parsed[path]; });
    }
    return parsed[path];
  }

  // A term's entry in both layers, merged: document frequencies add up, posting lists
  // (disjoint ids, base first) are kept as a list of encoded parts, forms are united.
  function shard(m, term) {
    // An index of version 1 (a page cached from before the layers) has only `t/`.
    var h = fnv(term), paths = m.recent ? ["r/" + (h % m.recent) + ".txt"] : [];
    if (m.shards) paths.unshift("t/" + (h % m.shards) + ".txt");
    return Promise.all(paths.map(load)).then(function (maps) {
      var e = null;
      maps.forEach(function (map) {
        var x = map.get(term);
        if (!x) return;
        e = e || {};
        if (x.post !== undefined) {
          e.df = (e.df || 0) + x.df;
          (e.post = e.post || []).push(x.post);
        }
        if (x.forms) {
          e.forms = e.forms || [];
          x.forms.forEach(function (f) { if (e.forms.indexOf(f) < 0) e.forms.push(f); });
        }
      });
      return e;
    });
  }

  // Posting lists: (id delta, weight) pairs, five bits a letter, 32 and up "more follows";
  // one part per layer, each delta-coded from 0.
  function decode(parts, each) {
    for (var p = 0; p < parts.length; p++) decodeOne(parts[p], each);
  }

  function decodeOne(post, each) {
    var id = 0, i = 0, n = post.length;
    while (i < n) {
      var v = 0, d = DIGIT[post.charAt(i++)];
      while (d >= 32 && i < n) { v = (v << 5) | (d - 32); d = DIGIT[post.charAt(i++)]; }
      id += (v << 5) | (d || 0);
      each(id, DIGIT[post.charAt(i++)] || 0);
    }
  }

  // The build's Indonesian stemmer (src/index/related/stem.rs), for words the archive
  // only has in other forms.
  function stemId(w) {
    if (!/^[\x00-\x7f]*$/.test(w) || w.length < 5) return w;
    function strip(x, suf) { return x.length >= suf.length + 4 && x.slice(-suf.length) === suf ? x.slice(0, -suf.length) : null; }
    function first(x, sufs) { for (var i = 0; i < sufs.length; i++) { var y = strip(x, sufs[i]); if (y !== null) return y; } return x; }
    function prefix(x) {
      var vowel = /^[aeiou]/, r;
      if ((r = /^(meng|peng)(.*)$/.exec(x))) return r[2] ? (vowel.test(r[2]) ? "k" + r[2] : r[2]) : null;
      if ((r = /^(meny|peny)(.*)$/.exec(x))) return vowel.test(r[2]) ? "s" + r[2] : null;
      if ((r = /^(mem|pem)(.*)$/.exec(x))) return vowel.test(r[2]) ? "p" + r[2] : r[2];
      if ((r = /^(men|pen)(.*)$/.exec(x))) return vowel.test(r[2]) ? "t" + r[2] : r[2];
      if ((r = /^(ber|ter|per|me|di|ke|se|be|pe)(.*)$/.exec(x))) return r[2];
      return null;
    }
    function prefixes(x) {
      for (var i = 0; i < 2; i++) { var n = prefix(x); if (n === null || n.length < 4) break; x = n; }
      return x;
    }
    var x = first(first(w, ["lah", "kah", "tah", "pun"]), ["nya", "ku", "mu"]);
    var before = x, s = prefixes(first(x, ["kan", "an", "i"]));
    return s.length >= 4 ? s : prefixes(before);
  }

  // English words the archive has only in other forms: the likely Snowball stems.
  function stemEn(w) {
    var out = [], m;
    if ((m = /^(.{3,})(ies|ied)$/.exec(w))) out.push(m[1] + "i");
    if ((m = /^(.{3,}?)(ing|ed|es|s|ly)$/.exec(w))) out.push(m[1]);
    return out;
  }

  function lookup(m, w) {
    return shard(m, w).then(function (e) {
      if (e) return e;
      var tries = [stemId(w)].concat(stemEn(w)).filter(function (c, i, a) { return c !== w && a.indexOf(c) === i; }).slice(0, 3);
      return Promise.all(tries.map(function (c) { return shard(m, c).then(function (x) { return x ? { c: c, e: x } : null; }); }))
        .then(function (found) {
          var e = { forms: [] };
          found.forEach(function (f) {
            if (!f) return;
            if (f.e.post !== undefined) e.forms.push(f.c);
            if (f.e.forms) e.forms = e.forms.concat(f.e.forms);
          });
          return e.forms.length ? e : null;
        });
    });
  }

  // Every stem a query word stands for: itself if it is one, and the stems it is a form of.
  function stemsOf(m, w) {
    return lookup(m, w).then(function (e) {
      var stems = [];
      if (e && e.post !== undefined) stems.push(w);
      if (e && e.forms) e.forms.forEach(function (s) { if (stems.indexOf(s) < 0) stems.push(s); });
      return Promise.all(stems.map(function (s) {
        return (s === w && e.post !== undefined ? Promise.resolve(e) : shard(m, s)).then(function (x) {
          return x && x.post !== undefined ? { stem: s, df: x.df, post: x.post } : null;
        });
      }));
    });
  }

  // BM25 (weights are stored, idf from the archive size), documents with every word
  // first, then a recency boost; ties go to the newer article.
  function rank(m, perWord) {
    var n = Math.max(m.docs, 1), scores = new Map(), stems = [];
    perWord.forEach(function (lists) {
      var best = new Map();
      lists.forEach(function (l) {
        if (!l) return;
        stems.push(l.stem);
        var idf = Math.log(1 + (n - l.df + 0.5) / (l.df + 0.5));
        decode(l.post, function (id, w) {
          var s = idf * w;
          if (!(best.get(id) >= s)) best.set(id, s);
        });
      });
      best.forEach(function (s, id) {
        var r = scores.get(id);
        if (!r) scores.set(id, (r = [0, 0]));
        r[0]++; r[1] += s;
      });
    });
    var hits = [], most = 0;
    scores.forEach(function (r, id) { most = Math.max(most, r[0]); hits.push([id, r[0], r[1] * (1 + 0.5 * id / n)]); });
    hits = hits.filter(function (h) { return h[1] === most; });
    hits.sort(function (a, b) { return b[2] - a[2] || b[0] - a[0]; });
    // A long posting list keeps only its best entries: a one-word query counts them all.
    var total = hits.length;
    if (perWord.length === 1) perWord[0].forEach(function (l) { if (l) total = Math.max(total, l.df); });
    return { hits: hits, stems: stems, total: total };
  }

  // The best `candidates` hits with their records, one group per story.
  function search(q, candidates, groups) {
    var ws = words(q);
    if (!ws.length) return Promise.resolve(null);
    return meta().then(function (m) {
      return Promise.all(ws.map(function (w) { return stemsOf(m, w); })).then(function (perWord) {
        var r = rank(m, perWord), top = r.hits.slice(0, candidates), blocks = [];
        top.forEach(function (h) {
          var b = Math.floor(h[0] / m.block);
          if (blocks.indexOf(b) < 0) blocks.push(b);
        });
        return Promise.all(blocks.map(function (b) { return get("d/" + b + ".json", true); })).then(function (recs) {
          var byStory = new Map(), out = [];
          top.forEach(function (h) {
            var rec = recs[blocks.indexOf(Math.floor(h[0] / m.block))][h[0] % m.block];
            if (!rec) return;
            var g = byStory.get(rec[4]);
            if (g) { g.more.push(rec); return; }
            g = { rec: rec, more: [] };
            byStory.set(rec[4], g);
            out.push(g);
          });
          return { total: r.total, groups: out.slice(0, groups), words: ws, stems: r.stems };
        });
      });
    });
  }

  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content) e.textContent = content;
    return e;
  }

  // Marks the words of `s` that match the query (the word itself, or containing a stem).
  function highlight(parent, s, res) {
    var parts = String(s).split(WORD);
    for (var i = 0; i < parts.length; i++) {
      if (!parts[i]) continue;
      var lower = parts[i].toLowerCase(), hit = false;
      if (i % 2 === 1) hit = matches(lower, res);
      parent.appendChild(hit ? el("mark", "", parts[i]) : document.createTextNode(parts[i]));
    }
  }

  // Whether a word of an article matches the query: the word itself, or containing a stem.
  function matches(lower, res) {
    return res.words.indexOf(lower) >= 0 || res.stems.some(function (st) {
      return lower === st || (st.length >= 4 && lower.indexOf(st) >= 0);
    });
  }

  // The excerpt of a record: a window of its opening text around the first matched word
  // (cut at word boundaries, "…" where it was cut), else its summary. Both are in the
  // record block already fetched: no request of its own.
  var EXCERPT = 180;
  function excerpt(rec, res) {
    var lede = rec[5] || "", parts = lede.split(WORD), at = -1, pos = 0;
    for (var i = 0; i < parts.length; pos += parts[i].length, i++) {
      if (i % 2 === 1 && matches(parts[i].toLowerCase(), res)) { at = pos; break; }
    }
    if (at < 0) return rec[3];
    var start = Math.max(0, at - 60), end = Math.min(lede.length, start + EXCERPT);
    if (start > 0) { var sp = lede.indexOf(" ", start); start = sp >= 0 && sp < at ? sp + 1 : start; }
    if (end < lede.length) { var ep = lede.lastIndexOf(" ", end); end = ep > at ? ep : end; }
    return (start > 0 ? "…" : "") + lede.slice(start, end) + (end < lede.length ? "…" : "");
  }

  function count(n) { return n ? text.results.replace("{n}", n) : text.empty; }

  // The header box: a few results under the input, arrows to move, Enter to open.
  var input = form.querySelector("input");
  var list = form.querySelector(".search-results");
  var status = form.querySelector(".search-status");
  var active = -1, seq = 0, timer = 0;

  function setActive(i) {
    var items = list.querySelectorAll("li[role=option]");
    if (!items.length) { active = -1; return; }
    active = (i + items.length) % items.length;
    for (var j = 0; j < items.length; j++) items[j].setAttribute("aria-selected", j === active ? "true" : "false");
    input.setAttribute("aria-activedescendant", items[active].id);
  }

  function close() {
    list.hidden = true;
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function showBox(res) {
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!res) { close(); if (status) status.textContent = ""; return; }
    if (status) status.textContent = count(res.total);
    if (!res.groups.length) list.appendChild(el("li", "search-empty", text.empty));
    res.groups.forEach(function (g, i) {
      var li = el("li"), a = el("a");
      li.id = "search-option-" + i;
      li.setAttribute("role", "option");
      a.href = g.rec[0];
      a.tabIndex = -1;
      highlight(a, g.rec[1], res);
      a.appendChild(el("small", "", g.rec[2] + (g.more.length ? " · " + text.more.replace("{n}", g.more.length) : "")));
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = false;
    active = -1;
    input.setAttribute("aria-expanded", "true");
  }

  function queryBox() {
    var mine = ++seq;
    search(input.value, 12, 6).then(function (res) { if (mine === seq) showBox(res); },
      function () { if (mine === seq) showBox({ total: 0, groups: [], words: [], stems: [] }); });
  }

  input.addEventListener("focus", function () { meta().catch(function () {}); });
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(queryBox, 120); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (list.hidden) return;
      e.preventDefault();
      setActive(active + (e.key === "ArrowDown" ? 1 : -1) + (active < 0 && e.key === "ArrowUp" ? 1 : 0));
    } else if (e.key === "Enter" && active >= 0) {
      var a = list.querySelectorAll("li[role=option] a")[active];
      if (a) { e.preventDefault(); window.location.href = a.href; }
    } else if (e.key === "Escape") {
      close();
    }
  });
  document.addEventListener("click", function (e) { if (!form.contains(e.target)) close(); });

  // The results page: reads ?q=, keeps the address in step with what is typed.
  var page = document.querySelector("form.search-page");
  if (!page) return;
  var pageInput = page.querySelector("input");
  var hits = document.querySelector(".search-hits");
  var counter = document.querySelector(".search-count");
  var pageSeq = 0, pageTimer = 0;

  function showPage(res) {
    while (hits.firstChild) hits.removeChild(hits.firstChild);
    counter.textContent = res ? count(res.total) : "";
    if (!res) return;
    res.groups.forEach(function (g) {
      var li = el("li", "search-hit"), h = el("h2"), a = el("a");
      a.href = g.rec[0];
      highlight(a, g.rec[1], res);
      h.appendChild(a);
      li.appendChild(h);
      li.appendChild(el("p", "meta", g.rec[2]));
      var p = el("p", "excerpt");
      highlight(p, excerpt(g.rec, res), res);
      li.appendChild(p);
      if (g.more.length) {
        var d = el("details"), ul = el("ul");
        d.appendChild(el("summary", "", text.more.replace("{n}", g.more.length)));
        g.more.forEach(function (r) {
          var item = el("li"), link = el("a", "", r[1]);
          link.href = r[0];
          item.appendChild(link);
          item.appendChild(document.createTextNode(" · " + r[2]));
          ul.appendChild(item);
        });
        d.appendChild(ul);
        li.appendChild(d);
      }
      hits.appendChild(li);
    });
  }

  function queryPage() {
    var mine = ++pageSeq, q = pageInput.value;
    search(q, 20, 10).then(function (res) { if (mine === pageSeq) showPage(res); },
      function () { if (mine === pageSeq) showPage({ total: 0, groups: [], words: [], stems: [] }); });
  }

  var initial = new URLSearchParams(window.location.search).get("q") || "";
  pageInput.value = initial.slice(0, 1000);
  input.value = pageInput.value;
  page.addEventListener("submit", function (e) { e.preventDefault(); queryPage(); });
  pageInput.addEventListener("input", function () {
    clearTimeout(pageTimer);
    pageTimer = setTimeout(function () {
      var url = new URL(window.location.href);
      url.searchParams.set("q", pageInput.value);
      history.replaceState(null, "", url);
      queryPage();
    }, 150);
  });
  queryPage();
})();
