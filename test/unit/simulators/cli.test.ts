import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgressPrinter, formatProgress, parseSimulateArgs, SIMULATE_HELP } from '../../../simulators/cli.js';
import { SimulationOptionsError } from '../../../simulators/errors.js';
import { loadDeviceCredentials } from '../../../simulators/options.js';
import { runSimulation } from '../../../simulators/run.js';

describe('parseSimulateArgs', () => {
  it('fills in defaults', () => {
    const r = parseSimulateArgs([]);
    expect(r.ok && r.value).toMatchObject({
      url: 'mqtt://127.0.0.1:1883',
      scenario: 'normal',
      rate: 1,
      duration: 0,
      malformed: 0,
    });
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    const r = parseSimulateArgs([
      '--url',
      'ws://127.0.0.1:8083/mqtt',
      '--scenario=flood',
      '--sensors',
      '12',
      '--cameras',
      '3',
      '--drones=2',
      '--rate',
      '0.2',
      '--duration',
      '30',
      '--seed',
      '7',
      '--malformed',
      '0.1',
      '--incident-every',
      '45',
      '--devices',
      'devices.yaml',
    ]);
    expect(r).toMatchObject({
      ok: true,
      help: false,
      value: {
        url: 'ws://127.0.0.1:8083/mqtt',
        scenario: 'flood',
        sensors: 12,
        cameras: 3,
        drones: 2,
        rate: 0.2,
        duration: 30,
        seed: 7,
        malformed: 0.1,
        incidentEverySec: 45,
        devicesFile: 'devices.yaml',
      },
    });
  });

  it('notices --help', () => {
    expect(parseSimulateArgs(['--help'])).toMatchObject({ ok: true, help: true });
    for (const flag of ['--url', '--scenario', '--rate', '--malformed', '--incident-every']) expect(SIMULATE_HELP).toContain(flag);
  });

  it.each([
    [['--bogus', '1'], '--bogus', 'unknown flag'],
    [['--rate', 'fast'], '--rate', 'expected a number'],
    [['--rate'], '--rate', 'needs a value'],
    [['--rate', '0'], '--rate', ''],
    [['--malformed', '1.5'], '--malformed', ''],
    [['--sensors', '2.5'], '--sensors', ''],
    [['--scenario', 'earthquake'], '--scenario', ''],
    [['--url', 'http://example.com'], '--url', 'mqtt://'],
    [['--incident-every', '-3'], '--incident-every', ''],
    [['stray'], 'stray', 'unexpected argument'],
  ])('refuses %j naming %s', (argv, flag, words) => {
    const r = parseSimulateArgs(argv);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]?.path).toBe(flag);
    expect(r.message).toContain(flag);
    expect(r.message).toContain(words);
  });
});

describe('progress output', () => {
  const p = { sent: 1234, ratePerSec: 12, refused: 3, elapsedMs: 102_000 };

  it('formats one line', () => {
    expect(formatProgress(p)).toBe('sent 1234 (12.0/s) refused 3 · 01:42');
  });

  it('rewrites one live line on a TTY and prints plain lines otherwise', () => {
    const chunks: string[] = [];
    const tty = createProgressPrinter({ isTTY: true, write: (c: string) => chunks.push(c) });
    tty.onProgress(p);
    tty.onProgress(p);
    tty.finish({ sent: 1, malformedSent: 0, refused: 0, errors: 0, durationMs: 1000 });
    expect(chunks[0]!.startsWith('\r')).toBe(true);
    expect(chunks.slice(0, 2).join('')).not.toContain('\n');
    expect(chunks[2]).toMatch(/^\ndone: sent 1/);
    const plain: string[] = [];
    const pipe = createProgressPrinter({ isTTY: false, write: (c: string) => plain.push(c) });
    pipe.onProgress(p);
    expect(plain[0]).toBe(`${formatProgress(p)}\n`);
  });
});

describe('options', () => {
  it('rejects invalid options before connecting anything', async () => {
    await expect(runSimulation({ rate: -1, url: 'mqtt://127.0.0.1:1' })).rejects.toBeInstanceOf(SimulationOptionsError);
    await expect(runSimulation({ malformed: 2 })).rejects.toThrow(/malformed/);
  });

  it('loads credentials from a registry list, a bare array or a map (JSON or YAML)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citysense-sim-'));
    const write = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    const list = await loadDeviceCredentials(
      write(
        'a.yaml',
        'devices:\n  - id: sensor-001\n    kind: sensor\n    password: s3cret\n  - id: camera-001\n    token: t0k\n  - id: drone-001\n',
      ),
    );
    expect(list).toEqual({ ok: true, value: { 'sensor-001': { password: 's3cret' }, 'camera-001': { password: 't0k' } } });
    const arr = await loadDeviceCredentials(write('b.json', '[{"id":"sensor-002","username":"u","password":"p"}]'));
    expect(arr).toEqual({ ok: true, value: { 'sensor-002': { username: 'u', password: 'p' } } });
    const map = await loadDeviceCredentials(write('c.json', '{"sensor-003":{"password":"x"}}'));
    expect(map).toEqual({ ok: true, value: { 'sensor-003': { password: 'x' } } });
    const bad = await loadDeviceCredentials(write('d.json', '{"devices":[{"id":"bad id!"}]}'));
    expect(bad.ok).toBe(false);
    const missing = await loadDeviceCredentials(join(dir, 'nope.yaml'));
    expect(missing.ok || missing.issues[0]?.path).toBe('devicesFile');
  });
});
