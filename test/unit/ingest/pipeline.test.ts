import { describe, expect, it } from 'vitest';
import { createGridLocator } from '../../../ingest/grid.js';
import { INGEST_STEPS, runPipeline, type Incoming, type PipelineDeps, type Step } from '../../../ingest/pipeline.js';
import type { Reading } from '../../../model/reading.js';

function harness() {
  const emitted: Reading[] = [];
  const deps: PipelineDeps = { device: () => undefined, grid: createGridLocator(), emit: (r) => emitted.push(r) };
  return { emitted, deps };
}

const msg = (topic: string, payload: unknown, id = 's1'): Incoming => ({
  topic,
  payload: Buffer.from(JSON.stringify(payload)),
  clientId: id,
  identity: { id },
  receivedAt: 42,
});

describe('ingest pipeline', () => {
  it('emits a reading for a good message', () => {
    const { emitted, deps } = harness();
    expect(runPipeline(INGEST_STEPS, msg('city/sensor/s1/telemetry', { metrics: { a: 1 } }), deps).ok).toBe(true);
    expect(emitted).toHaveLength(1);
  });

  it('refuses a topic naming another device even if the broker let it through (defence in depth)', () => {
    const { emitted, deps } = harness();
    const out = runPipeline(INGEST_STEPS, msg('city/sensor/s2/telemetry', { metrics: { a: 1 } }, 's1'), deps);
    expect(out).toMatchObject({ ok: false, step: 'authorize', refusal: { reason: 'not_own_topic' } });
    expect(emitted).toHaveLength(0);
  });

  it('refuses a kind other than the registered one', () => {
    const { deps } = harness();
    const m = {
      ...msg('city/camera/s1/event', { type: 'x', confidence: 1 }),
      identity: { id: 's1', device: { id: 's1', kind: 'sensor' as const, username: 's1' } },
    };
    expect(runPipeline(INGEST_STEPS, m, deps)).toMatchObject({
      ok: false,
      refusal: { reason: 'not_own_topic', issues: [{ path: 'topic.kind' }] },
    });
  });

  it('turns a throwing step into an `internal` refusal instead of an exception', () => {
    const { deps } = harness();
    const boom: Step = {
      name: 'boom',
      run: () => {
        throw new Error('bug');
      },
    };
    const out = runPipeline([...INGEST_STEPS.slice(0, 3), boom], msg('city/sensor/s1/telemetry', { metrics: { a: 1 } }), deps);
    expect(out).toMatchObject({ ok: false, step: 'boom', refusal: { reason: 'internal' } });
  });

  it('checks the identity before looking at the payload', () => {
    const { deps } = harness();
    const out = runPipeline(INGEST_STEPS, { ...msg('city/sensor/s2/telemetry', {}), payload: Buffer.from('not json') }, deps);
    expect(out).toMatchObject({ ok: false, refusal: { reason: 'not_own_topic' } });
  });
});
