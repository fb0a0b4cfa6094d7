// Node-RED embedded in the service: editor and admin API under /flows on the
// service's own HTTP port, WebSocket comms at /flows/comms through the server's mounts.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { FlowsBridge } from './bridge.js';
import { FlowsError } from './errors.js';
import { type LoginThrottle, createLoginHandler } from './login.js';
import { credentialSecret, hashPassword, nodeRedSettings } from './settings.js';

/** Where Node-RED keeps its files, its admin login, and the bridge its nodes use. */
export interface FlowsOptions {
  userDir: string;
  user: string;
  password: string;
  bridge: FlowsBridge;
  logger: Logger;
  /** Default `/flows`. */
  root?: string;
  /** Failed logins per source address, shared with the API (Node-RED's own per-name lockout is bypassed). */
  throttle?: LoginThrottle;
  /** Load Node-RED's exec, file, tcp, udp and http request nodes (flows/settings.ts). */
  allowUnsafeNodes?: boolean;
}

/** Running Node-RED: a mount for the HTTP server, and stop. */
export interface RunningFlows {
  mount: {
    prefix: string;
    handle(req: IncomingMessage, res: ServerResponse): boolean;
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  };
  stop(): Promise<void>;
}

// The parts of the node-red module we use (it ships no types).
interface NodeRed {
  init(server: EventEmitter, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  httpAdmin: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
}
type Express = (() => ExpressApp) & Record<string, unknown>;
interface ExpressApp {
  (req: IncomingMessage, res: ServerResponse): void;
  disable(name: string): void;
  use(...args: unknown[]): void;
  post(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): void;
}

// Node-RED is one runtime per process (its modules hold their state); two at once would share it.
let running = false;

/** Start Node-RED on the bridge; resolves once its runtime and flows are up. */
export async function startFlows(opts: FlowsOptions): Promise<RunningFlows> {
  if (running) throw new FlowsError('Node-RED is already running in this process (it is a per-process runtime)');
  running = true;
  try {
    return await start(opts);
  } catch (err) {
    running = false;
    throw err;
  }
}

async function start(opts: FlowsOptions): Promise<RunningFlows> {
  const root = opts.root ?? '/flows';
  const require = createRequire(import.meta.url);
  const RED = require('node-red') as NodeRed;
  const express = createRequire(require.resolve('node-red'))('express') as Express;
  const logger = opts.logger.child({ stage: 'flows' });

  // Node-RED listens for 'upgrade' on the server it is given. It gets a stand-in, so only the
  // upgrades our HTTP server routes to this mount ever reach it, and /ws stays ours.
  const upgrades = new EventEmitter();
  const sockets = new Set<Duplex>();
  const passwordHash = hashPassword(opts.password);
  RED.init(
    upgrades,
    nodeRedSettings({
      root,
      userDir: opts.userDir,
      user: opts.user,
      passwordHash,
      credentialSecret: credentialSecret(opts.userDir),
      allowUnsafeNodes: opts.allowUnsafeNodes ?? false,
      bridge: opts.bridge,
      logger,
    }),
  );
  const app = express();
  app.disable('x-powered-by');
  // Ahead of Node-RED's own route, matched by the same express router rules (case, trailing
  // slash), so no spelling of the path reaches Node-RED's login and its per-name lockout.
  app.post(`${root}/auth/token`, createLoginHandler({ user: opts.user, passwordHash, throttle: opts.throttle, logger }));
  app.use(root, RED.httpAdmin);
  await RED.start();
  logger.info({ root, userDir: opts.userDir }, 'Node-RED started');

  let stopped = false;
  return {
    mount: {
      prefix: root,
      handle(req, res) {
        app(req, res);
        return true;
      },
      upgrade(req, socket, head) {
        if (stopped || new URL(req.url ?? '/', 'http://localhost').pathname !== `${root}/comms`) return false;
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        upgrades.emit('upgrade', req, socket, head);
        return true;
      },
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await RED.stop();
      } finally {
        // Node-RED's comms server does not end its editor connections on stop.
        for (const s of sockets) s.destroy();
        upgrades.removeAllListeners();
        running = false;
      }
    },
  };
}
