// `npm run bench:influx`: the InfluxDB sink's throughput against raw `/write` of the same lines to
// the same server in the same run. The sink pays for encoding, batching, accounting and the
// client's retry machinery; raw pays for nothing but HTTP. Both use the same batch size and the
// same number of concurrent requests, each into its own database so neither overwrites the other.
// Flags: --points N (default 50000) --batch N (1000) --devices N (200) --concurrency N (8).
// Uses CITYSENSE_INFLUX_URL (+ _BUCKET, _API, _TOKEN) when set, else starts a local influxd.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { Reading } from '../model/reading.js';
import { createInfluxSink, createLineEncoder, dbrp, openSpool } from '../store/index.js';
import { authHeader } from '../store/index.js';
import { startInfluxd } from '../harness/index.js';

const { values: flags } = parseArgs({
  options: {
    points: { type: 'string', default: '50000' },
    batch: { type: 'string', default: '1000' },
    devices: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '8' },
  },
});
const N = Number(flags.points);
const BATCH = Number(flags.batch);
const DEVICES = Number(flags.devices);
const CONCURRENCY = Number(flags.concurrency);

const readings = (t0: number): Reading[] =>
  Array.from({ length: N }, (_, i) => ({
    ts: t0 + Math.floor(i / DEVICES),
    receivedAt: t0,
    deviceId: `bench-${i % DEVICES}`,
    kind: 'sensor',
    channel: 'telemetry',
    district: `d-${i % 7}`,
    grid: `G-${i % 31}`,
    loc: { lat: 31.2 + (i % 100) / 1000, lon: 121.4 },
    metrics: { waterLevel: (i % 97) / 100, temperature: 20 + (i % 13) },
    events: [],
  }));

async function main() {
  const external = process.env.CITYSENSE_INFLUX_URL;
  const server = external ? undefined : await startInfluxd('bench_sink');
  const url = external ?? server!.url;
  const api = (process.env.CITYSENSE_INFLUX_API ?? (external ? 'v2' : 'v1')) as 'v1' | 'v2';
  const token = process.env.CITYSENSE_INFLUX_TOKEN;
  const org = process.env.CITYSENSE_INFLUX_ORG ?? '';
  const sinkBucket = process.env.CITYSENSE_INFLUX_BUCKET ?? 'bench_sink';
  const rawDb = `${dbrp(sinkBucket).db}_raw`;
  const auth = authHeader(api, token);
  const influxQl = async (q: string, db = '') => {
    const res = await fetch(`${url}/query`, { method: 'POST', headers: auth, body: new URLSearchParams({ q, db }) });
    return (await res.json()) as any;
  };
  if (!external || api === 'v1') {
    await influxQl(`CREATE DATABASE "${dbrp(sinkBucket).db}"`);
    await influxQl(`CREATE DATABASE "${rawDb}"`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'citysense-bench-influx-'));
  const t0 = Date.now() - 3_600_000;
  const data = readings(t0);

  // Warm the JIT on the encoder first, so neither path pays for it.
  const warm = createLineEncoder();
  for (const r of data.slice(0, 5000)) warm.reading(r);
  // The lines raw /write sends: encoded once, outside its timing.
  const encodeStart = performance.now();
  const enc = createLineEncoder();
  const lines = data.flatMap((r) => enc.reading(r));
  const encodeMs = performance.now() - encodeStart;

  // Raw: the same batches, CONCURRENCY requests at a time, straight to /write (or /api/v2/write).
  const writePath =
    api === 'v1'
      ? `/write?db=${encodeURIComponent(rawDb)}&precision=u`
      : `/api/v2/write?org=${encodeURIComponent(org)}&bucket=${encodeURIComponent(rawDb)}&precision=us`;
  const batches: string[] = [];
  for (let i = 0; i < lines.length; i += BATCH) batches.push(lines.slice(i, i + BATCH).join('\n'));
  const rawStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches.length) {
        const body = batches[next++]!;
        const res = await fetch(`${url}${writePath}`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'text/plain; charset=utf-8' },
          body,
        });
        if (res.status >= 300) throw new Error(`raw /write answered ${res.status}: ${await res.text()}`);
      }
    }),
  );
  const rawMs = performance.now() - rawStart;

  // The sink: from the first writeReadings to close(), which returns after every acknowledgement.
  const sink = createInfluxSink(
    { url, token, org, bucket: sinkBucket, api, batchSize: BATCH, flushInterval: 1000, maxInFlight: CONCURRENCY },
    { spool: openSpool(join(dir, 'citysense.db'), { rowLines: BATCH }), logger: pino({ level: 'warn' }) },
  );
  const sinkStart = performance.now();
  for (let i = 0; i < data.length; i += 100) sink.writeReadings(data.slice(i, i + 100));
  await sink.close();
  const sinkMs = performance.now() - sinkStart;
  const s = sink.stats();

  const count = async (db: string) => {
    const a = await influxQl(`SELECT count(waterLevel) FROM telemetry`, db);
    return (a?.results?.[0]?.series?.[0]?.values?.[0]?.[1] as number | undefined) ?? 0;
  };
  const stored = { raw: await count(rawDb), sink: await count(dbrp(sinkBucket).db) };
  await server?.close();
  rmSync(dir, { recursive: true, force: true });

  const rate = (ms: number) => Math.round((N / ms) * 1000);
  const rows = [
    ['path', 'points', 'stored', 'seconds', 'points/s'],
    ['raw /write', N, stored.raw, (rawMs / 1000).toFixed(2), rate(rawMs)],
    [`sink (${api})`, N, stored.sink, (sinkMs / 1000).toFixed(2), rate(sinkMs)],
  ].map((r) => r.map(String));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  console.log(`encoding alone: ${(encodeMs / 1000).toFixed(2)} s (${rate(encodeMs)} points/s), included in the sink's time`);
  const result = {
    bench: 'influx-sink',
    server: external ? url : 'influxd (local, 1.x)',
    api,
    points: N,
    batch: BATCH,
    concurrency: CONCURRENCY,
    raw: { seconds: rawMs / 1000, pointsPerSec: rate(rawMs), stored: stored.raw },
    sink: {
      seconds: sinkMs / 1000,
      pointsPerSec: rate(sinkMs),
      stored: stored.sink,
      written: s.written,
      spooled: s.spooled,
      rejected: s.rejected,
      lost: s.lost,
    },
    encodePointsPerSec: rate(encodeMs),
    sinkVsRaw: Number((rawMs / sinkMs).toFixed(3)),
    ok: stored.raw === N && stored.sink === N && s.written === N,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
  if (!result.ok) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
