// Start test nodes (pg-node.ts) in threads of their own, and talk to them one request at a time.
import { Worker } from 'node:worker_threads';
import type { NodeReply, NodeRequest } from './pg-node.js';

export interface TestNode {
  /** Send a request; resolves with its answer, rejects with the node's error (its `code` kept). */
  call<T = unknown>(request: NodeRequest): Promise<T>;
  close(): Promise<void>;
}

/** A node on the database at `url`, ready once its store is open. */
export async function startNode(url: string, nodeId: string): Promise<TestNode> {
  const worker = new Worker(new URL('./pg-node-boot.mjs', import.meta.url), { workerData: { url, nodeId } });
  const next = () =>
    new Promise<NodeReply>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      worker.once('error', onError);
      worker.once('message', (m: NodeReply) => {
        worker.off('error', onError);
        resolve(m);
      });
    });
  await next();
  let queue = Promise.resolve<unknown>(undefined);
  const call = <T>(request: NodeRequest | { op: 'close' }): Promise<T> => {
    const answer = queue.then(async () => {
      const reply = next();
      worker.postMessage(request);
      const r = await reply;
      if (!r.ok) throw Object.assign(new Error(r.message), { code: r.code });
      return r.value as T;
    });
    queue = answer.catch(() => undefined);
    return answer;
  };
  return {
    call,
    async close() {
      await call({ op: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
