import { describe, expect, it } from 'vitest';
import { decidePublish, decideSubscribe, filterCovers, type Identity } from '../../../broker/acl.js';

const registered: Identity = { id: 's1', device: { id: 's1', kind: 'sensor', username: 'gw-s1' } };
const dashboard: Identity = {
  id: 'dash',
  device: { id: 'dash', kind: 'sensor', username: 'dash', subscribe: ['city/#', 'citysense/rejected/#'] },
};
const anonymous: Identity = { id: 'anon-1' };

describe('decidePublish', () => {
  it.each([
    [registered, 'city/sensor/s1/telemetry'],
    [registered, 'city/sensor/s1/status'],
    [anonymous, 'city/camera/anon-1/event'],
    [anonymous, 'city/drone/anon-1/telemetry'],
  ])('allows %j on %s', (who, topic) => {
    expect(decidePublish(who, topic)).toBeUndefined();
  });

  it.each([
    [registered, 'city/sensor/s2/telemetry', 'not_own_topic', 'sensor'],
    [registered, 'city/camera/s1/event', 'not_own_topic', 'sensor'],
    [anonymous, 'city/sensor/s1/telemetry', 'not_own_topic', 'sensor'],
    [anonymous, 'citysense/rejected/x/y', 'reserved_topic', 'unknown'],
    [registered, 'citysense/rejected/sensor/s1', 'reserved_topic', 'sensor'],
    [anonymous, '$SYS/broker/x', 'reserved_topic', 'unknown'],
    [anonymous, 'other/thing', 'reserved_topic', 'unknown'],
    [anonymous, 'city/lamp/anon-1/telemetry', 'bad_topic', 'unknown'],
    [anonymous, 'city/sensor/anon-1', 'bad_topic', 'sensor'],
  ])('refuses %j on %s (%s, reported under %s)', (who, topic, reason, kind) => {
    expect(decidePublish(who, topic)).toMatchObject({ reason, kind, issues: [{ path: 'topic' }] });
  });
});

describe('decideSubscribe', () => {
  it.each([
    [registered, 'city/sensor/s1/#', true],
    [registered, 'city/sensor/s1/status', true],
    [registered, 'city/sensor/s1', true],
    [registered, 'citysense/rejected/sensor/s1', true],
    [registered, 'city/sensor/s2/#', false],
    [registered, 'city/sensor/+/telemetry', false],
    [registered, 'city/#', false],
    [registered, 'citysense/rejected/#', false],
    [registered, '#', false],
    [dashboard, 'city/#', true],
    [dashboard, 'citysense/rejected/camera/+', true],
    [dashboard, '$SYS/#', false],
    [anonymous, 'city/#', true],
    [anonymous, 'citysense/rejected/#', true],
    [anonymous, '$citysense/dropped', false],
  ])('%j subscribing %s → %s', (who, filter, allowed) => {
    expect(decideSubscribe(who, filter)).toBe(allowed);
  });
});

describe('filterCovers', () => {
  it.each([
    ['a/b/#', 'a/b/c/d', true],
    ['a/b/#', 'a/b', true],
    ['a/+/c', 'a/x/c', true],
    ['a/+/c', 'a/+/c', true],
    ['a/+/c', 'a/#', false],
    ['a/b', 'a/+', false],
    ['a/b', 'a/b/c', false],
    ['#', 'anything/at/all', true],
  ])('%s covers %s → %s', (pattern, filter, covers) => {
    expect(filterCovers(pattern, filter)).toBe(covers);
  });
});
