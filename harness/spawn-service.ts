// `citysense start` as a child process, as an operator runs it: free ports, the given
// environment, and the URLs read off its banner. Shared by the crash tests and the benches.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../bin/citysense.js');

export interface SpawnedService {
  proc: ChildProcess;
  http: string;
  ws: string;
  mqtt: string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

export interface SpawnOptions {
  /** Over the defaults below (free ports, no demo, no Node-RED, anonymous devices, log level warn). */
  env?: Record<string, string>;
  /** Node flags for the service's process (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Everything the service prints on stdout, as it comes. */
  onStdout?: (chunk: Buffer) => void;
  /** Pass the service's stderr (its warnings and errors) through to ours; else it is only kept for a failed start. */
  echoStderr?: boolean;
}

/** Start the service; resolves once its banner names the ports (60 s at most). */
export async function spawnService(o: SpawnOptions = {}): Promise<SpawnedService> {
  const proc = spawn(process.execPath, [...(o.nodeArgs ?? []), BIN, 'start'], {
    env: {
      ...process.env,
      CITYSENSE_HTTP_PORT: '0',
      CITYSENSE_MQTT_PORT: '0',
      CITYSENSE_MQTT_WS_PORT: '0',
      CITYSENSE_DEMO: '0',
      CITYSENSE_FLOWS: '0',
      CITYSENSE_ALLOW_ANONYMOUS: '1',
      CITYSENSE_LOG_LEVEL: 'warn',
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  let out = '';
  proc.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
    if (o.echoStderr) process.stderr.write(d);
  });
  proc.stdout!.on('data', (d: Buffer) => o.onStdout?.(d));
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${out}`)), 60_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`service exited (${code}) before its banner:\n${out}`));
    };
    proc.once('exit', onExit);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/operator token/.test(out) && /MQTT\s+mqtt/.test(out)) {
        clearTimeout(timer);
        proc.off('exit', onExit);
        proc.stdout!.off('data', onData);
        resolve(out);
      }
    };
    proc.stdout!.on('data', onData);
  });
  return {
    proc,
    http: /\bAPI\s+(\S+)/.exec(banner)?.[1] ?? /console \/ API\s+(\S+)/.exec(banner)![1]!,
    ws: /WebSocket\s+(ws:\S+)/.exec(banner)![1]!,
    mqtt: /MQTT\s+(mqtt:\S+)/.exec(banner)![1]!,
    exited,
  };
}
