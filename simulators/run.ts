// Runs a simulation against a broker: one MQTT connection per device, each publishing on its
// own timer at `rate` messages/s, plus one connection counting refusals.
import type { Logger } from 'pino';
import { connectDevice, type DeviceConnection } from './device-client.js';
import { SimulationOptionsError } from './errors.js';
import { createFleet } from './fleet.js';
import { renderMessage } from './malformed.js';
import { monitorRefusals } from './monitor.js';
import {
  loadDeviceCredentials,
  parseSimulateOptions,
  type Credentials,
  type SimulateOptions,
  type SimulateOptionsInput,
} from './options.js';
import { createRng, type Rng } from './random.js';
import { createScenario } from './scenarios.js';

export interface SimulationProgress {
  sent: number;
  ratePerSec: number;
  refused: number;
  elapsedMs: number;
}

export interface SimulationSummary {
  sent: number;
  malformedSent: number;
  refused: number;
  errors: number;
  durationMs: number;
}

export interface RunDependencies {
  signal?: AbortSignal;
  onProgress?: (progress: SimulationProgress) => void;
  logger?: Logger;
}

// Refusals travel back through the service; give the last ones a moment to arrive.
const REFUSAL_SETTLE_MS = 300;

/** Runs a simulation until `duration` elapses or `signal` aborts; resolves with a summary. */
export async function runSimulation(input: SimulateOptionsInput, deps: RunDependencies = {}): Promise<SimulationSummary> {
  const parsed = parseSimulateOptions(input);
  if (!parsed.ok) throw new SimulationOptionsError(parsed.issues);
  const o = parsed.value;
  const credentials = await resolveCredentials(o);
  const log = deps.logger?.child({ stage: 'simulators' });
  const counts = { sent: 0, malformedSent: 0, errors: 0 };
  const onError = (error: Error): void => {
    counts.errors++;
    log?.debug({ err: error }, 'simulated device error');
  };
  const startedAt = Date.now();
  const summary = (refused: number): SimulationSummary => ({ ...counts, refused, durationMs: Date.now() - startedAt });
  if (deps.signal?.aborted) return summary(0);

  const fleet = createFleet(o);
  const scenario = createScenario(o.scenario, fleet, o);
  const monitor = monitorRefusals({
    url: o.url,
    deviceIds: new Set(fleet.devices.map((d) => d.id)),
    connectTimeoutMs: o.connectTimeoutMs,
    onError,
  });
  const connections = fleet.devices.map((device) =>
    connectDevice(device, { url: o.url, connectTimeoutMs: o.connectTimeoutMs, onError, ...credentials[device.id] }),
  );
  log?.info({ url: o.url, scenario: o.scenario, devices: fleet.devices.length, rate: o.rate }, 'simulation starting');

  const { stopped, cleanup } = stopSignal(deps.signal);
  await Promise.race([Promise.all([monitor.ready, ...connections.map((c) => c.ready)]), stopped]);
  // The duration counts publishing time, from when the fleet is connected.
  const durationTimer = o.duration > 0 ? setTimeout(() => cleanup.stop(), o.duration * 1000) : undefined;

  let running = true;
  const intervalMs = 1000 / o.rate;
  const timers = connections.map((conn, i) => {
    const rng = createRng(o.seed).fork(conn.device.id);
    const breakRng = createRng(o.seed).fork(`${conn.device.id}:malformed`);
    const tick = (index: number): void => {
      if (!running || !emit(conn, index, rng, breakRng)) return;
      // At most one message per tick, each a full interval after the last: never above rate × devices.
      timers[i] = setTimeout(() => tick(index + 1), intervalMs);
    };
    // Stagger first ticks across one interval so the fleet does not publish in bursts.
    return setTimeout(() => tick(0), (intervalMs * i) / connections.length);
  });

  function emit(conn: DeviceConnection, index: number, rng: Rng, breakRng: Rng): boolean {
    const emission = scenario.step(conn.device, index, rng);
    if (emission === null) return true;
    if (emission.type === 'offline') {
      void conn.close(emission.mode);
      return false;
    }
    const message = renderMessage(conn.device, emission, Date.now(), o.malformed, breakRng);
    conn.publish(message).then((sent) => {
      if (!sent) return;
      counts.sent++;
      if (message.malformed) counts.malformedSent++;
    }, onError);
    return true;
  }

  const progressStart = Date.now();
  let last = { sent: 0, at: progressStart };
  const progress = setInterval(() => {
    const now = Date.now();
    const ratePerSec = ((counts.sent - last.sent) * 1000) / Math.max(1, now - last.at);
    last = { sent: counts.sent, at: now };
    deps.onProgress?.({
      sent: counts.sent,
      ratePerSec: Math.round(ratePerSec * 10) / 10,
      refused: monitor.refused(),
      elapsedMs: now - progressStart,
    });
  }, 1000);

  await stopped;
  running = false;
  cleanup.dispose();
  clearTimeout(durationTimer);
  clearInterval(progress);
  for (const t of timers) clearTimeout(t);
  await Promise.all(connections.map((c) => c.close('announce')));
  if (o.malformed > 0 && monitor.client.connected) await new Promise((r) => setTimeout(r, REFUSAL_SETTLE_MS));
  await monitor.close();
  const result = summary(monitor.refused());
  log?.info(result, 'simulation finished');
  return result;
}

/** Explicit credentials win over those of the devices file. */
async function resolveCredentials(o: SimulateOptions): Promise<Credentials> {
  if (!o.devicesFile) return o.credentials ?? {};
  const loaded = await loadDeviceCredentials(o.devicesFile);
  if (!loaded.ok) throw new SimulationOptionsError(loaded.issues);
  return { ...loaded.value, ...o.credentials };
}

/** A promise that settles on abort or on `stop()`; `dispose()` removes the abort listener. */
function stopSignal(signal: AbortSignal | undefined): { stopped: Promise<void>; cleanup: { stop: () => void; dispose: () => void } } {
  let stop = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const onAbort = (): void => stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  return { stopped, cleanup: { stop: () => stop(), dispose: () => signal?.removeEventListener('abort', onAbort) } };
}
