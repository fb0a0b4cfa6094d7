// Inputs of `citysense rules replay`: a JSONL file (one Reading, or one raw MQTT message
// `{topic, payload, ts}` per line), or the readings a running service stored (SQLite or InfluxDB).
import { issuesOf, issuesText } from '../model/index.js';
import { readFileSync } from 'node:fs';
import { createGridLocator, enrich, parsePayload, parseTopic, Reading, type GridLocator } from '../ingest/index.js';
import { openInfluxReader, openSqliteReadingsReader } from '../store/index.js';
import type { Config } from './config.js';

export interface LoadedReadings {
  readings: Reading[];
  /** Lines that were refused, with their line number and why (they are skipped). */
  skipped: { line: number; reason: string }[];
}

/** A raw MQTT message as recorded off the broker; `ts` is when it was received (ms or ISO). */
function fromMqtt(rec: { topic: unknown; payload: unknown; ts?: unknown }, grid: GridLocator): Reading | string {
  if (typeof rec.topic !== 'string') return 'topic: expected a string';
  const route = parseTopic(rec.topic);
  if (!route.ok) return `topic: ${route.issues.map((i) => i.message).join('; ')}`;
  const text = typeof rec.payload === 'string' ? rec.payload : JSON.stringify(rec.payload);
  const body = parsePayload(route.value, Buffer.from(text, 'utf8'));
  if (!body.ok) return `payload: ${body.issues.map((i) => `${i.path ? `${i.path}: ` : ''}${i.message}`).join('; ')}`;
  const receivedAt = typeof rec.ts === 'number' ? rec.ts : typeof rec.ts === 'string' ? Date.parse(rec.ts) : NaN;
  const payloadTs = body.value.channel === 'status' ? undefined : body.value.data.ts;
  if (!Number.isFinite(receivedAt) && payloadTs === undefined) return 'ts: a raw message needs ts (receive time) when its payload has none';
  return enrich({ route: route.value, body: body.value, receivedAt: Number.isFinite(receivedAt) ? receivedAt : payloadTs!, grid });
}

/** Parse JSONL text: each line a Reading or a raw MQTT message; bad lines are skipped and reported. */
export function parseReplayJsonl(text: string, opts: { cellSizeM?: number } = {}): LoadedReadings {
  const grid = createGridLocator({ cellSizeM: opts.cellSizeM ?? 500 });
  const readings: Reading[] = [];
  const skipped: LoadedReadings['skipped'] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('//')) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (err) {
      skipped.push({ line: i + 1, reason: `not JSON: ${(err as Error).message}` });
      return;
    }
    if (typeof obj === 'object' && obj !== null && 'topic' in obj && 'payload' in obj) {
      const r = fromMqtt(obj as { topic: unknown; payload: unknown; ts?: unknown }, grid);
      if (typeof r === 'string') skipped.push({ line: i + 1, reason: r });
      else readings.push(r);
      return;
    }
    const r = Reading.safeParse(obj);
    if (r.success) readings.push(r.data);
    else skipped.push({ line: i + 1, reason: issuesText(issuesOf(r.error, { root: '(line)' })) });
  });
  return { readings, skipped };
}

/** Read a JSONL file of readings or raw MQTT messages. */
export function readReplayFile(path: string, opts: { cellSizeM?: number } = {}): LoadedReadings {
  return parseReplayJsonl(readFileSync(path, 'utf8'), opts);
}

/** The readings a service stored under dataDir (citysense-telemetry.db) between since and until (read-only). */
export function readStoredReadings(dataDir: string, since: number, until: number): LoadedReadings {
  const reader = openSqliteReadingsReader(dataDir);
  try {
    return { readings: [...reader.readings(since, until)], skipped: [] };
  } finally {
    reader.close();
  }
}

/** The readings a service wrote to InfluxDB between since and until, all of them (paged). */
export async function readInfluxReadings(influx: NonNullable<Config['influx']>, since: number, until: number): Promise<LoadedReadings> {
  const reader = openInfluxReader({
    url: influx.url,
    bucket: influx.bucket,
    api: influx.api,
    ...(influx.token !== undefined ? { token: influx.token } : {}),
    ...(influx.timeout !== undefined ? { timeoutMs: influx.timeout } : {}),
  });
  return { readings: await reader.readings({ from: since, to: until }), skipped: [] };
}
