// The dashboard's entry: log in if the server asks for it, read the lists,
// open the one event stream, and draw once per animation frame.
//
// Order at start: the newest event seq (X-Last-Seq of GET /events), so the
// stream starts exactly after it; the stream at once (its events queue up);
// /nodes (the map draws as soon as they are in: "first paint"), /tasks and
// /deployments. Events that came while a list was read are applied again
// on top of it (Store.setNodes / setTasks).
//
// window.__dashboardStats.snapshot() tells tests and benchmarks what the page
// did: first paint, events received and drawn, the lag from an event's time
// (the server's clock, on this machine) to the end of the frame that drew it.

import { del, get, headSeq, post, setCsrf, whenUnauthorized } from "./api.js";
import { Actions } from "./actions.js";
import { Charts } from "./charts.js";
import { Feed } from "./feed.js";
import { percentile } from "./lib.js";
import { Live } from "./live.js";
import { ClusterMap } from "./map.js";
import { Panels } from "./panels.js";
import { Pending } from "./pending.js";
import { Refresher, Store } from "./store.js";

const $ = (id) => document.getElementById(id);
const FEED_START = 200; // events listed at start
const LAGS_KEPT = 50_000;
const BACKSTOP_MS = 30_000; // read every list at least this often, events or not

const stats = {
  firstPaintMs: null, // since navigation start, when the map first showed every node
  tasksLoadedMs: null,
  eventsReceived: 0,
  eventsDrawn: 0,
  frames: 0,
  longestFrameMs: 0,
  frameMs: [],
  lags: [],
  lagMax: 0,
  parts: {}, // milliseconds spent in each part of the frames, in all
  errors: [],
  snapshot() {
    const app = window.__dashboard?.app;
    return {
      firstPaintMs: this.firstPaintMs,
      tasksLoadedMs: this.tasksLoadedMs,
      nodes: app ? app.store.nodes.size : 0,
      tasks: app ? app.store.tasks.size : 0,
      nodesDrawn: app ? app.map.drawn.size : 0,
      lastSeq: app?.live ? app.live.lastSeq : null,
      stream: app?.live ? app.live.stats.state : "none",
      streamOpened: app?.live ? app.live.stats.opened : 0,
      streamDrops: app?.live ? app.live.stats.drops : 0,
      eventsReceived: this.eventsReceived,
      eventsDrawn: this.eventsDrawn,
      frames: this.frames,
      longestFrameMs: this.longestFrameMs,
      frameP95Ms: percentile(this.frameMs, 95),
      lagP50Ms: percentile(this.lags, 50),
      lagP95Ms: percentile(this.lags, 95),
      lagP99Ms: percentile(this.lags, 99),
      lagMaxMs: this.lagMax,
      refreshes: app ? Object.fromEntries(Object.entries(app.refresh).map(([k, r]) => [k, { count: r.count, lastMs: Math.round(r.lastMs) }])) : {},
      mapFullDraws: app ? app.map.stats.fullDraws : 0,
      mapLastFullMs: app ? app.map.stats.lastFullMs : 0,
      frameParts: Object.fromEntries(Object.entries(this.parts).map(([k, v]) => [k, Math.round(v)])),
      errors: this.errors.slice(-10),
    };
  },
  resetLag() {
    this.lags = [];
    this.lagMax = 0;
    this.frameMs = [];
    this.longestFrameMs = 0;
    this.parts = {};
  },
};
window.__dashboardStats = stats;

function toast(message, error = false) {
  const box = $("toast");
  box.textContent = message;
  box.classList.toggle("error", error);
  box.setAttribute("role", error ? "alert" : "status");
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    box.hidden = true;
  }, error ? 8000 : 4000);
}

