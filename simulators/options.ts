// Options of a simulation run, validated once at the edge (runSimulation, the CLI).
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { toIssues as issuesOf } from '../ingest/index.js';
import { DeviceId, LatLon } from '../model/reading.js';
import type { Issue } from './errors.js';
import { SHANGHAI } from './fleet.js';
import { ScenarioName } from './scenarios.js';

/** Per-device MQTT credentials of registered devices; the username defaults to the device id. */
export const Credentials = z.record(DeviceId, z.object({ username: z.string().min(1).optional(), password: z.string() }));
export type Credentials = z.infer<typeof Credentials>;

export const SimulateOptions = z.object({
  url: z.url({ protocol: /^(mqtts?|wss?|tcp)$/, error: 'url must be mqtt://, mqtts://, ws:// or wss://' }).default('mqtt://127.0.0.1:1883'),
  scenario: ScenarioName.default('normal'),
  sensors: z.number().int().nonnegative().max(10_000).default(6),
  cameras: z.number().int().nonnegative().max(10_000).default(2),
  drones: z.number().int().nonnegative().max(1_000).default(1),
  /** Messages per second per device; fractions allowed (0.2 = one every 5 s). */
  rate: z.number().positive().max(100).default(1),
  /** Seconds; 0 runs until aborted. */
  duration: z.number().nonnegative().default(0),
  seed: z.number().int().default(1),
  /** Share of messages deliberately broken (0..1). */
  malformed: z.number().min(0).max(1).default(0),
  /** normal scenario: an incident every this many seconds. */
  incidentEverySec: z.number().positive().optional(),
  /** flood / fire / outage: seconds of quiet before the scenario starts. */
  startSec: z.number().nonnegative().default(5),
  outageFraction: z.number().min(0).max(1).default(0.3),
  center: LatLon.default({ ...SHANGHAI }),
  spreadKm: z.number().positive().max(500).default(3),
  /** Prepended to every device id; the demo fleet of `npm start` uses `demo-`. */
  idPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]{0,32}$/, 'idPrefix: letters, digits, _ and - only')
    .default(''),
  credentials: Credentials.optional(),
  /** A device registry / credentials file (JSON or YAML), see loadDeviceCredentials. */
  devicesFile: z.string().min(1).optional(),
  connectTimeoutMs: z.number().int().positive().default(5_000),
});
export type SimulateOptions = z.infer<typeof SimulateOptions>;
export type SimulateOptionsInput = z.input<typeof SimulateOptions>;

export type Result<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

/** Zod issues → `{path, message}` with a dotted path. */
export function toIssues(error: z.ZodError): Issue[] {
  return issuesOf(error.issues);
}

/** Validates simulation options, filling in defaults. */
export function parseSimulateOptions(input: unknown): Result<SimulateOptions> {
  const r = SimulateOptions.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: toIssues(r.error) };
}

const Secret = z.object({
  id: DeviceId,
  username: z.string().min(1).optional(),
  password: z.string().optional(),
  secret: z.string().optional(),
  token: z.string().optional(),
});
// A registry-like list (entries may carry kind, loc, … which we ignore), or a credentials map.
const DevicesFile = z.union([z.object({ devices: z.array(Secret.loose()) }), z.array(Secret.loose()), Credentials]);

/**
 * Reads device credentials from a JSON or YAML file: `{devices: [{id, password|secret|token,
 * username?}]}`, a bare array of such entries, or a map `{deviceId: {password, username?}}`.
 */
export async function loadDeviceCredentials(path: string): Promise<Result<Credentials>> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(path, 'utf8'));
  } catch (error) {
    return { ok: false, issues: [{ path: 'devicesFile', message: `cannot read ${path}: ${(error as Error).message}` }] };
  }
  const r = DevicesFile.safeParse(raw);
  if (!r.success) return { ok: false, issues: toIssues(r.error).map((i) => ({ ...i, path: `devicesFile:${i.path}` })) };
  const entries = Array.isArray(r.data) ? r.data : 'devices' in r.data && Array.isArray(r.data.devices) ? r.data.devices : undefined;
  if (!entries) return { ok: true, value: r.data as Credentials };
  const credentials: Credentials = {};
  for (const e of entries) {
    const password = e.password ?? e.secret ?? e.token;
    if (password !== undefined) credentials[e.id] = e.username ? { username: e.username, password } : { password };
  }
  return { ok: true, value: credentials };
}
