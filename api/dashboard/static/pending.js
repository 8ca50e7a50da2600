// Unscheduled: the pending tasks and why they wait, from each task's message
// ("0/5 nodes are available: 2 Insufficient cpu, 3 node(s) were not ready.").
// First the reasons over all pending tasks, most common first (how many tasks
// cite each, and how many nodes in all); then the tasks, those whose reasons
// are most common first. Drawn at most every RENDER_MS: thousands of pending
// tasks must not cost a frame each.

import { parseReasons } from "./lib.js";

const RENDER_MS = 400;
const SHOWN = 100;

export class Pending {
  constructor({ summary, list, count, store, open }) {
    this.summary = summary;
    this.list = list;
    this.count = count;
    this.store = store;
    this.open = open;
    this.parsed = new Map(); // message -> parseReasons(message); messages repeat a lot
    this.stale = true;
    this.last = 0;
    this.filter = null; // a reason picked in the summary
    list.addEventListener("click", (e) => {
      const button = e.target.closest("button[data-task]");
      if (button) this.open(button.dataset.task);
    });
    summary.addEventListener("click", (e) => {
      const button = e.target.closest("button[data-reason]");
      if (!button) return;
      this.filter = this.filter === button.dataset.reason ? null : button.dataset.reason;
      this.stale = true;
      this.render(true);
    });
  }

  invalidate() {
    this.stale = true;
  }

  _reasons(message) {
    let parsed = this.parsed.get(message);
    if (!parsed) {
      if (this.parsed.size > 10_000) this.parsed.clear();
      parsed = parseReasons(message);
      this.parsed.set(message, parsed);
    }
    return parsed;
  }

  /** Draw again if something changed and the last drawing is old enough (or `now`). */
  render(now = false) {
    if (!this.stale) return;
    const t = performance.now();
    if (!now && t - this.last < RENDER_MS) return;
    this.stale = false;
    this.last = t;
    const totals = new Map(); // reason -> {tasks, nodes}
    const tasks = [];
    for (const id of this.store.pending) {
      const task = this.store.tasks.get(id);
      if (!task) continue;
      const { reasons } = this._reasons(task.message);
      tasks.push({ task, reasons });
      for (const { count, reason } of reasons) {
        const total = totals.get(reason) || { tasks: 0, nodes: 0 };
        total.tasks += 1;
        total.nodes += count;
        totals.set(reason, total);
      }
    }
    const ranked = [...totals.entries()].sort((a, b) => b[1].tasks - a[1].tasks || b[1].nodes - a[1].nodes || (a[0] < b[0] ? -1 : 1));
    const rank = new Map(ranked.map(([reason], i) => [reason, i]));
    const best = (reasons) => Math.min(Infinity, ...reasons.map((r) => rank.get(r.reason)));
    let shown = this.filter ? tasks.filter((t) => t.reasons.some((r) => r.reason === this.filter)) : tasks;
    shown = shown
      .map((t) => ({ ...t, best: best(t.reasons), reasons: [...t.reasons].sort((a, b) => rank.get(a.reason) - rank.get(b.reason)) }))
      .sort((a, b) => a.best - b.best || (a.task.created_at < b.task.created_at ? -1 : 1))
      .slice(0, SHOWN);

    this.count.textContent = `${tasks.length} pending${tasks.length > SHOWN ? `, ${SHOWN} shown` : ""}`;
    const rows = ranked.map(([reason, total]) => {
      const row = document.createElement("tr");
      const cell = document.createElement("td");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.dataset.reason = reason;
      button.setAttribute("aria-pressed", String(this.filter === reason));
      button.textContent = reason;
      cell.append(button);
      const taskCount = document.createElement("td");
      taskCount.className = "num";
      taskCount.textContent = total.tasks;
      const nodeCount = document.createElement("td");
      nodeCount.className = "num";
      nodeCount.textContent = total.nodes;
      row.append(cell, taskCount, nodeCount);
      return row;
    });
    const waiting = tasks.filter((t) => !t.reasons.length).length;
    if (waiting) {
      const row = document.createElement("tr");
      row.innerHTML = `<td>waiting for the scheduler's first look</td><td class="num">${waiting}</td><td class="num"></td>`;
      rows.push(row);
    }
    this.summary.replaceChildren(...rows);
    this.list.replaceChildren(...shown.map(({ task, reasons }) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.dataset.task = task.id;
      button.textContent = task.id;
      item.append(button);
      const why = document.createElement("span");
      why.className = "reasons";
      if (!reasons.length) why.textContent = task.message || "waiting for the scheduler";
      for (const { count, reason } of reasons) {
        const chip = document.createElement("span");
        chip.className = "chip";
        chip.textContent = `${count} ${reason}`;
        why.append(chip);
      }
      item.append(why);
      return item;
    }));
  }
}
