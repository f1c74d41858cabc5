// The page's side of the small JSON API in localslack/web.py.

export async function post(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (error) {
    return { ok: false, error: `the local workspace did not answer (${error.message})` };
  }
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = { ok: false, error: `HTTP ${response.status}` };
  }
  if (!response.ok && data.ok !== false) data.ok = false;
  return data;
}

export async function getJson(path, signal) {
  const response = await fetch(path, { signal, cache: "no-store" });
  if (response.status === 204) return null;
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try {
      message = (await response.json()).error || message;
    } catch {}
    throw new Error(message);
  }
  return response.json();
}

// Long-polls /ui/state for the view `key()` describes, calling `onState` with each new state.
// `restart()` drops the poll in flight and asks again at once (after navigation).
export class StatePoller {
  constructor(query, onState, onError) {
    this.query = query;
    this.onState = onState;
    this.onError = onError;
    this.version = null;
    this.controller = null;
    this.running = false;
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.loop();
  }

  restart() {
    this.version = null;
    this.controller?.abort();
  }

  async loop() {
    while (this.running) {
      const query = this.query();
      const params = new URLSearchParams(query);
      if (this.version !== null) params.set("since", String(this.version));
      this.controller = new AbortController();
      try {
        const data = await getJson(`/ui/state?${params}`, this.controller.signal);
        if (data && JSON.stringify(query) === JSON.stringify(this.query())) {
          this.version = data.version;
          this.onState(data);
        }
      } catch (error) {
        if (error.name !== "AbortError") {
          this.onError(error);
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    }
  }
}
