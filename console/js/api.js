// JSON calls to the console server (same origin; the server rejects anything else).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function call(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  let data = null;
  try {
    data = await res.json();
  } catch {
    // non-JSON answer: reported below with the status
  }
  if (!res.ok) {
    throw new ApiError(res.status, data?.error?.code ?? 'HTTP_' + res.status, data?.error?.message ?? res.statusText);
  }
  return data;
}

export const api = {
  state: () => call('GET', '/api/state'),
  manifest: () => call('GET', '/api/manifest'),
  sample: () => call('GET', '/api/sample'),
  saveConfig: (config) => call('POST', '/api/config', config),
  loadFile: (path) => call('POST', '/api/config/load', { path }),
  saveFile: (path) => call('POST', '/api/config/save', { path }),
  test: () => call('POST', '/api/test', {}),
  dryRun: (text) => call('POST', '/api/dry-run', { text }),
  send: (text) => call('POST', '/api/send', { text }),
  receivers: (args) => call('POST', '/api/receivers', args),
  sourceChats: () => call('POST', '/api/source/chats', {}),
  sourcePreview: (chatId, limit = 20) => call('POST', '/api/source/preview', { chatId, limit }),
  run: (id, since = 0) => call('GET', `/api/runs/${encodeURIComponent(id)}?since=${since}`),
  stopRun: (id) => call('POST', `/api/runs/${encodeURIComponent(id)}/stop`, {}),
  resumeRun: (id) => call('POST', `/api/runs/${encodeURIComponent(id)}/resume`, {}),
};

/**
 * Follows a run with Server-Sent Events; falls back to polling where EventSource is missing or drops.
 * handlers: onOutcome(outcome), onProgress(progress), onStopping(), onDone(summary, resume?), onError(message, resume?)
 */
export function followRun(id, handlers) {
  if (typeof EventSource === 'undefined') return pollRun(id, handlers, 0);
  const es = new EventSource(`/api/runs/${encodeURIComponent(id)}/events`);
  let seen = 0;
  let finished = false;
  let stopPolling = () => {};
  const data = (ev) => JSON.parse(ev.data);
  es.addEventListener('outcome', (ev) => {
    seen += 1;
    const e = data(ev);
    handlers.onOutcome(e.outcome);
    handlers.onProgress(e.progress);
  });
  es.addEventListener('progress', (ev) => handlers.onProgress(data(ev).progress));
  es.addEventListener('stopping', (ev) => { handlers.onStopping(); handlers.onProgress(data(ev).progress); });
  es.addEventListener('done', (ev) => {
    finished = true;
    es.close();
    const e = data(ev);
    handlers.onProgress(e.progress);
    handlers.onDone(e.summary, e.resume);
  });
  es.addEventListener('error', (ev) => {
    if (finished) return;
    finished = true;
    es.close();
    if (ev.data) { const e = data(ev); handlers.onError(e.message, e.resume); return; }
    // Connection lost: the server keeps the run, so poll from where the stream stopped.
    stopPolling = pollRun(id, handlers, seen);
  });
  return () => { es.close(); stopPolling(); };
}

function pollRun(id, { onOutcome, onProgress, onStopping, onDone, onError }, since) {
  let stopped = false;
  let stopping = false;
  const tick = async () => {
    if (stopped) return;
    try {
      const snap = await api.run(id, since);
      snap.outcomes.forEach(onOutcome);
      since += snap.outcomes.length;
      onProgress(snap.progress);
      if (snap.state === 'stopping' && !stopping) { stopping = true; onStopping(); }
      if (snap.state === 'done') return onDone(snap.summary, snap.resume);
      if (snap.state === 'error') return onError(snap.error, snap.resume);
      setTimeout(tick, 300);
    } catch (err) {
      onError(err.message);
    }
  };
  tick();
  return () => { stopped = true; };
}
