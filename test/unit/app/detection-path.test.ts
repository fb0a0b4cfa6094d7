// The alert path's driver (app/detection-path.ts) on a virtual clock: its telemetry write and
// incident side fail alone; a store failure is retried in order per dedup key; a detection
// given up is counted, logged, shown in health and resets its rule's key.
import { pino } from 'pino';
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createDetectionPath } from '../../../app/detection-path.js';
import type { Detection } from '../../../rules/index.js';

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

const det = (id: string, ruleId = 'water', deviceId = 's1'): Detection => ({
  id,
  ts: 0,
  phase: 'raise',
  ruleId,
  ruleVersion: 1,
  ruleName: 'Water high',
  ruleKind: 'threshold',
  severity: 'orange',
  category: 'flood',
  dedupKey: `${ruleId}:${deviceId}`,
  deviceId,
  deviceKind: 'sensor',
  message: 'm',
});

/** A path whose store fails while `down` says so; it records what went where. */
function setup(policy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000, maxQueued: 10 }) {
  const vts = new VirtualTimeScheduler();
  const state = { down: false as boolean | 'fatal', writeDown: false };
  const written: string[] = [];
  const handled: string[] = [];
  const released: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const path = createDetectionPath({
    write: (d) => {
      if (state.writeDown) throw new Error('sink closed');
      written.push(d.id);
    },
    handle: (d) => {
      if (state.down === 'fatal') throw new TypeError('a bug');
      if (state.down) throw busy();
      handled.push(d.id);
    },
    release: (ruleId, key) => void released.push(`${ruleId}:${key}`),
    logger,
    policy,
    scheduler: vts,
  });
  return { vts, state, written, handled, released, logs, path };
}

describe('detection path', () => {
  it('handles a detection at once when the store takes it', () => {
    const { path, written, handled } = setup();
    expect(path.accept(det('d1'))).toBe('handled');
    expect({ written, handled, health: path.health() }).toEqual({ written: ['d1'], handled: ['d1'], health: { ok: true, waiting: 0 } });
  });

  it('a failing telemetry write does not skip the incident side, nor the other way round', () => {
    const t = setup();
    t.state.writeDown = true;
    expect(t.path.accept(det('d1'))).toBe('handled');
    expect(t.handled).toEqual(['d1']);
    expect(t.path.stats().writeErrors).toBe(1);
    t.state.writeDown = false;
    t.state.down = 'fatal';
    expect(t.path.accept(det('d2'))).toBe('failed');
    expect(t.written).toEqual(['d2']);
  });

  it('retries a store failure after its backoff, and counts the retry by rule', () => {
    const t = setup();
    t.state.down = true;
    expect(t.path.accept(det('d1'))).toBe('waiting');
    t.vts.schedule(() => (t.state.down = false), 50);
    t.vts.flush();
    expect(t.handled).toEqual(['d1']);
    expect(t.vts.now()).toBe(100);
    expect(t.path.stats().retries).toEqual(new Map([['water', 1]]));
    expect(t.path.health()).toEqual({ ok: true, waiting: 0 });
    expect(t.released).toEqual([]);
  });

  it('a later detection of the same key never overtakes one being retried; another key goes on', () => {
    const t = setup();
    t.state.down = true;
    t.path.accept(det('a1', 'water', 'a'));
    expect(t.path.accept(det('a2', 'water', 'a'))).toBe('waiting');
    t.state.down = false;
    // Key b arrives while the failure's backoff holds the queue: it waits, then goes first (due first).
    expect(t.path.accept(det('b1', 'water', 'b'))).toBe('waiting');
    t.vts.flush();
    expect(t.handled).toEqual(['b1', 'a1', 'a2']);
  });

  it('gives up after its tries: counted, logged with rule, device and error, health degraded, the rule key released', () => {
    const t = setup();
    t.state.down = true;
    t.path.accept(det('d1', 'water', 's7'));
    t.vts.flush();
    expect(t.vts.now()).toBe(300); // tries at 0, 100, 300
    expect(t.handled).toEqual([]);
    expect(t.released).toEqual(['water:s7']);
    expect([...t.path.stats().failed.values()]).toEqual([{ rule: 'water', reason: 'exhausted', value: 1 }]);
    const health = t.path.health();
    expect(health.ok).toBe(false);
    expect(health.reason).toMatch(/rule water on device s7.*database is locked/);
    expect(t.logs).toContainEqual(
      expect.objectContaining({
        level: 50,
        ruleId: 'water',
        deviceId: 's7',
        err: expect.objectContaining({ message: 'database is locked' }),
      }),
    );
    // The next detection that goes through ends the degraded state.
    t.state.down = false;
    t.vts.schedule(() => t.path.accept(det('d2', 'water', 's7')), 1000);
    t.vts.flush();
    expect(t.handled).toEqual(['d2']);
    expect(t.path.health()).toEqual({ ok: true, waiting: 0 });
  });

  it('what cannot be queued counts as failed, and its key is released', () => {
    const t = setup({ attempts: 3, baseDelayMs: 100, maxDelayMs: 1000, maxQueued: 2 });
    t.state.down = true;
    t.path.accept(det('d1', 'water', 'a'));
    t.path.accept(det('d2', 'water', 'b'));
    expect(t.path.accept(det('d3', 'water', 'c'))).toBe('failed');
    expect(t.released).toEqual(['water:c']);
    expect([...t.path.stats().failed.values()]).toEqual([{ rule: 'water', reason: 'queue_full', value: 1 }]);
    expect(t.path.stats().waiting).toBe(2);
  });

  it('at close, what still waits is counted as failed and released, and no timer is left', () => {
    const t = setup();
    t.state.down = true;
    t.path.accept(det('d1', 'water', 'a'));
    t.path.accept(det('d2', 'smoke', 'b'));
    t.path.close();
    expect(t.released).toEqual(['water:a', 'smoke:b']);
    expect([...t.path.stats().failed.values()].map((r) => `${r.rule}:${r.reason}`)).toEqual(['water:shutdown', 'smoke:shutdown']);
    t.state.down = false;
    t.vts.flush();
    expect(t.handled).toEqual([]);
  });
});
