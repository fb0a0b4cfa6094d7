// The device registry (DESIGN: "a device's identity is its registry id (its MQTT username)
// when registered"). A YAML or JSON file `{"devices": [...]}`; plain passwords in the file
// are hashed on load so that only hashes stay in memory.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DeviceId, DeviceKind, Location } from '../model/reading.js';
import { RegistryError } from './errors.js';
import { hashPassword, isPasswordHash, verifyPassword } from './password.js';

/** One entry of the registry file, as written by an operator. */
export const DeviceEntry = z
  .strictObject({
    id: DeviceId,
    kind: DeviceKind,
    /** MQTT username; defaults to the id. */
    username: z.string().min(1).max(128).optional(),
    password: z.string().min(1).optional(),
    passwordHash: z
      .string()
      .refine(isPasswordHash, 'passwordHash must look like scrypt$N$salt$hash (make one with hashPassword())')
      .optional(),
    loc: Location.optional(),
    district: z.string().min(1).optional(),
    grid: z.string().min(1).optional(),
    name: z.string().optional(),
    /** Extra MQTT topic filters this login may subscribe to (e.g. a dashboard: `city/#`). */
    subscribe: z.array(z.string().min(1)).optional(),
  })
  .refine((d) => (d.password === undefined) !== (d.passwordHash === undefined), {
    path: ['password'],
    message: 'exactly one of password or passwordHash is required',
  });
export type DeviceEntryInput = z.input<typeof DeviceEntry>;

export const RegistryFile = z.strictObject({ devices: z.array(DeviceEntry) });

/** A registered device as the other stages see it (credentials stay inside the registry). */
export const Device = z.object({
  id: z.string(),
  kind: DeviceKind,
  username: z.string(),
  loc: Location.optional(),
  district: z.string().optional(),
  grid: z.string().optional(),
  name: z.string().optional(),
  subscribe: z.array(z.string()).optional(),
});
export type Device = z.infer<typeof Device>;

export interface Registry {
  /** The device registered under this id. */
  get(id: string): Device | undefined;
  /** The device whose username and password match, else undefined. */
  authenticate(username: string, password: string | Buffer): Promise<Device | undefined>;
  /** Every registered device. */
  all(): readonly Device[];
  /** True when `name` is a registered id or username: an anonymous client may not take it. */
  isClaimed(name: string): boolean;
}

/** Load the registry from a YAML/JSON file; no path means an empty registry. */
export async function loadRegistry(path?: string): Promise<Registry> {
  if (path === undefined || path === '') return createRegistry({ devices: [] });
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new RegistryError(`device registry ${path}: cannot read: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    // YAML 1.2 is a superset of JSON, so one parser serves both file kinds.
    data = parseYaml(text);
  } catch (err) {
    throw new RegistryError(`device registry ${path}: not valid YAML/JSON: ${(err as Error).message}`);
  }
  return createRegistry(data, path);
}

/** Validate registry data (the parsed file) and build the registry; throws RegistryError. */
export async function createRegistry(data: unknown, source = 'device registry'): Promise<Registry> {
  const parsed = RegistryFile.safeParse(data);
  if (!parsed.success) {
    const entries = (data as { devices?: unknown } | null)?.devices;
    const issues = parsed.error.issues.map((issue) => describeIssue(issue, entries));
    throw new RegistryError(`${source}: ${issues.map((i) => i.text).join('; ')}`, issues);
  }
  checkUnique(parsed.data.devices, source);

  const devices = new Map<string, Device>();
  const byUsername = new Map<string, { device: Device; hash: string }>();
  const hashes = await Promise.all(parsed.data.devices.map((d) => d.passwordHash ?? hashPassword(d.password ?? '')));
  parsed.data.devices.forEach((entry, i) => {
    const { password: _pw, passwordHash: _hash, ...rest } = entry;
    const device: Device = { ...rest, username: entry.username ?? entry.id };
    devices.set(device.id, device);
    byUsername.set(device.username, { device, hash: hashes[i] ?? '' });
  });
  // Unknown usernames are checked against a throw-away hash so that the answer takes
  // as long as for a known one: response time does not tell which usernames exist.
  const decoy = await hashPassword('decoy');

  return {
    get: (id) => devices.get(id),
    all: () => [...devices.values()],
    isClaimed: (name) => devices.has(name) || byUsername.has(name),
    async authenticate(username, password) {
      const known = byUsername.get(username);
      const ok = await verifyPassword(password, known?.hash ?? decoy);
      return ok && known !== undefined ? known.device : undefined;
    },
  };
}

function describeIssue(issue: z.core.$ZodIssue, entries: unknown) {
  const [top, index, ...field] = issue.path;
  if (top === 'devices' && typeof index === 'number') {
    const raw = Array.isArray(entries) ? (entries[index] as { id?: unknown } | undefined) : undefined;
    const device = typeof raw?.id === 'string' ? raw.id : `#${index}`;
    const path = field.length > 0 ? field.join('.') : '(entry)';
    return { device, path, message: issue.message, text: `device "${device}" (devices[${index}]) field ${path}: ${issue.message}` };
  }
  const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return { path, message: issue.message, text: `field ${path}: ${issue.message}` };
}

function checkUnique(entries: ReadonlyArray<{ id: string; username?: string | undefined }>, source: string): void {
  const seen = new Map<string, string>();
  const issues: Array<{ device: string; path: string; message: string }> = [];
  for (const e of entries) {
    // ids and usernames share one namespace: an anonymous client id must not hit either.
    for (const [name, path] of [
      [e.id, 'id'],
      [e.username ?? e.id, 'username'],
    ] as const) {
      const owner = seen.get(name);
      if (owner !== undefined && owner !== e.id) {
        issues.push({ device: e.id, path, message: `"${name}" is already used by device "${owner}"` });
      } else if (owner === e.id && path === 'id') {
        issues.push({ device: e.id, path, message: `duplicate device id "${name}"` });
      }
      seen.set(name, e.id);
    }
  }
  if (issues.length > 0) {
    const text = issues.map((i) => `device "${i.device}" field ${i.path}: ${i.message}`).join('; ');
    throw new RegistryError(`${source}: ${text}`, issues);
  }
}
