import { describe, expect, it } from 'vitest';
import { createDeadLetters } from '../../../ingest/dead-letter.js';

const entry = (n: number) => ({ ts: n, topic: `t/${n}`, clientId: 'c', reason: 'invalid_json' as const, issues: [] });

describe('dead-letter ring', () => {
  it('keeps the newest entries, newest first, within its capacity', () => {
    const dl = createDeadLetters(3);
    for (let i = 1; i <= 5; i++) dl.add(entry(i));
    expect(dl.list().map((e) => e.ts)).toEqual([5, 4, 3]);
    expect(dl.list(2).map((e) => e.ts)).toEqual([5, 4]);
    expect(dl.count).toBe(3);
    expect(dl.total).toBe(5);
  });

  it('lists what it has before it is full', () => {
    const dl = createDeadLetters();
    dl.add(entry(1));
    expect(dl.list(10)).toEqual([entry(1)]);
    expect(dl.capacity).toBe(1000);
  });
});
