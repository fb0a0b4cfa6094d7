// `citysense start` as a child process on free ports, as an operator would run it: for the
// crash tests, which must kill the real process (SIGKILL) and start it again on the same data.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../../bin/citysense.js');

export interface Child {
  proc: ChildProcess;
  http: string;
  ws: string;
  mqtt: string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

/** Start the service; resolves once its banner names the ports (60 s at most). */
export async function startChild(env: Record<string, string>): Promise<Child> {
  const proc = spawn(process.execPath, [BIN, 'start'], {
    env: {
      ...process.env,
      CITYSENSE_HTTP_PORT: '0',
      CITYSENSE_MQTT_PORT: '0',
      CITYSENSE_MQTT_WS_PORT: '0',
      CITYSENSE_DEMO: '0',
      CITYSENSE_FLOWS: '0',
      CITYSENSE_ALLOW_ANONYMOUS: '1',
      CITYSENSE_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  let out = '';
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${out}`)), 60_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited (${code}) before its banner:\n${out}`));
    });
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/operator token/.test(out) && /MQTT\s+mqtt/.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
  });
  proc.stdout!.resume();
  return {
    proc,
    http: /\bAPI\s+(\S+)/.exec(banner)?.[1] ?? /console \/ API\s+(\S+)/.exec(banner)![1]!,
    ws: /WebSocket\s+(ws:\S+)/.exec(banner)![1]!,
    mqtt: /MQTT\s+(mqtt:\S+)/.exec(banner)![1]!,
    exited,
  };
}
