// The ingest pipeline as an array of named steps (STYLE, after aedes' publishActions):
// each step reads what earlier ones put on the context and either passes or refuses.
import type { Device, Identity } from '../broker/index.js';
import type { Issue, RejectReason } from '../model/index.js';
import { enrich } from './enrich.js';
import type { GridLocator } from './grid.js';
import { parsePayload, type Body } from './parse.js';
import type { Reading } from '../model/reading.js';
import type { Result } from './result.js';
import { timestampProblem } from './time-window.js';
import { parseTopic, type TopicRoute } from './topic.js';

/** One message as the broker handed it over. */
export interface Incoming {
  topic: string;
  payload: Buffer;
  clientId: string;
  identity: Identity;
  receivedAt: number;
  /** The broker is publishing the client's last will. */
  will?: boolean;
}

export interface PipelineContext extends Incoming {
  route?: TopicRoute;
  body?: Body;
  reading?: Reading;
}

export interface PipelineDeps {
  device(id: string): Device | undefined;
  /** Topic parser; default parseTopic (ingest passes a memoised one, see createTopicParser). */
  parseTopic?: (topic: string) => Result<TopicRoute>;
  grid: GridLocator;
  /** How far ahead of the receive time a device `ts` may be (default 24 h, time-window.ts). */
  maxFutureMs?: number;
  emit(reading: Reading): void;
}

export interface StepRefusal {
  reason: RejectReason;
  issues: Issue[];
}

export interface Step {
  name: string;
  run(ctx: PipelineContext, deps: PipelineDeps): StepRefusal | undefined;
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`pipeline step order: ${what} missing`);
  return value;
}

const topic: Step = {
  name: 'topic',
  run(ctx, deps) {
    const r = (deps.parseTopic ?? parseTopic)(ctx.topic);
    if (!r.ok) return { reason: 'bad_topic', issues: r.issues };
    ctx.route = r.value;
    return undefined;
  },
};

/** Defence in depth behind the broker's authorizePublish: the topic must name the publisher. */
const authorize: Step = {
  name: 'authorize',
  run(ctx) {
    const route = need(ctx.route, 'route');
    const { id, device } = ctx.identity;
    if (route.deviceId !== id) {
      return {
        reason: 'not_own_topic',
        issues: [{ path: 'topic.deviceId', message: `client "${id}" may not publish as device "${route.deviceId}"` }],
      };
    }
    if (device !== undefined && device.kind !== route.kind) {
      return {
        reason: 'not_own_topic',
        issues: [{ path: 'topic.kind', message: `device "${id}" is registered as ${device.kind}, not ${route.kind}` }],
      };
    }
    return undefined;
  },
};

const parse: Step = {
  name: 'parse',
  run(ctx) {
    const r = parsePayload(need(ctx.route, 'route'), ctx.payload);
    if (!r.ok) return { reason: r.reason, issues: r.issues };
    ctx.body = r.value;
    return undefined;
  },
};

/** A device clock outside the window is refused here, where the receive time is known. */
const timestamps: Step = {
  name: 'timestamps',
  run(ctx, deps) {
    const body = need(ctx.body, 'body');
    // DESIGN: a missing ts is the receive time, always inside. No allocation on the good path.
    const ts = body.channel === 'status' ? undefined : body.data.ts;
    const message = ts === undefined ? undefined : timestampProblem(ts, ctx.receivedAt, deps.maxFutureMs);
    return message === undefined ? undefined : { reason: 'invalid_payload', issues: [{ path: 'ts', message }] };
  },
};

const enrichStep: Step = {
  name: 'enrich',
  run(ctx, deps) {
    const route = need(ctx.route, 'route');
    const device = ctx.identity.device ?? deps.device(route.deviceId);
    ctx.reading = enrich({ route, body: need(ctx.body, 'body'), receivedAt: ctx.receivedAt, device, grid: deps.grid, will: ctx.will });
    return undefined;
  },
};

const emit: Step = {
  name: 'emit',
  run(ctx, deps) {
    deps.emit(need(ctx.reading, 'reading'));
    return undefined;
  },
};

/** Topic and identity first: they are cheap, and an impostor gets no schema feedback. */
export const INGEST_STEPS: readonly Step[] = [topic, authorize, parse, timestamps, enrichStep, emit];

export type PipelineOutcome =
  { ok: true; ctx: PipelineContext } | { ok: false; ctx: PipelineContext; step: string; refusal: StepRefusal; error?: unknown };

/**
 * Run the steps in order; a throwing step becomes a refusal with reason `internal`. The
 * incoming object itself becomes the context (no copy per message): pass a fresh one.
 */
export function runPipeline(steps: readonly Step[], incoming: Incoming, deps: PipelineDeps): PipelineOutcome {
  const ctx: PipelineContext = incoming;
  for (const step of steps) {
    try {
      const refusal = step.run(ctx, deps);
      if (refusal !== undefined) return { ok: false, ctx, step: step.name, refusal };
    } catch (error) {
      const refusal: StepRefusal = { reason: 'internal', issues: [{ path: '', message: `internal error in step ${step.name}` }] };
      return { ok: false, ctx, step: step.name, refusal, error };
    }
  }
  return { ok: true, ctx };
}