class App {
  constructor(role) {
    this.role = role;
    this.store = new Store();
    this.live = null;
    this.frameWanted = false;
    this.map = new ClusterMap({
      canvas: $("map"), tooltip: $("tooltip"), announce: $("map-announce"), store: this.store,
      open: (id) => this.panels.show("node", id),
    });
    this.map.request = () => this.wake();
    this.feed = new Feed({
      list: $("event-list"), kind: $("event-kind"), reason: $("event-reason"), object: $("event-object"),
      count: $("event-count"), open: (kind, id) => this.openObject(kind, id),
    });
    this.pending = new Pending({
      summary: $("pending-summary"), list: $("pending-list"), count: $("pending-count"), store: this.store,
      open: (id) => this.panels.show("task", id),
    });
    this.panels = new Panels({
      root: $("panel"), title: $("panel-title"), body: $("panel-body"), closeButton: $("panel-close"),
      store: this.store, toast, isAdmin: () => this.role === "admin",
    });
    this.actions = new Actions({
      createForm: $("create-form"), scaleForm: $("scale-form"), deploymentSelect: $("deployment"),
      replicasInput: $("replicas"), toast, store: this.store,
    });
    this.charts = new Charts({ root: $("charts"), store: this.store });
    const failed = (name, error) => {
      stats.errors.push(`${name}: ${error.message}`);
      if (error.status !== 401) toast(`Could not read ${name}: ${error.message}`, true);
    };
    this.refresh = {
      nodes: new Refresher("nodes", () => this.loadNodes(), { min: 1000, factor: 4, onError: failed }),
      tasks: new Refresher("tasks", () => this.loadTasks(), { min: 2000, factor: 8, onError: failed }),
      deployments: new Refresher("deployments", () => this.loadDeployments(), { min: 1000, factor: 4, onError: failed }),
    };
    this._wire();
    this.setRole(role);
  }

  setRole(role) {
    this.role = role;
    document.body.dataset.role = role || "";
    this.actions.setAdmin(role === "admin");
    if (this.panels.open) this.panels.reloader.want();
  }

  async start() {
    const head = await this.head();
    this.live = new Live({
      since: head.seq, badge: $("stream"), wake: () => this.wake(),
      expired: async () => {
        const again = await this.head();
        await Promise.all([this.refresh.nodes.now(), this.refresh.tasks.now()]);
        return again.seq;
      },
      restarted: () => {
        this.store.restart();
        for (const refresher of Object.values(this.refresh)) refresher.want();
      },
    });
    this.live.start();
    const nodes = this.refresh.nodes.now();
    const tasks = this.refresh.tasks.now();
    this.refresh.deployments.now();
    await nodes;
    await tasks;
    stats.tasksLoadedMs = performance.now();
    this.backstop ??= setInterval(() => {
      for (const refresher of Object.values(this.refresh)) refresher.want();
    }, BACKSTOP_MS);
  }

  /** The newest seq, and the last FEED_START events for the feed. */
  async head() {
    const seq = await headSeq();
    let events = [];
    try {
      events = await get(`/events?since=${Math.max(0, seq - FEED_START)}&limit=${FEED_START}`);
    } catch {
      // fewer than FEED_START events kept (--max-events): the feed starts empty
    }
    this.feed.seed(events.filter((e) => e.seq <= seq));
    return { seq };
  }

  async loadNodes() {
    const from = this.store.seq;
    const list = await get("/nodes");
    this.store.setNodes(list, from);
    this._labelKeys(list);
    this.wake();
  }

  async loadTasks() {
    const from = this.store.seq;
    const list = await get("/tasks");
    this.store.setTasks(list, from);
    this.wake();
  }

  async loadDeployments() {
    this.store.setDeployments(await get("/deployments"));
    this.wake();
  }

  openObject(kind, id) {
    if (kind === "deployment") {
      const select = $("deployment");
      if ([...select.options].some((o) => o.value === id)) {
        select.value = id;
        select.dispatchEvent(new Event("change"));
      }
      select.focus();
      return;
    }
    this.panels.show(kind, id);
  }

  wake() {
    if (this.frameWanted) return;
    this.frameWanted = true;
    requestAnimationFrame(() => this.frame());
  }

  /** Everything that arrived since the last frame, applied and drawn once. */
  frame() {
    this.frameWanted = false;
    const began = performance.now();
    let mark = began;
    const part = (name) => {
      const now = performance.now();
      stats.parts[name] = (stats.parts[name] || 0) + (now - mark);
      mark = now;
    };
    const events = this.live ? this.live.take() : [];
    const wanted = new Set();
    for (const event of events) for (const kind of this.store.apply(event)) wanted.add(kind);
    for (const kind of wanted) this.refresh[kind].want();
    this.feed.add(events);
    this.charts.count(events);
    const changes = this.store.takeChanges();
    part("apply");
    this.map.update(changes);
    this.map.draw();
    part("map");
    if (changes.tasks || changes.all) this.pending.invalidate();
    this.pending.render();
    if (this.pending.stale) setTimeout(() => this.wake(), 450);
    part("unscheduled");
    this.feed.render();
    part("feed");
    if (changes.deployments) this.actions.deployments(this.store.deployments);
    if (changes.layout || changes.all || changes.tasks || changes.nodes.size) this._summary();
    this.panels.onFrame(events, changes);
    part("other");

    const ended = performance.now();
    const spent = ended - began;
    stats.frames += 1;
    stats.frameMs.push(spent);
    if (stats.frameMs.length > 5000) stats.frameMs.splice(0, 1000);
    stats.longestFrameMs = Math.max(stats.longestFrameMs, spent);
    if (events.length) {
      const now = performance.timeOrigin + ended;
      for (const event of events) {
        const lag = now - Date.parse(event.time);
        stats.lags.push(lag);
        if (lag > stats.lagMax) stats.lagMax = lag;
      }
      if (stats.lags.length > LAGS_KEPT) stats.lags.splice(0, stats.lags.length - LAGS_KEPT);
      stats.eventsDrawn += events.length;
      stats.eventsReceived = this.live.stats.received;
    }
    if (stats.firstPaintMs === null && this.store.loaded.nodes && this.map.stats.firstDrawAt !== null) {
      stats.firstPaintMs = this.map.stats.firstDrawAt;
      performance.mark("dashboard-first-paint");
      document.body.dataset.ready = "true";
    }
  }

