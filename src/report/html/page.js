"use strict";
// The texts come gzip-compressed and base64-encoded, joined by newlines; the browser's own DecompressionStream
// inflates them (no request: a Blob's stream).
async function unpackTexts(packed) {
  const binary = atob(packed);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  const text = await new Response(stream).text();
  return text.length ? text.split("\n") : [];
}

// Resolves to the page's interface (`window.insightsMap`) once the texts are unpacked and the map is drawn.
window.insightsMapReady = (async function () {
  const data = JSON.parse(document.getElementById("insights-data").textContent);
  data.texts = await unpackTexts(data.texts);
  const n = data.points.length;
  const palette = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b", "#9d755d",
    "#ff9da6", "#439894", "#83bcb6", "#d67195", "#8f6d31", "#5778a4", "#bab0ac"];
  const topicIndex = new Map(data.topics.map((t, k) => [t.id, k]));
  // Each point's colour, by topic (grey: in none), looked up once rather than on every frame.
  const colourOfPoint = data.points.map((p) => (p[2] < 0 ? "#b5b5b5" : palette[topicIndex.get(p[2]) % palette.length]));
  const colourOf = (i) => colourOfPoint[i];
  // Colours as the pixels of an ImageData hold them (RGBA bytes, read as one little-endian 32-bit word), mixed
  // with the background by `alpha`.
  const background = [251, 251, 249];
  const packed = (hex, alpha) => {
    const rgb = [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
    const [r, g, b] = rgb.map((c, k) => Math.round(alpha * c + (1 - alpha) * background[k]));
    return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
  };
  const groupOf = new Int32Array(n).fill(-1);
  data.groups.forEach((g, k) => g.members.forEach((m) => { groupOf[m] = k; }));
  const lowered = data.texts.map((t) => t.toLowerCase());
  const where = (i) => data.documents[data.points[i][3]] + ":" + data.points[i][4] +
    (data.points[i][5] !== data.points[i][4] ? "-" + data.points[i][5] : "");
  const topicWords = (i) => {
    const t = data.points[i][2];
    if (t < 0) return "no topic";
    const topic = data.topics[topicIndex.get(t)];
    const sub = topic.subtopics.find((s) => s.id === data.points[i][6]);
    return "topic " + t + ": " + topic.keywords.slice(0, 4).join(", ") +
      (sub ? " › " + sub.keywords.slice(0, 3).join(", ") : "");
  };
  const clip = (text, max) => (text.length > max ? text.slice(0, max - 1) + "…" : text);

  // The view: data coordinates to CSS pixels.
  const canvas = document.getElementById("map");
  const ctx = canvas.getContext("2d");
  let width = 0, height = 0, scale = 1, offsetX = 0, offsetY = 0, fitScale = 1;
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const p of data.points) {
    minX = Math.min(minX, p[0]); maxX = Math.max(maxX, p[0]);
    minY = Math.min(minY, p[1]); maxY = Math.max(maxY, p[1]);
  }
  if (n === 0) { minX = minY = -1; maxX = maxY = 1; }
  const toScreenX = (x) => x * scale + offsetX;
  const toScreenY = (y) => y * scale + offsetY;
  function fit() {
    const spanX = Math.max(maxX - minX, 1e-6), spanY = Math.max(maxY - minY, 1e-6);
    scale = 0.9 * Math.min(width / spanX, height / spanY);
    offsetX = width / 2 - scale * (minX + maxX) / 2;
    offsetY = height / 2 - scale * (minY + maxY) / 2;
    fitScale = scale;
  }
  function resize() {
    const ratio = window.devicePixelRatio || 1;
    const box = canvas.getBoundingClientRect();
    width = Math.max(box.width, 1); height = Math.max(box.height, 1);
    canvas.width = Math.round(width * ratio); canvas.height = Math.round(height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  }

  // What is shown: the search's matches, one document, the clicked insight.
  let highlighted = [];
  let highlightSet = new Set();
  let documentFilter = -1;
  let selected = -1;
  let hovered = -1;

  // A grid over the data for finding the point under the pointer.
  const cells = 128;
  const cellOf = (x, y) => {
    const cx = Math.min(cells - 1, Math.max(0, Math.floor((x - minX) / Math.max(maxX - minX, 1e-6) * cells)));
    const cy = Math.min(cells - 1, Math.max(0, Math.floor((y - minY) / Math.max(maxY - minY, 1e-6) * cells)));
    return [cx, cy];
  };
  const grid = new Map();
  data.points.forEach((p, i) => {
    const [cx, cy] = cellOf(p[0], p[1]);
    const key = cy * cells + cx;
    if (!grid.has(key)) grid.set(key, []);
    grid.get(key).push(i);
  });
  function pointAt(sx, sy, radius) {
    const x = (sx - offsetX) / scale, y = (sy - offsetY) / scale, r = radius / scale;
    const [x0, y0] = cellOf(x - r, y - r), [x1, y1] = cellOf(x + r, y + r);
    let best = -1, bestD = radius * radius;
    for (let cy = y0; cy <= y1; cy++) {
      for (let cx = x0; cx <= x1; cx++) {
        for (const i of grid.get(cy * cells + cx) || []) {
          const dx = toScreenX(data.points[i][0]) - sx, dy = toScreenY(data.points[i][1]) - sy;
          const d = dx * dx + dy * dy;
          if (d <= bestD) { bestD = d; best = i; }
        }
      }
    }
    return best;
  }

  let drawn = 0;
  let firstPaintMs = null;
  let image = null;
  // The pixel offsets of a disc of radius `r` device pixels.
  const discs = new Map();
  const discOf = (r) => {
    const key = Math.round(r * 4);
    if (!discs.has(key)) {
      const offsets = [];
      const reach = Math.ceil(r);
      for (let dy = -reach; dy <= reach; dy++) for (let dx = -reach; dx <= reach; dx++) if (dx * dx + dy * dy <= r * r + 0.5) offsets.push([dx, dy]);
      discs.set(key, offsets);
    }
    return discs.get(key);
  };
  // The points are written straight into the pixels of one ImageData (no path to rasterise, so a frame of 60,000
  // points costs a few milliseconds); rings, lines and labels are drawn over them.
  function draw() {
    const ratio = canvas.width / width;
    const w = canvas.width, h = canvas.height;
    if (!image || image.width !== w || image.height !== h) image = ctx.createImageData(w, h);
    const pixels = new Uint32Array(image.data.buffer);
    pixels.fill(packed("#fbfbf9", 1));
    const radius = n > 20000 ? 1.6 : n > 2000 ? 2.5 : 4.5;
    const disc = discOf(radius * ratio);
    const dim = highlightSet.size ? 0.3 : 0.9;
    // Packed once per frame for each colour in use: full, and mixed with the background by `dim`.
    const full = new Map(), dimmed = new Map();
    const colourFor = (hex, alpha) => {
      const cache = alpha === 1 ? full : dimmed;
      if (!cache.has(hex)) cache.set(hex, packed(hex, alpha));
      return cache.get(hex);
    };
    const fadedColour = colourFor("#d6d6d0", 1);
    const paint = (cx, cy, offsets, colour) => {
      for (const [dx, dy] of offsets) {
        const x = cx + dx, y = cy + dy;
        if (x >= 0 && y >= 0 && x < w && y < h) pixels[y * w + x] = colour;
      }
    };
    drawn = 0;
    for (let i = 0; i < n; i++) {
      const p = data.points[i];
      const x = toScreenX(p[0]), y = toScreenY(p[1]);
      if (x < -10 || y < -10 || x > width + 10 || y > height + 10) continue;
      drawn++;
      const faded = documentFilter >= 0 && p[3] !== documentFilter;
      const colour = faded ? fadedColour : colourFor(colourOfPoint[i], dim);
      paint(Math.round(x * ratio), Math.round(y * ratio), disc, colour);
    }
    if (highlightSet.size) {
      const ring = discOf((radius + 2.5) * ratio), inner = discOf((radius + 1) * ratio), dark = colourFor("#111111", 1);
      for (const i of highlighted) {
        const x = Math.round(toScreenX(data.points[i][0]) * ratio), y = Math.round(toScreenY(data.points[i][1]) * ratio);
        paint(x, y, ring, dark);
        paint(x, y, inner, colourFor(colourOf(i), 1));
      }
    }
    ctx.putImageData(image, 0, 0);
    if (selected >= 0) drawSelection(radius);
    drawTopicLabels();
    if (firstPaintMs === null) firstPaintMs = performance.now();
  }
  function drawSelection(radius) {
    const sx = toScreenX(data.points[selected][0]), sy = toScreenY(data.points[selected][1]);
    const lineTo = (j, colour, dash) => {
      ctx.beginPath(); ctx.setLineDash(dash); ctx.strokeStyle = colour; ctx.lineWidth = 1.5;
      ctx.moveTo(sx, sy); ctx.lineTo(toScreenX(data.points[j][0]), toScreenY(data.points[j][1])); ctx.stroke();
    };
    for (const [j] of data.neighbours[selected]) lineTo(j, "#333", []);
    if (groupOf[selected] >= 0) for (const j of data.groups[groupOf[selected]].members) if (j !== selected) lineTo(j, "#e45756", [4, 3]);
    ctx.setLineDash([]);
    ctx.beginPath(); ctx.arc(sx, sy, radius + 5, 0, 2 * Math.PI); ctx.lineWidth = 2.5; ctx.strokeStyle = "#111"; ctx.stroke();
  }
  // Topics' keywords at their centres; zoomed in past twice the first view, their sub-topics' instead.
  function drawTopicLabels() {
    const zoomed = scale > 2 * fitScale;
    ctx.font = (zoomed ? "600 12px" : "600 13px") + " system-ui, sans-serif";
    ctx.textAlign = "center"; ctx.textBaseline = "middle";
    for (const t of data.topics) {
      const labels = zoomed && t.subtopics.length ? t.subtopics : [t];
      for (const l of labels) {
        const x = toScreenX(l.x), y = toScreenY(l.y);
        if (x < -100 || y < -20 || x > width + 100 || y > height + 20) continue;
        const label = l.keywords.slice(0, 3).join(" · ");
        ctx.lineWidth = 4; ctx.strokeStyle = "rgba(255,255,255,.9)"; ctx.strokeText(label, x, y);
        ctx.fillStyle = "#1d2430"; ctx.fillText(label, x, y);
      }
    }
  }
  let pending = false;
  function redraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; draw(); });
  }

  // The side panel.
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  function insightItem(i, score) {
    const li = el("li", "item");
    if (score !== undefined) li.append(el("span", "score", score.toFixed(2)));
    li.append(document.createTextNode(clip(data.texts[i], 220)));
    li.append(el("div", "where", where(i)));
    li.addEventListener("click", () => select(i, true));
    return li;
  }
  function select(i, centre) {
    selected = i;
    const box = document.getElementById("selection");
    box.replaceChildren(el("h2", null, "Selected"));
    if (i < 0) { redraw(); return; }
    box.append(el("div", "where", where(i) + " · " + topicWords(i)), el("p", "text", data.texts[i]));
    box.append(el("h2", null, "Nearest in other documents"));
    const near = el("ol", "neighbours");
    near.id = "neighbour-list";
    for (const [j, score] of data.neighbours[i]) near.append(insightItem(j, score));
    if (!data.neighbours[i].length) near.append(el("li", "hint", "none above 0.5"));
    box.append(near);
    if (groupOf[i] >= 0) {
      const g = data.groups[groupOf[i]];
      box.append(el("h2", null, "Same argument (" + g.kind + ", " + g.score.toFixed(2) + ")"));
      const list = el("ol", "group");
      for (const j of g.members) if (j !== i) list.append(insightItem(j));
      box.append(list);
    }
    if (centre) {
      offsetX = width / 2 - data.points[i][0] * scale;
      offsetY = height / 2 - data.points[i][1] * scale;
    }
    redraw();
  }
  function highlight(indices) {
    highlighted = indices;
    highlightSet = new Set(indices);
    redraw();
  }
  function fillSide() {
    document.getElementById("title").textContent = data.title;
    document.title = data.title;
    document.getElementById("summary").textContent = data.documents.length + " documents, " + n + " insights, " +
      data.topics.length + " topics · " + data.model;
    const filter = document.getElementById("document-filter");
    data.documents.forEach((d, k) => { const o = el("option", null, d); o.value = String(k); filter.append(o); });
    const legend = document.getElementById("legend");
    const topics = document.getElementById("topics");
    data.topics.forEach((t, k) => {
      const members = data.points.map((p, i) => (p[2] === t.id ? i : -1)).filter((i) => i >= 0);
      const row = el("div");
      const swatch = el("span", "swatch"); swatch.style.background = palette[k % palette.length];
      row.append(swatch, document.createTextNode(t.id + ": " + t.keywords.slice(0, 4).join(", ")));
      row.addEventListener("click", () => highlight(members));
      legend.append(row);
      const li = el("li", "item");
      li.append(el("strong", null, t.keywords.slice(0, 6).join(", ")),
        el("div", "where", t.size + " insights, " + t.documents.length + " documents"),
        document.createTextNode(clip(data.texts[t.representative], 200)));
      li.addEventListener("click", () => { highlight(members); select(t.representative, true); });
      if (t.subtopics.length) {
        const subs = el("ol", "subtopics");
        for (const s of t.subtopics) {
          const sub = el("li", "item", s.keywords.slice(0, 5).join(", ") + " (" + s.size + ")");
          const inside = members.filter((i) => data.points[i][6] === s.id);
          sub.addEventListener("click", (e) => { e.stopPropagation(); highlight(inside); select(s.representative, true); });
          subs.append(sub);
        }
        li.append(subs);
      }
      topics.append(li);
    });
    const groups = document.getElementById("groups");
    data.groups.forEach((g) => {
      const li = el("li", "item");
      li.append(el("span", "score", g.kind + " ×" + g.members.length), document.createTextNode(clip(data.texts[g.members[0]], 200)));
      li.append(el("div", "where", g.members.map(where).join("  ")));
      li.addEventListener("click", () => { highlight(g.members.slice()); select(g.members[0], true); });
      groups.append(li);
    });
    if (!data.groups.length) groups.append(el("li", "hint", "none"));
    const links = document.getElementById("links");
    data.links.forEach(([a, b, score]) => {
      const li = el("li", "item");
      li.append(el("span", "score", score.toFixed(2)), document.createTextNode(clip(data.texts[a], 160)));
      li.append(el("div", "where", where(a) + "  ↔  " + where(b)));
      li.addEventListener("click", () => { highlight([a, b]); select(a, true); });
      links.append(li);
    });
    const originality = document.getElementById("originality");
    data.originality.forEach((d) => {
      const li = el("li", "item");
      const share = d.insights ? d.original / d.insights : 0;
      const bar = el("span", "bar"); bar.style.width = Math.round(120 * share) + "px";
      const rest = el("span", "bar rest"); rest.style.width = Math.round(120 * (1 - share)) + "px";
      li.append(bar, rest, document.createTextNode(data.documents[d.document] + ": " + d.original + " of " + d.insights + " original"));
      const members = data.points.map((p, i) => (p[3] === d.document ? i : -1)).filter((i) => i >= 0);
      li.addEventListener("click", () => highlight(members));
      originality.append(li);
    });
  }

  // Input: pan, zoom, hover, click, search, filter.
  const tooltip = document.getElementById("tooltip");
  let drag = null;
  canvas.addEventListener("mousedown", (e) => { drag = { x: e.offsetX, y: e.offsetY, moved: false }; canvas.classList.add("dragging"); });
  window.addEventListener("mouseup", () => { canvas.classList.remove("dragging"); setTimeout(() => { drag = null; }, 0); });
  canvas.addEventListener("mousemove", (e) => {
    if (drag && (e.buttons & 1)) {
      const dx = e.offsetX - drag.x, dy = e.offsetY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
      offsetX += dx; offsetY += dy; drag.x = e.offsetX; drag.y = e.offsetY;
      tooltip.hidden = true; redraw(); return;
    }
    const i = pointAt(e.offsetX, e.offsetY, 8);
    hovered = i;
    if (i < 0) { tooltip.hidden = true; return; }
    tooltip.replaceChildren(el("div", "text", clip(data.texts[i], 400)), el("div", "where", where(i) + " · " + topicWords(i)));
    tooltip.hidden = false;
    tooltip.style.left = Math.min(e.offsetX + 14, width - 300) + "px";
    tooltip.style.top = Math.min(e.offsetY + 14, height - 80) + "px";
  });
  canvas.addEventListener("mouseleave", () => { tooltip.hidden = true; hovered = -1; });
  canvas.addEventListener("click", (e) => {
    if (drag && drag.moved) return;
    select(pointAt(e.offsetX, e.offsetY, 8), false);
  });
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    const factor = Math.exp(-e.deltaY * 0.0015);
    offsetX = e.offsetX - (e.offsetX - offsetX) * factor;
    offsetY = e.offsetY - (e.offsetY - offsetY) * factor;
    scale *= factor;
    redraw();
  }, { passive: false });
  const search = document.getElementById("search");
  search.addEventListener("input", () => {
    const q = search.value.trim().toLowerCase();
    const found = q.length < 2 ? [] : lowered.map((t, i) => (t.includes(q) ? i : -1)).filter((i) => i >= 0);
    document.getElementById("search-count").textContent = q.length < 2 ? "" : found.length + " match";
    highlight(found);
  });
  document.getElementById("document-filter").addEventListener("change", (e) => { documentFilter = Number(e.target.value); redraw(); });
  document.getElementById("reset").addEventListener("click", () => { fit(); highlight([]); select(-1); });
  window.addEventListener("resize", () => { resize(); fit(); redraw(); });

  fillSide();
  resize();
  fit();
  draw();

  // The interface the browser tests and the benchmark drive.
  window.insightsMap = {
    count: n,
    get drawn() { return drawn; },
    get highlighted() { return highlighted.slice(); },
    get selected() { return selected; },
    get hovered() { return hovered; },
    get firstPaintMs() { return firstPaintMs; },
    screenOf(i) {
      const box = canvas.getBoundingClientRect();
      return [box.left + toScreenX(data.points[i][0]), box.top + toScreenY(data.points[i][1])];
    },
    // Pans by a few pixels on each of `frames` animation frames; resolves with each frame's interval and the time
    // its drawing took, in ms.
    panFrames(frames) {
      return new Promise((resolve) => {
        const intervals = [], draws = [];
        let last = performance.now();
        const step = () => {
          const start = performance.now();
          offsetX += 3; offsetY += 1; draw();
          const now = performance.now();
          intervals.push(start - last); draws.push(now - start); last = start;
          if (draws.length < frames) requestAnimationFrame(step); else resolve({ intervals, draws });
        };
        requestAnimationFrame(step);
      });
    },
  };
  return window.insightsMap;
})();
