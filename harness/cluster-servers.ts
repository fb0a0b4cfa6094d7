// The servers of cluster mode for tests and the bench: a real nats-server with JetStream and a
// real PostgreSQL (Debian packages `nats-server` and `postgresql`), each in a temp dir on a free
// loopback port. PostgreSQL refuses to run as root, so its tools run as the `postgres` user.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './influxd.js';

const PG_BIN = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'].find((d) =>
  existsSync(join(d, 'pg_ctl')),
);

/** Why cluster tests cannot run here (a missing program), or undefined when they can. */
export function clusterServersMissing(): string | undefined {
  if (spawnSync('nats-server', ['--version'], { stdio: 'ignore' }).status !== 0)
    return 'nats-server is not installed (apt-get install -y nats-server)';
  if (!PG_BIN) return 'PostgreSQL is not installed (apt-get install -y postgresql)';
  if (process.getuid?.() === 0 && spawnSync('id', ['postgres'], { stdio: 'ignore' }).status !== 0)
    return 'no postgres user to run PostgreSQL as';
  return undefined;
}

function waitForPort(port: number, proc: ChildProcess, what: string, log: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (proc.exitCode !== null) return reject(new Error(`${what} exited (${proc.exitCode}); see ${log}`));
      const s = createConnection({ port, host: '127.0.0.1' });
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`${what} did not listen on ${port} within ${ms} ms; see ${log}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export interface NatsServer {
  url: string;
  port: number;
  dir: string;
  /** The server's process id while it runs (its CPU time, for the bench). */
  pid(): number | undefined;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** Start it again on the same port with the same store (after `stop`): what clients see as a reconnect. */
  restart(): Promise<void>;
  /** Stop and delete the temp dir. */
  close(): Promise<void>;
}

/**
 * Start `nats-server -js` on a free loopback port with its store in a temp dir; `config` is the
 * text of a server configuration file (e.g. subject mappings) added to the command line.
 */
export async function startNats(opts: { config?: string } = {}): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'citysense-nats-'));
  const port = await freePort();
  const log = join(dir, 'nats.log');
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'js')];
  if (opts.config !== undefined) {
    writeFileSync(join(dir, 'nats.conf'), opts.config);
    args.push('-c', join(dir, 'nats.conf'));
  }
  const launch = async () => {
    const out = openSync(log, 'a');
    const p = spawn('nats-server', args, { stdio: ['ignore', out, out] });
    closeSync(out);
    await waitForPort(port, p, 'nats-server', log);
    return p;
  };
  let proc = await launch();
  const stop = () => stopProcess(proc);
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => (proc.exitCode === null ? proc.pid : undefined),
    stop,
    async restart() {
      await stop();
      proc = await launch();
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Postgres {
  /** postgres://… of a database made for this server. */
  url: string;
  port: number;
  dir: string;
  /** The postmaster's process id while it runs; the backends are its children. */
  pid(): number | undefined;
  /** A new empty database on the same server; returns its URL. */
  createDatabase(name: string): string;
  stop(): Promise<void>;
  close(): Promise<void>;
}

/** Run a PostgreSQL tool, as the postgres user when we are root. */
function pgTool(tool: string, args: string[]) {
  const bin = join(PG_BIN!, tool);
  const asRoot = process.getuid?.() === 0;
  const r = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', bin, ...args], { encoding: 'utf8' })
    : spawnSync(bin, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** initdb a trust-auth cluster in a temp dir and start it on a free loopback port. */
export async function startPostgres(database = 'citysense'): Promise<Postgres> {
  if (!PG_BIN) throw new Error('PostgreSQL is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'citysense-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  pgTool('initdb', ['-A', 'trust', '-U', 'postgres', '-D', data, '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  const port = await freePort();
  const log = join(dir, 'postgres.log');
  // fsync off: a test server's durability is not what is tested; the service's is PostgreSQL's own.
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200`;
  pgTool('pg_ctl', ['start', '-w', '-D', data, '-l', log, '-o', opts]);
  const createDatabase = (name: string) => {
    pgTool('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name]);
    return `postgres://postgres@127.0.0.1:${port}/${name}`;
  };
  const url = createDatabase(database);
  let running = true;
  const stop = async () => {
    if (!running) return;
    running = false;
    pgTool('pg_ctl', ['stop', '-w', '-m', 'fast', '-D', data]);
  };
  return {
    url,
    port,
    dir,
    // pg_ctl starts the server detached: the first line of postmaster.pid names it.
    pid: () => (running ? Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined : undefined),
    createDatabase,
    stop,
    async close() {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}
