// cutwatch UI niceties. Every page works without this file: it only
// submits the filter form when a box is ticked or the sort changes,
// autocompletes facet values from /api/facets/:field, and makes "Back to
// search" return to the previous results.
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
