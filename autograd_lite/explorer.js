// The autograd-lite explorer: step through a backward pass on its computation graph.
//
// Everything shown comes from the page's JSON (made in Python from the engine's own
// steps): this script only chooses what to show for the current position. It puts text
// on the page with textContent only, never as markup.
//
// Positions: 0 .. F are the forward pass (position p: the first p operations computed,
// F = their number), F .. F + S the backward pass (position F + k: k chain-rule steps
// applied). Moving one position changes one node, so a step redraws only that node, the
// arrow and the panels.
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("explorer-data").textContent);
  const nodes = data.nodes;
  const steps = data.steps;
  const forward = data.forward;
  const F = forward.length;
  const last = F + steps.length;
  const svgNS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const svg = document.querySelector("#graph svg");

  // ---------------------------------------------------------------- state

  let position = 0;
  const computed = new Array(nodes.length).fill(false); // forward value shown?
  const grad = new Array(nodes.length).fill(null); // index into what to show: text
  const gradExact = new Array(nodes.length).fill(null);
  const gradShort = new Array(nodes.length).fill(null); // an array's norm, for the picture
  let selected = null; // index of the node whose record is shown
  let asking = false; // quiz: waiting for an answer
  const score = { right: 0, asked: 0 };
  const answered = new Set(); // steps already asked in the quiz

  function resetState() {
    for (let i = 0; i < nodes.length; i++) {
      computed[i] = nodes[i].op === null; // leaves are known before the forward pass
      grad[i] = null;
      gradExact[i] = null;
      gradShort[i] = null;
    }
    position = 0;
  }

  function startBackward() {
    for (let i = 0; i < nodes.length; i++) {
      grad[i] = nodes[i].grad0;
      gradExact[i] = nodes[i].grad0_x;
      gradShort[i] = nodes[i].grad0_short;
    }
  }

  function clearGradients() {
    grad.fill(null);
    gradExact.fill(null);
    gradShort.fill(null);
  }

  // Apply position p -> p + 1; returns the node that changed.
  function forwardOne() {
    const p = position;
    position += 1;
    if (p < F) {
      computed[forward[p]] = true;
      if (position === F) startBackward();
      return forward[p];
    }
    const step = steps[p - F];
    grad[step.input] = step.after;
    gradExact[step.input] = step.after_x;
    gradShort[step.input] = step.after_short;
    return step.input;
  }

  // Undo position p -> p - 1; returns the node that changed.
  function backOne() {
    position -= 1;
    const p = position;
    if (p < F) {
      if (p === F - 1) clearGradients();
      computed[forward[p]] = false;
      return forward[p];
    }
    const step = steps[p - F];
    grad[step.input] = step.before;
    gradExact[step.input] = step.before_x;
    gradShort[step.input] = step.before_short;
    return step.input;
  }

  // ---------------------------------------------------------------- the picture

  // The data and grad fields of each node are HTML text laid over the picture (in the
  // picture's own units: see layoutGraph). A browser repaints the whole of a large SVG
  // when one of its texts changes, but only the few pixels of a changed span, so the
  // picture itself never changes after loading: a step redraws two spans and the overlay.
  const fields = document.createElement("div");
  fields.id = "fields";
  if (svg) svg.parentNode.appendChild(fields);

  function fieldSpan(text, id) {
    const span = document.createElement("span");
    span.id = id;
    span.className = "field";
    span.style.left = text.getAttribute("x") + "px";
    span.style.top = text.getAttribute("y") + "px";
    span.style.fontSize = (text.getAttribute("font-size") || "11") + "px";
    span.textContent = text.textContent;
    text.setAttribute("visibility", "hidden");
    fields.appendChild(span);
    return span;
  }

  const views = nodes.map((node, i) => {
    const group = data.summary ? null : document.getElementById("v" + i);
    if (!group) return null;
    const texts = Array.from(group.getElementsByTagName("text"));
    const gradText = texts.filter((t) => t.textContent.startsWith("grad ")).pop() || null;
    const before = gradText ? texts.slice(0, texts.indexOf(gradText)) : texts;
    const dataText = before.filter((t) => t.textContent.startsWith("data ")).pop() || null;
    return {
      group: group,
      dataSpan: dataText ? fieldSpan(dataText, "d" + i) : null,
      gradSpan: gradText ? fieldSpan(gradText, "g" + i) : null,
    };
  });

  // Boxes of the summary: which nodes each one stands for.
  const blocks = {};
  if (data.summary) {
    nodes.forEach((node, i) => {
      if (!node.block) return;
      (blocks[node.block] = blocks[node.block] || []).push(i);
    });
  }

  function drawNode(i) {
    const view = views[i];
    if (!view) return;
    const node = nodes[i];
    const complete = position > F && grad[i] !== null && node.takes_part && isComplete(i);
    for (const span of [view.dataSpan, view.gradSpan]) {
      if (!span) continue;
      span.classList.toggle("pending", !computed[i]);
      span.classList.toggle("complete", complete);
    }
    const shown = computed[i] ? node.data_short || node.data : "?";
    if (view.dataSpan) view.dataSpan.textContent = "data " + shown;
    if (view.gradSpan) view.gradSpan.textContent = "grad " + shortGrad(gradShort[i] || grad[i]);
  }

  // Has node i received all its gradient at the current position?
  const lastArrival = new Array(nodes.length).fill(-1);
  steps.forEach((step, k) => {
    lastArrival[step.input] = k;
  });
  function isComplete(i) {
    return lastArrival[i] < position - F;
  }

  // In the picture, a gradient that has not arrived is a dash (the panels say "none yet").
  function shortGrad(text) {
    return text === null || text === "none yet" ? "-" : text;
  }

  function drawAll() {
    for (let i = 0; i < nodes.length; i++) drawNode(i);
  }

  // The edge a step travels: from the operation that made step.node back to step.input.
  function edgeOf(step) {
    const inputs = nodes[step.node].inputs;
    let count = 0;
    for (let q = 0; q < step.pos; q++) if (inputs[q] === step.input) count += 1;
    return document.getElementById("e" + step.node + "-" + step.input + "-" + count);
  }

  function blockEdge(step) {
    const from = nodes[step.input].block;
    const to = nodes[step.node].block;
    if (!from || !to || from === to) return null;
    return document.getElementById(from + "-" + to.slice(1));
  }

  // Points along a Graphviz edge, from its end back to its start. Graphviz writes each
  // edge as "M x,y C x,y x,y x,y ...": cubic Bezier curves, evaluated here from the
  // path's text (asking the browser for the geometry would make it lay out the whole
  // picture again after every change). Cached per edge.
  const pointCache = new Map();
  function reversedPoints(path) {
    const cached = pointCache.get(path);
    if (cached) return cached;
    const numbers = (path.getAttribute("d").match(/-?\d*\.?\d+(?:e-?\d+)?/gi) || []).map(Number);
    const corners = [];
    for (let k = 0; k + 1 < numbers.length; k += 2) corners.push({ x: numbers[k], y: numbers[k + 1] });
    const points = corners.length ? [corners[0]] : [];
    for (let k = 1; k + 2 < corners.length; k += 3) {
      const [a, b, c, d] = [corners[k - 1], corners[k], corners[k + 1], corners[k + 2]];
      for (let n = 1; n <= 8; n++) {
        const t = n / 8;
        const u = 1 - t;
        points.push({
          x: u * u * u * a.x + 3 * u * u * t * b.x + 3 * u * t * t * c.x + t * t * t * d.x,
          y: u * u * u * a.y + 3 * u * u * t * b.y + 3 * u * t * t * c.y + t * t * t * d.y,
        });
      }
    }
    points.reverse();
    pointCache.set(path, points);
    return points;
  }

  // The box of a node or summary block, from its outline's corners (no layout needed).
  function boxOf(group) {
    const outline = group.querySelector("polygon, ellipse");
    if (!outline) return null;
    if (outline.tagName === "ellipse") {
      const [cx, cy, rx, ry] = ["cx", "cy", "rx", "ry"].map((a) => Number(outline.getAttribute(a)));
      return { x: cx - rx, y: cy - ry, width: 2 * rx, height: 2 * ry };
    }
    const numbers = outline.getAttribute("points").trim().split(/[ ,]+/).map(Number);
    const xs = numbers.filter((_, k) => k % 2 === 0);
    const ys = numbers.filter((_, k) => k % 2 === 1);
    const x = Math.min(...xs);
    const y = Math.min(...ys);
    return { x: x, y: y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
  }

  let arrowLayer = null;
  let marks = null;
  function clearArrow() {
    if (arrowLayer) arrowLayer.remove();
    if (marks) marks.remove();
    arrowLayer = null;
    marks = null;
  }

  // Outline a node or box on the overlay: the input receiving gradient (flow-to), the
  // node it comes from (flow-from), the operation (on-path), the value computed (fwd).
  function mark(id, name) {
    const element = document.getElementById(id);
    const box = element && boxOf(element);
    if (!box || !overlayGroup) return;
    if (!marks) {
      marks = document.createElementNS(svgNS, "g");
      marks.setAttribute("id", "marks");
      overlayGroup.insertBefore(marks, overlayGroup.firstChild);
    }
    const shape = document.createElementNS(svgNS, name === "on-path" ? "ellipse" : "rect");
    if (name === "on-path") {
      shape.setAttribute("cx", String(box.x + box.width / 2));
      shape.setAttribute("cy", String(box.y + box.height / 2));
      shape.setAttribute("rx", String(box.width / 2));
      shape.setAttribute("ry", String(box.height / 2));
    } else {
      shape.setAttribute("x", String(box.x));
      shape.setAttribute("y", String(box.y));
      shape.setAttribute("width", String(box.width));
      shape.setAttribute("height", String(box.height));
    }
    shape.setAttribute("class", name);
    shape.setAttribute("data-for", id);
    marks.appendChild(shape);
  }

  // The current step as an arrow from the output side to the input, with its contribution.
  function drawArrow(step) {
    let paths = [];
    if (data.summary) {
      const edge = blockEdge(step);
      if (edge) paths = [edge.querySelector("path")];
      mark(nodes[step.input].block, "flow-to");
      mark(nodes[step.node].block, "flow-from");
    } else {
      const out = document.getElementById("r" + step.node);
      const edge = edgeOf(step);
      if (out) paths.push(out.querySelector("path"));
      if (edge) paths.push(edge.querySelector("path"));
      mark("v" + step.input, "flow-to");
      mark("v" + step.node, "flow-from");
      mark("o" + step.node, "on-path");
    }
    paths = paths.filter((p) => p);
    if (!svg) return;
    if (!paths.length) return labelInside(step);
    let points = [];
    for (const path of paths) points = points.concat(reversedPoints(path));
    const layer = document.createElementNS(svgNS, "g");
    layer.setAttribute("id", "flow");
    const line = document.createElementNS(svgNS, "polyline");
    line.setAttribute("points", points.map((q) => q.x + "," + q.y).join(" "));
    line.setAttribute("class", "flow-line");
    line.setAttribute("marker-end", "url(#flow-head)");
    layer.appendChild(line);
    const middle = points[Math.floor((points.length * 3) / 4)];
    const label = document.createElementNS(svgNS, "text");
    label.setAttribute("x", String(middle.x));
    label.setAttribute("y", String(middle.y - 6));
    label.setAttribute("class", "flow-label");
    label.textContent = "+= " + (step.contribution_short || step.contribution);
    layer.appendChild(label);
    overlayGroup.appendChild(layer);
    arrowLayer = layer;
  }

  // A step inside one box of the summary: its contribution written on the box.
  function labelInside(step) {
    const box = document.getElementById(nodes[step.input].block || "v" + step.input);
    if (!box) return;
    const bounds = boxOf(box);
    if (!bounds) return;
    const layer = document.createElementNS(svgNS, "g");
    layer.setAttribute("id", "flow");
    const label = document.createElementNS(svgNS, "text");
    label.setAttribute("x", String(bounds.x + bounds.width / 2));
    label.setAttribute("y", String(bounds.y + bounds.height + 14));
    label.setAttribute("class", "flow-label");
    label.textContent = "+= " + (step.contribution_short || step.contribution) + " (inside)";
    layer.appendChild(label);
    overlayGroup.appendChild(layer);
    arrowLayer = layer;
  }

  // The arrow is drawn on a transparent picture of its own laid over the graph, so that
  // its animation repaints only itself, not the whole graph.
  let overlay = null;
  let overlayGroup = null;
  function addOverlay() {
    if (!svg) return;
    overlay = document.createElementNS(svgNS, "svg");
    overlay.setAttribute("id", "overlay");
    overlay.setAttribute("viewBox", svg.getAttribute("viewBox"));
    overlay.setAttribute("aria-hidden", "true");
    overlayGroup = document.createElementNS(svgNS, "g");
    const graph = svg.querySelector("g.graph");
    if (graph) overlayGroup.setAttribute("transform", graph.getAttribute("transform"));
    overlay.appendChild(overlayGroup);
    svg.parentNode.insertBefore(overlay, fields); // under the fields, over the picture
    addArrowHead();
  }

  function addArrowHead() {
    const defs = document.createElementNS(svgNS, "defs");
    const marker = document.createElementNS(svgNS, "marker");
    marker.setAttribute("id", "flow-head");
    marker.setAttribute("viewBox", "0 0 10 10");
    marker.setAttribute("refX", "9");
    marker.setAttribute("refY", "5");
    marker.setAttribute("markerWidth", "5");
    marker.setAttribute("markerHeight", "5");
    marker.setAttribute("orient", "auto-start-reverse");
    const head = document.createElementNS(svgNS, "path");
    head.setAttribute("d", "M 0 0 L 10 5 L 0 10 z");
    head.setAttribute("class", "flow-head");
    marker.appendChild(head);
    defs.appendChild(marker);
    overlay.insertBefore(defs, overlay.firstChild);
  }

  // ---------------------------------------------------------------- panels

  function describe() {
    if (position < F) {
      if (position === 0) {
        return "forward pass: " + F + " operation" + (F === 1 ? "" : "s") +
          " to compute, then " + steps.length + " chain-rule steps back (Next or \u2192)";
      }
      return data.forward_text[position - 1];
    }
    if (position === F) {
      return (F ? data.forward_text[F - 1] + "\n\n" : "") + data.start_text;
    }
    return steps[position - F - 1].text;
  }

  function drawPanels() {
    $("step-text").textContent = describe();
    const step = position > F ? steps[position - F - 1] : null;
    $("words").textContent = step ? step.words : "";
    let where = "backward " + (position - F) + " / " + steps.length;
    if (position < F) where = "forward " + position + " / " + F;
    else if (position === F && F > 0) where = "forward done; " + where;
    $("where").textContent = where;
    $("slider").value = String(position);
    $("back").disabled = position === 0;
    $("reset").disabled = position === 0;
    $("next").disabled = position === last;
    $("run").disabled = position === last;
    if (data.network) {
      for (const name of ["BP1", "BP2", "BP3", "BP4"]) $(name).classList.remove("active");
      const bp = step && step.bp;
      if (bp) $(bp.equation).classList.add("active");
      $("bp-numbers").textContent = bp ? bp.numbers : "";
    }
    drawRecord();
  }

  function drawRecord() {
    if (selected === null) {
      $("record").textContent = "";
      return;
    }
    if (typeof selected === "string") return drawBlock(selected);
    const node = nodes[selected];
    const lines = [node.name + (node.text !== node.name ? "  =  " + node.text : "")];
    if (node.shape) lines.push("shape     (" + node.shape.join(", ") + ")");
    lines.push("data      " + (computed[selected] ? node.data : "? (not computed yet)"));
    lines.push("grad      " + (grad[selected] === null ? "- (backward pass not started)" : grad[selected]));
    if (node.takes_part && !node.root) lines.push("final     " + node.final + " (after the last step)");
    if (node.op) {
      lines.push("op        " + node.op + " of " + node.inputs.map((k) => nodes[k].name).join(", "));
      for (const rule of node.rules) lines.push("rule      " + rule);
      if (node.words) lines.push("in words  " + node.words);
    } else {
      lines.push("leaf      (made by no operation)");
    }
    if (node.role && node.role.role) lines.push("role      " + roleText(node.role));
    if (node.closed) {
      lines.push("");
      for (const line of node.closed.lines) lines.push(line);
    }
    $("record").textContent = lines.join("\n");
  }

  function roleText(role) {
    const where = role.layer ? " of layer " + role.layer : "";
    const neuron = role.neuron ? ", neuron " + role.neuron : "";
    // a Tensor network's nodes are whole layers (role.whole), a Value network's numbers
    const names = role.whole
      ? {
          w: "weight matrix", b: "bias vector", z: "pre-activations z (one row per example)",
          a: "activations a (one row per example)", x: "the inputs X (one row per example)",
          y: "the targets Y",
        }
      : {
          w: "weight", b: "bias", z: "pre-activation z", a: "activation a", x: "input",
          y: "target", C: "the cost", sum: "product or partial sum of z", cost: "part of the cost",
        };
    return (names[role.role] || role.role) + where + neuron;
  }

  function drawBlock(id) {
    const members = blocks[id] || [];
    const lines = [members.length + " nodes in this box"];
    for (const i of members.slice(0, 300)) {
      const g = grad[i] === null ? "-" : grad[i];
      lines.push(nodes[i].name + "  data " + (computed[i] ? nodes[i].data : "?") + "  grad " + g);
    }
    if (members.length > 300) lines.push("... and " + (members.length - 300) + " more");
    $("record").textContent = lines.join("\n");
  }

  // ---------------------------------------------------------------- moving

  function redraw(changed, everything) {
    clearArrow();
    for (const i of changed) drawNode(i);
    let focus = null;
    if (position > F) {
      const step = steps[position - F - 1];
      drawArrow(step);
      focus = document.getElementById(data.summary ? nodes[step.input].block : "v" + step.input);
    } else if (position > 0) {
      mark("v" + forward[position - 1], "fwd");
      focus = document.getElementById("v" + forward[position - 1]);
    }
    if (data.summary) updateBlocks(everything ? new Set(nodes.keys()) : changed);
    if (focus) requestAnimationFrame(() => keepInView(focus)); // reads layout once it is done
    drawPanels();
  }

  // Scroll the graph's pane (only when needed) so that the node at work can be seen.
  function keepInView(element) {
    const pane = $("graph").getBoundingClientRect();
    const box = element.getBoundingClientRect();
    const inside = box.left >= pane.left && box.right <= pane.right &&
      box.top >= pane.top && box.bottom <= pane.bottom;
    if (!inside) element.scrollIntoView({ block: "center", inline: "center" });
  }

  // The boxes of a summary carry the norm of their gradients (and of their deltas, the
  // gradients of the z nodes): the same numbers as the rest of the page, summed up.
  const boxTexts = {};
  if (data.summary) {
    for (const id of Object.keys(blocks)) {
      const box = document.getElementById(id);
      if (!box) continue;
      const texts = Array.from(box.getElementsByTagName("text"));
      boxTexts[id] = {
        grad: texts.find((t) => t.textContent.startsWith("\u2016grad\u2016")) || null,
        delta: texts.find((t) => t.textContent.startsWith("\u2016\u03b4\u2016")) || null,
      };
    }
  }

  function norm(members) {
    let squares = 0;
    let any = false;
    for (const i of members) {
      const g = gradExact[i];
      if (typeof g !== "number") continue;
      squares += g * g;
      any = true;
    }
    return any ? Math.sqrt(squares).toPrecision(4) : "-";
  }

  function updateBlocks(changed) {
    const touched = new Set();
    for (const i of changed) if (nodes[i].block) touched.add(nodes[i].block);
    for (const id of touched) {
      const texts = boxTexts[id];
      if (!texts) continue;
      const members = blocks[id];
      if (texts.grad) texts.grad.textContent = "\u2016grad\u2016 " + norm(members);
      if (texts.delta) {
        const zs = members.filter((i) => nodes[i].role && nodes[i].role.role === "z");
        texts.delta.textContent = "\u2016\u03b4\u2016 " + norm(zs);
      }
    }
  }

  function goTo(target) {
    target = Math.max(0, Math.min(last, target));
    const changed = new Set();
    let everything = false;
    if (Math.abs(target - position) > 64 && target < position) {
      resetState();
      everything = true;
    }
    while (position < target) {
      const before = position;
      changed.add(forwardOne());
      if (before < F && position === F) everything = true;
    }
    while (position > target) {
      const before = position;
      changed.add(backOne());
      if (before === F) everything = true;
    }
    if (everything) drawAll();
    redraw(changed, everything);
  }

  function next() {
    if (position >= last) return;
    if ($("quiz").checked && position >= F && !answered.has(position - F)) {
      const step = steps[position - F];
      // As the terminal's quiz: a step is asked when it has one number for each (an
      // array step, or a neuron's folded steps, is shown, not asked).
      if (typeof step.contribution_x === "number" && typeof step.local_x === "number") {
        return ask(step);
      }
    }
    goTo(position + 1);
  }

  // ---------------------------------------------------------------- the quiz

  function quizKind() {
    return $("quiz-kind").value === "local" ? "local" : "contribution";
  }

  // The lines of the step's text that the question needs (the rule and its operands; the
  // upstream gradient for a contribution); its working comes after the answer.
  function given(step, kind) {
    const wanted = kind === "local" ? ["  rule ", "  at "] : ["  rule ", "  at ", "  upstream "];
    return step.text
      .split("\n")
      .filter((line) => wanted.some((start) => line.startsWith(start)))
      .join("\n");
  }

  function ask(step) {
    asking = true;
    const kind = quizKind();
    $("ask").hidden = false;
    $("verdict").hidden = true;
    const what =
      kind === "local"
        ? "what is the local derivative? (the rule below, at these numbers)"
        : "what does " + step.grad_of + " receive? (the contribution: local derivative times " +
          "upstream " + step.upstream + ")";
    $("ask-question").textContent = "Step " + (position - F + 1) + ": " + what;
    $("ask-given").textContent = given(step, kind);
    $("answer").value = "";
    $("answer").focus();
  }

  // math.isclose, as the terminal's quiz judges
  function close(value, expected) {
    const tolerance = Math.max(
      data.quiz.rtol * Math.max(Math.abs(value), Math.abs(expected)),
      data.quiz.atol,
    );
    return Math.abs(value - expected) <= tolerance;
  }

  function check() {
    if (!asking) return;
    const step = steps[position - F];
    const text = $("answer").value.trim();
    const value = Number(text);
    if (text === "" || !Number.isFinite(value)) {
      $("verdict").hidden = false;
      $("verdict").className = "wrong";
      $("verdict").textContent = "Please type a number, e.g. 0.5 or -1.25e-3.";
      return;
    }
    const kind = quizKind();
    const expected = kind === "local" ? step.local_x : step.contribution_x;
    const right = close(value, expected);
    score.asked += 1;
    if (right) score.right += 1;
    answered.add(position - F);
    asking = false;
    $("ask").hidden = true;
    $("verdict").hidden = false;
    $("verdict").className = right ? "right" : "wrong";
    const truth =
      kind === "local"
        ? "the local derivative is " + step.local
        : step.grad_of + " receives " + step.contribution;
    $("verdict").textContent = right
      ? "Right: " + truth + "."
      : "Not quite: you said " + text + "; " + truth + ".";
    $("score").textContent = "score " + score.right + " of " + score.asked;
    goTo(position + 1);
  }

  // ---------------------------------------------------------------- wiring

  function select(target) {
    let element = target;
    while (element && element !== svg) {
      if (element.classList && element.classList.contains("node") && element.id) {
        const id = element.id;
        if (/^v\d+$/.test(id)) selected = Number(id.slice(1));
        else if (/^o\d+$/.test(id)) selected = Number(id.slice(1));
        else if (/^k\d+$/.test(id)) selected = id;
        else return;
        $("node-hint").hidden = true;
        drawRecord();
        return;
      }
      element = element.parentNode;
    }
  }

  // The graph fitted to its pane (never below 60% of its natural size: then it scrolls),
  // or at its natural size after "Full size".
  const natural = svg ? { width: svg.width.baseVal.value, height: svg.height.baseVal.value } : null;
  let fullSize = false;
  function layoutGraph() {
    if (!svg || !natural.width) return;
    const pane = $("graph");
    let scale = 1;
    if (!fullSize) {
      const room = Math.min(
        (pane.clientWidth - 16) / natural.width,
        (pane.clientHeight - 16) / natural.height
      );
      scale = Math.max(0.6, Math.min(2, room));
    }
    for (const picture of [svg, overlay]) {
      picture.setAttribute("width", String(natural.width * scale));
      picture.setAttribute("height", String(natural.height * scale));
    }
    // The fields sit where the picture's texts were: picture units, shifted as the
    // graph's group is (translate), scaled as the picture is displayed.
    const view = svg.viewBox.baseVal;
    const factor = view && view.width ? (natural.width * scale) / view.width : scale;
    const graph = svg.querySelector("g.graph");
    const shift = /translate\(\s*([-\d.]+)[ ,]+([-\d.]+)\s*\)/.exec(
      graph ? graph.getAttribute("transform") || "" : ""
    );
    const [dx, dy] = shift ? [Number(shift[1]), Number(shift[2])] : [0, 0];
    fields.style.transform = "scale(" + factor + ") translate(" + dx + "px, " + dy + "px)";
  }

  function init() {
    $("title").textContent = data.title;
    document.title = data.title;
    $("slider").max = String(last);
    $("equations").hidden = !data.network;
    addOverlay();
    resetState();
    drawAll();
    if (data.summary) updateBlocks(new Set(nodes.keys()));
    $("next").addEventListener("click", next);
    $("back").addEventListener("click", () => goTo(position - 1));
    $("run").addEventListener("click", () => goTo(last));
    $("reset").addEventListener("click", () => goTo(0));
    $("slider").addEventListener("input", () => goTo(Number($("slider").value)));
    $("check").addEventListener("click", check);
    $("answer").addEventListener("keydown", (event) => {
      if (event.key === "Enter") check();
    });
    const showScore = () => {
      $("score").textContent = $("quiz").checked ? "score " + score.right + " of " + score.asked : "";
    };
    $("quiz").addEventListener("change", () => {
      if (!$("quiz").checked) {
        asking = false;
        $("ask").hidden = true;
      }
      showScore();
    });
    $("quiz-kind").addEventListener("change", () => {
      if (asking) ask(steps[position - F]); // the same step, asked the other way
    });
    $("ask-hint").textContent =
      "right within " + 100 * data.quiz.rtol + "% (or " + data.quiz.atol + " near zero), " +
      "as the terminal's quiz";
    if (data.quiz.kind) {
      // opened with the quiz on (`explore --quiz`, viz.explorer(quiz=...))
      $("quiz").checked = true;
      $("quiz-kind").value = data.quiz.kind;
      showScore();
    }
    $("fit").addEventListener("click", () => {
      fullSize = !fullSize;
      $("fit").textContent = fullSize ? "Fit" : "Full size";
      layoutGraph();
    });
    window.addEventListener("resize", layoutGraph);
    layoutGraph();
    if (svg) svg.addEventListener("click", (event) => select(event.target));
    document.addEventListener("keydown", (event) => {
      // The slider and the answer box handle their own keys.
      const own = event.target && event.target.tagName === "INPUT";
      if (own || event.altKey || event.ctrlKey || event.metaKey) return;
      const keys = {
        ArrowRight: next,
        ArrowLeft: () => goTo(position - 1),
        Home: () => goTo(0),
        End: () => goTo(last),
      };
      const action = keys[event.key];
      if (action) {
        event.preventDefault();
        action();
      }
    });
    goTo(data.position);
    drawPanels();
    document.body.dataset.ready = "true";
  }

  // What the tests (and a curious reader, in the console) can ask the page.
  window.explorer = {
    get position() {
      return position;
    },
    forwardSteps: F,
    backwardSteps: steps.length,
    goTo: goTo,
    gradients: () => gradExact.slice(),
  };

  init();
})();
