// What the service starts from: where the cases are kept (the embedded SQLite of one process, or
// in cluster mode the PostgreSQL every node shares, docs/cluster.md), TLS, the tokens, the clock.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { loadTlsFiles, TlsError } from '../broker/index.js';
import { openPostgresStore, openSqliteStore, type CaseStore, type PostgresStore, type SqliteStore } from '../store/index.js';
import type { Config } from './config.js';
import { StartupError } from './errors.js';
import { createAuthenticator } from './auth.js';
import { demoVerifierToken } from './demo.js';

export interface CaseStores {
  store: CaseStore;
  /** Single-node mode. */
  sqlite?: SqliteStore;
  /** Cluster mode. */
  postgres?: PostgresStore;
}

export function openCaseStores(config: Config, logger: Logger): CaseStores {
  if (config.cluster) {
    const postgres = openPostgresStore({
      url: config.cluster.databaseUrl,
      telemetry: !config.influx,
      telemetryRetentionMs: config.telemetryRetention,
      logger,
    });
    return { store: postgres, postgres };
  }
  const sqlite = openSqliteStore({
    dataDir: config.dataDir,
    telemetryRetentionMs: config.telemetryRetention,
    busyTimeoutMs: config.storeBusyTimeout,
    logger,
  });
  return { store: sqlite, sqlite };
}

/** The certificate and key when TLS is configured (docs/operations.md). */
export function loadTls(config: Config) {
  if (!config.tls) return undefined;
  try {
    return loadTlsFiles(config.tls.cert, config.tls.key);
  } catch (err) {
    if (err instanceof TlsError) throw new StartupError(err.message);
    throw err;
  }
}

/** The operator token (random unless configured), the demo's verifier, and the authenticator over every token. */
export function serviceAuth(config: Config) {
  const token = config.operatorToken ?? randomBytes(18).toString('base64url');
  const verifier = config.demo ? demoVerifierToken(config.tokens) : undefined;
  try {
    return { token, verifier, auth: createAuthenticator(token, verifier ? [...(config.tokens ?? []), verifier] : config.tokens) };
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
}

/** The deadline clock: overdue deadlines, escalations and the duty roster's escalation, each `intervalMs`, while `runs()`. */
export function startDeadlineClock(o: { intervalMs: number; runs: () => boolean; tick: () => void; logger: Logger }): () => void {
  const timer = setInterval(() => {
    if (!o.runs()) return;
    try {
      o.tick();
    } catch (err) {
      o.logger.error({ err }, 'deadline check failed');
    }
  }, o.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
