// Telemetry rows as bytes: encoded once when accepted, kept off the JavaScript heap while they
// wait for the writer thread, copied into one buffer per batch, decoded there.
//
// Rows waiting for their batch (tens of ms) as JavaScript objects would be the bulk of what every
// young-generation garbage collection has to copy: ~1 MB of small strings and arrays per scavenge at 20k
// readings/s, scavenges of 4–6 ms that the alert path would run into. In a buffer they cost the
// collector one small object per row.
//
// A row is its values in column order, each a tag byte and then: nothing (null), a float64
// (number), or a uint32 byte length and UTF-8 bytes (string).

const NULL = 0;
const NUMBER = 1;
const STRING = 2;
/** Bytes per chunk of the row store; a row larger than this gets a chunk of its own. */
const CHUNK_BYTES = 256 * 1024;

/** Where an encoded row lives: bytes start..end of chunk. */
export interface RowRef {
  chunk: Buffer;
  start: number;
  end: number;
}

/** A column value as stored: what better-sqlite3 binds. */
export type RowValue = string | number | null;

/** Appends encoded rows to chunks it allocates; a chunk is freed once no RowRef points into it. */
export class RowEncoder {
  private chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  private used = 0;

  /**
   * Encode one row; where it went is written to `into` (a caller's own record of the row, so
   * no second object per row), or to a new RowRef. Throws (nothing kept) on a value that is not
   * a string, finite number or null.
   */
  encode<R extends RowRef = RowRef>(values: readonly RowValue[], into?: R): R {
    let bound = 0;
    for (const v of values) bound += typeof v === 'string' ? 5 + 3 * v.length : 9;
    if (this.used + bound > this.chunk.length) {
      this.chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, bound));
      this.used = 0;
    }
    const b = this.chunk;
    const start = this.used;
    let at = start;
    for (const v of values) {
      if (v === null) {
        b[at++] = NULL;
      } else if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw new TypeError(`cannot store the number ${v}`);
        b[at++] = NUMBER;
        at = b.writeDoubleLE(v, at);
      } else if (typeof v === 'string') {
        b[at] = STRING;
        const n = b.write(v, at + 5, 'utf8');
        b.writeUInt32LE(n, at + 1);
        at += 5 + n;
      } else {
        throw new TypeError(`cannot store a value of type ${typeof v}`);
      }
    }
    this.used = at;
    const ref = into ?? ({} as R);
    ref.chunk = b;
    ref.start = start;
    ref.end = at;
    return ref;
  }
}

/** The rows' bytes one after another in a buffer of their own (not Node's shared pool), ready to post. */
export function concatRows(rows: readonly RowRef[]): Uint8Array<ArrayBuffer> {
  let total = 0;
  for (const r of rows) total += r.end - r.start;
  const out = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (const r of rows) at += r.chunk.copy(out, at, r.start, r.end);
  return out;
}

/** Reads rows of `width` values back from a concatRows buffer, one at a time. */
export class RowDecoder {
  private readonly buf: Buffer;
  private at = 0;
  /** The current row's values; overwritten by each next(). */
  readonly values: RowValue[];

  constructor(bytes: Uint8Array, width: number) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.values = new Array<RowValue>(width).fill(null);
  }

  /** Whether every row has been read. */
  get done(): boolean {
    return this.at >= this.buf.length;
  }

  /** Decode the next row into `values`; false when there is none. */
  next(): boolean {
    const b = this.buf;
    if (this.at >= b.length) return false;
    let at = this.at;
    const v = this.values;
    for (let i = 0; i < v.length; i++) {
      const tag = b[at++];
      if (tag === NULL) v[i] = null;
      else if (tag === NUMBER) {
        v[i] = b.readDoubleLE(at);
        at += 8;
      } else if (tag === STRING) {
        const n = b.readUInt32LE(at);
        v[i] = b.toString('utf8', at + 4, at + 4 + n);
        at += 4 + n;
      } else throw new Error(`corrupt telemetry row: tag ${tag} at byte ${at - 1}`);
    }
    this.at = at;
    return true;
  }
}
