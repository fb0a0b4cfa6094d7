import { describe, expect, it } from 'vitest';
import type { DroneTelemetryInput } from '../../../model/reading.js';
import { droneBattery } from '../../../simulators/drone.js';
import { createFleet } from '../../../simulators/fleet.js';
import { renderMessage } from '../../../simulators/malformed.js';
import { createRng } from '../../../simulators/random.js';
import { createScenario, ScenarioName } from '../../../simulators/scenarios.js';
import { firstAbove, metricSeries, playDevice, playScenario, schemaOf } from './helpers.js';

const fleet = createFleet({ sensors: 9, cameras: 4, drones: 2, seed: 3 });
const byType = (type: string) => fleet.devices.filter((d) => d.sensorType === type);
const cameras = fleet.devices.filter((d) => d.kind === 'camera');

describe('every scenario', () => {
  it.each(ScenarioName.options)('%s: every good payload passes its ingest schema', (name) => {
    const scenario = createScenario(name, fleet, { rate: 2, incidentEverySec: 15 });
    let checked = 0;
    for (const [id, emissions] of playScenario(scenario, fleet, 240)) {
      const device = fleet.devices.find((d) => d.id === id)!;
      for (const e of emissions) {
        if (e === null || e.type === 'offline') continue;
        const message = renderMessage(device, e, 1_700_000_000_000, 0, createRng(1));
        expect(message.malformed).toBeNull();
        expect(message.topic).toBe(`city/${device.kind}/${device.id}/${e.type === 'camera' ? 'event' : 'telemetry'}`);
        const parsed = schemaOf(e).safeParse(JSON.parse(message.payload));
        expect(parsed.error?.issues ?? []).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('replays exactly for a seed, and differs for another seed', () => {
    const scenario = createScenario('fire', fleet, { rate: 1 });
    expect(playScenario(scenario, fleet, 60, 9)).toEqual(playScenario(scenario, fleet, 60, 9));
    expect(playScenario(scenario, fleet, 60, 9)).not.toEqual(playScenario(scenario, fleet, 60, 10));
  });
});

describe('normal', () => {
  const quiet = playScenario(createScenario('normal', fleet), fleet, 600);

  it('keeps values in their quiet ranges', () => {
    const range = (type: string, metric: string) =>
      byType(type).flatMap((d) => metricSeries(quiet.get(d.id)!, metric).filter((v) => !Number.isNaN(v)));
    const water = range('water', 'waterLevel');
    const gas = range('gas', 'gas');
    const temperature = range('environment', 'temperature');
    expect(water.length).toBeGreaterThan(0);
    expect(Math.min(...water)).toBeGreaterThanOrEqual(0.05);
    expect(Math.max(...water)).toBeLessThanOrEqual(0.2);
    expect(Math.min(...gas)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...gas)).toBeLessThanOrEqual(5);
    expect(Math.min(...temperature)).toBeGreaterThanOrEqual(15);
    expect(Math.max(...temperature)).toBeLessThanOrEqual(30);
    expect(range('environment', 'pm25').length).toBe(temperature.length);
  });

  it('sees no high-confidence camera event on a quiet day', () => {
    for (const c of cameras) {
      for (const e of quiet.get(c.id)!) if (e?.type === 'camera') expect(e.payload.confidence).toBeLessThan(0.6);
    }
  });

  it('with incidentEverySec, floods a water sensor above 0.6 and has a camera see smoke at 0.9', () => {
    const played = playScenario(createScenario('normal', fleet, { incidentEverySec: 30 }), fleet, 200);
    const highWater = byType('water').filter((d) => firstAbove(metricSeries(played.get(d.id)!, 'waterLevel'), 0.6) >= 0);
    expect(highWater.length).toBeGreaterThan(0);
    const series = metricSeries(played.get(highWater[0]!.id)!, 'waterLevel');
    // It stays high for a while, then falls back to quiet values.
    expect(series.filter((v) => v > 0.6).length).toBeGreaterThanOrEqual(10);
    const fellBack = series.slice(firstAbove(series, 0.6)).findIndex((v) => v <= 0.2);
    expect(fellBack).toBeGreaterThan(0);
    const smoke = cameras.flatMap((c) => played.get(c.id)!).filter((e) => e?.type === 'camera' && e.payload.type === 'smoke');
    expect(smoke.length).toBeGreaterThan(0);
    for (const e of smoke) if (e?.type === 'camera') expect(e.payload.confidence).toBe(0.9);
  });
});

describe('flood', () => {
  const played = playScenario(createScenario('flood', fleet, { rate: 1, startSec: 5 }), fleet, 90);

  it('raises water in one area past 0.5 and then 0.8 within about 30 s', () => {
    const flooded = byType('water').filter((d) => firstAbove(metricSeries(played.get(d.id)!, 'waterLevel'), 0.8) >= 0);
    expect(flooded.length).toBeGreaterThan(0);
    for (const d of flooded) {
      const series = metricSeries(played.get(d.id)!, 'waterLevel');
      const over05 = firstAbove(series, 0.5);
      const over08 = firstAbove(series, 0.8);
      expect(over05).toBeGreaterThan(5);
      expect(over08).toBeGreaterThan(over05);
      expect(over08).toBeLessThanOrEqual(5 + 5 + 30);
    }
  });

  it('has a camera in the area report flooding with confidence 0.7–0.95', () => {
    const events = cameras.flatMap((c) => played.get(c.id)!).filter((e) => e?.type === 'camera' && e.payload.type === 'flooding');
    expect(events.length).toBeGreaterThan(5);
    for (const e of events) {
      if (e?.type !== 'camera') continue;
      expect(e.payload.confidence).toBeGreaterThanOrEqual(0.7);
      expect(e.payload.confidence).toBeLessThanOrEqual(0.95);
    }
  });
});

describe('fire', () => {
  const played = playScenario(createScenario('fire', fleet, { rate: 1, startSec: 5 }), fleet, 60);

  it('heats one environment sensor past 60 °C while gas rises nearby', () => {
    const hot = byType('environment').filter((d) => firstAbove(metricSeries(played.get(d.id)!, 'temperature'), 60) >= 0);
    expect(hot).toHaveLength(1);
    const gasPeaks = byType('gas').map((d) => Math.max(...metricSeries(played.get(d.id)!, 'gas')));
    expect(Math.max(...gasPeaks)).toBeGreaterThan(10);
  });

  it('has nearby cameras report smoke first, then fire', () => {
    const types = cameras.map((c) => played.get(c.id)!.flatMap((e) => (e?.type === 'camera' ? [e.payload.type] : [])));
    const seeing = types.filter((t) => t.includes('fire'));
    expect(seeing.length).toBeGreaterThan(0);
    for (const t of seeing) expect(t.indexOf('smoke')).toBeLessThan(t.indexOf('fire'));
  });
});

describe('outage', () => {
  it('silences a share of devices: some announce offline, some drop so the will fires', () => {
    const scenario = createScenario('outage', fleet, { rate: 1, startSec: 5, outageFraction: 0.4 });
    const played = playScenario(scenario, fleet, 30);
    const down = [...played].filter(([, es]) => es.some((e) => e?.type === 'offline'));
    expect(down.length).toBe(Math.round(0.4 * fleet.devices.length));
    const modes = new Set(down.map(([, es]) => es.find((e) => e?.type === 'offline')).map((e) => e?.type === 'offline' && e.mode));
    expect(modes).toEqual(new Set(['announce', 'drop']));
    for (const [, es] of down) {
      expect(es[5]?.type).toBe('offline');
      expect(es.slice(6).every((e) => e === null)).toBe(true);
    }
  });
});

describe('drones', () => {
  const drone = fleet.devices.find((d) => d.kind === 'drone')!;
  const telemetry = playDevice(createScenario('normal', fleet), drone, 400, 1).map(
    (e) => (e?.type === 'drone' ? e.payload : undefined) as DroneTelemetryInput,
  );

  it('drains its battery 0.5 %/tick while flying and recharges at 10 %', () => {
    const flying = telemetry.findIndex((t, i) => i > 0 && t.mission !== 'recharge' && telemetry[i - 1]!.mission !== 'recharge');
    expect(telemetry[flying]!.battery).toBeCloseTo(telemetry[flying - 1]!.battery - 0.5, 5);
    const landing = telemetry.findIndex((t) => t.mission === 'recharge');
    expect(landing).toBeGreaterThan(0);
    expect(telemetry[landing - 1]!.battery).toBeGreaterThan(10);
    expect(telemetry[landing - 1]!.battery).toBeLessThanOrEqual(11);
    expect(telemetry[landing]!.loc.alt).toBe(0);
    expect(Math.min(...telemetry.map((t) => t.battery))).toBeGreaterThanOrEqual(10);
    expect(droneBattery(drone, 0)).toEqual(droneBattery(drone, 198));
  });

  it('flies a patrol loop with speed, heading, mission and occasional detections', () => {
    const airborne = telemetry.filter((t) => t.mission !== 'recharge');
    expect(new Set(airborne.map((t) => t.loc.lat)).size).toBeGreaterThan(50);
    expect(airborne.every((t) => (t.speed ?? 0) > 0 && t.loc.alt > 50 && t.mission?.startsWith('patrol'))).toBe(true);
    expect(new Set(airborne.map((t) => Math.round((t.heading ?? 0) / 90))).size).toBeGreaterThanOrEqual(4);
    const detections = airborne.flatMap((t) => t.detections ?? []);
    expect(detections.length).toBeGreaterThan(0);
    expect(detections.every((d) => ['crowd', 'illegal_parking'].includes(d.type))).toBe(true);
  });
});
