// The telemetry sink's queue of rows waiting for the writer.
import type { RowRef } from './row-codec.js';

/**
 * One accepted row, already encoded (row-codec.ts: the Reading itself is not kept, and the
 * bytes live outside the garbage-collected heap). `seq` orders the rows, so a flush waits for
 * exactly what came before it.
 */
export interface Pending extends RowRef {
  seq: number;
  /** A detections row, else a readings row. */
  detection: boolean;
}

/**
 * Rows waiting for the writer, oldest first. Taking from the front moves a head index rather
 * than the array, so a deep backlog costs nothing per row.
 */
export class PendingQueue {
  private rows: Pending[] = [];
  private head = 0;
  get length(): number {
    return this.rows.length - this.head;
  }
  first(): Pending | undefined {
    return this.rows[this.head];
  }
  push(p: Pending): void {
    this.rows.push(p);
  }
  /** Remove and return the oldest n. */
  take(n: number): Pending[] {
    const out = this.rows.slice(this.head, this.head + n);
    this.drop(out.length);
    return out;
  }
  drop(n: number): void {
    this.head += Math.min(n, this.length);
    if (this.head > 4096 && this.head * 2 > this.rows.length) {
      this.rows = this.rows.slice(this.head);
      this.head = 0;
    }
  }
  /** Put rows back at the front (a failed batch, older than everything queued). */
  unshift(batch: Pending[]): void {
    this.rows = batch.concat(this.rows.slice(this.head));
    this.head = 0;
  }
}
