// gradwork viz page: step through explain's derivation; the graph shows what the steps have reached.
// Inlined into the page; no network, no libraries. Works opened from disk.
(function () {
  "use strict";
  var root = document.querySelector(".gw-page");
  if (!root) { return; }
  root.classList.add("gw-js");
  var steps = Array.prototype.slice.call(root.querySelectorAll(".gw-step"));
  var svg = root.querySelector(".gw-graph svg");
  var nodes = svg ? Array.prototype.slice.call(svg.querySelectorAll("g.node")) : [];
  var edges = svg ? Array.prototype.slice.call(svg.querySelectorAll("g.edge")) : [];
  var prev = root.querySelector(".gw-prev");
  var next = root.querySelector(".gw-next");
  var position = root.querySelector(".gw-position");
  // The stop at which each node's value and gradient appear (written by gradwork.viz.page.reveal_plan).
  var valueAt = {}, gradientAt = {};
  nodes.forEach(function (g) {
    var v = g.getAttribute("data-value-at"), d = g.getAttribute("data-grad-at");
    if (v !== null) { valueAt[g.id] = parseInt(v, 10); }
    if (d !== null) { gradientAt[g.id] = parseInt(d, 10); }
  });
  var current = 0;

  function later(table, id, i) { return (id in table) && table[id] > i; }
  function forwardPhase(phase) { return phase === "forward" || phase === "loss"; }

  function show(i) {
    if (!steps.length) { return; }
    current = Math.max(0, Math.min(steps.length - 1, i));
    var step = steps[current];
    var marked = (step.getAttribute("data-nodes") || "").split(" ").filter(Boolean);
    var phase = step.getAttribute("data-phase") || "";
    root.setAttribute("data-phase", phase);
    steps.forEach(function (s, k) { s.classList.toggle("gw-current", k === current); });
    nodes.forEach(function (g) {
      g.classList.toggle("gw-highlight", marked.indexOf(g.id) >= 0);
      g.classList.toggle("gw-pending", later(valueAt, g.id, current));
      g.classList.toggle("gw-grad-pending", later(gradientAt, g.id, current));
    });
    edges.forEach(function (g) {
      // Edge ids: <operand>__<result>__fwd<k> and <operand>__<result>__bwd<k>.
      var parts = g.id.split("__");
      if (parts.length !== 3) { return; }
      var forward = parts[2].indexOf("fwd") === 0;
      var active = forward ? (forwardPhase(phase) && marked.indexOf(parts[1]) >= 0)
                           : (phase === "backward" && marked.indexOf(parts[0]) >= 0);
      g.classList.toggle("gw-active", active);
      g.classList.toggle("gw-pending", forward ? later(valueAt, parts[1], current)
                                               : later(gradientAt, parts[0], current));
    });
    if (position) { position.textContent = "Step " + (current + 1) + " of " + steps.length; }
    if (prev) { prev.disabled = current === 0; }
    if (next) { next.disabled = current === steps.length - 1; }
  }

  if (prev) { prev.addEventListener("click", function () { show(current - 1); }); }
  if (next) { next.addEventListener("click", function () { show(current + 1); }); }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var keys = { ArrowRight: current + 1, ArrowDown: current + 1, ArrowLeft: current - 1, ArrowUp: current - 1,
                 Home: 0, End: steps.length - 1 };
    if (!(event.key in keys)) { return; }
    event.preventDefault();
    show(keys[event.key]);
  });
  // Clicking a node jumps to where its gradient appears (in the backward pass) or its value (otherwise).
  nodes.forEach(function (g) {
    g.addEventListener("click", function () {
      var backward = root.getAttribute("data-phase") === "backward";
      var first = backward ? gradientAt : valueAt, second = backward ? valueAt : gradientAt;
      if (g.id in first) { show(first[g.id]); } else if (g.id in second) { show(second[g.id]); }
    });
  });
  // Fit the drawing to the column, or show it at its actual size (scrolling) for big graphs.
  var zoom = root.querySelector(".gw-zoom");
  var figure = root.querySelector(".gw-graph");
  if (zoom && figure && svg) {
    zoom.hidden = false;
    zoom.addEventListener("click", function () {
      var actual = figure.classList.toggle("gw-actual-size");
      zoom.textContent = actual ? "Fit to width" : "Actual size";
    });
  }
  show(0);
})();
