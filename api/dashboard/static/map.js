// The cluster map: one canvas, every node a tile, grouped by a label.
//
// Fast at 5,000 nodes because a frame redraws only the tiles whose node or
// tasks changed (Store.takeChanges); the whole canvas is drawn again only
// when the layout moves (nodes come or go, a label changes, the group-by or
// the size changes, the window is resized) or after a fresh task list.
// Hit-testing is arithmetic on the grid, never a search.
//
// A tile: the node's id; a bar each for cpu, memory and gpu, requested over
// capacity, with text ("3.5/8 cpu") where the tile is big enough; a strip of
// its tasks, one segment each, as wide as its cpu share, solid for running
// and striped for scheduled. Unhealthy nodes are crossed out, cordoned ones
// hatched, real (non-simulated) ones have a black corner; big tiles say so in
// words too. Small tiles are one square shaded by the fullest resource.

import { byId, share, usage } from "./lib.js";

const PAD = 8;
const GROUP_HEADER = 22;
const GROUP_SPACE = 6;
const SIZES = { small: 12, medium: 40, large: 132 };
const AUTO_SIZES = [160, 148, 132, 120, 100, 84, 72, 60, 50, 42, 36, 30, 26, 22, 18, 15, 12, 10, 8];
const TEXT_MIN = 120; // tiles at least this wide have text
const BARS_MIN = 26; // tiles at least this wide have bars and a task strip
const NAME_MIN = 56; // ... and the end of the node's id

export const COLOURS = {
  cpu: "#0072B2",
  memory: "#CC79A7",
  gpu: "#8a7a00",
  running: "#009E73",
  scheduled: "#56B4E9",
  unhealthy: "#D55E00",
  cordoned: "#E69F00",
  real: "#000000",
  tile: "#ffffff",
  tileDown: "#fbe3d6",
  border: "#8b96a3",
  track: "#e6eaef",
  text: "#1b1f24",
  focus: "#1a1aff",
};

function stripes(colour, background, size = 6) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext("2d");
  if (background) {
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, size, size);
  }
  ctx.strokeStyle = colour;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(0, size);
  ctx.lineTo(size, 0);
  ctx.moveTo(-1, 1);
  ctx.lineTo(1, -1);
  ctx.moveTo(size - 1, size + 1);
  ctx.lineTo(size + 1, size - 1);
  ctx.stroke();
  return canvas;
}

