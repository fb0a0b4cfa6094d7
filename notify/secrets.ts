// Secrets in the config file are references, so the file can be committed: `${ENV_NAME}` reads
// the environment, `file:/path` reads a file (trailing newline dropped), anything else is literal.
// Receiver URLs may hold `${ENV_NAME}` anywhere (a robot's key is in its URL's query).
import { readFileSync } from 'node:fs';
import type { NotifyConfig, Receiver } from './config.js';
import { SecretError } from './errors.js';

/** The value of one secret reference; throws SecretError naming `path`. */
export function resolveSecret(ref: string, path: string, env: NodeJS.ProcessEnv): string {
  const envRef = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(ref);
  if (envRef) {
    const value = env[envRef[1]!];
    if (value === undefined || value === '') throw new SecretError(path, `environment variable ${envRef[1]} is not set`);
    return value;
  }
  if (ref.startsWith('file:')) {
    const file = ref.slice('file:'.length);
    try {
      const value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      if (value === '') throw new Error('the file is empty');
      return value;
    } catch (err) {
      throw new SecretError(path, `cannot read ${file}: ${(err as Error).message}`);
    }
  }
  return ref;
}

/** `text` with each `${ENV_NAME}` in it replaced (robot URLs carry their key in the query). */
export function expandEnv(text: string, path: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined || value === '') throw new SecretError(path, `environment variable ${name} is not set`);
    return encodeURIComponent(value);
  });
}

/** The config with every secret reference replaced by its value. */
export function resolveSecrets(config: NotifyConfig, env: NodeJS.ProcessEnv = process.env): NotifyConfig {
  const receivers = config.receivers.map((r, i): Receiver => {
    const at = `notify.receivers.${i}`;
    if (r.type === 'email') {
      return r.smtp.password === undefined
        ? r
        : { ...r, smtp: { ...r.smtp, password: resolveSecret(r.smtp.password, `${at}.smtp.password`, env) } };
    }
    const url = expandEnv(r.url, `${at}.url`, env);
    if ('secret' in r && r.secret !== undefined) return { ...r, url, secret: resolveSecret(r.secret, `${at}.secret`, env) };
    return { ...r, url };
  });
  const linkSecret = config.linkSecret === undefined ? undefined : resolveSecret(config.linkSecret, 'notify.linkSecret', env);
  return { ...config, receivers, linkSecret };
}
