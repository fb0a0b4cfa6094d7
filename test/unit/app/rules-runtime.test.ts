// Saving rule state: only the slots that changed, a chunk per transaction with the
// event loop free in between, a failed chunk written by the next save, the rest at once on stop,
// and a restart that gets every slot back. Real SQLite store, real rule engine.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { startRulesRuntime, type RulesRuntime } from '../../../app/rules-runtime.js';
import type { Reading } from '../../../model/reading.js';
import { createRuleEngine, loadRuleFile, type RuleEngine } from '../../../rules/index.js';
import { DB_FILE_NAME, openSqliteStore, type SqliteStore } from '../../../store/index.js';
import { captureLogger, tempDir } from '../store/fixtures.js';

const RULES = `
rules:
  - { id: water, version: 1, name: Water, kind: threshold, select: { metric: waterLevel }, above: 0.5, severity: orange, for: 1h, category: flood }
  - { id: quiet, version: 1, name: Quiet, kind: absence, select: { kind: sensor }, after: 1h, severity: blue, category: device }
`;
const initial = loadRuleFile(RULES);
if (!initial.ok) throw new Error('test rule file invalid');
const sensor = (deviceId: string, waterLevel: number): Reading => ({
  ts: 1,
  receivedAt: 1,
  deviceId,
  kind: 'sensor',
  channel: 'telemetry',
  metrics: { waterLevel },
  events: [],
});
const devices = ['s1', 's2', 's3', 's4', 's5'];

let cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

interface Rig {
  store: SqliteStore;
  engine: RuleEngine;
  runtime: RulesRuntime;
  input: Subject<Reading>;
  lines: Array<Record<string, unknown>>;
  /** The next save's savedAt. */
  clock: { now: number };
  /** rule id/key → saved_at, read by a connection of its own. */
  rows(): Record<string, number>;
}

function rig(dir: string, saveChunk = 2): Rig {
  const { logger, lines } = captureLogger();
  const clock = { now: 1 };
  const store = openSqliteStore({ dataDir: dir, logger, now: () => clock.now, telemetryWriter: 'inline' });
  const ruleFile = path.join(dir, 'rules.yaml');
  fs.writeFileSync(ruleFile, RULES);
  const engine = createRuleEngine({ rules: initial.ok ? initial.rules : [] });
  const runtime = startRulesRuntime({
    engine,
    initial: initial as Extract<typeof initial, { ok: true }>,
    path: ruleFile,
    stateStore: store.ruleState,
    logger,
    clock: () => clock.now,
    saveIntervalMs: 3_600_000,
    saveChunk,
  });
  const input = new Subject<Reading>();
  const sub = engine.detections(input).subscribe();
  const reader = new Database(path.join(dir, DB_FILE_NAME), { readonly: true });
  cleanup.push(async () => {
    reader.close();
    sub.unsubscribe();
    await store.close();
  });
  const rows = () =>
    Object.fromEntries(
      (
        reader.prepare('SELECT rule_id, key, saved_at FROM rule_state').all() as Array<{ rule_id: string; key: string; saved_at: number }>
      ).map((r) => [`${r.rule_id}/${r.key}`, r.saved_at]),
    );
  return { store, engine, runtime, input, lines, clock, rows };
}

function withDir(): string {
  const tmp = tempDir();
  cleanup.push(tmp.remove);
  return tmp.dir;
}

describe('rule state saves', () => {
  it('write only the slots that changed since the last save', async () => {
    const r = rig(withDir());
    for (const d of devices) r.input.next(sensor(d, 0.1));
    await r.runtime.save();
    expect(Object.keys(r.rows()).sort()).toEqual([...devices.map((d) => `quiet/${d}`), ...devices.map((d) => `water/${d}`)].sort());

    r.clock.now = 2;
    r.input.next(sensor('s1', 0.1)); // the absence rule's state moves on; the threshold's is unchanged
    r.input.next(sensor('s2', 0.7)); // both change: a `for` timer starts
    await r.runtime.save();
    const again = Object.entries(r.rows())
      .filter(([, at]) => at === 2)
      .map(([k]) => k)
      .sort();
    expect(again).toEqual(['quiet/s1', 'quiet/s2', 'water/s2']);

    r.clock.now = 3;
    await r.runtime.save();
    expect(Object.values(r.rows()).filter((at) => at === 3)).toEqual([]);
  });

  it('write a chunk per transaction and let the event loop run between chunks', async () => {
    const r = rig(withDir(), 2);
    for (const d of devices) r.input.next(sensor(d, 0.1));
    const saving = r.runtime.save();
    expect(Object.keys(r.rows())).toHaveLength(2); // the first chunk, before save() returned
    await new Promise((done) => setImmediate(done));
    const afterOneTurn = Object.keys(r.rows()).length;
    expect(afterOneTurn).toBeGreaterThan(2);
    expect(afterOneTurn).toBeLessThan(10);
    await saving;
    expect(Object.keys(r.rows())).toHaveLength(10);
  });

  it('a chunk that fails is logged and its slots go in the next save', async () => {
    const dir = withDir();
    const r = rig(dir, 4);
    const db = new Database(path.join(dir, DB_FILE_NAME));
    cleanup.push(() => void db.close());
    db.exec("CREATE TRIGGER no_s3 BEFORE INSERT ON rule_state WHEN NEW.key = 's3' BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    for (const d of devices) r.input.next(sensor(d, 0.1));
    await r.runtime.save();
    const failed = r.lines.filter((l) => l.msg === 'rule state could not be saved');
    expect(failed).toHaveLength(1);
    expect(Object.keys(r.rows()).length).toBeLessThan(10);

    db.exec('DROP TRIGGER no_s3');
    r.clock.now = 2;
    await r.runtime.save();
    expect(Object.keys(r.rows())).toHaveLength(10);
  });

  it('stop() during a save writes everything left at once', async () => {
    const r = rig(withDir(), 2);
    for (const d of devices) r.input.next(sensor(d, 0.1));
    const saving = r.runtime.save();
    r.input.next(sensor('s6', 0.1)); // changed after the save took its slots
    r.runtime.stop();
    expect(Object.keys(r.rows())).toHaveLength(12);
    await saving;
    expect(r.lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });

  it('drops the saved slots of a rule that left the rule set', async () => {
    const r = rig(withDir());
    for (const d of devices) r.input.next(sensor(d, 0.1));
    await r.runtime.save();
    r.engine.setRules(r.engine.rules().filter((x) => x.id !== 'quiet'));
    await r.runtime.save();
    expect(Object.keys(r.rows()).sort()).toEqual(devices.map((d) => `water/${d}`));
  });

  it('a restart restores every slot, and its first save writes nothing', async () => {
    const dir = withDir();
    const a = rig(dir);
    for (const d of devices) a.input.next(sensor(d, d === 's4' ? 0.9 : 0.1));
    await a.runtime.save();
    a.runtime.stop();
    await a.store.close();

    const b = rig(dir);
    expect(b.lines.find((l) => l.msg === 'rule state restored')).toMatchObject({ restored: 10, dropped: 0 });
    b.clock.now = 5;
    await b.runtime.save();
    expect(Object.values(b.rows())).toEqual(Array(10).fill(1));
    // The restored `for` timer of s4 is live state: a new reading that keeps it changes nothing saved.
    expect(b.engine.snapshot().find((e) => e.ruleId === 'water' && e.key === 's4')?.wakeAt).toBeGreaterThan(0);
  });
});
