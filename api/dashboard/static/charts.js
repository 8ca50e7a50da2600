// Over time: a sample every SAMPLE_MS, the last KEPT samples, four charts
// (uPlot, vendored: see vendor/README.md). Where each figure comes from:
// - tasks by status: /metrics, orchestrator_tasks{status} (the server's count,
//   every namespace);
// - requested share of cpu, memory and gpu: the page's copy of /nodes, the
//   sum of `allocated` over the sum of `capacity`;
// - placements per second: derived from the event stream, Scheduled events
//   per second (a task placed again after its node failed counts again);
// - create-to-scheduled latency: /metrics, the histogram
//   orchestrator_task_create_to_scheduled_seconds between two samples,
//   p50 and p95 interpolated inside buckets as Prometheus'
//   histogram_quantile does (first placements only).
// Series differ by dash pattern as well as colour, and each chart has its
// latest values in words under it.

import uPlot from "./vendor/uPlot.esm.js";
import { get } from "./api.js";
import { STATUSES, buckets, parsePrometheus, quantileBetween, trim } from "./lib.js";

const SAMPLE_MS = 2000;
const KEPT = 300;
const LATENCY = "orchestrator_task_create_to_scheduled_seconds";
export const STATUS_STYLE = {
  pending: { stroke: "#E69F00", dash: [8, 4] },
  scheduled: { stroke: "#56B4E9", dash: [2, 3] },
  running: { stroke: "#009E73", dash: [] },
  succeeded: { stroke: "#0072B2", dash: [12, 3, 3, 3] },
  failed: { stroke: "#D55E00", dash: [3, 6] },
};

function chartOptions(title, series, { percent = false, unit = "" } = {}) {
  return {
    title,
    width: 200,
    height: 130,
    cursor: { drag: { x: false, y: false } },
    legend: { live: false },
    scales: { x: { time: true }, y: percent ? { range: [0, 100] } : { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [
      { stroke: "#444", grid: { stroke: "#eee" }, ticks: { stroke: "#ccc" } },
      { stroke: "#444", grid: { stroke: "#eee" }, ticks: { stroke: "#ccc" }, size: 60,
        values: (u, ticks) => ticks.map((t) => `${trim(t, 2)}${unit}`) },
    ],
    series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, dash: s.dash, width: 2, points: { show: false } }))],
  };
}

