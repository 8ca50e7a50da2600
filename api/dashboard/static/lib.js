// Pure helpers, no DOM: units, the scheduler's messages, Prometheus text.
// Units as the API gives them: cpu in millicores, memory in MiB, gpu in devices.

export const STATUSES = ["pending", "scheduled", "running", "succeeded", "failed"];
export const ACTIVE = new Set(["scheduled", "running"]); // on a node, holding its requests

/** A number with at most `digits` decimals, no trailing zeros: 3.5, 8, 0.25. */
export function trim(value, digits = 1) {
  if (!Number.isFinite(value)) return "?";
  const factor = 10 ** digits;
  return String(Math.round(value * factor) / factor);
}

/** Millicores as cores: 3500 -> "3.5". */
export const cores = (milli) => trim(milli / 1000, milli && milli < 100 ? 2 : 1);

/** "3.5/8 cpu", "12/32 GiB", "512/768 MiB", "1.5/4 gpu": used over capacity, one unit for both. */
export function usage(resource, used, capacity) {
  if (resource === "cpu") return `${cores(used)}/${cores(capacity)} cpu`;
  if (resource === "gpu") return `${trim(used, 2)}/${trim(capacity, 2)} gpu`;
  if (capacity >= 1024) return `${trim(used / 1024)}/${trim(capacity / 1024)} GiB`;
  return `${trim(used, 0)}/${trim(capacity, 0)} MiB`;
}

/** A request as a person writes it: "500m cpu, 256Mi memory, 0.5 gpu". */
export function request(resources = {}) {
  const parts = [];
  if (resources.cpu) parts.push(resources.cpu % 1000 ? `${resources.cpu}m cpu` : `${resources.cpu / 1000} cpu`);
  if (resources.memory) parts.push(resources.memory % 1024 ? `${resources.memory}Mi memory` : `${resources.memory / 1024}Gi memory`);
  if (resources.gpu) parts.push(`${resources.gpu} gpu`);
  return parts.join(", ") || "nothing";
}

/** Share of capacity in use, 0 to 1 (0 when there is no capacity). */
export const share = (used, capacity) => (capacity > 0 ? Math.min(1, Math.max(0, used / capacity)) : 0);

/**
 * The reasons of a pending task's message, as kube-scheduler writes it:
 * "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) were not ready."
 * -> {total: 5, reasons: [{count: 2, reason: "Insufficient cpu"}, {count: 3, ...}]}.
 * Reasons are split only at ", " before a count, since a reason may hold commas.
 * Anything else (an empty message, "requeued", another sentence) gives no reasons.
 */
export function parseReasons(message) {
  const match = /^0\/(\d+) nodes are available: (.*?)\.?$/s.exec(message || "");
  if (!match) return { total: null, reasons: [] };
  const reasons = [];
  for (const part of match[2].split(/, (?=\d+ )/)) {
    const item = /^(\d+) (.+)$/s.exec(part.trim());
    if (item) reasons.push({ count: Number(item[1]), reason: item[2] });
  }
  return { total: Number(match[1]), reasons };
}

/** A Kubernetes quantity as the Created event writes it: cpu "500m" -> 500 millicores, memory "256Mi" -> 256 MiB. */
export function createdRequest(message) {
  const cpu = /cpu (\d+)m/.exec(message || "");
  const memory = /memory (\d+)Mi/.exec(message || "");
  return { cpu: cpu ? Number(cpu[1]) : 0, memory: memory ? Number(memory[1]) : 0 };
}

/** Prometheus text format -> [{name, labels: {}, value}] (comments skipped). */
export function parsePrometheus(text) {
  const samples = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = {};
    if (match[3]) {
      for (const pair of match[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    }
    const raw = match[4];
    const value = raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw);
    samples.push({ name: match[1], labels, value });
  }
  return samples;
}

/** A histogram's cumulative buckets from parsed samples: [{le, count}] sorted by le. */
export function buckets(samples, name) {
  return samples
    .filter((s) => s.name === `${name}_bucket`)
    .map((s) => ({ le: s.labels.le === "+Inf" ? Infinity : Number(s.labels.le), count: s.value }))
    .sort((a, b) => a.le - b.le);
}

/**
 * The q-quantile of the observations between two readings of the same
 * cumulative histogram, interpolated inside a bucket as Prometheus'
 * histogram_quantile does; null when nothing was observed in between.
 */
export function quantileBetween(before, after, q) {
  const deltas = after.map((b, i) => ({ le: b.le, count: b.count - (before[i] ? before[i].count : 0) }));
  const total = deltas.length ? deltas[deltas.length - 1].count : 0;
  if (!(total > 0)) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bucket of deltas) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return lower; // beyond the last bound: say the last bound
      const inside = bucket.count - below;
      return inside > 0 ? lower + ((bucket.le - lower) * (rank - below)) / inside : bucket.le;
    }
    lower = bucket.le;
    below = bucket.count;
  }
  return lower;
}

/** The p-th percentile (0-100) of numbers, nearest rank; null for none. */
export function percentile(values, p) {
  if (!values.length) return null;
  const sorted = Float64Array.from(values).sort();
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** "11:08:19.462" from an RFC 3339 time, in the browser's time zone. */
export function clock(time) {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Compare ids as people read them: node-2 before node-10. */
export const byId = new Intl.Collator("en", { numeric: true }).compare;

/**
 * The filter plug-in that gives a rejection reason (actors/README.md, "How it
 * places tasks"), or "" for a reason this page does not know.
 */
export function filterOf(reason) {
  const rules = [
    [/^node\(s\) were not ready/, "readiness"],
    [/^node\(s\) were unschedulable/, "NodeUnschedulable"],
    [/untolerated taint/, "TaintToleration"],
    [/node affinity\/selector/, "NodeAffinity"],
    [/^Insufficient /i, "NodeResourcesFit"],
    [/topology spread/, "PodTopologySpread"],
    [/pod affinity rules|pod anti-affinity rules|existing pods anti-affinity/, "InterPodAffinity"],
  ];
  for (const [pattern, name] of rules) if (pattern.test(reason)) return name;
  return "";
}
