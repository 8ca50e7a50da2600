// What the page knows of the cluster: the lists it read, kept current by the
// event stream between reads. Events do not carry the objects, so a list is
// read again in the background when events say it changed (throttled, see
// Refresher), and in between each event is applied to the copy here: a task's
// status and node from Scheduled, Started, Succeeded, ...; a node's flags from
// Unhealthy, Cordoned, .... A node's `allocated` comes only from /nodes.
//
// The frame loop takes what changed since the last frame (takeChanges) and
// redraws just that: changed node tiles, or everything when the layout moved.

import { ACTIVE, STATUSES, createdRequest } from "./lib.js";

const RANK = { pending: 0, scheduled: 1, running: 2, succeeded: 3, failed: 3 };
const KEPT_EVENTS = 60_000; // replayed onto a list that was read while they arrived
const BACK_TO_PENDING = new Set(["Rescheduled", "Preempted", "TaintManagerEviction"]);

function drawKey(node) {
  const a = node.allocated || {};
  const c = node.capacity || {};
  return [node.healthy, node.schedulable, node.simulated, a.cpu, a.memory, a.gpu, c.cpu, c.memory, c.gpu,
    (node.gpu_allocation || []).join(","), (node.taints || []).length].join("|");
}

export class Store {
  constructor() {
    this.nodes = new Map(); // id -> node, as GET /nodes gives it
    this.tasks = new Map(); // id -> task of the default namespace, as GET /tasks gives it
    this.byNode = new Map(); // node id -> Set of ids of the tasks active there
    this.counts = Object.fromEntries(STATUSES.map((s) => [s, 0]));
    this.pending = new Set(); // ids of pending tasks
    this.deployments = [];
    this.seq = 0; // the last event applied
    this.recent = []; // the last KEPT_EVENTS node and task events, for replays
    this.loaded = { nodes: false, tasks: false };
    this._keys = new Map(); // node id -> drawKey, to see which tiles a new list changed
    this._labels = new Map(); // node id -> labels JSON, to see when the layout moved
    this._reset();
  }

  _reset() {
    this.changes = { nodes: new Set(), all: false, layout: false, tasks: false, deployments: false };
  }

  /** The server's event log began anew: forget the seqs seen (the lists are read again). */
  restart() {
    this.seq = 0;
    this.recent = [];
  }

  /** What changed since the last call: {nodes: Set of ids, all, layout, tasks, deployments}. */
  takeChanges() {
    const changes = this.changes;
    this._reset();
    return changes;
  }

  /** A fresh GET /nodes, then the node events that arrived since `fromSeq` again. */
  setNodes(list, fromSeq) {
    const seen = new Set();
    for (const node of list) {
      seen.add(node.id);
      const labels = JSON.stringify(node.labels || {});
      const key = drawKey(node);
      if (!this.nodes.has(node.id) || this._labels.get(node.id) !== labels) this.changes.layout = true;
      else if (this._keys.get(node.id) !== key) this.changes.nodes.add(node.id);
      this.nodes.set(node.id, node);
      this._labels.set(node.id, labels);
      this._keys.set(node.id, key);
    }
    for (const id of [...this.nodes.keys()]) {
      if (!seen.has(id)) this._removeNode(id);
    }
    this.loaded.nodes = true;
    this._replay(fromSeq, "node");
  }

  /** A fresh GET /tasks, then the task events that arrived since `fromSeq` again. */
  setTasks(list, fromSeq) {
    this.tasks = new Map();
    this.byNode = new Map();
    this.pending = new Set();
    for (const s of STATUSES) this.counts[s] = 0;
    for (const task of list) {
      this.tasks.set(task.id, task);
      this._count(task, 1);
    }
    this.loaded.tasks = true;
    this.changes.all = true;
    this.changes.tasks = true;
    this._replay(fromSeq, "task");
  }

  setDeployments(list) {
    this.deployments = list;
    this.changes.deployments = true;
  }

  /** One event from the stream. Returns the kinds of list worth reading again. */
  apply(event) {
    if (event.seq > this.seq) this.seq = event.seq;
    if (event.kind === "deployment") {
      this.changes.deployments = true;
      return ["deployments"];
    }
    if (event.kind === "task" && event.namespace && event.namespace !== "default") return ["nodes"];
    this.recent.push(event);
    if (this.recent.length > KEPT_EVENTS * 1.5) this.recent = this.recent.slice(-KEPT_EVENTS);
    if (event.kind === "node") {
      this._applyNode(event);
      return ["nodes"];
    }
    this._applyTask(event);
    return event.reason === "FailedScheduling" ? [] : ["nodes", "tasks"];
  }

  tasksOn(nodeId) {
    return this.byNode.get(nodeId) || new Set();
  }

  _replay(fromSeq, kind) {
    if (fromSeq == null) return;
    for (const event of this.recent) {
      if (event.seq > fromSeq && event.kind === kind) {
        if (kind === "node") this._applyNode(event);
        else this._applyTask(event);
      }
    }
  }

  _removeNode(id) {
    this.nodes.delete(id);
    this._keys.delete(id);
    this._labels.delete(id);
    this.changes.layout = true;
  }

