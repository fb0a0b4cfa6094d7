// The values stages exchange (DESIGN.md § Data flow): readings, detections, incidents and their
// events, refusals, silences, evidence and the /ws messages. Any stage may import this; it imports no stage.
export * from './reading.js';
export * from './detection.js';
export * from './duration.js';
export * from './incident.js';
export * from './rejection.js';
export * from './silence.js';
export * from './evidence.js';
export * from './follow-up.js';
export * from './muted-key.js';
export * from './ws.js';
export * from './issues.js';
