// A real influxd (Debian package `influxdb`, 1.x) for tests and the bench: a temp dir, a
// generated config, free loopback ports; stop() and start() again keep the same data and port.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when an `influxd` binary is on PATH. */
export function influxdInstalled(): boolean {
  return spawnSync('influxd', ['version'], { stdio: 'ignore' }).status === 0;
}

/** A free TCP port on 127.0.0.1 (released before it is used, as every port-0 helper does). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Influxd {
  url: string;
  db: string;
  dir: string;
  /** InfluxQL on /query; returns the parsed JSON answer. */
  query(q: string, params?: Record<string, string>): Promise<any>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** Start again on the same port and data. */
  start(): Promise<void>;
  /** Stop and delete the temp dir. */
  close(): Promise<void>;
}

/** Start influxd and create database `db`. */
export async function startInfluxd(db = 'citysense'): Promise<Influxd> {
  const dir = mkdtempSync(join(tmpdir(), 'citysense-influxd-'));
  const [http, rpc] = [await freePort(), await freePort()];
  const config = join(dir, 'influxdb.conf');
  writeFileSync(
    config,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpc}"`,
      '[meta]',
      `  dir = "${join(dir, 'meta')}"`,
      '  logging-enabled = false',
      '[data]',
      `  dir = "${join(dir, 'data')}"`,
      `  wal-dir = "${join(dir, 'wal')}"`,
      '  query-log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
      '[subscriber]',
      '  enabled = false',
      '[continuous_queries]',
      '  enabled = false',
      '[http]',
      `  bind-address = "127.0.0.1:${http}"`,
      '  log-enabled = false',
      '',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${http}`;
  let proc: ChildProcess | undefined;

  const start = async () => {
    const log = openSync(join(dir, 'influxd.log'), 'a');
    proc = spawn('influxd', ['-config', config], { stdio: ['ignore', log, log] });
    const exited = new Promise<never>((_, reject) =>
      proc!.once('exit', (code) => reject(new Error(`influxd exited (${code}); see ${join(dir, 'influxd.log')}`))),
    );
    exited.catch(() => undefined);
    for (let i = 0; i < 200; i++) {
      const ok = await fetch(`${url}/ping`).then(
        (r) => r.status === 204,
        () => false,
      );
      if (ok) return;
      await Promise.race([new Promise((r) => setTimeout(r, 50)), exited]);
    }
    throw new Error(`influxd did not answer /ping within 10 s; see ${join(dir, 'influxd.log')}`);
  };
  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  };
  const query = async (q: string, params: Record<string, string> = {}) => {
    const body = new URLSearchParams({ db, epoch: 'u', q, ...params });
    const res = await fetch(`${url}/query`, { method: 'POST', body });
    return res.json();
  };

  await start();
  await query(`CREATE DATABASE "${db}"`);
  return {
    url,
    db,
    dir,
    query,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
