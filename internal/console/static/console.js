// Surveyor console: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Selects marked data-autosubmit submit their form when changed.
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });

  function initDiagram() {
    var svg = document.getElementById("erd");
    if (!svg || svg.dataset.ready) return;
    svg.dataset.ready = "1";
    var frame = svg.closest(".erd-frame");
    var canvas = svg.parentNode;
    frame.classList.add("js");
    var tools = frame.querySelector(".erd-tools");
    if (tools) tools.hidden = false;

    var full = svg.viewBox.baseVal;
    var W = full.width, H = full.height;
    var view = { x: 0, y: 0, w: W, h: H };
    function apply() { svg.setAttribute("viewBox", view.x + " " + view.y + " " + view.w + " " + view.h); }
    function fit() {
      var r = canvas.getBoundingClientRect();
      var aspect = r.width / Math.max(r.height, 1);
      view.w = Math.max(W, H * aspect); view.h = view.w / aspect;
      view.x = (W - view.w) / 2; view.y = (H - view.h) / 2;
      apply();
    }
    // Point of the drawing under client coordinates.
    function point(cx, cy) {
      var r = canvas.getBoundingClientRect();
      return { x: view.x + (cx - r.left) / r.width * view.w, y: view.y + (cy - r.top) / r.height * view.h };
    }
    function zoom(factor, cx, cy) {
      var r = canvas.getBoundingClientRect();
      if (cx === undefined) { cx = r.left + r.width / 2; cy = r.top + r.height / 2; }
      var p = point(cx, cy);
      var w = Math.min(Math.max(view.w * factor, 80), Math.max(W, H) * 4);
      var f = w / view.w;
      view.x = p.x - (p.x - view.x) * f; view.y = p.y - (p.y - view.y) * f;
      view.w = w; view.h = view.h * f;
      apply();
    }
    canvas.addEventListener("wheel", function (e) {
      e.preventDefault();
      zoom(e.deltaY > 0 ? 1.15 : 1 / 1.15, e.clientX, e.clientY);
    }, { passive: false });

    var drag = null, moved = false;
    canvas.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y }; moved = false;
    });
    window.addEventListener("pointermove", function (e) {
      if (!drag) return;
      var r = canvas.getBoundingClientRect();
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) moved = true;
      view.x = drag.vx - dx / r.width * view.w; view.y = drag.vy - dy / r.height * view.h;
      apply();
    });
    window.addEventListener("pointerup", function () { drag = null; });

    if (tools) tools.addEventListener("click", function (e) {
      var b = e.target.closest("button"); if (!b) return;
      if (b.dataset.zoom === "in") zoom(1 / 1.4);
      if (b.dataset.zoom === "out") zoom(1.4);
      if (b.dataset.zoom === "fit") fit();
    });

    // Focus: a click on a table highlights it, its neighbours and the edges between them.
    var edges = svg.querySelectorAll(".edge");
    function clearFocus() {
      svg.classList.remove("focused");
      svg.querySelectorAll(".hl").forEach(function (n) { n.classList.remove("hl", "center"); });
    }
    function focusOn(name) {
      clearFocus();
      var keep = {}; keep[name] = true;
      edges.forEach(function (e) {
        if (e.dataset.from === name || e.dataset.to === name) {
          keep[e.dataset.from] = true; keep[e.dataset.to] = true; e.classList.add("hl");
        }
      });
      svg.querySelectorAll(".node").forEach(function (n) {
        if (keep[n.dataset.table]) n.classList.add("hl");
        if (n.dataset.table === name) n.classList.add("center");
      });
      svg.classList.add("focused");
    }
    svg.addEventListener("click", function (e) {
      if (moved) return;
      if (e.target.closest("a")) return; // the name opens the table
      var node = e.target.closest(".node");
      if (!node) { clearFocus(); return; }
      if (node.classList.contains("center")) clearFocus(); else focusOn(node.dataset.table);
    });
    // Start whole when the whole is readable; otherwise readable, at the top, where the most
    // referenced tables are ("Fit" shows everything).
    fit();
    var r = canvas.getBoundingClientRect();
    var scale = r.width / view.w;
    if (scale < 0.6) {
      var w = r.width / 0.6;
      view.h = view.h * w / view.w; view.w = w;
      view.x = (W - view.w) / 2; view.y = 0;
      apply();
    }
  }

  document.addEventListener("DOMContentLoaded", initDiagram);
  document.addEventListener("htmx:afterSettle", initDiagram);
})();
