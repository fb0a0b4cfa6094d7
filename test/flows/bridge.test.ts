// The logic behind the citysense Node-RED nodes, without Node-RED: what an alert node raises,
// which readings an `in` node passes, which incident changes an `incident` node passes.
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Detection } from '../../rules/index.js';
import { type IncidentChange, createFlowsBridge, flowDetection } from '../../flows/index.js';
import type { Reading } from '../../ingest/index.js';

const reading: Reading = {
  ts: 1_000,
  receivedAt: 1_001,
  deviceId: 'drain-07',
  kind: 'sensor',
  channel: 'telemetry',
  loc: { lat: 31.23, lon: 121.47 },
  district: 'huangpu',
  grid: 'G-1-2',
  metrics: { waterLevel: 0.8 },
  events: [],
};
// What Node-RED hands a node: its settings with "" for unset fields, plus its own bookkeeping.
const nodeConfig = (c: Record<string, unknown>) => ({
  id: 'n1',
  type: 'citysense alert',
  z: 'tab',
  name: '',
  alertId: '',
  severity: '',
  category: '',
  department: '',
  metric: '',
  dedupBy: 'device',
  wires: [[]],
  ...c,
});
const ctx = { id: 'flow-1', now: 5_000 };

describe('flowDetection (citysense alert)', () => {
  it('builds a detection from the node settings and msg.reading, keyed flow:<alert id>:<device>', () => {
    const r = flowDetection(
      {
        nodeId: 'n1',
        config: nodeConfig({
          alertId: 'drain-overflow',
          name: 'drain overflow',
          severity: 'orange',
          category: 'flood',
          metric: 'waterLevel',
        }),
        msg: { reading, payload: 'rewritten' },
      },
      ctx,
    );
    expect(r).toEqual({
      ok: true,
      detection: {
        id: 'flow-1',
        ts: 5_000,
        phase: 'raise',
        ruleId: 'flow:drain-overflow',
        ruleVersion: 1,
        ruleName: 'drain overflow',
        ruleKind: 'flow',
        severity: 'orange',
        category: 'flood',
        dedupKey: 'flow:drain-overflow:drain-07',
        deviceId: 'drain-07',
        deviceKind: 'sensor',
        district: 'huangpu',
        grid: 'G-1-2',
        loc: { lat: 31.23, lon: 121.47 },
        metric: 'waterLevel',
        value: 0.8,
        message: 'drain overflow: waterLevel = 0.8 at drain-07',
        readingTs: 1_000,
      },
    });
  });

  it.each([
    [
      'msg.alert overrides severity, message and phase',
      { severity: 'orange', category: 'flood' },
      { alert: { severity: 'red', message: 'deep', phase: 'clear' }, reading },
      { severity: 'red', message: 'deep', phase: 'clear', dedupKey: 'flow:n1:drain-07' },
    ],
    [
      'severity and category from msg.alert alone',
      {},
      { alert: { severity: 'blue', category: 'device' }, reading },
      { severity: 'blue', category: 'device', ruleId: 'flow:n1' },
    ],
    ['one incident per grid', { severity: 'yellow', category: 'flood', dedupBy: 'grid' }, { reading }, { dedupKey: 'flow:n1:G-1-2' }],
    [
      'a reading-shaped payload when msg.reading is gone',
      { severity: 'yellow', category: 'flood' },
      { payload: reading },
      { deviceId: 'drain-07', readingTs: 1_000 },
    ],
    [
      'a device named in msg.alert, no reading',
      { severity: 'yellow', category: 'fire' },
      { alert: { deviceId: 'cam-3', deviceKind: 'camera', grid: 'G-9' } },
      { deviceId: 'cam-3', deviceKind: 'camera', grid: 'G-9', message: 'Node-RED flow n1 at cam-3' },
    ],
  ])('%s', (_, config, msg, expected) => {
    const r = flowDetection({ nodeId: 'n1', config: nodeConfig(config), msg }, ctx);
    expect(r.ok && r.detection).toMatchObject(expected);
  });

  it.each([
    ['no category', { severity: 'red' }, { reading }, /missing category/],
    ['no device', { severity: 'red', category: 'flood' }, { payload: 42 }, /missing a device/],
    ['a bad severity in msg.alert', { category: 'flood' }, { alert: { severity: 'purple' }, reading }, /^msg\.alert\.severity: /],
    ['a typo in msg.alert', { severity: 'red', category: 'flood' }, { alert: { severty: 'red' }, reading }, /msg\.alert: .*severty/],
    ['a bad alert id', { alertId: 'has space', severity: 'red', category: 'flood' }, { reading }, /^config\.alertId: /],
  ])('refuses %s, naming it', (_, config, msg, message) => {
    const r = flowDetection({ nodeId: 'n1', config: nodeConfig(config), msg }, ctx);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(message);
  });
});

describe('createFlowsBridge', () => {
  const make = () => {
    const raised: Detection[] = [];
    const bridge = createFlowsBridge({
      readings$: new Subject<Reading>(),
      incidents$: new Subject<IncidentChange>(),
      onDetection: (d) => raised.push(d),
      clock: () => 7,
      newId: () => 'x',
    });
    return { bridge, raised };
  };

  it('raise sends a valid detection down the service path, and nothing when refused', () => {
    const { bridge, raised } = make();
    expect(bridge.raise({ nodeId: 'n1', config: nodeConfig({ severity: 'red', category: 'flood' }), msg: { reading } }).ok).toBe(true);
    expect(bridge.raise({ nodeId: 'n1', config: nodeConfig({}), msg: { reading } }).ok).toBe(false);
    expect(raised.map((d) => [d.id, d.ts, d.dedupKey])).toEqual([['x', 7, 'flow:n1:drain-07']]);
  });

  it('compiles an in node selector (Node-RED fields and blanks ignored), naming a bad field', () => {
    const { bridge } = make();
    const sel = bridge.select({
      id: 'n2',
      name: 'drains',
      wires: [],
      kind: 'sensor',
      device: 'drain-*',
      metric: 'waterLevel',
      event: '',
      district: 'huangpu',
      grid: '',
    });
    expect(
      sel.ok && [sel.match(reading), sel.match({ ...reading, deviceId: 'pump-1' }), sel.match({ ...reading, district: 'pudong' })],
    ).toEqual([true, false, false]);
    const bad = bridge.select({ kind: 'boat' });
    expect(!bad.ok && bad.message).toMatch(/^select\.kind: /);
  });

  it('filters incident changes by event type, category and lowest severity', () => {
    const { bridge } = make();
    const f = bridge.incidentFilter({ events: 'opened, escalated', category: 'flood', minSeverity: 'orange' });
    const change = (type: string, severity: string, category = 'flood') =>
      ({ incident: { severity, category }, event: { type } }) as unknown as IncidentChange;
    expect(
      f.ok &&
        [
          change('opened', 'orange'),
          change('escalated', 'red'),
          change('dispatched', 'red'),
          change('opened', 'yellow'),
          change('opened', 'red', 'fire'),
        ].map(f.match),
    ).toEqual([true, true, false, false, false]);
    const all = bridge.incidentFilter({ events: '', category: '', minSeverity: '' });
    expect(all.ok && all.match(change('overdue', 'blue', 'gas'))).toBe(true);
    expect(bridge.incidentFilter({ minSeverity: 'pink' }).ok).toBe(false);
    const typo = bridge.incidentFilter({ events: 'opened,escalatd' });
    expect(!typo.ok && typo.message).toMatch(/^filter\.events\.1: /);
  });
});
