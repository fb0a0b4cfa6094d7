// Public face of the ingest stage.
export * from '../model/reading.js';
export { createIngest } from './ingest.js';
export type { Ingest, IngestDeps, IngestStats } from './ingest.js';
export { parseTopic, CHANNELS_OF } from './topic.js';
export type { TopicRoute } from './topic.js';
export { parsePayload, MAX_PAYLOAD_BYTES } from './parse.js';
export type { Body, ParseResult } from './parse.js';
export { enrich } from './enrich.js';
export { DEFAULT_MAX_FUTURE_MS, EARLIEST_DEVICE_TS, timestampProblem } from './time-window.js';
export { createGridLocator, squareCell } from './grid.js';
export type { GridLocator, GridOptions, GridCell } from './grid.js';
export { createDeadLetters, DeadLetter } from './dead-letter.js';
export type { DeadLetters } from './dead-letter.js';
export { toIssues, type Result } from './result.js';
export { Rejection, RejectReason, Issue, rejectionTopic } from '../model/rejection.js';
