// cutwatch UI niceties. Every page works without this file: it only
// submits the filter form when a box is ticked or the sort changes,
// searches as you type (the results below the box are replaced by those
// of the server's own page for the new query), autocompletes facet values
// from /api/facets/:field, and makes "Back to search" return to the
// previous results.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function submit(form) {
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  ready(function () {
    var form = document.getElementById("search");
    if (form) {
      form.addEventListener("change", function (ev) {
        var t = ev.target;
        if ((t.type === "checkbox" && t.name) || t.id === "sort") submit(form);
      });
      form.querySelectorAll(".finder").forEach(function (f) { setupFinder(form, f); });
      setupLiveSearch(form);
    }

    // "Back to search" goes back in history when we came from a search
    // page of this site, so the previous results, scroll position and all,
    // come back.
    document.querySelectorAll("a[data-back]").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        var ref;
        try { ref = new URL(document.referrer); } catch (e) { return; }
        if (ref.origin === location.origin && ref.pathname === "/" && history.length > 1) {
          ev.preventDefault();
          history.back();
        }
      });
    });
  });

  // setupLiveSearch searches as the query is typed: a pause of 250 ms
  // after the last key asks the server for the search page of the form's
  // state (a new search: first page), cancelling the request before it if
  // it is still under way, and puts its results, filters and message in
  // place of the current ones; the address follows, so that reloading or
  // sharing it shows the same. The search box itself is left alone, so the
  // caret and focus stay where they are.
  function setupLiveSearch(form) {
    var q = form.querySelector("#q");
    if (!q || !window.fetch || !window.AbortController || !window.DOMParser) return;
    var timer = 0, inflight = null, last = q.value;
    q.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 250);
    });
    function run() {
      if (q.value === last) return;
      last = q.value;
      if (inflight) inflight.abort();
      var ctl = new AbortController();
      inflight = ctl;
      var params = new URLSearchParams();
      new FormData(form).forEach(function (v, k) {
        if (typeof v === "string" && v !== "" && k !== "from") params.append(k, v);
      });
      var url = "/" + (params.toString() ? "?" + params.toString() : "");
      form.setAttribute("aria-busy", "true");
      fetch(url, { headers: { Accept: "text/html" }, signal: ctl.signal })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          if (inflight !== ctl) return; // a later search is under way
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.querySelector("#search .layout");
          var old = form.querySelector(".layout");
          if (!fresh || !old) return;
          old.replaceWith(document.adoptNode(fresh));
          var wrap = form.querySelector(".searchbar .wrap");
          var oldErr = form.querySelector("#q-error");
          var newErr = doc.querySelector("#q-error");
          if (oldErr) oldErr.remove();
          if (newErr && wrap) wrap.appendChild(document.adoptNode(newErr));
          var box = form.querySelector(".searchbox");
          if (box) box.classList.toggle("invalid", !!newErr);
          if (newErr) {
            q.setAttribute("aria-invalid", "true");
            q.setAttribute("aria-describedby", "q-error");
          } else {
            q.removeAttribute("aria-invalid");
            q.removeAttribute("aria-describedby");
          }
          form.querySelectorAll(".finder").forEach(function (f) { setupFinder(form, f); });
          if (doc.title) document.title = doc.title;
          history.replaceState(null, "", url);
        })
        .catch(function (e) {
          if (e && e.name === "AbortError") return; // replaced by a newer search
        })
        .finally(function () {
          if (inflight === ctl) {
            inflight = null;
            form.removeAttribute("aria-busy");
          }
        });
    }
  }

  // setupFinder shows a facet's value finder and fills its datalist with
  // the values that start with what was typed. Picking a value adds it as a
  // filter.
  function setupFinder(form, box) {
    var input = box.querySelector("input[data-facet]");
    var list = box.querySelector("datalist");
    if (!input || !list) return;
    var field = input.getAttribute("data-facet");
    var timer = 0, seq = 0, known = {};
    box.hidden = false;

    input.addEventListener("input", function (ev) {
      clearTimeout(timer);
      var prefix = input.value.trim();
      // Picking a suggestion fires an input event that is not typing.
      var picked = !ev.inputType || ev.inputType === "insertReplacementText";
      if (picked && known[prefix.toLowerCase()]) { choose(prefix); return; }
      timer = setTimeout(function () { lookup(prefix); }, 150);
    });
    input.addEventListener("focus", function () { if (!list.firstChild) lookup(""); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        ev.preventDefault();
        var v = input.value.trim();
        if (v) choose(v);
      }
    });

    function lookup(prefix) {
      var mine = ++seq;
      var url = "/api/facets/" + encodeURIComponent(field) + "?size=10&prefix=" + encodeURIComponent(prefix);
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { values: [] }; })
        .then(function (body) {
          if (mine !== seq) return; // a later lookup is under way
          list.textContent = "";
          known = {};
          (body.values || []).forEach(function (v) {
            var opt = document.createElement("option");
            opt.value = v.value;
            opt.label = v.count + (v.count === 1 ? " article" : " articles");
            list.appendChild(opt);
            known[v.value.toLowerCase()] = v.value;
          });
        })
        .catch(function () { /* autocomplete is optional */ });
    }

    // choose adds the value as a filter, spelled as the index has it.
    function choose(typed) {
      var value = known[typed.toLowerCase()];
      if (!value) return;
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = field;
      hidden.value = value;
      form.appendChild(hidden);
      submit(form);
    }
  }
})();
