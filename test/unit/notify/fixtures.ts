// A notice as the outbox stores it, for the payload tests.
import type { Incident } from '../../../alerts/index.js';
import type { Batch, Notice } from '../../../notify/notice.js';

/** An open red flood case routed to water-affairs. */
export function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'INC-20261204-ABC123',
    state: 'warning',
    severity: 'red',
    category: 'flood',
    title: '积水超限 · <b>w-1</b>',
    source: 'rule',
    district: 'xicheng',
    grid: 'g-12',
    department: 'water-affairs',
    overdue: [],
    createdAt: Date.parse('2026-12-04T08:00:00Z'),
    updatedAt: Date.parse('2026-12-04T08:00:00Z'),
    detections: 1,
    reopened: 0,
    ...over,
  };
}

/** A notice of `event` about `inc`. */
export function notice(event: Notice['event'] = 'opened', inc: Incident = incident()): Notice {
  return {
    event,
    incident: inc,
    links: {
      incident: `http://cs.test/api/incidents/${inc.id}`,
      console: `http://cs.test/#/incidents/${inc.id}`,
      ack: 'http://cs.test/a/tok',
    },
    ts: inc.updatedAt,
  };
}

/** A batch of one notice. */
export const single = (n: Notice = notice()): Batch => ({ head: n, notices: [n] });
