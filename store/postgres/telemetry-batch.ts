// Writing one telemetry batch to PostgreSQL (telemetry.ts buffers them): one transaction, each
// table's rows in one multi-row INSERT. A data error belongs to a row, not to the batch: the
// batch is split in halves until the rows at fault are found, and only those are refused.
import type pg from 'pg';
import { PgError } from '../errors.js';
import { INSERT_SQL, columnsOf, type RowValues, type TelemetryTable } from './telemetry-rows.js';

/** A row of a batch: its table and its column values. */
export interface BatchRow {
  table: TelemetryTable;
  values: RowValues;
}

/** Data errors (class 22), constraint errors (23) and limits (54) belong to a row, not to the batch. */
const rowLevel = (err: PgError) => /^(22|23|54)/.test(err.code);

/** A pg error as a PgError; pg's own connection errors carry no code. */
export function asPgError(err: unknown): PgError {
  if (err instanceof PgError) return err;
  const e = err as { code?: unknown; message?: unknown; constraint?: string; detail?: string; table?: string };
  return new PgError(typeof e.code === 'string' ? e.code : '08006', String(e.message ?? err), e);
}

/**
 * A writer of batches on `pool`: resolves with the rows PostgreSQL refused (none, usually),
 * each with its error; rejects with a PgError when the batch as a whole failed (the connection,
 * a missing table), nothing of it stored. Rows a retry writes again are skipped (ON CONFLICT).
 */
export function createBatchWriter<R extends BatchRow>(pool: pg.Pool): (rows: readonly R[]) => Promise<Array<{ row: R; err: PgError }>> {
  async function insert(rows: readonly R[]): Promise<void> {
    const byTable = new Map<TelemetryTable, RowValues[]>();
    for (const r of rows) (byTable.get(r.table) ?? byTable.set(r.table, []).get(r.table)!).push(r.values);
    const statements = [...byTable].map(([table, values]) => ({ text: INSERT_SQL[table], values: columnsOf(values) }));
    if (statements.length === 1) {
      await pool.query(statements[0]!);
      return;
    }
    const client = await pool.connect();
    let broken: PgError | undefined;
    try {
      await client.query('BEGIN');
      for (const s of statements) await client.query(s);
      await client.query('COMMIT');
    } catch (err) {
      broken = asPgError(err);
      await client.query('ROLLBACK').catch(() => undefined);
      throw broken;
    } finally {
      // A connection that failed is not given back to the pool for reuse.
      client.release(broken !== undefined && !rowLevel(broken));
    }
  }

  const write = async (rows: readonly R[]): Promise<Array<{ row: R; err: PgError }>> => {
    try {
      await insert(rows);
      return [];
    } catch (raw) {
      const err = asPgError(raw);
      if (!rowLevel(err)) throw err;
      if (rows.length === 1) return [{ row: rows[0]!, err }];
      // A half stored before a later failure of the batch is skipped when the batch is retried.
      const mid = rows.length >> 1;
      return [...(await write(rows.slice(0, mid))), ...(await write(rows.slice(mid)))];
    }
  };
  return write;
}
