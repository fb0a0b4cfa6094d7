// HTTP/WebSocket bodies that act on incidents (DESIGN.md § HTTP API), parsed at the edge.
import { z } from 'zod';
import { LatLon } from '../model/reading.js';
import { Severity } from '../model/detection.js';
import { ReviewInput } from '../model/incident.js';
import { ACTIONS } from './state-machine.js';

const Actor = z.string().trim().min(1, 'by must name who acts').max(128);

export const ActionBody = z
  .object({
    action: z.enum(ACTIONS),
    by: Actor,
    note: z.string().max(4000).optional(),
    department: z.string().min(1).max(128).optional(),
    review: ReviewInput.optional(),
    /** The reporter's satisfaction (0–100) from the callback, given with `close`. */
    satisfaction: z.number().int().min(0).max(100).optional(),
    /** Where the department reported on site (报到), given with `arrive`. */
    loc: LatLon.optional(),
  })
  .superRefine((b, ctx) => {
    if (b.loc !== undefined && b.action !== 'arrive') {
      ctx.addIssue({ code: 'custom', path: ['loc'], message: 'loc goes with arrive' });
    }
    if (b.action === 'transfer' && b.department === undefined) {
      ctx.addIssue({ code: 'custom', path: ['department'], message: 'transfer needs the department that takes the case' });
    }
    // A hand-over or a failed verification without a reason leaves the next person guessing.
    if ((b.action === 'transfer' || b.action === 'reject') && !b.note?.trim()) {
      ctx.addIssue({ code: 'custom', path: ['note'], message: `${b.action} needs a reason in note` });
    }
    if (b.satisfaction !== undefined && b.action !== 'close') {
      ctx.addIssue({ code: 'custom', path: ['satisfaction'], message: 'satisfaction goes with close' });
    }
    if (b.action === 'review' && !b.review) {
      ctx.addIssue({ code: 'custom', path: ['review'], message: 'review needs {rootCause, lessons, actions}' });
    }
  });
export type ActionBody = z.infer<typeof ActionBody>;

/** 社区吹哨: a grid worker, patrol or the 12345 hotline reports what no sensor saw. */
export const ManualReport = z
  .object({
    category: z.string().trim().min(1).max(64),
    title: z.string().trim().min(1).max(200),
    severity: Severity.default('yellow'),
    loc: LatLon.optional(),
    grid: z.string().min(1).max(64).optional(),
    district: z.string().min(1).max(64).optional(),
    description: z.string().max(4000).optional(),
    photo: z.url().optional(),
    source: z.string().trim().min(1).max(64),
    by: Actor,
  })
  .refine((r) => r.loc !== undefined || r.grid !== undefined, {
    path: ['loc'],
    message: 'a report needs loc or grid',
  });
export type ManualReport = z.infer<typeof ManualReport>;
