// The side panel: one node or one task at a time.
//
// Node: its state in words, capacity against requests, GPU use per device,
// labels and taints, its tasks, its events; cordon/uncordon and fail/recover.
// Task: its fields, its events, delete; and why it is where it is, from
// GET /tasks/{id}/placement: the filters' counts first (most rejected first,
// each reason with the filter that gives it), then the best nodes with each
// score plug-in's part (score x weight) and the total, the chosen node marked,
// a search by node name, and the rejected nodes with their reasons.
//
// Enter on a tile or a name opens it; Escape or the close button closes it
// and gives focus back to where it came from. Events for the open object
// arrive from the stream (onEvents) and bring its record up to date.

import { ApiError, del, get, listEvents, put, q } from "./api.js";
import { h, facts } from "./dom.js";
import { WARNINGS } from "./feed.js";
import { clock, filterOf, request, share, trim, usage } from "./lib.js";
import { Refresher } from "./store.js";

const PAGE = 20;
const ABBREVIATIONS = {
  NodeResourcesFit: "Fit",
  NodeResourcesBalancedAllocation: "Balanced",
  TaintToleration: "Taints",
  NodeAffinity: "Node aff.",
  PodTopologySpread: "Spread",
  InterPodAffinity: "Pod aff.",
};

export class Panels {
  constructor({ root, title, body, closeButton, store, toast, isAdmin }) {
    this.root = root;
    this.title = title;
    this.body = body;
    this.store = store;
    this.toast = toast;
    this.isAdmin = isAdmin; // () => bool
    this.open = null; // {kind, id}
    this.opener = null;
    this.search = "";
    this.offset = 0;
    this.reloader = new Refresher("panel", () => this._reload(), { min: 500, factor: 2 });
    closeButton.addEventListener("click", () => this.close());
    root.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        this.close();
      }
    });
    root.addEventListener("click", (e) => {
      const link = e.target.closest("button[data-open]");
      if (link) this.show(link.dataset.open, link.dataset.id);
    });
  }

  /** Open the panel on a node or a task (kind "node" or "task"). */
  async show(kind, id) {
    if (kind !== "node" && kind !== "task") return;
    if (!this.root.contains(document.activeElement)) this.opener = document.activeElement;
    this.open = { kind, id };
    this.search = "";
    this.offset = 0;
    this.root.hidden = false;
    document.body.classList.add("panel-open");
    this.title.textContent = `${kind === "node" ? "Node" : "Task"} ${id}`;
    this.body.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    this.title.focus();
    await this._reload(true);
  }

  close() {
    if (!this.open) return;
    this.open = null;
    this.root.hidden = true;
    document.body.classList.remove("panel-open");
    const back = this.opener;
    this.opener = null;
    if (back && document.contains(back)) back.focus();
  }

  /** A frame's events and changes: bring the open panel up to date (throttled). */
  onFrame(events, changes) {
    if (!this.open || this.open.gone || this.open.deleting) return;
    const { kind, id } = this.open;
    const mine = events.filter((e) => e.kind === kind && e.object === id && (!e.namespace || e.namespace === "default"));
    if (mine.length) {
      const list = this.body.querySelector("ol.events");
      if (list) {
        list.prepend(...mine.reverse().map(eventRow));
        list.closest("section")?.querySelector(".empty")?.remove();
      }
    }
    if (mine.some((e) => e.reason === "Deleted")) {
      this._gone(); // asking for it now would only get a 404
      return;
    }
    if (mine.length || (kind === "node" && (changes.all || changes.nodes.has(id)))) this.reloader.want();
  }

  /** The open object was deleted: say so, keep its events, ask for nothing more. */
  _gone() {
    if (!this.open) return;
    const { kind, id } = this.open;
    this.open = { kind, id, gone: true };
    const events = this.body.querySelector("section.events-section");
    this.body.replaceChildren(h("p", { class: "gone" }, `${kind === "node" ? "Node" : "Task"} ${id} does not exist (any more).`),
      ...(events ? [events] : []));
  }

  async _reload(first = false) {
    if (!this.open || this.open.gone || this.open.deleting) return;
    const { kind, id } = this.open;
    try {
      if (kind === "node") await this._node(id, first);
      else await this._task(id, first);
    } catch (error) {
      if (!this.open || this.open.id !== id || this.open.gone) return;
      if (error instanceof ApiError && error.status === 404) {
        this.body.replaceChildren(h("p", { class: "gone" }, `${kind === "node" ? "Node" : "Task"} ${id} does not exist (any more).`));
      } else {
        this.body.replaceChildren(h("p", { class: "error", role: "alert" }, error.message));
      }
    }
  }

  // ----- node -----

  async _node(id, first) {
    const [node, events] = await Promise.all([
      get(`/nodes/${q(id)}`),
      first || !this.body.querySelector("ol.events") ? listEvents(`object=${q(id)}&kind=node`) : null,
    ]);
    if (!this.open || this.open.id !== id || this.open.gone) return;
    const admin = this.isAdmin();
    const cap = node.capacity || {};
    const used = node.allocated || {};
    const resources = cap.gpu ? ["cpu", "memory", "gpu"] : ["cpu", "memory"];
    const actions = h("div", { class: "actions" },
      h("button", { type: "button", class: "write", "data-action": node.schedulable ? "cordon" : "uncordon",
        disabled: !admin, title: admin ? null : "viewers may only read",
        onclick: (e) => this._act(e.target, () => put(`/nodes/${q(id)}`, { schedulable: !node.schedulable }),
          `${id} ${node.schedulable ? "cordoned" : "uncordoned"}`) },
      node.schedulable ? "Cordon" : "Uncordon"),
      h("button", { type: "button", class: "write danger", "data-action": node.healthy ? "fail" : "recover",
        disabled: !admin, title: admin ? null : "viewers may only read",
        onclick: (e) => this._act(e.target, () => put(`/nodes/${q(id)}`, { healthy: !node.healthy }),
          `${id} marked ${node.healthy ? "unhealthy" : "healthy"}`) },
      node.healthy ? "Mark unhealthy" : "Recover"));
    const capacity = h("table", { class: "grid" },
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "resource"), h("th", { scope: "col" }, "requested / capacity"), h("th", { scope: "col" }, "share"))),
      h("tbody", null, resources.map((r) => {
        const part = share(used[r] || 0, cap[r] || 0);
        return h("tr", null, h("th", { scope: "row" }, r), h("td", null, usage(r, used[r] || 0, cap[r] || 0)),
          h("td", null, h("span", { class: `meter ${r}`, style: `--share:${part}` }), ` ${Math.round(part * 100)}%`));
      })));
    const devices = (node.gpu_allocation || []).map((inUse, device) =>
      h("li", null, `GPU ${device}: `, h("span", { class: "meter gpu", style: `--share:${Math.min(1, inUse)}` }),
        ` ${trim(inUse, 3)} in use${inUse >= 1 ? " (whole)" : inUse > 0 ? " (shared)" : " (free)"}`));
    const labels = Object.entries(node.labels || {});
    const taskIds = [...this.store.tasksOn(id)];
    const sections = [
      h("p", { class: "state" },
        badge(node.healthy, "healthy", "unhealthy"), " ",
        badge(node.schedulable, "schedulable", "cordoned"), " ",
        h("span", { class: "badge neutral" }, node.simulated === false ? "real node" : "simulated")),
      actions,
      section("Capacity", capacity),
      devices.length ? section("GPU devices", h("ul", { class: "devices" }, devices)) : null,
      section("Labels", labels.length ? h("ul", { class: "labels" }, labels.map(([k, v]) => h("li", null, h("code", null, `${k}=${v}`)))) : h("p", { class: "muted" }, "none")),
      node.taints?.length ? section("Taints", h("ul", null, node.taints.map((t) => h("li", null, h("code", null, `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`))))) : null,
      section(`Tasks (${taskIds.length})`, taskIds.length
        ? h("ul", { class: "tasks" }, taskIds.slice(0, 200).map((taskId) => {
          const task = this.store.tasks.get(taskId);
          return h("li", null, h("button", { type: "button", class: "link", "data-open": "task", "data-id": taskId }, taskId),
            " ", statusText(task?.status), " ", h("span", { class: "muted" }, request(task?.resources)));
        }))
        : h("p", { class: "muted" }, "no tasks scheduled or running here")),
    ];
    this._render(sections, events);
  }

  // ----- task -----

  async _task(id, first) {
    const wantEvents = first || !this.body.querySelector("ol.events");
    const [task, events, placement] = await Promise.all([
      get(`/tasks/${q(id)}`),
      wantEvents ? listEvents(`object=${q(id)}&kind=task`) : null,
      this._placement(id),
    ]);
    if (!this.open || this.open.id !== id || this.open.gone) return;
    const admin = this.isAdmin();
    const when = (t) => (t ? `${clock(t)} (${t})` : "—");
    const sections = [
      h("p", { class: "state" }, statusText(task.status, true)),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "write danger", "data-action": "delete", disabled: !admin,
          title: admin ? null : "viewers may only read",
          onclick: (e) => this._act(e.target, () => del(`/tasks/${q(id)}`), `task ${id} deleted`, true) }, "Delete task")),
      facts([
        ["node", task.node ? h("button", { type: "button", class: "link", "data-open": "node", "data-id": task.node }, task.node) : "none"],
        ["requests", request(task.resources)],
        task.gpu_devices ? ["GPU devices", task.gpu_devices.join(", ")] : null,
        ["priority", String(task.priority ?? 0)],
        ["attempts", String(task.attempts ?? 0)],
        ["message", task.message || "—"],
        ["created", when(task.created_at)],
        ["scheduled", when(task.scheduled_at)],
        ["started", when(task.started_at)],
        ["finished", when(task.finished_at)],
        ["duration", task.duration == null ? "until deleted" : `${task.duration} s, then ${task.outcome}`],
        task.owner ? ["owner", `deployment ${task.owner}`] : null,
        task.nominated_node ? ["nominated node", task.nominated_node] : null,
        Object.keys(task.node_selector || {}).length ? ["node selector", JSON.stringify(task.node_selector)] : null,
      ]),
      this._explanation(id, placement),
    ];
    this._render(sections, events);
  }

  async _placement(id) {
    const search = this.search ? `&node=${q(this.search)}` : "";
    try {
      return await get(`/tasks/${q(id)}/placement?limit=${PAGE}&offset=${this.offset}${search}`);
    } catch (error) {
      return { error: error.message };
    }
  }

  _explanation(id, p) {
    const box = h("section", { class: "placement", "aria-labelledby": "placement-h" },
      h("h3", { id: "placement-h" }, "Placement"));
    if (p.error) {
      box.append(h("p", { class: "error" }, p.error));
      return box;
    }
    const chosen = p.node || p.bound_to;
    box.append(h("p", { class: "summary" },
      `Policy ${p.policy}. ${p.nodes.total} nodes: ${p.nodes.feasible} feasible, ${p.nodes.rejected} rejected. `,
      chosen ? h("strong", null, `Chosen: ${chosen}. `) : h("strong", null, "No node chosen. "),
      p.recorded ? "Recorded when it was placed." : "Computed now, against the nodes as they are."));
    const reasons = Object.entries(p.rejected || {}).sort((a, b) => b[1] - a[1]);
    if (reasons.length) {
      box.append(h("table", { class: "grid rejected-summary" },
        h("caption", null, "Why nodes were rejected"),
        h("thead", null, h("tr", null, h("th", { scope: "col" }, "reason"), h("th", { scope: "col" }, "filter"), h("th", { scope: "col", class: "num" }, "nodes"))),
        h("tbody", null, reasons.map(([reason, count]) => h("tr", null, h("td", null, reason), h("td", null, filterOf(reason) || "—"), h("td", { class: "num" }, count))))));
    }
    const input = h("input", { type: "search", id: "placement-search", value: this.search, placeholder: "node name contains…",
      autocomplete: "off", "aria-describedby": "placement-search-help" });
    let timer = null;
    const run = () => {
      clearTimeout(timer);
      this.search = input.value.trim();
      this.offset = 0;
      this.reloader.now().then(() => document.getElementById("placement-search")?.focus());
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(run, 350);
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        run();
      }
    });
    box.append(h("div", { class: "search" }, h("label", { for: "placement-search" }, "Find node"), input,
      h("span", { id: "placement-search-help", class: "muted" }, this.search ? ` showing nodes whose name contains "${this.search}"` : "")));

    const plugins = Object.keys(p.weights || {});
    const candidates = p.candidates || [];
    if (candidates.length) {
      box.append(h("div", { class: "scroll-x" }, h("table", { class: "grid candidates" },
        h("caption", null, `Best nodes ${p.offset + 1}-${p.offset + candidates.length}: each plug-in's part is its score (0-100) times its weight`),
        h("thead", null, h("tr", null,
          h("th", { scope: "col" }, "#"), h("th", { scope: "col" }, "node"),
          plugins.map((name) => h("th", { scope: "col", class: "num" }, h("abbr", { title: name }, ABBREVIATIONS[name] || name), ` ×${p.weights[name]}`)),
          h("th", { scope: "col", class: "num" }, "total"))),
        h("tbody", null, candidates.map((c, i) => {
          const isChosen = c.node === chosen;
          return h("tr", { class: isChosen ? "chosen" : null, "aria-current": isChosen ? "true" : null, "data-node": c.node },
            h("td", null, isChosen ? "✓ chosen" : String(p.offset + i + 1)),
            h("td", null, h("button", { type: "button", class: "link", "data-open": "node", "data-id": c.node }, c.node)),
            plugins.map((name) => {
              const score = c.scores?.[name] ?? 0;
              return h("td", { class: "num", title: `${name}: score ${score} × weight ${p.weights[name]}` },
                String(score * p.weights[name]), h("span", { class: "muted small" }, ` (${score})`));
            }),
            h("td", { class: "num total" }, String(c.total)));
        })))));
    } else {
      box.append(h("p", { class: "muted" }, this.search ? "No feasible node matches." : "No feasible node."));
    }
    const rejections = p.rejections || [];
    if (rejections.length) {
      box.append(h("table", { class: "grid rejections" },
        h("caption", null, "Rejected nodes"),
        h("thead", null, h("tr", null, h("th", { scope: "col" }, "node"), h("th", { scope: "col" }, "filter"), h("th", { scope: "col" }, "reasons"))),
        h("tbody", null, rejections.map((r) => h("tr", { "data-node": r.node },
          h("td", null, h("button", { type: "button", class: "link", "data-open": "node", "data-id": r.node }, r.node)),
          h("td", null, [...new Set(r.reasons.map((reason) => filterOf(reason) || "—"))].join(", ")),
          h("td", null, r.reasons.join("; ")))))));
    }
    const more = candidates.length === PAGE || rejections.length === PAGE;
    if (this.offset > 0 || more) {
      box.append(h("div", { class: "pager" },
        h("button", { type: "button", disabled: this.offset === 0, onclick: () => { this.offset = Math.max(0, this.offset - PAGE); this.reloader.now(); } }, `Previous ${PAGE}`),
        " ",
        h("button", { type: "button", disabled: !more, onclick: () => { this.offset += PAGE; this.reloader.now(); } }, `Next ${PAGE}`)));
    }
    return box;
  }

  // ----- shared -----

  _render(sections, events) {
    const old = this.body.querySelector("section.events-section");
    const focusedId = document.activeElement && this.body.contains(document.activeElement) ? document.activeElement.id : null;
    const eventsSection = events ? section("Events", eventList(events), "events-section") : old;
    this.body.replaceChildren(...sections.filter(Boolean), eventsSection || section("Events", eventList([]), "events-section"));
    if (focusedId) document.getElementById(focusedId)?.focus();
  }

  async _act(button, action, done, deletes = false) {
    button.disabled = true;
    try {
      if (deletes && this.open) {
        // No more reads of what is about to go, and none still under way when it goes (each would be a 404).
        this.open.deleting = true;
        await this.reloader.idle();
      }
      await action();
      this.toast(done);
      if (deletes) this._gone();
      else this.reloader.want();
    } catch (error) {
      if (this.open) this.open.deleting = false;
      this.toast(error.message, true);
    } finally {
      button.disabled = !this.isAdmin();
    }
  }
}

function section(title, content, className = null) {
  return h("section", { class: className }, h("h3", null, title), content);
}

function badge(good, yes, no) {
  return h("span", { class: `badge ${good ? "good" : "bad"}` }, good ? `✓ ${yes}` : `✗ ${no}`);
}

export function statusText(status, big = false) {
  const marks = { pending: "◷", scheduled: "◔", running: "▶", succeeded: "✓", failed: "✗" };
  return h("span", { class: `status ${status || "unknown"}${big ? " big" : ""}` }, `${marks[status] || "?"} ${status || "unknown"}`);
}

function eventRow(e) {
  return h("li", { class: WARNINGS.has(e.reason) ? "warning" : null },
    h("time", { datetime: e.time }, clock(e.time)), " ",
    h("strong", null, WARNINGS.has(e.reason) ? `⚠ ${e.reason}` : e.reason), " ", e.message);
}

function eventList(events) {
  const recent = events.slice(-50).reverse();
  if (!recent.length) return h("ol", { class: "events" }, h("li", { class: "empty muted" }, "no events"));
  return h("ol", { class: "events" }, recent.map(eventRow));
}
