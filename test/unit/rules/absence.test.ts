import { describe, expect, it } from 'vitest';
import { absence } from '../../../rules/absence.js';
import { absenceOf, sensor, status } from './helpers.js';

const rule = absenceOf({ name: '设备离线', after: '2m' });

describe('absence', () => {
  it('asks to be woken `after` past each reading, raises once on tick, clears on return', () => {
    const r1 = absence.step(rule, absence.init(rule), sensor('s1', { t: 1 }, { ts: 1_000 }), 1_000);
    expect(r1).toMatchObject({ emit: [], wakeAt: 121_000 });
    const t = absence.tick(rule, r1.state, 121_000);
    expect(t.emit).toMatchObject([{ phase: 'raise', severity: 'blue', ts: 121_000, message: '设备离线: 2m 无数据 (s1)' }]);
    expect(absence.tick(rule, t.state, 300_000).emit).toEqual([]); // once only
    const back = absence.step(rule, t.state, sensor('s1', { t: 1 }, { ts: 400_000 }), 400_000);
    expect(back.emit).toMatchObject([{ phase: 'clear', ts: 400_000, message: '设备离线 解除: 恢复上报 (s1)' }]);
    expect(back.wakeAt).toBe(520_000);
  });

  it('raises at once on an offline status, without a timer', () => {
    const r = absence.step(rule, absence.init(rule), status('s1', 'offline', { ts: 5 }), 5);
    expect(r.emit).toMatchObject([{ phase: 'raise', ts: 5, message: '设备离线: 设备下线 (s1)' }]);
    expect(r.wakeAt).toBeUndefined();
    expect(absence.step(rule, r.state, status('s1', 'offline'), 6).emit).toEqual([]);
    expect(absence.step(rule, r.state, status('s1', 'online'), 7).emit).toMatchObject([{ phase: 'clear' }]);
  });

  it('a departed offline (a goodbye) raises nothing and stops the clock until the device is back', () => {
    const seen = absence.step(rule, absence.init(rule), sensor('s1', { t: 1 }, { ts: 1_000 }), 1_000);
    const bye = absence.step(rule, seen.state, status('s1', 'offline', { ts: 2_000, departed: true }), 2_000);
    expect(bye.emit).toEqual([]);
    expect(bye.wakeAt).toBeUndefined();
    expect(absence.tick(rule, bye.state, 1e9).emit).toEqual([]);
    // Back again: the clock runs as before, and a later silence raises.
    const back = absence.step(rule, bye.state, sensor('s1', { t: 1 }, { ts: 10_000 }), 10_000);
    expect(back).toMatchObject({ emit: [], wakeAt: 130_000 });
    expect(absence.tick(rule, back.state, 130_000).emit).toMatchObject([{ phase: 'raise' }]);
  });

  it('places an offline raise where the device last reported (status messages carry no position)', () => {
    const seen = absence.step(rule, absence.init(rule), sensor('s1', { t: 1 }, { grid: 'G-7', district: 'd-1' }), 1);
    const r = absence.step(rule, seen.state, status('s1', 'offline', { ts: 5 }), 5);
    expect(r.emit[0]!.reading).toMatchObject({ status: 'offline', grid: 'G-7', district: 'd-1' });
  });

  it('never raises for a device it has not seen', () => {
    expect(absence.tick(rule, absence.init(rule), 1e9).emit).toEqual([]);
  });

  it('hears status messages even when the selector names a metric', () => {
    const accepts = absence.accepts!(absenceOf({ after: '1m', select: { metric: 'waterLevel', device: 'w-*' } }));
    expect(accepts(status('w-1', 'offline'))).toBe(true);
    expect(accepts(status('g-1', 'offline'))).toBe(false);
    expect(accepts(sensor('w-1', { gas: 1 }))).toBe(false);
    expect(accepts(sensor('w-1', { waterLevel: 1 }))).toBe(true);
  });
});
