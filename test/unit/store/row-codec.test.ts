// Telemetry rows as bytes (store/row-codec.ts): what goes in comes back out, exactly.
import { describe, expect, it } from 'vitest';
import { RowDecoder, RowEncoder, concatRows, type RowValue } from '../../../store/row-codec.js';

const decodeAll = (bytes: Uint8Array, width: number) => {
  const d = new RowDecoder(bytes, width);
  const out: RowValue[][] = [];
  while (d.next()) out.push([...d.values]);
  return out;
};

describe('row codec', () => {
  it('gives back every value of every row: nulls, numbers, strings with any characters', () => {
    const rows: RowValue[][] = [
      [1_717_228_800_123, 'sensor-1', null, -0.5, 39.98, '积水 cm 💧', '', '{"a":"\\u0000"}'],
      [0, 'x'.repeat(10_000), 1e-300, -1e300, null, null, 'ö', 'tab\tnew\nline'],
    ];
    const encoder = new RowEncoder();
    expect(decodeAll(concatRows(rows.map((r) => encoder.encode(r))), 8)).toEqual(rows);
  });

  it('keeps rows apart across chunks, and a row larger than a chunk whole', () => {
    const encoder = new RowEncoder();
    const rows: RowValue[][] = Array.from({ length: 3000 }, (_, n) => [n, `device-${n}`, 'y'.repeat(n % 97 === 0 ? 300_000 : 100)]);
    const refs = rows.map((r) => encoder.encode(r));
    expect(new Set(refs.map((r) => r.chunk)).size).toBeGreaterThan(1);
    expect(decodeAll(concatRows(refs), 3)).toEqual(rows);
    // Any subset, in any order, as the sink sends them after a partial failure.
    const some = [refs[2999]!, refs[7]!, refs[0]!];
    expect(decodeAll(concatRows(some), 3)).toEqual([rows[2999], rows[7], rows[0]]);
  });

  it('refuses a value it cannot store, naming it', () => {
    const encoder = new RowEncoder();
    expect(() => encoder.encode([Number.NaN])).toThrow(/NaN/);
    expect(() => encoder.encode([{} as unknown as RowValue])).toThrow(/object/);
    expect(decodeAll(concatRows([encoder.encode([1])]), 1)).toEqual([[1]]);
  });

  it('says so when the bytes are not rows', () => {
    expect(() => decodeAll(new Uint8Array([9, 0, 0]), 1)).toThrow(/corrupt telemetry row/);
  });
});
