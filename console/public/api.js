// The HTTP API of DESIGN.md § HTTP API, with the operator token on every call.

/** An API client bound to a token. Rejects with an Error carrying status and the server's message. */
export function createApi(token) {
  async function call(path, { method, body, text } = {}) {
    const res = await fetch(path, {
      method: method ?? (body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const raw = await res.text();
    if (!res.ok) {
      let message = `${res.status} ${res.statusText}`;
      try {
        const e = JSON.parse(raw).error;
        message = e.message + (e.issues ? ': ' + e.issues.map((i) => `${i.path} ${i.message}`).join('; ') : '');
      } catch {}
      throw Object.assign(new Error(message), { status: res.status });
    }
    return text ? raw : JSON.parse(raw);
  }
  /** GET that answers undefined on 404/501 (an optional endpoint another stage may not have yet). */
  const optional = (path, opts) => call(path, opts).catch((e) => (e.status === 404 || e.status === 501 ? undefined : Promise.reject(e)));
  return {
    departments: () => call('/api/departments'),
    incidents: (query = 'limit=300') => call(`/api/incidents?${query}`).then((r) => r.incidents),
    incident: (id) => call(`/api/incidents/${encodeURIComponent(id)}`),
    act: (id, body) => call(`/api/incidents/${encodeURIComponent(id)}/actions`, { body }),
    report: (body) => call('/api/incidents', { body }),
    review: (id) => call(`/api/incidents/${encodeURIComponent(id)}/review`),
    reviewMarkdown: (id) => call(`/api/incidents/${encodeURIComponent(id)}/review?format=md`, { text: true }),
    cap: (id) => optional(`/api/incidents/${encodeURIComponent(id)}/cap`, { text: true }),
    silence: (body) => call('/api/silences', { body }),
    evaluation: (query = '') => optional(`/api/evaluation${query ? `?${query}` : ''}`),
    devices: () => call('/api/devices'),
    telemetry: (q) => call(`/api/telemetry?${new URLSearchParams(q)}`),
    rules: () => call('/api/rules'),
    silences: () => call('/api/silences').then((r) => r.silences),
    createSilence: (body) => call('/api/silences', { body }),
    expireSilence: (id, by) => call(`/api/silences/${encodeURIComponent(id)}?by=${encodeURIComponent(by)}`, { method: 'DELETE' }),
  };
}
