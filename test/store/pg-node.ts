// A second citysense "node" for the cluster tests, in a thread of its own: its own PostgresStore
// (its own connection) on the shared database, so it can block on a lock while the test's main
// thread holds, reads or commits. Each request is run and answered in turn.
import { parentPort, workerData } from 'node:worker_threads';
import type { IncidentService } from '../../alerts/incidents.js';
import type { Detection, LogMessage } from '../../model/index.js';
import { StoreError, openPostgresStore } from '../../store/index.js';

export type NodeRequest =
  | { op: 'append'; count: number }
  | { op: 'detect'; detections: Detection[] }
  | { op: 'bump'; incidentId: string; times: number }
  | { op: 'ruleVersions'; ruleId: string; times: number };
export type NodeReply = { ok: true; value: unknown } | { ok: false; code?: string; message: string };

const { url, nodeId } = workerData as { url: string; nodeId: string };
const store = openPostgresStore({ url, timeoutMs: 20_000 });
let ids = 0;
// The alerts stage is loaded only by the tests that use it: a node starts sooner without it.
const loadIncidents = async (): Promise<IncidentService> => {
  const { createIncidentService } = await import('../../alerts/incidents.js');
  const { DEFAULT_ROUTING, RoutingTable, createRouter } = await import('../../alerts/routing.js');
  return createIncidentService({
    store: store.incidents,
    router: createRouter(RoutingTable.parse(DEFAULT_ROUTING)),
    publish: (m: LogMessage) => store.alertLog.append(m),
    clock: () => Date.now(),
    newId: () => `INC-${nodeId}-${++ids}`,
    unit: store.writeTransaction,
  });
};
let incidents: IncidentService | undefined;

/** Run `fn` again while it fails with an error a retry may get past (as app/detection-path.ts does). */
function retrying<T>(fn: () => T): { value: T; retries: number } {
  for (let retries = 0; ; retries++) {
    try {
      return { value: fn(), retries };
    } catch (err) {
      if (!(err instanceof StoreError && err.canRetry) || retries >= 20) throw err;
    }
  }
}

function run(m: NodeRequest): unknown {
  switch (m.op) {
    case 'append':
      return Array.from({ length: m.count }, () =>
        store.alertLog.append({ type: 'alert', alert: { node: nodeId } } as object as LogMessage),
      );
    case 'detect':
      return m.detections.reduce((sum, d) => sum + retrying(() => incidents!.onDetection(d)).retries, 0);
    case 'bump':
      for (let n = 0; n < m.times; n++) {
        store.writeTransaction(() => {
          const i = store.incidents.getIncident(m.incidentId)!;
          const next = { ...i, detections: i.detections + 1, updatedAt: Date.now() };
          store.incidents.updateIncident(next, { id: 0, incidentId: i.id, ts: Date.now(), type: 'detection', actor: nodeId });
        });
      }
      return null;
    case 'ruleVersions':
      return Array.from(
        { length: m.times },
        () => store.ruleVersions.append([{ ruleId: m.ruleId, time: Date.now(), author: nodeId, rule: { n: 1 }, diff: [] }])[0]!.version,
      );
  }
}

async function handle(m: NodeRequest | { op: 'close' }): Promise<void> {
  if (m.op === 'close') {
    await store.close();
    parentPort!.postMessage({ ok: true, value: null });
    return;
  }
  if (m.op === 'detect') incidents ??= await loadIncidents();
  let reply: NodeReply;
  try {
    reply = { ok: true, value: run(m) };
  } catch (err) {
    reply = { ok: false, code: (err as { code?: string }).code, message: (err as Error).message };
  }
  parentPort!.postMessage(reply);
}

parentPort!.on('message', (m: NodeRequest | { op: 'close' }) => void handle(m));
parentPort!.postMessage({ ok: true, value: 'ready' });