  _summary() {
    let unhealthy = 0;
    let cordoned = 0;
    for (const node of this.store.nodes.values()) {
      if (!node.healthy) unhealthy += 1;
      if (!node.schedulable) cordoned += 1;
    }
    const c = this.store.counts;
    const n = (x) => x.toLocaleString("en");
    $("summary").textContent = `${n(this.store.nodes.size)} nodes (${n(unhealthy)} unhealthy, ${n(cordoned)} cordoned) · ` +
      `tasks: ${n(c.pending)} pending, ${n(c.scheduled)} scheduled, ${n(c.running)} running, ${n(c.succeeded)} succeeded, ${n(c.failed)} failed`;
  }

  /** The group-by choices: zone, the GPU model, and every other label key seen. */
  _labelKeys(list) {
    const select = $("group-by");
    const known = new Set([...select.options].map((o) => o.value));
    const keys = new Set();
    for (const node of list) for (const key of Object.keys(node.labels || {})) if (!known.has(key)) keys.add(key);
    for (const key of [...keys].sort()) select.add(new Option(key, key));
  }

  _wire() {
    $("group-by").addEventListener("change", (e) => this.map.setGroupBy(e.target.value));
    $("zoom").addEventListener("change", (e) => this.map.setZoom(e.target.value));
    this.map.groupBy = $("group-by").value;
    $("find-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const name = $("find").value.trim();
      if (!name) return;
      if (this.store.nodes.has(name)) return this.panels.show("node", name);
      if (this.store.tasks.has(name)) return this.panels.show("task", name);
      const node = [...this.store.nodes.keys()].find((id) => id.includes(name));
      if (node) return this.panels.show("node", node);
      toast(`no node or task named ${name}`, true);
    });
  }
}

let app = null;

function showLogin(message = "") {
  if (app?.live) app.live.stop();
  $("main").hidden = true;
  $("login").hidden = false;
  $("logout").hidden = true;
  $("who").textContent = "";
  $("login-error").textContent = message;
  $("stream").dataset.state = "down";
  $("stream").textContent = "Not logged in";
  $("token").focus();
}

async function begin(session) {
  setCsrf(session.csrf);
  $("login").hidden = true;
  $("main").hidden = false;
  $("who").textContent = session.auth ? `Logged in as ${session.role}` : "No tokens on this server: full access";
  $("logout").hidden = !session.auth;
  if (app) {
    // Logged in again after the session ended: same page, fresh lists and stream.
    app.setRole(session.role);
    await app.start();
    return;
  }
  app = new App(session.role);
  window.__dashboard = { app, store: app.store, map: app.map, panels: app.panels, feed: app.feed, stats };
  await app.start();
}

async function main() {
  whenUnauthorized(() => showLogin("Your session has ended: log in again."));
  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = $("token");
    const token = input.value;
    input.value = "";
    try {
      await begin(await post("/ui/session", { token }));
    } catch (error) {
      $("login-error").textContent = error.status === 401 ? "That token is not known." : error.message;
      input.focus();
    }
  });
  $("logout").addEventListener("click", async () => {
    try {
      await del("/ui/session");
    } finally {
      window.location.reload();
    }
  });
  const session = await get("/ui/session");
  if (session.auth && !session.role) {
    showLogin();
    return;
  }
  await begin(session);
}

document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && !$("panel").hidden && app) app.panels.close();
});

main().catch((error) => {
  stats.errors.push(error.message);
  toast(`The dashboard could not start: ${error.message}`, true);
});
