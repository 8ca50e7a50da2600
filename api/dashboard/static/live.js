// The live event stream: one EventSource per page (GET /events?watch=true).
//
// The server writes `id: SEQ` before each event, so when the connection drops
// the browser reconnects by itself and sends `Last-Event-ID: SEQ`, and the
// server resumes after it: nothing missed, nothing repeated (tested in
// tests/e2e/test_dashboard.py through a proxy that cuts the stream). The
// browser gives up only when an answer is not a stream (503: too many
// watches; 410: that seq is no longer kept); then this opens a new
// EventSource from the last seq seen (`since=`), after a back-off, and on
// 410 asks the page to read everything again. The badge says which.
//
// Events are not handled as they come: they are queued, and the page takes
// the queue once per animation frame (take), applies it and draws once.

export class Live {
  constructor({ since, badge, wake, expired, restarted }) {
    this.lastSeq = since;
    this.badge = badge;
    this.wake = wake; // asks for a frame
    this.expired = expired; // the server no longer keeps our place: read everything again
    this.restarted = restarted; // the server's seqs began anew: read everything again
    this.queue = [];
    this.source = null;
    this.retryMs = 1000;
    this.timer = null;
    this.stats = { received: 0, opened: 0, drops: 0, state: "connecting" };
  }

  start() {
    this._open(`/events?watch=true&since=${this.lastSeq}`);
  }

  stop() {
    clearTimeout(this.timer);
    if (this.source) this.source.close();
    this.source = null;
  }

  /** Every event received since the last call, oldest first. */
  take() {
    const events = this.queue;
    this.queue = [];
    return events;
  }

  _open(url) {
    const source = new EventSource(url);
    this.source = source;
    source.onopen = () => {
      this.stats.opened += 1;
      this.retryMs = 1000;
      this._state("live", "Live");
    };
    source.onmessage = (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      // A resumed stream never repeats an event: a seq not above the last one means the
      // server started again with a fresh log (the memory store), so the page reads everything again.
      if (event.seq <= this.lastSeq) this.restarted();
      this.lastSeq = event.seq;
      this.stats.received += 1;
      this.queue.push(event);
      if (this.queue.length === 1) this.wake();
    };
    source.onerror = (error) => {
      if (source !== this.source) return;
      if (error instanceof MessageEvent && error.data) {
        // `event: error` from the server: this watcher fell too far behind (410).
        source.close();
        this._state("down", "Stream expired: reloading");
        this.expired().then((seq) => {
          this.lastSeq = seq;
          this._open(`/events?watch=true&since=${seq}`);
        });
        return;
      }
      this.stats.drops += 1;
      if (source.readyState === EventSource.CONNECTING) {
        this._state("down", "Stream down: reconnecting…"); // the browser retries with Last-Event-ID
        return;
      }
      // CLOSED: the answer was not a stream (503 too many watches, 410, 401): retry ourselves.
      source.close();
      this._retry();
    };
  }

  /** After a back-off, from the last seq seen; or, when the server no longer keeps it (410), read everything again. */
  async _retry() {
    const wait = this.retryMs;
    this.retryMs = Math.min(30_000, this.retryMs * 2);
    this._state("down", `Stream down: retrying in ${Math.round(wait / 1000)} s`);
    await new Promise((resolve) => {
      this.timer = setTimeout(resolve, wait);
    });
    let status = 0;
    try {
      status = (await fetch(`/events?since=${this.lastSeq}&limit=1`, { cache: "no-store" })).status;
    } catch {
      // no answer: try the stream anyway, it will fail and come back here
    }
    if (status === 410) {
      this._state("down", "Stream expired: reloading");
      this.lastSeq = await this.expired();
    }
    this._open(`/events?watch=true&since=${this.lastSeq}`);
  }

  _state(state, text) {
    this.stats.state = state;
    this.badge.dataset.state = state;
    this.badge.textContent = text;
  }
}
