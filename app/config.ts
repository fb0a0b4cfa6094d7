// Configuration (DESIGN.md § Processes, ports and commands): a YAML/JSON file named by
// CITYSENSE_CONFIG, overridden by CITYSENSE_* variables, validated once at start-up.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BrokerLimits } from '../broker/index.js';
import { Duration } from '../model/duration.js';
import { GroupSpec } from '../rules/index.js';
import { RULE_KINDS, type RuleKind } from '../rules/index.js';
import { TokenEntry } from './auth.js';
import { IntakeOptions } from '../alerts/index.js';
import { EvaluationModel } from '../alerts/index.js';
import { DEFAULT_RULES_PATH } from '../rules/index.js';
import { DEFAULT_MAX_FUTURE_MS } from '../ingest/index.js';
import { InfluxSinkOptions } from '../store/index.js';
import { issuesOf } from '../model/index.js';
import { NotifyConfig } from '../notify/index.js';
import { ReviewConfig } from './review-config.js';
import { ConfigError } from './errors.js';
import { ClusterSettings, clusterFromEnv } from '../cluster/index.js';

const Port = z.coerce.number().int().min(0).max(65535);
const Flag = z.union([z.boolean(), z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true')]);

export const Config = z.strictObject({
  mqtt: z
    .strictObject({ host: z.string().default('0.0.0.0'), port: Port.default(1883), wsPort: Port.default(8083) })
    .default({ host: '0.0.0.0', port: 1883, wsPort: 8083 }),
  http: z.strictObject({ host: z.string().default('0.0.0.0'), port: Port.default(8080) }).default({ host: '0.0.0.0', port: 8080 }),
  dataDir: z.string().min(1).default('./data'),
  rules: z.string().min(1).default(DEFAULT_RULES_PATH),
  devices: z.string().min(1).optional(),
  routing: z.string().min(1).optional(),
  grid: z
    .strictObject({ cellSizeM: z.number().positive().default(500), geojson: z.string().optional(), districts: z.string().optional() })
    .default({ cellSizeM: 500 }),
  operatorToken: z.string().min(16, 'operatorToken must be at least 16 characters').optional(),
  /** People's tokens: `{name, token, role: viewer|operator|admin|reporter, department?}`; the operator token is an admin. */
  tokens: z.array(TokenEntry).default([]),
  /** Manual reports (12345 / citizen intake): merge radius and each reporter token's rate (alerts/intake.ts). */
  intake: IntakeOptions.prefault({}),
  /** PEM files: with both, MQTT (mqtt.port) is MQTTS, the MQTT WebSocket port WSS, and the HTTP port HTTPS. */
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
  /** Device rate, connection rate, packet size and overload limits (broker/limits.ts). */
  limits: BrokerLimits.prefault({}),
  demo: Flag.default(true),
  /** Default: on in the demo, off otherwise (DESIGN: the demo default). */
  allowAnonymous: Flag.optional(),
  /** `maxFuture`: how far ahead of the broker's clock a device `ts` may be (docs/architecture.md § MQTT topics and payloads). */
  ingest: z.strictObject({ maxFuture: Duration.default(DEFAULT_MAX_FUTURE_MS) }).prefault({}),
  telemetryRetention: Duration.default(7 * 86_400_000),
  /** Evidence frozen with a case at close or false alarm (docs/reviews.md): its window, size and the suggestion's look-back. */
  review: ReviewConfig.prefault({}),
  /** How long a store write waits for another connection's lock before it fails (SQLITE_BUSY); it blocks the thread meanwhile. */
  storeBusyTimeout: Duration.default(5_000),
  /** A detection whose incident transaction fails (docs/operations.md § Durability): tries in all, backoff, and how many may wait. */
  detectionRetry: z
    .strictObject({
      attempts: z.number().int().min(1).max(100).default(5),
      delay: Duration.default(200),
      maxDelay: Duration.default(5_000),
      queue: z.number().int().positive().default(1_000),
    })
    .prefault({}),
  deadlineCheckInterval: Duration.default(5_000),
  /**
   * Grouping per rule kind for rules without their own `group` (docs/rules.md § Grouping): by default a
   * burst of device-offline detections in one grid is one incident listing the devices.
   */
  grouping: z
    .partialRecord(z.enum(RULE_KINDS as [RuleKind, ...RuleKind[]]), GroupSpec)
    .default({ absence: { by: 'grid', window: 120_000 } }),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** Local time for CAP `sent` and monthly evaluation rollups; default: this machine's offset. */
  utcOffsetMinutes: z
    .number()
    .int()
    .min(-720)
    .max(840)
    .default(() => -new Date().getTimezoneOffset()),
  /** 回访 (alerts/follow-up.ts): link lifetime, the public base URL of `/r/{token}` (default: the HTTP URL), and which report sources get one (default: all). */
  followUp: z
    .strictObject({
      ttl: Duration.refine((ms) => ms > 0, 'followUp.ttl must be longer than 0').default(7 * 86_400_000),
      baseUrl: z.url().optional(),
      sources: z.array(z.string().min(1)).min(1).optional(),
    })
    .prefault({}),
  /** 综合评价 by indicator family (alerts/evaluation-model.ts): `families` (replaces the default families as a whole) and `categoryMeasures`. */
  evaluation: EvaluationModel.prefault({}),
  /** CAP 1.2 `sender` (an unambiguous id of the issuing system, e.g. a domain) and its display name. */
  cap: z
    .strictObject({
      sender: z
        .string()
        .min(1)
        .regex(/^[^\s,<&]+$/, 'sender: no spaces, commas, < or &')
        .default('citysense.local'),
      senderName: z.string().min(1).default('citysense'),
    })
    .default({ sender: 'citysense.local', senderName: 'citysense' }),
  /** Node-RED at /flows: admin `user`, `password` (default: the operator token), `userDir` (default `${dataDir}/flows`). */
  flows: z
    .strictObject({
      enabled: Flag.default(true),
      user: z.string().min(1).default('admin'),
      password: z.string().min(8, 'flows.password must be at least 8 characters').optional(),
      userDir: z.string().min(1).optional(),
      /** Load Node-RED's exec, file, tcp, udp and http request nodes (flows/settings.ts UNSAFE_NODE_FILES). */
      allowUnsafeNodes: Flag.default(false),
    })
    .default({ enabled: true, user: 'admin', allowUnsafeNodes: false }),
  /** The InfluxDB sink (docs/operations.md § InfluxDB): the sink's own schema, so the file names its options exactly. */
  influx: InfluxSinkOptions.optional(),
  /** Notifications to people outside the console (DESIGN.md § Notifications; docs/notifications.md). */
  notify: NotifyConfig.optional(),
  /**
   * Cluster mode (docs/cluster.md): NATS JetStream at `natsUrl`, PostgreSQL at `databaseUrl` as
   * the shared store. Set by CITYSENSE_NATS_URL, CITYSENSE_DATABASE_URL and CITYSENSE_NODE_ID.
   */
  cluster: ClusterSettings.optional(),
});
export type Config = z.infer<typeof Config>;
export type ConfigInput = z.input<typeof Config>;

/** Environment variable → config path (DESIGN.md lists these names exactly). */
const ENV: Array<[string, string[]]> = [
  ['CITYSENSE_MQTT_PORT', ['mqtt', 'port']],
  ['CITYSENSE_MQTT_WS_PORT', ['mqtt', 'wsPort']],
  ['CITYSENSE_HTTP_PORT', ['http', 'port']],
  ['CITYSENSE_DATA_DIR', ['dataDir']],
  ['CITYSENSE_RULES', ['rules']],
  ['CITYSENSE_DEVICES', ['devices']],
  ['CITYSENSE_ROUTING', ['routing']],
  ['CITYSENSE_OPERATOR_TOKEN', ['operatorToken']],
  ['CITYSENSE_DEMO', ['demo']],
  ['CITYSENSE_ALLOW_ANONYMOUS', ['allowAnonymous']],
  ['CITYSENSE_INFLUX_URL', ['influx', 'url']],
  ['CITYSENSE_INFLUX_TOKEN', ['influx', 'token']],
  ['CITYSENSE_INFLUX_ORG', ['influx', 'org']],
  ['CITYSENSE_INFLUX_BUCKET', ['influx', 'bucket']],
  ['CITYSENSE_INFLUX_API', ['influx', 'api']],
  ['CITYSENSE_LOG_LEVEL', ['logLevel']],
  ['CITYSENSE_TLS_CERT', ['tls', 'cert']],
  ['CITYSENSE_TLS_KEY', ['tls', 'key']],
  ['CITYSENSE_DEVICE_RATE', ['limits', 'messagesPerSecond']],
  ['CITYSENSE_CONNECT_RATE', ['limits', 'connectionsPerMinute']],
  ['CITYSENSE_FLOWS', ['flows', 'enabled']],
  ['CITYSENSE_FLOWS_USER', ['flows', 'user']],
  ['CITYSENSE_FLOWS_PASSWORD', ['flows', 'password']],
  ['CITYSENSE_FLOWS_UNSAFE_NODES', ['flows', 'allowUnsafeNodes']],
];

/** Load and validate the configuration; throws ConfigError naming each bad field. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigInput = {}): Config {
  const source = env.CITYSENSE_CONFIG ? `config file ${env.CITYSENSE_CONFIG} + environment` : 'environment';
  let raw: Record<string, unknown> = {};
  if (env.CITYSENSE_CONFIG) {
    try {
      const parsed = parseYaml(readFileSync(env.CITYSENSE_CONFIG, 'utf8')) ?? {};
      if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the file must hold an object');
      raw = parsed as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError([{ path: 'CITYSENSE_CONFIG', message: (err as Error).message }], source);
    }
  }
  const envPath = new Map<string, string>();
  for (const [name, path] of ENV) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    setPath(raw, path, value);
    envPath.set(path.join('.'), name);
  }
  // The cluster variables are checked together (the store URL is required once NATS is named).
  const cluster = clusterFromEnv(env);
  if (!cluster.ok) throw new ConfigError(cluster.issues, source);
  if (cluster.value) raw.cluster = cluster.value;
  deepMerge(raw, overrides as Record<string, unknown>);
  const result = Config.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      issuesOf(result.error, { root: '(root)' }).map((i) => {
        const viaEnv = envPath.get(i.path);
        return viaEnv ? { ...i, path: `${viaEnv} (${i.path})` } : i;
      }),
      source,
    );
  }
  return result.data;
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown) {
  let at = obj;
  for (const key of path.slice(0, -1)) {
    if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[path[path.length - 1]!] = value;
}

function deepMerge(into: Record<string, unknown>, from: Record<string, unknown>) {
  for (const [k, v] of Object.entries(from)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && typeof into[k] === 'object' && into[k] !== null) {
      deepMerge(into[k] as Record<string, unknown>, v as Record<string, unknown>);
    } else if (v !== undefined) into[k] = v;
  }
}
