// A cluster node's rules: the device partitions run the rules keyed by device, the area
// partitions the rules keyed by grid, each partition an engine of its own behind one face; and
// the publisher puts a reading on its device subject, and on its grid's area subject only when
// an area rule runs.
import { pino } from 'pino';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createPartitionedEngine, rulesOfPartition, startReadingPublisher } from '../../../cluster/index.js';
import type { Detection, Reading } from '../../../model/index.js';
import { createRuleEngine, type Rule } from '../../../rules/index.js';
import { correlateOf, sensor, thresholdOf } from '../rules/helpers.js';

const high = thresholdOf({ id: 'level-high', select: { metric: 'level' }, severity: 'orange', above: 50 });
const fire = correlateOf({
  id: 'fire',
  window: '1m',
  conditions: [{ select: { metric: 'temperature' }, above: 60 }],
  levels: [{ severity: 'red', minSources: 2 }],
});
const rules: Rule[] = [high, fire];

describe('the partitioned engine', () => {
  it('gives the device partitions the device rules and the area partitions the grid rules', () => {
    expect(rulesOfPartition('d3', rules).map((r) => r.id)).toEqual(['level-high']);
    expect(rulesOfPartition('a3', rules).map((r) => r.id)).toEqual(['fire']);
  });

  it('runs an engine per partition, hot-swaps rules into each, and releases a key wherever it is held', () => {
    const p = createPartitionedEngine(rules, (rs) => createRuleEngine({ rules: rs }));
    expect(p.hasAreaRules()).toBe(true);
    const d = p.open('d1');
    const a = p.open('a1');
    const seen: Detection[] = [];
    const dIn = new Subject<Reading>();
    const aIn = new Subject<Reading>();
    d.detections(dIn).subscribe((x) => seen.push(x));
    a.detections(aIn).subscribe((x) => seen.push(x));
    dIn.next(sensor('s-1', { level: 80 }));
    aIn.next(sensor('t-1', { temperature: 70 }, { grid: 'G-1' }));
    aIn.next(sensor('t-2', { temperature: 70 }, { grid: 'G-1' }));
    expect(seen.map((x) => `${x.ruleId}:${x.phase}`)).toEqual(['level-high:raise', 'fire:raise']);
    // Released on the face: the device engine forgets s-1's raise, so the next high reading raises again.
    expect(p.engine.release('level-high', 's-1')).toBe(true);
    dIn.next(sensor('s-1', { level: 81 }));
    expect(seen.filter((x) => x.ruleId === 'level-high')).toHaveLength(2);
    // A new rule set reaches every open partition engine, its share only.
    p.engine.setRules([thresholdOf({ id: 'level-high', version: 2, select: { metric: 'level' }, severity: 'red', above: 90 })]);
    expect(d.rules().map((r) => `${r.id}@${r.version}`)).toEqual(['level-high@2']);
    expect(a.rules()).toEqual([]);
    expect(p.hasAreaRules()).toBe(false);
    expect(
      p
        .open('d2')
        .rules()
        .map((r) => r.id),
    ).toEqual(['level-high']);
  });
});

describe('the reading publisher', () => {
  const published: string[] = [];
  const log = {
    publish: (subject: string, _data: Uint8Array, msgId: string) => {
      published.push(`${subject} ${msgId.split(':')[0]}`);
      return Promise.resolve({ seq: published.length, duplicate: false });
    },
  };

  it('puts a reading on its device subject, and on its area subject while an area rule runs', async () => {
    const readings$ = new Subject<Reading>();
    let area = false;
    const pub = startReadingPublisher({ readings$, log, hasAreaRules: () => area, logger: pino({ level: 'silent' }) });
    await pub.during(() => readings$.next(sensor('s-1', { level: 1 }, { grid: 'G-1' })));
    area = true;
    await pub.during(() => readings$.next(sensor('s-1', { level: 2 }, { grid: 'G-1' })));
    await pub.during(() => readings$.next(sensor('s-2', { level: 3 }))); // no grid: no area copy
    expect(published).toEqual([
      expect.stringMatching(/^citysense\.readings\.d\.\d+ d$/),
      expect.stringMatching(/^citysense\.readings\.d\.\d+ d$/),
      expect.stringMatching(/^citysense\.readings\.a\.\d+ a$/),
      expect.stringMatching(/^citysense\.readings\.d\.\d+ d$/),
    ]);
    expect(pub.stats()).toEqual({ published: 4, duplicates: 0, failed: 0 });
    pub.close();
  });

  it('puts the reading itself on the log, with one id for it whenever it was received', async () => {
    const sent: Array<{ data: Uint8Array; msgId: string }> = [];
    const readings$ = new Subject<Reading>();
    const keep = {
      publish: (_subject: string, data: Uint8Array, msgId: string) => {
        sent.push({ data, msgId });
        return Promise.resolve({ seq: sent.length, duplicate: false });
      },
    };
    const pub = startReadingPublisher({ readings$, log: keep, hasAreaRules: () => false, logger: pino({ level: 'silent' }) });
    const r = sensor('s-1', { level: 1 }, { receivedAt: 1000 });
    await pub.during(() => readings$.next(r));
    await pub.during(() => readings$.next({ ...r, receivedAt: 2000 }));
    await pub.during(() => readings$.next({ ...r, metrics: { level: 2 } }));
    expect(JSON.parse(Buffer.from(sent[0]!.data).toString())).toEqual(r);
    expect(sent[1]!.msgId).toBe(sent[0]!.msgId);
    expect(sent[2]!.msgId).not.toBe(sent[0]!.msgId);
    pub.close();
  });

  it('rejects the packet’s wait when the log does not take a reading (the PUBACK is withheld)', async () => {
    const readings$ = new Subject<Reading>();
    const failing = { publish: () => Promise.reject(new Error('no JetStream ack')) };
    const pub = startReadingPublisher({ readings$, log: failing, hasAreaRules: () => false, logger: pino({ level: 'silent' }) });
    await expect(pub.during(() => readings$.next(sensor('s-1', { level: 1 })))).rejects.toThrow(/no JetStream ack/);
    expect(pub.stats().failed).toBe(1);
    pub.close();
  });
});
