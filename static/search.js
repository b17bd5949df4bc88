// kabar search box: loads /search-index.json once, on first use, and filters it in the page.
(function () {
  "use strict";
  var form = document.querySelector("form.search");
  if (!form) return;
  var input = form.querySelector("input");
  var list = form.querySelector(".search-results");
  var items = null;
  var loading = null;

  function load() {
    if (!loading) {
      loading = fetch(form.getAttribute("data-index"))
        .then(function (r) { return r.json(); })
        .then(function (data) { items = data; });
    }
    return loading;
  }

  function fold(s) {
    return s.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function score(item, terms) {
    var title = fold(item.t), rest = fold(item.s + " " + item.g.join(" "));
    var total = 0;
    for (var i = 0; i < terms.length; i++) {
      if (title.indexOf(terms[i]) >= 0) total += 3;
      else if (rest.indexOf(terms[i]) >= 0) total += 1;
      else return 0;
    }
    return total;
  }

  function show() {
    var q = fold(input.value.trim());
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!q || !items) { list.hidden = true; return; }
    var terms = q.split(/\s+/);
    var hits = items
      .map(function (item, i) { return { item: item, s: score(item, terms), i: i }; })
      .filter(function (h) { return h.s > 0; })
      .sort(function (a, b) { return b.s - a.s || a.i - b.i; })
      .slice(0, 10);
    if (hits.length === 0) {
      var none = document.createElement("li");
      none.textContent = form.getAttribute("data-empty");
      none.style.padding = ".45rem .8rem";
      list.appendChild(none);
    }
    hits.forEach(function (h) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = h.item.u;
      a.textContent = h.item.t;
      var small = document.createElement("small");
      small.textContent = h.item.d + (h.item.g.length ? " · " + h.item.g.join(", ") : "");
      a.appendChild(small);
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = false;
  }

  input.addEventListener("focus", load);
  input.addEventListener("input", function () { load().then(show); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { input.value = ""; show(); }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var first = list.querySelector("a");
    if (first) window.location.href = first.href;
  });
  var params = new URLSearchParams(window.location.search);
  if (params.get("q")) { input.value = params.get("q"); load().then(show); }
})();
