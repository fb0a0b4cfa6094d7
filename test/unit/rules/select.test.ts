import { describe, expect, it } from 'vitest';
import { globToRegExp } from '../../../rules/select.js';
import { matches, type Select } from '../../../rules/index.js';
import { camera, reading, sensor } from './helpers.js';

const r = sensor('water-007', { waterLevel: 0.2 }, { district: 'haidian', grid: 'g-12' });

describe('matches', () => {
  it.each<[string, Select, boolean]>([
    ['empty selector', {}, true],
    ['kind', { kind: 'sensor' }, true],
    ['other kind', { kind: 'camera' }, false],
    ['device glob *', { device: 'water-*' }, true],
    ['device glob ?', { device: 'water-00?' }, true],
    ['device glob no match', { device: 'gas-*' }, false],
    ['glob is anchored', { device: 'water' }, false],
    ['metric present', { metric: 'waterLevel' }, true],
    ['metric absent', { metric: 'gas' }, false],
    ['event absent', { event: 'smoke' }, false],
    ['district', { district: 'haidian' }, true],
    ['other district', { district: 'chaoyang' }, false],
    ['grid', { grid: 'g-12' }, true],
    ['all fields', { kind: 'sensor', device: '*-007', metric: 'waterLevel', district: 'haidian', grid: 'g-12' }, true],
  ])('%s', (_, select, expected) => {
    expect(matches(select, r)).toBe(expected);
  });

  it('matches events by type', () => {
    expect(matches({ event: 'smoke' }, camera('cam-1', 'smoke', 0.9))).toBe(true);
    expect(matches({ event: 'fire' }, camera('cam-1', 'smoke', 0.9))).toBe(false);
  });

  it('treats regex characters in globs literally', () => {
    expect(globToRegExp('a.b+c').test('a.b+c')).toBe(true);
    expect(globToRegExp('a.b+c').test('axbbc')).toBe(false);
    expect(matches({ device: 'cam.1' }, reading({ deviceId: 'camx1' }))).toBe(false);
  });
});