export class Charts {
  constructor({ root, store }) {
    this.root = root;
    this.store = store;
    this.times = [];
    this.data = {
      status: STATUSES.map(() => []),
      share: [[], [], []],
      rate: [[]],
      latency: [[], []],
    };
    this.scheduled = 0; // Scheduled events since the last sample
    this.lastSample = performance.now();
    this.previous = null; // the last histogram buckets read
    this.charts = {};
    this.latest = {};
    const make = (key, title, series, options) => {
      const figure = document.createElement("figure");
      figure.className = "chart";
      const latest = document.createElement("figcaption");
      latest.className = "latest";
      latest.setAttribute("aria-live", "off");
      root.append(figure);
      const chart = new uPlot(chartOptions(title, series, options), [[], ...series.map(() => [])], figure);
      figure.append(latest);
      this.charts[key] = chart;
      this.latest[key] = latest;
    };
    make("status", "Tasks by status", STATUSES.map((s) => ({ label: s, ...STATUS_STYLE[s] })));
    make("share", "Requested share", [
      { label: "cpu", stroke: "#0072B2", dash: [] },
      { label: "memory", stroke: "#CC79A7", dash: [8, 4] },
      { label: "gpu", stroke: "#8a7a00", dash: [2, 3] },
    ], { percent: true, unit: "%" });
    make("rate", "Placements per second", [{ label: "placed/s", stroke: "#009E73", dash: [] }]);
    make("latency", "Create → scheduled", [
      { label: "p50", stroke: "#0072B2", dash: [] },
      { label: "p95", stroke: "#D55E00", dash: [8, 4] },
    ], { unit: " ms" });
    new ResizeObserver(() => this._resize()).observe(root);
    this._resize();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  /** A frame's events: counted for the placement rate. */
  count(events) {
    for (const e of events) if (e.reason === "Scheduled") this.scheduled += 1;
  }

  async sample() {
    const now = performance.now();
    const seconds = (now - this.lastSample) / 1000;
    this.lastSample = now;
    const rate = seconds > 0 ? this.scheduled / seconds : 0;
    this.scheduled = 0;
    let metrics = [];
    try {
      metrics = parsePrometheus(await get("/metrics"));
    } catch {
      metrics = null; // a gap in the lines, not an error on the page
    }
    const byStatus = {};
    let p50 = null;
    let p95 = null;
    if (metrics) {
      for (const s of metrics) if (s.name === "orchestrator_tasks") byStatus[s.labels.status] = s.value;
      const current = buckets(metrics, LATENCY);
      if (this.previous && current.length === this.previous.length) {
        p50 = quantileBetween(this.previous, current, 0.5);
        p95 = quantileBetween(this.previous, current, 0.95);
      }
      this.previous = current;
    }
    let cpu = 0, cpuCap = 0, memory = 0, memoryCap = 0, gpu = 0, gpuCap = 0;
    for (const node of this.store.nodes.values()) {
      cpu += node.allocated?.cpu || 0;
      cpuCap += node.capacity?.cpu || 0;
      memory += node.allocated?.memory || 0;
      memoryCap += node.capacity?.memory || 0;
      gpu += node.allocated?.gpu || 0;
      gpuCap += node.capacity?.gpu || 0;
    }
    const pct = (a, b) => (b > 0 ? (100 * a) / b : null);
    this.times.push(Date.now() / 1000);
    STATUSES.forEach((s, i) => this.data.status[i].push(metrics ? byStatus[s] ?? 0 : null));
    this.data.share[0].push(pct(cpu, cpuCap));
    this.data.share[1].push(pct(memory, memoryCap));
    this.data.share[2].push(pct(gpu, gpuCap));
    this.data.rate[0].push(rate);
    this.data.latency[0].push(p50 == null ? null : p50 * 1000); // milliseconds
    this.data.latency[1].push(p95 == null ? null : p95 * 1000);
    if (this.times.length > KEPT) {
      this.times.shift();
      for (const series of Object.values(this.data)) for (const s of series) s.shift();
    }
    for (const [key, chart] of Object.entries(this.charts)) chart.setData([this.times, ...this.data[key]]);
    const last = (a) => a[a.length - 1];
    this.latest.status.textContent = metrics
      ? `${STATUSES.map((s) => `${s} ${byStatus[s] ?? 0}`).join(", ")} (from /metrics)`
      : "metrics unavailable";
    const word = (v) => (v == null ? "n/a" : `${trim(v, 1)}%`);
    this.latest.share.textContent = `cpu ${word(last(this.data.share[0]))}, memory ${word(last(this.data.share[1]))}` +
      (gpuCap ? `, gpu ${word(last(this.data.share[2]))}` : "");
    this.latest.rate.textContent = `${trim(rate, 1)} placed/s (Scheduled events)`;
    const ms = (v) => (v == null ? "n/a" : `${trim(v * 1000, 1)} ms`);
    this.latest.latency.textContent = `p50 ${ms(p50)}, p95 ${ms(p95)} (from /metrics)`;
  }

  /** Four in a row where there is room (a laptop), two, or one (a phone). */
  _resize() {
    const width = this.root.clientWidth;
    const columns = width >= 760 ? 4 : width >= 380 ? 2 : 1;
    const each = Math.max(170, Math.floor((width - 8 * (columns - 1)) / columns));
    for (const chart of Object.values(this.charts)) chart.setSize({ width: each, height: columns === 4 ? 130 : 150 });
  }
}
