// The Node-RED settings the service runs it with: editor and admin API under /flows behind
// admin credentials, no HTTP-in nodes, nothing that reaches the network (palette installs,
// telemetry, update checks), no core node that runs commands, touches files or opens sockets
// unless switched on, its log routed to ours, our nodes loaded from flows/nodes.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { FlowsBridge } from './bridge.js';

/** Where the citysense nodes (`.cjs` + `.html` pairs) live. */
export const NODES_DIR = join(import.meta.dirname, 'nodes');

/**
 * Node-RED 4.1's core node files that give whoever logs in to the editor the host: `exec` runs
 * commands; `file`, `file in` and `watch` read and write the file system; `tcp in/out/request`,
 * `udp in/out` and `http request` reach any host the service can (settings key `nodesExcludes`).
 */
export const UNSAFE_NODE_FILES = ['90-exec.js', '10-file.js', '23-watch.js', '31-tcpin.js', '32-udp.js', '21-httprequest.js'];

/** Everything the Node-RED settings are made from. */
export interface SettingsOptions {
  /** Mount point of editor and admin API, e.g. `/flows`. */
  root: string;
  userDir: string;
  user: string;
  /** bcrypt hash of the admin password (Node-RED's adminAuth wants a hash, never the password). */
  passwordHash: string;
  credentialSecret: string;
  /** Load UNSAFE_NODE_FILES (config `flows.allowUnsafeNodes`); off by default. */
  allowUnsafeNodes?: boolean;
  bridge: FlowsBridge;
  logger: Logger;
}

// Node-RED's numeric levels (@node-red/util log.js) → pino methods.
const LEVELS: Record<number, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'> = {
  10: 'fatal',
  20: 'error',
  30: 'warn',
  40: 'info',
  50: 'debug',
  60: 'trace',
};

const QUIET = ['Projects disabled', 'Encrypted credentials not found', 'Use of editorTheme.palette.editable'];

interface NodeRedLogMessage {
  level: number;
  msg: unknown;
  type?: string;
  id?: string;
  name?: string;
}

/** The settings object for `RED.init`. */
export function nodeRedSettings(o: SettingsOptions): Record<string, unknown> {
  return {
    userDir: o.userDir,
    flowFile: 'flows.json',
    credentialSecret: o.credentialSecret,
    httpAdminRoot: o.root,
    // No HTTP-in / WebSocket-in endpoints: flows talk to the city through the citysense nodes.
    httpNodeRoot: false,
    nodesDir: [NODES_DIR],
    nodesExcludes: o.allowUnsafeNodes ? [] : UNSAFE_NODE_FILES,
    adminAuth: {
      type: 'credentials',
      users: [{ username: o.user, password: o.passwordHash, permissions: '*' }],
      sessionExpiryTime: 8 * 3600,
    },
    // Nothing reaches out to the network: no palette or module installs, no telemetry, no update check.
    externalModules: {
      autoInstall: false,
      palette: { allowInstall: false, allowUpdate: false, allowUpload: false },
      modules: { allowInstall: false },
    },
    functionExternalModules: false,
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    editorTheme: {
      page: { title: 'citysense flows' },
      header: { title: 'citysense flows' },
      tours: false,
      palette: { catalogues: [] },
      multiplayer: { enabled: false },
    },
    // An unhandled upgrade is dropped after this; short, so no timer outlives a shutdown for long.
    inboundWebSocketTimeout: 1000,
    logging: {
      citysense: {
        level: 'warn',
        metrics: false,
        audit: false,
        handler: () => (m: NodeRedLogMessage) => {
          let method = LEVELS[m.level];
          if (!method) return;
          // Node-RED warns about what is our design choice or a normal first start: not warnings here.
          if (typeof m.msg === 'string' && QUIET.some((q) => (m.msg as string).startsWith(q))) method = 'info';
          const node = m.type ? { node: { type: m.type, id: m.id, name: m.name } } : {};
          if (m.msg instanceof Error) o.logger[method]({ err: m.msg, ...node }, m.msg.message);
          else o.logger[method](node, typeof m.msg === 'string' ? m.msg : JSON.stringify(m.msg));
        },
      },
    },
    // The nodes read the service from RED.settings.citysense.
    citysense: o.bridge,
  };
}

/** bcrypt hash with Node-RED's own bcryptjs, so its login compares against it. */
export function hashPassword(password: string): string {
  const require = createRequire(createRequire(import.meta.url).resolve('node-red'));
  const bcrypt = require('bcryptjs') as { hashSync(s: string, rounds: number): string };
  return bcrypt.hashSync(password, 10);
}

/**
 * The key that encrypts flow credentials: made once and kept in the userDir (mode 0600), so it
 * survives restarts and Node-RED does not warn about a system-generated key on every start.
 */
export function credentialSecret(userDir: string): string {
  mkdirSync(userDir, { recursive: true });
  const file = join(userDir, '.citysense-credential-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(24).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
