// The board's order and split (console/public/board-order.js, plain browser JavaScript that
// imports only stream.js), run in Node: severity first, then age, and no red or orange card hidden.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

type Inc = {
  id: string;
  severity: string;
  createdAt: number;
  category?: string;
  grid?: string;
  deviceId?: string;
  title?: string;
  members?: Array<{ deviceId: string }>;
};
type Order = {
  byUrgency: (a: Inc, b: Inc) => number;
  splitColumn: (sorted: Inc[], limit: number, expanded?: boolean) => { shown: Inc[]; hidden: number };
  onBoard: (inc: Inc, filter?: Record<string, unknown>, search?: string) => boolean;
};
const ORDER_JS = fileURLToPath(new URL('../../../console/public/board-order.js', import.meta.url));
const order = (await import(ORDER_JS)) as Order;

const inc = (id: string, severity: string, createdAt: number, over: Partial<Inc> = {}): Inc => ({ id, severity, createdAt, ...over });

describe('board order', () => {
  it('sorts by severity, then oldest first', () => {
    const list = [inc('a', 'blue', 1), inc('b', 'red', 9), inc('c', 'orange', 2), inc('d', 'red', 3), inc('e', 'yellow', 0)];
    expect(list.sort(order.byUrgency).map((i) => i.id)).toEqual(['d', 'b', 'c', 'e', 'a']);
  });

  it.each([
    ['fewer than the limit: everything', 2, 1, 3, 10, 6, 0],
    ['yellow/blue fill what red/orange leave', 1, 1, 10, 5, 5, 7],
    ['more red/orange than the limit: all of them, no others', 4, 3, 5, 5, 7, 5],
  ])('%s', (_name, red, orange, other, limit, shown, hidden) => {
    const list = [
      ...Array.from({ length: red }, (_, i) => inc(`r${i}`, 'red', i)),
      ...Array.from({ length: orange }, (_, i) => inc(`o${i}`, 'orange', i)),
      ...Array.from({ length: other }, (_, i) => inc(`y${i}`, i % 2 ? 'yellow' : 'blue', i)),
    ].sort(order.byUrgency);
    const split = order.splitColumn(list, limit);
    expect([split.shown.length, split.hidden]).toEqual([shown, hidden]);
    expect(split.shown.filter((i) => ['red', 'orange'].includes(i.severity))).toHaveLength(red + orange);
    expect(order.splitColumn(list, limit, true)).toEqual({ shown: list, hidden: 0 });
  });

  it('filters by the stream’s facets and searches id, device, member devices and grid, case-blind', () => {
    const grouped = inc('INC-20261204-ABC123', 'blue', 0, {
      category: 'device',
      grid: 'G-1-2',
      deviceId: 's1',
      members: [{ deviceId: 's1' }, { deviceId: 'gw-7' }],
    });
    expect(order.onBoard(grouped, { severity: ['red'] })).toBe(false);
    expect(order.onBoard(grouped, { severity: ['blue'], category: 'device' })).toBe(true);
    expect(order.onBoard(grouped, { category: 'flood' })).toBe(false);
    for (const q of ['abc123', 'GW-7', 'g-1-2', ' s1 ']) expect(order.onBoard(grouped, {}, q)).toBe(true);
    expect(order.onBoard(grouped, {}, 'nothing')).toBe(false);
  });
});