  _applyNode(event) {
    const id = event.object;
    const node = this.nodes.get(id);
    if (event.reason === "Registered") {
      if (node) return;
      // A stand-in until /nodes is read again: "simulated node with cpu 4000m, memory 8192Mi".
      const capacity = createdRequest(event.message);
      this.nodes.set(id, {
        id, healthy: true, schedulable: true, simulated: !/^real\b/.test(event.message), capacity,
        allocated: { cpu: 0, memory: 0 }, labels: {}, partial: true,
      });
      this._labels.set(id, "{}");
      this.changes.layout = true;
      return;
    }
    if (!node) return;
    if (event.reason === "Deleted") return this._removeNode(id);
    const flags = { Unhealthy: ["healthy", false], Recovered: ["healthy", true],
      Cordoned: ["schedulable", false], Uncordoned: ["schedulable", true] }[event.reason];
    if (flags && node[flags[0]] !== flags[1]) {
      node[flags[0]] = flags[1];
      this.changes.nodes.add(id);
    }
  }

  _applyTask(event) {
    const id = event.object;
    let task = this.tasks.get(id);
    const reason = event.reason;
    if (reason === "Created") {
      if (task) return;
      task = { id, name: id, namespace: "default", status: "pending", node: null,
        resources: createdRequest(event.message), message: "", created_at: event.time, partial: true };
      this.tasks.set(id, task);
      this._count(task, 1);
      this.changes.tasks = true;
      return;
    }
    if (!task) return; // not listed yet: the next list brings it
    if (reason === "Deleted") {
      this._count(task, -1);
      this.tasks.delete(id);
    } else if (reason === "Scheduled" && RANK[task.status] < 1) {
      const node = /assigned to node (\S+)/.exec(event.message);
      this._move(task, "scheduled", node ? node[1] : task.node, "");
      task.scheduled_at = event.time;
    } else if (reason === "Started" && RANK[task.status] < 2) {
      const node = /running on node (\S+)/.exec(event.message);
      this._move(task, "running", node ? node[1] : task.node, "");
    } else if ((reason === "Succeeded" || reason === "Failed") && RANK[task.status] < 3) {
      this._move(task, reason.toLowerCase(), task.node, task.message);
    } else if (reason === "FailedScheduling" && task.status === "pending") {
      task.message = event.message;
      this.changes.tasks = true;
    } else if (BACK_TO_PENDING.has(reason) && ACTIVE.has(task.status)) {
      this._move(task, "pending", null, event.message);
    } else {
      return;
    }
    this.changes.tasks = true;
  }

  _move(task, status, node, message) {
    this._count(task, -1);
    task.status = status;
    task.node = node;
    task.message = message;
    this._count(task, 1);
  }

  /** Add (sign 1) or take away (-1) a task from the counts and indexes. */
  _count(task, sign) {
    this.counts[task.status] = (this.counts[task.status] || 0) + sign;
    if (task.status === "pending") {
      if (sign > 0) this.pending.add(task.id);
      else this.pending.delete(task.id);
    }
    if (task.node && ACTIVE.has(task.status)) {
      let on = this.byNode.get(task.node);
      if (!on) this.byNode.set(task.node, (on = new Set()));
      if (sign > 0) on.add(task.id);
      else on.delete(task.id);
      this.changes.nodes.add(task.node);
    }
  }
}

/**
 * Runs `load` when wanted, at most one at a time, and no sooner than
 * max(min, factor x its last duration) after the last one ended: a list that
 * takes 2 s to read (50,000 tasks) is read at most every 16 s however many
 * events say it changed, while 200 nodes are read again within a second.
 */
export class Refresher {
  constructor(name, load, { min = 1000, factor = 4, onError = () => {} } = {}) {
    this.name = name;
    this.load = load;
    this.min = min;
    this.factor = factor;
    this.onError = onError;
    this.inFlight = false;
    this.wanted = false;
    this.timer = null;
    this.lastEnd = 0;
    this.lastMs = 0;
    this.count = 0;
  }

  want() {
    this.wanted = true;
    if (this.inFlight || this.timer !== null) return;
    const gap = Math.max(this.min, this.factor * this.lastMs);
    const wait = Math.max(0, this.lastEnd + gap - performance.now());
    this.timer = setTimeout(() => this._run(), wait);
  }

  /** Read now (when nothing is being read); resolves when read. */
  async now() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this._run();
  }

  /** Resolves when no read is under way (one that is, has ended). */
  idle() {
    return this.current || Promise.resolve();
  }

  async _run() {
    this.timer = null;
    if (this.inFlight) {
      this.wanted = true; // read again once this one is done
      return;
    }
    this.wanted = false;
    this.inFlight = true;
    const began = performance.now();
    this.current = (async () => {
      try {
        await this.load();
        this.count += 1;
      } catch (error) {
        this.onError(this.name, error);
      }
    })();
    await this.current;
    this.current = null;
    this.inFlight = false;
    this.lastEnd = performance.now();
    this.lastMs = this.lastEnd - began;
    if (this.wanted) this.want();
  }
}