/** Shade for a share 0..1: light grey-blue to dark blue. */
function heat(value) {
  const v = Math.max(0, Math.min(1, value));
  const from = [232, 238, 247];
  const to = [11, 79, 138];
  const c = from.map((f, i) => Math.round(f + (to[i] - f) * v));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

export class ClusterMap {
  /**
   * @param canvas the <canvas>; its parent scrolls
   * @param tooltip an element shown beside the pointer or the focused tile
   * @param announce a live region that reads the focused node aloud
   * @param store the Store
   * @param open called with a node id on click or Enter
   */
  constructor({ canvas, tooltip, announce, store, open }) {
    this.canvas = canvas;
    this.scroller = canvas.parentElement;
    this.tooltip = tooltip;
    this.announce = announce;
    this.store = store;
    this.open = open;
    this.ctx = canvas.getContext("2d", { alpha: false });
    this.groupBy = "zone";
    this.zoom = "auto";
    this.groups = [];
    this.order = []; // every node id in drawing order
    this.index = new Map(); // id -> position in order
    this.pos = new Map(); // id -> [x, y]
    this.tile = { w: 20, h: 14, gap: 2 };
    this.focused = -1;
    this.hovered = null;
    this.drawn = new Map(); // id -> what its tile shows, for tests: "unhealthy cordoned real" and tasks
    this.needLayout = true;
    this.needAll = true;
    this.dirty = new Set();
    this.stats = { fullDraws: 0, tileDraws: 0, lastFullMs: 0, firstDrawAt: null };
    this.patterns = {
      cordoned: this.ctx.createPattern(stripes(COLOURS.cordoned, null), "repeat"),
      scheduled: this.ctx.createPattern(stripes("#ffffff", COLOURS.scheduled, 4), "repeat"),
    };
    this._listen();
    new ResizeObserver(() => {
      this.needLayout = true;
      this.request();
    }).observe(this.scroller);
  }

  /** Set by the page: asks for a frame. */
  request() {}

  setGroupBy(key) {
    this.groupBy = key;
    this.needLayout = true;
    this.request();
  }

  setZoom(zoom) {
    this.zoom = zoom;
    this.needLayout = true;
    this.request();
  }

  /** Take a frame's changes from the store. */
  update(changes) {
    if (changes.layout) this.needLayout = true;
    if (changes.all) this.needAll = true;
    for (const id of changes.nodes) this.dirty.add(id);
  }

  /** Draw what is needed now (called once per animation frame). */
  draw() {
    if (this.needLayout) this._layout();
    if (this.needLayout || this.needAll) {
      this._drawAll();
    } else if (this.dirty.size) {
      for (const id of this.dirty) {
        if (this.pos.has(id)) this._drawTile(id);
      }
      if (this.groupBy) this._drawHeaders();
    }
    this.needLayout = this.needAll = false;
    this.dirty.clear();
    if (this.hovered) this._showTooltip(this.hovered.id, this.hovered.x, this.hovered.y);
  }

  // ----- layout -----

  _layout() {
    const nodes = [...this.store.nodes.values()];
    const key = this.groupBy;
    const grouped = new Map();
    for (const node of nodes) {
      const value = key ? (node.labels || {})[key] ?? null : "";
      if (!grouped.has(value)) grouped.set(value, []);
      grouped.get(value).push(node.id);
    }
    const values = [...grouped.keys()].sort((a, b) => (a === null) - (b === null) || byId(a ?? "", b ?? ""));
    const width = Math.max(160, this.scroller.clientWidth - 2);
    const height = Math.max(200, this.scroller.clientHeight - 4);
    const headers = key ? values.length * (GROUP_HEADER + GROUP_SPACE) : 0;
    const fits = (s) => {
      const { w, h, gap } = this._tileOf(s);
      const cols = Math.max(1, Math.floor((width - 2 * PAD + gap) / (w + gap)));
      let rows = 0;
      for (const ids of grouped.values()) rows += Math.ceil(ids.length / cols);
      return 2 * PAD + headers + rows * (h + gap) <= height;
    };
    let size = SIZES[this.zoom];
    if (!size) size = AUTO_SIZES.find(fits) || AUTO_SIZES[AUTO_SIZES.length - 1];
    const tile = this._tileOf(size);
    const cols = Math.max(1, Math.floor((width - 2 * PAD + tile.gap) / (tile.w + tile.gap)));
    this.tile = { ...tile, cols };
    this.groups = [];
    this.order = [];
    this.index.clear();
    this.pos.clear();
    let y = PAD;
    for (const value of values) {
      const ids = grouped.get(value).sort(byId);
      const group = { value, ids, header: y, y0: y + (key ? GROUP_HEADER : 0), start: this.order.length };
      const rows = Math.ceil(ids.length / cols);
      group.y1 = group.y0 + rows * (tile.h + tile.gap);
      ids.forEach((id, i) => {
        this.index.set(id, this.order.length);
        this.order.push(id);
        this.pos.set(id, [PAD + (i % cols) * (tile.w + tile.gap), group.y0 + Math.floor(i / cols) * (tile.h + tile.gap)]);
      });
      this.groups.push(group);
      y = group.y1 + (key ? GROUP_SPACE : 0);
    }
    const dpr = window.devicePixelRatio || 1;
    const cssHeight = Math.max(y + PAD, 120);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${cssHeight}px`;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(cssHeight * dpr);
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.width = width;
    this.height = cssHeight;
    if (this.focused >= this.order.length) this.focused = this.order.length - 1;
    const groupWord = key ? ` in ${values.length} groups by ${key}` : "";
    this.canvas.setAttribute("aria-label",
      `Cluster map: ${nodes.length} nodes${groupWord}. Arrow keys move between nodes, Enter opens one.`);
    this.canvas.dataset.nodes = String(nodes.length);
  }

  _tileOf(size) {
    const h = size >= TEXT_MIN ? Math.round(size * 0.62) : Math.max(size >= BARS_MIN ? 18 : 6, Math.round(size * 0.7));
    const gap = size >= BARS_MIN ? 4 : size >= 12 ? 2 : 1;
    return { w: size, h, gap, size };
  }

  // ----- drawing -----

  _drawAll() {
    const began = performance.now();
    const ctx = this.ctx;
    ctx.fillStyle = "#f6f8fa";
    ctx.fillRect(0, 0, this.width, this.height);
    this.drawn.clear();
    if (this.groupBy) this._drawHeaders();
    for (const id of this.order) this._drawTile(id);
    if (!this.order.length) {
      ctx.fillStyle = COLOURS.text;
      ctx.font = "14px system-ui, sans-serif";
      ctx.fillText(this.store.loaded.nodes ? "No nodes registered." : "Loading nodes…", PAD, PAD + 16);
    }
    this.stats.fullDraws += 1;
    this.stats.lastFullMs = performance.now() - began;
    if (this.stats.firstDrawAt === null && this.store.loaded.nodes) this.stats.firstDrawAt = performance.now();
  }

  _drawHeaders() {
    const ctx = this.ctx;
    ctx.font = "600 12px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    for (const group of this.groups) {
      let cpu = 0;
      let cpuCap = 0;
      let memory = 0;
      let memoryCap = 0;
      let down = 0;
      for (const id of group.ids) {
        const node = this.store.nodes.get(id);
        if (!node) continue;
        cpu += node.allocated?.cpu || 0;
        cpuCap += node.capacity?.cpu || 0;
        memory += node.allocated?.memory || 0;
        memoryCap += node.capacity?.memory || 0;
        if (!node.healthy) down += 1;
      }
      const name = group.value === null ? `no ${this.groupBy} label` : `${this.groupBy}=${group.value}`;
      let text = `${name} · ${group.ids.length} nodes${down ? ` (${down} unhealthy)` : ""} · cpu ${Math.round(share(cpu, cpuCap) * 100)}% · memory ${Math.round(share(memory, memoryCap) * 100)}% requested`;
      if (ctx.measureText(text).width > this.width - 2 * PAD) text = `${name} · ${group.ids.length} nodes${down ? ` (${down} down)` : ""}`;
      ctx.fillStyle = "#f6f8fa";
      ctx.fillRect(PAD, group.header, this.width - 2 * PAD, GROUP_HEADER - 2);
      ctx.fillStyle = COLOURS.text;
      ctx.fillText(text, PAD, group.header + GROUP_HEADER / 2);
    }
    ctx.textBaseline = "alphabetic";
  }

  _drawTile(id) {
    const node = this.store.nodes.get(id);
    const at = this.pos.get(id);
    if (!node || !at) return;
    this.stats.tileDraws += 1;
    const ctx = this.ctx;
    const [x, y] = at;
    const { w, h, size } = this.tile;
    const cap = node.capacity || {};
    const used = node.allocated || {};
    const cpu = share(used.cpu || 0, cap.cpu || 0);
    const memory = share(used.memory || 0, cap.memory || 0);
    const gpu = share(used.gpu || 0, cap.gpu || 0);
    const flags = [];
    if (!node.healthy) flags.push("unhealthy");
    if (!node.schedulable) flags.push("cordoned");
    if (node.simulated === false) flags.push("real");

    ctx.fillStyle = "#f6f8fa";
    ctx.fillRect(x - 1, y - 1, w + 2, h + 2);
    if (size < BARS_MIN) {
      ctx.fillStyle = node.healthy ? heat(Math.max(cpu, memory, gpu)) : COLOURS.tileDown;
      ctx.fillRect(x, y, w, h);
    } else {
      ctx.fillStyle = node.healthy ? COLOURS.tile : COLOURS.tileDown;
      ctx.fillRect(x, y, w, h);
      ctx.strokeStyle = COLOURS.border;
      ctx.lineWidth = 1;
      ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
    }
    if (!node.schedulable) {
      ctx.fillStyle = this.patterns.cordoned;
      ctx.fillRect(x, y, w, h);
    }
    let tasks = 0;
    if (size >= BARS_MIN) tasks = this._drawInside(node, x, y, w, h, size >= TEXT_MIN, flags, { cpu, memory, gpu });
    if (!node.healthy) {
      ctx.strokeStyle = COLOURS.unhealthy;
      ctx.lineWidth = size >= BARS_MIN ? 2 : 1.25;
      ctx.beginPath();
      ctx.moveTo(x + 1, y + 1);
      ctx.lineTo(x + w - 1, y + h - 1);
      ctx.moveTo(x + w - 1, y + 1);
      ctx.lineTo(x + 1, y + h - 1);
      ctx.stroke();
      if (size >= BARS_MIN) ctx.strokeRect(x + 1, y + 1, w - 2, h - 2);
    }
    if (node.simulated === false) {
      const corner = Math.max(4, Math.round(Math.min(w, h) / 4));
      ctx.fillStyle = COLOURS.real;
      ctx.beginPath();
      ctx.moveTo(x + w - corner, y);
      ctx.lineTo(x + w, y);
      ctx.lineTo(x + w, y + corner);
      ctx.closePath();
      ctx.fill();
    }
    if (this.focused >= 0 && this.order[this.focused] === id && document.activeElement === this.canvas) {
      ctx.strokeStyle = COLOURS.focus;
      ctx.lineWidth = 3;
      ctx.strokeRect(x + 1.5, y + 1.5, w - 3, h - 3);
    }
    this.drawn.set(id, { flags: flags.join(" "), tasks });
  }

  /** Bars, the task strip and (when `text`) words: the inside of a tile of BARS_MIN or more. */
  _drawInside(node, x, y, w, h, text, flags, shares) {
    const ctx = this.ctx;
    const cap = node.capacity || {};
    const used = node.allocated || {};
    const inner = w - 8;
    const resources = cap.gpu ? ["cpu", "memory", "gpu"] : ["cpu", "memory"];
    const strip = text ? 8 : Math.max(3, Math.round(h / 6));
    let top = y + 4;
    if (text) {
      ctx.font = "600 11px system-ui, sans-serif";
      ctx.fillStyle = COLOURS.text;
      ctx.textBaseline = "top";
      const words = flags.length ? flags.join(", ").toUpperCase() : "";
      const corner = node.simulated === false ? Math.max(4, Math.round(Math.min(w, h) / 4)) : 0;
      ctx.fillText(this._fit(node.id, inner - corner - (words ? ctx.measureText(words).width + 4 : 0)), x + 4, top);
      if (words) {
        ctx.fillStyle = node.healthy ? "#7a4a00" : "#a02c00";
        ctx.fillText(words, x + w - 4 - corner - ctx.measureText(words).width, top);
      }
      top += 14;
    } else if (w >= NAME_MIN && h >= 34) {
      ctx.font = "9px system-ui, sans-serif";
      ctx.fillStyle = COLOURS.text;
      ctx.textBaseline = "top";
      ctx.fillText(this._fitEnd(node.id, inner), x + 4, top - 1);
      top += 10;
    }
    const room = y + h - 4 - strip - 2 - top;
    const barGap = text ? 2 : 1;
    const bar = Math.max(2, Math.floor((room - barGap * (resources.length - 1)) / resources.length));
    ctx.font = "10px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    for (const resource of resources) {
      ctx.fillStyle = COLOURS.track;
      ctx.fillRect(x + 4, top, inner, bar);
      ctx.fillStyle = COLOURS[resource];
      ctx.fillRect(x + 4, top, Math.round(inner * shares[resource]), bar);
      if (text && bar >= 10) {
        const label = usage(resource, used[resource] || 0, cap[resource] || 0);
        const tw = ctx.measureText(label).width;
        ctx.fillStyle = "rgba(255,255,255,0.85)";
        ctx.fillRect(x + 6, top + 1, tw + 4, bar - 2);
        ctx.fillStyle = COLOURS.text;
        ctx.fillText(label, x + 8, top + bar / 2 + 0.5);
      }
      top += bar + barGap;
    }
    ctx.textBaseline = "alphabetic";
    // The task strip: running first, then scheduled; each as wide as its cpu share (at least 2 px).
    const stripY = y + h - 4 - strip;
    ctx.fillStyle = COLOURS.track;
    ctx.fillRect(x + 4, stripY, inner, strip);
    const ids = this.store.tasksOn(node.id);
    let left = x + 4;
    const end = x + 4 + inner;
    let count = 0;
    for (const wanted of ["running", "scheduled"]) {
      ctx.fillStyle = wanted === "running" ? COLOURS.running : this.patterns.scheduled;
      for (const taskId of ids) {
        const task = this.store.tasks.get(taskId);
        if (!task || task.status !== wanted) continue;
        count += 1;
        if (left >= end) continue;
        const width = Math.max(2, Math.round((inner * (task.resources?.cpu || 0)) / (cap.cpu || 1)));
        ctx.fillRect(left, stripY, Math.min(width, end - left), strip);
        left += width + 1;
      }
    }
    return count;
  }

  /** The end of an id that fits (ids differ at their ends: node-00012). */
  _fitEnd(text, width) {
    if (this.ctx.measureText(text).width <= width) return text;
    let cut = 0;
    while (cut < text.length - 1 && this.ctx.measureText(`…${text.slice(cut)}`).width > width) cut += 1;
    return `…${text.slice(cut)}`;
  }

  _fit(text, width) {
    if (this.ctx.measureText(text).width <= width) return text;
    let cut = text.length;
    while (cut > 1 && this.ctx.measureText(`${text.slice(0, cut)}…`).width > width) cut -= 1;
    return `${text.slice(0, cut)}…`;
  }

  // ----- finding tiles -----

  /** The node id under a point of the canvas (CSS pixels), or null. */
  hit(x, y) {
    const { w, h, gap, cols } = this.tile;
    for (const group of this.groups) {
      if (y < group.y0 || y >= group.y1) continue;
      const col = Math.floor((x - PAD) / (w + gap));
      const row = Math.floor((y - group.y0) / (h + gap));
      if (col < 0 || col >= cols) return null;
      if (x - PAD - col * (w + gap) >= w || y - group.y0 - row * (h + gap) >= h) return null;
      return group.ids[row * cols + col] ?? null;
    }
    return null;
  }

  /** The centre of a node's tile in CSS pixels of the canvas (for tests and scrolling). */
  centre(id) {
    const at = this.pos.get(id);
    return at ? { x: at[0] + this.tile.w / 2, y: at[1] + this.tile.h / 2 } : null;
  }

  /** A node in words, as the tooltip and the live region say it. */
  describe(id) {
    const node = this.store.nodes.get(id);
    if (!node) return "";
    const cap = node.capacity || {};
    const used = node.allocated || {};
    const state = [node.healthy ? "healthy" : "UNHEALTHY", node.schedulable ? "schedulable" : "CORDONED",
      node.simulated === false ? "real node" : "simulated"];
    const lines = [node.id + (this.groupBy && node.labels?.[this.groupBy] ? ` (${this.groupBy}=${node.labels[this.groupBy]})` : ""),
      state.join(" · "),
      `${usage("cpu", used.cpu || 0, cap.cpu || 0)} (${Math.round(share(used.cpu || 0, cap.cpu || 0) * 100)}%)`,
      `${usage("memory", used.memory || 0, cap.memory || 0)} memory (${Math.round(share(used.memory || 0, cap.memory || 0) * 100)}%)`];
    if (cap.gpu) lines.push(`${usage("gpu", used.gpu || 0, cap.gpu)} [${(node.gpu_allocation || []).join(", ")}]`);
    let running = 0;
    let scheduled = 0;
    for (const taskId of this.store.tasksOn(id)) {
      const status = this.store.tasks.get(taskId)?.status;
      if (status === "running") running += 1;
      else if (status === "scheduled") scheduled += 1;
    }
    lines.push(`${running + scheduled} tasks: ${running} running, ${scheduled} scheduled`);
    return lines.join("\n");
  }

  // ----- pointer and keyboard -----

  _listen() {
    const canvas = this.canvas;
    const point = (event) => {
      const rect = canvas.getBoundingClientRect();
      return [event.clientX - rect.left, event.clientY - rect.top];
    };
    canvas.addEventListener("mousemove", (event) => {
      const [x, y] = point(event);
      const id = this.hit(x, y);
      canvas.style.cursor = id ? "pointer" : "default";
      if (id) {
        this.hovered = { id, x, y };
        this._showTooltip(id, x, y);
      } else {
        this.hovered = null;
        this.tooltip.hidden = true;
      }
    });
    canvas.addEventListener("mouseleave", () => {
      this.hovered = null;
      this.tooltip.hidden = true;
    });
    canvas.addEventListener("click", (event) => {
      const [x, y] = point(event);
      const id = this.hit(x, y);
      if (!id) return;
      this._focus(this.index.get(id), false);
      this.open(id);
    });
    canvas.addEventListener("focus", () => {
      if (this.focused < 0 && this.order.length) this.focused = 0;
      this._focus(this.focused, true);
    });
    canvas.addEventListener("blur", () => {
      const id = this.order[this.focused];
      if (id) this._drawTile(id);
      if (!this.hovered) this.tooltip.hidden = true;
    });
    canvas.addEventListener("keydown", (event) => {
      if (!this.order.length) return;
      const cols = this.tile.cols || 1;
      const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols,
        Home: -Infinity, End: Infinity, PageUp: -cols * 5, PageDown: cols * 5 };
      if (event.key in moves) {
        event.preventDefault();
        const next = Math.max(0, Math.min(this.order.length - 1, (this.focused < 0 ? 0 : this.focused) + moves[event.key]));
        this._focus(next, true);
      } else if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        const id = this.order[this.focused];
        if (id) this.open(id);
      }
    });
  }

  _focus(index, show) {
    if (index == null || index < 0) return;
    const before = this.order[this.focused];
    this.focused = index;
    const id = this.order[index];
    if (before && before !== id) this._drawTile(before);
    this._drawTile(id);
    if (!show) return;
    const centre = this.centre(id);
    const { h } = this.tile;
    const top = centre.y - h / 2;
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top - PAD;
    else if (top + h > this.scroller.scrollTop + this.scroller.clientHeight) this.scroller.scrollTop = top + h - this.scroller.clientHeight + PAD;
    this._showTooltip(id, centre.x, centre.y + h / 2);
    this.announce.textContent = this.describe(id).replaceAll("\n", "; ");
  }

  _showTooltip(id, x, y) {
    const text = this.describe(id);
    if (!text) {
      this.tooltip.hidden = true;
      return;
    }
    if (this.tooltip.textContent !== text) this.tooltip.textContent = text;
    this.tooltip.hidden = false;
    const box = this.tooltip.getBoundingClientRect();
    const left = Math.min(x + 14, this.width - box.width - 4);
    const top = y + 14 + box.height > this.scroller.scrollTop + this.scroller.clientHeight ? y - box.height - 10 : y + 14;
    this.tooltip.style.left = `${Math.max(0, left)}px`;
    this.tooltip.style.top = `${Math.max(0, top)}px`;
  }
}
