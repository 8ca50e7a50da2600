// The native API over fetch. The session cookie is HttpOnly (no script reads
// it) and travels by itself on same-origin requests; every write adds the
// session's CSRF token in X-CSRF-Token, which the server checks. No token is
// ever put in a URL or in storage: the login form posts it in a JSON body.

export class ApiError extends Error {
  constructor(status, title, description) {
    super(description ? `${title}: ${description}` : title);
    this.status = status;
    this.title = title;
    this.description = description;
  }
}

let csrf = "";
let onUnauthorized = () => {};

export function setCsrf(token) {
  csrf = token || "";
}

/** Called on a 401 from the API (the session ended): the page shows the login form again. */
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

const READS = new Set(["GET", "HEAD"]);

/** One request; resolves to {data, headers}; rejects with ApiError (its title and description from the body). */
export async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (!READS.has(method) && csrf) headers["X-CSRF-Token"] = csrf;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch (error) {
    throw new ApiError(0, "No answer", `the server did not answer (${error.message})`);
  }
  if (!response.ok) {
    let info = {};
    try {
      info = await response.json();
    } catch {
      // not JSON: keep the status line
    }
    if (response.status === 401 && path !== "/ui/session") onUnauthorized();
    throw new ApiError(response.status, info.title || response.statusText || String(response.status), info.description || "");
  }
  if (response.status === 204) return { data: null, headers: response.headers };
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  return { data, headers: response.headers };
}

export const get = async (path) => (await call("GET", path)).data;
export const post = async (path, body) => (await call("POST", path, body)).data;
export const put = async (path, body) => (await call("PUT", path, body)).data;
export const del = async (path, body) => (await call("DELETE", path, body)).data;

/**
 * GET /events?QUERY (without `since`: from the oldest event kept), oldest
 * first. The server reads a missing `since` as 0, and refuses 0 with 410
 * once it has dropped its oldest events; its answer names the oldest it
 * keeps ("the oldest kept is N"), so list again from there, and start there
 * next time (one 410 now and then instead of one per list).
 */
let oldestKept = 0;
export async function listEvents(query) {
  const from = (seq) => (seq > 1 ? `since=${seq - 1}&` : "");
  try {
    return await get(`/events?${from(oldestKept)}${query}`);
  } catch (error) {
    const oldest = error.status === 410 && /oldest kept is (\d+)/.exec(error.description || "");
    if (!oldest) throw error;
    oldestKept = Number(oldest[1]);
    return get(`/events?${from(oldestKept)}${query}`);
  }
}

/** The newest event's seq: X-Last-Seq of a list that starts past it (so never 410). */
export async function headSeq() {
  const { headers } = await call("GET", "/events?since=999999999999999&limit=1");
  return Number(headers.get("X-Last-Seq") || 0);
}

/** A path segment or query value, escaped. */
export const q = encodeURIComponent;
