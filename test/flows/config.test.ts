// The flows block of the configuration: on by default for `npm start`, overridable by environment.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../app/config.js';
import { ConfigError } from '../../app/errors.js';

describe('flows configuration', () => {
  it('is on by default, admin user, password left to the operator token, unsafe nodes off', () => {
    expect(loadConfig({}).flows).toEqual({ enabled: true, user: 'admin', allowUnsafeNodes: false });
  });

  it('takes the unsafe-nodes switch from CITYSENSE_FLOWS_UNSAFE_NODES or flows.allowUnsafeNodes, naming a bad value', () => {
    expect(loadConfig({ CITYSENSE_FLOWS_UNSAFE_NODES: '1' }).flows.allowUnsafeNodes).toBe(true);
    expect(loadConfig({ CITYSENSE_FLOWS_UNSAFE_NODES: '0' }).flows.allowUnsafeNodes).toBe(false);
    expect(loadConfig({}, { flows: { allowUnsafeNodes: true } }).flows.allowUnsafeNodes).toBe(true);
    expect(() => loadConfig({ CITYSENSE_FLOWS_UNSAFE_NODES: 'yes' })).toThrow(/CITYSENSE_FLOWS_UNSAFE_NODES \(flows\.allowUnsafeNodes\)/);
  });

  it('takes CITYSENSE_FLOWS, CITYSENSE_FLOWS_USER and CITYSENSE_FLOWS_PASSWORD', () => {
    const env = { CITYSENSE_FLOWS: '0', CITYSENSE_FLOWS_USER: 'engineer', CITYSENSE_FLOWS_PASSWORD: 'long-enough-secret' };
    expect(loadConfig(env).flows).toEqual({ enabled: false, user: 'engineer', password: 'long-enough-secret', allowUnsafeNodes: false });
  });

  it('refuses a short password, naming the variable', () => {
    expect(() => loadConfig({ CITYSENSE_FLOWS_PASSWORD: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ CITYSENSE_FLOWS_PASSWORD: 'short' })).toThrow(
      /CITYSENSE_FLOWS_PASSWORD \(flows\.password\): flows\.password must be at least 8/,
    );
  });
});
