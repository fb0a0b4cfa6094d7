// Child processes of the benchmark: forked TypeScript workers talking over IPC, and the real
// service started the way a user starts it. A child that dies mid-run marks the run crashed.
import { type ChildProcess, fork } from 'node:child_process';
import { spawnService } from '../harness/index.js';
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const HERE = import.meta.dirname;
export const crashes: string[] = [];

export interface Worker {
  proc: ChildProcess;
  /** Resolve with the next IPC message of this type. */
  next<T = Record<string, unknown>>(type: string, timeoutMs?: number): Promise<T>;
  ask<T = Record<string, unknown>>(type: string, reply?: string): Promise<T>;
  stop(): Promise<void>;
}

/** Fork bench/<file> under tsx with a JSON argument. */
export function worker(file: string, arg: unknown = {}, extraArgs: string[] = []): Worker {
  const proc = fork(join(HERE, file), [typeof arg === 'string' ? arg : JSON.stringify(arg), ...extraArgs], {
    execArgv: ['--import', 'tsx', '--max-old-space-size=2048'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let expectedExit = false;
  proc.once('exit', (code, signal) => {
    if (!expectedExit && code !== 0) crashes.push(`${file} exited with ${signal ?? code}`);
  });
  const next = <T>(type: string, timeoutMs = 60_000) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${file}: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      const on = (m: { type: string; message?: string }) => {
        if (m.type === 'error') {
          clearTimeout(timer);
          proc.off('message', on);
          reject(new Error(`${file}: ${m.message}`));
        } else if (m.type === type) {
          clearTimeout(timer);
          proc.off('message', on);
          resolve(m as T);
        }
      };
      proc.on('message', on);
      proc.once('exit', () => reject(new Error(`${file} exited before '${type}'`)));
    });
  return {
    proc,
    next,
    ask: (type, reply = type) => {
      const p = next(reply);
      proc.send({ type });
      return p as never;
    },
    stop: async () => {
      expectedExit = true;
      if (proc.exitCode !== null) return;
      const gone = new Promise((r) => proc.once('exit', r));
      // A generator exits on its own after reporting 'done': its channel may close before its
      // exit is seen. With a callback, a failed send (ERR_IPC_CHANNEL_CLOSED) lands there
      // instead of crashing the bench as an unhandled 'error' event.
      if (proc.connected) proc.send({ type: 'stop' }, () => undefined);
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      proc.kill('SIGKILL');
    },
  };
}

export interface ServiceProc {
  proc: ChildProcess;
  http: string;
  mqtt: string;
  ws: string;
  token: string;
  stop(): Promise<void>;
}

/** Start `citysense start` as a user would, on free ports, and parse its banner. */
export async function startService(env: Record<string, string>): Promise<ServiceProc> {
  const token = 'bench-token-0123456789abcdef';
  const out = process.env.BENCH_SERVICE_STDOUT;
  const svc = await spawnService({
    env: {
      CITYSENSE_OPERATOR_TOKEN: token,
      // A bench device publishes thousands of messages/s: the per-device limit is off.
      CITYSENSE_DEVICE_RATE: '0',
      // All the bench's devices connect from 127.0.0.1, hundreds per phase with --devices: the
      // per-source connection limit (burst 200) would refuse the latency phase's with CONNACK 3.
      CITYSENSE_CONNECT_RATE: '0',
      ...env,
    },
    // BENCH_SERVICE_NODE_ARGS: extra node flags for the service only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    nodeArgs: (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean),
    // BENCH_SERVICE_STDOUT=FILE keeps what the service prints (e.g. with --trace-gc).
    ...(out ? { onStdout: (d: Buffer) => appendFileSync(out, d) } : {}),
    echoStderr: true,
  });
  let expectedExit = false;
  svc.proc.once('exit', (code, signal) => {
    if (!expectedExit) crashes.push(`citysense service exited with ${signal ?? code}`);
  });
  return {
    proc: svc.proc,
    http: svc.http,
    mqtt: svc.mqtt,
    ws: svc.ws,
    token,
    stop: async () => {
      expectedExit = true;
      svc.proc.kill('SIGTERM');
      await Promise.race([svc.exited, new Promise((r) => setTimeout(r, 15_000))]);
      svc.proc.kill('SIGKILL');
    },
  };
}

/** Resident set size of a process in MiB (Linux /proc). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Fields of /proc/PID/stat after the command name (which is in parentheses and may hold spaces). */
const statFields = (pid: number | string): string[] => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];

/** CPU time (user + system) a process has used so far, in ms, from /proc (clock ticks at 100 Hz, Linux's USER_HZ). */
export function cpuMs(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * CPU time in ms of a process, of its children that run, and of those that ended and were waited
 * for: a server that forks a process per connection (PostgreSQL's backends) as a whole.
 */
export function treeCpuMs(pid: number): number {
  const own = statFields(pid);
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const f = statFields(entry);
      if (Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // Gone since the listing.
    }
  }
  return ticks * 10;
}

/** The service's /metrics as { 'name{labels}': value }. */
export async function scrape(http: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of (await (await fetch(`${http}/metrics`)).text()).split('\n')) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) ([0-9.e+-]+)$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}
