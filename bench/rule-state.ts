// `npm run bench:rule-state`: what saving the rule state costs the main thread as the city
// grows. The 20 bench rules run in a real engine over the bench's mixed fleet (each device's
// simulated payloads through the real parse and enrich), and the state goes to a real SQLite
// store through the service's own rules runtime. For each fleet size it prints:
// - full save: every slot in one transaction, what each periodic save did before (and what
//   the shutdown save does);
// - the periodic save after every device reported once, and after one in ten did: slots
//   written, the whole save's time and the longest pause of the event loop meanwhile;
// - the longest pause over as long without a save (this process's own garbage collection).
// Flags: --devices 1000,10000,50000 (fleet sizes), --rounds 4 (readings per device before saving).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Subject } from 'rxjs';
import { startRulesRuntime } from '../app/index.js';
import { createGridLocator, enrich, parsePayload, parseTopic, type Reading } from '../ingest/index.js';
import { createRuleEngine, loadRuleFileFromPath } from '../rules/index.js';
import { openSqliteStore } from '../store/index.js';
import { buildPool } from './payload-pool.js';

const { values: flags } = parseArgs({
  options: { devices: { type: 'string', default: '1000,10000,50000' }, rounds: { type: 'string', default: '4' } },
});
const sizes = flags.devices.split(',').map(Number);
const ROUNDS = Number(flags.rounds);
const rulesFile = new URL('./rules-20.yaml', import.meta.url).pathname;
const ruleSet = await loadRuleFileFromPath(rulesFile);
if (!ruleSet.ok) throw new Error(`${rulesFile}: ${JSON.stringify(ruleSet.issues)}`);
const logger = pino({ level: 'warn' });
const grid = createGridLocator();

/** Each device's payloads as Readings, through the service's own parse and enrich. */
function fleet(devices: number): Reading[][] {
  // A simulated fleet has at most 1000 devices of a kind: bigger ones are several, each its own prefix.
  const pools = Array.from({ length: Math.ceil(devices / 1000) }, (_, k) =>
    buildPool(Math.min(1000, devices - k * 1000), ROUNDS, 11 + k, `rs${k}-`),
  );
  return pools.flat().map((d) => {
    const route = parseTopic(d.topic);
    if (!route.ok) throw new Error(`bad topic ${d.topic}`);
    return d.payloads.map((p) => {
      const body = parsePayload(route.value, p);
      if (!body.ok) throw new Error(`bad payload for ${d.id}`);
      return enrich({ route: route.value, body: body.value, receivedAt: Date.now(), grid });
    });
  });
}

/** Time `fn`, and the longest stretch the event loop was blocked meanwhile. */
async function timed(fn: () => Promise<void> | void): Promise<{ ms: number; pauseMs: number }> {
  let longest = 0;
  let last = performance.now();
  let measuring = true;
  const probe = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (measuring) setImmediate(probe);
  };
  const t0 = performance.now();
  last = t0;
  setImmediate(probe);
  await fn();
  const ms = performance.now() - t0;
  longest = Math.max(longest, performance.now() - last);
  measuring = false;
  return { ms, pauseMs: longest };
}

const results: Array<Record<string, number>> = [];
for (const devices of sizes) {
  const dir = mkdtempSync(join(tmpdir(), 'citysense-rule-state-'));
  // As in the service: the telemetry writer thread (here idle) and the main connection's WAL settings.
  const store = openSqliteStore({ dataDir: dir, logger });
  const engine = createRuleEngine({ rules: ruleSet.rules });
  // The real store, counting the slots each save writes.
  let written = 0;
  const stateStore = {
    ...store.ruleState,
    put: (e: Parameters<typeof store.ruleState.put>[0], at: number) => (store.ruleState.put(e, at), (written += e.length)),
  };
  const runtime = startRulesRuntime({ engine, initial: ruleSet, path: rulesFile, stateStore, logger, saveIntervalMs: 3_600_000 });
  const input = new Subject<Reading>();
  const sub = engine.detections(input).subscribe();
  const readings = fleet(devices);
  // Each reading to the rules and to the store, as in the service (whose telemetry writer
  // thread also checkpoints the store's WAL, so no commit on the main thread does).
  const feed = (round: number, share: number) => {
    readings.forEach((rs, i) => {
      if (i % share !== 0) return;
      const r = { ...rs[round % rs.length]!, ts: Date.now() };
      input.next(r);
      store.telemetry.writeReadings([r]);
    });
  };
  for (let round = 0; round < ROUNDS; round++) feed(round, 1);
  const slots = engine.snapshot().length;
  const full = await timed(() => store.ruleState.put(engine.snapshot(), Date.now()));
  await runtime.save(); // the slots changed since the start, already saved by the full save
  const save = async (round: number, share: number) => {
    feed(round, share);
    written = 0;
    const t = await timed(() => runtime.save());
    return { ...t, written };
  };
  const all = await save(0, 1);
  const tenth = await save(1, 10);
  // The same feed and the same wait without a save: the pauses this process has anyway (GC).
  feed(2, 10);
  const control = await timed(() => new Promise((r) => setTimeout(r, tenth.ms)));
  results.push({
    devices,
    slots,
    fullMs: full.ms,
    everyDeviceSlots: all.written,
    everyDeviceMs: all.ms,
    everyDevicePauseMs: all.pauseMs,
    tenthSlots: tenth.written,
    tenthMs: tenth.ms,
    tenthPauseMs: tenth.pauseMs,
    noSavePauseMs: control.pauseMs,
  });
  runtime.stop();
  sub.unsubscribe();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

const f = (n: number) => n.toFixed(1);
console.log(
  '| devices | slots | full save (was every save; now at shutdown) | every device reported: slots written, save, longest pause | one in ten reported: slots, save, longest pause | no save: longest pause |',
);
console.log('|---|---|---|---|---|---|');
for (const r of results) {
  console.log(
    `| ${r.devices} | ${r.slots} | ${f(r.fullMs!)} ms | ${r.everyDeviceSlots}, ${f(r.everyDeviceMs!)} ms, ${f(r.everyDevicePauseMs!)} ms | ${r.tenthSlots}, ${f(r.tenthMs!)} ms, ${f(r.tenthPauseMs!)} ms | ${f(r.noSavePauseMs!)} ms |`,
  );
}
console.log(`RESULT ${JSON.stringify(results)}`);
