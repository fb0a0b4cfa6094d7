// Decision (what a kind decided) + rule envelope → Detection (the contract alerts/ reads).
import type { Detection } from '../model/detection.js';
import type { Decision } from './logic.js';
import type { Rule } from './schema.js';

/** Build the Detection for one decision; `dedupKey` is rule + state key: the device, or the grid for area rules (DESIGN § Incidents). */
export function toDetection(rule: Rule, d: Decision, id: string, key: string = d.reading.deviceId): Detection {
  const r = d.reading;
  const loc = d.loc ?? r.loc;
  return {
    id,
    ts: d.ts,
    phase: d.phase,
    ruleId: rule.id,
    ruleVersion: rule.version,
    ruleName: rule.name,
    ruleKind: rule.kind,
    severity: d.severity,
    category: rule.category,
    dedupKey: `${rule.id}:${key}`,
    deviceId: r.deviceId,
    deviceKind: r.kind,
    ...(r.district !== undefined ? { district: r.district } : {}),
    ...(r.grid !== undefined ? { grid: r.grid } : {}),
    ...(loc !== undefined ? { loc } : {}),
    ...(d.metric !== undefined ? { metric: d.metric } : {}),
    ...(d.value !== undefined ? { value: d.value } : {}),
    ...(d.eventType !== undefined ? { eventType: d.eventType } : {}),
    ...(rule.routing?.department !== undefined ? { department: rule.routing.department } : {}),
    message: d.message,
    readingTs: r.ts,
    ...(rule.group !== undefined ? { group: rule.group } : {}),
  };
}

/** The rule's state key a detection came from (its dedup key after `ruleId:`): what `engine.release` takes. */
export function stateKeyOf(d: Pick<Detection, 'ruleId' | 'dedupKey' | 'deviceId'>): string {
  const prefix = `${d.ruleId}:`;
  return d.dedupKey.startsWith(prefix) ? d.dedupKey.slice(prefix.length) : d.deviceId;
}
