import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../app/config.js';
import { ConfigError } from '../../../app/errors.js';

const tmpFile = (name: string, text: string) => {
  const p = join(mkdtempSync(join(tmpdir(), 'cs-cfg-')), name);
  writeFileSync(p, text);
  return p;
};

const errorOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

describe('config', () => {
  it('has the embedded defaults of the Contracts', () => {
    const c = loadConfig({});
    expect(c.mqtt).toMatchObject({ port: 1883, wsPort: 8083 });
    expect(c.http.port).toBe(8080);
    expect(c.dataDir).toBe('./data');
    expect(c.demo).toBe(true);
    expect(c.influx).toBeUndefined();
    expect(c.ingest.maxFuture).toBe(86_400_000);
  });

  it('reads ingest.maxFuture as a duration and names it when it is not one', () => {
    expect(loadConfig({}, { ingest: { maxFuture: '2h' } }).ingest.maxFuture).toBe(7_200_000);
    expect(errorOf(() => loadConfig({}, { ingest: { maxFuture: 'soon' } })).issues[0]?.path).toBe('ingest.maxFuture');
  });

  it('maps every CITYSENSE_* variable', () => {
    const c = loadConfig({
      CITYSENSE_MQTT_PORT: '11883',
      CITYSENSE_MQTT_WS_PORT: '18083',
      CITYSENSE_HTTP_PORT: '18080',
      CITYSENSE_DATA_DIR: '/tmp/cs',
      CITYSENSE_RULES: 'r.yaml',
      CITYSENSE_DEVICES: 'd.yaml',
      CITYSENSE_ROUTING: 'routing.yaml',
      CITYSENSE_OPERATOR_TOKEN: 'a-very-long-token-123',
      CITYSENSE_DEMO: '0',
      CITYSENSE_ALLOW_ANONYMOUS: '1',
      CITYSENSE_INFLUX_URL: 'http://127.0.0.1:8086',
      CITYSENSE_INFLUX_BUCKET: 'citysense/autogen',
      CITYSENSE_INFLUX_API: 'v1',
    });
    expect(c).toMatchObject({
      mqtt: { port: 11883, wsPort: 18083 },
      http: { port: 18080 },
      dataDir: '/tmp/cs',
      rules: 'r.yaml',
      devices: 'd.yaml',
      routing: 'routing.yaml',
      operatorToken: 'a-very-long-token-123',
      demo: false,
      allowAnonymous: true,
      influx: { url: 'http://127.0.0.1:8086', bucket: 'citysense/autogen', api: 'v1' },
    });
  });

  it('reads a YAML file and lets the environment win', () => {
    const file = tmpFile('c.yaml', 'http:\n  port: 9000\nmqtt:\n  port: 9001\ndeadlineCheckInterval: 1s\n');
    const c = loadConfig({ CITYSENSE_CONFIG: file, CITYSENSE_HTTP_PORT: '9100' });
    expect(c.http.port).toBe(9100);
    expect(c.mqtt.port).toBe(9001);
    expect(c.deadlineCheckInterval).toBe(1000);
  });

  it.each([
    [{ CITYSENSE_HTTP_PORT: 'eighty' }, 'CITYSENSE_HTTP_PORT (http.port)'],
    [{ CITYSENSE_MQTT_PORT: '70000' }, 'CITYSENSE_MQTT_PORT (mqtt.port)'],
    [{ CITYSENSE_DEMO: 'maybe' }, 'CITYSENSE_DEMO (demo)'],
    [{ CITYSENSE_OPERATOR_TOKEN: 'short' }, 'CITYSENSE_OPERATOR_TOKEN (operatorToken)'],
    [{ CITYSENSE_INFLUX_API: 'v3' }, 'CITYSENSE_INFLUX_API (influx.api)'],
    [{ CITYSENSE_INFLUX_URL: 'not a url', CITYSENSE_INFLUX_BUCKET: 'b' }, 'CITYSENSE_INFLUX_URL (influx.url)'],
  ])('names the bad field: %o', (env, field) => {
    expect(errorOf(() => loadConfig(env)).message).toContain(field);
  });

  it('refuses unknown keys and bad values in the file, naming them', () => {
    const file = tmpFile('c.json', JSON.stringify({ http: { prot: 1 }, telemetryRetention: 'forever' }));
    const err = errorOf(() => loadConfig({ CITYSENSE_CONFIG: file }));
    expect(err.message).toContain('http');
    expect(err.message).toContain('prot');
    expect(err.message).toContain('telemetryRetention');
  });

  it('names an unreadable config file', () => {
    expect(errorOf(() => loadConfig({ CITYSENSE_CONFIG: '/nonexistent/c.yaml' })).message).toContain('CITYSENSE_CONFIG');
  });

  it('takes 回访 and evaluation-model keys from the file, with defaults, and names a bad one', () => {
    const c = loadConfig({});
    expect(c.followUp).toEqual({ ttl: 7 * 86_400_000 });
    expect(Object.keys(c.evaluation.families)).toEqual(['safety', 'order', 'service']);
    const file = tmpFile(
      'c.yaml',
      'followUp: { ttl: 2d, baseUrl: "https://city.example/" }\nevaluation:\n  families: { city: { indicators: { safe: { categories: [fire] } } } }\n',
    );
    const custom = loadConfig({ CITYSENSE_CONFIG: file });
    expect(custom.followUp).toEqual({ ttl: 2 * 86_400_000, baseUrl: 'https://city.example/' });
    expect(custom.evaluation.families).toEqual({ city: { weight: 1, indicators: { safe: { weight: 1, categories: ['fire'] } } } });
    expect(custom.evaluation.categoryMeasures).toEqual({ closure: 0.4, onTimeDepartment: 0.4, noRework: 0.2 });
    const bad = tmpFile(
      'c.json',
      JSON.stringify({ followUp: { ttl: '0s' }, evaluation: { families: { city: { indicators: { safe: { measures: { speed: 1 } } } } } } }),
    );
    const err = errorOf(() => loadConfig({ CITYSENSE_CONFIG: bad }));
    expect(err.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['followUp.ttl', 'evaluation.families.city.indicators.safe.measures']),
    );
  });
});
