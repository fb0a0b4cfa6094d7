// Public face of the InfluxDB sink: the TelemetrySink on InfluxDB, its spool and its schema.
export { createInfluxSink, type InfluxSink, type InfluxSinkDeps, type InfluxSinkStats } from './sink.js';
export { InfluxSinkOptions, dbrp, type InfluxSinkOptionsInput } from './options.js';
export { openSpool, type Spool, type SpoolBatch } from './spool.js';
export {
  LINE_TIME_LIMIT_MS,
  LOC_FIELDS,
  MEASUREMENT,
  READING_MEASUREMENTS,
  createLineEncoder,
  type InvalidPoint,
  type LineEncoder,
} from './schema.js';
export { influxQl, readAllReadings, readingsStatement, type InfluxSeries } from './query.js';
export { openInfluxReader, type InfluxReader, type InfluxReaderOptions } from './reader.js';
export { authHeader, v1WritePath } from './transport.js';
export { openInfluxTelemetryReader, seriesStatement, bucketRows } from './series.js';
