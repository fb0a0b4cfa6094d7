// Cluster mode's environment (DESIGN.md § Cluster mode): CITYSENSE_NATS_URL switches it on,
// CITYSENSE_DATABASE_URL is the shared PostgreSQL, CITYSENSE_NODE_ID names this node.
import { hostname } from 'node:os';
import { z } from 'zod';
import { issuesOf, type Issue } from '../model/index.js';

const NODE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

const urlWith = (text: string, protocols: readonly string[]): boolean => {
  try {
    const u = new URL(text);
    return protocols.includes(u.protocol) && u.hostname !== '';
  } catch {
    return false;
  }
};

/** One or more NATS servers, comma-separated: `nats://10.0.0.1:4222,nats://10.0.0.2:4222`. */
const NatsUrl = z
  .string()
  .refine(
    (v) => v.split(',').every((s) => urlWith(s.trim(), ['nats:', 'tls:'])),
    'must be nats://host:port or tls://host:port (several separated by commas)',
  );
const DatabaseUrl = z
  .string()
  .refine((v) => urlWith(v, ['postgres:', 'postgresql:']), 'must be a PostgreSQL URL: postgres://user@host:5432/database');
const NodeId = z.string().regex(NODE_ID, 'must be 1 to 64 characters of A-Z a-z 0-9 _ . -');

/** An empty variable counts as unset, as in most container tooling. */
const unsetIfBlank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** The cluster variables of the environment; other variables pass untouched. */
export const ClusterEnv = z
  .object({
    CITYSENSE_NATS_URL: z.preprocess(unsetIfBlank, NatsUrl.optional()),
    CITYSENSE_DATABASE_URL: z.preprocess(unsetIfBlank, DatabaseUrl.optional()),
    CITYSENSE_NODE_ID: z.preprocess(unsetIfBlank, NodeId.optional()),
  })
  .refine((v) => v.CITYSENSE_NATS_URL === undefined || v.CITYSENSE_DATABASE_URL !== undefined, {
    path: ['CITYSENSE_DATABASE_URL'],
    message: 'is required when CITYSENSE_NATS_URL is set (cluster mode): postgres://user@host:5432/database',
    // Checked even when another variable is bad, so one run names every missing or bad variable.
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });
export type ClusterEnv = z.infer<typeof ClusterEnv>;

/** What a node of the cluster runs with. */
export const ClusterSettings = z.object({ natsUrl: NatsUrl, databaseUrl: DatabaseUrl, nodeId: NodeId });
export type ClusterSettings = z.infer<typeof ClusterSettings>;

export type ClusterEnvResult = { ok: true; value?: ClusterSettings } | { ok: false; issues: Issue[] };

/** `${hostname}-${pid}`, squeezed into the node id alphabet and length. */
export function defaultNodeId(host = hostname(), pid = process.pid): string {
  const suffix = `-${pid}`;
  const base = host.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64 - suffix.length) || 'node';
  return `${base}${suffix}`;
}

/** Cluster settings from the environment: `value` undefined in single-node mode (no CITYSENSE_NATS_URL). */
export function clusterFromEnv(env: NodeJS.ProcessEnv, defaults: { hostname?: string; pid?: number } = {}): ClusterEnvResult {
  const parsed = ClusterEnv.safeParse(env);
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
  const { CITYSENSE_NATS_URL: natsUrl, CITYSENSE_DATABASE_URL: databaseUrl, CITYSENSE_NODE_ID: nodeId } = parsed.data;
  if (natsUrl === undefined || databaseUrl === undefined) return { ok: true };
  return { ok: true, value: { natsUrl, databaseUrl, nodeId: nodeId ?? defaultNodeId(defaults.hostname, defaults.pid) } };
}
